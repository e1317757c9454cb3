"""A tool's settings for a target: every field with its value, scope, type, default, what it
overrides and whether its last edit is saving, saved or failed; the "edit at" scope edits and
resets go to; the validation error beside a refused field; the question a far-reaching reset
asks first.

Nested values (lists such as ``loras`` and ``pairConfigs``, objects inside them) are edited
through a structure (``Node``: one line per item and field, indented) with commands that each
become one validated write at "edit at": a list is written whole, as Reigh stores it; an
object field by field. The settings workflows (apply settings from another shot or project,
reset to the project or to the user's settings, promote a shot's value to its project) are
planned first and shown as a ``Confirmation`` whose details are the plan's lines.

The words of a refusal, a type, a default and a workflow's question are decided here (and in
``workbench.settings.validate``), so the TUI and the notebook show the same ones."""

from __future__ import annotations

import copy
import json
import math
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from workbench.errors import ValidationError, echo, first_line
from workbench.ids import Ref
from workbench.inputs import check_json
from workbench.resources import check_strength
from workbench.settings.handle import SettingsHandle
from workbench.settings.registry import DEFAULT_TOOL, registered_tools
from workbench.settings.resolve import (
    ResolvedSettings,
    dotted,
    get_path,
    leaves,
    parse_path,
    parse_value,
    path_patch,
)
from workbench.settings.scopes import WRITABLE_SCOPES, Scope
from workbench.settings.store import TargetScope, writable_from
from workbench.views.base import ViewModel
from workbench.views.confirm import Confirmation
from workbench.views.settings_structure import (
    LORA_SHAPES,
    NO_DEFAULT,
    Editor,
    NestedPath,
    Node,
    changed_at,
    field_default,
    field_editor,
    field_kind,
    item_field,
    kind_problem,
    nested_key,
    nested_place,
    new_item,
    structure,
)

if TYPE_CHECKING:
    from workbench.client import Workbench
    from workbench.settings.workflows import SettingsPlan

# Settings values are JSON (numbers, text, lists, objects), so a value is typed Any here.

FieldStatus = Literal["saved", "saving", "failed"]
COLUMN_TITLES = ("field", "value", "type / default", "scope", "overrides", "status", "actions")
"""A settings grid's column headers, in its columns' order."""


@dataclass(frozen=True)
class Source:
    """A target whose settings can be applied here: ``key`` for ``plan_copy`` and the
    ``label`` a picker shows ("shot Harbour Lights")."""

    key: str
    label: str


MAX_PLAN_LINES = 12
"""A confirmation lists this many of a plan's changes, then says how many more."""
PLAN_VALUE_WIDTH = 60
"""A confirmation cuts each value of a plan's line to this many characters."""


def plan_details(plan: SettingsPlan) -> tuple[str, ...]:
    """A plan's lines as a confirmation's details, capped at ``MAX_PLAN_LINES`` (values cut
    at ``PLAN_VALUE_WIDTH``)."""
    lines = list(plan.lines(PLAN_VALUE_WIDTH))
    if len(lines) > MAX_PLAN_LINES:
        lines = [*lines[: MAX_PLAN_LINES - 1], f"… and {len(lines) - MAX_PLAN_LINES + 1} more"]
    return tuple(lines)


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
    kind: str = ""  # its type in words: "integer", "text", "one of batch, timeline, by-pair"
    default: str = NO_DEFAULT  # the registry's default as JSON text, or "no default"
    promotable: bool = False  # a shot's own value, which "promote to project" can take up
    editor: Editor = "json"  # the control it is edited with (``field_editor``)
    choices: tuple[Any, ...] = ()  # a "choice" editor's values, in the registry's order
    fresh: bool = False  # edited here since the last edit of another field

    @property
    def shown(self) -> str:
        """The value as JSON text, the way a user types it back."""
        return json.dumps(self.value)

    @property
    def entry(self) -> str:
        """The value as its value box shows it: a text field's text itself (``abc``, not
        ``"abc"``), anything else as JSON text."""
        return self.value if self.editor == "text" else self.shown

    @property
    def status_shown(self) -> FieldStatus | None:
        """The status word the row shows: None for a field nobody edited here (no word at
        all), so a freshly saved field ("saved") stands out from the untouched ones; "saving…"
        and "failed" always show (a refused value is "failed" too: nothing was written)."""
        return None if self.status == "saved" and not self.fresh else self.status

    @property
    def nested(self) -> bool:
        """Whether the value is a list or an object: edited in the structured editor."""
        return isinstance(self.value, (list, dict))

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
    when a target opens); ``field_errors`` maps a field (or a nested place, ``loras[0].name``)
    to why its last edit was refused (nothing was written); ``notice`` is a one-line remark on
    the last command (a reset of what was not set, what a workflow did).

    The workflows' words: ``copy_label`` names "apply settings from another shot" (or
    project), ``reset_label`` "reset to project" (a shot) or "reset to my settings" (a
    project), ``promote_label`` "promote to project" (a shot); None where the target has none.
    ``sources`` are the shots (or projects) ``load_sources`` found to apply settings from.
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
    copy_label: str | None = None
    reset_label: str | None = None
    promote_label: str | None = None
    sources: tuple[Source, ...] = ()

    @property
    def status_text(self) -> str:
        """The status line's words before the connection's: how many fields, and what the
        edits are doing when not all saved ("12 fields · saving…", "12 fields · 1 failed")."""
        count = len(self.rows)
        words = f"{count} field{'' if count == 1 else 's'}"
        failed = sum(row.status == "failed" for row in self.rows)
        if self.loading:
            return ""
        if any(row.status == "saving" for row in self.rows) or self.status == "saving":
            return f"{words} · saving…"
        return f"{words} · {failed} failed" if failed else words


