"""One generation, larger: its image, params as a tree, variants, lineage, shots; actions."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Tree

from workbench.errors import printable
from workbench.media import Thumbnails
from workbench.models import Generation
from workbench.tui.images import Picture, detail_sources
from workbench.tui.threads import RendersModel, on_ui
from workbench.views import DetailModel, DetailState


class VariantsTable(DataTable[str]):
    """The generation's variants, one a row; its key acts on the row under the cursor, so it
    is only offered (and only works) while the table has the focus.

    | Key(s) | Description |
    | :- | :- |
    | m | Make the variant under the cursor the primary. |
    """

    # ``m``, not ``p``: ``p`` is "previous page" in the gallery, and a key means one thing.
    BINDINGS: ClassVar[list[BindingType]] = [Binding("m", "screen.primary", "Make primary")]


class DetailScreen(RendersModel[DetailState], Screen[None]):
    """Renders a ``DetailModel``: the picture, whole and as sharp as the terminal can show it
    (loaded in a worker), and a caption beside the prompt, the params as a tree, the variants
    as a table (``VariantsTable``, focused first: its ``m`` makes a variant the primary), then
    lineage and shots. ``tab`` moves the focus between the variants and the params.

    | Key(s) | Description |
    | :- | :- |
    | escape, q | Back to the gallery. |
    | f | Star or unstar the generation. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("f", "star", "Star"),
    ]
    AUTO_FOCUS = "#variants"
    DEFAULT_CSS = """
    DetailScreen > Horizontal { height: 1fr; }
    DetailScreen #picture { width: 62; height: 100%; padding: 1; }
    DetailScreen #picture .big { width: 60; height: 1fr; }
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
        self._picture_of: object = None  # what the picture shown (or loading) is of

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="picture"):
                yield Picture(classes="big")
                yield Label("", id="caption")
            with VerticalScroll(id="facts"):
                yield Label("", id="title")
                yield Label("params", classes="heading")
                yield Tree("params", id="params", classes="pane")
                yield Label("variants", classes="heading")
                variants = VariantsTable(cursor_type="row", id="variants", classes="pane")
                variants.add_columns("type", "name", "primary", "new", "created")
                yield variants
                yield Label("lineage and shots", classes="heading")
                yield Label("", id="lineage")
        yield Footer()

    def render_state(self, state: DetailState) -> None:
        """Fill every part from the loaded generation (until then, "loading…" or the error)."""
        detail = state.detail
        if detail is None:
            self.query_one("#title", Label).update(escape(printable(state.error or "loading…")))
            return
        item = detail.generation
        star = "★ " if item.starred else ""
        prompt = escape(printable(item.prompt or "(no prompt)"))
        self.query_one("#title", Label).update(f"{star}{prompt}")
        tool = escape(printable(item.tool_type or ""))
        self.query_one("#caption", Label).update(
            f"{item.type} · {tool} · {item.created_at:%Y-%m-%d %H:%M}"
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
        table = self.query_one(VariantsTable)
        table.clear()
        for variant in detail.variants:
            table.add_row(escape(printable(variant.variant_type or "?")),
                          escape(printable(variant.name or "")),
                          "●" if variant.is_primary else "", "new" if variant.viewed_at is None
                          else "", f"{variant.created_at:%Y-%m-%d %H:%M}",
                          key=str(variant.id))  # fmt: skip
        lines = [f"edited from: {a.prompt or a.id}" for a in detail.ancestors]
        lines += [f"edited into: {d.prompt or d.id}" for d in detail.derived]
        lines += [f"in shot: {s.name}" for s in detail.shots] or ["in no shot"]
        self.query_one("#lineage", Label).update("\n".join(escape(printable(x)) for x in lines))
        shown = (item.id, item.location, item.thumbnail_url)  # a new primary: a new picture
        if shown != self._picture_of:  # (a star alone keeps the picture)
            self._picture_of = shown
            self.call_after_refresh(self._load_picture_of, item)  # once the box has its size

    def _load_picture_of(self, item: Generation) -> None:
        picture = self.query_one(Picture)
        box = picture.content_size
        self.load_picture(picture, detail_sources(item, (box.width, box.height)))

    @work(thread=True, exclusive=True)
    def load_picture(self, picture: Picture, sources: list[tuple[str, int]]) -> None:
        """Fetch the picture in a thread (a newer load cancels this one) and show it: each of
        ``sources`` (URL, long side), the thumbnail first, replaces the last one shown."""
        for url, side in sources:
            jpeg = self.thumbnails.jpeg(url, max_side=side)
            if jpeg is not None:  # an unreadable original leaves the thumbnail shown
                on_ui(self.app, picture.show, jpeg)

    def action_star(self) -> None:
        """Star or unstar the generation."""
        self.in_worker(self.model.toggle_star)

    def action_primary(self) -> None:
        """Make the variant under the table's cursor the primary."""
        table = self.query_one(VariantsTable)
        detail = self.model.state.detail
        if detail is not None and 0 <= table.cursor_row < len(detail.variants):
            variant = detail.variants[table.cursor_row]
            self.in_worker(partial(self.model.set_primary_variant, variant.id))
