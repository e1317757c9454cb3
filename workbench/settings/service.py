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
from workbench.db.schema import SchemaInfo
from workbench.errors import NotFoundError, ValidationError
from workbench.ids import as_uuid
from workbench.listeners import Listeners
from workbench.settings import store
from workbench.settings.queue import WriteKey, WriteQueue
from workbench.settings.resolve import Path, ResolvedSettings, resolve
from workbench.settings.store import Layers, SettingsTarget, SettingsWrite, TargetScope

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
    ) -> dict[str, Any]:
        """Write now (removals first, then the patch); returns the scope's new tool object."""
        target, tool_id, clean = self.validate(scope, target_id, tool_id, patch)
        return self._write(target, tool_id, clean, list(removals))

    def validate(
        self, scope: object, target_id: object, tool_id: object, patch: object
    ) -> tuple[SettingsTarget, str, dict[str, Any]]:
        """Validate everything before a write touches the database."""
        checked_scope: TargetScope = store.check_scope(scope)
        target = SettingsTarget(checked_scope, as_uuid(target_id, f"{checked_scope} id"))
        tool = store.check_tool_id(tool_id)
        clean = store.check_patch(patch if patch is not None else {})
        return target, tool, clean

    def _queued_write(
        self, key: WriteKey, patch: dict[str, Any], removals: list[Path]
    ) -> dict[str, Any]:
        return self._write(key.target, key.tool_id, patch, removals)

    def _write(
        self, target: SettingsTarget, tool_id: str, patch: dict[str, Any], removals: list[Path]
    ) -> dict[str, Any]:
        """One UPDATE; repeating it is harmless, so a dead pooled connection is retried."""
        user_id = self._user_id()
        done = run_idempotent(
            self._pool,
            lambda conn: store.write(
                conn, self._schema, target, tool_id,
                user_id=user_id, patch=patch, removals=removals,
            ),
        )  # fmt: skip
        self.written.notify(done)
        return done.after

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
