"""The structured editor of nested settings values (lists such as ``loras`` and
``pairConfigs``, objects inside them): one ``Node`` per item and field, indented, with its type
and default in words, the shape a new list item takes, and the copy of a value with one place
changed. Pure functions: ``SettingsModel`` turns each edit into one validated write, and the
TUI and the notebook draw the same lines."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from workbench.errors import ValidationError, echo
from workbench.resources import DEFAULT_STRENGTH, LORA_LISTS, LoraList
from workbench.settings.registry import get_tool
from workbench.settings.resolve import get_path, parse_path

NO_DEFAULT = "no default"
"""What the default column says of a field the registry gives no default."""
NOT_SET = "not set"
"""What a structured editor shows for a known item field the item does not have."""

NestedPath = tuple[str | int, ...]
"""A place inside a tool's settings: object keys (text) and list indexes (numbers), from the
top: ``("loras", 0, "strength")``."""

KIND_WORDS: Mapping[str, str] = {
    "number": "number",
    "bool": "true/false",
    "string": "text",
    "list": "list",
    "object": "object",
}
"""The registry's JSON types (``registry.JsonType``) as the type column says them."""

_ARTICLE: Mapping[str, str] = {
    "number": "a number",
    "integer": "a number",
    "text": "text",
    "true/false": "true or false",
    "list": "a list",
    "object": "an object",
}


def _lora_shape(lora: LoraList) -> dict[str, tuple[str, Any]]:
    """A LoRA list's entry (``workbench.resources``, reigh-operations.md §8) as an item shape:
    its required keys (text, and strength a number starting at 1.0), then its optional ones."""
    shape = {k: ("number", DEFAULT_STRENGTH) if k == "strength" else ("text", "")
             for k in lora.required}  # fmt: skip
    return {**shape, **{k: ("text", None) for k in lora.optional}}


LORA_SHAPES = frozenset((lora.tool_id, lora.field) for lora in LORA_LISTS.values())
"""The lists that hold LoRA entries (their strength is checked as Reigh's slider allows)."""

ITEM_SHAPES: Mapping[tuple[str, str], Mapping[str, tuple[str, Any]]] = {
    **{(lora.tool_id, lora.field): _lora_shape(lora) for lora in LORA_LISTS.values()},
    # project-loras keeps {id, strength} (reigh-operations.md §7, "project-level LoRA save").
    ("project-loras", "loras"): {"id": ("text", ""), "strength": ("number", DEFAULT_STRENGTH)},
}
"""The known shape of a list's items, per (tool, list path): each field's type in words and
the value a new item starts with (None: optional, a new item leaves it out)."""


def nested_place(path: object) -> NestedPath:
    """A nested place as given: ``"loras"`` (a dotted field) or a list of keys (text) and list
    indexes (whole numbers, not booleans). Anything else is a ``ValidationError``; the keys
    are checked like every settings path where they are written."""
    if isinstance(path, str):
        return parse_path(path)
    if not isinstance(path, (list, tuple)) or not path:
        raise ValidationError(
            f"a nested settings place is a field name or a list of keys and indexes "
            f"(['loras', 0, 'name']), not {type(path).__name__} {echo(path)}"
        )
    for part in path:
        if isinstance(part, bool) or not isinstance(part, (str, int)):
            raise ValidationError(
                f"a nested settings place holds keys (text) and list indexes (whole numbers), "
                f"not {type(part).__name__} {echo(part)}"
            )
    if not isinstance(path[0], str):
        raise ValidationError(f"a nested settings place starts with a field name, not {path[0]}")
    parse_path([p for p in path if isinstance(p, str)])  # each key: no NUL, not too long
    head = next((n for n, p in enumerate(path) if isinstance(p, int)), len(path))
    if any("." in str(p) for p in path[:head]):  # it would be read as two levels
        raise ValidationError(f"settings field names hold no '.': {echo(path)}")
    return tuple(path)


