"""Projects and their shots, with the counts a navigator shows (and the last choice made)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.errors import NotFoundError
from workbench.generations.service import FAMILY
from workbench.models import Project, ProjectCounts, Shot, ShotCounts
from workbench.views.base import ViewModel

if TYPE_CHECKING:
    from workbench.client import Workbench


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
        self._closers.append(wb.subscribe((FAMILY, "project"), self._changed))
        self._closers.append(wb.subscribe(("shots",), self._changed))

    def load(self) -> None:
        def work() -> None:
            entries = []
            for project in self._wb.projects():
                counts = {c.shot_id: c for c in self._wb.shot_counts(project.id)}
                shots = tuple(ShotEntry(s, counts.get(s.id)) for s in self._wb.shots(project.id))
                entries.append(ProjectEntry(project, self._wb.project_counts(project.id), shots))
            last = self._wb.local_state.get("navigator.last") or {}
            project_id, shot_id = _known(entries, last.get("project"), last.get("shot"))
            self._update(
                projects=tuple(entries), project_id=project_id, shot_id=shot_id, loading=False
            )

        self._attempt(work, loading=True, error=None)

    def select(self, project_id: Any, shot_id: Any = None) -> None:
        project = uuid.UUID(str(project_id))
        shot = uuid.UUID(str(shot_id)) if shot_id is not None else None
        self._update(project_id=project, shot_id=shot)
        self._wb.local_state.set(
            "navigator.last", {"project": str(project), "shot": str(shot) if shot else None}
        )

    def choose(self, project: Any = None, shot: Any = None) -> tuple[Any, Any]:
        """Start where the caller asked (a project by record, id or name; a shot by record, id
        or name, within the project when one is given), else where this device was last;
        returns ``(project_id, shot_id)``."""
        if not project and not shot:
            return self.state.project_id, self.state.shot_id
        projects = [self._wb.project(project)] if project else self._wb.projects()
        chosen, shot_id = projects[0] if projects else None, None
        if shot:
            wanted = str(getattr(shot, "id", shot))
            found = [(p, s.id) for p in projects for s in self._wb.shots(p.id)
                     if wanted in (s.name, str(s.id))]  # fmt: skip
            if not found:
                where = f" in project {chosen.name!r}" if project and chosen else ""
                raise NotFoundError(f"no shot {wanted!r}{where}")
            if len(found) > 1:
                raise NotFoundError(f"several shots are named {wanted!r}; name the project too")
            chosen, shot_id = found[0]
        if chosen is None:
            raise NotFoundError("this user has no projects")
        self.select(chosen.id, shot_id)
        return chosen.id, shot_id

    def _changed(self, event: Any) -> None:
        if event.kind == "invalidated" and ("shot-counts" in event.key or event.key[0] == "shots"):
            self.in_background(self.load)


def _known(
    entries: list[ProjectEntry], project: str | None, shot: str | None
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The remembered choice if it still exists, else the first project."""
    for entry in entries:
        if str(entry.project.id) == project:
            shots = {str(s.shot.id): s.shot.id for s in entry.shots}
            return entry.project.id, shots.get(shot or "")
    return (entries[0].project.id, None) if entries else (None, None)
