"""Validating a settings write before it is sent: Reigh reads whatever we store, so a typo in a
tool id or a field, or a value of the wrong type, must be refused here, not found later there.

The rules (the same for the API, the CLI, the TUI and the notebook):

- **Tool**: valid when the registry knows it (``workbench.settings.registry``) or the current
  user's data already holds it at some scope (their user row, any of their projects, any of
  their shots). Reigh adds tools over time, so an id we did not register is accepted once any
  of the user's rows has it. An unknown id is refused with the closest known ids.
- **Field**: valid when the tool's defaults or its registered ``fields`` have the dotted path,
  or some scope of the user's data stores it. Objects the registry declares without saying
  what they hold (an empty default, a registered ``"object"`` field such as ``phaseConfig``)
  accept any key below them. An *open* tool (one whose fields we do not know: ``ui``,
  ``upload``, ``join-clips``...; also any unregistered tool the user's data holds) accepts any
  field name. An unknown field is refused with the nearest known names.
- **Type**: a value must have the JSON type of the default or registered type (number, bool,
  string, list, object; a bool is not a number); for a field known only from stored data, one
  of the types stored there. ``null`` is always allowed (Reigh reads it as "set to null").
- **Choices**: values Reigh knows a field by (``generationMode`` of travel-between-images:
  batch, timeline, by-pair) are checked.
- **Resets** name a known field too (a typo would otherwise "reset" nothing, silently).
- **force** writes what these rules refuse (forward compatibility: a field or value Reigh added
  after us), and says so: a ``ForcedSettingWarning`` per problem, and the problems returned.
  It never lifts the structural checks (JSON values, size, scope, ids, ownership).

Round trips: a write to a registered, closed tool whose fields the registry knows is checked
without the database. Anything else needs what the user's data stores, read by ``stored_for_user``
in one query (a handle caches it, see ``SettingsHandle``).
"""

from __future__ import annotations

import difflib
import json
import uuid
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from workbench.errors import ValidationError
from workbench.settings.registry import (
    JsonType,
    Tool,
    get_tool,
    is_registered,
    registered_tools,
)
from workbench.settings.resolve import Path, dotted

_ARTICLES: Mapping[str, str] = {
    "number": "a number",
    "bool": "a boolean (true or false)",
    "string": "a string",
    "list": "a list",
    "object": "an object",
}
_PG_TYPES: Mapping[str, str] = {
    "number": "number",
    "boolean": "bool",
    "string": "string",
    "array": "list",
    "object": "object",
    "null": "null",
}


