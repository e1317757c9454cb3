"""The gallery: one project's or shot's generations, a page at a time, with a selection.

It follows the query cache: when the page it shows is invalidated (your change, or another
client's through live updates) it reloads by itself and tells its listeners, so every front
end stays current without a refresh key.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from workbench import keys
from workbench.cache import CacheEvent
from workbench.generations.filters import GenerationFilters
from workbench.generations.page import NO_CURSOR, GenerationPage
from workbench.generations.query import Mode
from workbench.ids import Ref
from workbench.models import Generation
from workbench.views.base import ViewModel
from workbench.views.confirm import Confirmation

if TYPE_CHECKING:
    from workbench.client import Workbench
    from workbench.views.detail import DetailModel

CAPTION_TEXT = 48  # characters of prompt or name a caption keeps; a front end may fit fewer
# The value of one ``GenerationFilters`` field, as ``set_filters`` takes it by name.
FilterValue = str | bool | uuid.UUID | datetime | None


def caption(item: Generation) -> tuple[str, str]:
    """A tile's two lines, the same in every front end: what the item is (and its frame on a
    shot's timeline), then the start of its prompt, else its file name. Plain text that the
    toolkit styles and fits. The star is not in it: the notebook shows it as a toggle button,
    the TUI as a mark before the caption."""
    kind = "▶ video" if item.is_video else "image"
    frame = "" if item.timeline_frame is None else f" @{item.timeline_frame}"
    text = item.prompt or str(item.params.get("original_filename") or item.name or "")
    if len(text) > CAPTION_TEXT:
        text = text[: CAPTION_TEXT - 1] + "…"
    return f"{kind}{frame}", text


def remove_confirmation(
    item: Generation, shot_title: str, frames: Sequence[int | None] = ()
) -> Confirmation:
    """What to ask before removing a generation from a shot, the same in every front end:
    the item, the shot, its place (``frames``, when known) and that undo brings it back."""
    what, text = caption(item)
    places = ", ".join("unpositioned" if f is None else f"frame {f}" for f in frames)
    where = f"its place on the timeline ({places})" if places else "its place on the timeline"
    return Confirmation(
        f"Remove '{text or what}' from shot '{shot_title}'?",
        "Remove",
        (f"The generation stays in the project; only {where} goes.", "Undo brings it back."),
    )


@dataclass(frozen=True)
class GalleryState:
    """What a gallery shows.

    ``mode`` says whether ``target_id`` is a project (its gallery) or a shot (its timeline);
    ``title`` names it for a heading; ``filters`` and ``limit`` (items a page) shape the query;
    ``page`` is the page shown (None until the first load) and ``selected`` the selection's
    index in it; ``loading`` is true while a page is read; ``error`` is the last failure's
    one-line message; ``live`` is whether other clients' changes arrive by themselves;
    ``offline`` whether the database was found unreachable (front ends say "offline").
    """

    mode: Mode = "project"
    target_id: uuid.UUID | None = None
    title: str = ""
    filters: GenerationFilters = field(default_factory=GenerationFilters)
    limit: int = 50
    page: GenerationPage | None = None
    selected: int = 0  # index into the page's items
    loading: bool = False
    error: str | None = None
    live: bool = False
    offline: bool = False

    @property
    def items(self) -> tuple[Generation, ...]:
        """The page's generations (none before the first load)."""
        return self.page.items if self.page is not None else ()

    @property
    def selection(self) -> Generation | None:
        """The selected generation, which the actions act on; None on an empty page."""
        items = self.items
        return items[self.selected] if 0 <= self.selected < len(items) else None

    @property
    def sortable(self) -> bool:
        """Whether an order choice (newest/oldest) applies: a project's gallery only. A shot
        shows its timeline, in frame order, so front ends hide the order control there."""
        return self.mode == "project"

    @property
    def status(self) -> str:
        """One line for a status bar: where, which page, how many, which filters."""
        if self.page is None:
            return "loading…" if self.loading else (self.error or "")
        page = self.page
        return (
            f"{self.title} · page {page.page}/{page.pages} · {page.total_label} · "
            f"{self.filters.describe()}"
        )


