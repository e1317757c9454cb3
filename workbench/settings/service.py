"""Settings for a connected workbench: resolve, write now, queue writes, hand out handles.

Reads and writes check ownership: the configured user sees and changes only their own user row,
projects and shots (a database role bypasses Supabase's row-level security, so we must).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from workbench.db.connection import run_idempotent
from workbench.db.schema import SETTINGS_HISTORY_TABLE, SchemaInfo
from workbench.errors import NotFoundError, ValidationError
from workbench.ids import as_uuid
from workbench.listeners import Listeners
from workbench.settings import store
from workbench.settings.queue import WriteKey, WriteQueue
from workbench.settings.resolve import Path, ResolvedSettings, resolve
from workbench.settings.store import Layers, SettingsTarget, SettingsWrite, TargetScope
from workbench.settings.validate import Stored, check_write, shots_under, stored_for_user

Follow = Callable[[tuple[Any, ...], Callable[[Any], None]], Callable[[], None]]

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
    ) -> None:
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

    @property
    def queue(self) -> WriteQueue:
        if self._queue is None:
            self._queue = WriteQueue(self._queued_write, delay=self._delay)
        return self._queue

    def close(self) -> None:
        if self._queue is not None:
            self._queue.close()

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
