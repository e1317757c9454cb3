"""Settings for a connected workbench: resolve, write now, queue writes, hand out handles.

Reads and writes check ownership: the configured user sees and changes only their own user row,
projects and shots (a database role bypasses Supabase's row-level security, so we must).

Queued edits are journalled on this device (``workbench.settings.pending``) when the service
is given a journal folder; ``replay_pending`` writes what an earlier session left there.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path as FilePath
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from workbench.db.connection import run_idempotent
from workbench.db.schema import SETTINGS_HISTORY_TABLE, SchemaInfo
from workbench.errors import ConflictError, NotFoundError, ValidationError, WorkbenchError
from workbench.ids import as_uuid
from workbench.listeners import Listeners
from workbench.settings import pending, store
from workbench.settings.queue import CLOSE_TIMEOUT, WriteKey, WriteQueue
from workbench.settings.resolve import Path, ResolvedSettings, resolve
from workbench.settings.store import Layers, SettingsTarget, SettingsWrite, TargetScope
from workbench.settings.validate import Stored, check_write, shots_under, stored_for_user

Follow = Callable[[tuple[Any, ...], Callable[[Any], None]], Callable[[], None]]
log = logging.getLogger(__name__)

# Reigh clears these when a new shot inherits settings: a new shot starts without prompts.
_CLEARED_ON_INHERIT: Mapping[str, Any] = {"prompt": "", "batchVideoPrompt": "", "pairConfigs": []}


def target_for(
    user_id: uuid.UUID, project_id: object = None, shot_id: object = None
) -> SettingsTarget:
    """The narrowest target named: a shot, else a project, else the user."""
    if shot_id is not None:
        return SettingsTarget("shot", as_uuid(shot_id, "shot id"))
    if project_id is not None:
        return SettingsTarget("project", as_uuid(project_id, "project id"))
    return SettingsTarget("user", user_id)


class SettingsService:
    def __init__(
        self,
        pool: ConnectionPool,
        schema: SchemaInfo,
        user_id: Callable[[], uuid.UUID],
        *,
        delay: float = 0.3,
        follow: Follow | None = None,
        journal_dir: FilePath | None = None,
    ) -> None:
        """``journal_dir``: where queued edits are kept until written (None: not kept)."""
        self._pool = pool
        self._schema = schema
        self._user_id = user_id
        self._delay = delay
        # How handles hear that a row changed elsewhere (live updates, or a write of ours):
        # the query cache's invalidations of that row's settings key.
        self.follow = follow
        # Every landed write, with the tool object before and after it (undo, history).
        self.written: Listeners[SettingsWrite] = Listeners("settings write")
        self._queue: WriteQueue | None = None
        self._journal_dir = journal_dir
        self._database_keys: tuple[str, ...] | None = None

    @property
    def queue(self) -> WriteQueue:
        if self._queue is None:
            journal = None
            if self._journal_dir is not None:
                journal = pending.EditJournal(  # no query on the editing thread: see below
                    self._journal_dir,
                    lambda: (self.database_keys(query=False)[0], self._user_id()),
                )
            # Closing waits just past the pool's own wait for a connection, so that with the
            # database down the writes fail as unreachable (and are kept) before it gives up.
            waits = getattr(self._pool, "timeout", None)
            close_timeout = waits + 2.0 if isinstance(waits, (int, float)) else CLOSE_TIMEOUT
            self._queue = WriteQueue(
                self._queued_write, delay=self._delay, journal=journal, keep=pending.is_outage,
                close_timeout=min(close_timeout, 60.0),
            )  # fmt: skip
        return self._queue

    def close(self, timeout: float | None = None) -> int:
        """Flush the queue (None: its ``close_timeout`` at most); returns the edits kept for
        the next start (said on stderr too)."""
        return self._queue.close(timeout) if self._queue is not None else 0

    def database_keys(self, *, query: bool = True) -> tuple[str, ...]:
        """Who this database is, for the journal: its cluster's system identifier and its
        name (one query, the first time: a replay of journalled edits makes it), and its
        address (host, port, name), which needs none. An edit journalled under either is
        replayed here, so one queued before the query ran (``query=False``: an edit never
        waits on it, and a start without edits to replay does not make it) is found."""
        if self._database_keys is None:
            info = psycopg.conninfo.conninfo_to_dict(str(self._pool.conninfo))
            where = "|".join(str(info.get(k) or "") for k in ("host", "hostaddr", "port", "dbname"))
            address = "addr:" + hashlib.sha256(where.encode()).hexdigest()[:24]
            if not query:
                return (address,)
            try:
                row = run_idempotent(self._pool, _system_identity)
            except (psycopg.Error, WorkbenchError) as exc:
                log.debug("no system identifier (%s): the address identifies the database", exc)
                return (address,)  # not kept: the next call tries the query again
            keys = (address,) if row is None else (f"pg:{row[0]}/{row[1]}", address)
            self._database_keys = keys
        return self._database_keys

    def replay_pending(self) -> pending.ReplaySummary:
        """Write the edits that earlier sessions on this device queued for this database and
        user but could not write (crash, kill, outage), through the validated write path; a
        field changed elsewhere since an edit was made is left alone and reported. Edits for
        other databases or users stay for their own next start, and so do all of them when
        this database is unreachable meanwhile."""
        summary = pending.ReplaySummary()
        directory = self._journal_dir
        if directory is None:
            return summary
        if not any(directory.glob("*.jsonl")):
            return summary  # the usual start: no query (the identity is only needed here)
        keys = set(self.database_keys())
        user_id = self._user_id()
        with pending.orphans(directory) as found:
            keep: dict[int, list[pending.PendingEdit]] = {id(o): [] for o in found}
            origin: dict[int, pending.Orphan] = {}
            ours = []
            for orphan in found:
                for edit in orphan.edits:
                    if edit.db in keys and edit.user_id == user_id:
                        ours.append(edit)
                        origin[id(edit)] = orphan
                    else:
                        keep[id(orphan)].append(edit)
            unreachable = False
            for edits in pending.group(ours).values():
                summary.edits += len(edits)
                if not unreachable:
                    try:
                        self._replay_target(edits, summary)
                        continue
                    except Exception as exc:
                        if pending.is_outage(exc):
                            unreachable = True  # the rest would fail alike: all kept
                        elif isinstance(exc, WorkbenchError) and not isinstance(
                            exc, ConflictError
                        ):  # refused now (the row is gone, the value invalid): for good
                            summary.dropped.append(f"{_where(edits[0])}: {exc}")
                            continue
                        else:  # kept: the next start tries again
                            log.warning("replaying edits of %s: %s", _where(edits[0]), exc)
                summary.kept += len(edits)
                for edit in edits:
                    keep[id(origin[id(edit)])].append(edit)
            for orphan in found:
                orphan.keep_only(keep[id(orphan)])
        return summary

    def _replay_target(
        self, edits: Sequence[pending.PendingEdit], summary: pending.ReplaySummary
    ) -> None:
        """One target's journalled edits as one write, planned over the row as it is now and
        landed only if the row still holds that (else planned again)."""
        first = edits[0]
        target, tool_id = first.target, first.tool_id
        for _ in range(5):
            current = self.layers(tool_id, target).values.get(target.scope)
            current = current if isinstance(current, dict) else {}
            batch, outcome = pending.plan(edits, current)
            if batch.patch or batch.removals:
                self.validate(
                    target.scope, target.id, tool_id, batch.patch, removals=batch.removals,
                    force=any(e.forced for e in edits),
                )  # fmt: skip
                done = self.rewrite(
                    target, tool_id, batch.patch, batch.removals,
                    note="replay of queued edits kept on this device", expect=current,
                )  # fmt: skip
                if done is None:  # the row changed between our read and our write
                    continue
            where = _where(first)
            summary.written += [f"{p} ({where})" for p in outcome.written]
            summary.already += [f"{p} ({where})" for p in outcome.already]
            summary.superseded += [f"{p} ({where})" for p in outcome.superseded]
            return
        raise ConflictError(f"{_where(first)} kept changing while its queued edits were replayed")

    # -- reads -----------------------------------------------------------------------------
    def layers(self, tool_id: str, target: SettingsTarget) -> Layers:
        """All scopes in one round trip; a target of another user reads as not found."""
        store.check_tool_id(tool_id)
        layers = run_idempotent(self._pool, lambda c: store.read_layers(c, tool_id, target))
        if layers.owner != self._user_id():
            raise NotFoundError(f"{target} not found among the current user's")
        return layers

    def resolve(self, tool_id: str, target: SettingsTarget) -> ResolvedSettings:
        return resolve(tool_id, self.layers(tool_id, target).values)

    # -- writes ----------------------------------------------------------------------------
    def write(
        self,
        scope: object,
        target_id: object,
        tool_id: str,
        patch: Mapping[str, Any] | None = None,
        removals: Sequence[Path] = (),
        *,
        force: bool = False,
    ) -> dict[str, Any]:
        """Write now (removals first, then the patch); returns the scope's new tool object.
        ``force`` writes an unknown tool or field anyway (see ``workbench.settings.validate``)."""
        target, tool_id, clean = self.validate(
            scope, target_id, tool_id, patch, removals=removals, force=force
        )
        return self._write(target, tool_id, clean, list(removals))

    def validate(
        self,
        scope: object,
        target_id: object,
        tool_id: object,
        patch: object,
        *,
        removals: Sequence[Path] = (),
        force: bool = False,
    ) -> tuple[SettingsTarget, str, dict[str, Any]]:
        """Validate everything before a write touches the database: the shape first, then the
        tool, fields, types and choices (``validate.check_write``; refused unless ``force``)."""
        checked_scope: TargetScope = store.check_scope(scope)
        target = SettingsTarget(checked_scope, as_uuid(target_id, f"{checked_scope} id"))
        tool = store.check_tool_id(tool_id)
        clean = store.check_patch(patch if patch is not None else {})
        check_write(tool, clean, list(removals), lambda: self.stored_fields(tool), force=force)
        return target, tool, clean

    def check_tool(self, tool_id: str) -> str:
        """``tool_id`` if the registry or the user's data knows it, else ``SettingsRefused``
        with the closest known ids (a read of an unknown tool is refused like a write)."""
        tool = store.check_tool_id(tool_id)
        check_write(tool, {}, [], lambda: self.stored_fields(tool))
        return tool

    def stored_fields(self, tool_id: str) -> Stored:
        """What the current user's rows store: tool ids, and ``tool_id``'s fields (one query)."""
        user_id = self._user_id()
        return run_idempotent(self._pool, lambda c: stored_for_user(c, user_id, tool_id))

    def shots_under(self, scope: TargetScope, row_id: uuid.UUID) -> int:
        """How many shots a value at ``scope`` of this row reaches (one query)."""
        return run_idempotent(self._pool, lambda c: shots_under(c, scope, row_id))

    def _queued_write(
        self, key: WriteKey, patch: dict[str, Any], removals: list[Path]
    ) -> dict[str, Any]:
        return self._write(key.target, key.tool_id, patch, removals)

    def rewrite(
        self,
        target: SettingsTarget,
        tool_id: str,
        patch: dict[str, Any],
        removals: list[Path],
        *,
        note: str,
        expect: Mapping[str, Any] | None = None,
    ) -> SettingsWrite | None:
        """Write values this workbench stored before (a restore from the settings history):
        their shape was checked when they were first written, so they are not checked again.
        Like every write, it is announced to ``written`` (so it can be undone) and recorded.

        With ``expect`` (the tool object the caller planned from), the write is undone in
        its own transaction when the row held anything else, and None is returned: the
        caller plans again, so a write landing between its read and this one is never
        overwritten unseen."""
        if expect is None:
            return self._land(target, tool_id, patch, removals, note=note)
        user_id = self._user_id()
        record = self.records_history

        def attempt(conn: psycopg.Connection[Any]) -> SettingsWrite | None:
            moved = False
            with conn.transaction():
                done = store.write(
                    conn, self._schema, target, tool_id,
                    user_id=user_id, patch=patch, removals=removals, record=record, note=note,
                )  # fmt: skip
                if done.before != expect:
                    moved = True
                    raise psycopg.Rollback  # leaves the block; nothing is kept
            return None if moved else done

        done = run_idempotent(self._pool, attempt)
        if done is not None:
            self.written.notify(done)
        return done

    @property
    def records_history(self) -> bool:
        """Whether the database keeps the settings history (our schema, or Reigh's with the
        extras); otherwise the workbench keeps it on the device."""
        return self._schema.has(SETTINGS_HISTORY_TABLE)

    def _write(
        self, target: SettingsTarget, tool_id: str, patch: dict[str, Any], removals: list[Path]
    ) -> dict[str, Any]:
        """Write; returns the scope's new tool object."""
        return self._land(target, tool_id, patch, removals).after

    def _land(
        self,
        target: SettingsTarget,
        tool_id: str,
        patch: dict[str, Any],
        removals: list[Path],
        *,
        note: str | None = None,
    ) -> SettingsWrite:
        """One UPDATE (with its history row when the database keeps the history). Repeating
        it is harmless (a repeat changes nothing, so it records nothing either), so a dead
        pooled connection is retried. Listeners hear of every landed write."""
        user_id = self._user_id()
        record = self.records_history
        done = run_idempotent(
            self._pool,
            lambda conn: store.write(
                conn, self._schema, target, tool_id,
                user_id=user_id, patch=patch, removals=removals, record=record, note=note,
            ),
        )  # fmt: skip
        self.written.notify(done)
        return done

    # -- new shots -------------------------------------------------------------------------
    def inherited(self, conn: psycopg.Connection[Any], project_id: uuid.UUID) -> dict[str, Any]:
        """What a new shot starts from: the project's most recently edited shot, else the
        project itself, with prompts and pair configs cleared (as Reigh does)."""
        recent = (
            sql.SQL("updated_at DESC NULLS LAST, created_at DESC")
            if self._schema.has("shots", "updated_at")
            else sql.SQL("created_at DESC")
        )
        row = conn.execute(
            sql.SQL("SELECT settings FROM shots WHERE project_id = %s ORDER BY {} LIMIT 1").format(
                recent
            ),
            (project_id,),
        ).fetchone()
        if row is None or not row[0]:
            row = conn.execute(
                "SELECT settings FROM projects WHERE id = %s", (project_id,)
            ).fetchone()
        source = row[0] if row and isinstance(row[0], dict) else {}
        inherited: dict[str, Any] = {}
        for tool_id, values in source.items():
            if isinstance(values, dict):
                cleared = {k: v for k, v in _CLEARED_ON_INHERIT.items() if k in values}
                inherited[tool_id] = {**values, **cleared}
            else:
                inherited[tool_id] = values
        return inherited

    def check_scope_for(self, target: SettingsTarget, scope: object) -> TargetScope:
        """A handle on a project cannot write a shot's settings, and so on."""
        checked: TargetScope = store.check_scope(scope)
        if checked not in store.writable_from(target.scope):
            raise ValidationError(f"cannot write {checked} settings through a {target.scope} view")
        return checked


def _system_identity(conn: psycopg.Connection[Any]) -> tuple[Any, ...] | None:
    """(system identifier, database name); None where the role may not read the former.
    One statement on a pooled (autocommit) connection; a transaction's savepoint otherwise."""
    try:
        with contextlib.nullcontext() if conn.autocommit else conn.transaction():
            return conn.execute(
                "SELECT system_identifier, current_database() FROM pg_control_system()"
            ).fetchone()
    except psycopg.errors.InsufficientPrivilege:
        return None


def _where(edit: pending.PendingEdit) -> str:
    return f"{edit.tool_id} on {edit.target}"
