"""Resolution: defaults → user → project → shot, merged per field, with provenance.

Pure functions over plain JSON values, so the same code resolves what the database returned
and what a view shows optimistically before a write lands.

Rules (Reigh's): objects merge recursively; arrays and scalars replace whole; an explicit
``null`` overrides (the value becomes ``None``); a missing key inherits.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.errors import ValidationError, echo
from workbench.inputs import (
    MAX_JSON_DEPTH,
    MAX_KEY_LENGTH,
    MAX_SAFE_INTEGER,
    check_text,
)
from workbench.settings.registry import get_tool
from workbench.settings.scopes import SCOPES, WRITABLE_SCOPES, Scope

Path = tuple[str, ...]


def parse_path(path: object) -> Path:
    """``"a.b"`` or ``["a", "b"]`` → ``("a", "b")``. Refused: another type, an empty or blank
    segment, a segment PostgreSQL cannot store (NUL, a lone surrogate) or longer than a key
    may be, more segments than a value may be deep (``workbench.inputs``)."""
    if isinstance(path, str):
        check_text(path, "settings path", MAX_JSON_DEPTH * (MAX_KEY_LENGTH + 1))
        parts: tuple[object, ...] = tuple(path.split("."))
    elif isinstance(path, (list, tuple)):
        parts = tuple(path)
    else:
        raise ValidationError(
            f"a settings path is text ('field' or 'group.field') or a list of keys, not "
            f"{type(path).__name__} {echo(path)}"
        )
    if len(parts) > MAX_JSON_DEPTH:
        raise ValidationError(
            f"settings path {echo(path)} has {len(parts):,} levels; the limit is {MAX_JSON_DEPTH}"
        )
    if not parts or any(not isinstance(p, str) or not p.strip() for p in parts):
        raise ValidationError(f"invalid settings path {echo(path)}: use 'field' or 'group.field'")
    for part in parts:
        check_text(part, "a settings path segment", MAX_KEY_LENGTH)
    return parts  # type: ignore[return-value]  # every part was checked to be a str


def parse_value(text: str) -> Any:
    """A value as a user typed it (a value box, the command line): JSON when it parses (``65``,
    ``true``, ``["a"]``, ``"quoted"``), else the text itself, so a prompt needs no quotes.
    JSON that Python cannot even read (nested thousands deep, a number of thousands of
    digits) is a ``ValidationError``; the limits of a settings value are checked where every
    write is (``store.check_patch``), so the value boxes show those refusals like any other."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
    except RecursionError:
        raise ValidationError(
            f"value: nested more than {MAX_JSON_DEPTH} levels deep (the limit)"
        ) from None
    except ValueError:  # a number too long for Python to read (4,300+ digits)
        raise ValidationError(
            f"value: a number of thousands of digits; whole numbers are limited to "
            f"±{MAX_SAFE_INTEGER:,} (2**53 - 1)"
        ) from None


def path_patch(path: Path, value: Any) -> dict[str, Any]:
    """``("a", "b"), 1`` → ``{"a": {"b": 1}}``: one field as a patch to merge."""
    patch: Any = value
    for key in reversed(path):
        patch = {key: patch}
    return dict(patch)


def dotted(path: Path) -> str:
    return ".".join(path)


def merge(base: Any, patch: Any) -> Any:
    """``patch`` over ``base`` by the resolution rules; neither input is modified."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(patch)


def remove_path(value: dict[str, Any], path: Path) -> dict[str, Any]:
    """``value`` without the key at ``path`` (the whole object for ``()``); a copy, and a
    missing path changes nothing: resetting what is not set creates no empty parents."""
    if not path:
        return {}
    if path[0] not in value:
        return value
    copy = dict(value)
    if len(path) == 1:
        del copy[path[0]]
    elif isinstance(copy[path[0]], dict):
        copy[path[0]] = remove_path(copy[path[0]], path[1:])
    return copy


def leaves(value: Any, prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Leaf paths of a settings object: non-objects, and empty objects."""
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from leaves(child, (*prefix, key))
    elif prefix:
        yield prefix, value


def get_path(value: Any, path: Path) -> tuple[bool, Any]:
    """(found, value) at ``path``."""
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return False, None
        value = value[key]
    return True, value


def _mark(provenance: dict[Path, Scope], value: Any, scope: Scope, prefix: Path) -> None:
    """Record ``scope`` for every leaf ``value`` brings, replacing what it overrides."""
    for path in [p for p in provenance if p[: len(prefix)] == prefix or prefix[: len(p)] == p]:
        del provenance[path]  # a replaced subtree, or a scalar now replaced by an object
    for path, _ in leaves(value, prefix):
        provenance[path] = scope


