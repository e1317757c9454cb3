"""A tool's settings for a target: every field with its value, scope, what it overrides and
whether its last edit is saving, saved or failed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from workbench.errors import first_line
from workbench.settings.handle import SettingsHandle
from workbench.settings.registry import registered_tools
from workbench.settings.resolve import Scope
from workbench.settings.store import writable_from
from workbench.views.base import ViewModel

if TYPE_CHECKING:
    from workbench.client import Workbench

FieldStatus = Literal["saved", "saving", "failed"]


@dataclass(frozen=True)
class FieldRow:
    path: str
    value: Any
    scope: Scope
    overrides: tuple[tuple[Scope, Any], ...]  # lower scopes that set it, nearest first
    status: FieldStatus = "saved"

    @property
    def shown(self) -> str:
        return json.dumps(self.value)


@dataclass(frozen=True)
class SettingsState:
    tool_id: str = "travel-between-images"
    tools: tuple[str, ...] = ()
    scope: str = "project"  # the target: user, project or shot
    target_id: Any = None
    rows: tuple[FieldRow, ...] = ()
    status: FieldStatus = "saved"
    loading: bool = False
    error: str | None = None
    scopes: tuple[str, ...] = field(default=("user", "project"))  # where edits may go


class SettingsModel(ViewModel[SettingsState]):
    def __init__(
        self, wb: Workbench, tool_id: str, *, project_id: Any = None, shot_id: Any = None
    ) -> None:
        super().__init__(SettingsState(tool_id=tool_id, tools=tuple(registered_tools())))
        self._wb = wb
        self._handle: SettingsHandle | None = None
        self._targets = {"project_id": project_id, "shot_id": shot_id}
        self._open()

    def switch_tool(self, tool_id: str) -> None:
        self._update(tool_id=tool_id)
        self._open()

    def switch_target(self, *, project_id: Any = None, shot_id: Any = None) -> None:
        self._targets = {"project_id": project_id, "shot_id": shot_id}
        self._open()

    def set_field(self, path: str, value: Any, *, scope: str | None = None) -> None:
        """Shown at once; saved within the write window; rolled back if the write fails."""
        if self._handle is not None:
            handle = self._handle
            self._attempt(lambda: handle.set(path, value, scope=scope), error=None)

    def reset_field(self, path: str, *, scope: str | None = None) -> None:
        if self._handle is not None:
            handle = self._handle
            self._attempt(lambda: handle.reset(path, scope=scope), error=None)

    def retry(self) -> None:
        if self._handle is not None:
            self._handle.retry()

    def flush(self, timeout: float | None = None) -> bool:
        return self._handle.flush(timeout) if self._handle is not None else True

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
        super().close()

    def _open(self) -> None:
        def work() -> None:
            if self._handle is not None:
                self._handle.close()
            handle = self._wb.settings_handle(self.state.tool_id, **self._targets)
            self._handle = handle
            scopes = writable_from(handle.target.scope)
            self._update(scope=handle.target.scope, target_id=handle.target.id, scopes=scopes)
            handle.subscribe(self._render)
            self._render(handle)

        self._attempt(work, loading=True, error=None)

    def _render(self, handle: SettingsHandle) -> None:
        if handle is not self._handle:
            return  # a handle we already left
        resolved = handle.resolved
        pending, failed = handle.pending_paths(), handle.failed_paths()
        rows = []
        for path, value, scope in resolved:
            lower = tuple(resolved.overrides(path))
            status: FieldStatus = (
                "saving"
                if _touches(path, pending)
                else ("failed" if _touches(path, failed) else "saved")
            )
            rows.append(FieldRow(path, value, scope, lower, status))
        error = first_line(handle.error) if handle.error else None
        self._update(rows=tuple(rows), status=handle.status, error=error, loading=False)


def _touches(path: str, edited: set[str]) -> bool:
    """An edit of ``a`` touches ``a.b``; an edit of ``a.b`` touches ``a``."""
    return any(path == e or path.startswith(e + ".") or e.startswith(path + ".") for e in edited)