def nested_key(path: NestedPath) -> str:
    """``("loras", 0, "strength")`` → ``"loras[0].strength"``: how a nested place is named
    beside its refusal and in the editors."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _value_kind(value: Any, *, exact: bool = False) -> str:
    """A value's type in words; ``exact`` tells an integer from a number (a registry default
    of 61 says the field holds whole numbers; a stored 61 does not)."""
    if value is None:
        return "any"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int) and exact:
        return "integer"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "text"
    return "list" if isinstance(value, list) else "object"


def _item_shape(tool_id: str, item: NestedPath) -> Mapping[str, tuple[str, Any]]:
    """The known shape of the list item at ``item`` (empty when none is known)."""
    if len(item) < 2 or not isinstance(item[-1], int):
        return {}
    owner = item[:-1]
    if not all(isinstance(p, str) for p in owner):
        return {}
    return ITEM_SHAPES.get((tool_id, ".".join(str(p) for p in owner)), {})


def item_field(tool_id: str, path: NestedPath) -> tuple[str, Any] | None:
    """(type word, new item's value) of a field of a list item whose shape is known."""
    if len(path) < 3 or not isinstance(path[-1], str):
        return None
    return _item_shape(tool_id, path[:-1]).get(path[-1])


def field_kind(tool_id: str, path: NestedPath, value: Any = None) -> str:
    """A field's type in words ("number", "integer", "text", "true/false", "list", "object",
    "one of batch, timeline, by-pair"): the registry's choices, else its default's type, else
    its registered type, else a known item shape's, else the value's own."""
    tool = get_tool(tool_id)
    if path and all(isinstance(p, str) for p in path):
        name = ".".join(str(p) for p in path)
        choices = tool.choices.get(name)
        if choices:
            return "one of " + ", ".join(str(c) for c in choices)
        found, default = get_path(dict(tool.defaults), tuple(str(p) for p in path))
        if found and default is not None:
            return _value_kind(default, exact=True)
        registered = tool.fields.get(name)
        if registered is not None:
            return KIND_WORDS[registered]
    shaped = item_field(tool_id, path)
    if shaped is not None:
        return shaped[0]
    return _value_kind(value)


Editor = Literal["integer", "number", "bool", "choice", "text", "json"]
"""The control a field is edited with: a whole-number box, a number box, a checkbox, a
dropdown of the field's known choices, a text box holding the text itself (no JSON quotes),
or a box of JSON text (lists, objects, null, and values whose type the field does not
expect: those stay editable, and a refusal says what the field takes)."""


def field_editor(tool_id: str, path: NestedPath, value: Any) -> tuple[Editor, tuple[Any, ...]]:
    """(editor, choices) for a field holding ``value``: the registry's choices (a dropdown,
    when the value is one of them or unset), else by the value's own type refined by the
    field's (a number of an "integer" field gets a whole-number box). Decided here, so the
    notebook and the TUI offer the same control for the same field."""
    tool = get_tool(tool_id)
    name = ".".join(str(p) for p in path) if all(isinstance(p, str) for p in path) else ""
    choices = tuple(tool.choices.get(name, ()))
    if choices and (value is None or (isinstance(value, str) and value in choices)):
        return "choice", choices
    if isinstance(value, bool):
        return "bool", ()
    if isinstance(value, int) and field_kind(tool_id, path, value) == "integer":
        return "integer", ()
    if isinstance(value, (int, float)):
        return "number", ()
    if isinstance(value, str):
        return "text", ()
    return "json", ()


def field_default(tool_id: str, path: NestedPath) -> str:
    """A field's default as JSON text (the registry's, or a known item shape's starting value),
    or "no default"."""
    if path and all(isinstance(p, str) for p in path):
        found, default = get_path(dict(get_tool(tool_id).defaults), tuple(str(p) for p in path))
        if found:
            return json.dumps(default)
    shaped = item_field(tool_id, path)
    if shaped is not None and shaped[1] is not None:
        return json.dumps(shaped[1])
    return NO_DEFAULT


def _blank(like: Any) -> Any:
    """An empty value shaped like ``like`` (a new list item modelled on the last one)."""
    if isinstance(like, dict):
        return {key: _blank(value) for key, value in like.items()}
    if isinstance(like, bool):
        return False
    if isinstance(like, (int, float)):
        return 0
    if isinstance(like, str):
        return ""
    return [] if isinstance(like, list) else None


def new_item(tool_id: str, path: NestedPath, items: Sequence[Any]) -> tuple[bool, Any]:
    """(True, the item) that "add" appends to the list at ``path``: the tool's known item shape
    (a LoRA entry), else one shaped like the list's last object; (False, None) when the user
    must type the value (a list of scalars, or an empty list of unknown items)."""
    if all(isinstance(p, str) for p in path):
        shape = ITEM_SHAPES.get((tool_id, ".".join(str(p) for p in path)))
        if shape is not None:
            return True, {k: v for k, (_, v) in shape.items() if v is not None}
    if items and isinstance(items[-1], dict):
        return True, _blank(items[-1])
    return False, None


@dataclass(frozen=True)
class Node:
    """One line of the structured editor: a nested value, a list item or an object's field.

    ``path`` is its place from the tool's top (``("loras", 0, "strength")``), ``label`` what
    the line says of it ("loras", "[0]", "strength"), ``depth`` its indent; ``kind`` and
    ``default`` as in ``FieldRow``; ``index`` and ``count`` its place in the list holding it
    (None: not a list item); ``adds`` for a list: "item" when "add" makes a new item itself,
    "value" when the user types the new item's value; ``present`` is False for an optional
    field of a known item shape that the item does not have (``shown`` then says "not set";
    editing it adds it).
    """

    path: NestedPath
    label: str
    depth: int
    value: Any
    kind: str
    default: str
    index: int | None = None
    count: int = 0
    adds: Literal["item", "value"] | None = None
    present: bool = True  # False: a known item's optional field it does not have (yet)

    @property
    def key(self) -> str:
        """Its name, as refusals are keyed (``"loras[0].strength"``)."""
        return nested_key(self.path)

    @property
    def shown(self) -> str:
        """The value as JSON text, the way a user types it back ("not set" when absent)."""
        return json.dumps(self.value) if self.present else NOT_SET

    @property
    def leaf(self) -> bool:
        """Whether it holds a value typed in directly (not a list or an object)."""
        return not isinstance(self.value, (list, dict))

    @property
    def can_move_up(self) -> bool:
        """A list item with an item before it."""
        return self.index is not None and self.index > 0

    @property
    def can_move_down(self) -> bool:
        """A list item with an item after it."""
        return self.index is not None and self.index < self.count - 1


def structure(tool_id: str, path: NestedPath, value: Any) -> tuple[Node, ...]:
    """The structured editor's lines for the value at ``path``: it, then its items or fields,
    indented, depth first (pure: the TUI and the notebook draw the same lines)."""
    nodes: list[Node] = []

    def walk(place: NestedPath, value: Any, depth: int, index: int | None, count: int) -> None:
        label = f"[{place[-1]}]" if isinstance(place[-1], int) else str(place[-1])
        adds: Literal["item", "value"] | None = None
        if isinstance(value, list):
            adds = "item" if new_item(tool_id, place, value)[0] else "value"
        nodes.append(
            Node(place, label if depth else nested_key(place), depth, value,
                 field_kind(tool_id, place, value), field_default(tool_id, place), index,
                 count, adds)
        )  # fmt: skip
        if isinstance(value, list):
            for n, item in enumerate(value):
                walk((*place, n), item, depth + 1, n, len(value))
        elif isinstance(value, dict):
            for key, child in value.items():
                walk((*place, key), child, depth + 1, None, 0)
            shape = _item_shape(tool_id, place)
            for key, (kind, _) in shape.items():  # a known item's optional fields, unset
                if key not in value:
                    nodes.append(Node((*place, key), key, depth + 1, None, kind, NO_DEFAULT,
                                      present=False))  # fmt: skip

    if path:
        walk(tuple(path), value, 0, None, 0)
    return tuple(nodes)


def kind_problem(key: str, kind: str, value: Any) -> str | None:
    """Why ``value`` does not fit a field of type ``kind`` (a known item shape's), or None."""
    if value is None or kind not in _ARTICLE or kind in ("list", "object"):
        return None
    if _value_kind(value) == kind or (kind == "integer" and _value_kind(value) == "number"):
        return None
    got = _value_kind(value)
    return f"{key} must be {_ARTICLE[kind]}, not {_ARTICLE.get(got, got)} ({_short(value)})"


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:39] + "…"


def changed_at(value: Any, rest: NestedPath, change: Callable[[Any], Any], key: str) -> Any:
    """``value`` with ``change`` applied at ``rest`` below it (a copy; the input is kept). A
    missing object key at the end is added (an optional field of an item); a missing index
    or a key on the way is a ``ValidationError``."""
    if not rest:
        return change(copy.deepcopy(value))
    head, tail = rest[0], rest[1:]
    if isinstance(head, int):
        if not isinstance(value, list) or not 0 <= head < len(value):
            raise ValidationError(f"{key}: there is no item {head} here (the list changed?)")
        items = list(value)
        items[head] = changed_at(value[head], tail, change, key)
        return items
    if not isinstance(value, dict) or (head not in value and tail):
        raise ValidationError(f"{key}: there is no field {head!r} here (the value changed?)")
    fields = dict(value)
    fields[head] = changed_at(value.get(head), tail, change, key)
    return fields