class GalleryModel(ViewModel[GalleryState]):
    """A project's gallery or a shot's timeline, a page at a time, and the actions on its
    selection.

    Commands block while they talk to the database (front ends call them from a worker thread;
    ``select`` and ``move_selection`` only change the state). After a change the cache updates
    the page at once, then the page is read again; a change made elsewhere reloads it on a
    background thread. Listeners are told on whichever of these threads made the change.
    """

    def __init__(
        self,
        wb: Workbench,
        *,
        project_id: Ref | None = None,
        shot_id: Ref | None = None,
        limit: int = 50,
        filters: GenerationFilters | None = None,
    ) -> None:
        super().__init__(GalleryState(limit=limit, filters=filters or GenerationFilters()))
        self._wb = wb
        self._cursor: str | None = None
        self._page_number: int | None = None
        self._unfollow: Callable[[], None] | None = None
        self._closers.append(lambda: self._unfollow() if self._unfollow else None)
        self._reloading = self._again = False
        self._closers.append(wb.health.changed.add(self._connection_changed))
        if project_id is not None or shot_id is not None:
            self.set_target(project_id=project_id, shot_id=shot_id)

    # -- navigation ------------------------------------------------------------------------
    def set_target(self, *, project_id: Ref | None = None, shot_id: Ref | None = None) -> None:
        """Show a project's gallery, or a shot's timeline (``shot_id`` wins; pass its
        ``project_id`` too when known)."""

        def work() -> None:
            place = self._wb.find(project_id, shot_id)
            mode: Mode = "project" if place.shot is None else "shot"
            target_id = place.project.id if place.shot is None else place.shot.id
            self._follow(mode, target_id)
            filters = self.state.filters
            if mode == "shot" and filters.sort != "newest":  # a timeline has no date order
                filters = GenerationFilters.of(filters, sort="newest")
            self._update(
                mode=mode, target_id=target_id, title=place.title, selected=0, filters=filters
            )
            self._cursor, self._page_number = None, 1
            self._load()

        self._attempt(work, loading=True, error=None)

    def next_page(self) -> None:
        """Show the next page, if there is one (selection back to the first item)."""
        page = self.state.page
        if page is not None and page.next_cursor:
            self._go(cursor=page.next_cursor)

    def prev_page(self) -> None:
        """Show the previous page, if there is one (selection back to the first item)."""
        page = self.state.page
        if page is not None and page.prev_cursor:
            self._go(cursor=page.prev_cursor)

    def jump(self, number: int) -> None:
        """Show page ``number`` (counting from 1; selection back to the first item)."""
        self._go(page=number)

    def set_filters(self, **changes: FilterValue) -> None:
        """Change filters (``media_type="video"``, ``starred=True``, ...); back to page 1."""

        def work() -> None:
            filters = GenerationFilters.of(self.state.filters, **changes)
            self._update(filters=filters, selected=0)
            self._cursor, self._page_number = None, 1
            self._load()

        self._attempt(work, loading=True, error=None)

    def clear_filters(self) -> None:
        """Show everything again, from page 1."""
        self._update(filters=GenerationFilters())
        self._go(page=1)

    def select(self, index: int) -> None:
        """Select the item at ``index`` on the page (clamped to it); no database work."""
        count = len(self.state.items)
        if count:
            self._update(selected=max(0, min(index, count - 1)))

    def move_selection(self, delta: int) -> None:
        """Move the selection ``delta`` items along the page (a row is ``delta`` = columns)."""
        self.select(self.state.selected + delta)

    def reload(self) -> None:
        """Read the page again from the database, bypassing the cache."""
        self._attempt(lambda: self._load(fresh=True), loading=True, error=None)

    # -- actions on the selection ----------------------------------------------------------
    def toggle_star(self) -> None:
        """Star or unstar the selection."""
        item = self.state.selection
        if item is not None:
            self._act(lambda: self._wb.star(item.id, not item.starred))

    def add_to_shot(self, shot_id: Ref, *, frame: int | str | None = "end") -> None:
        """Link the selection into a shot at ``frame``: a frame number, the "end" of its
        timeline, or None for unpositioned."""
        item = self.state.selection
        if item is not None:
            self._act(lambda: self._wb.add_to_shot(item.id, shot_id, frame=frame))

    def confirm_remove_from_shot(self) -> Confirmation | None:
        """What to ask before ``remove_from_shot`` (None when there is nothing to remove)."""
        item = self.state.selection
        if item is None or self.state.mode != "shot":
            return None
        return remove_confirmation(item, self.state.title, [item.timeline_frame])

    def confirm_delete(self) -> Confirmation | None:
        """What to ask before ``delete``: reads the selection's variants and shots (one
        round trip, so call it from a worker); None on an empty page."""
        from workbench.views.detail import delete_confirmation

        item = self.state.selection
        if item is None:
            return None
        return delete_confirmation(self._wb.generation_detail(item.id))

    def remove_from_shot(self, item: Generation | None = None) -> None:
        """Unlink ``item`` (default: the selection) from the shot shown (shot mode only; the
        generation stays). Front ends confirm first (``confirm_remove_from_shot``)."""
        item = item or self.state.selection
        if item is not None and self.state.mode == "shot":
            target = self.state.target_id
            link = item.shot_generation_id
            self._act(lambda: self._wb.remove_from_shot(target, item.id, link_id=link))

    def move_in_timeline(self, delta: int) -> None:
        """Swap the selected item with its neighbour on the shot's timeline (shot mode)."""
        state = self.state
        positioned = [i for i in state.items if i.timeline_frame is not None]
        item = state.selection
        if state.mode != "shot" or item is None or item not in positioned:
            return
        index = positioned.index(item)
        other = index + delta
        if not 0 <= other < len(positioned):
            return
        order = [i.shot_generation_id for i in positioned]
        order[index], order[other] = order[other], order[index]
        target = state.target_id
        if self._act(lambda: self._wb.reorder_shot(target, [o for o in order if o])):
            self.select(state.items.index(positioned[other]))

    def delete(self, item: Generation | None = None) -> None:
        """Delete ``item`` (default: the selection) from the project; undo brings it back.
        Front ends confirm first (``confirm_delete``)."""
        item = item or self.state.selection
        if item is not None:
            self._act(lambda: self._wb.delete_generation(item.id))

    def open_detail(self) -> DetailModel | None:
        """A detail model of the selection (None on an empty page); it loads as it is made,
        so this blocks like any command."""
        from workbench.views.detail import DetailModel

        item = self.state.selection
        return DetailModel(self._wb, item.id) if item is not None else None

    # -- internals -------------------------------------------------------------------------
    def _connection_changed(self, online: bool) -> None:
        """Offline: say so. Back online: the failure shown was (most likely) the outage, so
        it goes, and the page is read again: no restart, no key press needed."""
        if online:
            self._update(offline=False, error=None)
            self._reload_soon()
        else:
            self._update(offline=True)

    def _reload_soon(self) -> None:
        """One invalidation touches many keys (pages, counts, cursors): reload once for all,
        and once more if another change arrived while reloading."""
        with self._lock:
            if self._reloading:
                self._again = True
                return
            self._reloading = True

        def work() -> None:
            while True:
                self._attempt(self._load)
                with self._lock:
                    if not self._again:
                        self._reloading = False
                        return
                    self._again = False

        self.in_background(work)

    def _go(self, *, cursor: str | None = None, page: int | None = None) -> None:
        def work() -> None:
            self._cursor, self._page_number = cursor, page
            self._load()
            self._update(selected=0)

        self._attempt(work, loading=True, error=None)

    def _act(self, action: Callable[[], object]) -> bool:
        """A change: the cache updates the page at once, then the page is reloaded."""

        def work() -> None:
            action()
            self._load()

        return self._attempt(work, error=None)

    def _load(self, fresh: bool = False) -> None:
        state = self.state
        if state.target_id is None:
            return
        shot = state.mode == "shot"
        page = self._wb.generations(
            None if shot else state.target_id, state.target_id if shot else None,
            filters=state.filters, limit=state.limit, cursor=self._cursor or NO_CURSOR,
            page=None if self._cursor else self._page_number, fresh=fresh,
        )  # fmt: skip
        selected = min(self.state.selected, max(0, len(page.items) - 1))
        self._update(page=page, loading=False, selected=selected, live=self._wb.live)

    def _follow(self, mode: Mode, target_id: uuid.UUID) -> None:
        """Reload when the cache says what we show changed (ours, or live from elsewhere)."""
        if self._unfollow is not None:
            self._unfollow()

        def changed(event: CacheEvent) -> None:
            if event.kind == "invalidated":
                self._reload_soon()

        self._unfollow = self._wb.follow(keys.gallery(mode, target_id), changed)
