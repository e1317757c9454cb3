"""The gallery pane: a grid of thumbnail tiles for one page, keyboard and mouse driven.

Only one page of tiles exists at a time (50 by default), however many thousands of
generations the project holds: paging replaces them, so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical, VerticalScroll
from textual.events import Click, Resize
from textual.markup import escape
from textual.message import Message
from textual.widgets import Label, Static

from workbench.errors import WorkbenchError, first_line, printable
from workbench.media import Thumbnails
from workbench.models import Generation
from workbench.tui.images import Picture, rendition_side
from workbench.tui.screens.dialogs import Confirm
from workbench.tui.threads import RendersModel, on_ui
from workbench.views import GalleryModel, GalleryState
from workbench.views.confirm import Confirmation
from workbench.views.gallery import caption as tile_caption

TILE_WIDTH = 24
THUMB_BOX = (20, 9)  # a tile's picture box, in (columns, rows): the picture is fitted inside
# ``**kwargs: Any`` below are Textual's widget options (``id``, ``classes``, ...), passed through.


def caption(item: Generation) -> str:
    """The shared caption (``views.gallery.caption``) after the star mark, which a TUI tile
    shows in place of the notebook's star toggle."""
    what, text = tile_caption(item)
    return f"{'★' if item.starred else '☆'} {what}\n{escape(printable(text))}"


class Tile(Vertical):
    """One generation: its thumbnail (whole, letterboxed in its box) and a two-line caption."""

    DEFAULT_CSS = """
    Tile { width: 24; height: 13; padding: 0 1; border: round $panel; }
    Tile.-selected { border: round $accent; background: $boost; }
    Tile > .thumb { width: 20; height: 9; }
    Tile > Label { width: 100%; height: 2; color: $text-muted; text-wrap: nowrap;
                   text-overflow: ellipsis; }
    Tile.-starred > Label { color: $warning; }
    """

    def __init__(self, item: Generation, index: int) -> None:
        super().__init__()
        self.item = item
        self.index = index

    def compose(self) -> ComposeResult:
        yield Picture(classes="thumb")
        yield Label(caption(self.item))

    def on_mount(self) -> None:
        self.set_class(self.item.starred, "-starred")

    def on_click(self, event: Click) -> None:
        """Tell the grid which tile was clicked, and how many times in a row."""
        self.post_message(GalleryGrid.TileClicked(self.index, event.chain))


