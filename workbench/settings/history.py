"""The settings history: every settings write made through the workbench, and restoring one.

Each entry is one landed write: when, who, the scope and target, the tool, and the scope's
tool object just before and just after it (``before`` is read under the write's row lock, so
nothing lands in between). Field changes (leaf paths, old → new) are computed when reading, so
what is stored stays the plain truth and the diff rules can improve without a migration.

Where it lives:

- **in the database** (``workbench_settings_history``, extras track) when the table exists: on
  our own schema always, on a Reigh database after ``workbench db install-extras``. The row is
  written by the settings UPDATE's own statement (``store.write(record=True)``), so a write and
  its record cannot part and a write stays one round trip; every device sees it.
- **on this device** otherwise (a Reigh database is never changed): a JSON-lines file in the
  state dir, appended under a file lock by a ``SettingsService.written`` listener, bounded in
  size (the oldest half goes when it grows past ``MAX_FILE_BYTES``).

Restoring an entry puts the fields it changed back to their values before it, as a new write
through the settings service: it is itself recorded, and undoable like any other write. A
field changed since (its value is neither the entry's new value nor its old one) is a conflict:
the restore is refused with ``ConflictError`` and nothing changes, unless forced.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from workbench.config import private_opener
from workbench.db.connection import run_idempotent
from workbench.db.schema import SETTINGS_HISTORY_TABLE
from workbench.errors import ConflictError, NotFoundError, ValidationError, echo
from workbench.settings import stored_json
from workbench.settings.local_state import locked, replace_atomically
from workbench.settings.resolve import Path as FieldPath
from workbench.settings.resolve import dotted, get_path, leaves, merge, path_patch
from workbench.settings.store import SettingsTarget, SettingsWrite, TargetScope, check_tool_id

if TYPE_CHECKING:  # only a type here: the service does not need this module to work
    from workbench.settings.service import SettingsService

log = logging.getLogger(__name__)
Stored = Literal["database", "device"]
MAX_FILE_BYTES = 8 * 1024 * 1024  # about 4000 writes of a 2 KB tool object
DEFAULT_LIMIT = 50


class _Absent:
    """The value of a field that is not set at all: distinct from ``None`` (JSON null)."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Any = _Absent()
"""A field's value where it is not set (removed, or never written): not the same as null."""


def same(a: Any, b: Any) -> bool:
    """JSON equality: ``1`` is not ``true`` (Python says it is), ABSENT equals only itself."""
    if a is ABSENT or b is ABSENT:
        return a is b
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@dataclass(frozen=True)
class FieldChange:
    """One field (a dotted leaf path) going from ``old`` to ``new``; either may be ABSENT."""

    path: str
    old: Any
    new: Any

    def to_json(self) -> dict[str, Any]:
        """``old``/``new`` are left out where the field was not set (absent is not null)."""
        out: dict[str, Any] = {"field": self.path}
        if self.old is not ABSENT:
            out["old"] = self.old
        if self.new is not ABSENT:
            out["new"] = self.new
        return out


def _leaf_map(value: Any) -> dict[FieldPath, Any]:
    return dict(leaves(value)) if isinstance(value, dict) else {}


