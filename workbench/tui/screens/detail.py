"""One generation, larger: its image (a video's first, middle and last frames), params as a
tree, variants, lineage, shots; actions, and the previous and next items of the gallery."""

from __future__ import annotations

import threading
from functools import partial
from typing import Any, ClassVar, Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Tree

from workbench.errors import WorkbenchError, first_line, printable
from workbench.media import Thumbnails
from workbench.media.frames import FrameCache, duration_label, size_label
from workbench.media.links import file_size, launch, share_plan
from workbench.models import Generation, Variant
from workbench.tui.images import Picture, detail_sources
from workbench.tui.screens.dialogs import Confirm
from workbench.tui.threads import RendersModel, on_ui
from workbench.views import DetailModel, DetailState
from workbench.views.gallery import GalleryModel

# Frames in a video's strip: the first, the middle and the last.
STRIP_FRAMES = 3


class VariantsTable(DataTable[str]):
    """The generation's variants, one a row; its keys act on the row under the cursor, so they
    are only offered (and only work) while the table has the focus. Moving the cursor onto a
    variant marks it viewed, as selecting one does in Reigh.

    | Key(s) | Description |
    | :- | :- |
    | m | Make the variant under the cursor the primary. |
    | d | Delete the variant under the cursor (asks first; not the original or the primary). |
    | F | Star or unstar the variant under the cursor. |
    """

    # ``m``, not ``p``: ``p`` is "previous page" in the gallery, and a key means one thing;
    # ``F``, not ``s``: ``s`` shows the settings from every screen, this one included.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "screen.primary", "Primary"),
        # destructive, so not in the footer (as the gallery's delete); ? lists it
        Binding("d", "screen.delete_variant", "Delete variant", show=False),
        Binding("F", "screen.star_variant", "Star variant"),
    ]


