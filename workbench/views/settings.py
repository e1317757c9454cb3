"""A tool's settings for a target: every field with its value, scope, what it overrides and
whether its last edit is saving, saved or failed; the "edit at" scope edits and resets go to;
the validation error beside a refused field; the question a far-reaching reset asks first.

The words of a refusal and of a reset's question are decided here (and in
``workbench.settings.validate``), so the TUI and the notebook show the same ones."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from workbench.errors import ValidationError, first_line
from workbench.ids import Ref
from workbench.settings.handle import SettingsHandle
from workbench.settings.registry import DEFAULT_TOOL, registered_tools
from workbench.settings.resolve import (
    ResolvedSettings,
    dotted,
    leaves,
    parse_path,
    parse_value,
    path_patch,
)
from workbench.settings.scopes import WRITABLE_SCOPES, Scope
from workbench.settings.store import TargetScope, writable_from
from workbench.views.base import ViewModel
from workbench.views.confirm import Confirmation

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

    def set_at(self, scope: str) -> bool:
        """Whether ``scope`` itself sets this field (so a reset there would remove a value)."""
        return scope == self.scope or any(s == scope for s, _ in self.overrides)


@dataclass(frozen=True)
class SettingsState:
    """What a settings view shows.

    ``tool_id`` is the tool whose settings are shown, one of ``tools`` (every registered tool);
    ``scope`` and ``target_id`` are the target (the user, a project or a shot); ``rows`` are
    its fields, resolved; ``status`` sums up the edits (saving while any is in flight, failed
    while any failed); ``loading`` is true while the target is opened; ``error`` is the last
    failure's one-line message; ``scopes`` are where edits may go, widest first;
    ``edit_scope`` is the one of them that edits and resets go to ("edit at", the narrowest
    when a target opens); ``field_errors`` maps a field to why its last edit was refused
    (nothing was written); ``notice`` is a one-line remark on the last command (a reset of
    what was not set).
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
    edit_scope: TargetScope = "project"
    field_errors: dict[str, str] = field(default_factory=dict)
    notice: str | None = None


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

    def set_edit_scope(self, scope: str) -> None:
        """Choose the "edit at" scope: where edits and resets go, one of ``state.scopes``."""
        if scope not in self.state.scopes:
            raise ValidationError(
                f"cannot edit at {scope} scope here: choose one of {', '.join(self.state.scopes)}"
            )
        self._update(edit_scope=scope, notice=None)

    def check(self, path: str, value: Any, scope: str | None = None) -> str | None:
        """Why setting ``path`` to ``value`` at ``scope`` (default: "edit at") would be refused,
        or None when it would be accepted. Writes nothing; usually no round trip."""
        handle = self._handle
        if handle is None:
            return "the settings are not open yet"
        try:
            handle.check(path_patch(parse_path(path), value))
            handle.check_scope(scope or self.state.edit_scope)
        except ValidationError as exc:
            return first_line(exc)
        return None

    def set_field(
        self, path: str, value: Any, *, scope: str | None = None, force: bool = False
    ) -> bool:
        """Set a field at ``scope`` (default: "edit at"): validated first; a refusal becomes
        ``field_errors[path]`` and nothing is written (False). Accepted, it is shown at once,
        saved within the write window, rolled back (and shown as failed) if the write fails."""
        handle = self._handle
        if handle is None:
            return False
        target = scope or self.state.edit_scope
        message = None if force else self.check(path, value, target)
        if message is not None:
            self._update(field_errors={**self.state.field_errors, path: message}, notice=None)
            return False
        errors = {p: m for p, m in self.state.field_errors.items() if p != path}
        return self._attempt(
            lambda: handle.set(path, value, scope=target, force=force),
            error=None, notice=None, field_errors=errors,
        )  # fmt: skip

    def set_typed(self, path: str, text: str, *, scope: str | None = None) -> bool:
        """``set_field`` with the text a value box holds (``parse_value``: JSON when it parses,
        else the text); JSON Python cannot even read is refused beside the field too."""
        try:
            value = parse_value(text)
        except ValidationError as exc:
            self._update(field_errors={**self.state.field_errors, path: str(exc)}, notice=None)
            return False
        return self.set_field(path, value, scope=scope)

    def clear_field_error(self, path: str) -> None:
        """Forget the refusal shown beside ``path`` (the user typed the old value back)."""
        if path in self.state.field_errors:
            errors = {p: m for p, m in self.state.field_errors.items() if p != path}
            self._update(field_errors=errors)

    def reset_confirmation(self, path: str | None, scope: str | None = None) -> Confirmation | None:
        """The question to ask before resetting ``path`` (None: the whole tool) at ``scope``
        (default: "edit at"), or None when no question is needed: a field at the target's own
        scope, or nothing set there to reset. Counts the shots it reaches (one query) only
        when it asks."""
        handle = self._handle
        if handle is None:
            return None
        target = handle.check_scope(scope or self.state.edit_scope)
        if not needs_confirmation(path, target, handle.target.scope):
            return None
        resolved = handle.resolved
        if not is_set(resolved, path, target):
            return None
        shots = handle.shots_affected(target)
        return reset_confirmation(resolved, path, target, handle.target.scope, shots)

    def reset_field(self, path: str | None, *, scope: str | None = None) -> bool:
        """Remove the field's value (None: the whole tool's) at ``scope`` (default: "edit at"),
        so it inherits from a wider scope again. Acts on that one scope only, never on
        "wherever the value comes from": when that scope sets nothing there, ``notice`` says
        so and nothing changes (False). Front ends ask ``reset_confirmation`` first."""
        handle = self._handle
        if handle is None:
            return False
        target = handle.check_scope(scope or self.state.edit_scope)
        if not is_set(handle.resolved, path, target):
            what = path if path is not None else f"{self.state.tool_id}"
            self._update(notice=f"{what} is not set at {target} scope: nothing to reset")
            return False
        return self._attempt(lambda: handle.reset(path, scope=target), error=None, notice=None)

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
            # Another tool of the same target keeps "edit at"; a new target starts narrowest.
            same = (self.state.scope, self.state.target_id) == (
                handle.target.scope,
                handle.target.id,
            )
            edit_at = self.state.edit_scope if same and self.state.edit_scope in scopes else None
            self._update(scope=handle.target.scope, target_id=handle.target.id, scopes=scopes,
                         edit_scope=edit_at or scopes[-1], field_errors={},
                         notice=None)  # fmt: skip
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