class SettingsRefused(ValidationError):
    """A write that validation refused (unknown tool or field, wrong type, unknown choice).

    ``problems`` says which, one per field; every one of them can be written anyway with
    ``force`` (the CLI adds that hint, since only it knows its flag's name)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    def for_path(self, path: str) -> str | None:
        """The message about ``path`` (a dotted field), if any (a front end shows it beside
        that field)."""
        return next((p.message for p in self.problems if p.path == path), None)


class ForcedSettingWarning(UserWarning):
    """A forced write stored what validation would have refused; the message says what."""


@dataclass(frozen=True)
class Problem:
    """One refusal: the dotted field path (``""`` for the tool id itself) and the message."""

    path: str
    message: str


@dataclass(frozen=True)
class Stored:
    """What the user's data stores: every tool id at any scope, and for one tool the JSON
    types found at each field path (``"null"`` included). ``complete`` is False when this was
    built from only some rows (a handle's own layers): a refusal then needs the full read."""

    tool_id: str
    tools: frozenset[str] = frozenset()
    types: Mapping[Path, frozenset[str]] = field(default_factory=dict)
    complete: bool = True

    @classmethod
    def from_objects(cls, tool_id: str, objects: Iterable[Any], *, complete: bool) -> Stored:
        """From tool objects in hand (a handle's layers, a patch just written)."""
        types: dict[Path, set[str]] = {}
        present = False
        for obj in objects:
            if not isinstance(obj, dict):
                continue
            present = True
            for path, value in _walk(obj):
                types.setdefault(path, set()).add(json_type(value) or "null")
        return cls(
            tool_id,
            frozenset({tool_id} if present else ()),
            {p: frozenset(t) for p, t in types.items()},
            complete,
        )


def _walk(obj: Mapping[str, Any], prefix: Path = ()) -> Iterable[tuple[Path, Any]]:
    """Every path of an object, objects included (their children are paths too)."""
    for key, value in obj.items():
        path = (*prefix, key)
        yield path, value
        if isinstance(value, dict):
            yield from _walk(value, path)


def json_type(value: Any) -> JsonType | None:
    """The JSON type of a value (None for null). A bool is not a number."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "object"
    raise ValidationError(f"a {type(value).__name__} is not a JSON value")


# -- the one query ---------------------------------------------------------------------------
_STORED = """
WITH RECURSIVE src AS (
    SELECT settings FROM users WHERE id = %(user)s
    UNION ALL
    SELECT settings FROM projects WHERE user_id = %(user)s
    UNION ALL
    SELECT s.settings FROM shots s JOIN projects p ON p.id = s.project_id
    WHERE p.user_id = %(user)s
),
objects AS (SELECT settings FROM src WHERE jsonb_typeof(settings) = 'object'),
walk(path, value) AS (
    SELECT ARRAY[e.key], e.value
    FROM objects o, jsonb_each(CASE WHEN jsonb_typeof(o.settings -> %(tool)s) = 'object'
                                    THEN o.settings -> %(tool)s ELSE '{}'::jsonb END) e
    UNION ALL
    SELECT w.path || e.key, e.value
    FROM walk w, jsonb_each(CASE WHEN jsonb_typeof(w.value) = 'object'
                                 THEN w.value ELSE '{}'::jsonb END) e
    WHERE cardinality(w.path) < 12
)
SELECT 'tool', ARRAY[k], NULL FROM (SELECT DISTINCT jsonb_object_keys(settings) AS k
                                    FROM objects) AS tools
UNION ALL
SELECT DISTINCT 'field', path, jsonb_typeof(value) FROM walk
"""


def stored_for_user(conn: psycopg.Connection[Any], user_id: uuid.UUID, tool_id: str) -> Stored:
    """Every tool id the user's rows hold, and every field path (with its JSON types) stored
    for ``tool_id`` at any scope of theirs: one round trip, the walk done by the server."""
    tools: set[str] = set()
    types: dict[Path, set[str]] = {}
    for kind, path, pg_type in conn.execute(_STORED, {"user": user_id, "tool": tool_id}):
        if kind == "tool":
            tools.add(path[0])
        else:
            types.setdefault(tuple(path), set()).add(_PG_TYPES.get(pg_type, "null"))
    return Stored(tool_id, frozenset(tools), {p: frozenset(t) for p, t in types.items()})


def shots_under(conn: psycopg.Connection[Any], scope: str, row_id: uuid.UUID) -> int:
    """How many shots read a value set at ``scope`` of this row (a project's shots, a user's
    shots in all their projects, or the one shot): what a reset there reaches. One query."""
    if scope == "shot":
        return 1
    if scope == "project":
        row = conn.execute("SELECT count(*) FROM shots WHERE project_id = %s", (row_id,))
    else:
        row = conn.execute(
            "SELECT count(*) FROM shots s JOIN projects p ON p.id = s.project_id "
            "WHERE p.user_id = %s",
            (row_id,),
        )
    found = row.fetchone()
    return int(found[0]) if found else 0


# -- what is known of a tool ---------------------------------------------------------------
@dataclass(frozen=True)
class _Registered:
    """What the registry says of one tool's fields (built once per registered tool)."""

    tool: Tool
    types: Mapping[Path, frozenset[str]]
    choices: Mapping[Path, tuple[Any, ...]]
    free: frozenset[Path]


_REGISTERED: dict[str, _Registered] = {}


def _registered(tool_id: str) -> _Registered:
    tool = get_tool(tool_id)
    cached = _REGISTERED.get(tool_id)
    if cached is not None and cached.tool is tool:
        return cached
    types: dict[Path, frozenset[str]] = {}
    free: set[Path] = set()
    for path, value in _walk(tool.fresh_defaults()):
        kind = json_type(value)
        types[path] = frozenset({kind}) if kind else frozenset()
        if value == {}:
            free.add(path)
    for name, kind in tool.fields.items():
        path = tuple(name.split("."))
        types[path] = frozenset({kind}) if kind else frozenset()
        if kind == "object":
            free.add(path)
    choices = {tuple(p.split(".")): v for p, v in tool.choices.items()}
    made = _Registered(tool, types, choices, frozenset(free))
    if is_registered(tool_id):  # an unregistered id gets a fresh Tool each time: not cached
        _REGISTERED[tool_id] = made
    return made


@dataclass(frozen=True)
class Known:
    """What validation knows of one tool's fields: the registry's types, choices and free
    objects, widened by what the user's data stores (several sources, looked up per path so
    that a check costs what the patch holds, not what the tool holds)."""

    tool_id: str
    open: bool
    registry: _Registered
    stored: tuple[Stored, ...] = ()

    def allowed(self, path: Path) -> frozenset[str] | None:
        """The types allowed at ``path`` (empty: any), or None for an unknown path. The
        registry's type wins: stored garbage does not license more of it."""
        if path in self.registry.types:
            return self.registry.types[path]
        found: frozenset[str] | None = None
        for source in self.stored:
            types = source.types.get(path)
            if types is not None:
                found = types if found is None else found | types
        return None if found is None else found - {"null"}  # only null stored: any type

    def choices(self, path: Path) -> tuple[Any, ...] | None:
        """The values Reigh accepts at ``path``, if it has a fixed set."""
        return self.registry.choices.get(path)

    def free(self, path: Path) -> bool:
        """Whether ``path`` lies inside an object whose keys are anything."""
        return any(path[:n] in self.registry.free for n in range(1, len(path)))

    def names(self, parent: Path) -> list[str]:
        """The known dotted paths directly below ``parent`` (the root: top-level fields)."""
        paths = set(self.registry.types)
        for source in self.stored:
            paths.update(source.types)
        return sorted(dotted(p) for p in paths if len(p) == len(parent) + 1 and p[:-1] == parent)


def known(tool_id: str, stored: Sequence[Stored] = ()) -> Known:
    """Registry knowledge of ``tool_id``, widened by what the user's data stores. A tool the
    registry does not know is open: we do not know its fields."""
    registry = _registered(tool_id)
    return Known(tool_id, registry.tool.open or not is_registered(tool_id), registry, tuple(stored))


# -- checks ----------------------------------------------------------------------------------
def _close(word: str, candidates: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(word, list(candidates), n=3, cutoff=0.6)


def _suggest(word: str, candidates: Sequence[str], what: str) -> str:
    close = _close(word, candidates)
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    if not candidates:
        return f"no {what} is known"
    shown = ", ".join(candidates[:12]) + (", ..." if len(candidates) > 12 else "")
    return f"known {what}: {shown}"


def _shown(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:39] + "…"


def tool_problem(tool_id: str, stored: Sequence[Stored] = ()) -> Problem | None:
    """A refusal of ``tool_id`` when neither the registry nor the user's data knows it."""
    if is_registered(tool_id) or any(tool_id in source.tools for source in stored):
        return None
    candidates = sorted(set(registered_tools()).union(*(source.tools for source in stored)))
    hint = _suggest(tool_id, candidates, "tools")
    return Problem("", f"unknown settings tool {tool_id!r} ({hint})")


def field_problems(
    know: Known, patch: Mapping[str, Any], removals: Iterable[Path] = (), *, suggest: bool = True
) -> list[Problem]:
    """The refusals of a patch (every field, its type and choices) and of reset paths;
    ``suggest=False`` leaves out the nearest names (a forced write needs no advice, and a
    thousand forced fields would each compare against a thousand names)."""
    problems: list[Problem] = []

    def unknown(path: Path) -> None:
        message = f"{know.tool_id} has no field {dotted(path)!r}"
        if suggest:
            message += f" ({_suggest(dotted(path), know.names(path[:-1]), 'fields here')})"
        problems.append(Problem(dotted(path), message))

    def walk(value: Any, path: Path) -> None:
        if path:
            if know.free(path):
                return
            allowed = know.allowed(path)
            if allowed is None:
                if not know.open:
                    unknown(path)
                    return
            else:
                kind = json_type(value)
                if kind is not None and allowed and kind not in allowed:
                    expected = " or ".join(_ARTICLES[t] for t in sorted(allowed))
                    problems.append(
                        Problem(
                            dotted(path),
                            f"{dotted(path)} must be {expected}, "
                            f"not {_ARTICLES[kind]} ({_shown(value)})",
                        )
                    )
                    return
                choices = know.choices(path)
                if choices is not None and value is not None and value not in choices:
                    listed = ", ".join(json.dumps(c) for c in choices)
                    close = _close(str(value), [str(c) for c in choices])
                    hint = f" (did you mean {json.dumps(close[0])}?)" if close else ""
                    problems.append(
                        Problem(
                            dotted(path),
                            f"{dotted(path)} must be one of {listed}, not {_shown(value)}{hint}",
                        )
                    )
                    return
        if isinstance(value, dict):
            for key, child in value.items():
                walk(child, (*path, key))

    walk(dict(patch), ())
    for path in removals:
        if path and not know.free(path) and know.allowed(path) is None and not know.open:
            unknown(path)
    return problems


def problems_of(
    tool_id: str,
    patch: Mapping[str, Any],
    removals: Sequence[Path],
    stored: Sequence[Stored] = (),
    *,
    suggest: bool = True,
) -> list[Problem]:
    """Every refusal of a write, given what is known to be stored (no source: nothing read)."""
    refused = tool_problem(tool_id, stored)
    if refused is not None:
        return [refused]
    return field_problems(known(tool_id, stored), patch, removals, suggest=suggest)


def needs_stored(tool_id: str) -> bool:
    """Whether checking a write to ``tool_id`` needs what the user's data stores even when
    the registry alone finds nothing wrong: an unregistered tool (does the data hold it?) and
    an open tool (its values are type-checked against what is stored)."""
    return not is_registered(tool_id) or get_tool(tool_id).open


def check_write(
    tool_id: str,
    patch: Mapping[str, Any],
    removals: Sequence[Path],
    lookup: Callable[[], Stored],
    *,
    partial: Sequence[Stored] = (),
    force: bool = False,
) -> tuple[Problem, ...]:
    """Check a write; raise ``SettingsRefused`` unless ``force`` (then warn and return the
    problems that were written anyway).

    ``partial`` is what is already in hand (a handle's layers, its edits, its cached read):
    when it settles the question ``lookup`` (the one query) is not called. For a closed
    registered tool knowledge only grows with more data, so a pass on partial knowledge is
    final; a complete source (a read of all the user's rows) settles everything."""
    problems: list[Problem] = []
    settled = False
    if partial or not needs_stored(tool_id):
        problems = problems_of(tool_id, patch, removals, partial, suggest=not force)
        complete = any(source.complete for source in partial)
        settled = complete or (not problems and not needs_stored(tool_id))
    if not settled:
        sources = (lookup(), *partial)
        problems = problems_of(tool_id, patch, removals, sources, suggest=not force)
    if problems and not force:
        raise SettingsRefused(problems)
    for problem in problems:
        warnings.warn(
            f"written anyway (force): {problem.message}", ForcedSettingWarning, stacklevel=2
        )
    return tuple(problems)