class DetailScreen(RendersModel[DetailState], Screen[None]):
    """Renders a ``DetailModel``: the picture, whole and as sharp as the terminal can show it
    (loaded in a worker), and a caption beside the prompt, the params as a tree, the variants
    as a table (``VariantsTable``, focused first: its ``m``, ``d`` and ``F`` act on a
    variant), then lineage and shots. A video also shows its first, middle and last frames
    with its duration and size. ``tab`` moves the focus between the variants and the params.

    With the ``gallery`` it was opened from, left and right show the previous and next item
    of the gallery, across its pages (the gallery's cursor follows).

    | Key(s) | Description |
    | :- | :- |
    | escape, q | Back to the gallery. |
    | left | The gallery's previous item (across pages). |
    | right | The gallery's next item (across pages). |
    | f | Star or unstar the generation. |
    | o | Open the original in the system's viewer (else say where it is). |
    | y | Copy the original's path or URL to the clipboard. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back"),
        # priority: the tables and the tree would take left and right to scroll sideways
        Binding("left", "step(-1)", "Prev", priority=True),
        Binding("right", "step(1)", "Next", priority=True),
        Binding("f", "star", "Star"),
        Binding("o", "open_original", "Open"),
        Binding("y", "copy_link", "Copy"),
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
    DetailScreen #error { color: $error; height: auto; display: none; }
    DetailScreen #error.-shown { display: block; }
    DetailScreen #strip { height: 9; display: none; }
    DetailScreen #strip.-video { display: block; }
    DetailScreen #strip .frame { width: 1fr; height: 100%; margin-right: 1; }
    DetailScreen #video-facts { display: none; }
    DetailScreen #video-facts.-video { display: block; }
    """

    def __init__(
        self,
        model: DetailModel,
        thumbnails: Thumbnails,
        gallery: GalleryModel | None = None,
    ) -> None:
        super().__init__()
        self.model: DetailModel = model
        self.thumbnails = thumbnails
        self.gallery = gallery
        self._picture_of: object = None  # what the picture shown (or loading) is of
        self._frames_of: object = None  # what the strip shown (or loading) is of
        self._cursor_variant: str | None = None  # the variant the table's cursor is on
        self._variants_of: object = None  # the generation whose variants the table lists
        self._step_lock = threading.Lock()  # one step through the gallery at a time
        self._frame_cache: FrameCache | None = None

    @property
    def storage(self) -> Any:
        """The workbench's store (the app's), to read videos and make links; None in an app
        without a workbench."""
        return getattr(getattr(self.app, "wb", None), "storage", None)

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="picture"):
                yield Picture(classes="big")
                with Horizontal(id="strip"):
                    for n in range(STRIP_FRAMES):
                        yield Picture(classes="frame", id=f"frame-{n}")
                yield Label("", id="video-facts")
                yield Label("", id="caption")
            with VerticalScroll(id="facts"):
                yield Label("", id="title")
                yield Label("", id="error")
                yield Label("params", classes="heading")
                yield Tree("params", id="params", classes="pane")
                yield Label("variants", classes="heading")
                variants = VariantsTable(cursor_type="row", id="variants", classes="pane")
                variants.add_columns("type", "name", "primary", "new", "★", "created", "size")
                yield variants
                yield Label("lineage and shots", classes="heading")
                yield Label("", id="lineage")
        yield Footer()

    def render_state(self, state: DetailState) -> None:
        """Fill every part from the loaded generation (until then, "loading…" or the error)."""
        detail = state.detail
        error = self.query_one("#error", Label)
        error.update(escape(printable(state.error)) if state.error and detail else "")
        error.set_class(bool(state.error and detail), "-shown")
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
        self._fill_variants(item, detail.variants)
        lines = [f"edited from: {a.prompt or a.id}" for a in detail.ancestors]
        lines += [f"edited into: {d.prompt or d.id}" for d in detail.derived]
        lines += [f"in shot: {s.name}" for s in detail.shots] or ["in no shot"]
        self.query_one("#lineage", Label).update("\n".join(escape(printable(x)) for x in lines))
        shown = (item.id, item.location, item.thumbnail_url)  # a new primary: a new picture
        if shown != self._picture_of:  # (a star alone keeps the picture)
            self._picture_of = shown
            self.call_after_refresh(self._load_picture_of, item)  # once the box has its size
        self._show_strip(item)

    def _fill_variants(self, item: Generation, variants: tuple[Variant, ...]) -> None:
        """List the variants, the cursor staying on its variant (a star, a delete), else on
        the primary (another generation): the row shown, which opening marked viewed."""
        table = self.query_one(VariantsTable)
        keys = [str(v.id) for v in variants]
        if self._variants_of != item.id or self._cursor_variant not in keys:
            primary = [str(v.id) for v in variants if v.is_primary]
            self._cursor_variant = primary[0] if primary else (keys[0] if keys else None)
        self._variants_of = item.id
        table.clear()
        for variant in variants:
            size = file_size(variant.location, variant.params)
            table.add_row(escape(printable(variant.variant_type or "?")),
                          escape(printable(variant.name or "")),
                          "●" if variant.is_primary else "",
                          "new" if variant.viewed_at is None else "",
                          "★" if variant.starred else "",
                          f"{variant.created_at:%Y-%m-%d %H:%M}",
                          "" if size is None else size_label(size),
                          key=str(variant.id))  # fmt: skip
        if self._cursor_variant is not None:
            table.move_cursor(row=keys.index(self._cursor_variant))

    @on(DataTable.RowHighlighted, "#variants")
    def variant_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The user moved the cursor onto a variant: it is viewed (Reigh marks a variant
        viewed when it is selected). Highlights made by listing the rows again are not the
        user's: they are stale (another row than the cursor's now) or the row it was on."""
        key = event.row_key.value
        if key is None or event.cursor_row != event.data_table.cursor_row:
            return
        if key == self._cursor_variant:
            return
        self._cursor_variant = key
        self.in_worker(partial(self.model.view_variant, key))

    def _cursor_row_variant(self) -> Variant | None:
        """The variant under the table's cursor (None before the first load)."""
        table = self.query_one(VariantsTable)
        detail = self.model.state.detail
        if detail is not None and 0 <= table.cursor_row < len(detail.variants):
            return detail.variants[table.cursor_row]
        return None

    # -- a video's frames --------------------------------------------------------------------
    @property
    def frame_cache(self) -> FrameCache:
        """The frame strips (kept on disk: a video opened again decodes nothing)."""
        if self._frame_cache is None:
            self._frame_cache = FrameCache(self.storage)
        return self._frame_cache

    def _show_strip(self, item: Generation) -> None:
        """Show the strip (and load its frames) for a video; hide it for an image."""
        shown = (item.id, item.location) if item.is_video else None
        for part in ("#strip", "#video-facts"):
            self.query_one(part).set_class(item.is_video, "-video")
        if shown == self._frames_of:
            return
        self._frames_of = shown
        if item.is_video:
            self.query_one("#video-facts", Label).update("reading the video…")
            self.load_frames(item)

    @work(thread=True, exclusive=True, group="frames")
    def load_frames(self, item: Generation) -> None:
        """Decode the video's first, middle and last frames in a thread (or find them in the
        cache), then show them with its duration and size. A video that cannot be decoded
        here shows its stored thumbnail (its first frame) and the facts its params record."""
        pictures = [self.query_one(f"#frame-{n}", Picture) for n in range(STRIP_FRAMES)]
        try:
            strip = self.frame_cache.strip_of(item.location, count=STRIP_FRAMES)
        except WorkbenchError as exc:
            thumb = self.thumbnails.jpeg(item.thumbnail_url, max_side=300)
            frames: tuple[bytes | None, ...] = (thumb,)
            facts = _recorded_facts(item) + f" (frames: {first_line(exc)})"
        else:
            frames, facts = strip.frames, strip.caption
        for n, picture in enumerate(pictures):
            on_ui(self.app, picture.show, frames[n] if n < len(frames) else None)
        on_ui(self.app, self.query_one("#video-facts", Label).update, escape(printable(facts)))

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
        variant = self._cursor_row_variant()
        if variant is not None:
            self.in_worker(partial(self.model.set_primary_variant, variant.id))

    def action_star_variant(self) -> None:
        """Star or unstar the variant under the table's cursor."""
        variant = self._cursor_row_variant()
        if variant is not None:
            self.in_worker(partial(self.model.toggle_variant_star, variant.id))

    def action_delete_variant(self) -> None:
        """Ask, then delete the variant under the cursor; the original and the primary are
        refused (the reason is shown), as in Reigh. Undo brings it back."""
        variant = self._cursor_row_variant()
        if variant is None:
            return
        confirmation = self.model.confirm_delete_variant(variant.id)
        if confirmation is None:
            refusal = self.model.state.error or "this variant cannot be deleted"
            self.notify(escape(printable(refusal)), severity="error")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.in_worker(partial(self.model.delete_variant, variant.id))

        self.app.push_screen(Confirm(confirmation), answered)

    # -- the gallery's previous and next -----------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Left and right are only offered with a gallery to step through."""
        if action == "step":
            return self.gallery is not None
        return True

    def action_step(self, delta: int) -> None:
        """Show the gallery's previous (-1) or next (1) item, across its pages."""
        if self.gallery is not None:
            self._step(self.gallery, delta)

    @work(thread=True, group="step")
    def _step(self, gallery: GalleryModel, delta: int) -> None:
        with self._step_lock:  # presses queue up: each step starts where the last one ended
            shown = self.model.state.generation_id
            item = gallery.step(delta)
            if item is None or item.id == shown:
                end = "last" if delta > 0 else "first"
                on_ui(self.app, partial(self.notify, f"this is the gallery's {end} item"))
                return
            self.model.show(item.id)

    # -- the original: open it, copy where it is ----------------------------------------------
    def action_open_original(self) -> None:
        """Open the original in the system's viewer (not waiting for it); where there is no
        viewer or no display (over SSH), say where it is."""
        self._share("open")

    def action_copy_link(self) -> None:
        """Copy the original's path or URL to the terminal's clipboard (OSC 52: over SSH too);
        where the terminal cannot take it, show it to copy by hand."""
        self._share("copy")

    @work(thread=True, group="share")
    def _share(self, action: Literal["open", "copy"]) -> None:
        """Find the target in a thread (a bucket's link is signed: boto3 loads), then act."""
        try:
            target = self.model.original_link()
        except WorkbenchError as exc:
            on_ui(self.app, partial(self.notify, escape(first_line(exc)), severity="error"))
            return
        plan = share_plan(target, action)
        if plan.kind == "open":
            try:
                launch(plan.command)
            except WorkbenchError as exc:
                plan = share_plan(target, "copy", can_copy=False)
                message = f"{first_line(exc)}; {plan.message}"
                on_ui(self.app, partial(self.notify, escape(message), severity="warning"))
                return
        elif plan.kind == "copy":
            on_ui(self.app, self.app.copy_to_clipboard, plan.target)
        timeout = 4.0 if plan.kind != "show" else 30.0  # long enough to copy it by hand
        on_ui(self.app, partial(self.notify, escape(plan.message), timeout=timeout))


def _recorded_facts(item: Generation) -> str:
    """A video's duration and size as its params recorded them (when it is not decodable)."""
    parts = []
    duration = item.params.get("duration_seconds")
    if isinstance(duration, int | float) and not isinstance(duration, bool) and duration > 0:
        parts.append(f"duration {duration_label(duration)}")
    size = file_size(item.location, item.params)
    if size is not None:
        parts.append(size_label(size))
    return " · ".join(parts) or "a video"
