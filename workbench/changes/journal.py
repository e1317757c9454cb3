"""The change journal: this session's changes, their copy on the device, and who to tell.

Every change made through a Workbench lands here with what undoes it. The session keeps its
own list (``wb.history()``, ``wb.undo()``); the device-local state keeps the last
``DEVICE_LIMIT`` changes of every session on this device, so ``workbench undo`` in a new
process can undo what a TUI or a script did. An undo marks the change undone in both, so two
front ends on one device never undo the same change twice. Listeners hear about every
recorded or undone change (an Undo button enables itself).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from workbench.changes.record import Change
from workbench.changes.undo import (
    UndoContext,
    Undone,
    describe_settings,
    settings_fields,
    undo_change,
)
from workbench.errors import WorkbenchError
from workbench.listeners import Listeners
from workbench.settings.local_state import MAX_VALUE_BYTES, LocalState
from workbench.settings.store import SettingsWrite

log = logging.getLogger(__name__)
DEVICE_KEY = "changes"  # the device-local state's key for the recorded changes
DEVICE_LIMIT = 50  # changes kept on the device, newest last


class NothingToUndo(WorkbenchError):
    """There is no change left to undo."""


class ChangeJournal:
    """The changes made through one Workbench (thread-safe: settings writes land on the write
    queue's thread)."""

    def __init__(
        self, local_state: Callable[[], LocalState], user_id: Callable[[], uuid.UUID]
    ) -> None:
        self._local_state = local_state
        self._user_id = user_id
        self._lock = threading.Lock()
        self._session: list[Change] = []
        self._quiet = threading.local()
        # Told about every recorded change, and about every undone one (with ``undone`` set).
        self.changed: Listeners[Change] = Listeners("change journal")

    # -- recording -------------------------------------------------------------------------
    def record(self, kind: str, description: str, data: dict[str, Any]) -> Change | None:
        """Keep a change that just landed; None while an undo runs on this thread (its own
        writes are not new changes to undo)."""
        if getattr(self._quiet, "depth", 0):
            return None
        change = Change(kind, description, data, str(self._user_id()))
        with self._lock:
            self._session.append(change)
        self._save(change)
        self.changed.notify(change)
        return change

    def settings_written(self, write: SettingsWrite) -> None:
        """Record a landed settings write (``SettingsService.written``) by the fields it
        changed; a write that changed nothing is not a change."""
        fields = settings_fields(write.before, write.after)
        if fields:
            data = {
                "scope": write.target.scope,
                "target_id": str(write.target.id),
                "tool_id": write.tool_id,
                "fields": fields,
            }
            self.record("settings", describe_settings(write, fields), data)

    def settings_batch(self, writes: Sequence[SettingsWrite], description: str) -> None:
        """Record writes that landed together (in one transaction) as one change, undone as
        one: a promotion to the project writes the project and the shot. Announce the writes
        to ``SettingsService.written`` inside ``quiet()`` so they are not recorded twice."""
        entries = []
        for write in writes:
            fields = settings_fields(write.before, write.after)
            if fields:
                entries.append({
                    "scope": write.target.scope,
                    "target_id": str(write.target.id),
                    "tool_id": write.tool_id,
                    "fields": fields,
                })  # fmt: skip
        if entries:
            self.record("settings-batch", description, {"writes": entries})

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Changes made on this thread meanwhile are not recorded (an undo's own writes)."""
        self._quiet.depth = getattr(self._quiet, "depth", 0) + 1
        try:
            yield
        finally:
            self._quiet.depth -= 1

    # -- reading ---------------------------------------------------------------------------
    def history(self) -> list[Change]:
        """This session's changes, newest first."""
        self._sync()
        with self._lock:
            return list(reversed(self._session))

    def device_history(self) -> list[Change]:
        """The changes recorded on this device for the current user, newest first."""
        user = str(self._user_id())
        return [c for c in reversed(self._device()) if c.user_id == user]

    def last(self, *, device: bool = False) -> Change | None:
        """The newest change not yet undone: of this session, or of this device."""
        changes = self.device_history() if device else self.history()
        return next((c for c in changes if not c.undone), None)

    @property
    def can_undo(self) -> bool:
        """Whether this session has a change left to undo (no file read: for buttons)."""
        with self._lock:
            return any(not c.undone for c in self._session)

    @property
    def next_undo(self) -> str | None:
        """The description of the change ``undo`` would undo next (an Undo button's tip)."""
        with self._lock:
            return next((c.description for c in reversed(self._session) if not c.undone), None)

    # -- undoing ---------------------------------------------------------------------------
    def undo(
        self,
        ctx: UndoContext,
        invalidate: Callable[[Undone], None],
        *,
        force: bool = False,
        device: bool = False,
    ) -> str:
        """Undo the newest change not yet undone (this session's, or the device's) and return
        "undid: <description>"; raises ``NothingToUndo`` or the undo's ``ConflictError``."""
        change = self.last(device=device)
        if change is None:
            where = "on this device" if device else "in this session"
            raise NothingToUndo(f"nothing to undo: no change made {where} is left to undo")
        with self.quiet():
            undone = undo_change(change, ctx, force=force)
        self._mark_undone(change)
        invalidate(undone)
        self.changed.notify(change.as_undone())
        return f"undid: {change.description}"

    # -- the device's copy -----------------------------------------------------------------
    def _device(self) -> list[Change]:
        try:
            stored = self._local_state().get(DEVICE_KEY, [])
        except (OSError, WorkbenchError) as exc:
            log.warning("workbench: cannot read the recorded changes: %s", exc)
            return []
        if not isinstance(stored, list):
            return []
        return [c for c in (Change.from_json(v) for v in stored) if c is not None]

    def _sync(self) -> None:
        """Mark undone what another process on this device undid meanwhile."""
        undone = {c.id for c in self._device() if c.undone}
        with self._lock:
            self._session = [
                c.as_undone() if c.id in undone and not c.undone else c for c in self._session
            ]

    def _save(self, change: Change) -> None:
        """Append to the device's list, keeping the newest ``DEVICE_LIMIT`` under the local
        state's size limit; a change too large to keep is kept without its undo data (only
        the session that made it can undo it)."""
        entry = change.to_json()
        if len(json.dumps(entry)) > MAX_VALUE_BYTES // 2:
            entry["data"] = {"too_large": True}
        self._write(lambda entries: [*entries, entry])

    def _mark_undone(self, change: Change) -> None:
        with self._lock:
            self._session = [c.as_undone() if c.id == change.id else c for c in self._session]
        self._write(
            lambda entries: [
                {**e, "undone": True} if isinstance(e, dict) and e.get("id") == change.id else e
                for e in entries
            ]
        )

    def _write(self, edit: Callable[[list[Any]], list[Any]]) -> None:
        """Change the device's list; a device that cannot keep it only loses ``workbench
        undo`` in other processes, so a failure is logged, never raised."""
        try:

            def bounded(stored: Any) -> list[Any]:
                entries = edit(stored if isinstance(stored, list) else [])[-DEVICE_LIMIT:]
                sizes = [len(json.dumps(entry)) + 2 for entry in entries]  # each measured once
                while len(entries) > 1 and sum(sizes) > MAX_VALUE_BYTES:
                    entries, sizes = entries[1:], sizes[1:]
                return entries

            self._local_state().update(DEVICE_KEY, bounded)
        except (OSError, WorkbenchError) as exc:
            log.warning("workbench: cannot keep the change on this device: %s", exc)
