"""The gallery: one project's or shot's generations, a page at a time, with a selection.

It follows the query cache: when the page it shows is invalidated (your change, or another
client's through live updates) it reloads by itself and tells its listeners, so every front
end stays current without a refresh key.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.generations.filters import GenerationFilters
from workbench.generations.page import GenerationPage
from workbench.generations.service import FAMILY
from workbench.models import Generation
from workbench.views.base import ViewModel

if TYPE_CHECKING:
    from workbench.client import Workbench
    from workbench.views.detail import DetailModel


@dataclass(frozen=True)
class GalleryState:
    mode: str = "project"  # "project" or "shot"
    target_id: uuid.UUID | None = None
    title: str = ""
    filters: GenerationFilters = field(default_factory=GenerationFilters)
    limit: int = 50
    page: GenerationPage | None = None
    selected: int = 0  # index into the page's items
    loading: bool = False
    error: str | None = None
    live: bool = False

    @property
    def items(self) -> tuple[Generation, ...]:
        return self.page.items if self.page is not None else ()

    @property
    def selection(self) -> Generation | None:
        items = self.items
        return items[self.selected] if 0 <= self.selected < len(items) else None

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
    def __init__(
        self,
        wb: Workbench,
        *,
        project_id: Any = None,
        shot_id: Any = None,
        limit: int = 50,
        filters: GenerationFilters | None = None,
    ) -> None:
        super().__init__(GalleryState(limit=limit, filters=filters or GenerationFilters()))
        self._wb = wb
        self._cursor: str | None = None
        self._page_number: int | None = None
        self._unfollow: Any = None
        self._closers.append(lambda: self._unfollow() if self._unfollow else None)
        self._reloading = self._again = False
        if project_id is not None or shot_id is not None:
            self.set_target(project_id=project_id, shot_id=shot_id)

    # -- navigation ------------------------------------------------------------------------
    def set_target(self, *, project_id: Any = None, shot_id: Any = None) -> None:
        """Show a project's gallery, or a shot's timeline (``shot_id`` wins; pass its
        ``project_id`` too when known)."""

        def work() -> None:
            target = self._wb.generations_service.target(project_id, shot_id)
            if target.mode == "shot":
                # The caller usually knows the shot's project: then one query, not one per project.
                projects = (
                    [project_id] if project_id is not None else [p.id for p in self._wb.projects()]
                )
                names = (s.name for p in projects for s in self._wb.shots(p) if s.id == target.id)
                title = next(names, "shot")
            else:
                title = self._wb.project(target.id).name
            self._follow(target.mode, target.id)
            self._update(mode=target.mode, target_id=target.id, title=title, selected=0)
            self._cursor, self._page_number = None, 1
            self._load()

        self._attempt(work, loading=True, error=None)

    def next_page(self) -> None:
        page = self.state.page
        if page is not None and page.next_cursor:
            self._go(cursor=page.next_cursor)

    def prev_page(self) -> None:
        page = self.state.page
        if page is not None and page.prev_cursor:
            self._go(cursor=page.prev_cursor)

    def jump(self, number: int) -> None:
        self._go(page=number)

    def set_filters(self, **changes: Any) -> None:
        """Change filters (``media_type="video"``, ``starred=True``, ...); back to page 1."""

        def work() -> None:
            filters = GenerationFilters.of(self.state.filters, **changes)
            self._update(filters=filters, selected=0)
            self._cursor, self._page_number = None, 1
            self._load()

        self._attempt(work, loading=True, error=None)

    def clear_filters(self) -> None:
        self._update(filters=GenerationFilters())
        self._go(page=1)

    def select(self, index: int) -> None:
        count = len(self.state.items)
        if count:
            self._update(selected=max(0, min(index, count - 1)))

    def move_selection(self, delta: int) -> None:
        self.select(self.state.selected + delta)

    def reload(self) -> None:
        self._attempt(lambda: self._load(fresh=True), loading=True, error=None)

    # -- actions on the selection ----------------------------------------------------------
    def toggle_star(self) -> None:
        item = self.state.selection
        if item is not None:
            self._act(lambda: self._wb.star(item.id, not item.starred))

    def add_to_shot(self, shot_id: Any, *, frame: int | str | None = "end") -> None:
        item = self.state.selection
        if item is not None:
            self._act(lambda: self._wb.add_to_shot(item.id, shot_id, frame=frame))

    def remove_from_shot(self) -> None:
        item = self.state.selection
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

    def delete(self) -> None:
        item = self.state.selection
        if item is not None:
            self._act(lambda: self._wb.delete_generation(item.id))

    def open_detail(self) -> DetailModel | None:
        from workbench.views.detail import DetailModel

        item = self.state.selection
        return DetailModel(self._wb, item.id) if item is not None else None

    # -- internals -------------------------------------------------------------------------
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

    def _act(self, action: Any) -> bool:
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
            filters=state.filters, limit=state.limit, cursor=self._cursor,
            page=None if self._cursor else self._page_number, fresh=fresh,
        )  # fmt: skip
        selected = min(self.state.selected, max(0, len(page.items) - 1))
        self._update(page=page, loading=False, selected=selected, live=self._wb.live)

    def _follow(self, mode: str, target_id: uuid.UUID) -> None:
        """Reload when the cache says what we show changed (ours, or live from elsewhere)."""
        if self._unfollow is not None:
            self._unfollow()

        def changed(event: Any) -> None:
            if event.kind == "invalidated":
                self._reload_soon()

        self._unfollow = self._wb.subscribe((FAMILY, mode, target_id), changed)
