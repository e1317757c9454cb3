"""The navigator: the user's projects and their shots with counts, and which one is chosen.

The chosen project and shot are remembered on this device (``wb.local_state``), so every front
end opens where the user was last. The whole tree with its counts is one round trip
(``Workbench.overview``), reloaded when anything in a project's gallery changes. Counting
reads every generation of every project, seconds beside a project of a million: a front end
that must paint first asks for the tree alone (``counts=False``: names, one cheap round trip)
and calls ``load`` once its first page is on screen; the counts then fill in.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from workbench import keys
from workbench.cache import CacheEvent
from workbench.errors import NotFoundError
from workbench.ids import Ref, as_uuid
from workbench.manage.projects import ASPECT_RATIOS, ratio_value
from workbench.models import Project, Shot
from workbench.projects import ProjectSummary, ShotSummary
from workbench.views.base import ViewModel
from workbench.views.confirm import Confirmation

if TYPE_CHECKING:
    from workbench.client import Workbench

__all__ = [
    "ASPECT_RATIOS", "NavigatorModel", "NavigatorState", "delete_shot_confirmation", "ratio_value",
]  # fmt: skip

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
    notice: str | None = None  # a one-line remark on the last action ("created shot 'X'")

    @property
    def project(self) -> ProjectSummary | None:
        """The chosen project's summary (its counts and shots, in the project's order)."""
        return next((p for p in self.projects if p.project.id == self.project_id), None)

    @property
    def shot(self) -> ShotSummary | None:
        """The chosen shot's summary; None for the whole project."""
        project = self.project
        if project is None or self.shot_id is None:
            return None
        return next((s for s in project.shots if s.shot.id == self.shot_id), None)

    @property
    def aspect_ratio(self) -> str | None:
        """What tiles and the detail view are shaped by: the chosen shot's own aspect ratio,
        else its project's (Reigh's fallback); ``ratio_value`` makes it a number."""
        shot = self.shot
        if shot is not None and shot.shot.aspect_ratio:
            return shot.shot.aspect_ratio
        project = self.project
        return project.project.aspect_ratio if project is not None else None


