"""The gallery: one project's or shot's generations, a page at a time, with a selection.

It follows the query cache: when the page it shows is invalidated (your change, or another
client's through live updates) it reloads by itself and tells its listeners, so every front
end stays current without a refresh key.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from workbench import keys
from workbench.cache import CacheEvent
from workbench.generations.filters import GenerationFilters
from workbench.generations.page import NO_CURSOR, GenerationPage
from workbench.generations.query import GalleryTarget, Mode
from workbench.generations.service import ShotNames, check_limit
from workbench.ids import Ref, as_uuid
from workbench.models import Generation, Shot
from workbench.views.base import ViewModel
from workbench.views.cards import Card, card
from workbench.views.confirm import Confirmation
from workbench.views.connection import ConnectionStatus, connection_status

if TYPE_CHECKING:
    from workbench.client import Workbench
    from workbench.views.detail import DetailModel

log = logging.getLogger("workbench.views.gallery")

# The value of one ``GenerationFilters`` field, as ``set_filters`` takes it by name.
FilterValue = str | bool | uuid.UUID | datetime | None


def caption(item: Generation) -> tuple[str, str]:
    """A tile's two lines, the same in every front end: what the item is (and its frame on a
    shot's timeline), then the start of its prompt, else its file name. Plain text that the
    toolkit styles and fits. The star is not in it: the notebook shows it as a toggle button,
    the TUI as a mark before the caption."""
    shown = card(item)
    return shown.kind, shown.text


def _items(count: int) -> str:
    return "1 item" if count == 1 else f"{count} items"


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


def remove_many_confirmation(items: Sequence[Generation], shot_title: str) -> Confirmation:
    """What to ask before removing several generations from a shot (one question for all)."""
    if len(items) == 1:
        return remove_confirmation(items[0], shot_title, [items[0].timeline_frame])
    positioned = sum(1 for i in items if i.timeline_frame is not None)
    return Confirmation(
        f"Remove {len(items)} generations from shot '{shot_title}'?",
        f"Remove {len(items)}",
        (
            f"{positioned} of them have a place on the timeline; the generations stay in "
            "the project.",
            "One undo brings them all back.",
        ),
    )


def delete_many_confirmation(
    items: Sequence[Generation], shot_names: Mapping[uuid.UUID, str]
) -> Confirmation:
    """What to ask before deleting several generations at once: how many, which shots they
    leave, how many variants go, and that one undo brings them all back."""
    shots = sorted({shot_names.get(s, str(s)[:8]) for i in items for s in i.shot_ids})
    variants = sum(i.variant_count for i in items)
    videos = sum(1 for i in items if i.is_video)
    kinds = f"{len(items) - videos} images, {videos} videos" if videos else "all images"
    shown = ", ".join(shots[:5]) + (f" and {len(shots) - 5} more" if len(shots) > 5 else "")
    return Confirmation(
        f"Delete {len(items)} generations ({kinds})?",
        f"Delete {len(items)}",
        (
            f"They leave {len(shots)} shot{'s' if len(shots) != 1 else ''}: {shown}"
            if shots
            else "They are in no shot.",
            f"Their {variants} variants go with them." if variants else "They have no variants.",
            "Their media files stay in storage. One undo brings them all back.",
        ),
    )


@dataclass(frozen=True)
class GalleryState:
    """What a gallery shows.

    ``mode`` says whether ``target_id`` is a project (its gallery) or a shot (its timeline);
    ``title`` names it for a heading; ``filters`` and ``limit`` (items a page) shape the query;
    ``page`` is the page shown (None until the first load) and ``selected`` the selection's
    index in it; ``loading`` is true while a page is read; ``error`` is the last failure's
    one-line message; ``live`` is whether other clients' changes arrive by themselves;
    ``health`` the workbench's connection state ("online", "reconnecting", "offline"; with
    ``health_reason`` its last failure), which ``connection`` turns into the status line's
    word.
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
    notice: str | None = None  # what the last shot action did ("created shot 'X' with 3 items")
    live: bool = False
    # What the status line says of it: "live", "polling every 3 s", "not live".
    live_status: str = "not live"
    health: str = "online"
    health_reason: str | None = None
    # The selection for bulk actions, in the order it was made; it survives paging. Each is
    # the item as last seen (a page reload refreshes those it shows).
    marked: tuple[Generation, ...] = ()
    shot_names: Mapping[uuid.UUID, str] = field(default_factory=dict)  # the project's shots

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
    def cards(self) -> tuple[Card, ...]:
        """The page's items as cards (what each tile shows, the same in every front end)."""
        return tuple(card(item, self.shot_names) for item in self.items)

    @property
    def marked_ids(self) -> frozenset[uuid.UUID]:
        """The selection's ids (what a tile tests to show its mark)."""
        return frozenset(item.id for item in self.marked)

    @property
    def targets(self) -> tuple[Generation, ...]:
        """What an action acts on: the selection when there is one, else the item under the
        cursor (none on an empty page)."""
        if self.marked:
            return self.marked
        return () if self.selection is None else (self.selection,)

    @property
    def offline(self) -> bool:
        """Whether the database was found unreachable (reconnecting or offline): actions
        fail at once, the page shown may be stale."""
        return self.health != "online"

    @property
    def connection(self) -> ConnectionStatus:
        """The status line's connection word ("loading…", "live", "reconnecting…",
        "offline"), as every front end shows it."""
        return connection_status(
            health=self.health,
            loading=self.loading and self.page is None,
            live_status=self.live_status,
            reason=(self.health_reason or self.error) if self.offline else None,
        )

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
        chosen = f" · {len(self.marked)} selected" if self.marked else ""
        return (
            f"{self.title} · page {page.page}/{page.pages} · {page.total_label} · "
            f"{self.filters.describe()}{chosen}"
        )