def is_set(resolved: ResolvedSettings, path: str | None, scope: TargetScope) -> bool:
    """Whether ``scope`` itself sets ``path`` (None: any field of the tool)."""
    if path is None:
        return bool(resolved.layers.get(scope))
    return any(s == scope for s, _ in resolved.candidates(path))


def needs_confirmation(path: str | None, scope: TargetScope, own: TargetScope) -> bool:
    """A reset asks first when it removes a whole tool, or reaches above the target's own
    scope (a project's or the user's value, seen from a shot; the user's, from a project)."""
    return path is None or WRITABLE_SCOPES.index(scope) < WRITABLE_SCOPES.index(own)


def reset_confirmation(
    resolved: ResolvedSettings, path: str | None, scope: TargetScope, own: TargetScope, shots: int
) -> Confirmation | None:
    """The question before a reset of ``path`` (None: the whole tool) at ``scope``, seen from
    a target whose own scope is ``own``; ``shots`` is how many shots that scope reaches. None
    when no question is needed. The CLI asks the same words (``--yes`` answers them)."""
    if not needs_confirmation(path, scope, own):
        return None
    tool = resolved.tool_id
    if scope == "shot":
        reach = "This shot only."
    elif scope == "project":
        reach = f"Reaches the project's {_shots(shots)}: every one that does not set its own."
    else:
        reach = f"Reaches all your {_shots(shots)}, in every project, unless they set their own."
    if path is None:
        fields = len(_leaves(resolved.layers.get(scope)))
        return Confirmation(
            f"Reset all of {tool} at {scope} scope?",
            "Reset",
            (f"Removes the {fields} value(s) {tool} has at {scope} scope.", reach),
        )
    stored = dict(resolved.candidates(path)).get(scope)
    lower = [(s, v) for s, v in resolved.candidates(path) if s != scope and _below(s, scope)]
    after = f"{json.dumps(lower[-1][1])} from {lower[-1][0]}" if lower else "unset"
    return Confirmation(
        f"Reset {path} at {scope} scope?",
        "Reset",
        (
            f"Removes the {scope}'s value {json.dumps(stored)}; it then reads {after}.",
            reach,
        ),
    )


def _below(scope: str, than: str) -> bool:
    order: tuple[str, ...] = ("defaults", *WRITABLE_SCOPES)
    return order.index(scope) < order.index(than)


def _shots(n: int) -> str:
    return f"{n} shot" if n == 1 else f"{n} shots"


def _leaves(value: Any) -> list[tuple[str, Any]]:
    return [(dotted(p), v) for p, v in leaves(value)] if isinstance(value, dict) else []


def _touches(path: str, edited: set[str]) -> bool:
    """An edit of ``a`` touches ``a.b``; an edit of ``a.b`` touches ``a``."""
    return any(path == e or path.startswith(e + ".") or e.startswith(path + ".") for e in edited)