class NavigatorModel(ViewModel[NavigatorState]):
    """Projects → shots with counts; ``select`` makes (and remembers) a choice.

    ``load`` (also run by the constructor) blocks on one query: front ends call it from a
    worker thread. When a project's gallery changes (here or, live, elsewhere) the tree is
    read again on a background thread, and listeners are told there.

    With ``counts=False`` the constructor reads the tree without counts (``ProjectsService.
    tree``: no generation is read, so it costs the same beside a million generations); its
    summaries are ``counted`` False until the front end calls ``load`` (after its first
    paint), which reads the tree with every project's counts in one query.
    """

    def __init__(self, wb: Workbench, *, counts: bool = True) -> None:
        super().__init__(NavigatorState())
        self._wb = wb
        # Reads may overlap (the counts after a first paint, a reload after a change): each
        # takes a ticket, and one that started before the tree shown was read is dropped.
        self._tickets = itertools.count()
        self._shown = -1
        if counts:
            self.load()
        else:
            self._attempt(lambda: self._read(wb.projects_service.tree), loading=True, error=None)
        # A shot's row changing invalidates its project's gallery prefix, counts included.
        self._closers.append(wb.follow(keys.gallery("project"), self._changed))

    def load(self) -> None:
        """Read the tree with its counts again (one round trip); keeps the current choice (at
        first, the one remembered on this device) if it still exists."""
        self._attempt(lambda: self._read(self._wb.overview), loading=True, error=None)

    def _read(self, summaries_of: Callable[[], Sequence[ProjectSummary]]) -> None:
        """Show the tree ``summaries_of`` reads, keeping the choice as it is now, unless a
        read started later was shown meanwhile (this one is older news)."""
        with self._lock:
            ticket = next(self._tickets)
        summaries = tuple(summaries_of())
        with self._lock:  # the choice as it is now: one made while reading is kept
            if ticket < self._shown:
                return
            self._shown = ticket
            current = self._state
            wanted = (
                {"project": str(current.project_id), "shot": str(current.shot_id or "")}
                if current.project_id is not None
                else self._wb.local_state.get(LAST) or {}
            )
            project_id, shot_id = _known(summaries, wanted)
            self._state = state = replace(
                current, projects=summaries, project_id=project_id, shot_id=shot_id,
                loading=False,
            )  # fmt: skip
        self._listeners.notify(state)  # outside the lock, as ``_update`` does

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

    # -- managing shots and projects: blocking (one transaction each; call from a worker) ---
    def create_shot(
        self, name: str | None = None, *, generation_ids: Sequence[Ref] | None = None
    ) -> Shot | None:
        """A new shot at the end of the chosen project ("Shot N" unless named), chosen at once;
        None (and ``error``) when refused."""
        project_id = self.state.project_id
        made: list[Shot] = []
        if project_id is None:
            self._update(error="choose a project first")
            return None
        if self._act(lambda: made.append(
            self._wb.create_shot(project_id, name, generation_ids=generation_ids)
        )):  # fmt: skip
            self.select(project_id, made[0].id)
            self._update(notice=f"created shot '{made[0].name}'")
        return made[0] if made else None

    def rename_shot(self, shot_id: Ref, name: str) -> bool:
        """Rename a shot of the chosen project."""
        return self._act(lambda: self._wb.rename_shot(shot_id, name), notice="renamed")

    def move_shot(self, shot_id: Ref, delta: int) -> bool:
        """Move a shot ``delta`` places up (negative) or down in its project's order."""
        project = self.state.project
        wanted = as_uuid(shot_id, "shot id")
        order = [s.shot.id for s in project.shots] if project is not None else []
        if wanted not in order:
            self._update(error="that shot is not in the chosen project")
            return False
        index = order.index(wanted)
        target = max(0, min(len(order) - 1, index + delta))
        if target == index:
            return True
        order.insert(target, order.pop(index))
        return self._act(
            lambda: self._wb.reorder_shots(project.project.id, order),  # type: ignore[union-attr]
            notice=f"moved to place {target + 1} of {len(order)}",
        )

    def duplicate_shot(self, shot_id: Ref) -> Shot | None:
        """Reigh's duplicate (at the end of the project), chosen at once."""
        made: list[Shot] = []
        if self._act(lambda: made.append(self._wb.duplicate_shot(shot_id))):
            self.select(made[0].project_id, made[0].id)
            self._update(notice=f"created '{made[0].name}'")
        return made[0] if made else None

    def confirm_delete_shot(self, shot_id: Ref) -> Confirmation | None:
        """What to ask before ``delete_shot`` (None when the shot is not in the tree)."""
        wanted = as_uuid(shot_id, "shot id")
        for project in self.state.projects:
            for entry in project.shots:
                if entry.shot.id == wanted:
                    return delete_shot_confirmation(entry)
        return None

    def delete_shot(self, shot_id: Ref) -> bool:
        """Delete a shot (front ends confirm first); the project is chosen instead."""
        wanted = as_uuid(shot_id, "shot id")
        project_id = self.state.project_id
        done = self._act(lambda: self._wb.delete_shot(wanted), notice="deleted the shot")
        if done and self.state.shot_id == wanted and project_id is not None:
            self.select(project_id, None)
        return done

    def create_project(self, name: str, aspect_ratio: str | None = None) -> Project | None:
        """A new project like the chosen one (its aspect ratio unless given, its settings
        without prompts), with its "Default Shot"; chosen at once."""
        like = self.state.project_id
        made: list[Project] = []
        if self._act(lambda: made.append(
            self._wb.create_project(name, aspect_ratio=aspect_ratio, like=like)
        )):  # fmt: skip
            self.select(made[0].id, None)
            self._update(notice=f"created project '{made[0].name}'")
        return made[0] if made else None

    def rename_project(self, project_id: Ref, name: str) -> bool:
        """Rename a project."""
        return self._act(lambda: self._wb.rename_project(project_id, name), notice="renamed")

    def set_aspect_ratio(self, project_id: Ref, aspect_ratio: str) -> bool:
        """Set a project's aspect ratio (one of ``ASPECT_RATIOS``, or any W:H)."""
        return self._act(
            lambda: self._wb.set_aspect_ratio(project_id, aspect_ratio),
            notice=f"aspect ratio {aspect_ratio}",
        )

    def _act(self, action: Callable[[], object], notice: str | None = None) -> bool:
        """Run a change, then read the tree again (so the state shows it on return); a
        refusal lands in ``error`` and changes nothing."""

        def work() -> None:
            action()
            self.load()

        done = self._attempt(work, error=None, notice=None)
        if done and notice:
            self._update(notice=notice)
        return done

    def _changed(self, event: CacheEvent) -> None:
        if event.kind == "invalidated":
            self.in_background(self.load)


def delete_shot_confirmation(entry: ShotSummary) -> Confirmation:
    """What every front end asks before deleting a shot: the shot, what goes with it, what
    stays, and that undo brings it back."""
    counts = entry.counts
    timeline = (
        f"its timeline goes: {counts.positioned} positioned and "
        f"{counts.unpositioned} unpositioned items are unlinked"
        if entry.counted
        else "its timeline goes: its items are unlinked"  # counts not read yet
    )
    return Confirmation(
        f"Delete shot '{entry.shot.name}'?",
        "Delete",
        (
            timeline,
            "the items stay in the project; its settings go with it",
            "undo brings the shot, its timeline and its settings back",
        ),
    )


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