def field_changes(before: Any, after: Any) -> tuple[FieldChange, ...]:
    """The leaf fields that differ between two tool objects, sorted by path."""
    old, new = _leaf_map(before), _leaf_map(after)
    changes = []
    for path in sorted(old.keys() | new.keys()):
        a, b = old.get(path, ABSENT), new.get(path, ABSENT)
        if not same(a, b):
            changes.append(FieldChange(dotted(path), a, b))
    return tuple(changes)


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded settings write (``stored`` says where the record lives)."""

    id: int
    at: datetime
    scope: TargetScope
    target_id: uuid.UUID
    tool_id: str
    before: dict[str, Any]
    after: dict[str, Any]
    user_id: uuid.UUID | None = None
    note: str | None = None
    stored: Stored = "database"
    changes: tuple[FieldChange, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "changes", field_changes(self.before, self.after))

    @property
    def target(self) -> SettingsTarget:
        return SettingsTarget(self.scope, self.target_id)

    def to_json(self) -> dict[str, Any]:
        """What ``--json`` prints: the entry with its field changes (not the whole objects)."""
        return {
            "id": self.id, "at": self.at.isoformat(), "scope": self.scope,
            "target_id": str(self.target_id), "tool": self.tool_id,
            "user_id": str(self.user_id) if self.user_id else None, "note": self.note,
            "stored": self.stored, "changes": [c.to_json() for c in self.changes],
        }  # fmt: skip


@dataclass(frozen=True)
class Restore:
    """What restoring an entry does (or did): ``changes`` go from the value now to the value
    before the entry; ``conflicts`` are fields changed since the entry, from what the entry
    left (``old``) to what is there now (``new``); ``written`` is the write, once done."""

    entry: HistoryEntry
    changes: tuple[FieldChange, ...]
    conflicts: tuple[FieldChange, ...]
    written: SettingsWrite | None = None
    current: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """What ``settings restore --json`` prints."""
        return {
            "entry": self.entry.id, "scope": self.entry.scope,
            "target_id": str(self.entry.target_id), "tool": self.entry.tool_id,
            "restored": [c.to_json() for c in self.changes],
            "overwritten": [c.to_json() for c in self.conflicts] if self.written else [],
            "conflicts": [c.to_json() for c in self.conflicts] if not self.written else [],
            "written": self.written is not None,
        }  # fmt: skip


def plan_restore(entry: HistoryEntry, current: Mapping[str, Any]) -> Restore:
    """Compare the entry's fields with the scope's object now (``current``)."""
    changes, conflicts = [], []
    for change in entry.changes:
        found, value = get_path(dict(current), tuple(change.path.split(".")))
        now = value if found else ABSENT
        if same(now, change.old):
            continue  # already as it was before the entry
        if not same(now, change.new):
            conflicts.append(FieldChange(change.path, change.new, now))
        changes.append(FieldChange(change.path, now, change.old))
    return Restore(entry, tuple(changes), tuple(conflicts), current=dict(current))


def restore_write(
    changes: tuple[FieldChange, ...], goal: Mapping[str, Any], current: Mapping[str, Any]
) -> tuple[dict[str, Any], list[FieldPath]]:
    """The patch and the removals that put ``changes`` into effect (removals apply first).

    A field absent in ``goal`` (the object as it was) goes with the objects around it that
    were absent too, as long as they hold nothing else now (the entry created them)."""
    gone = {tuple(c.path.split(".")) for c in changes if c.new is ABSENT}
    patch: dict[str, Any] = {}
    removals: list[FieldPath] = []
    for change in changes:
        path = tuple(change.path.split("."))
        if change.new is ABSENT:
            for n in range(1, len(path) + 1):
                prefix = path[:n]
                inside = {p for p, _ in leaves(get_path(dict(current), prefix)[1], prefix)}
                if not get_path(dict(goal), prefix)[0] and inside <= gone:
                    break
            if prefix not in removals:
                removals.append(prefix)
        else:
            patch = merge(patch, path_patch(path, change.new))
    return patch, removals


# -- the database's history --------------------------------------------------------------------
_COLUMNS = "h.id, h.at, h.scope, h.target_id, h.tool_id, h.before, h.after, h.user_id, h.note"
# The target with its project and owner, whatever its scope; a missing target gives no row.
_TARGET: dict[str, str] = {
    "shot": (
        "SELECT s.id AS shot, p.id AS project, p.user_id AS owner "
        "FROM shots s JOIN projects p ON p.id = s.project_id WHERE s.id = %(id)s"
    ),
    "project": "SELECT NULL::uuid, p.id, p.user_id FROM projects p WHERE p.id = %(id)s",
    "user": "SELECT NULL::uuid, NULL::uuid, u.id FROM users u WHERE u.id = %(id)s",
}


def _entry(row: tuple[Any, ...], stored: Stored = "database") -> HistoryEntry:
    entry_id, at, scope, target_id, tool_id, before, after, user_id, note = row
    return HistoryEntry(
        int(entry_id), at, scope, target_id, tool_id,
        before if isinstance(before, dict) else {}, after if isinstance(after, dict) else {},
        user_id, note, stored,
    )  # fmt: skip


def read_entries(
    conn: psycopg.Connection[Any],
    tool_id: str,
    target: SettingsTarget,
    *,
    inherited: bool,
    limit: int,
) -> tuple[uuid.UUID | None, list[HistoryEntry]]:
    """The target's owner (None: no such target) and its entries, newest first, in one round
    trip. ``inherited`` adds the wider scopes' entries (a shot's project and user)."""
    statement = sql.SQL(
        "WITH t(shot, project, owner) AS ({target}) "
        "SELECT t.owner, {columns} FROM t LEFT JOIN LATERAL ("
        "SELECT * FROM {history} h WHERE h.tool_id = %(tool)s AND ("
        "(h.scope = %(scope)s AND h.target_id = %(id)s) OR (%(inherited)s AND ("
        "(h.scope = 'project' AND h.target_id = t.project) OR "
        "(h.scope = 'user' AND h.target_id = t.owner)))) "
        "ORDER BY h.id DESC LIMIT %(limit)s) h ON true ORDER BY h.id DESC"
    ).format(
        target=sql.SQL(_TARGET[target.scope]),
        columns=sql.SQL(_COLUMNS),
        history=sql.Identifier(SETTINGS_HISTORY_TABLE),
    )
    params = {"id": target.id, "tool": tool_id, "scope": target.scope,
              "inherited": inherited, "limit": limit}  # fmt: skip
    cur = conn.cursor()
    stored_json.use_for(cur)  # a value stored too deep by SQL reads cut, never crashes
    rows = cur.execute(statement, params).fetchall()
    if not rows:
        return None, []
    owner = rows[0][0]
    return owner, [_entry(row[1:]) for row in rows if row[1] is not None]


def read_entry(conn: psycopg.Connection[Any], entry_id: int) -> HistoryEntry | None:
    statement = sql.SQL("SELECT {} FROM {} h WHERE h.id = %s").format(
        sql.SQL(_COLUMNS), sql.Identifier(SETTINGS_HISTORY_TABLE)
    )
    cur = conn.cursor()
    stored_json.use_for(cur)
    row = cur.execute(statement, (entry_id,)).fetchone()
    return _entry(row) if row else None


# -- the device's history ----------------------------------------------------------------------
class DeviceHistory:
    """The history kept on this device (a Reigh database without the extras): one JSON object
    a line, appended under an exclusive file lock, so a TUI and a notebook can both write."""

    def __init__(self, path: Path, max_bytes: int = MAX_FILE_BYTES) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes

    def __repr__(self) -> str:
        return f"DeviceHistory({str(self.path)!r})"

    def append(self, write: SettingsWrite, user_id: uuid.UUID | None) -> HistoryEntry | None:
        """Record a landed write (None when it changed nothing: nothing to record)."""
        if not field_changes(write.before, write.after):
            return None
        with locked(self.path):
            entry = HistoryEntry(
                self._last_id() + 1, datetime.now(UTC), write.target.scope, write.target.id,
                write.tool_id, write.before, write.after, user_id, write.note, "device",
            )  # fmt: skip
            line = json.dumps(_line(entry), separators=(",", ":")) + "\n"
            with open(self.path, "a+b", opener=private_opener) as handle:
                if handle.tell() > 0:  # a crash may have cut the last line short: end it
                    handle.seek(handle.tell() - 1)
                    if handle.read(1) != b"\n":
                        line = "\n" + line
                handle.write(line.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            if self.path.stat().st_size > self.max_bytes:
                self._compact()
        return entry

    def entries(self) -> list[HistoryEntry]:
        """Every entry kept, newest first (a line a crash cut short is skipped)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        found = []
        for line in text.splitlines():
            with contextlib.suppress(ValueError, KeyError, TypeError):
                found.append(_from_line(json.loads(line)))
        return found[::-1]

    def _last_id(self) -> int:
        """The newest entry's id, read from the end of the file (ids only grow)."""
        try:
            with open(self.path, "rb") as handle:
                handle.seek(0, os.SEEK_END)
                size = handle.tell()
                chunk = min(size, 64 * 1024)
                while True:
                    handle.seek(size - chunk)
                    lines = handle.read(chunk).splitlines()
                    for raw in reversed(lines if chunk == size else lines[1:]):
                        with contextlib.suppress(ValueError, KeyError, TypeError):
                            return int(json.loads(raw)["id"])
                    if chunk == size:
                        return 0
                    chunk = min(size, chunk * 4)
        except FileNotFoundError:
            return 0

    def _compact(self) -> None:
        """Keep the newest entries, up to half the limit, atomically (temp file + rename)."""
        lines = self.path.read_bytes().splitlines(keepends=True)
        kept: list[bytes] = []
        total = 0
        for line in reversed(lines):
            total += len(line)
            if total > self.max_bytes // 2 and kept:
                break
            kept.append(line)
        data = b"".join(reversed(kept))
        replace_atomically(self.path, data, prefix=".settings-history-")


