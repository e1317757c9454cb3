"""A tool's settings for a target: every field with its value, scope, what it overrides and
whether its last edit is saving, saved or failed."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from workbench.errors import first_line
from workbench.ids import Ref
from workbench.settings.handle import SettingsHandle
from workbench.settings.registry import DEFAULT_TOOL, registered_tools
from workbench.settings.scopes import Scope
from workbench.settings.store import TargetScope, writable_from
from workbench.views.base import ViewModel

if TYPE_CHECKING:
    from workbench.client import Workbench

# Settings values are JSON (numbers, text, lists, objects), so a value is typed Any here.

FieldStatus = Literal["saved", "saving", "failed"]


@dataclass(frozen=True)
class FieldRow:
    """One field as a settings view shows it.

    ``path`` is its dotted name; ``value`` its resolved value (JSON) and ``scope`` the scope
    that set it; ``overrides`` the lower scopes that set it too, nearest first, with their
    values; ``status`` whether its last edit is saving, saved or failed.
    """

    path: str
    value: Any
    scope: Scope
    overrides: tuple[tuple[Scope, Any], ...]  # lower scopes that set it, nearest first
    status: FieldStatus = "saved"

    @property
    def shown(self) -> str:
        """The value as JSON text, the way a user types it back."""
        return json.dumps(self.value)


@dataclass(frozen=True)
class SettingsState:
    """What a settings view shows.

    ``tool_id`` is the tool whose settings are shown, one of ``tools`` (every registered tool);
    ``scope`` and ``target_id`` are the target (the user, a project or a shot); ``rows`` are
    its fields, resolved; ``status`` sums up the edits (saving while any is in flight, failed
    while any failed); ``loading`` is true while the target is opened; ``error`` is the last
    failure's one-line message; ``scopes`` are where edits may go, widest first.
    """

    tool_id: str = DEFAULT_TOOL
    tools: tuple[str, ...] = ()
    scope: TargetScope = "project"  # the target: user, project or shot
    target_id: uuid.UUID | None = None
    rows: tuple[FieldRow, ...] = ()
    status: FieldStatus = "saved"
    loading: bool = False
    error: str | None = None
    scopes: tuple[TargetScope, ...] = field(default=("user", "project"))  # where edits may go


class SettingsModel(ViewModel[SettingsState]):
    """A tool's settings for a target, live: edits show at once and are written in the
    background.

    Opening a target (the constructor, ``switch_tool``, ``switch_target``) blocks while it
    reads: front ends call those from a worker thread. ``set_field`` and ``reset_field`` only
    queue a write; the write queue's thread reports saved or failed, and changes made
    elsewhere arrive on the thread that noticed them. Listeners are told on each of these.
    """

    def __init__(
        self,
        wb: Workbench,
        tool_id: str,
        *,
        project_id: Ref | None = None,
        shot_id: Ref | None = None,
    ) -> None:
        super().__init__(SettingsState(tool_id=tool_id, tools=tuple(registered_tools())))
        self._wb = wb
        self._handle: SettingsHandle | None = None
        self._targets: dict[str, Ref | None] = {"project_id": project_id, "shot_id": shot_id}
        self._open()

    def switch_tool(self, tool_id: str) -> None:
        """Show another tool's settings for the same target."""
        self._update(tool_id=tool_id)
        self._open()

    def switch_target(self, *, project_id: Ref | None = None, shot_id: Ref | None = None) -> None:
        """Show the same tool's settings for a project, or a shot (``shot_id`` wins), or, with
        neither, the user's own."""
        self._targets = {"project_id": project_id, "shot_id": shot_id}
        self._open()

    def set_field(self, path: str, value: Any, *, scope: str | None = None) -> None:
        """Set a field at ``scope`` (default: the target's own): shown at once, saved within the
        write window, rolled back (and shown as failed) if the write fails."""
        if self._handle is not None:
            handle = self._handle
            self._attempt(lambda: handle.set(path, value, scope=scope), error=None)

    def reset_field(self, path: str, *, scope: str | None = None) -> None:
        """Remove the field's override at ``scope``, so it inherits from a wider scope again."""
        if self._handle is not None:
            handle = self._handle
            self._attempt(lambda: handle.reset(path, scope=scope), error=None)

    def retry(self) -> None:
        """Send the edits whose writes failed again."""
        if self._handle is not None:
            self._handle.retry()

    def flush(self, timeout: float | None = None) -> bool:
        """Write queued edits now and wait; False if ``timeout`` seconds pass first."""
        return self._handle.flush(timeout) if self._handle is not None else True

    def close(self) -> None:
        """Stop following the target's settings (queued writes are still sent)."""
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
