"""The settings history and diff as every front end shows them: entries with their field
changes (old → new) and a restore that asks first; two targets' differing fields side by side.

The words ("not set", "3 fields differ", the restore question) and the way values and times
are written are decided here once, so the TUI, the notebook and the CLI say the same thing.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from workbench.ids import Ref
from workbench.settings.diff import SettingsDiff
from workbench.settings.history import ABSENT, FieldChange, HistoryEntry, Restore, Stored
from workbench.settings.scopes import Scope
from workbench.settings.service import target_for
from workbench.settings.store import SettingsTarget, TargetScope
from workbench.views.base import ViewModel
from workbench.views.confirm import Confirmation

if TYPE_CHECKING:
    from workbench.client import Workbench

# Settings values are JSON, so a value is typed Any here.

NOT_SET = "not set"
WHERE_STORED: dict[Stored, str] = {
    "database": "history kept in the database: every device sees it",
    "device": "history kept on this device (the Reigh database is not changed)",
}


def value_text(value: Any, width: int | None = None) -> str:
    """A value as JSON text (the way a user types it back), or "not set"; cut to ``width``."""
    text = NOT_SET if value is ABSENT else json.dumps(value)
    if width is not None and len(text) > width:
        return text[: width - 1] + "…"
    return text


def when_text(at: datetime) -> str:
    """When a write happened, in this machine's time zone, to the second."""
    return at.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def change_text(change: FieldChange, width: int | None = None) -> str:
    """``path: old → new``."""
    return f"{change.path}: {value_text(change.old, width)} → {value_text(change.new, width)}"


def target_text(scope: TargetScope, name: str | None) -> str:
    """A target as the views name it: "shot Harbour Lights", "project Neon Coastline", "user"."""
    return scope if scope == "user" or not name else f"{scope} {name}"


def restore_confirmation(plan: Restore, name: str | None = None) -> Confirmation:
    """The question before restoring an entry: which fields go back to what, and which newer
    changes would be overwritten (then the verb says so)."""
    entry = plan.entry
    where = target_text(entry.scope, name)
    details = [change_text(c) for c in plan.changes]
    if plan.conflicts:
        details += [
            f"{c.path} was changed since (to {value_text(c.new)}): overwritten"
            for c in plan.conflicts
        ]
    count = len(plan.changes)
    return Confirmation(
        f"Restore {count} field{'s' * (count != 1)} of {entry.tool_id} at {where} to how they "
        f"were before entry {entry.id}?",
        "Overwrite and restore" if plan.conflicts else "Restore",
        tuple(details),
    )


def restored_text(plan: Restore) -> str:
    """What a restore did, in one line."""
    if plan.written is None:
        return f"entry {plan.entry.id}: nothing to restore, the fields are as they were before it"
    count = len(plan.changes)
    return f"restored {count} field{'s' * (count != 1)} to before entry {plan.entry.id}"


# -- history -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChangeRow:
    """One field of an entry: its dotted ``path`` and its ``old`` and ``new`` values as text
    ("not set" where the field was absent)."""

    path: str
    old: str
    new: str


@dataclass(frozen=True)
class EntryRow:
    """One recorded write as a history view lists it: its number, when, the scope (for the
    scope badge) and the target's name, each field changed, and why (a restore says so)."""

    id: int
    when: str
    scope: TargetScope
    target: str
    changes: tuple[ChangeRow, ...]
    note: str | None = None


@dataclass(frozen=True)
class HistoryState:
    """What a settings history view shows.

    ``tool_id`` and ``scope``/``target_id`` say whose history; ``entries`` are newest first;
    ``inherited`` is whether the wider scopes' writes are in it (a shot's project and user);
    ``stored`` and ``where`` say where the history is kept; ``message`` is what the last
    restore did; ``loading`` and ``error`` as in every view.
    """

    tool_id: str
    scope: TargetScope = "project"
    target_id: uuid.UUID | None = None
    entries: tuple[EntryRow, ...] = ()
    inherited: bool = True
    stored: Stored = "database"
    where: str = ""
    message: str | None = None
    loading: bool = False
    error: str | None = None