def _overlay(
    values: Any, provenance: dict[Path, Scope], layer: Any, scope: Scope, prefix: Path
) -> Any:
    if isinstance(values, dict) and isinstance(layer, dict):
        merged = dict(values)
        if not layer and not values and prefix:  # an empty object is a leaf; the root is not
            provenance[prefix] = scope
        for key, child in layer.items():
            merged[key] = _overlay(values.get(key), provenance, child, scope, (*prefix, key))
            if key not in values:
                _mark(provenance, child, scope, (*prefix, key))
        return merged
    if prefix:
        _mark(provenance, layer, scope, prefix)
    return copy.deepcopy(layer)


@dataclass(frozen=True)
class ResolvedSettings:
    """A tool's effective settings for one target, and where each value came from."""

    tool_id: str
    values: dict[str, Any]
    provenance: dict[str, Scope]  # dotted leaf path -> scope that set it
    layers: dict[Scope, dict[str, Any]] = field(repr=False)  # each scope's own object

    def scope_of(self, path: str | Sequence[str]) -> Scope | None:
        """The scope a leaf came from (for an object: the highest scope among its leaves)."""
        key = dotted(parse_path(path))
        if key in self.provenance:
            return self.provenance[key]
        below = [s for p, s in self.provenance.items() if p.startswith(key + ".")]
        return max(below, key=SCOPES.index) if below else None

    def value(self, path: str | Sequence[str]) -> Any:
        return get_path(self.values, parse_path(path))[1]

    def candidates(self, path: str | Sequence[str]) -> list[tuple[Scope, Any]]:
        """Each scope that sets ``path``, lowest first, with the value it sets there."""
        parts = parse_path(path)
        found = []
        for scope in SCOPES:
            present, value = get_path(self.layers.get(scope, {}), parts)
            if present:
                found.append((scope, value))
        return found

    def overrides(self, path: str | Sequence[str]) -> list[tuple[Scope, Any]]:
        """The lower scopes that set ``path`` too, nearest first, with their values: what the
        value in effect overrides."""
        scope = self.scope_of(path)
        if scope is None:
            return []
        lower = [(s, v) for s, v in self.candidates(path) if SCOPES.index(s) < SCOPES.index(scope)]
        return lower[::-1]

    def explain(self, path: str | Sequence[str]) -> str:
        """One line: the value, its scope, and what it overrides."""
        key = dotted(parse_path(path))
        scope = self.scope_of(key)
        if scope is None:
            return f"{key} is not set at any scope"
        text = f"{key} = {json.dumps(self.value(key))} from {scope}"
        stored = dict(self.candidates(key)).get(scope)
        if stored is not None and stored != self.value(key):
            text += f" (stored {json.dumps(stored)}, read as {json.dumps(self.value(key))})"
        lower = self.overrides(key)
        if lower:
            text += " (overrides " + ", ".join(f"{s} {json.dumps(v)}" for s, v in lower) + ")"
        return text

    def __iter__(self) -> Iterator[tuple[str, Any, Scope]]:
        """(dotted path, value, scope) for every leaf, in a stable order."""
        for path in sorted(self.provenance):
            yield path, self.value(path), self.provenance[path]

    def _repr_html_(self) -> str:
        from workbench.html_repr import settings_html

        return settings_html(self)


def resolve(tool_id: str, layers: Mapping[Scope, Any]) -> ResolvedSettings:
    """Merge the scopes in order; a scope whose object is missing or not an object is skipped."""
    tool = get_tool(tool_id)
    ordered: dict[Scope, dict[str, Any]] = {"defaults": tool.fresh_defaults()}
    for scope in WRITABLE_SCOPES:
        layer = layers.get(scope)
        if isinstance(layer, dict):
            ordered[scope] = layer
    values: dict[str, Any] = {}
    provenance: dict[Path, Scope] = {}
    for scope, layer in ordered.items():
        values = _overlay(values, provenance, layer, scope, ())
    before = copy.deepcopy(values)
    if tool.normalise is not None:
        values = tool.normalise(values)
        for path, value in leaves(values):
            found, old = get_path(before, path)
            if not found or old != value:
                provenance[path] = provenance.get(path, "defaults")
    return ResolvedSettings(
        tool_id,
        values,
        {dotted(p): s for p, s in sorted(provenance.items())},
        {s: copy.deepcopy(v) for s, v in ordered.items()},
    )
