"""The gallery pane: a grid of thumbnail tiles for one page, keyboard and mouse driven.

Only one page of tiles exists at a time (50 by default), however many thousands of
generations the project holds: paging replaces them, so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, ClassVar, cast

from rich.cells import cell_len, set_cell_size
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
from workbench.settings.scopes import Badge
from workbench.tui.images import Picture, rendition_side
from workbench.tui.layout import THUMB_BOX, TILE_CHROME, thumb_box
from workbench.tui.screens.dialogs import AskName, Confirm, PickPlace
from workbench.tui.threads import RendersModel, on_ui
from workbench.views import GalleryModel, GalleryState
from workbench.views.cards import SELECTED, Card
from workbench.views.confirm import Confirmation

TILE_WIDTH = 24
TILE_TEXT = TILE_WIDTH - 4  # a tile's text width: its border and padding take four columns
# A tile's picture box, (columns, rows), is ``THUMB_BOX`` until the project's aspect ratio
# is known, then ``layout.thumb_box`` of it: the picture is fitted inside.
# ``**kwargs: Any`` below are Textual's widget options (``id``, ``classes``, ...), passed through.


def caption(shown: Card, *, marked: bool = False) -> str:
    """A card's two caption lines as markup: the selection tick (in ``SELECTED``), the star
    mark (which a TUI tile shows in place of the notebook's star toggle) and what the item
    is, then the start of its prompt."""
    tick = f"[b {SELECTED}]✓[/] " if marked else ""
    star = "★" if shown.starred else "☆"
    return f"{tick}{star} {escape(printable(shown.kind))}\n{escape(printable(shown.text))}"


def fit_badges(badges: Sequence[Badge], width: int = TILE_TEXT) -> str:
    """A card's badges as markup, each on its colour, fitted into ``width`` cells: those that
    do not fit become "+N" (a first badge too long for the tile is cut, with "…")."""
    shown: list[str] = []
    used = 0
    for n, badge in enumerate(badges):
        gap = 1 if shown else 0
        text = f" {printable(badge.label)} "
        left = len(badges) - n - 1  # badges after this one
        reserve = cell_len(f" +{left}") if left else 0
        if used + gap + cell_len(text) + reserve <= width:
            shown.append(_badge(text, badge.colour))
            used += gap + cell_len(text)
            continue
        if not shown:  # the first badge alone is too long: cut it
            room = max(2, width - reserve)
            shown.append(_badge(set_cell_size(text, room - 1) + "…", badge.colour))
            if left:
                shown.append(f"[dim]+{left}[/]")
        else:
            shown.append(f"[dim]+{left + 1}[/]")
        break
    return " ".join(shown)


def _badge(text: str, colour: str) -> str:
    return f"[#ffffff on {colour}]{escape(text)}[/]"


class Tile(Vertical):
    """One generation's card (``views.cards.Card``): its thumbnail (whole, letterboxed in its
    ``box`` of (columns, rows), shaped by the project's aspect ratio), a two-line caption and
    a line of badges. A selected (marked) tile has a tick and a green border and tint
    (``SELECTED``); the cursor's tile has the accent border: the two are distinct, so a
    cursor resting on a selected tile shows both."""

    DEFAULT_CSS = f"""
    Tile {{ width: {TILE_WIDTH}; height: 14; padding: 0 1; border: round $panel; }}
    Tile.-marked {{ border: round {SELECTED}; background: {SELECTED} 15%; }}
    Tile.-selected {{ border: round $accent; background: $boost; }}
    Tile.-selected.-marked {{ background: {SELECTED} 30%; }}
    Tile > .thumb {{ width: 20; height: 9; }}
    Tile > .caption {{ width: 100%; height: 2; color: $text-muted; text-wrap: nowrap;
                      text-overflow: ellipsis; }}
    Tile > .badges {{ width: 100%; height: 1; text-wrap: nowrap; text-overflow: ellipsis; }}
    Tile.-starred > .caption {{ color: $warning; }}
    """

    def __init__(
        self,
        item: Generation,
        shown: Card,
        index: int,
        *,
        marked: bool = False,
        box: tuple[int, int] = THUMB_BOX,
    ) -> None:
        super().__init__()
        self.item = item
        self.card = shown
        self.index = index
        self.marked = marked
        self.box = box
        self.styles.height = box[1] + TILE_CHROME

    def compose(self) -> ComposeResult:
        thumb = Picture(classes="thumb")
        thumb.styles.height = self.box[1]
        yield thumb
        yield Label(caption(self.card, marked=self.marked), classes="caption")
        yield Label(fit_badges(self.card.badges), classes="badges")

    def on_mount(self) -> None:
        self.set_class(self.card.starred, "-starred")
        self.set_class(self.marked, "-marked")

    def show(self, item: Generation, shown: Card, *, marked: bool) -> None:
        """Show a newer card of the same item (a star, a badge, the selection changed)."""
        if (item, shown, marked) == (self.item, self.card, self.marked):
            return
        self.item, self.card, self.marked = item, shown, marked
        self.set_class(shown.starred, "-starred")
        self.set_class(marked, "-marked")
        for label in self.query(".caption"):  # none until composed: compose shows these
            cast(Label, label).update(caption(shown, marked=marked))
        for label in self.query(".badges"):
            cast(Label, label).update(fit_badges(shown.badges))

    def reshape(self, box: tuple[int, int]) -> None:
        """Give the picture a box of another shape (the project's aspect ratio changed); the
        picture fits itself to it again."""
        self.box = box
        self.styles.height = box[1] + TILE_CHROME
        for thumb in self.query(".thumb"):  # none until composed: compose shapes it
            thumb.styles.height = box[1]

    def on_click(self, event: Click) -> None:
        """Tell the grid which tile was clicked, and how many times in a row."""
        self.post_message(GalleryGrid.TileClicked(self.index, event.chain))


class GalleryGrid(RendersModel[GalleryState], VerticalScroll, can_focus=True):
    """Renders a ``GalleryModel`` as a grid of ``Tile``s, as many columns as fit.

    The cursor moves (arrows, vim keys, a click) and the selection keys (space, shift+arrows,
    ``*``, escape) change the model's state at once; every other key runs a model command in
    a worker thread, or asks the app (``OpenDetail``, ``AskShot``, ``AskDownload``) for what
    needs a screen. The actions act on the selection when there is one, else on the item
    under the cursor; the selection survives paging. Thumbnails load in a worker after the
    tiles are built.

    | Key(s) | Description |
    | :- | :- |
    | right, l | Move the cursor to the next item. |
    | left, h | Move the cursor to the previous item. |
    | down, j | Move the cursor a row down. |
    | up, k | Move the cursor a row up. |
    | space | Select or unselect the item under the cursor. |
    | shift+right | Extend the selection to the next item. |
    | shift+left | Extend the selection to the previous item. |
    | shift+down | Extend the selection a row down. |
    | shift+up | Extend the selection a row up. |
    | asterisk | Select every item of the page (again: unselect them). |
    | escape | Clear the selection. |
    | pagedown, n | Show the next page. |
    | pageup, p | Show the previous page. |
    | enter | Open the item under the cursor on the detail screen. |
    | f | Star or unstar the selection (else the item under the cursor). |
    | a | Add the selection to a shot of this project, at the end or unpositioned (asks). |
    | x | Remove the selection from the shot shown (asks first). |
    | left_square_bracket | Move the item earlier on the shot's timeline. |
    | right_square_bracket | Move the item later on the shot's timeline. |
    | delete | Delete the selection (asks once; one undo brings it all back). |
    | D | Download the selection (else the whole gallery) to a folder or a zip. |
    | S | Make a new shot of the selection, in selection order (asks its name). |
    | M | Move the selection from the shot shown to another shot (asks which). |
    | P | Place the item on the shot's timeline: at the end, before or after another. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,l", "move(1)", "Next", show=False),
        Binding("left,h", "move(-1)", "Previous", show=False),
        Binding("down,j", "move_row(1)", "Down", show=False),
        Binding("up,k", "move_row(-1)", "Up", show=False),
        Binding("space", "toggle_mark", "Select"),
        Binding("shift+right", "extend(1)", "Extend selection", show=False),
        Binding("shift+left", "extend(-1)", "Extend selection back", show=False),
        Binding("shift+down", "extend_row(1)", "Extend selection down", show=False),
        Binding("shift+up", "extend_row(-1)", "Extend selection up", show=False),
        Binding("asterisk", "mark_page", "Select page", show=False),
        Binding("escape", "clear_marks", "Clear selection", show=False),
        Binding("pagedown,n", "next_page", "Next page"),
        Binding("pageup,p", "prev_page", "Prev page"),
        Binding("enter", "open", "Open"),
        Binding("f", "star", "Star"),
        Binding("a", "add_to_shot", "Add to shot"),
        Binding("x", "remove_from_shot", "Remove from shot", show=False),
        Binding("left_square_bracket", "move_in_timeline(-1)", "Earlier", show=False),
        Binding("right_square_bracket", "move_in_timeline(1)", "Later", show=False),
        Binding("delete", "delete", "Delete", show=False),
        Binding("D", "download", "Download", show=False),
        Binding("S", "new_shot", "New shot from selection", show=False),
        Binding("M", "move_to_shot", "Move to shot", show=False),
        Binding("P", "place", "Place on timeline", show=False),
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
        """Asks the app to open the detail screen for the item under the cursor (enter,
        double-click)."""

    class AskShot(Message):
        """Asks the app which shot to add the selection to (it shows a ``PickShot``), or,
        with ``move``, which other shot to move it to from the shot shown."""

        def __init__(self, move: bool = False) -> None:
            super().__init__()
            self.move = move

    class AskDownload(Message):
        """Asks the app where to download the selection (it shows an ``AskDownload``, then
        a ``DownloadScreen``)."""

    WORKERS = "gallery"

    def __init__(self, model: GalleryModel, thumbnails: Thumbnails, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model: GalleryModel = model
        self.thumbnails = thumbnails
        self._page_key: object = None  # what the tiles show: rebuilt when it changes
        self._columns = 4
        self._selected = -1
        self.box = THUMB_BOX  # the tiles' picture box: ``set_ratio`` shapes it

    def set_ratio(self, ratio: float) -> None:
        """Shape the tiles' pictures for the project's aspect ratio (width / height, from the
        navigator's ``aspect_ratio``): a 9:16 project gets tall tiles, a 16:9 one short."""
        box = thumb_box(ratio)
        if box != self.box:
            self.box = box
            for tile in self.query(Tile):
                tile.reshape(box)

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
        """Rebuild the tiles when the page shows other items (or other pictures), else show
        each tile's newer card in place; then move the cursor, and show an error or an empty
        page's note."""
        page = state.page
        key = tuple((i.id, i.thumbnail_url) for i in state.items)
        empty = self.query_one("#empty", Static)
        cards = state.cards
        chosen = state.marked_ids
        if key != self._page_key:
            self._page_key = key
            grid = self.query_one(Grid)
            grid.remove_children()
            pairs = enumerate(zip(state.items, cards, strict=True))
            tiles = [Tile(item, shown, n, marked=item.id in chosen, box=self.box)
                     for n, (item, shown) in pairs]  # fmt: skip
            grid.mount_all(tiles)
            self._selected = -1
            # The tiles are drawn first (captions, badges, empty boxes), the pictures after.
            self.call_after_refresh(self.load_thumbnails, list(state.items), tiles)
        else:
            for tile in self.query(Tile):
                if tile.index < len(cards):
                    item = state.items[tile.index]
                    tile.show(item, cards[tile.index], marked=item.id in chosen)
        if state.error:
            empty.update(f"[b red]{escape(printable(state.error))}[/]")
        elif page is not None and not state.items:
            empty.update("Nothing here with these filters.")
        else:
            empty.update("")
        self._select(state.selected)
        self.refresh_bindings()  # escape (clear the selection) is offered only with one

    def shows_page(self) -> bool:
        """Whether a page has been rendered and all of its tiles are mounted (so the next
        screen refresh draws them: the app's first paint). Their thumbnails load after."""
        if self._page_key is None:
            return False
        tiles = list(self.query(Tile))
        return len(tiles) == len(self.model.state.items) and all(t.is_mounted for t in tiles)

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
        side = rendition_side(self.box, least=96)
        for item, tile in zip(items, tiles, strict=True):
            jpeg = self.thumbnails.jpeg(item.thumbnail_url, max_side=side)
            on_ui(self.app, self._show, tile, jpeg)

    def _show(self, tile: Tile, jpeg: bytes | None) -> None:
        for thumb in tile.query(Picture):  # none while the tile is being built or removed
            thumb.show(jpeg)

    # -- commands --------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Escape clears the selection only when there is one; otherwise it is not this
        grid's key (nor shown in the footer). Moving to another shot and placing on the
        timeline act on a shot's timeline, so a project's gallery does not offer them."""
        if action == "clear_marks":
            return bool(self.model.state.marked)
        if action in ("move_to_shot", "place"):  # a shot's timeline only
            return self.model.state.mode == "shot"
        return True

    def action_move(self, delta: int) -> None:
        """Move the cursor ``delta`` items along the page."""
        self.model.move_selection(delta)

    def action_move_row(self, delta: int) -> None:
        """Move the cursor ``delta`` rows, as many columns as the grid shows now."""
        self.model.move_selection(delta * self._columns)

    def action_toggle_mark(self) -> None:
        """Select or unselect the item under the cursor."""
        self.model.toggle_mark()

    def action_extend(self, delta: int) -> None:
        """Select the item under the cursor and the one ``delta`` away, moving there."""
        self.model.extend_mark(delta)

    def action_extend_row(self, delta: int) -> None:
        """Extend the selection ``delta`` rows (a row is as many items as the grid's columns)."""
        self.model.extend_mark(delta * self._columns)

    def action_mark_page(self) -> None:
        """Select every item of the page; when all are selected already, unselect them."""
        self.model.mark_page()

    def action_clear_marks(self) -> None:
        """Select nothing: the actions act on the item under the cursor again."""
        self.model.clear_marks()

    def action_next_page(self) -> None:
        """Show the next page."""
        self.in_worker(self.model.next_page)

    def action_prev_page(self) -> None:
        """Show the previous page."""
        self.in_worker(self.model.prev_page)

    def action_star(self) -> None:
        """Star or unstar the selection (all starred: unstar them), else the cursor's item."""
        self.in_worker(self.model.toggle_star)

    def _target(self) -> Generation | None:
        """The item an action asked about now must act on once answered: the cursor's when
        nothing is selected (a live reload may move the cursor while the dialog is open);
        None when the selection is the target (it only changes by the user's keys)."""
        state = self.model.state
        return None if state.marked else state.selection

    def action_remove_from_shot(self) -> None:
        """Ask once, then remove the selection from the shot shown (nothing in a project's
        gallery)."""
        confirmation = self.model.confirm_remove_from_shot()
        if confirmation is not None:
            self._ask(confirmation, partial(self.model.remove_from_shot, self._target()))

    def action_move_in_timeline(self, delta: int) -> None:
        """Swap the cursor's item with its neighbour on the shot's timeline (-1 earlier, 1
        later)."""
        self.in_worker(partial(self.model.move_in_timeline, delta))

    @work(thread=True, group="confirm", exclusive=True)
    def action_delete(self) -> None:
        """Ask once for the whole selection (in a ``Confirm`` naming its shots and variants:
        read in this worker), then delete it; one undo brings it all back."""
        target = self._target()
        try:
            confirmation = self.model.confirm_delete()
        except WorkbenchError as exc:
            on_ui(self.app, partial(self.app.notify, first_line(exc), severity="error"))
            return
        if confirmation is not None:
            on_ui(self.app, self._ask, confirmation, partial(self.model.delete, target))

    def _ask(self, confirmation: Confirmation, then: Callable[[], object]) -> None:
        """Show ``confirmation`` in a modal; run ``then`` in a worker if the user agrees."""

        def answered(yes: bool | None) -> None:
            if yes:
                self.in_worker(then)

        self.app.push_screen(Confirm(confirmation), answered)

    def action_open(self) -> None:
        """Ask the app to open the cursor's item (``OpenDetail``)."""
        self.post_message(self.OpenDetail())

    def action_add_to_shot(self) -> None:
        """Ask the app which shot to add the selection to (``AskShot``)."""
        if self.model.state.targets:
            self.post_message(self.AskShot())

    def action_new_shot(self) -> None:
        """Ask a name (empty: Reigh's next "Shot N"), then make a new shot at the end of the
        project holding the selection (else the cursor's item) in selection order."""
        count = len(self.model.state.targets)
        if not count:
            return
        what = "this item" if count == 1 else f"these {count} items"

        def named(name: str | None) -> None:
            if name is not None:
                self._report(partial(self.model.new_shot_from_selection, name.strip() or None))

        self.app.push_screen(AskName(f"New shot with {what}", placeholder="Shot N"), named)

    def action_move_to_shot(self) -> None:
        """Ask the app which other shot the selection moves to (``AskShot`` with ``move``)."""
        if self.model.state.targets and self.model.state.mode == "shot":
            self.post_message(self.AskShot(move=True))

    def move_to_shot(self, shot_id: str, *, positioned: bool) -> None:
        """Move the selection to the shot ``shot_id`` (the app's answer to ``AskShot``)."""
        self._report(partial(self.model.move_to_shot, shot_id, positioned=positioned))

    def action_place(self, where: str = "ask") -> None:
        """Give the cursor's item a place on the shot's timeline: ``where`` "end" at once,
        else ask (``PickPlace``; "before" or "after" chosen first) whether at the end or
        before or after which of the page's positioned items."""
        state = self.model.state
        item = state.selection
        if item is None or state.mode != "shot":
            return
        if where == "end":
            self._report(self.model.position)
            return
        others = [(str(i.id), f"{shown.kind} · {shown.text}")
                  for i, shown in zip(state.items, state.cards, strict=True)
                  if i.timeline_frame is not None and i.id != item.id]  # fmt: skip

        def placed(answer: tuple[str, str | None] | None) -> None:
            if answer is None:
                return
            side, other = answer
            place = {side: other} if side in ("before", "after") and other else {}
            self._report(partial(self.model.position, **place))

        side = where if where in ("before", "after") else None
        self.app.push_screen(PickPlace(others, side=side), placed)

    def _report(self, command: Callable[[], object]) -> None:
        """Run a command in a worker; what it did (the model's ``notice``) or why it was
        refused (``error``) is a toast, as the page's own error line may be scrolled out of
        sight."""
        model = self.model

        def work() -> None:
            command()
            error, notice = model.state.error, model.state.notice
            if error:
                on_ui(self.app, partial(self.app.notify, escape(printable(error)),
                                        severity="error"))  # fmt: skip
            elif notice:
                on_ui(self.app, partial(self.app.notify, escape(printable(notice))))

        self.in_worker(work)

    def action_download(self) -> None:
        """Ask the app where to download the selection, else the gallery (``AskDownload``)."""
        self.post_message(self.AskDownload())

    @on(TileClicked)
    def clicked(self, event: TileClicked) -> None:
        """Focus the grid and move the cursor to the tile; a double-click opens it too."""
        self.focus()
        self.model.select(event.index)
        if event.clicks > 1:
            self.post_message(self.OpenDetail())
