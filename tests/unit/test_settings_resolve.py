"""Resolution rules, table-driven: defaults → user → project → shot, with provenance."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.errors import ValidationError
from workbench.settings import register_tool, resolve
from workbench.settings.resolve import parse_path

TOOL = "test-tool"
register_tool(TOOL, {"a": 1, "obj": {"x": 1, "y": {"deep": True}}, "list": [1, 2], "n": None})

CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, str]]] = [
    # (name, layers, expected subset of values, expected subset of provenance)
    ("missing key inherits", {"user": {}, "project": {}, "shot": {}}, {"a": 1}, {"a": "defaults"}),
    ("scalar replaces", {"project": {"a": 2}, "shot": {"a": 3}}, {"a": 3}, {"a": "shot"}),
    (
        "lower scope shows when higher is silent",
        {"user": {"a": 5}, "shot": {}},
        {"a": 5},
        {"a": "user"},
    ),
    (
        "objects merge per field",
        {"project": {"obj": {"x": 9}}},
        {"obj": {"x": 9, "y": {"deep": True}}},
        {"obj.x": "project", "obj.y.deep": "defaults"},
    ),
    (
        "deep nesting merges at every level",
        {
            "user": {"obj": {"y": {"k1": 1}}},
            "project": {"obj": {"y": {"k2": {"z": 2}}}},
            "shot": {"obj": {"y": {"k2": {"w": 3}}}},
        },
        {"obj": {"x": 1, "y": {"deep": True, "k1": 1, "k2": {"z": 2, "w": 3}}}},
        {"obj.y.k1": "user", "obj.y.k2.z": "project", "obj.y.k2.w": "shot", "obj.x": "defaults"},
    ),
    (
        "arrays replace whole",
        {"user": {"list": [3]}, "shot": {"list": [4, 5, 6]}},
        {"list": [4, 5, 6]},
        {"list": "shot"},
    ),
    ("an empty array is a value", {"shot": {"list": []}}, {"list": []}, {"list": "shot"}),
    ("explicit null overrides", {"project": {"a": None}}, {"a": None}, {"a": "project"}),
    ("null replaces a whole object", {"shot": {"obj": None}}, {"obj": None}, {"obj": "shot"}),
    (
        "object replaces null",
        {"user": {"obj": None}, "project": {"obj": {"z": 1}}},
        {"obj": {"z": 1}},
        {"obj.z": "project"},
    ),
    (
        "object replaces scalar",
        {"project": {"a": {"nested": 1}}},
        {"a": {"nested": 1}},
        {"a.nested": "project"},
    ),
    ("scalar replaces object", {"shot": {"obj": 7}}, {"obj": 7}, {"obj": "shot"}),
    (
        "an empty object changes nothing",
        {"shot": {"obj": {}}},
        {"obj": {"x": 1, "y": {"deep": True}}},
        {"obj.x": "defaults"},
    ),
    (
        "new keys at any scope",
        {"user": {"u": 1}, "shot": {"s": {"t": 2}}},
        {"u": 1, "s": {"t": 2}},
        {"u": "user", "s.t": "shot"},
    ),
    (
        "a missing scope object is skipped",
        {"user": None, "project": "junk", "shot": {"a": 4}},
        {"a": 4},
        {"a": "shot", "list": "defaults"},
    ),
]


@pytest.mark.parametrize(
    ("name", "layers", "values", "provenance"), CASES, ids=[c[0] for c in CASES]
)
def test_resolution(
    name: str, layers: dict[str, Any], values: dict[str, Any], provenance: dict[str, str]
) -> None:
    resolved = resolve(TOOL, layers)
    for key, value in values.items():
        assert resolved.values[key] == value, name
    for path, scope in provenance.items():
        assert resolved.provenance[path] == scope, (name, resolved.provenance)
    # Every leaf of the values has exactly one provenance entry, and nothing else does.
    assert set(resolved.provenance) == {path for path, _, _ in resolved}


def test_resolution_never_modifies_its_inputs() -> None:
    layers = {"project": {"obj": {"x": 2}}, "shot": {"list": [9]}}
    snapshot = repr(layers)
    resolved = resolve(TOOL, layers)
    resolved.values["obj"]["x"] = 100
    resolved.values["list"].append(1)
    assert repr(layers) == snapshot
    assert resolve(TOOL, layers).values["obj"]["x"] == 2


def test_explain_and_candidates() -> None:
    resolved = resolve(TOOL, {"user": {"a": 2}, "project": {"a": 3}, "shot": {}})
    assert resolved.candidates("a") == [("defaults", 1), ("user", 2), ("project", 3)]
    assert resolved.explain("a") == "a = 3 from project (overrides user 2, defaults 1)"
    assert resolved.explain("nope") == "nope is not set at any scope"
    assert resolved.overrides("a") == [("user", 2), ("defaults", 1)]  # nearest first
    assert resolved.overrides("nope") == []
    assert resolved.scope_of("obj") == "defaults"
    assert resolved.value(["obj", "y", "deep"]) is True


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("batch", "batch"),
        ("timeline", "timeline"),
        ("by-pair", "by-pair"),
        ("bogus", "timeline"),
        (None, "timeline"),
        (3, "timeline"),
    ],
)
def test_travel_generation_mode_normalisation(stored: Any, expected: str) -> None:
    resolved = resolve("travel-between-images", {"shot": {"generationMode": stored}})
    assert resolved.values["generationMode"] == expected
    assert resolved.provenance["generationMode"] == "shot"
    if stored == "bogus":
        assert '(stored "bogus", read as "timeline")' in resolved.explain("generationMode")


def test_registered_defaults_for_the_demo_tools() -> None:
    travel = resolve("travel-between-images", {}).values
    assert travel["batchVideoFrames"] == 61
    assert travel["loras"] == []
    image = resolve("image-generation", {}).values
    assert image["promptMode"] == "automated"


def test_unknown_tool_has_no_defaults() -> None:
    resolved = resolve("edit-video", {"project": {"q": 1}})
    assert resolved.values == {"q": 1}


@pytest.mark.parametrize("bad", ["", "a..b", ".a", [], ["a", ""], ["a", 3]])
def test_bad_paths(bad: Any) -> None:
    with pytest.raises(ValidationError, match="invalid settings path"):
        parse_path(bad)
