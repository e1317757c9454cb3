"""Reading all scopes in one round trip, and writing patches atomically at the field level.

A write never reads the settings into Python and writes them back: the patch becomes one
``UPDATE ... SET settings = <expression of settings>`` that merges just the patched fields into
whatever the row holds when the UPDATE runs. PostgreSQL serialises concurrent UPDATEs of a row
and re-evaluates the expression on the newest version, so two clients editing different fields
of one tool both keep their edits. The expression uses only built-in jsonb operators: it needs
no function of ours, so it works the same on a Reigh database.

Ownership is part of the same statement (``WHERE ... AND owner = current user``), so a write to
someone else's project or shot changes nothing, and is then reported as refused.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from workbench.db.schema import SETTINGS_HISTORY_TABLE, SchemaInfo
from workbench.errors import ValidationError, echo, not_found
from workbench.inputs import check_json
from workbench.settings import stored_json
from workbench.settings.resolve import Path, leaves
from workbench.settings.scopes import WRITABLE_SCOPES, Scope

TargetScope = Literal["user", "project", "shot"]
_TOOL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")  # whole string: fullmatch
_TABLES: dict[str, str] = {"user": "users", "project": "projects", "shot": "shots"}


@dataclass(frozen=True)
class SettingsTarget:
    """Where a write goes: one settings column of one row."""

    scope: TargetScope
    id: uuid.UUID

    def __str__(self) -> str:
        return f"{self.scope} {self.id}"


@dataclass(frozen=True)
class Layers:
    """Each scope's object for one tool, and who owns the target (for the ownership check)."""

    values: dict[Scope, Any]
    owner: uuid.UUID | None
    project_id: uuid.UUID | None = None


def check_tool_id(tool_id: object) -> str:
    if not isinstance(tool_id, str) or not _TOOL_ID.fullmatch(tool_id):
        raise ValidationError(
            f"invalid tool id {echo(tool_id)}: letters, digits, '-', '_' and '.', at most 100"
        )
    return tool_id


def check_scope(scope: object) -> TargetScope:
    if scope not in WRITABLE_SCOPES:
        raise ValidationError(
            f"unknown scope {echo(scope)}: settings are written at "
            + ", ".join(repr(s) for s in WRITABLE_SCOPES)
        )
    return scope  # type: ignore[return-value]


def writable_from(target: TargetScope) -> tuple[TargetScope, ...]:
    """The scopes a view of ``target`` may write: its own and the ones below (a project's
    view writes the user's and the project's settings, never a shot's)."""
    scopes: tuple[TargetScope, ...] = ("user", "project", "shot")
    return scopes[: scopes.index(target) + 1]


def check_patch(patch: object) -> dict[str, Any]:
    """A JSON object of JSON values within the limits of ``workbench.inputs`` (depth, keys,
    size, integers JSON readers keep exactly, text PostgreSQL can store); names the first
    offending path. Checked without recursion, so a patch nested 10,000 deep is refused,
    not a ``RecursionError``."""
    if not isinstance(patch, Mapping):
        raise ValidationError(
            f"a settings patch must be an object (a dict), not {type(patch).__name__} {echo(patch)}"
        )
    check_json(patch, "patch")
    copied: dict[str, Any] = json.loads(json.dumps(patch))  # plain and private; tuples → lists
    return copied


# -- reading ---------------------------------------------------------------------------------
_READ: dict[str, str] = {
    "shot": (
        "SELECT u.settings -> %(tool)s, p.settings -> %(tool)s, s.settings -> %(tool)s, "
        "p.user_id, p.id FROM shots s JOIN projects p ON p.id = s.project_id "
        "LEFT JOIN users u ON u.id = p.user_id WHERE s.id = %(id)s"
    ),
    "project": (
        "SELECT u.settings -> %(tool)s, p.settings -> %(tool)s, NULL::jsonb, p.user_id, p.id "
        "FROM projects p LEFT JOIN users u ON u.id = p.user_id WHERE p.id = %(id)s"
    ),
    "user": (
        "SELECT u.settings -> %(tool)s, NULL::jsonb, NULL::jsonb, u.id, NULL::uuid "
        "FROM users u WHERE u.id = %(id)s"
    ),
}


