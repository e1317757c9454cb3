"""Projects and their shots, with the counts a navigator shows (and the last choice made)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.errors import NotFoundError
from workbench.generations.service import FAMILY
from workbench.models import Project, ProjectCounts, Shot, ShotCounts
from workbench.views.base import ViewModel

if TYPE_CHECKING:
    from workbench.client import Workbench

LAST = "navigator.last"  # device-local state: the last project and shot shown


@dataclass(frozen=True)
class ShotEntry:
    shot: Shot
    counts: ShotCounts | None


@dataclass(frozen=True)
class ProjectEntry:
    project: Project
    counts: ProjectCounts | None
    shots: tuple[ShotEntry, ...]


@dataclass(frozen=True)
class NavigatorState:
    projects: tuple[ProjectEntry, ...] = ()
    project_id: uuid.UUID | None = None
    shot_id: uuid.UUID | None = None  # None: the whole project
    loading: bool = False
    error: str | None = None


class NavigatorModel(ViewModel[NavigatorState]):
    """Remembers the last project and shot on this device (``wb.local_state``)."""

    def __init__(self, wb: Workbench) -> None:
        super().__init__(NavigatorState())
        self._wb = wb
        self.load()
        # A shot's row changing invalidates its project's gallery prefix, shot counts included.
        self._closers.append(wb.subscribe((FAMILY, "project"), self._changed))

    def load(self) -> None:
        def work() -> None:
            entries = []
            for project in self._wb.projects():
                counts = {c.shot_id: c for c in self._wb.shot_counts(project.id)}
                shots = tuple(ShotEntry(s, counts.get(s.id)) for s in self._wb.shots(project.id))
                entries.append(ProjectEntry(project, self._wb.project_counts(project.id), shots))
            shot_ids = {e.project.id: [s.shot.id for s in e.shots] for e in entries}
            last = self._wb.local_state.get(LAST) or {}
            project_id, shot_id = _known([e.project for e in entries], lambda p: shot_ids[p], last)
            self._update(
                projects=tuple(entries), project_id=project_id, shot_id=shot_id, loading=False
            )

        self._attempt(work, loading=True, error=None)

    def select(self, project_id: Any, shot_id: Any = None) -> None:
        project = uuid.UUID(str(project_id))
        shot = uuid.UUID(str(shot_id)) if shot_id is not None else None
        self._update(project_id=project, shot_id=shot)
        remember(self._wb, project, shot)

    def choose(self, project: Any = None, shot: Any = None) -> tuple[Any, Any]:
        """``starting_point`` for this navigator: shown as its choice, and remembered."""
        if not project and not shot:
            return self.state.project_id, self.state.shot_id
        project_id, shot_id = starting_point(self._wb, project, shot)
        self._update(project_id=project_id, shot_id=shot_id)
        return project_id, shot_id

    def _changed(self, event: Any) -> None:
        if event.kind == "invalidated" and "shot-counts" in event.key:
            self.in_background(self.load)


def starting_point(
    wb: Workbench, project: Any = None, shot: Any = None
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """Where a front end opens: the project (record, id or name) and shot (record, id or name,
    within the project when one is given) asked for, which is then remembered; else where this
    device was last, if that still exists; else the first project. Cheaper than a navigator
    (no counts), for front ends that only need the answer."""
    if not project and not shot:
        last = wb.local_state.get(LAST) or {}
        return _known(wb.projects(), lambda p: [s.id for s in wb.shots(p)], last)
    projects = [wb.project(project)] if project else wb.projects()
    chosen, shot_id = projects[0] if projects else None, None
    if shot:
        wanted = str(getattr(shot, "id", shot))
        found = [(p, s.id) for p in projects for s in wb.shots(p.id)
                 if wanted in (s.name, str(s.id))]  # fmt: skip
        if not found:
            where = f" in project {chosen.name!r}" if project and chosen else ""
            raise NotFoundError(f"no shot {wanted!r}{where}")
        if len(found) > 1:
            raise NotFoundError(f"several shots are named {wanted!r}; name the project too")
        chosen, shot_id = found[0]
    if chosen is None:
        raise NotFoundError("this user has no projects")
    remember(wb, chosen.id, shot_id)
    return chosen.id, shot_id


def remember(wb: Workbench, project_id: uuid.UUID, shot_id: uuid.UUID | None) -> None:
    wb.local_state.set(
        LAST, {"project": str(project_id), "shot": str(shot_id) if shot_id else None}
    )


def _known(
    projects: Sequence[Project],
    shots_of: Callable[[uuid.UUID], Iterable[uuid.UUID]],
    last: dict[str, Any],
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The remembered choice if it still exists, else the first project."""
    for project in projects:
        if str(project.id) == last.get("project"):
            shots = {str(s): s for s in shots_of(project.id)}
            return project.id, shots.get(last.get("shot") or "")
    return (projects[0].id, None) if projects else (None, None)
