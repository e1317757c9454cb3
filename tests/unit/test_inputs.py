"""The input limits (``workbench.inputs``) and the depth-safe reading of stored settings
(``workbench.settings.stored_json``): every refusal a ``ValidationError`` naming the argument,
never a ``RecursionError``, ``ValueError`` or ``UnicodeEncodeError``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from workbench.errors import ValidationError
from workbench.inputs import (
    MAX_JSON_BYTES,
    MAX_JSON_DEPTH,
    MAX_JSON_KEYS,
    MAX_KEY_LENGTH,
    MAX_SAFE_INTEGER,
    check_int,
    check_json,
    check_text,
)
from workbench.settings.resolve import parse_path, parse_value
from workbench.settings.store import check_patch, check_tool_id
from workbench.settings.stored_json import TOO_DEEP, load


def short_id(value: object) -> str:
    """A test id that a 1 MB string or a 5,000-digit number does not turn into a crash."""
    if isinstance(value, str):
        return value[:20].encode("ascii", "backslashreplace").decode()
    return type(value).__name__


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("a\x00b", ["name", "NUL"]),
        ("caf\udcc3", ["name", "\\udcc3", "UTF-8"]),
        ("x" * 201, ["name", "limited to 200", "201"]),
        (5, ["name must be text", "int"]),
        (None, ["name must be text"]),
    ],
    ids=short_id,
)
def test_check_text_refuses_what_postgres_cannot_store(value: object, words: list[str]) -> None:
    with pytest.raises(ValidationError) as info:
        check_text(value, "name", 200)
    for word in words:
        assert word in str(info.value)


def test_check_text_passes_text_and_refuses_blank_only_when_asked() -> None:
    assert check_text("Île de nuit ✨", "name", 200) == "Île de nuit ✨"
    assert check_text("  ", "name", 200) == "  "
    with pytest.raises(ValidationError, match="must not be empty"):
        check_text("  ", "name", 200, empty=False)


def test_a_huge_value_is_echoed_cut() -> None:
    with pytest.raises(ValidationError) as info:
        check_text("x" * 1_000_000, "name", 200)
    assert len(str(info.value)) < 300


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (True, ["whole number", "True"]),
        ("5", ["whole number"]),
        (0, ["at least 1"]),
        (10**30, ["at most 100"]),
        (10**5000, ["at most 100", "digits"]),
    ],
    ids=short_id,
)
def test_check_int(value: object, words: list[str]) -> None:
    with pytest.raises(ValidationError) as info:
        check_int(value, "page", minimum=1, maximum=100)
    for word in ["page", *words]:
        assert word in str(info.value)
    assert len(str(info.value)) < 200


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (nested(MAX_JSON_DEPTH + 1), ["patch.a.a", f"more than {MAX_JSON_DEPTH} levels"]),
        (nested(108), ["more than 32 levels"]),
        (nested(100_000), ["more than 32 levels"]),  # no RecursionError, however deep
        ({"a": 10**5000}, ["patch.a", "digits", "2**53"]),
        ({"a": MAX_SAFE_INTEGER + 1}, ["patch.a", "2**53"]),
        ({"a": [1, float("inf")]}, ["patch.a[1]", "not a JSON number"]),
        ({"a": "x\x00"}, ["patch.a", "NUL"]),
        ({"a\x00": 1}, ["patch: key", "NUL"]),
        ({"a": {"\udcff": 1}}, ["patch.a: key", "\\udcff"]),
        ({"a": ["\ud800"]}, ["patch.a[0]", "\\ud800"]),
        ({"": 1}, ["keys must be non-empty strings"]),
        ({3: 1}, ["keys must be non-empty strings", "3"]),
        ({"k" * (MAX_KEY_LENGTH + 1): 1}, ["a key of 201 characters"]),
        ({"a": {1, 2}}, ["patch.a", "a set is not a JSON value"]),
        ({"a": "x" * MAX_JSON_BYTES}, [f"{MAX_JSON_BYTES:,} byte"]),
        ({"a": ["x" * 1000] * 1100}, [f"over {MAX_JSON_BYTES:,} bytes"]),
        ({"a": [0] * (MAX_JSON_KEYS + 1)}, [f"more than {MAX_JSON_KEYS:,} keys"]),
    ],
    ids=short_id,
)
def test_check_json_refusals_name_the_place(value: object, words: list[str]) -> None:
    with pytest.raises(ValidationError) as info:
        check_json(value, "patch")
    for word in words:
        assert word in str(info.value)
    assert len(str(info.value)) < 400


def test_check_json_accepts_what_settings_hold() -> None:
    value = {
        "a": [1, 2.5, None, True, "é"],
        "b": nested(MAX_JSON_DEPTH - 1),
        "c": -MAX_SAFE_INTEGER,
    }
    check_json(value, "patch")  # no error
    assert check_patch(value) == value


@pytest.mark.parametrize(
    "patch",
    [nested(108), nested(5000), {"a": 10**5000}, {"a": "\x00"}, {"\udcff": 1}],
    ids=short_id,
)
def test_check_patch_refuses_with_validation_error(patch: object) -> None:
    with pytest.raises(ValidationError):
        check_patch(patch)


@pytest.mark.parametrize(
    ("path", "words"),
    [
        (5, ["settings path", "int"]),
        (None, ["settings path", "NoneType"]),
        ("a.\x00", ["NUL"]),
        ("a.\udcff", ["\\udcff"]),
        (["a", 3], ["invalid settings path"]),
        ("a." * 40 + "b", ["41 levels", "limit is 32"]),
        ("k" * (MAX_KEY_LENGTH + 1), ["limited to 200"]),
        ("x" * 1_000_000, ["limited to"]),
    ],
    ids=short_id,
)
def test_parse_path_refusals(path: object, words: list[str]) -> None:
    with pytest.raises(ValidationError) as info:
        parse_path(path)
    for word in words:
        assert word in str(info.value)
    assert len(str(info.value)) < 300


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * 300 + "]" * 300, ["more than 32 levels"]),
        ("[" * 100_000 + "]" * 100_000, ["more than 32 levels"]),
        ("1" * 5000, ["whole numbers are limited"]),
        ("NaN", ["not a JSON number"]),
        ('"a\\u0000b"', ["NUL"]),
        ("caf\udcc3", ["patch.value", "\\udcc3"]),
    ],
    ids=short_id,
)
def test_typed_values_are_refused_by_the_read_or_the_write_check(
    text: str, words: list[str]
) -> None:
    """What a value box or the CLI reads: JSON Python cannot read is refused by
    ``parse_value``, anything else over the limits by the check every write makes."""
    with pytest.raises(ValidationError) as info:
        check_patch({"value": parse_value(text)})
    for word in words:
        assert word in str(info.value)


def test_parse_value_still_reads_json_and_plain_text() -> None:
    assert parse_value("65") == 65
    assert parse_value('["a"]') == ["a"]
    assert parse_value("a prompt, no quotes") == "a prompt, no quotes"


def test_a_huge_tool_id_is_echoed_cut() -> None:
    with pytest.raises(ValidationError) as info:
        check_tool_id("x" * 1_000_000)
    assert len(str(info.value)) < 300


# -- reading what SQL stored -----------------------------------------------------------------
def depth_of(value: Any) -> tuple[int, Any]:
    depth = 0
    while isinstance(value, dict):
        value = value["a"]
        depth += 1
    return depth, value


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 900, 5000])
def test_a_stored_value_too_deep_reads_cut_at_the_limit(depth: int) -> None:
    text = json.dumps({"x": 1}) if depth == 0 else '{"a":' * depth + "1" + "}" * depth
    value = load(text.encode())
    assert depth_of(value) == (MAX_JSON_DEPTH, TOO_DEEP)


def test_stored_values_within_the_limit_read_unchanged() -> None:
    value = {"a": [1, {"b": 'q"uote\\'}], "c": None, "d": nested(MAX_JSON_DEPTH - 1), "é": 2.5}
    assert load(json.dumps(value).encode()) == value


def test_the_iterative_reader_keeps_siblings_of_a_cut_subtree() -> None:
    deep = '{"a":' * 2000 + "1" + "}" * 2000
    value = load(f'{{"keep": [1, "x", {{"y": true}}], "deep": {deep}, "after": null}}')
    assert value["keep"] == [1, "x", {"y": True}]
    assert value["after"] is None
    assert depth_of(value["deep"]) == (MAX_JSON_DEPTH - 1, TOO_DEEP)