class HistoryModel(ViewModel[HistoryState]):
    """A tool's settings history for a shot, a project or the user, and restoring an entry.

    Every command blocks on the database (front ends call them from a worker). A restore is
    asked first: ``confirmation(entry_id)`` reads what it would change now and returns the
    question (None when there is nothing to put back); ``restore(entry_id)`` then does what
    was confirmed, overwriting newer changes only if the confirmed question said so.
    """

    def __init__(
        self,
        wb: Workbench,
        tool_id: str,
        *,
        project_id: Ref | None = None,
        shot_id: Ref | None = None,
        limit: int = 100,
    ) -> None:
        super().__init__(HistoryState(tool_id=tool_id))
        self._wb = wb
        self._where: dict[str, Ref | None] = {"project_id": project_id, "shot_id": shot_id}
        self._limit = limit
        self._names: dict[uuid.UUID, str] = {}
        self._confirmed: dict[int, Restore] = {}
        self.load()

    def load(self) -> None:
        """Read the history again."""

        def work() -> None:
            wb = self._wb
            if not self._names:
                self._names = _names(wb, **self._where)
            history = wb.settings_history_service
            entries = wb.settings_history(
                self.state.tool_id, **self._where, limit=self._limit,
                inherited=self.state.inherited,
            )  # fmt: skip
            target = _target(wb, **self._where)
            self._update(
                entries=tuple(self._row(e) for e in entries), scope=target.scope,
                target_id=target.id, stored=history.stored, where=WHERE_STORED[history.stored],
                loading=False,
            )  # fmt: skip

        self._attempt(work, loading=True, error=None)

    def toggle_inherited(self) -> None:
        """Show the wider scopes' writes too, or the target's own only."""
        self._update(inherited=not self.state.inherited)
        self.load()

    def confirmation(self, entry_id: int) -> Confirmation | None:
        """The question to ask before restoring ``entry_id`` (None: nothing to restore, and
        ``message`` says so)."""
        found: list[Restore] = []

        def work() -> None:
            found.append(self._wb.settings_history_service.plan(entry_id))

        if not self._attempt(work, error=None, message=None):
            return None
        plan = found[0]
        if not plan.changes:
            self._update(message=restored_text(plan))
            return None
        self._confirmed[entry_id] = plan
        return restore_confirmation(plan, self._names.get(plan.entry.target_id))

    def restore(self, entry_id: int) -> None:
        """Restore a confirmed entry (a new write, itself recorded and undoable), then read
        the history again. A field changed after the question was asked is refused."""
        plan = self._confirmed.pop(entry_id, None)
        force = plan is not None and bool(plan.conflicts)
        done: list[Restore] = []

        def work() -> None:
            done.append(self._wb.restore_settings(entry_id, force=force))

        if self._attempt(work, error=None, message=None):
            self._update(message=restored_text(done[0]))
            self.load()

    def _row(self, entry: HistoryEntry) -> EntryRow:
        changes = tuple(
            ChangeRow(c.path, value_text(c.old), value_text(c.new)) for c in entry.changes
        )
        name = target_text(entry.scope, self._names.get(entry.target_id))
        return EntryRow(entry.id, when_text(entry.at), entry.scope, name, changes, entry.note)


def _target(wb: Workbench, project_id: Ref | None, shot_id: Ref | None) -> SettingsTarget:
    return target_for(wb.user_id, project_id, shot_id)


def _names(wb: Workbench, project_id: Ref | None, shot_id: Ref | None) -> dict[uuid.UUID, str]:
    """The names of a target and the project around it (one round trip)."""
    if project_id is None and shot_id is None:
        return {}
    place = wb.find(project_id, shot_id)
    names = {place.project.id: place.project.name}
    if place.shot is not None:
        names[place.shot.id] = place.shot.name
    return names


# -- diff ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DiffRow:
    """One differing field: each side's value as text ("not set" where absent) and the scope
    it comes from (for the scope badge; None where absent)."""

    path: str
    a: str
    a_scope: Scope | None
    b: str
    b_scope: Scope | None


