"""A settings handle: what a view binds to, edited optimistically.

The handle shows an edit at once (``values`` and ``provenance`` are recomputed locally from the
last confirmed scopes plus the edits still in flight), is ``dirty`` until the write lands, and
when a write fails it drops that write's edits (so the view rolls back to the confirmed value)
and keeps them for ``retry()``. Confirmed values come back from the database with each write,
so an edit another client made to other fields of the same tool shows up too.

Every edit is validated before it is queued (``workbench.settings.validate``): a refusal
raises ``SettingsRefused`` and queues nothing. The check uses the layers the handle already
holds, and reads what the user's other rows store (one query) only when those do not settle
it; that read is kept for the handle's life, widened by the handle's own edits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from workbench import keys
from workbench.listeners import Listeners
from workbench.settings import validate
from workbench.settings.queue import WriteKey, WriteResult
from workbench.settings.resolve import (
    Path,
    ResolvedSettings,
    dotted,
    leaves,
    merge,
    parse_path,
    path_patch,
    remove_path,
    resolve,
)
from workbench.settings.scopes import Scope
from workbench.settings.store import SettingsTarget, TargetScope, check_patch

if TYPE_CHECKING:
    from workbench.settings.service import SettingsService

Status = Literal["saved", "saving", "failed"]


@dataclass
class _Edit:
    scope: TargetScope
    patch: dict[str, Any] = field(default_factory=dict)
    removals: list[Path] = field(default_factory=list)
    ticket: int = 0
    forced: bool = False  # written past a validation refusal (``force=True``)

    def paths(self) -> list[str]:
        return [dotted(p) for p in self.removals] + [dotted(p) for p, _ in leaves(self.patch)]

    def apply(self, layer: Any) -> dict[str, Any]:
        value: dict[str, Any] = dict(layer) if isinstance(layer, dict) else {}
        for path in self.removals:
            value = remove_path(value, path)
        return merge(value, self.patch) if self.patch else value


class SettingsHandle:
    """One tool's settings for one target (user, project or shot), live and editable."""

    def __init__(self, service: SettingsService, tool_id: str, target: SettingsTarget) -> None:
        self._service = service
        self.tool_id = tool_id
        self.target = target
        self._lock = threading.RLock()
        self._confirmed: dict[Scope, Any] = {}
        self._rows: dict[TargetScope, SettingsTarget] = {}
        self._edits: list[_Edit] = []
        self._failed: list[_Edit] = []
        self.error: BaseException | None = None
        self._subscribers: Listeners[SettingsHandle] = Listeners("settings handle")
        self._unfollow: list[Callable[[], None]] = []
        self._stored: validate.Stored | None = None  # what the user's rows store (lazy)
        self._layers_known: validate.Stored | None = None  # what our layers store (lazy)
        self._written: dict[Path, frozenset[str]] = {}  # the fields our edits wrote
        # Per scope, the confirmed object with our queued edits applied: what the next edit
        # is made over (kept up to date edit by edit; dropped when the confirmed one changes).
        self._projected: dict[TargetScope, dict[str, Any]] = {}
        self.refresh()
        if service.follow is not None:  # another client changed one of our rows: re-read
            self._unfollow = [
                service.follow(keys.settings(row.scope, row.id, tool_id), self._changed_elsewhere)
                for row in self._rows.values()
            ]

    def __repr__(self) -> str:
        return f"<SettingsHandle {self.tool_id} {self.target} {self.status}>"

    # -- state -----------------------------------------------------------------------------
    @property
    def resolved(self) -> ResolvedSettings:
        with self._lock:
            layers = dict(self._confirmed)
            for edit in self._edits:
                layers[edit.scope] = edit.apply(layers.get(edit.scope))
        return resolve(self.tool_id, layers)

    @property
    def values(self) -> dict[str, Any]:
        return self.resolved.values

    @property
    def provenance(self) -> dict[str, Scope]:
        return self.resolved.provenance

    @property
    def dirty(self) -> bool:
        with self._lock:
            return bool(self._edits)

    def pending_paths(self) -> set[str]:
        """Dotted paths that an edit still in flight touches (a view shows them "saving")."""
        with self._lock:
            return {p for edit in self._edits for p in edit.paths()}

    def failed_paths(self) -> set[str]:
        with self._lock:
            return {p for edit in self._failed for p in edit.paths()}

    @property
    def status(self) -> Status:
        with self._lock:
            if self._edits:
                return "saving"
            return "failed" if self.error is not None else "saved"

    def subscribe(self, callback: Callable[[SettingsHandle], None]) -> Callable[[], None]:
        """Call ``callback(handle)`` after every change; returns an unsubscribe function."""
        return self._subscribers.add(callback)

    # -- commands --------------------------------------------------------------------------
    def set(
        self,
        path: str | Sequence[str],
        value: Any,
        *,
        scope: str | None = None,
        force: bool = False,
    ) -> None:
        """Set one field at ``scope`` (default: this handle's own scope); validated first
        (``force`` writes an unknown field anyway, with a ``ForcedSettingWarning``)."""
        self.update(path_patch(parse_path(path), value), scope=scope, force=force)

    def update(
        self, patch: dict[str, Any], *, scope: str | None = None, force: bool = False
    ) -> None:
        """Merge ``patch`` at ``scope``; validated first, nothing is queued on a refusal."""
        edit = _Edit(self._scope(scope), patch=check_patch(patch), forced=force)
        self.check(edit.patch, force=force)
        self._edit(edit)

    def reset(
        self,
        path: str | Sequence[str] | None = None,
        *,
        scope: str | None = None,
        force: bool = False,
    ) -> None:
        """Remove the override at ``scope`` so the value inherits again (None: the whole tool).
        It asks nothing: front ends confirm a reset above their target (``SettingsModel``)."""
        removal = () if path is None else parse_path(path)
        edit = _Edit(self._scope(scope), removals=[removal], forced=force)
        self.check({}, [removal], force=force)
        self._edit(edit)

    def check(
        self, patch: dict[str, Any], removals: Sequence[Path] = (), *, force: bool = False
    ) -> tuple[validate.Problem, ...]:
        """Validate an edit without making it: raises ``SettingsRefused`` (unless ``force``:
        then the problems written anyway are returned). Usually no round trip: see above."""
        with self._lock:
            if self._layers_known is None:
                self._layers_known = validate.Stored.from_objects(
                    self.tool_id, self._confirmed.values(), complete=False
                )
            ours = frozenset({self.tool_id}) if self._written else frozenset()
            written = validate.Stored(self.tool_id, ours, dict(self._written), complete=False)
            partial = [self._layers_known, written]
            if self._stored is not None:
                partial.append(self._stored)
        return validate.check_write(
            self.tool_id, patch, list(removals), self._read_stored, partial=partial, force=force
        )

    def check_scope(self, scope: str | None) -> TargetScope:
        """``scope`` (None: the handle's own) if this handle may write there, else refused."""
        return self._scope(scope)

    def shots_affected(self, scope: str) -> int:
        """How many shots a change at ``scope`` reaches from this handle's target: 1 at the
        shot's own scope, the project's shots at project scope, all the user's at user scope."""
        checked = self._scope(scope)
        row = self._rows[checked]
        return self._service.shots_under(checked, row.id)

    def retry(self) -> None:
        """Send the edits of failed writes again (each replaces its first try in the journal
        of queued edits, so a crash now does not replay both)."""
        with self._lock:
            failed, self._failed = self._failed, []
        for edit in failed:
            again = _Edit(edit.scope, edit.patch, edit.removals, forced=edit.forced)
            self._edit(again, replaces=(edit.ticket,))

    def refresh(self) -> None:
        """Re-read every scope (one round trip); edits still in flight stay on top."""
        layers = self._service.layers(self.tool_id, self.target)
        with self._lock:
            self._confirmed = dict(layers.values)
            self._projected = {}
            self._layers_known = None
            self._rows = {self.target.scope: self.target}
            if layers.owner is not None:
                self._rows["user"] = SettingsTarget("user", layers.owner)
            if layers.project_id is not None:
                self._rows["project"] = SettingsTarget("project", layers.project_id)
        self._notify()

    def flush(self, timeout: float | None = None) -> bool:
        return self._service.queue.flush(timeout)

    def close(self) -> None:
        """Stop following changes made elsewhere."""
        for unfollow in self._unfollow:
            unfollow()
        self._unfollow = []

    def _changed_elsewhere(self, event: Any) -> None:
        if getattr(event, "kind", None) != "invalidated":
            return
        try:
            self.refresh()
        except Exception as exc:  # e.g. the database is away: show it, keep the last values
            with self._lock:
                self.error = exc
            self._notify()

    # -- internals -------------------------------------------------------------------------
    def _scope(self, scope: str | None) -> TargetScope:
        return self._service.check_scope_for(self.target, scope or self.target.scope)

    def _read_stored(self) -> validate.Stored:
        """The one query of what the user's rows store, kept for this handle's life."""
        stored = self._service.stored_fields(self.tool_id)
        with self._lock:
            self._stored = stored
        return stored

    def _edit(self, edit: _Edit, replaces: Sequence[int] = ()) -> None:
        key = WriteKey(self._rows[edit.scope], self.tool_id)
        with self._lock:
            if edit.patch:  # what we write is stored from now on: known to later checks
                written = validate.Stored.from_objects(self.tool_id, [edit.patch], complete=False)
                for path, types in written.types.items():
                    self._written[path] = self._written.get(path, frozenset()) | types
            # What the edit is made over: the confirmed object and our edits still queued. A
            # replay after a crash writes a field only if the row still holds this there.
            before = self._projected.get(edit.scope)
            if before is None:
                before = self._confirmed.get(edit.scope)
                for earlier in self._edits:
                    if earlier.scope == edit.scope:
                        before = earlier.apply(before)
                before = before if isinstance(before, dict) else {}
            self._projected[edit.scope] = edit.apply(before)
            self._edits.append(edit)
            edit.ticket = self._service.queue.enqueue(
                key, edit.patch, edit.removals, on_done=self._on_result,
                before=before, forced=edit.forced, replaces=replaces,
            )  # fmt: skip
        self._notify()

    def _on_result(self, result: WriteResult) -> None:
        tickets = set(result.tickets)
        with self._lock:
            done = [e for e in self._edits if e.ticket in tickets]
            self._edits = [e for e in self._edits if e.ticket not in tickets]
            self._projected = {}  # confirmed or rolled back: made again from the rest
            if result.ok:
                self._confirmed[result.key.target.scope] = result.value
                self._layers_known = None
                if not self._failed:
                    self.error = None
            else:
                self._failed.extend(done)
                self.error = result.error
        self._notify()

    def _notify(self) -> None:
        self._subscribers.notify(self)