WORKFLOW_LABELS: Mapping[str, tuple[str | None, str | None, str | None]] = {
    "shot": ("apply settings from another shot", "reset to project", "promote to project"),
    "project": ("apply settings from another project", "reset to my settings", None),
    "user": (None, None, None),
}
"""Per target scope: the words of its copy, reset-overrides and promote commands."""


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
        # Whether opening another target reads its sources too (``load_sources``): set by a
        # front end that always shows them (the notebook's dropdown), not by one that asks.
        self.keep_sources = False
        # The plan a confirmation showed, and how to carry it out (``apply_plan``).
        self._planned: tuple[SettingsPlan, Callable[[SettingsPlan], SettingsPlan]] | None = None
        # The fields edited here since another field's edit began (``FieldRow.fresh``).
        self._fresh: set[str] = set()
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
            check_json(value, path)  # the limits every write has (depth, size, safe integers)
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
            return self._refuse(path, message)
        errors = {p: m for p, m in self.state.field_errors.items() if p != path}
        self._freshen(path)
        if errors != self.state.field_errors:
            self._set_errors(errors)
        return self._attempt(
            lambda: handle.set(path, value, scope=target, force=force), error=None, notice=None
        )

    def set_typed(self, path: str, text: str, *, scope: str | None = None) -> bool:
        """``set_field`` with the text a value box holds (``parse_value``: JSON when it parses,
        else the text); JSON Python cannot even read is refused beside the field too."""
        if not isinstance(text, str):
            return self._refuse(path, f"type the value as text, not {echo(text)}")
        try:
            value = parse_value(text)
        except ValidationError as exc:
            return self._refuse(path, str(exc))
        return self.set_field(path, value, scope=scope)

    def set_entry(self, path: str, entry: Any, *, scope: str | None = None) -> bool:
        """Set a field from its row's control (``FieldRow.editor``): a number box's number
        (a whole float becomes an integer, as Reigh's sliders store them), a checkbox's
        bool, a dropdown's choice, a text box's text as it is (no JSON quotes), a JSON box's
        text read as JSON (``set_typed``). Text given to a number or a checkbox is read as
        typed text too, so its refusal names what the field takes. The value already there
        writes nothing and clears a refusal beside the field."""
        row = next((r for r in self.state.rows if r.path == path), None)
        editor: Editor = row.editor if row is not None else "json"
        value: Any = entry
        if editor == "json" or (isinstance(entry, str) and editor != "text"):
            if not isinstance(entry, str):
                return self._refuse(path, f"type the value as text, not {echo(entry)}")
            try:
                value = parse_value(entry)
            except ValidationError as exc:
                return self._refuse(path, str(exc))
        elif editor in ("integer", "number") and isinstance(entry, float):
            if not math.isfinite(entry):
                return self._refuse(path, f"{path} must be a finite number, not {entry}")
            value = int(entry) if entry.is_integer() and abs(entry) < 2**53 else entry
        if row is not None and same_value(value, row.value):
            self.clear_field_error(path)
            return True
        return self.set_field(path, value, scope=scope)

    def clear_field_error(self, path: str) -> None:
        """Forget the refusal shown beside ``path`` (the user typed the old value back)."""
        if path in self.state.field_errors:
            self._set_errors({p: m for p, m in self.state.field_errors.items() if p != path})

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
        self._freshen(path)
        return self._attempt(lambda: handle.reset(path, scope=target), error=None, notice=None)

    # -- nested values (the structured editor) ---------------------------------------------
    def nodes(self, path: str) -> tuple[Node, ...]:
        """The structured editor's lines for the field ``path`` (a row's dotted name): the
        value as shown now (edits in flight included), its items and fields indented."""
        handle = self._handle
        try:
            parts = parse_path(path)
        except ValidationError:
            return ()  # not a field's name: nothing to show
        if handle is None:
            return ()
        found, value = get_path(handle.resolved.values, parts)
        return structure(self.state.tool_id, parts, value) if found else ()

    def set_nested(self, path: Sequence[str | int], value: Any) -> bool:
        """Set the value at a nested place (an object's field, a list item, a field of an
        item) at "edit at": field by field inside objects, the whole list when the place is
        inside one. Refused (beside ``nested_key(path)``, nothing written): a value that does
        not fit the item's known shape, or what ``set_field`` refuses."""
        place = self._place(path)
        if place is None:
            return False
        key = nested_key(place)
        problem = self._item_problem(place, value)
        if problem is not None:
            return self._refuse(key, problem)
        return self._write_nested(place, lambda _: copy.deepcopy(value), key)

    def set_nested_typed(self, path: Sequence[str | int], text: str) -> bool:
        """``set_nested`` with the text a value box holds (JSON when it parses, else text)."""
        place = self._place(path)
        if place is None:
            return False
        if not isinstance(text, str):
            return self._refuse(nested_key(place), f"type the value as text, not {echo(text)}")
        try:
            value = parse_value(text)
        except ValidationError as exc:
            return self._refuse(nested_key(place), str(exc))
        return self.set_nested(place, value)

    def add_item(
        self, path: Sequence[str | int], value: Any = None, *, typed: bool = False
    ) -> bool:
        """Append an item to the list at ``path`` (one write of the whole list): the tool's
        known item shape or one like the list's other items; for a list of scalars (or of
        unknown items), ``value`` (``typed``: the text of a value box, read as JSON when it
        parses), which is then needed."""
        place = self._place(path)
        if place is None:
            return False
        key = nested_key(place)
        current = self._value_at(place)
        if not isinstance(current, list):
            return self._refuse(key, f"{key} is not a list: nothing to add an item to")
        made, item = new_item(self.state.tool_id, place, current)
        if typed or value is not None or not made:
            if typed:
                try:
                    value = parse_value(value if isinstance(value, str) else "")
                except ValidationError as exc:
                    return self._refuse(key, str(exc))
            if value is None or value == "":
                return self._refuse(key, f"{key}: type the new item's value first")
            item = value
        if isinstance(item, dict):
            for name, field_value in item.items():
                problem = self._item_problem((*place, len(current), name), field_value)
                if problem is not None:
                    return self._refuse(key, problem)
        return self._write_nested(place, lambda items: [*items, item], key)

    def remove_item(self, path: Sequence[str | int]) -> bool:
        """Remove the list item at ``path`` (its last part is the index): the whole list is
        written without it."""
        place = self._place(path)
        if place is None:
            return False
        if not isinstance(place[-1], int):
            return self._refuse(nested_key(place), f"{nested_key(place)} is not a list item")
        index = place[-1]
        key = nested_key(place)

        def without(items: Any) -> list[Any]:
            if not isinstance(items, list) or not 0 <= index < len(items):
                raise ValidationError(f"{key}: there is no such item (the list changed?)")
            return [item for n, item in enumerate(items) if n != index]

        return self._write_nested(place[:-1], without, key)

    def move_item(self, path: Sequence[str | int], offset: int) -> bool:
        """Move the list item at ``path`` up (``offset`` -1) or down (+1): the whole list is
        written in its new order. Past either end, nothing is written and ``notice`` says so."""
        place = self._place(path)
        if place is None:
            return False
        key = nested_key(place)
        if not isinstance(place[-1], int) or offset not in (-1, 1):
            return self._refuse(key, f"{key} is not a list item to move up or down")
        index = place[-1]
        items = self._value_at(place[:-1])
        to = index + offset
        if not isinstance(items, list) or not 0 <= index < len(items):
            return self._refuse(key, f"{key}: there is no such item (the list changed?)")
        if not 0 <= to < len(items):
            self._update(notice=f"{key} is already {'first' if offset < 0 else 'last'}")
            return False

        def moved(values: Any) -> list[Any]:
            if not isinstance(values, list) or len(values) != len(items):
                raise ValidationError(f"{key}: the list changed; look again")
            order: list[Any] = list(values)
            order[index], order[to] = order[to], order[index]
            return order

        return self._write_nested(place[:-1], moved, key)

    def _item_problem(self, place: NestedPath, value: Any) -> str | None:
        """Why ``value`` does not fit a field of a list item whose shape is known (its type;
        a LoRA's strength from 0 to 2, as ``workbench.resources`` checks it), or None."""
        shaped = item_field(self.state.tool_id, place)
        if shaped is None:
            return None
        key = nested_key(place)
        problem = kind_problem(key, shaped[0], value)
        owner = (self.state.tool_id, ".".join(str(p) for p in place[:-2]))
        if problem is None and place[-1] == "strength" and owner in LORA_SHAPES:
            try:
                check_strength(value)
            except ValidationError as exc:
                return f"{nested_key(place[:-1])}.{first_line(exc)}"
        return problem

    def _place(self, path: object) -> NestedPath | None:
        """``nested_place(path)``, or None with the refusal in ``error``."""
        try:
            return nested_place(path)
        except ValidationError as exc:
            self._update(error=first_line(exc), notice=None)
            return None

    def _value_at(self, place: NestedPath) -> Any:
        handle = self._handle
        if handle is None:
            return None
        value: Any = handle.resolved.values
        for part in place:
            if isinstance(part, int):
                if not isinstance(value, list) or not 0 <= part < len(value):
                    return None
                value = value[part]
            elif isinstance(value, dict):
                value = value.get(part)
            else:
                return None
        return value

    def _refuse(self, key: str, message: str) -> bool:
        """Show why the edit at ``key`` (a field, or a nested place) was refused; its row
        says "failed". Nothing is written."""
        self._set_errors({**self.state.field_errors, key: message}, notice=None)
        return False

    def _set_errors(self, errors: dict[str, str], **changes: Any) -> None:
        """New refusals, and the rows' statuses that follow from them, in one update."""
        handle = self._handle
        rows = self._rows(handle, errors) if handle is not None else self.state.rows
        self._update(field_errors=errors, rows=rows, **changes)

    def _freshen(self, path: str | None) -> None:
        """A new edit of ``path`` begins: it is fresh; the fields saved since earlier edits
        are not any more (those still saving or failed keep their word anyway)."""
        handle = self._handle
        busy = (handle.pending_paths() | handle.failed_paths()) if handle is not None else set()
        kept = {p for p in self._fresh if _touches(p, busy)}
        self._fresh = kept | ({path} if path is not None else set())

    def _write_nested(self, place: NestedPath, change: Callable[[Any], Any], key: str) -> bool:
        """One write for a change at ``place``: the object path down to the first list index
        is what is written (the whole list there, or the field itself when no list is
        crossed); the change is applied to the value shown now."""
        handle = self._handle
        if handle is None:
            return False
        split = next((n for n, p in enumerate(place) if isinstance(p, int)), len(place))
        head = tuple(str(p) for p in place[:split])
        if not head:
            return self._refuse(key, f"{key}: not a settings field")
        found, current = get_path(handle.resolved.values, head)
        if not found and split < len(place):
            return self._refuse(key, f"{key}: {dotted(head)} is not set (the value changed?)")
        try:
            value = changed_at(current, place[split:], change, key)
        except ValidationError as exc:
            return self._refuse(key, str(exc))
        errors = {p: m for p, m in self.state.field_errors.items() if p != key}
        if errors != self.state.field_errors:
            self._set_errors(errors)
        accepted = self.set_field(dotted(head), value)
        if not accepted and dotted(head) in self.state.field_errors and key != dotted(head):
            message = self.state.field_errors[dotted(head)]
            self._set_errors({**self.state.field_errors, key: message})
        return accepted

    # -- workflows: apply from another target, reset overrides, promote --------------------
    def load_sources(self) -> tuple[Source, ...]:
        """Read what settings can be applied from: the other shots of a shot's project, or
        a project's user's other projects (one or two queries); also kept in
        ``state.sources``. Blocks: front ends call it from a worker."""
        scope, target_id = self.state.scope, self.state.target_id

        def work() -> None:
            sources: tuple[Source, ...] = ()
            if scope == "shot" and target_id is not None:
                place = self._wb.find(None, target_id)
                shots = self._wb.shots(place.project)
                sources = tuple(
                    Source(f"shot:{s.id}", f"shot {s.name}") for s in shots if s.id != target_id
                )
            elif scope == "project" and target_id is not None:
                projects = self._wb.projects()
                sources = tuple(
                    Source(f"project:{p.id}", f"project {p.name}")
                    for p in projects
                    if p.id != target_id
                )
            self._update(sources=sources)

        self._attempt(work, error=None)
        return self.state.sources

    def plan_copy(self, source: str, fields: Sequence[str] | None = None) -> Confirmation | None:
        """Plan "apply settings from another shot" (or project) from ``source`` (a key of
        ``state.sources``) to this target: the question to ask, its details the plan's
        lines; None when there is nothing to change (``notice`` says so) or it failed
        (``error``). ``apply_plan`` then carries out that plan. Blocks."""
        chosen = next((s for s in self.state.sources if s.key == source), None)
        if chosen is None or self._handle is None:
            self._update(error=f"choose where to apply settings from ({source!r} is not one)")
            return None
        kind, _, ident = chosen.key.partition(":")
        origin = {f"{kind}_id": uuid.UUID(ident)}
        target = self._target_ref()
        tool = self.state.tool_id
        chosen_fields = [fields] if isinstance(fields, str) else fields
        return self._propose(
            lambda: self._wb.plan_copy_settings(tool, origin, target, fields=chosen_fields),
            lambda plan: self._wb.copy_settings(
                tool, origin, target, fields=chosen_fields, plan=plan
            ),
            verb="Apply",
        )

    def plan_reset_overrides(self) -> Confirmation | None:
        """Plan "reset to project" (a shot: remove all its values of this tool, so it reads
        the project's) or "reset to my settings" (a project, against the user's): the
        question, its details the plan's lines; None when this target sets nothing of the
        tool (``notice`` says so). ``apply_plan`` carries it out. Blocks."""
        tool = self.state.tool_id
        if self.state.reset_label is None or self._handle is None:
            self._update(notice="your own settings have nothing above them to reset to")
            return None
        target = self._target_ref()
        return self._propose(
            lambda: self._wb.plan_reset_overrides(tool, target),
            lambda plan: self._wb.reset_overrides(tool, target, plan=plan),
            verb="Reset",
        )

    def apply_plan(self) -> bool:
        """Carry out the plan the last confirmation showed (one write, recorded for undo);
        refused with a ``ConflictError`` in ``error`` when the target changed since it was
        planned. ``notice`` then says what was done. Blocks."""
        planned, self._planned = self._planned, None
        if planned is None:
            return False
        plan, run = planned
        done: list[SettingsPlan] = []
        ok = self._attempt(lambda: done.append(run(plan)), error=None, notice=None)
        if ok:
            self._update(notice=f"Done: {done[0].summary}")
        self._reread()
        return ok

    def cancel_plan(self) -> None:
        """Forget the plan a confirmation showed (the user said no)."""
        self._planned = None

    def promote(self, path: str) -> bool:
        """ "Promote to project": the shot's value of ``path`` becomes its project's and the
        shot inherits it (two writes in one transaction, recorded for undo); ``notice`` then
        shows the plan's line. Only for a field the shot itself sets. Blocks."""
        handle = self._handle
        if handle is None or self.state.scope != "shot":
            self._update(notice="promote to project works on a shot's own values")
            return False
        try:
            own = is_set(handle.resolved, path, "shot")
        except ValidationError as exc:
            self._update(error=first_line(exc), notice=None)
            return False
        if not own:
            self._update(notice=f"Nothing to promote: this shot does not set {path}")
            return False
        tool, shot = self.state.tool_id, self._target_ref()
        self.flush()  # an edit in flight first: the promotion must see it
        done: list[SettingsPlan] = []
        ok = self._attempt(
            lambda: done.append(self._wb.promote_setting(tool, shot, path)),
            error=None, notice=None,
        )  # fmt: skip
        if ok:
            self._update(notice="Promoted to project: " + "; ".join(done[0].lines()))
        self._reread()
        return ok

    def _target_ref(self) -> dict[str, Any] | str:
        """This target as the workflows name one: ``{"shot_id": id}``, ``{"project_id": id}``
        or "user"."""
        if self.state.scope == "user":
            return "user"
        return {f"{self.state.scope}_id": self.state.target_id}

    def _propose(
        self,
        plan: Callable[[], SettingsPlan],
        run: Callable[[SettingsPlan], SettingsPlan],
        *,
        verb: str,
    ) -> Confirmation | None:
        """Plan (after the edits in flight are written: the plan must see them); keep the
        plan for ``apply_plan`` and return its question (the plan's summary, the words the
        CLI prints too, and its lines), or say there is nothing to do (the summary again)."""
        self._planned = None
        self.flush()
        made: list[SettingsPlan] = []
        if not self._attempt(lambda: made.append(plan()), error=None, notice=None):
            return None
        summary = made[0].summary
        if not len(made[0]):
            self._update(notice=f"{summary[:1].upper()}{summary[1:]}")
            return None
        self._planned = (made[0], run)
        return Confirmation(f"{summary[:1].upper()}{summary[1:]}?", verb, plan_details(made[0]))

    def _reread(self) -> None:
        """Read the target's settings again after a workflow wrote them outside the handle
        (the workflow's refusal stays shown: the handle's render would clear it)."""
        handle, error = self._handle, self.state.error
        if handle is not None:
            self._attempt(handle.refresh)
        if error is not None and self.state.error is None:
            self._update(error=error)

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
            self._planned = None  # a plan shown for the target we leave is not carried out
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
            self._fresh = set()
            copy_label, reset_label, promote_label = WORKFLOW_LABELS[handle.target.scope]
            self._update(scope=handle.target.scope, target_id=handle.target.id, scopes=scopes,
                         edit_scope=edit_at or scopes[-1], field_errors={}, notice=None,
                         copy_label=copy_label, reset_label=reset_label,
                         promote_label=promote_label,
                         sources=self.state.sources if same else ())  # fmt: skip
            handle.subscribe(self._render)
            self._render(handle)
            if self.keep_sources and not same:
                self.load_sources()

        self._attempt(work, loading=True, error=None)

    def _render(self, handle: SettingsHandle) -> None:
        if handle is not self._handle:
            return  # a handle we already left
        rows = self._rows(handle, self.state.field_errors)
        error = first_line(handle.error) if handle.error else None
        self._update(rows=rows, status=handle.status, error=error, loading=False)

    def _rows(self, handle: SettingsHandle, errors: Mapping[str, str]) -> tuple[FieldRow, ...]:
        """The target's fields as rows: "saving" while a write of theirs is queued, "failed"
        when one failed or an edit of theirs (or of a place inside) was refused."""
        resolved = handle.resolved
        pending, failed = handle.pending_paths(), handle.failed_paths()
        refused = set(errors)
        rows = []
        tool, shot = handle.tool_id, handle.target.scope == "shot"
        for path, value, scope in resolved:
            lower = tuple(resolved.overrides(path))
            status: FieldStatus = "saved"
            if _touches(path, pending):
                status = "saving"
            elif _touches(path, failed) or _refused(path, refused):
                status = "failed"
            parts = tuple(path.split("."))
            editor, choices = field_editor(tool, parts, value)
            rows.append(FieldRow(path, value, scope, lower, status, field_kind(tool, parts, value),
                                 field_default(tool, parts), shot and scope == "shot", editor,
                                 choices, _touches(path, self._fresh)))  # fmt: skip
        return tuple(rows)


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


def same_value(a: Any, b: Any) -> bool:
    """Whether two JSON values are the same value: ``True`` is not ``1``, ``1.0`` is ``1``."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) or (
        type(a) in (int, float) and type(b) in (int, float) and a == b
    )


def _refused(path: str, keys: set[str]) -> bool:
    """Whether a refusal is about the field ``path`` or a place inside it."""
    return any(k == path or k.startswith((f"{path}.", f"{path}[")) for k in keys)


def _touches(path: str, edited: set[str]) -> bool:
    """An edit of ``a`` touches ``a.b``; an edit of ``a.b`` touches ``a``."""
    return any(path == e or path.startswith(e + ".") or e.startswith(path + ".") for e in edited)