@dataclass(frozen=True)
class Choice:
    """Something the current target can be compared with: ``key`` for ``compare`` and the
    ``label`` a picker shows."""

    key: str
    label: str


PARENT = "parent"  # the choice "what the target inherits from" (a shot's project)


@dataclass(frozen=True)
class DiffState:
    """What a settings diff view shows.

    ``a`` and ``b`` name the two sides ("shot Harbour Lights"); ``rows`` are the differing
    fields; ``summary`` sums them up in words; ``choices`` are what the current target can be
    compared with and ``chosen`` the one shown; ``loading`` and ``error`` as in every view.
    """

    tool_id: str
    a: str = ""
    b: str = ""
    rows: tuple[DiffRow, ...] = ()
    summary: str = ""
    choices: tuple[Choice, ...] = ()
    chosen: str | None = None
    loading: bool = False
    error: str | None = None


def diff_summary(diff: SettingsDiff) -> str:
    """ "3 fields differ" (or "no field differs"), naming the two sides."""
    a = target_text(diff.a.target.scope, diff.a.name)
    b = target_text(diff.b.target.scope, diff.b.name)
    count = len(diff.fields)
    if not count:
        return f"{diff.tool_id}: no field differs between {a} and {b}"
    differ = "field differs" if count == 1 else "fields differ"
    return f"{diff.tool_id}: {count} {differ} between {a} and {b}"


def diff_rows(diff: SettingsDiff) -> tuple[DiffRow, ...]:
    """The differing fields as rows of text and scopes."""
    return tuple(
        DiffRow(f.path, value_text(f.a), f.a_scope, value_text(f.b), f.b_scope) for f in diff.fields
    )


class DiffModel(ViewModel[DiffState]):
    """A tool's settings for the current target (a shot, a project) against another one: the
    target's project (for a shot), another shot of the project, or another project.

    The constructor lists the choices and compares with the first (a shot's project, else
    the first other project); ``compare`` shows another. Both block on the database.
    """

    def __init__(
        self,
        wb: Workbench,
        tool_id: str,
        *,
        project_id: Ref | None = None,
        shot_id: Ref | None = None,
    ) -> None:
        super().__init__(DiffState(tool_id=tool_id))
        self._wb = wb
        self._where = {"project_id": project_id, "shot_id": shot_id}
        self._a: SettingsTarget | None = None
        self._targets: dict[str, SettingsTarget | None] = {}

        def work() -> None:
            self._a = _target(wb, **self._where)
            choices = self._choices(self._a)
            self._update(choices=tuple(choices))

        if self._attempt(work, loading=True, error=None) and self.state.choices:
            self.compare(self.state.choices[0].key)
        else:
            self._update(loading=False)

    def compare(self, key: str) -> None:
        """Compare the target with the choice ``key`` (one of ``state.choices``)."""
        if self._a is None or key not in self._targets:
            return
        a, b = self._a, self._targets[key]

        def work() -> None:
            diff = self._wb.settings_diff(self.state.tool_id, a, b)
            self._update(
                a=target_text(diff.a.target.scope, diff.a.name),
                b=target_text(diff.b.target.scope, diff.b.name),
                rows=diff_rows(diff), summary=diff_summary(diff), loading=False,
            )  # fmt: skip

        self._attempt(work, loading=True, error=None, chosen=key)

    def _choices(self, a: SettingsTarget) -> list[Choice]:
        wb, choices = self._wb, []
        if a.scope == "shot":
            place = wb.find(None, a.id)
            choices.append(Choice(PARENT, f"its project: {place.project.name}"))
            self._targets[PARENT] = None
            for shot in wb.shots(place.project):
                if shot.id != a.id:
                    key = f"shot:{shot.id}"
                    choices.append(Choice(key, f"shot {shot.name}"))
                    self._targets[key] = SettingsTarget("shot", shot.id)
            return choices
        for project in wb.projects():
            if project.id != a.id:
                key = f"project:{project.id}"
                choices.append(Choice(key, f"project {project.name}"))
                self._targets[key] = SettingsTarget("project", project.id)
        if a.scope == "project":
            choices.append(Choice(PARENT, "your user settings"))
            self._targets[PARENT] = None
        return choices