class GalleryGrid(RendersModel[GalleryState], VerticalScroll, can_focus=True):
    """Renders a ``GalleryModel`` as a grid of ``Tile``s, as many columns as fit.

    Selection moves (arrows, vim keys, a click) change the model's state at once; every other
    key runs a model command in a worker thread, or asks the app (``OpenDetail``, ``AskShot``)
    for what needs a screen. Thumbnails load in a worker after the tiles are built.

    | Key(s) | Description |
    | :- | :- |
    | right, l | Select the next item. |
    | left, h | Select the previous item. |
    | down, j | Select the item a row below. |
    | up, k | Select the item a row above. |
    | pagedown, n | Show the next page. |
    | pageup, p | Show the previous page. |
    | enter | Open the selection on the detail screen. |
    | f | Star or unstar the selection. |
    | a | Add the selection to a shot of this project (asks which). |
    | x | Remove the selection from the shot shown (asks first). |
    | left_square_bracket | Move the selection earlier on the shot's timeline. |
    | right_square_bracket | Move the selection later on the shot's timeline. |
    | delete | Delete the selected generation (asks first; undo brings it back). |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,l", "move(1)", "Next", show=False),
        Binding("left,h", "move(-1)", "Previous", show=False),
        Binding("down,j", "move_row(1)", "Down", show=False),
        Binding("up,k", "move_row(-1)", "Up", show=False),
        Binding("pagedown,n", "next_page", "Next page"),
        Binding("pageup,p", "prev_page", "Prev page"),
        Binding("enter", "open", "Open"),
        Binding("f", "star", "Star"),
        Binding("a", "add_to_shot", "Add to shot"),
        Binding("x", "remove_from_shot", "Remove from shot", show=False),
        Binding("left_square_bracket", "move_in_timeline(-1)", "Earlier", show=False),
        Binding("right_square_bracket", "move_in_timeline(1)", "Later", show=False),
        Binding("delete", "delete", "Delete", show=False),
    ]
    DEFAULT_CSS = """
    GalleryGrid { height: 1fr; }
    GalleryGrid > Grid { grid-size: 4; grid-gutter: 0 1; grid-columns: 24; height: auto; }
    GalleryGrid > #empty { padding: 2 4; color: $text-muted; }
    GalleryGrid:focus-within Tile.-selected { border: heavy $accent; }
    """

    class TileClicked(Message):
        """A tile was clicked: ``index`` on the page, ``clicks`` in a row (2: double-click).
        Posted by the ``Tile``, handled by the grid itself (select; open on a double-click)."""

        def __init__(self, index: int, clicks: int) -> None:
            super().__init__()
            self.index = index
            self.clicks = clicks

    class OpenDetail(Message):
        """Asks the app to open the detail screen for the selection (enter, double-click)."""

    class AskShot(Message):
        """Asks the app which shot to add the selection to (it shows a ``PickShot``)."""

    WORKERS = "gallery"

    def __init__(self, model: GalleryModel, thumbnails: Thumbnails, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model: GalleryModel = model
        self.thumbnails = thumbnails
        self._page_key: object = None  # what the tiles show: rebuilt when it changes
        self._columns = 4
        self._selected = -1

    def compose(self) -> ComposeResult:
        yield Grid()
        yield Static("", id="empty")

    def on_resize(self, event: Resize) -> None:
        columns = max(1, (event.size.width - 2) // (TILE_WIDTH + 1))  # room for the scrollbar
        if columns != self._columns:
            self._columns = columns
            self.query_one(Grid).styles.grid_size_columns = columns

    # -- rendering -------------------------------------------------------------------------
    def render_state(self, state: GalleryState) -> None:
        """Rebuild the tiles when the page or its items changed (else only move the
        selection), and show an error or an empty page's note."""
        page = state.page
        key = (id(page), tuple((i.id, i.starred, i.timeline_frame) for i in state.items))
        empty = self.query_one("#empty", Static)
        if key != self._page_key:
            self._page_key = key
            grid = self.query_one(Grid)
            grid.remove_children()
            tiles = [Tile(item, n) for n, item in enumerate(state.items)]
            grid.mount_all(tiles)
            self._selected = -1
            self.load_thumbnails(list(state.items), tiles)
        if state.error:
            empty.update(f"[b red]{escape(printable(state.error))}[/]")
        elif page is not None and not state.items:
            empty.update("Nothing here with these filters.")
        else:
            empty.update("")
        self._select(state.selected)

    def _select(self, index: int) -> None:
        if index == self._selected:
            return
        for tile in self.query(Tile):
            tile.set_class(tile.index == index, "-selected")
            if tile.index == index:
                self.call_after_refresh(tile.scroll_visible, animate=False)
        self._selected = index

    @work(thread=True, group="thumbnails", exclusive=True)
    def load_thumbnails(self, items: list[Generation], tiles: list[Tile]) -> None:
        """Fetch each tile's thumbnail in a thread (a newer page cancels this one's) and show
        each as it arrives, as large as the terminal can show in a tile."""
        side = rendition_side(THUMB_BOX, least=96)
        for item, tile in zip(items, tiles, strict=True):
            jpeg = self.thumbnails.jpeg(item.thumbnail_url, max_side=side)
            on_ui(self.app, self._show, tile, jpeg)

    def _show(self, tile: Tile, jpeg: bytes | None) -> None:
        for thumb in tile.query(Picture):  # none while the tile is being built or removed
            thumb.show(jpeg)

    # -- commands --------------------------------------------------------------------------
    def action_move(self, delta: int) -> None:
        """Move the selection ``delta`` items along the page."""
        self.model.move_selection(delta)

    def action_move_row(self, delta: int) -> None:
        """Move the selection ``delta`` rows, as many columns as the grid shows now."""
        self.model.move_selection(delta * self._columns)

    def action_next_page(self) -> None:
        """Show the next page."""
        self.in_worker(self.model.next_page)

    def action_prev_page(self) -> None:
        """Show the previous page."""
        self.in_worker(self.model.prev_page)

    def action_star(self) -> None:
        """Star or unstar the selection."""
        self.in_worker(self.model.toggle_star)

    def action_remove_from_shot(self) -> None:
        """Ask, then remove the selection from the shot shown (nothing in a project's
        gallery)."""
        item = self.model.state.selection
        confirmation = self.model.confirm_remove_from_shot()
        if item is not None and confirmation is not None:
            self._ask(confirmation, partial(self.model.remove_from_shot, item))

    def action_move_in_timeline(self, delta: int) -> None:
        """Swap the selection with its neighbour on the shot's timeline (-1 earlier, 1 later)."""
        self.in_worker(partial(self.model.move_in_timeline, delta))

    @work(thread=True, group="confirm", exclusive=True)
    def action_delete(self) -> None:
        """Ask (in a ``Confirm`` naming its shots and variants: read in this worker), then
        delete the selected generation; undo brings it back."""
        item = self.model.state.selection
        if item is None:
            return
        try:
            confirmation = self.model.confirm_delete()
        except WorkbenchError as exc:
            on_ui(self.app, partial(self.app.notify, first_line(exc), severity="error"))
            return
        if confirmation is not None:
            on_ui(self.app, self._ask, confirmation, partial(self.model.delete, item))

    def _ask(self, confirmation: Confirmation, then: Callable[[], object]) -> None:
        """Show ``confirmation`` in a modal; run ``then`` in a worker if the user agrees."""

        def answered(yes: bool | None) -> None:
            if yes:
                self.in_worker(then)

        self.app.push_screen(Confirm(confirmation), answered)

    def action_open(self) -> None:
        """Ask the app to open the selection (``OpenDetail``)."""
        self.post_message(self.OpenDetail())

    def action_add_to_shot(self) -> None:
        """Ask the app which shot to add the selection to (``AskShot``)."""
        self.post_message(self.AskShot())

    @on(TileClicked)
    def clicked(self, event: TileClicked) -> None:
        """Focus the grid and select the tile; a double-click opens it too."""
        self.focus()
        self.model.select(event.index)
        if event.clicks > 1:
            self.post_message(self.OpenDetail())
