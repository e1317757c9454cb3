"""One generation, larger: its image, params as a tree, variants, lineage, shots; actions."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Tree

from workbench.media import Thumbnails
from workbench.tui.images import image_widget, show
from workbench.tui.threads import RendersModel, on_ui
from workbench.views import DetailModel, DetailState


class DetailScreen(RendersModel[DetailState], Screen[None]):
    """Renders a ``DetailModel``: the picture (loaded in a worker) and a caption beside the
    prompt, the params as a tree, the variants as a table, then lineage and shots.

    | Key(s) | Description |
    | :- | :- |
    | escape, q | Back to the gallery. |
    | f | Star or unstar the generation. |
    | p | Make the variant under the table's cursor the primary. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("f", "star", "Star"),
        Binding("p", "primary", "Make variant primary"),
    ]
    DEFAULT_CSS = """
    DetailScreen > Horizontal { height: 1fr; }
    DetailScreen #picture { width: 62; height: 100%; padding: 1; }
    DetailScreen #picture .big { width: 60; height: 24; }
    DetailScreen #facts { width: 1fr; padding: 0 1; }
    DetailScreen #title { text-style: bold; padding: 1 0; }
    DetailScreen Tree { height: auto; max-height: 18; }
    DetailScreen DataTable { height: auto; max-height: 8; }
    DetailScreen .heading { color: $accent; padding-top: 1; }
    """

    def __init__(self, model: DetailModel, thumbnails: Thumbnails) -> None:
        super().__init__()
        self.model: DetailModel = model
        self.thumbnails = thumbnails

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="picture"):
                yield image_widget(classes="big")
                yield Label("", id="caption")
            with VerticalScroll(id="facts"):
                yield Label("", id="title")
                yield Label("params", classes="heading")
                yield Tree("params", id="params")
                yield Label("variants", classes="heading")
                variants: DataTable[str] = DataTable(cursor_type="row", id="variants")
                variants.add_columns("type", "name", "primary", "new", "created")
                yield variants
                yield Label("lineage and shots", classes="heading")
                yield Label("", id="lineage")
        yield Footer()

    def render_state(self, state: DetailState) -> None:
        """Fill every part from the loaded generation (until then, "loading…" or the error)."""
        detail = state.detail
        if detail is None:
            self.query_one("#title", Label).update(state.error or "loading…")
            return
        item = detail.generation
        star = "★ " if item.starred else ""
        self.query_one("#title", Label).update(f"{star}{item.prompt or '(no prompt)'}")
        self.query_one("#caption", Label).update(
            f"{item.type} · {item.tool_type or ''} · {item.created_at:%Y-%m-%d %H:%M}"
        )
        tree = self.query_one("#params", Tree)
        tree.clear()
        tree.show_root = False
        nodes = {-1: tree.root}
        for depth, key, value in state.param_rows():
            parent = nodes[depth - 1]
            if value is None and key:
                nodes[depth] = parent.add(f"[b]{key}[/]", expand=True)
            else:
                parent.add_leaf(f"{key}: [dim]{value!r}[/]")
        table = self.query_one("#variants", DataTable)
        table.clear()
        for variant in detail.variants:
            table.add_row(variant.variant_type or "?", variant.name or "",
                          "●" if variant.is_primary else "", "new" if variant.viewed_at is None
                          else "", f"{variant.created_at:%Y-%m-%d %H:%M}",
                          key=str(variant.id))  # fmt: skip
        lines = [f"edited from: {a.prompt or a.id}" for a in detail.ancestors]
        lines += [f"edited into: {d.prompt or d.id}" for d in detail.derived]
        lines += [f"in shot: {s.name}" for s in detail.shots] or ["in no shot"]
        self.query_one("#lineage", Label).update("\n".join(lines))
        self.load_picture(item.thumbnail_url)

    @work(thread=True, exclusive=True)
    def load_picture(self, url: str | None) -> None:
        """Fetch the picture in a thread (a newer load cancels this one) and show it."""
        jpeg = self.thumbnails.jpeg(url, max_side=300)
        on_ui(self.app, show, self.query_one(".big"), jpeg)

    def action_star(self) -> None:
        """Star or unstar the generation."""
        self.in_worker(self.model.toggle_star)

    def action_primary(self) -> None:
        """Make the variant under the table's cursor the primary."""
        table = self.query_one("#variants", DataTable)
        detail = self.model.state.detail
        if detail is not None and 0 <= table.cursor_row < len(detail.variants):
            variant = detail.variants[table.cursor_row]
            self.in_worker(partial(self.model.set_primary_variant, variant.id))
