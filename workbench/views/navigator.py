"""The navigator: the user's projects and their shots with counts, and which one is chosen.

The chosen project and shot are remembered on this device (``wb.local_state``), so every front
end opens where the user was last. The whole tree with its counts is one round trip
(``Workbench.overview``), reloaded when anything in a project's gallery changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench import keys
from workbench.cache import CacheEvent
from workbench.errors import NotFoundError
from workbench.ids import Ref, as_uuid
from workbench.projects import ProjectSummary
from workbench.views.base import ViewModel

if TYPE_CHECKING:
    from workbench.client import Workbench

LAST = "navigator.last"  # device-local state: the last project and shot shown


@dataclass(frozen=True)
class NavigatorState:
    """What a navigator shows.

    ``projects`` is the tree with Reigh's counts; ``project_id`` and ``shot_id`` are the
    current choice (``shot_id`` None: the whole project); ``loading`` is true while the tree
    is read; ``error`` is the last failure's one-line message.
    """

    projects: tuple[ProjectSummary, ...] = ()
    project_id: uuid.UUID | None = None
    shot_id: uuid.UUID | None = None
    loading: bool = False
    error: str | None = None


class NavigatorModel(ViewModel[NavigatorState]):
    """Projects → shots with counts; ``select`` makes (and remembers) a choice.

    ``load`` (also run by the constructor) blocks on one query: front ends call it from a
    worker thread. When a project's gallery changes (here or, live, elsewhere) the tree is
    read again on a background thread, and listeners are told there.
    """

    def __init__(self, wb: Workbench) -> None:
        super().__init__(NavigatorState())
        self._wb = wb
        self.load()
        # A shot's row changing invalidates its project's gallery prefix, counts included.
        self._closers.append(wb.follow(keys.gallery("project"), self._changed))

    def load(self) -> None:
        """Read the tree again (one round trip); keeps the remembered choice if it exists."""

        def work() -> None:
            summaries = tuple(self._wb.overview())
            project_id, shot_id = _known(summaries, self._wb.local_state.get(LAST) or {})
            self._update(projects=summaries, project_id=project_id, shot_id=shot_id, loading=False)

        self._attempt(work, loading=True, error=None)

    def select(self, project_id: Ref, shot_id: Ref | None = None) -> None:
        """Choose a project (and a shot of it, or None for the whole project)."""
        project = as_uuid(project_id, "project id")
        shot = as_uuid(shot_id, "shot id") if shot_id is not None else None
        self._update(project_id=project, shot_id=shot)
        remember(self._wb, project, shot)

    def choose(
        self, project: Ref | None = None, shot: Ref | None = None
    ) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        """``starting_point`` for this navigator: shown as its choice, and remembered."""
        if not project and not shot:
            return self.state.project_id, self.state.shot_id
        project_id, shot_id = starting_point(self._wb, project, shot)
        self._update(project_id=project_id, shot_id=shot_id)
        return project_id, shot_id

    def _changed(self, event: CacheEvent) -> None:
        if event.kind == "invalidated":
            self.in_background(self.load)


def starting_point(
    wb: Workbench, project: Ref | None = None, shot: Ref | None = None
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """Where a front end opens: the project and shot asked for (records, ids or names, found
    by ``Workbench.find``), which is then remembered; else where this device was last, if that
    still exists; else the first project. Cheaper than a navigator (no counts)."""
    if project or shot:
        place = wb.find(project or None, shot or None)
        shot_id = place.shot.id if place.shot is not None else None
        remember(wb, place.project.id, shot_id)
        return place.project.id, shot_id
    last = wb.local_state.get(LAST) or {}
    for remembered in ((last.get("project"), last.get("shot")), (last.get("project"), None)):
        if remembered[0]:
            try:
                place = wb.find(*remembered)
            except NotFoundError:
                continue
            return place.project.id, place.shot.id if place.shot is not None else None
    projects = wb.projects()
    return (projects[0].id, None) if projects else (None, None)


def remember(wb: Workbench, project_id: uuid.UUID, shot_id: uuid.UUID | None) -> None:
    """Keep the choice on this device, for the next front end that opens."""
    wb.local_state.set(
        LAST, {"project": str(project_id), "shot": str(shot_id) if shot_id else None}
    )


def _known(
    summaries: Sequence[ProjectSummary], last: Mapping[str, str | None]
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The remembered choice if it still exists, else the first project."""
    for summary in summaries:
        if str(summary.project.id) == last.get("project"):
            shots = {str(s.shot.id): s.shot.id for s in summary.shots}
            return summary.project.id, shots.get(last.get("shot") or "")
    return (summaries[0].project.id, None) if summaries else (None, None)
