"""Reading settings JSON that another program stored, however deep it is.

The workbench refuses to *write* a value nested more than ``MAX_JSON_DEPTH`` levels
(``workbench.inputs``), but any program can store one with SQL, and PostgreSQL keeps jsonb
thousands of levels deep. Read as is, such a value breaks every reader: ``json.loads`` (what
psycopg uses) raises ``RecursionError`` near 1000 levels, and resolving settings copies and
merges values recursively, so even a few hundred levels fail there.

So settings are read through ``load``: the value as stored, except that whatever lies deeper
than ``MAX_JSON_DEPTH`` levels is shown as a marker string naming the limit. Reads never
crash, the rest of the tool's settings stay usable, and the marker says what happened (a
write of that field replaces it whole, or a reset removes it).
"""

from __future__ import annotations

import json
import re
from typing import Any

from psycopg.abc import AdaptContext
from psycopg.types.json import set_json_loads

from workbench.inputs import MAX_JSON_DEPTH

TOO_DEEP = f"… (nested more than {MAX_JSON_DEPTH} levels: not shown)"

# One JSON token: punctuation, a string, or a bare literal (number, true, false, null).
_TOKEN = re.compile(r'\s*(?:([\[\]{}:,])|("(?:[^"\\]|\\.)*")|([^\s\[\]{}:,"]+))', re.S)
_NO_KEY: Any = object()


def load(data: bytes | bytearray | memoryview | str) -> Any:
    """A stored JSON document, cut at ``MAX_JSON_DEPTH`` levels (see the module)."""
    text = data if isinstance(data, str) else bytes(data).decode("utf-8")
    try:
        value = json.loads(text)
    except RecursionError:
        return _load_iteratively(text)
    return _cut(value) if _deeper_than(value, MAX_JSON_DEPTH) else value


def use_for(context: AdaptContext) -> None:
    """Read json and jsonb through ``load`` on this cursor (or connection) only."""
    set_json_loads(load, context)


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def _cut(value: Any) -> Any:
    """A copy of ``value`` with every container at ``MAX_JSON_DEPTH`` levels replaced by the
    marker; iterative, like everything here."""
    out: list[Any] = [None]
    stack: list[tuple[Any, Any, Any, int]] = [(value, out, 0, 0)]
    while stack:
        item, parent, key, depth = stack.pop()
        if not isinstance(item, (dict, list)):
            parent[key] = item
        elif depth >= MAX_JSON_DEPTH:
            parent[key] = TOO_DEEP
        elif isinstance(item, dict):
            copy: dict[str, Any] = dict.fromkeys(item)  # keeps the keys' order
            parent[key] = copy
            stack.extend((child, copy, name, depth + 1) for name, child in item.items())
        else:
            items: list[Any] = [None] * len(item)
            parent[key] = items
            stack.extend((child, items, index, depth + 1) for index, child in enumerate(item))
    return out[0]


def _load_iteratively(text: str) -> Any:
    """Parse JSON text (PostgreSQL's own output: valid) with an explicit stack instead of
    recursion, keeping containers up to ``MAX_JSON_DEPTH`` levels and a marker below."""
    # Each open container: [the container, or None when too deep to keep; its pending key]
    stack: list[list[Any]] = []
    result: Any = None

    def add(value: Any) -> None:
        nonlocal result
        if not stack:
            result = value
            return
        top = stack[-1]
        if isinstance(top[0], list):
            top[0].append(value)
        elif isinstance(top[0], dict):
            top[0][top[1]] = value
            top[1] = _NO_KEY

    for match in _TOKEN.finditer(text):
        punct, string, literal = match.groups()
        if punct in ("[", "{"):
            if (stack and stack[-1][0] is None) or len(stack) >= MAX_JSON_DEPTH:
                stack.append([None, _NO_KEY])  # inside a cut subtree: parsed, not kept
            else:
                stack.append([[] if punct == "[" else {}, _NO_KEY])
        elif punct in ("]", "}"):
            done = stack.pop()[0]
            if done is None:
                if not stack or stack[-1][0] is not None:  # the top of a cut subtree
                    add(TOO_DEEP)
            else:
                add(done)
        elif punct is None:
            value = json.loads(string if string is not None else literal)
            top = stack[-1] if stack else None
            if top is not None and isinstance(top[0], dict) and top[1] is _NO_KEY:
                top[1] = value  # a key
            elif top is None or top[0] is not None:
                add(value)
    return result