def read_layers(conn: psycopg.Connection[Any], tool_id: str, target: SettingsTarget) -> Layers:
    """All scopes of one tool for a target, in one round trip."""
    cur = conn.cursor()
    stored_json.use_for(cur)  # a value stored too deep by SQL reads cut, never crashes
    row = cur.execute(_READ[target.scope], {"tool": tool_id, "id": target.id}).fetchone()
    if row is None:  # the words the service uses for another user's target: no difference
        raise not_found(target.scope, target.id)
    user, project, shot, owner, project_id = row
    return Layers({"user": user, "project": project, "shot": shot}, owner, project_id)


# -- writing ---------------------------------------------------------------------------------
_UNSET: Any = object()


@dataclass
class _Node:
    """One object level of a write: keys to drop, keys to set, and child levels to merge."""

    value: Any = _UNSET  # set this whole value (a leaf of the patch)
    fresh: bool = False  # start from {} instead of the stored object (it was reset)
    drop: set[str] = field(default_factory=set)
    children: dict[str, _Node] = field(default_factory=dict)

    def child(self, key: str) -> _Node:
        node = self.children.get(key)
        if node is None or node.value is not _UNSET:
            node = _Node(fresh=key in self.drop)
            self.children[key] = node
        return node


def _plan(patch: Mapping[str, Any], removals: Iterable[Path]) -> tuple[_Node, bool]:
    """The write as a tree; removals apply first, then the patch. Also: was the tool reset?"""
    root, whole = _Node(), False
    for path in removals:
        if not path:
            root, whole = _Node(fresh=True), True
            continue
        node = root
        for key in path[:-1]:
            node = node.child(key)
        node.drop.add(path[-1])
        node.children.pop(path[-1], None)
    for path, value in leaves(dict(patch)):
        node = root
        for key in path[:-1]:
            node = node.child(key)
        if isinstance(value, dict):  # an empty object merges: it keeps what is stored
            node.child(path[-1])
        else:
            node.children[path[-1]] = _Node(value=value)
    return root, whole


class _Params(dict[str, Any]):
    """Named server-side parameters, so no value is ever spliced into the SQL text."""

    def add(self, value: Any, cast: str) -> sql.Composable:
        name = f"p{len(self)}"
        self[name] = value
        return sql.SQL("{}::{}").format(sql.Placeholder(name), sql.SQL(cast))


def _expression(
    node: _Node, column: sql.Composable, path: list[str], params: _Params
) -> sql.Composable:
    """SQL for the new object at ``path``: stored object (or {}) minus dropped keys, || children."""
    if node.value is not _UNSET:
        return params.add(Jsonb(node.value), "jsonb")
    if node.fresh:
        result: sql.Composable = sql.SQL("'{}'::jsonb")
    else:
        result = sql.SQL(
            "(CASE WHEN jsonb_typeof({col} #> {at}) = 'object' THEN {col} #> {at2} "
            "ELSE '{{}}'::jsonb END)"
        ).format(col=column, at=params.add(path, "text[]"), at2=params.add(path, "text[]"))
    if node.drop:
        result = sql.SQL("({} - {})").format(result, params.add(sorted(node.drop), "text[]"))
    pairs = []
    for key, child in node.children.items():
        removals = _only_removals(child, (key,))
        if removals is None:
            expr = _expression(child, column, [*path, key], params)
            pairs.append(sql.SQL("{}, {}").format(params.add(key, "text"), expr))
        elif not child.fresh:  # nothing is set below: delete in place, never create parents
            for removal in removals:
                result = sql.SQL("({} #- {})").format(result, params.add(list(removal), "text[]"))
    # PostgreSQL functions take at most 100 arguments: build objects 50 pairs at a time.
    for start in range(0, len(pairs), 50):
        chunk = sql.SQL(", ").join(pairs[start : start + 50])
        result = sql.SQL("({} || jsonb_build_object({}))").format(result, chunk)
    return result


def _only_removals(node: _Node, prefix: Path) -> list[Path] | None:
    """The removal paths below ``node`` if it sets nothing, else None."""
    if node.value is not _UNSET:
        return None
    found = [(*prefix, key) for key in sorted(node.drop)]
    for key, child in node.children.items():
        below = _only_removals(child, (*prefix, key))
        if below is None:
            return None
        found += below
    return found


def update_expression(
    column: sql.Composable,
    tool_id: str,
    patch: Mapping[str, Any],
    removals: Iterable[Path],
    params: _Params,
) -> sql.Composable:
    """The new value of a settings column after ``removals`` then ``patch`` at ``tool_id``."""
    root, whole = _plan(patch, removals)
    current = sql.SQL("coalesce({}, '{{}}'::jsonb)").format(column)
    tool_key = params.add(tool_id, "text")
    if whole and not root.children:
        return sql.SQL("({} - {})").format(current, tool_key)
    tool = _expression(root, current, [tool_id], params)
    return sql.SQL("({} || jsonb_build_object({}, {}))").format(current, tool_key, tool)


