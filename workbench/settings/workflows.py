"""Three workflows on one tool's settings, each shown first as a plan, then written at once.

- **Copy** a tool's settings (or chosen fields) from one shot to another, or from one project
  to another: the source's *own* values at its scope (Reigh's ``applyShotSettings`` reads
  ``shots.settings[tool]`` of the source) become overrides at the destination, field by field,
  so the destination's other overrides stay.
- **Reset to inherited**: remove every override of a tool at a shot (it then uses the
  project's, the user's or the default values) or at a project (it then uses the user's).
- **Promote to project**: a shot's override of one field becomes its project's value and the
  shot's override goes, so the shot inherits it; two writes in one transaction, recorded as
  one change, so one undo reverts both. (Reigh has no such action: reigh-operations.md §7.)

A plan lists what changes in the destination's *resolved* values (value and scope, before and
after), is read in one round trip (two when validating needs what the user's data stores:
an unregistered or open tool, a field the registry does not know), and names the writes that
carry it out with the stored object each was planned from. Executing a plan writes only if
those objects are still what they were: otherwise ``ConflictError`` and nothing is written, so
nobody applies a plan over a change they have not seen. Every write is validated like any
other (``validate.check_write``), recorded in the settings history and undoable.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import psycopg

from workbench.db.connection import run_idempotent
from workbench.db.schema import SchemaInfo
from workbench.errors import ConflictError, ValidationError, echo
from workbench.models import Project, Shot
from workbench.settings import store
from workbench.settings.diff import as_target, read_sides
from workbench.settings.history import ABSENT, same
from workbench.settings.resolve import (
    Path,
    dotted,
    get_path,
    leaves,
    merge,
    parse_path,
    path_patch,
    remove_path,
    resolve,
)
from workbench.settings.scopes import Scope
from workbench.settings.store import SettingsTarget, SettingsWrite

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

    from workbench.changes.journal import ChangeJournal
    from workbench.settings.service import SettingsService

__all__ = ["ABSENT", "PlannedChange", "PlannedWrite", "SettingsPlan", "SettingsWorkflows"]

Action = Literal["copy", "reset", "promote"]
NOT_SET = "not set"  # the words the settings history and diff use for an absent value
_ATTEMPTS = 3  # plan-and-write without a plan: planned again when a write lands meanwhile


def _value_text(value: Any, width: int | None) -> str:
    text = NOT_SET if value is ABSENT else json.dumps(value)
    if width is not None and len(text) > width:
        return text[: max(width - 1, 0)] + "…"
    return text


@dataclass(frozen=True)
class PlannedChange:
    """One field of the destination whose resolved value or scope changes: before and after,
    each with the scope it comes from (``ABSENT`` and None where no scope sets it)."""

    path: str
    before: Any
    before_scope: Scope | None
    after: Any
    after_scope: Scope | None

    def line(self, width: int | None = None) -> str:
        """``steps: 6 (project) → 8 (shot)``: the words every front end shows; ``width`` cuts
        each value (not the path)."""

        def side(value: Any, scope: Scope | None) -> str:
            text = _value_text(value, width)
            return text if value is ABSENT or scope is None else f"{text} ({scope})"

        return f"{self.path}: {side(self.before, self.before_scope)} → " + side(
            self.after, self.after_scope
        )

    def to_json(self) -> dict[str, Any]:
        """A side's ``value`` is left out where the field is not set (absent is not null), as
        ``settings diff --json`` does."""

        def side(value: Any, scope: Scope | None) -> dict[str, Any]:
            return {"scope": scope} if value is ABSENT else {"value": value, "scope": scope}

        return {"field": self.path, "before": side(self.before, self.before_scope),
                "after": side(self.after, self.after_scope)}  # fmt: skip


@dataclass(frozen=True)
class PlannedWrite:
    """One write that carries out a plan: a patch and removals at one row, and the tool
    object that row stored when the plan was made (the write lands only over that)."""

    target: SettingsTarget
    patch: dict[str, Any]
    removals: tuple[Path, ...]
    expect: dict[str, Any]


@dataclass(frozen=True)
class SettingsPlan:
    """What a workflow will change (``changes``: the destination's resolved fields whose value
    or scope changes) and the one line that says it (``summary``). ``target`` is the
    destination (for a promotion: the shot); ``source`` the copy's source, or the project a
    promotion writes. ``writes`` and ``request`` are what executing it needs (the plan is
    passed back as ``plan=``); a plan without changes writes nothing."""

    action: Action
    tool_id: str
    target: SettingsTarget
    source: SettingsTarget | None
    changes: tuple[PlannedChange, ...]
    summary: str
    target_name: str = ""
    source_name: str | None = None
    writes: tuple[PlannedWrite, ...] = field(default=(), repr=False, compare=False)
    request: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.changes)

    def lines(self, width: int | None = None) -> list[str]:
        """One line per change (``PlannedChange.line``)."""
        return [change.line(width) for change in self.changes]

    def to_json(self) -> dict[str, Any]:
        """The plan as ``--json`` prints it."""

        def side(target: SettingsTarget | None, name: str | None) -> dict[str, Any] | None:
            if target is None:
                return None
            return {"scope": target.scope, "id": str(target.id), "name": name}

        return {
            "action": self.action,
            "tool": self.tool_id,
            "target": side(self.target, self.target_name),
            "source": side(self.source, self.source_name),
            "summary": self.summary,
            "changes": [change.to_json() for change in self.changes],
        }


def named(target: SettingsTarget, name: str | None) -> str:
    """``shot 'Harbour Lights'``, ``project 'Neon Coastline'``: a side as plans name it."""
    return target.scope if target.scope == "user" or not name else f"{target.scope} '{name}'"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def planned_changes(
    tool_id: str, before: Mapping[Scope, Any], after: Mapping[Scope, Any]
) -> tuple[PlannedChange, ...]:
    """The leaf fields whose resolved value or scope differs between two sets of layers, by
    path. A field whose value stays but whose scope changes is listed: resetting an override
    equal to the inherited value, or promoting one, changes where the value comes from (the
    next project edit then reaches the shot)."""
    old, new = resolve(tool_id, before), resolve(tool_id, after)
    left = {dotted(p): v for p, v in leaves(old.values)}
    right = {dotted(p): v for p, v in leaves(new.values)}
    found = []
    for path in sorted(left.keys() | right.keys()):
        a, b = left.get(path, ABSENT), right.get(path, ABSENT)
        a_scope = old.scope_of(path) if a is not ABSENT else None
        b_scope = new.scope_of(path) if b is not ABSENT else None
        if not same(a, b) or a_scope != b_scope:
            found.append(PlannedChange(path, a, a_scope, b, b_scope))
    return tuple(found)


def _fields(fields: object) -> tuple[Path, ...] | None:
    """Chosen fields as paths: None (the whole tool), one path, or a list of paths."""
    if fields is None:
        return None
    if isinstance(fields, str):
        fields = [fields]
    if not isinstance(fields, (list, tuple, set, frozenset)):
        raise ValidationError(
            f"fields: a list of field paths ('steps', 'phaseConfig.flow'), not "
            f"{type(fields).__name__} {echo(fields)}"
        )
    paths = tuple(dict.fromkeys(parse_path(f) for f in fields))
    if not paths:
        raise ValidationError("fields: name at least one field (or leave fields out: all)")
    return paths


def _own(layers: Mapping[Scope, Any], scope: Scope) -> dict[str, Any]:
    """A scope's stored tool object (``{}`` where it stores none, or not an object: what
    ``store.write`` reports as the value it replaced)."""
    value = layers.get(scope)
    return value if isinstance(value, dict) else {}


def _short(value: Any) -> str:
    return _value_text(value, 40)


class SettingsWorkflows:
    """Copy, reset to inherited, promote to project: planned, then written, for one user."""

    def __init__(
        self,
        pool: ConnectionPool,
        schema: SchemaInfo,
        user_id: Callable[[], uuid.UUID],
        settings: SettingsService,
        journal: ChangeJournal,
        *,
        invalidate: Callable[[SettingsTarget], None] | None = None,
    ) -> None:
        """``invalidate`` is told each row written (the client refreshes what shows it)."""
        self._pool = pool
        self._schema = schema
        self._user_id = user_id
        self._settings = settings
        self._journal = journal
        self._invalidate = invalidate

    # -- targets and reads -----------------------------------------------------------------
    def _target(self, value: object, what: str, scopes: tuple[str, ...]) -> SettingsTarget:
        """A target as ``settings_diff`` takes it, of one of ``scopes``."""
        if not isinstance(value, (SettingsTarget, Shot, Project, Mapping)) and value != "user":
            raise ValidationError(
                f"{what}: give a shot or a project (a record, {{'shot_id': ...}} or "
                f"{{'project_id': ...}}), not {type(value).__name__} {echo(value)}"
            )
        target = as_target(value, self._user_id())
        if target.scope not in scopes:
            kinds = " or ".join(f"a {s}" for s in scopes)
            raise ValidationError(f"{what}: {kinds}, not the user's own settings")
        return target

    def _read(self, tool_id: str, targets: list[SettingsTarget]) -> list[Any]:
        """Every scope of each target, names and project, in one round trip; another user's
        target reads as not found."""
        user_id = self._user_id()
        return run_idempotent(self._pool, lambda c: read_sides(c, tool_id, targets, user_id))

    # -- copy ------------------------------------------------------------------------------
    def plan_copy(
        self, tool_id: str, source: object, dest: object, *, fields: object = None
    ) -> SettingsPlan:
        """What copying ``source``'s own values of the tool (or only ``fields``) to ``dest``
        would change there. Shot to shot, or project to project."""
        tool = self._settings.check_tool(tool_id)  # an unknown tool first, by name
        kinds = ("shot", "project")
        src = self._target(source, "copy from", kinds)
        dst = self._target(dest, "copy to", kinds)
        if src.scope != dst.scope:
            raise ValidationError(
                f"settings are copied from a shot to a shot, or from a project to a project: "
                f"not from a {src.scope} to a {dst.scope}"
            )
        if src == dst:
            raise ValidationError(f"copy from and to the same {src.scope}: nothing to copy")
        paths = _fields(fields)
        read_src, read_dst = self._read(tool, [src, dst])
        source_name = named(src, read_src.name)
        own = _own(read_src.layers, src.scope)
        if not any(True for _ in leaves(own)):  # Reigh's words, then ours
            raise ValidationError(
                f"Source {src.scope} has no settings: {source_name} stores no {tool} value of "
                f"its own (it inherits them all); nothing was copied"
            )
        patch: dict[str, Any] = {}
        if paths is None:
            patch = deepcopy(own)
        else:
            for path in paths:
                found, value = get_path(own, path)
                if not found:
                    raise ValidationError(
                        f"Source {src.scope} has no settings for {dotted(path)}: {source_name} "
                        f"does not set it itself (it inherits it); nothing was copied"
                    )
                patch = merge(patch, path_patch(path, value))
        _, _, clean = self._settings.validate(dst.scope, dst.id, tool, patch)
        expect = _own(read_dst.layers, dst.scope)
        after = {**read_dst.layers, dst.scope: merge(expect, clean)}
        changes = planned_changes(tool, read_dst.layers, after)
        dest_name = named(dst, read_dst.name)
        count = sum(1 for _ in leaves(clean))
        what = _plural(count, "field")
        if changes:
            summary = f"copy {what} of {tool} from {source_name} to {dest_name}"
        else:
            summary = (
                f"nothing to change: {dest_name} already has the {what} of {tool} of {source_name}"
            )
        return SettingsPlan(
            "copy", tool, dst, src, changes, summary, read_dst.name, read_src.name,
            writes=(PlannedWrite(dst, clean, (), expect),) if changes else (),
            request=("copy", tool, dst, src, paths),
        )  # fmt: skip

    def copy(
        self,
        tool_id: str,
        source: object,
        dest: object,
        *,
        fields: object = None,
        plan: SettingsPlan | None = None,
    ) -> SettingsPlan:
        """Carry out ``plan`` (made by ``plan_copy`` with the same arguments), or plan and
        write at once; returns the plan carried out."""
        return self._run(
            lambda: self.plan_copy(tool_id, source, dest, fields=fields), plan,
            lambda: self._copy_request(tool_id, source, dest, fields),
        )  # fmt: skip

    def _copy_request(
        self, tool_id: str, source: object, dest: object, fields: object
    ) -> tuple[Any, ...]:
        kinds = ("shot", "project")
        return ("copy", store.check_tool_id(tool_id), self._target(dest, "copy to", kinds),
                self._target(source, "copy from", kinds), _fields(fields))  # fmt: skip

    # -- reset to inherited ----------------------------------------------------------------
    def plan_reset(self, tool_id: str, target: object) -> SettingsPlan:
        """What removing every override of the tool at a shot (or a project) would change:
        it then uses the project's, the user's or the default values (a project: the user's
        or the defaults)."""
        tool = self._settings.check_tool(tool_id)  # an unknown tool first, by name
        where = self._target(target, "reset overrides of", ("shot", "project"))
        (read,) = self._read(tool, [where])
        self._settings.validate(where.scope, where.id, tool, None, removals=[()])
        expect = _own(read.layers, where.scope)
        after = {**read.layers, where.scope: None}
        changes = planned_changes(tool, read.layers, after)
        name = named(where, read.name)
        if changes:
            count = sum(1 for _ in leaves(expect))
            uses = "its project" if where.scope == "shot" else "the user's settings"
            summary = (
                f"reset {tool} at {name} to inherited: remove {_plural(count, 'override')} "
                f"(it then inherits from {uses})"
            )
        else:
            summary = f"nothing to change: {name} has no override of {tool}"
        return SettingsPlan(
            "reset", tool, where, None, changes, summary, read.name,
            writes=(PlannedWrite(where, {}, ((),), expect),) if changes else (),
            request=("reset", tool, where),
        )  # fmt: skip

    def reset(
        self, tool_id: str, target: object, *, plan: SettingsPlan | None = None
    ) -> SettingsPlan:
        """Carry out ``plan`` (made by ``plan_reset``), or plan and write at once."""
        return self._run(
            lambda: self.plan_reset(tool_id, target), plan,
            lambda: ("reset", store.check_tool_id(tool_id),
                     self._target(target, "reset overrides of", ("shot", "project"))),
        )  # fmt: skip

    # -- promote to project ----------------------------------------------------------------
    def plan_promote(self, tool_id: str, shot: object, path: object) -> SettingsPlan:
        """What making the shot's override of ``path`` its project's value (and removing the
        override, so the shot inherits it) would change. ``changes`` are the shot's fields
        (their scope goes from shot to project); the summary says what the project's value
        becomes, since every shot of the project that does not override it follows."""
        tool = self._settings.check_tool(tool_id)  # an unknown tool first, by name
        where = self._target(shot, "promote from", ("shot",))
        parts = parse_path(path)
        field_name = dotted(parts)
        (read,) = self._read(tool, [where])
        shot_name = named(where, read.name)
        shot_own = _own(read.layers, "shot")
        found, value = get_path(shot_own, parts)
        if not found:
            raise ValidationError(
                f"{shot_name} does not override {tool} {field_name} (it inherits it): "
                f"nothing to promote"
            )
        assert read.project is not None  # a shot always has its project
        project = SettingsTarget("project", read.project[0])
        project_name = named(project, read.project[1])
        _, _, clean = self._settings.validate("project", project.id, tool, path_patch(parts, value))
        self._settings.validate("shot", where.id, tool, None, removals=[parts])
        project_own = _own(read.layers, "project")
        new_project = merge(project_own, clean)
        after = {**read.layers, "project": new_project, "shot": remove_path(shot_own, parts)}
        changes = planned_changes(tool, read.layers, after)
        wider = {s: v for s, v in read.layers.items() if s != "shot"}
        was_set, was = get_path(resolve(tool, wider).values, parts)
        now = get_path(resolve(tool, {**wider, "project": new_project}).values, parts)[1]
        was = was if was_set else ABSENT
        summary = (
            f"promote {tool}.{field_name} from {shot_name} to {project_name} (the project's "
            f"value: {_short(was)} → {_short(now)}; the shot then inherits it)"
        )
        return SettingsPlan(
            "promote", tool, where, project, changes, summary, read.name, read.project[1],
            writes=(
                PlannedWrite(project, clean, (), project_own),
                PlannedWrite(where, {}, (parts,), shot_own),
            ),
            request=("promote", tool, where, parts),
        )  # fmt: skip

    def promote(
        self, tool_id: str, shot: object, path: object, *, plan: SettingsPlan | None = None
    ) -> SettingsPlan:
        """Carry out ``plan`` (made by ``plan_promote``), or plan and write at once: the
        project's write and the shot's in one transaction, one change to undo."""
        return self._run(
            lambda: self.plan_promote(tool_id, shot, path), plan,
            lambda: ("promote", store.check_tool_id(tool_id),
                     self._target(shot, "promote from", ("shot",)), parse_path(path)),
        )  # fmt: skip

    # -- carrying a plan out ---------------------------------------------------------------
    def _run(
        self,
        make: Callable[[], SettingsPlan],
        plan: SettingsPlan | None,
        request: Callable[[], tuple[Any, ...]],
    ) -> SettingsPlan:
        """Write ``plan`` if its rows still hold what it was made from (else ``ConflictError``),
        or plan and write, planning again when a write lands in between."""
        if plan is not None:
            if not isinstance(plan, SettingsPlan):
                raise ValidationError(f"plan: a SettingsPlan (from plan_…), not {echo(plan)}")
            asked = request()
            if plan.request != asked:
                raise ValidationError(
                    f"this plan ({plan.summary}) was made for other arguments; make the plan "
                    f"again with these"
                )
            if plan.writes and not self._execute(plan):
                raise ConflictError(
                    f"{plan.tool_id} settings of {self._moved_name(plan)} changed since the plan "
                    f"was shown; look again (nothing was written)"
                )
            return plan
        for _ in range(_ATTEMPTS):
            fresh = make()
            if not fresh.writes or self._execute(fresh):
                return fresh
        raise ConflictError(f"{fresh.summary}: the settings kept changing meanwhile; try again")

    def _moved_name(self, plan: SettingsPlan) -> str:
        if plan.action == "promote":
            return f"{named(plan.target, plan.target_name)} or its project"
        return named(plan.target, plan.target_name)

    def _execute(self, plan: SettingsPlan) -> bool:
        """The plan's writes in one transaction (pipelined: the BEGIN goes with the first
        UPDATE), each landing only over the object it was planned from; False (and nothing
        kept) when a row holds something else. Announced (and so recorded for undo) after
        the COMMIT."""
        user_id = self._user_id()
        record = self._settings.records_history
        if plan.action == "copy" and plan.source is not None:
            note = f"copy from {named(plan.source, plan.source_name)}"
        else:
            note = {"reset": "reset to inherited", "promote": "promote to project"}.get(
                plan.action, plan.action
            )

        def attempt(conn: psycopg.Connection[Any]) -> list[SettingsWrite] | None:
            done: list[SettingsWrite] = []
            moved = False
            with conn.pipeline(), conn.transaction():
                for write in plan.writes:
                    landed = store.write(
                        conn, self._schema, write.target, plan.tool_id, user_id=user_id,
                        patch=write.patch, removals=list(write.removals), record=record,
                        note=note,
                    )  # fmt: skip
                    if not same(landed.before, write.expect):
                        moved = True
                        raise psycopg.Rollback  # leaves the transaction; nothing is kept
                    done.append(landed)
            return None if moved else done

        done = run_idempotent(self._pool, attempt)
        if done is None:
            return False
        if plan.action == "promote":
            with self._journal.quiet():  # one change for both writes, recorded below
                for write in done:
                    self._settings.written.notify(write)
            self._journal.settings_batch(done, _promotion(plan))
        else:
            for write in done:
                self._settings.written.notify(write)  # recorded as a "settings" change
        if self._invalidate is not None:
            for write in done:
                self._invalidate(write.target)
        return True


def _promotion(plan: SettingsPlan) -> str:
    """The change's description: "promote travel-between-images.steps from shot 'A' to
    project 'P'"."""
    (path,) = plan.writes[1].removals
    assert plan.source is not None
    return (
        f"promote {plan.tool_id}.{dotted(path)} from {named(plan.target, plan.target_name)} "
        f"to {named(plan.source, plan.source_name)}"
    )
