"""Comparing one tool's resolved settings for two targets: which fields differ, and where each
side's value comes from.

The two sides are read together in one round trip (every scope of both), then each is resolved
with the usual rules and provenance. A side is a shot, a project or the user; the second side
may be left out to mean "what the first inherits from": a shot against its project, a project
against the user's own settings. So ``diff(shot)``, ``diff(shot_a, shot_b)`` and
``diff(project_p, project_q)`` all read as what they compare.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

from workbench.errors import NotFoundError, ValidationError
from workbench.ids import as_uuid
from workbench.models import Project, Shot
from workbench.settings import stored_json
from workbench.settings.history import ABSENT, same
from workbench.settings.resolve import ResolvedSettings, dotted, leaves, resolve
from workbench.settings.scopes import Scope
from workbench.settings.store import SettingsTarget


def as_target(value: object, user_id: uuid.UUID) -> SettingsTarget:
    """A side of a comparison from what a caller has at hand: a ``SettingsTarget``, a ``Shot``
    or ``Project`` record, ``{"shot_id": ...}`` / ``{"project_id": ...}`` (the narrowest
    wins, as everywhere), or ``"user"`` (the user's own settings)."""
    if isinstance(value, SettingsTarget):
        return value
    if isinstance(value, Shot):
        return SettingsTarget("shot", value.id)
    if isinstance(value, Project):
        return SettingsTarget("project", value.id)
    if value == "user":
        return SettingsTarget("user", user_id)
    if isinstance(value, Mapping):
        unknown = set(value) - {"shot_id", "project_id"}
        if unknown:
            raise ValidationError(
                f"a settings target names shot_id or project_id, not {', '.join(sorted(unknown))}"
            )
        if value.get("shot_id") is not None:
            return SettingsTarget("shot", as_uuid(value["shot_id"], "shot id"))
        if value.get("project_id") is not None:
            return SettingsTarget("project", as_uuid(value["project_id"], "project id"))
        return SettingsTarget("user", user_id)
    raise ValidationError(
        f"cannot compare {value!r:.60}: give a shot or project (record or "
        f"{{'shot_id': ...}} / {{'project_id': ...}}), or 'user'"
    )


@dataclass(frozen=True)
class FieldDifference:
    """One field whose resolved values differ: each side's value (ABSENT where no scope sets
    it) and the scope it comes from (None where absent)."""

    path: str
    a: Any
    a_scope: Scope | None
    b: Any
    b_scope: Scope | None

    def to_json(self) -> dict[str, Any]:
        """A side's ``value`` is left out where the field is not set (absent is not null)."""

        def side(value: Any, scope: Scope | None) -> dict[str, Any]:
            return {"scope": scope} if value is ABSENT else {"value": value, "scope": scope}

        return {"field": self.path, "a": side(self.a, self.a_scope),
                "b": side(self.b, self.b_scope)}  # fmt: skip


@dataclass(frozen=True)
class Side:
    """One side of a comparison: the target, its name (a shot's or project's name, or "user")
    and its resolved settings."""

    target: SettingsTarget
    name: str
    resolved: ResolvedSettings

    def to_json(self) -> dict[str, Any]:
        """The side as ``--json`` names it."""
        return {"scope": self.target.scope, "id": str(self.target.id), "name": self.name}


@dataclass(frozen=True)
class SettingsDiff:
    """The fields of ``tool_id`` that differ between side ``a`` and side ``b``, by path."""

    tool_id: str
    a: Side
    b: Side
    fields: tuple[FieldDifference, ...]

    def __len__(self) -> int:
        return len(self.fields)

    def to_json(self) -> dict[str, Any]:
        """What ``settings diff --json`` prints."""
        return {"tool": self.tool_id, "a": self.a.to_json(), "b": self.b.to_json(),
                "fields": [f.to_json() for f in self.fields]}  # fmt: skip


def differences(a: ResolvedSettings, b: ResolvedSettings) -> tuple[FieldDifference, ...]:
    """The leaf fields whose resolved values differ (or that only one side has), sorted."""
    left = {dotted(p): v for p, v in leaves(a.values)}
    right = {dotted(p): v for p, v in leaves(b.values)}
    found = []
    for path in sorted(left.keys() | right.keys()):
        x, y = left.get(path, ABSENT), right.get(path, ABSENT)
        if not same(x, y):
            found.append(FieldDifference(
                path, x, a.scope_of(path) if x is not ABSENT else None,
                y, b.scope_of(path) if y is not ABSENT else None,
            ))  # fmt: skip
    return tuple(found)


# Every scope of several targets, in one statement: one row per target, in the order given.
_READ_MANY = (
    "SELECT t.ord, coalesce(p.user_id, u.id), s.id IS NOT NULL, p.id, "
    "u.settings -> %(tool)s, p.settings -> %(tool)s, s.settings -> %(tool)s, s.name, p.name "
    "FROM unnest(%(scopes)s::text[], %(ids)s::uuid[]) WITH ORDINALITY AS t(scope, id, ord) "
    "LEFT JOIN shots s ON t.scope = 'shot' AND s.id = t.id "
    "LEFT JOIN projects p ON p.id = CASE t.scope WHEN 'shot' THEN s.project_id "
    "WHEN 'project' THEN t.id END "
    "LEFT JOIN users u ON u.id = CASE t.scope WHEN 'user' THEN t.id ELSE p.user_id END "
    "ORDER BY t.ord"
)


@dataclass(frozen=True)
class _Read:
    """One target as read: each scope's object, its name, its project and owner."""

    layers: dict[Scope, Any]
    name: str
    project: tuple[uuid.UUID, str] | None
    owner: uuid.UUID


def read_sides(
    conn: psycopg.Connection[Any],
    tool_id: str,
    targets: list[SettingsTarget],
    user_id: uuid.UUID,
) -> list[_Read]:
    """Each target's scopes (its own and the wider ones), in one round trip; a target that
    does not exist or is another user's is not found."""
    cur = conn.cursor()
    stored_json.use_for(cur)  # a value stored too deep by SQL reads cut, never crashes
    rows = cur.execute(
        _READ_MANY,
        {"tool": tool_id, "scopes": [t.scope for t in targets], "ids": [t.id for t in targets]},
    ).fetchall()
    found = []
    for target, row in zip(targets, rows, strict=True):
        _, owner, has_shot, project_id, user, project, shot, shot_name, project_name = row
        exists = {"shot": has_shot, "project": project_id is not None, "user": owner is not None}
        if not exists[target.scope] or owner != user_id:
            raise NotFoundError(f"{target} not found among the current user's")
        layers: dict[Scope, Any] = {"user": user}
        if target.scope in ("project", "shot"):
            layers["project"] = project
        if target.scope == "shot":
            layers["shot"] = shot
        name = {"shot": shot_name, "project": project_name, "user": "user"}[target.scope]
        parent = (project_id, str(project_name)) if project_id is not None else None
        found.append(_Read(layers, str(name), parent, owner))
    return found


def compare(
    conn: psycopg.Connection[Any],
    tool_id: str,
    a: SettingsTarget,
    b: SettingsTarget | None,
    user_id: uuid.UUID,
) -> SettingsDiff:
    """Compare two targets (``b`` None: ``a`` against what it inherits from) in one round
    trip."""
    if b is None:
        if a.scope == "user":
            raise ValidationError("the user's settings inherit only the defaults: name a "
                                  "second target to compare them with")  # fmt: skip
        (read,) = read_sides(conn, tool_id, [a], user_id)
        if a.scope == "shot" and read.project is not None:
            b = SettingsTarget("project", read.project[0])
            b_name = read.project[1]
        else:
            b, b_name = SettingsTarget("user", read.owner), "user"
        wider = {s: v for s, v in read.layers.items() if s != a.scope}
        sides = [(a, read.layers, read.name), (b, wider, b_name)]
    else:
        first, second = read_sides(conn, tool_id, [a, b], user_id)
        sides = [(a, first.layers, first.name), (b, second.layers, second.name)]
    left, right = (Side(t, name, resolve(tool_id, layers)) for t, layers, name in sides)
    return SettingsDiff(tool_id, left, right, differences(left.resolved, right.resolved))
