"""Settings writes are validated before anything is stored (real PostgreSQL, the demo)."""

from __future__ import annotations

import uuid
import warnings
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from workbench.client import Workbench
from workbench.errors import ValidationError
from workbench.settings.validate import ForcedSettingWarning, SettingsRefused

TRAVEL = "travel-between-images"


def ids(wb: Workbench) -> tuple[uuid.UUID, uuid.UUID]:
    project = wb.project("Neon Coastline")
    return project.id, wb.shots(project)[0].id


def snapshot(dsn: str) -> list[Any]:
    """Every settings column of every row: a refusal must leave all of them as they were."""
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT 'u', id, settings FROM users UNION ALL SELECT 'p', id, settings FROM projects "
            "UNION ALL SELECT 's', id, settings FROM shots ORDER BY 1, 2"
        ).fetchall()


def stored(dsn: str, table: str, row_id: uuid.UUID, tool: str = TRAVEL) -> Any:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            f"SELECT settings -> %s FROM {table} WHERE id = %s", (tool, row_id)
        ).fetchone()
    return row[0] if row else None


REFUSED: list[tuple[str, dict[str, Any], list[str]]] = [
    # tool, patch, words the message must hold
    (
        "travel-betwen-images",
        {"amountOfMotion": 70},
        ["unknown settings tool 'travel-betwen-images'", "did you mean 'travel-between-images'"],
    ),
    (
        TRAVEL,
        {"amountOfMotoin": 70},
        ["has no field 'amountOfMotoin'", "did you mean 'amountOfMotion'"],
    ),
    (
        TRAVEL,
        {"amountOfMotion": "lots"},
        ["amountOfMotion must be a number", 'not a string ("lots")'],
    ),
    (TRAVEL, {"amountOfMotion": True}, ["amountOfMotion must be a number", "not a boolean"]),
    (TRAVEL, {"enhancePrompt": 1}, ["enhancePrompt must be a boolean", "not a number (1)"]),
    (TRAVEL, {"loras": {}}, ["loras must be a list", "not an object"]),
    (TRAVEL, {"prompt": ["a"]}, ["prompt must be a string", "not a list"]),
    (
        TRAVEL,
        {"generationMode": "sideways"},
        ['generationMode must be one of "batch", "timeline", "by-pair"', 'not "sideways"'],
    ),
    (TRAVEL, {"generationMode": "batches"}, ['did you mean "batch"']),
    ("image-generation", {"imagesPerPrompt": "2"}, ["imagesPerPrompt must be a number"]),
    ("ui", {"paneLocks": 3}, ["paneLocks must be an object", "not a number (3)"]),  # open tool
]


@pytest.mark.parametrize(("tool", "patch", "words"), REFUSED)
def test_refused_writes_name_the_problem_and_store_nothing(
    demo_wb: Workbench, demo_dsn: str, tool: str, patch: dict[str, Any], words: list[str]
) -> None:
    project_id, shot_id = ids(demo_wb)
    before = snapshot(demo_dsn)
    for scope, target in (("project", project_id), ("shot", shot_id), ("user", demo_wb.user_id)):
        with pytest.raises(ValidationError) as info:
            demo_wb.update_settings(scope, target, tool, patch)
        for word in words:
            assert word in str(info.value)
    handle = demo_wb.settings_handle(tool, shot_id=shot_id)
    with pytest.raises(SettingsRefused):
        handle.update(patch)
    assert not handle.dirty  # nothing queued
    assert handle.flush(5)
    assert snapshot(demo_dsn) == before


ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    (TRAVEL, {"amountOfMotion": 70.5}),
    (TRAVEL, {"amountOfMotion": None}),  # null is allowed, as Reigh allows it
    (TRAVEL, {"generationMode": "by-pair", "loras": [{"id": "x"}], "prompt": "dusk"}),
    (TRAVEL, {"phaseConfig": {"steps": [1, 2], "anything": {"deep": True}}}),  # declared object
    (TRAVEL, {"guidanceScale": 5}),  # a field Reigh writes, without a default of ours
    ("ui", {"brandNew": {"x": 1}}),  # open tool: any field name
    ("ui", {"paneLocks": {"gens": True}}),
    ("project-loras", {"loras": [{"id": "l1", "strength": 1}]}),
]


@pytest.mark.parametrize(("tool", "patch"), ACCEPTED)
def test_valid_writes_are_stored(
    demo_wb: Workbench, demo_dsn: str, tool: str, patch: dict[str, Any]
) -> None:
    project_id, _ = ids(demo_wb)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning for a valid write
        result = demo_wb.update_settings("project", project_id, tool, patch)
    for key, value in patch.items():
        assert result[key] == value or isinstance(value, dict)
    assert stored(demo_dsn, "projects", project_id, tool) == result