@dataclass(frozen=True)
class _Ahead:
    """A next page to read ahead: the page after the one shown in ``target`` (``cursor``)."""

    target: GalleryTarget
    filters: GenerationFilters
    limit: int
    cursor: str


class GalleryModel(ViewModel[GalleryState]):
    """A project's gallery or a shot's timeline, a page at a time, and the actions on its
    selection.

    Commands block while they talk to the database (front ends call them from a worker thread;
    ``select`` and ``move_selection`` only change the state). After a change the cache updates
    the page at once, then the page is read again; a change made elsewhere reloads it on a
    background thread. Listeners are told on whichever of these threads made the change.

    Round trips (what a user far from the database feels): a new gallery costs two (where it
    is, then the page with its count and the project's shot names in one pipeline); once a
    page is shown the next one is read in the background, through the same cache keys (so an
    invalidation drops it like any page), and paging on is instant.
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
        health = wb.health
        state = GalleryState(limit=limit, filters=filters or GenerationFilters())
        super().__init__(replace(state, health=health.state, health_reason=health.last_error))
        self._wb = wb
        self._cursor: str | None = None
        self._page_number: int | None = None
        self._unfollow: Callable[[], None] | None = None
        self._closers.append(lambda: self._unfollow() if self._unfollow else None)
        self._reloading = self._again = False
        # The next page to read ahead: one read at a time, and dropped when the gallery has
        # moved on by the time it would start.
        self._ahead: _Ahead | None = None
        self._ahead_running = False
        self._closers.append(self._stop_reading_ahead)
        self._names_of: uuid.UUID | None = None  # the project whose shot names are shown
        self._unfollow_names: Callable[[], None] | None = None
        self._closers.append(lambda: self._unfollow_names() if self._unfollow_names else None)
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
            names = self._cached_names(place.project.id)  # else read with the page
            self._follow_names(place.project.id)
            self._update(
                mode=mode, target_id=target_id, title=place.title, selected=0, filters=filters,
                marked=() if target_id != self.state.target_id else self.state.marked,
                shot_names=names,
            )  # fmt: skip
            self._cursor, self._page_number = None, 1
            self._load(read_ahead=True)

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
            self._load(read_ahead=True)

        self._attempt(work, loading=True, error=None)

    def set_limit(self, limit: int) -> None:
        """Show ``limit`` items a page (a front end's page-size control), from page 1. A
        bad value is refused (``ValidationError``) before anything changes."""
        limit = check_limit(limit)

        def work() -> None:
            self._update(limit=limit, selected=0)
            self._cursor, self._page_number = None, 1
            self._load(read_ahead=True)

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
        """Read the page (and the project's shot names) again, bypassing the cache."""

        def work() -> None:
            if self.state.page is not None and self._names_of is not None:
                self._update(shot_names=self._shot_names(self._names_of, fresh=True))
            self._load(fresh=True, read_ahead=True)

        self._attempt(work, loading=True, error=None)

    # -- the selection (bulk actions act on it) ---------------------------------------------
    def toggle_mark(self, index: int | None = None) -> None:
        """Select or unselect the item at ``index`` (default: under the cursor)."""
        items = self.state.items
        index = self.state.selected if index is None else index
        if 0 <= index < len(items):
            item = items[index]
            with self._lock:
                marked = self.state.marked
                if item.id in self.state.marked_ids:
                    self._update(marked=tuple(m for m in marked if m.id != item.id))
                else:
                    self._update(marked=(*marked, item))

    def extend_mark(self, delta: int) -> None:
        """Select the item under the cursor and the one ``delta`` away, moving the cursor
        there (shift+arrows): a run of items is selected by holding shift."""
        self._mark(self.state.selected)
        self.move_selection(delta)
        self._mark(self.state.selected)

    def mark_page(self) -> None:
        """Select every item of the page; when all are selected already, unselect them."""
        items = self.state.items
        with self._lock:
            chosen = self.state.marked_ids
            if items and all(item.id in chosen for item in items):
                page = {item.id for item in items}
                self._update(marked=tuple(m for m in self.state.marked if m.id not in page))
            else:
                extra = tuple(item for item in items if item.id not in chosen)
                self._update(marked=(*self.state.marked, *extra))

    def clear_marks(self) -> None:
        """Select nothing (actions act on the item under the cursor again)."""
        self._update(marked=())

    def _mark(self, index: int) -> None:
        items = self.state.items
        if 0 <= index < len(items) and items[index].id not in self.state.marked_ids:
            self._update(marked=(*self.state.marked, items[index]))

    # -- actions on the selection, else the item under the cursor ---------------------------
    def toggle_star(self, item: Generation | None = None) -> None:
        """Star the targets (or ``item`` alone: a tile's own star); when all of them are
        starred already, unstar them."""
        items = (item,) if item is not None else self.state.targets
        if items:
            starred = not all(item.starred for item in items)
            self._act(lambda: self._wb.star([i.id for i in items], starred))

    def add_to_shot(self, shot_id: Ref, *, frame: int | str | None = "end") -> None:
        """Link the targets into a shot, in selection order: at the "end" of its timeline,
        or unpositioned (None); a single item may go to a frame number."""
        items = self.state.targets
        if items:
            self._act(lambda: self._wb.add_to_shot([i.id for i in items], shot_id, frame=frame))

    def new_shot_from_selection(self, name: str | None = None) -> Shot | None:
        """A new shot at the end of the project holding the targets in selection order
        (Reigh's "new shot from selection"); the selection is cleared. None when refused
        (``error`` says why). Blocking: call from a worker."""
        items = self.state.targets
        made: list[Shot] = []
        if not items:
            return None

        def work() -> None:
            made.append(self._wb.create_shot(
                items[0].project_id, name, generation_ids=[i.id for i in items]
            ))  # fmt: skip
            self._unmark(items)

        if self._act(work):
            self._update(notice=f"created shot '{made[0].name}' with {_items(len(items))}")
        return made[0] if made else None

    def move_to_shot(self, shot_id: Ref, *, positioned: bool = True) -> None:
        """Move the targets out of the shot shown and onto the end of another shot's timeline
        (or unpositioned): one transaction, one undo. Shot mode only."""
        items = self.state.targets
        if items and self.state.mode == "shot":
            source = self.state.target_id

            def work() -> None:
                self._wb.move_to_shot([i.id for i in items], source, shot_id, positioned=positioned)
                self._unmark(items)

            if self._act(work):
                name = self.state.shot_names.get(as_uuid(shot_id, "shot id"), "another shot")
                self._update(notice=f"moved {_items(len(items))} to shot '{name}'")

    def position(self, *, before: Ref | None = None, after: Ref | None = None) -> None:
        """Give the item under the cursor a place on the shown shot's timeline: at the end, or
        before/after another item (a generation); an unpositioned item becomes positioned.
        Shot mode only."""
        item = self.state.selection
        if item is not None and self.state.mode == "shot":
            shot = self.state.target_id
            frame: list[int] = []
            if self._act(lambda: frame.append(
                self._wb.position_in_shot(shot, item.id, before=before, after=after)
            )):  # fmt: skip
                self._update(notice=f"placed at frame {frame[0]}")

    def confirm_remove_from_shot(self) -> Confirmation | None:
        """What to ask before ``remove_from_shot`` (None when there is nothing to remove)."""
        items = self.state.targets
        if not items or self.state.mode != "shot":
            return None
        return remove_many_confirmation(items, self.state.title)

    def confirm_delete(self) -> Confirmation | None:
        """What to ask before ``delete``. For one item it reads its variants and shots (one
        round trip, so call it from a worker); None on an empty page."""
        from workbench.views.detail import delete_confirmation

        items = self.state.targets
        if not items:
            return None
        if len(items) == 1:
            return delete_confirmation(self._wb.generation_detail(items[0].id))
        return delete_many_confirmation(items, self.state.shot_names)

    def remove_from_shot(self, item: Generation | None = None) -> None:
        """Unlink ``item`` (default: the targets) from the shot shown (shot mode only; the
        generations stay). Front ends confirm first (``confirm_remove_from_shot``)."""
        items = (item,) if item is not None else self.state.targets
        if items and self.state.mode == "shot":
            target = self.state.target_id
            link = items[0].shot_generation_id if len(items) == 1 else None

            def work() -> None:
                self._wb.remove_from_shot(target, [i.id for i in items], link_id=link)
                self._unmark(items)  # before the page reloads: the count never lags

            self._act(work)

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
        """Delete ``item`` (default: the targets) from the project, all in one step that one
        undo brings back. Front ends confirm first (``confirm_delete``)."""
        items = (item,) if item is not None else self.state.targets

        def work() -> None:
            self._wb.delete_generation([i.id for i in items])
            self._unmark(items)  # before the page reloads: the count never lags

        if items:
            self._act(work)

    def download_options(self) -> dict[str, object]:
        """What ``wb.download`` needs for the targets of a download: the selection's ids when
        there is one, else the gallery shown with its filters (every page of it)."""
        state = self.state
        if state.marked:
            return {"ids": [item.id for item in state.marked]}
        place = "shot" if state.mode == "shot" else "project"
        return {place: state.target_id, "filters": state.filters}

    def step(self, delta: int) -> Generation | None:
        """Move the cursor one item on (``delta`` 1) or back (-1), across page boundaries: the
        detail view's next and previous. Returns the item now under the cursor; blocks while
        a page is read."""
        state = self.state
        index = state.selected + delta
        if 0 <= index < len(state.items):
            self.select(index)
        elif index >= len(state.items) and state.page is not None and state.page.next_cursor:
            self.next_page()
        elif index < 0 and state.page is not None and state.page.prev_cursor:
            self.prev_page()
            self.select(len(self.state.items) - 1)
        return self.state.selection

    def _unmark(self, items: Sequence[Generation]) -> None:
        gone = {item.id for item in items}
        self._update(marked=tuple(m for m in self.state.marked if m.id not in gone))

    def open_detail(self) -> DetailModel | None:
        """A detail model of the selection (None on an empty page); it loads as it is made,
        so this blocks like any command."""
        from workbench.views.detail import DetailModel

        item = self.state.selection
        return DetailModel(self._wb, item.id) if item is not None else None

    # -- internals -------------------------------------------------------------------------
    def _connection_changed(self, online: bool) -> None:
        """Reconnecting or offline: say so (the word comes from the workbench's state, as it
        is now). Back online: the failure shown was (most likely) the outage, so it goes, and
        the page is read again: no restart, no key press needed."""
        health = self._wb.health
        if online:
            self._update(health="online", health_reason=None, error=None)
            self._reload_soon()
        else:
            self._update(health=health.state, health_reason=health.last_error)

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
            self._load(read_ahead=True)
            self._update(selected=0)

        self._attempt(work, loading=True, error=None)

    def _act(self, action: Callable[[], object]) -> bool:
        """A change: the cache updates the page at once, then the page is reloaded."""

        def work() -> None:
            action()
            self._load()

        return self._attempt(work, error=None, notice=None)

    def _load(self, fresh: bool = False, *, read_ahead: bool = False) -> None:
        """Read the page shown (with the project's shot names when they are not cached, in
        the same round trip); with ``read_ahead``, then the next page in the background."""
        state = self.state
        if state.target_id is None:
            return
        target = GalleryTarget(state.mode, state.target_id)
        names = self._names()
        page = self._wb.generations_service.page(
            target, state.filters, limit=state.limit, cursor=self._cursor or NO_CURSOR,
            page=None if self._cursor else self._page_number, fresh=fresh, shot_names=names,
        )  # fmt: skip
        selected = min(self.state.selected, max(0, len(page.items) - 1))
        fresh_items = {item.id: item for item in page.items}
        with self._lock:
            marked = tuple(
                replace(fresh_items[m.id], timeline_frame=m.timeline_frame)
                if m.id in fresh_items else m
                for m in self.state.marked
            )  # fmt: skip
            changes: dict[str, object] = {}
            if names is not None:
                changes["shot_names"] = self._cached_names(names.project_id)
            shown = self._replace(
                page=page, loading=False, selected=selected, live=self._wb.live or self._wb.polling,
                live_status=self._wb.live_status, marked=marked,
                **changes,
            )  # fmt: skip
        self._listeners.notify(shown)  # not under the lock: see _replace
        if read_ahead:
            self._read_ahead(target, page)

    def _read_ahead(self, target: GalleryTarget, page: GenerationPage) -> None:
        """Read the page after ``page`` in the background, into the cache under the key the
        next page will look for: ``next_page`` then costs no round trip. One read at a time;
        skipped when the gallery has moved on (another page, gallery or filter) before it
        starts. It is an ordinary cached page: an invalidation drops it like any other, and
        a change landing while it is read keeps it out of the cache (the cache's versions)."""
        if not page.next_cursor:
            return
        wanted = _Ahead(target, page.filters, page.limit, page.next_cursor)
        with self._lock:
            self._ahead = wanted
            if self._ahead_running:
                return  # the running read picks this one up when it ends
            self._ahead_running = True

        def work() -> None:
            while True:
                with self._lock:
                    ahead = self._ahead
                    if ahead is None or not self._still_shown(ahead):
                        self._ahead, self._ahead_running = None, False
                        return
                    self._ahead = None
                try:
                    self._wb.generations_service.page(
                        ahead.target, ahead.filters, limit=ahead.limit, cursor=ahead.cursor
                    )
                except Exception as exc:  # nobody waits for it: the page itself will say
                    log.debug("reading the next page ahead failed: %s", exc)

        self.in_background(work)

    @property
    def reading_ahead(self) -> bool:
        """Whether the next page is being read ahead now (a test or benchmark that counts what
        the gallery sent waits until it is not)."""
        with self._lock:
            return self._ahead_running

    def _still_shown(self, ahead: _Ahead) -> bool:
        """Whether the page that ``ahead`` follows is still the one shown."""
        page = self.state.page
        return (
            page is not None
            and page.target_id == ahead.target.id
            and page.next_cursor == ahead.cursor
        )

    def _stop_reading_ahead(self) -> None:
        with self._lock:
            self._ahead = None

    def _names(self) -> ShotNames | None:
        """The shot names to read with the page: the shown project's (None before a target)."""
        if self._names_of is None:
            return None
        return ShotNames(self._names_of, self._wb.schema.has("shots", "position"))

    def _cached_names(self, project_id: uuid.UUID) -> Mapping[uuid.UUID, str]:
        """The project's shot names as cached (read with a page), else those shown now when
        they are the same project's, else none yet."""
        names = self._wb.cache.get(keys.shots(project_id))
        if isinstance(names, dict):
            return names
        return self.state.shot_names if self._names_of == project_id else {}

    def _shot_names(self, project_id: uuid.UUID, *, fresh: bool = False) -> Mapping[uuid.UUID, str]:
        """The project's shot names (cached under ``keys.shots``, which shot changes
        invalidate; followed, so a shot made, renamed or deleted anywhere shows here)."""
        self._follow_names(project_id)
        names = self._names()
        assert names is not None
        return self._wb.generations_service.shot_names(names, fresh=fresh)

    def _follow_names(self, project_id: uuid.UUID) -> None:
        """Hear when the project's shots change (and reread their names then)."""
        if project_id == self._names_of:
            return
        if self._unfollow_names is not None:
            self._unfollow_names()

        def changed(event: CacheEvent) -> None:
            if event.kind == "invalidated" and self._names_of == project_id:
                self.in_background(
                    lambda: self._attempt(
                        lambda: self._update(shot_names=self._shot_names(project_id))
                    )
                )

        self._names_of = project_id
        self._unfollow_names = self._wb.follow(keys.shots(project_id), changed)

    def _follow(self, mode: Mode, target_id: uuid.UUID) -> None:
        """Reload when the cache says what we show changed (ours, or live from elsewhere)."""
        if self._unfollow is not None:
            self._unfollow()

        def changed(event: CacheEvent) -> None:
            if event.kind == "invalidated":
                self._reload_soon()

        self._unfollow = self._wb.follow(keys.gallery(mode, target_id), changed)
