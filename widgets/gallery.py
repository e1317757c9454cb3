"""The gallery widget: filters, a page-size control, the grid of tiles (one front-end
component, ``GalleryGrid``: justified rows, mouse and keyboard), a pager, the viewer, and bulk
actions on the selection.

It renders ``GalleryModel`` (the TUI's gallery model): clicks and keys become model commands,
and every model change (a page load, a star, another client's change arriving live)
re-renders it. A tile's picture is re-sent only when its item's picture changes, so starring
one item sends a few bytes, not the page's pictures again. What a tile says (caption, badges,
tooltip) is the model's ``Card``: the TUI shows the same words and colours.

The bulk actions act on the model's ``targets``: the selection (the ticked tiles, kept across
pages), else the tile under the cursor. Each is one change in the database and one undo.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import ipywidgets as W

from workbench.client import Workbench
from workbench.errors import WorkbenchError, first_line
from workbench.generations.filters import GenerationFilters
from workbench.media import Thumbnails
from workbench.models import Generation
from workbench.views import GalleryModel, GalleryState
from workbench.views.confirm import Confirmation
from workbench.views.navigator import ratio_value, starting_point

from .confirm import ConfirmRow
from .download import DEFAULT_FOLDER, DownloadPanel
from .grid import ROW_HEIGHT, GalleryGrid
from .render import Renderer, classes, error_line, ok_line
from .session import resolve
from .status import status_html
from .undo import UndoButton
from .viewer import Viewer

MEDIA = (("all media", ""), ("images", "image"), ("videos", "video"))
ORDER = (("newest", "newest"), ("oldest", "oldest"))
PLACEMENT = (("at the end", "end"), ("unpositioned", "unpositioned"))
PLACE_AT_END = (("at the end", ""),)  # the first of "place"'s choices; then before/after items
PAGE_SIZES = (25, 50, 100, 200)


def page_sizes(limit: int) -> list[tuple[str, int]]:
    """The page-size control's choices: the usual sizes, and the one shown when it is not
    one of them (a gallery made with ``limit=24``)."""
    return [(f"{n} a page", n) for n in sorted({*PAGE_SIZES, limit})]


class Gallery(W.VBox):
    """``Gallery(wb, project=..., shot=..., limit=50)``; with no ``wb``, the kernel's default
    connection, and with no project, the one this device used last. ``download_folder`` is
    where Download writes its ZIPs (relative to the kernel's working directory);
    ``tile_size`` is the height (CSS pixels) the grid's justified rows aim at.

    In the grid: a click puts the cursor on a tile and opens the viewer; the star and the
    select box on a tile's hover overlay star it and select it for bulk actions (shift: a
    run from the cursor). Keys, once the grid has focus (one Tab stop): arrows move the
    cursor (past the page's last tile: the next page), Enter opens the viewer, ``f`` stars,
    space selects, Esc closes the viewer."""

    _built = False  # ipywidgets closes a widget when collected, also one whose __init__ failed

    def __init__(
        self,
        wb: Workbench | None = None,
        *,
        project: Any = None,
        shot: Any = None,
        limit: int = 50,
        filters: GenerationFilters | dict[str, Any] | None = None,
        tile_size: int = ROW_HEIGHT,
        model: GalleryModel | None = None,
        thumbnails: Thumbnails | None = None,
        undo: bool = True,
        download_folder: str = DEFAULT_FOLDER,
        aspect_ratio: str | None = None,
    ) -> None:
        self.wb = resolve(wb)
        if model is None:
            project_id, shot_id = starting_point(self.wb, project, shot)
            model = GalleryModel(
                self.wb, project_id=project_id, shot_id=shot_id, limit=limit,
                filters=GenerationFilters.of(filters),
            )  # fmt: skip
        self.model = model
        self.thumbnails = thumbnails or self.wb.thumbnails
        self.tile_size = tile_size
        self._rendering = Renderer()
        self._asked: tuple[Any, ...] | None = None  # the targets the confirm row asks about

        # One layout for the parts that never change theirs: a layout is a widget, ~1 kB each.
        self.plain = W.Layout()
        self.status = W.HTML(layout=self.plain, **classes("wb-status"))
        self.error = W.HTML(layout=self.plain, **classes("wb-error"))
        self.search = W.Text(placeholder="search prompts…", continuous_update=False,
                             **classes("wb-search"))  # fmt: skip
        self.media = W.Dropdown(options=MEDIA, value="", layout=W.Layout(width="130px"),
                                **classes("wb-media"))  # fmt: skip
        self.starred = W.Checkbox(description="starred", indent=False,
                                  layout=W.Layout(width="90px"),
                                  **classes("wb-starred"))  # fmt: skip
        self.unpositioned = W.Checkbox(description="unpositioned", indent=False,
                                       layout=W.Layout(width="120px"),
                                       **classes("wb-unpositioned"))  # fmt: skip
        self.order = W.Dropdown(options=ORDER, value="newest", layout=W.Layout(width="100px"),
                                **classes("wb-order"))  # fmt: skip
        self.page_size = W.Dropdown(options=page_sizes(model.state.limit),
                                    value=model.state.limit, layout=W.Layout(width="120px"),
                                    tooltip="items a page", **classes("wb-page-size"))  # fmt: skip
        self.grid = GalleryGrid(self.model, self.thumbnails, on_open=self._open,
                                on_close=self._close_viewer, row_height=tile_size)  # fmt: skip
        self.prev = W.Button(description="◀ prev", layout=W.Layout(width="80px"),
                             **classes("wb-prev"))  # fmt: skip
        self.next = W.Button(description="next ▶", layout=W.Layout(width="80px"),
                             **classes("wb-next"))  # fmt: skip
        self.page = W.BoundedIntText(value=1, min=1, max=1, description="page",
                                     layout=W.Layout(width="140px"),
                                     **classes("wb-page"))  # fmt: skip
        self.pages = W.Label(layout=self.plain, **classes("wb-pages"))
        self.viewer = Viewer(self.wb, self.thumbnails, gallery=self.model)
        self.detail = self.viewer.detail

        self._build_actions(undo, download_folder)
        self.aspect_ratio: str | None = None
        self._shaped = False
        self.set_aspect_ratio(aspect_ratio)

        self.search.observe(lambda c: self._filter(search=c["new"].strip() or None), "value")
        self.media.observe(lambda c: self._filter(media_type=c["new"] or None), "value")
        self.starred.observe(lambda c: self._filter(starred=True if c["new"] else None), "value")
        self.unpositioned.observe(lambda c: self._filter(unpositioned=c["new"]), "value")
        self.order.observe(lambda c: self._filter(sort=c["new"]), "value")
        self.page_size.observe(self._page_size, "value")
        self.prev.on_click(lambda _: self.model.prev_page())
        self.next.on_click(lambda _: self.model.next_page())
        self.page.observe(self._jump, "value")

        controls = [self.search, self.media, self.starred, self.unpositioned, self.order,
                    self.page_size]  # fmt: skip
        # Wraps at narrow widths (at 900 px the order dropdown was cut off).
        filters_bar = W.HBox(controls, layout=W.Layout(flex_flow="row wrap"))
        selection_bar = W.HBox([self.select_page, self.select_none, self.count], layout=self.plain)
        pager = W.HBox([self.prev, self.page, self.pages, self.next], layout=self.plain)
        actions = W.HBox(
            [self.bulk_star, self.shot_choice, self.placement, self.add, self.remove, self.delete,
             *([self.undo] if self.undo else [])],
            layout=W.Layout(flex_flow="row wrap"),
        )  # fmt: skip
        shot_actions = W.HBox(
            [self.new_shot_name, self.new_shot, self.move_choice, self.move, self.place_at,
             self.place], layout=W.Layout(flex_flow="row wrap"),
        )  # fmt: skip
        children = [self.status, filters_bar, selection_bar, actions, shot_actions, self.error,
                    self.confirm, self.viewer, self.grid, pager, self.download]  # fmt: skip
        super().__init__(children, **classes("wb-gallery"))
        self._unsubscribe = self.model.subscribe(self._render)
        self._render(self.model.state)
        self._built = True

    def _build_actions(self, undo: bool, download_folder: str) -> None:
        """The selection bar, the bulk actions, their confirm row, Undo and Download."""
        # The selection: tick tiles (or a whole page); the actions below act on it.
        style = W.ButtonStyle()  # one for every button here: a style is a widget too
        self.select_page = W.Button(description="select page", layout=W.Layout(width="100px"),
                                    tooltip="select every item of this page (again: "
                                    "unselect them)", style=style,
                                    **classes("wb-select-page"))  # fmt: skip
        self.select_none = W.Button(description="select none", layout=W.Layout(width="100px"),
                                    style=style, **classes("wb-select-none"))  # fmt: skip
        self.count = W.HTML(layout=self.plain, **classes("wb-count"))
        # Bulk actions: on the selection, else on the item under the cursor.
        self.bulk_star = W.Button(description="★ star", layout=W.Layout(width="110px"),
                                  style=style, **classes("wb-bulk-star"))  # fmt: skip
        self.shot_choice = W.Dropdown(description="add to", layout=W.Layout(width="230px"),
                                      **classes("wb-shot-choice"))  # fmt: skip
        self.placement = W.Dropdown(options=PLACEMENT, value="end",
                                    layout=W.Layout(width="130px"),
                                    **classes("wb-placement"))  # fmt: skip
        self.add = W.Button(description="add to shot", layout=W.Layout(width="130px"),
                            style=style, **classes("wb-add"))  # fmt: skip
        # Destructive actions ask in the confirm row first; the Undo button takes any back.
        self.confirm = ConfirmRow()
        self.delete = W.Button(description="Delete…", icon="trash", style=style,
                               layout=W.Layout(width="120px"), **classes("wb-delete"))  # fmt: skip
        self.remove = W.Button(description="Remove from shot…", layout=W.Layout(width="170px"),
                               style=style, **classes("wb-remove"))  # fmt: skip
        # Shots: a new one from the selection; in a shot, move the targets to another shot,
        # and give the item under the cursor a place on the timeline.
        self.new_shot_name = W.Text(placeholder="new shot's name", layout=W.Layout(width="150px"),
                                    **classes("wb-new-shot-name"))  # fmt: skip
        self.new_shot = W.Button(description="New shot from selection", style=style,
                                 layout=W.Layout(width="auto"),
                                 **classes("wb-new-shot-from"))  # fmt: skip
        self.move_choice = W.Dropdown(description="move to", layout=W.Layout(width="230px"),
                                      **classes("wb-move-choice"))  # fmt: skip
        self.move = W.Button(description="Move to shot", style=style,
                             layout=W.Layout(width="auto"), **classes("wb-move"))  # fmt: skip
        self.place_at = W.Dropdown(options=PLACE_AT_END, value="", layout=W.Layout(width="230px"),
                                   **classes("wb-place-at"))  # fmt: skip
        self.place = W.Button(description="Place at end", style=style,
                              layout=W.Layout(width="auto"),
                              tooltip="give the item under the cursor a place on the timeline",
                              **classes("wb-place"))  # fmt: skip
        self.undo = UndoButton(self.wb) if undo else None
        self.download = DownloadPanel(self.wb, self.model.download_options, folder=download_folder)
        self.delete.on_click(lambda _: self._ask_delete())
        self.remove.on_click(lambda _: self._ask_remove())
        self.select_page.on_click(lambda _: self.model.mark_page())
        self.select_none.on_click(lambda _: self.model.clear_marks())
        self.bulk_star.on_click(lambda _: self.model.toggle_star())
        self.add.on_click(lambda _: self._add_to_shot())
        self.new_shot.on_click(lambda _: self._new_shot())
        self.move.on_click(lambda _: self._move_to_shot())
        self.place.on_click(lambda _: self._place())
        self.place_at.observe(self._place_label, "value")

    # -- user actions ----------------------------------------------------------------------
    def _filter(self, **changes: Any) -> None:
        if not self._rendering.active:
            self.model.set_filters(**changes)

    def _page_size(self, change: dict[str, Any]) -> None:
        """The page-size control: that many items a page, from page 1."""
        if not self._rendering.active and change["new"] != self.model.state.limit:
            try:
                self.model.set_limit(change["new"])
            except WorkbenchError as exc:
                self.error.value = error_line(first_line(exc))

    def _jump(self, change: dict[str, Any]) -> None:
        page = self.model.state.page
        if not self._rendering.active and page is not None and change["new"] != page.page:
            self.model.jump(change["new"])

    def _add_to_shot(self) -> None:
        shot_id = self.shot_choice.value
        if shot_id is None:
            return
        frame = "end" if self.placement.value == "end" else None
        self.model.add_to_shot(shot_id, frame=frame)

    def _new_shot(self) -> None:
        """A new shot from the targets, in selection order (empty name: Reigh's "Shot N")."""
        made = self.model.new_shot_from_selection(self.new_shot_name.value.strip() or None)
        if made is not None:
            self.new_shot_name.value = ""
            if made.id not in self.model.state.shot_names:
                self.model.reload()  # its name, for the cards and the shot lists

    def _move_to_shot(self) -> None:
        """Move the targets to the chosen shot: at the end, or unpositioned (as "add to")."""
        shot_id = self.move_choice.value
        if shot_id is not None:
            self.model.move_to_shot(shot_id, positioned=self.placement.value == "end")

    def _place(self) -> None:
        """Place the item under the cursor at the end, or before/after the chosen item."""
        where, _, generation_id = (self.place_at.value or "").partition(":")
        if where == "before":
            self.model.position(before=generation_id)
        elif where == "after":
            self.model.position(after=generation_id)
        else:
            self.model.position()

    def _place_label(self, change: dict[str, Any]) -> None:
        where = (change["new"] or "").partition(":")[0]
        self.place.description = f"Place {where}" if where else "Place at end"

    def _ask(self, confirmation: Confirmation | None, then: Callable[[], None]) -> None:
        """Ask in the confirm row about the targets as they are now; ``then`` runs on the
        verb only while they are still the same (a tick meanwhile withdraws the question)."""
        if confirmation is None:
            return
        asked = target_ids(self.model.state)
        self._asked = asked

        def go() -> None:
            self._asked = None
            if target_ids(self.model.state) == asked:
                then()

        self.confirm.ask(confirmation, go)

    def _ask_delete(self) -> None:
        """Ask once for all the targets (the model says what is touched), then delete them
        all in one step (one undo)."""
        targets = self.model.state.targets
        try:
            confirmation = self.model.confirm_delete()
        except WorkbenchError as exc:
            self.error.value = error_line(first_line(exc))
            return
        if len(targets) == 1:  # the cursor item, or a selection of one
            self._ask(confirmation, partial(self.model.delete, targets[0]))
        else:
            self._ask(confirmation, self.model.delete)

    def _ask_remove(self) -> None:
        """Ask in the confirm row, then remove the targets from the shot shown."""
        self._ask(self.model.confirm_remove_from_shot(), self.model.remove_from_shot)

    def _open(self, index: int) -> None:
        """A tile clicked (or Enter): the grid put the cursor there; show it in the viewer."""
        items = self.model.state.items
        if 0 <= index < len(items):
            self.viewer.open(items[index].id)

    def _close_viewer(self) -> None:
        """Esc in the grid: close the viewer when it is open."""
        if self.viewer.is_open:
            self.viewer.close()

    # -- rendering -------------------------------------------------------------------------
    def _render(self, state: GalleryState) -> None:
        self._rendering(self._show, state)

    def _show(self, state: GalleryState) -> None:
        self.status.value = status_html(state.status, state.connection)
        self.error.value = error_line(state.error) or ok_line(state.notice)
        filters = state.filters
        self.search.value = filters.search or ""
        self.media.value = filters.media_type or ""
        self.starred.value = bool(filters.starred)
        self.unpositioned.value = filters.unpositioned
        self.unpositioned.layout.display = None if state.mode == "shot" else "none"  # shots only
        self.order.value = filters.sort
        self.order.layout.display = None if state.sortable else "none"  # a shot: its timeline
        self._show_actions(state)
        if self.page_size.value != state.limit:
            if state.limit not in [n for _, n in self.page_size.options]:
                self.page_size.options = page_sizes(state.limit)
            self.page_size.value = state.limit
        self.grid.show(state)
        page = state.page
        self.prev.disabled = page is None or not page.prev_cursor
        self.next.disabled = page is None or not page.next_cursor
        if page is not None:
            self.page.max = max(page.pages, 1)
            self.page.value = page.page
            self.pages.value = f"of {page.pages} · {page.total_label}"

    def _show_actions(self, state: GalleryState) -> None:
        """The selection bar and the action buttons: what they would act on, and whether."""
        targets = state.targets
        count = len(state.marked)
        self.count.value = f"<b>{count} selected</b>" if count else "0 selected"
        self.select_none.disabled = not count
        self.select_page.disabled = not state.items
        many = f" {len(targets)}" if len(targets) > 1 else ""
        unstar = bool(targets) and all(item.starred for item in targets)
        self.bulk_star.description = f"☆ unstar{many}" if unstar else f"★ star{many}"
        self.delete.description = f"Delete{many}…"
        self.remove.description = f"Remove{many} from shot…"
        self.add.description = f"add{many} to shot"
        shots = [(name, shot_id) for shot_id, name in state.shot_names.items()]
        if list(self.shot_choice.options) != shots:
            current = self.shot_choice.value
            self.shot_choice.options = shots
            ids = [shot_id for _, shot_id in shots]
            if current in ids:
                self.shot_choice.value = current
            elif state.mode == "shot" and state.target_id in ids:
                self.shot_choice.value = state.target_id
            elif ids:
                self.shot_choice.value = ids[0]
        nothing = not targets
        for button in (self.bulk_star, self.delete, self.remove):
            button.disabled = nothing
        self.add.disabled = nothing or not shots
        self.remove.layout.display = None if state.mode == "shot" else "none"
        self._show_shot_actions(state)
        if self._asked is not None and target_ids(state) != self._asked:
            self._asked = None
            self.confirm.dismiss()  # the question was about other items

    def _show_shot_actions(self, state: GalleryState) -> None:
        """New shot from the targets; in a shot, the other shots to move them to, and the
        positioned items of the page to place the cursor item before or after."""
        targets = state.targets
        many = f" {len(targets)}" if len(targets) > 1 else ""
        self.new_shot.description = f"New shot from{many or ' selection'}"
        self.new_shot.disabled = not targets
        in_shot = state.mode == "shot"
        others = [(name, shot_id) for shot_id, name in state.shot_names.items()
                  if shot_id != state.target_id] if in_shot else []  # fmt: skip
        if list(self.move_choice.options) != others:
            current = self.move_choice.value
            self.move_choice.options = others
            if current in [shot_id for _, shot_id in others]:
                self.move_choice.value = current
        self.move.description = f"Move{many} to shot"
        self.move.disabled = not targets or not others
        places = list(PLACE_AT_END)
        for shown, item in zip(state.cards, state.items, strict=True):
            if in_shot and item.timeline_frame is not None:
                label = " · ".join(part for part in (shown.kind, shown.text) if part)
                places += [(f"before {label}", f"before:{item.id}"),
                           (f"after {label}", f"after:{item.id}")]  # fmt: skip
        if list(self.place_at.options) != places:
            current = self.place_at.value
            self.place_at.options = places
            self.place_at.value = current if any(v == current for _, v in places) else ""
        self.place.disabled = state.selection is None
        for widget in (self.move_choice, self.move, self.place_at, self.place):
            widget.layout.display = None if in_shot else "none"

    def set_aspect_ratio(self, aspect_ratio: str | None) -> None:
        """The shape (``"16:9"``; the navigator's: the shot's own, else its project's) of a
        tile's placeholder before its thumbnail arrives (then the picture's own aspect
        rules); None: square. The viewer shows each item at its own aspect."""
        if self._shaped and aspect_ratio == self.aspect_ratio:
            return
        self.aspect_ratio, self._shaped = aspect_ratio, True
        ratio = ratio_value(aspect_ratio) if aspect_ratio else None
        self.grid.aspect = ratio or 1.0

    @property
    def selection(self) -> Generation | None:
        """The item under the cursor (the outlined tile)."""
        return self.model.state.selection

    @property
    def marked(self) -> tuple[Generation, ...]:
        """The selected items (the ticked tiles, on any page), in the order they were ticked."""
        return self.model.state.marked

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Stop following the database, then remove the widget from the page."""
        if self._built:
            self._unsubscribe()
            self.model.close()
            self.viewer.shutdown()
            self.grid.close()
            self.download.close()
            if self.undo is not None:
                self.undo.close()
        super().close()

    def __repr__(self) -> str:
        return f"<Gallery {self.model.state.status}>"


def target_ids(state: GalleryState) -> tuple[Any, ...]:
    return tuple(item.id for item in state.targets)