def test_a_tool_or_field_already_in_the_users_data_is_valid(
    demo_wb: Workbench, demo_dsn: str
) -> None:
    """Reigh adds tools and fields over time: whatever any row of the user stores is valid,
    with the type it is stored with; another user's data counts for nothing."""
    project_id, shot_id = ids(demo_wb)
    other_project = demo_wb.projects()[1]
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        conn.execute(
            "UPDATE shots SET settings = settings || %s WHERE id = %s",
            (Jsonb({"new-tool": {"speed": 3}, TRAVEL: {"futureKnob": 1}}), shot_id),
        )
        row = conn.execute("INSERT INTO users (name) VALUES ('other') RETURNING id").fetchone()
        assert row is not None
        conn.execute(
            "INSERT INTO projects (name, user_id, settings) VALUES ('theirs', %s, %s)",
            (row[0], Jsonb({"their-tool": {"a": 1}, TRAVEL: {"theirKnob": 1}})),
        )
    # stored in a shot of another project of the same user: valid everywhere for this user
    assert demo_wb.update_settings("project", other_project.id, "new-tool", {"speed": 4}) == {
        "speed": 4
    }
    demo_wb.update_settings("project", other_project.id, TRAVEL, {"futureKnob": 2})
    with pytest.raises(ValidationError, match="speed must be a number"):
        demo_wb.update_settings("project", project_id, "new-tool", {"speed": "fast"})
    # a tool we did not register is open (we do not know its fields): new names are fine
    assert demo_wb.update_settings("project", project_id, "new-tool", {"sped": 1}) == {"sped": 1}
    with pytest.raises(ValidationError, match="unknown settings tool 'their-tool'"):
        demo_wb.update_settings("project", project_id, "their-tool", {"a": 2})
    with pytest.raises(ValidationError, match="has no field 'theirKnob'"):
        demo_wb.update_settings("project", project_id, TRAVEL, {"theirKnob": 2})


def test_force_writes_anyway_and_says_so(demo_wb: Workbench, demo_dsn: str) -> None:
    project_id, shot_id = ids(demo_wb)
    with pytest.warns(ForcedSettingWarning, match="written anyway.*amountOfMotoin"):
        result = demo_wb.update_settings(
            "project", project_id, TRAVEL, {"amountOfMotoin": 70}, force=True
        )
    assert result["amountOfMotoin"] == 70
    assert stored(demo_dsn, "projects", project_id)["amountOfMotoin"] == 70
    # stored now, so it is valid from here on, with the type it was stored with
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        demo_wb.update_settings("shot", shot_id, TRAVEL, {"amountOfMotoin": 71})
    with pytest.warns(ForcedSettingWarning, match="unknown settings tool 'future-tool'"):
        demo_wb.update_settings("project", project_id, "future-tool", {"x": 1}, force=True)
    assert stored(demo_dsn, "projects", project_id, "future-tool") == {"x": 1}
    with pytest.warns(ForcedSettingWarning, match="generationMode must be one of"):
        demo_wb.update_settings("project", project_id, TRAVEL, {"generationMode": "x"}, force=True)
    handle = demo_wb.settings_handle(TRAVEL, project_id=project_id)
    with pytest.warns(ForcedSettingWarning, match="brandNewKnob"):
        handle.set("brandNewKnob", 1, force=True)
    assert handle.flush(5)
    assert stored(demo_dsn, "projects", project_id)["brandNewKnob"] == 1


def test_resets_name_known_fields(demo_wb: Workbench, demo_dsn: str) -> None:
    project_id, _ = ids(demo_wb)
    before = snapshot(demo_dsn)
    with pytest.raises(ValidationError, match="did you mean 'amountOfMotion'"):
        demo_wb.reset_setting("project", project_id, TRAVEL, "amountOfMotoin")
    with pytest.raises(ValidationError, match="did you mean 'travel-between-images'"):
        demo_wb.reset_setting("project", project_id, "travel-betwen-images")
    assert snapshot(demo_dsn) == before
    assert "amountOfMotion" not in demo_wb.reset_setting(
        "project", project_id, TRAVEL, "amountOfMotion"
    )


def test_the_handle_reads_what_is_stored_once(demo_wb: Workbench, demo_dsn: str) -> None:
    """Known fields come from the registry and the handle's layers; the user's other rows are
    read at most once per handle (and not at all for a registered field)."""
    _, shot_id = ids(demo_wb)
    handle = demo_wb.settings_handle(TRAVEL, shot_id=shot_id)
    calls: list[str] = []
    service = demo_wb.settings_service
    real = service.stored_fields

    def counted(tool_id: str) -> Any:
        calls.append(tool_id)
        return real(tool_id)

    service.stored_fields = counted  # type: ignore[method-assign]
    try:
        handle.set("amountOfMotion", 1)
        handle.set("pairConfigs", [])
        assert calls == []  # registry fields: no round trip
        for n in range(3):
            with pytest.raises(SettingsRefused):
                handle.set("nope", n)
        assert len(calls) == 1  # read once, kept for the handle's life
        with pytest.warns(ForcedSettingWarning):
            handle.set("fresh", 1, force=True)
        handle.set("fresh", 2)  # known now: what the handle wrote counts
        assert len(calls) == 1
    finally:
        del service.stored_fields
    assert handle.flush(5)
    assert stored(demo_dsn, "shots", shot_id)["fresh"] == 2