@dataclass(frozen=True)
class SettingsWrite:
    """One landed write: the scope's tool object just before and just after it.

    ``before`` is read under the row lock the write takes, so no other write lands between the
    two: undo and the settings history can trust it. ``note`` says why it was made (e.g. a
    restore of a history entry); ``entry_id`` and ``at`` are its settings-history row when the
    database keeps the history (same statement as the write), else None."""

    target: SettingsTarget
    tool_id: str
    before: dict[str, Any]
    after: dict[str, Any]
    note: str | None = None
    entry_id: int | None = None
    at: datetime | None = None


def write(
    conn: psycopg.Connection[Any],
    schema: SchemaInfo,
    target: SettingsTarget,
    tool_id: str,
    *,
    user_id: uuid.UUID,
    patch: Mapping[str, Any],
    removals: Iterable[Path] = (),
    record: bool = False,
    note: str | None = None,
) -> SettingsWrite:
    """Apply removals, then the patch, in one UPDATE (one round trip) that also returns the
    tool object it replaced. With ``record``, the same statement adds the write to the
    settings history table (unless it changed nothing), so the two cannot part."""
    table = sql.Identifier(_TABLES[target.scope])
    params = _Params(id=target.id, user=user_id, tool=tool_id)
    column = sql.Identifier("t", "settings")
    new_value = update_expression(column, tool_id, patch, removals, params)
    assignments: list[sql.Composable] = [sql.SQL("settings = {}").format(new_value)]
    if target.scope == "shot" and schema.has("shots", "updated_at"):
        assignments.append(sql.SQL("updated_at = now()"))
    # The old value comes from a locking subquery: it waits for a concurrent write to the row
    # and reads its result, which is what this UPDATE then merges into.
    before = sql.SQL(
        "(SELECT id, settings -> %(tool)s AS before FROM {} WHERE id = %(id)s FOR UPDATE) AS o"
    ).format(table)
    if target.scope == "shot":
        where = sql.SQL(
            "FROM projects p, {} WHERE t.id = o.id AND p.id = t.project_id AND p.user_id = %(user)s"
        ).format(before)
    elif target.scope == "project":
        where = sql.SQL("FROM {} WHERE t.id = o.id AND t.user_id = %(user)s").format(before)
    else:
        where = sql.SQL("FROM {} WHERE t.id = o.id AND t.id = %(user)s").format(before)
    statement = sql.SQL(
        "UPDATE {} AS t SET {} {} RETURNING o.before, t.settings -> %(tool)s AS after"
    ).format(table, sql.SQL(", ").join(assignments), where)
    if record:
        params.update(scope=target.scope, note=note)
        statement = _recorded(statement)
    cur = conn.cursor()
    stored_json.use_for(cur)  # the value replaced may be one stored too deep by SQL
    row = cur.execute(statement, params).fetchone()
    if row is None:
        raise _refusal(target)
    return SettingsWrite(
        target,
        tool_id,
        row[0] if isinstance(row[0], dict) else {},
        row[1] if isinstance(row[1], dict) else {},
        note,
        *((row[2], row[3]) if record else (None, None)),
    )


def _recorded(update: sql.Composable) -> sql.Composed:
    """The UPDATE as a CTE whose result also goes into the settings history: still one
    statement, so one round trip and one transaction. A write that changed nothing (the
    same value again, a reset of what was not set) leaves no entry."""
    return sql.SQL(
        "WITH w AS ({update}), h AS ("
        "INSERT INTO {history} (user_id, scope, target_id, tool_id, before, after, note) "
        "SELECT %(user)s, %(scope)s, %(id)s, %(tool)s, w.before, w.after, %(note)s FROM w "
        "WHERE coalesce(w.before, '{{}}'::jsonb) IS DISTINCT FROM coalesce(w.after, '{{}}'::jsonb) "
        "RETURNING id, at) "
        "SELECT w.before, w.after, h.id, h.at FROM w LEFT JOIN h ON true"
    ).format(update=update, history=sql.Identifier(SETTINGS_HISTORY_TABLE))


def _refusal(target: SettingsTarget) -> Exception:
    """A missing row and another user's get the same answer (no query tells them apart)."""
    return not_found(target.scope, target.id)