def _line(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "id": entry.id, "at": entry.at.isoformat(), "scope": entry.scope,
        "target_id": str(entry.target_id), "tool_id": entry.tool_id,
        "before": entry.before, "after": entry.after,
        "user_id": str(entry.user_id) if entry.user_id else None, "note": entry.note,
    }  # fmt: skip


def _from_line(data: dict[str, Any]) -> HistoryEntry:
    if data["scope"] not in ("user", "project", "shot"):
        raise ValueError(data["scope"])
    return HistoryEntry(
        int(data["id"]), datetime.fromisoformat(data["at"]), data["scope"],
        uuid.UUID(data["target_id"]), str(data["tool_id"]), dict(data["before"] or {}),
        dict(data["after"] or {}), uuid.UUID(data["user_id"]) if data.get("user_id") else None,
        data.get("note"), "device",
    )  # fmt: skip


# -- the service ---------------------------------------------------------------------------------
class SettingsHistory:
    """Reading the history of a target, and restoring entries, wherever the history lives."""

    def __init__(
        self,
        pool: ConnectionPool,
        settings: SettingsService,
        user_id: Callable[[], uuid.UUID],
        device_file: Path,
    ) -> None:
        self._pool = pool
        self._settings = settings
        self._user_id = user_id
        self.device = DeviceHistory(device_file)
        self._stop: Callable[[], None] | None = None
        if not settings.records_history:
            self._stop = settings.written.add(self._record_on_device)

    @property
    def stored(self) -> Stored:
        """Where new entries go: the database (every device sees them) or this device."""
        return "database" if self._settings.records_history else "device"

    def close(self) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None

    def _record_on_device(self, write: SettingsWrite) -> None:
        if write.entry_id is None:
            self.device.append(write, self._user_id())

    def entries(
        self,
        tool_id: str,
        target: SettingsTarget,
        *,
        inherited: bool = True,
        limit: int = DEFAULT_LIMIT,
    ) -> list[HistoryEntry]:
        """The target's entries for one tool, newest first; with ``inherited``, also the
        writes at wider scopes that reach it (a shot's project and user)."""
        check_tool_id(tool_id)
        if not isinstance(limit, int) or limit < 1:
            raise ValidationError(f"limit must be a positive number of entries, not {limit!r}")
        if self.stored == "database":
            owner, entries = run_idempotent(
                self._pool,
                lambda c: read_entries(c, tool_id, target, inherited=inherited, limit=limit),
            )
            if owner is None or owner != self._user_id():
                raise NotFoundError(f"{target} not found among the current user's")
            return entries
        layers = self._settings.layers(tool_id, target)  # checks the target and its owner
        wanted = {(target.scope, target.id)}
        if inherited:
            if layers.project_id is not None:
                wanted.add(("project", layers.project_id))
            if layers.owner is not None:
                wanted.add(("user", layers.owner))
        found = [
            e for e in self.device.entries()
            if e.tool_id == tool_id and (e.scope, e.target_id) in wanted
        ]  # fmt: skip
        return found[:limit]

    def entry(self, entry_id: object) -> HistoryEntry:
        """One entry by its number (in the database, or on this device)."""
        number = _entry_number(entry_id)
        if self.stored == "database":
            found = run_idempotent(self._pool, lambda c: read_entry(c, number))
        else:
            found = next((e for e in self.device.entries() if e.id == number), None)
        if found is None:
            raise NotFoundError(f"no settings history entry {number} ({self.stored} history)")
        return found

    def plan(self, entry_id: object) -> Restore:
        """What restoring the entry would change now, and what it would overwrite."""
        entry = self.entry(entry_id)
        layers = self._settings.layers(entry.tool_id, entry.target)  # the owner's only
        current = layers.values.get(entry.scope)
        return plan_restore(entry, current if isinstance(current, dict) else {})

    def restore(self, entry_id: object, *, force: bool = False) -> Restore:
        """Put the fields the entry changed back to their values before it, as a new write
        (recorded, undoable). Fields changed since are a ``ConflictError`` (nothing is
        written) unless ``force``. Nothing to put back writes nothing."""
        for _ in range(_RESTORE_ATTEMPTS):
            plan = self.plan(entry_id)
            entry = plan.entry
            if plan.conflicts and not force:
                fields = ", ".join(
                    f"{c.path} (entry left {_shown(c.old)}, now {_shown(c.new)})"
                    for c in plan.conflicts
                )
                raise ConflictError(
                    f"{len(plan.conflicts)} field(s) of {entry.tool_id} at {entry.scope} "
                    f"scope changed since entry {entry.id}: {fields}; nothing was changed "
                    f"(force to restore anyway)"
                )
            if not plan.changes:
                return plan
            patch, removals = restore_write(plan.changes, entry.before, plan.current)
            # The write lands only if the row still holds what this plan was made from;
            # otherwise another write came in between: plan again from what it left.
            written = self._settings.rewrite(
                entry.target, entry.tool_id, patch, removals,
                note=f"restore of entry {entry.id}", expect=plan.current,
            )  # fmt: skip
            if written is not None:
                return Restore(entry, plan.changes, plan.conflicts, written, plan.current)
        raise ConflictError(
            f"the settings of entry {entry_id} kept changing while it was being restored; "
            f"nothing was changed: try again"
        )


_RESTORE_ATTEMPTS = 3  # re-plans when another write lands between the read and the write


def _entry_number(value: object) -> int:
    """An entry id as typed ("12", "#12") or given (12); a bigint id has 18 digits at most."""
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 < value < 10**18:
            return value
    elif isinstance(value, str):
        text = value.strip().lstrip("#")
        if text.isascii() and text.isdigit() and len(text) <= 18:  # "²".isdigit() is true
            return int(text)
    raise ValidationError(f"a settings history entry is a number, not {echo(value)}")


def _shown(value: Any) -> str:
    """A value as the messages show it: JSON, or "not set"."""
    return "not set" if value is ABSENT else json.dumps(value)
