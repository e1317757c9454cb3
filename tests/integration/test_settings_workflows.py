"""Copy settings, reset to inherited, promote to project, through the API on the demo: the plan
(what changes in the destination's resolved values, with scopes), validation, the guard
against a change landing after the plan was shown, the statements sent, and undo (one undo
for a promotion's two writes)."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb
from stored_settings import stored_tool as stored
from test_undo import counting_statements

from workbench.client import Workbench
from workbench.errors import ConflictError, NotFoundError, ValidationError
from workbench.settings.store import SettingsTarget
from workbench.settings.workflows import ABSENT, PlannedChange

TRAVEL = "travel-between-images"
PROJECT = "Neon Coastline"


def all_settings(dsn: str) -> list[Any]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(
            "SELECT 'u', id, settings FROM users UNION ALL SELECT 'p', id, settings FROM projects "
            "UNION ALL SELECT 's', id, settings FROM shots ORDER BY 1, 2"
        ).fetchall()


def their_shot(dsn: str) -> uuid.UUID:
    """Another user's project and shot (made with SQL, as another client would)."""
    user, project, shot = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO users (id, name, email) VALUES (%s, 'them', 'them@x.org')",
                     (user,))  # fmt: skip
        conn.execute("INSERT INTO projects (id, name, user_id) VALUES (%s, 'Theirs', %s)",
                     (project, user))  # fmt: skip
        conn.execute(
            "INSERT INTO shots (id, name, project_id, settings) VALUES (%s, 'Theirs', %s, %s)",
            (shot, project, Jsonb({TRAVEL: {"batchVideoSteps": 30}})),
        )
    return shot


def test_copy_is_planned_validated_guarded_and_undone(
    demo_wb: Workbench, demo_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    wb = demo_wb
    harbour = wb.find(PROJECT, "Harbour Lights").shot  # batch, 6 steps, one pair config
    market = wb.find(PROJECT, "Night Market").shot  # no travel settings of its own
    cliff = wb.find(PROJECT, "Cliff Road").shot  # by-pair, 8 steps
    assert harbour
    assert market
    assert cliff
    pairs = stored(demo_dsn, "shots", harbour.id)["pairConfigs"]
    wb.update_settings("shot", market.id, TRAVEL, {"amountOfMotion": 12})  # kept by a copy

    with counting_statements(monkeypatch) as sent:
        plan = wb.plan_copy_settings(TRAVEL, harbour, {"shot_id": str(market.id)})
    assert len(sent) == 1, sent  # both sides, every scope, in one statement
    assert (plan.action, plan.tool_id, len(plan)) == ("copy", TRAVEL, 3)
    assert plan.target == SettingsTarget("shot", market.id)
    assert plan.source == SettingsTarget("shot", harbour.id)
    assert plan.summary == (
        "copy 3 fields of travel-between-images from shot 'Harbour Lights' to shot 'Night Market'"
    )
    assert plan.changes[0] == PlannedChange("batchVideoSteps", 6, "defaults", 6, "shot")
    assert plan.lines() == [
        "batchVideoSteps: 6 (defaults) → 6 (shot)",  # same value, now pinned at the shot
        'generationMode: "timeline" (defaults) → "batch" (shot)',
        f"pairConfigs: [] (defaults) → {plan.changes[2].line().split('→ ')[1]}",
    ]
    assert plan.changes[2].after == pairs
    assert plan.to_json()["changes"][1] == {
        "field": "generationMode",
        "before": {"value": "timeline", "scope": "defaults"},
        "after": {"value": "batch", "scope": "shot"},
    }
    new_field = PlannedChange("phaseConfig.flow", ABSENT, None, 2, "shot")  # not set before
    assert new_field.line() == "phaseConfig.flow: not set → 2 (shot)"
    assert new_field.to_json()["before"] == {"scope": None}  # absent is not null
    assert plan.to_json()["source"] == {"scope": "shot", "id": str(harbour.id),
                                        "name": "Harbour Lights"}  # fmt: skip
    assert stored(demo_dsn, "shots", market.id) == {"amountOfMotion": 12}  # a plan writes nothing

    # A write lands after the plan was shown: the plan is refused and nothing is written.
    wb.update_settings("shot", market.id, TRAVEL, {"enhancePrompt": False})
    with pytest.raises(ConflictError, match="shot 'Night Market' changed since the plan was "
                       "shown; look again"):  # fmt: skip
        wb.copy_settings(TRAVEL, harbour, market, plan=plan)
    assert stored(demo_dsn, "shots", market.id) == {"amountOfMotion": 12, "enhancePrompt": False}
    with pytest.raises(ValidationError, match="other arguments"):
        wb.copy_settings(TRAVEL, cliff, market, plan=plan)

    changes = len(wb.history())
    plan = wb.plan_copy_settings(TRAVEL, harbour, market)
    with counting_statements(monkeypatch) as sent:
        done = wb.copy_settings(TRAVEL, harbour, market, plan=plan)
    assert len(sent) == 1, sent
    assert "UPDATE" in sent[0]  # with its history row, in the same statement
    assert done is plan
    assert stored(demo_dsn, "shots", market.id) == {
        "amountOfMotion": 12, "enhancePrompt": False,  # the destination's own overrides stay
        "generationMode": "batch", "batchVideoSteps": 6, "pairConfigs": pairs,
    }  # fmt: skip
    assert len(wb.history()) == changes + 1
    assert wb.history()[0].kind == "settings"
    again = wb.copy_settings(TRAVEL, harbour, market)  # nothing left to change: no write
    assert len(again) == 0
    assert again.summary == (
        "nothing to change: shot 'Night Market' already has the 3 fields of "
        "travel-between-images of shot 'Harbour Lights'"
    )
    assert len(wb.history()) == changes + 1
    wb.undo()
    assert stored(demo_dsn, "shots", market.id) == {"amountOfMotion": 12, "enhancePrompt": False}

    # Chosen fields (dotted paths), without a plan: planned and written at once.
    done = wb.copy_settings(TRAVEL, cliff, market, fields=["batchVideoSteps"])
    assert done.lines() == ["batchVideoSteps: 6 (defaults) → 8 (shot)"]
    assert stored(demo_dsn, "shots", market.id)["batchVideoSteps"] == 8
    assert "generationMode" not in stored(demo_dsn, "shots", market.id)

    # Project to project.
    neon, paper = wb.project(PROJECT), wb.project("Paper Garden")
    plan = wb.plan_copy_settings(TRAVEL, neon, paper, fields="prompt")
    assert plan.lines() == ['prompt: "papercraft, soft light" (project) → "cinematic, anamorphic" '
                            "(project)"]  # fmt: skip
    plan = wb.copy_settings(TRAVEL, neon, paper, fields="prompt", plan=plan)
    assert stored(demo_dsn, "projects", paper.id)["prompt"] == "cinematic, anamorphic"

    # Refusals change nothing.
    theirs = their_shot(demo_dsn)
    with psycopg.connect(demo_dsn, autocommit=True) as conn:  # a value Reigh would not take
        conn.execute(
            "UPDATE shots SET settings = jsonb_set(settings, %s, '\"warp\"') WHERE id = %s",
            ([TRAVEL, "generationMode"], cliff.id),
        )
    before = all_settings(demo_dsn)
    lighthouse = wb.find(PROJECT, "Lighthouse").shot  # no travel settings of its own
    refusals: list[tuple[Any, type[Exception], str]] = [
        (lambda: wb.copy_settings(TRAVEL, lighthouse, market), ValidationError,
         "^Source shot has no settings: shot 'Lighthouse'"),
        (lambda: wb.copy_settings("join-clips", neon, paper), ValidationError,
         "^Source project has no settings"),
        (lambda: wb.copy_settings(TRAVEL, harbour, market, fields=["amountOfMotion"]),
         ValidationError, "no settings for amountOfMotion"),
        (lambda: wb.copy_settings(TRAVEL, harbour, neon), ValidationError,
         "not from a shot to a project"),
        (lambda: wb.copy_settings(TRAVEL, harbour, harbour), ValidationError, "same shot"),
        (lambda: wb.copy_settings(TRAVEL, "user", market), ValidationError, "copy from"),
        (lambda: wb.copy_settings(TRAVEL, cliff, market), ValidationError, "warp"),
        (lambda: wb.copy_settings(TRAVEL, harbour, market, fields=[]), ValidationError,
         "at least one field"),
        (lambda: wb.copy_settings(TRAVEL, harbour, market, fields=["a\x00b"]), ValidationError,
         "NUL"),
        (lambda: wb.copy_settings(TRAVEL, harbour, market, plan="yes"), ValidationError,
         "SettingsPlan"),
        (lambda: wb.copy_settings(TRAVEL, {"shot_id": theirs}, market), NotFoundError,
         "not found among the current user's"),
        (lambda: wb.plan_copy_settings(TRAVEL, harbour, {"shot_id": theirs}), NotFoundError,
         "not found among the current user's"),
    ]  # fmt: skip
    for attempt, error, words in refusals:
        with pytest.raises(error, match=words):
            attempt()
    assert all_settings(demo_dsn) == before


def test_reset_and_promote_are_planned_guarded_and_undone(
    demo_wb: Workbench, demo_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    wb = demo_wb
    harbour = wb.find(PROJECT, "Harbour Lights").shot
    market = wb.find(PROJECT, "Night Market").shot
    cliff = wb.find(PROJECT, "Cliff Road").shot
    neon = wb.project(PROJECT)
    assert harbour
    assert market
    assert cliff
    original = stored(demo_dsn, "shots", harbour.id)

    # Reset a shot: every override goes, listed with where its value then comes from.
    plan = wb.plan_reset_overrides(TRAVEL, harbour)
    assert plan.summary == (
        "reset travel-between-images at shot 'Harbour Lights' to inherited: remove 3 "
        "overrides (it then inherits from its project)"
    )
    assert plan.lines()[:2] == [
        "batchVideoSteps: 6 (shot) → 6 (defaults)",
        'generationMode: "batch" (shot) → "timeline" (defaults)',
    ]
    assert (plan.changes[2].path, plan.changes[2].after) == ("pairConfigs", [])
    wb.reset_overrides(TRAVEL, harbour, plan=plan)
    assert stored(demo_dsn, "shots", harbour.id) is None
    nothing = wb.reset_overrides(TRAVEL, harbour)
    assert len(nothing) == 0
    assert (
        nothing.summary == "nothing to change: shot 'Harbour Lights' has no override of " + TRAVEL
    )
    wb.undo()
    assert stored(demo_dsn, "shots", harbour.id) == original

    # Reset a project against the user's values; a write after the plan refuses it.
    plan = wb.plan_reset_overrides(TRAVEL, {"project_id": neon.id})
    assert "amountOfMotion: 65 (project) → 40 (user)" in plan.lines()
    assert "(it then inherits from the user's settings)" in plan.summary
    wb.update_settings("project", neon.id, TRAVEL, {"motionMode": "advanced"})
    project_before = stored(demo_dsn, "projects", neon.id)
    with pytest.raises(ConflictError, match="project 'Neon Coastline' changed since the plan"):
        wb.reset_overrides(TRAVEL, neon, plan=plan)
    assert stored(demo_dsn, "projects", neon.id) == project_before

    # Promote: the shot's value becomes the project's; the shot then inherits it.
    plan = wb.plan_promote_setting(TRAVEL, cliff, "batchVideoSteps")
    assert plan.summary == (
        "promote travel-between-images.batchVideoSteps from shot 'Cliff Road' to project "
        "'Neon Coastline' (the project's value: 6 → 8; the shot then inherits it)"
    )
    assert plan.lines() == ["batchVideoSteps: 8 (shot) → 8 (project)"]
    assert plan.source == SettingsTarget("project", neon.id)
    changes = len(wb.history())
    with counting_statements(monkeypatch) as sent:
        wb.promote_setting(TRAVEL, cliff, "batchVideoSteps", plan=plan)
    assert len(sent) == 2, sent  # the project's UPDATE and the shot's, in one transaction
    assert stored(demo_dsn, "projects", neon.id)["batchVideoSteps"] == 8
    assert "batchVideoSteps" not in stored(demo_dsn, "shots", cliff.id)
    assert wb.settings(TRAVEL, shot_id=market.id).provenance["batchVideoSteps"] == "project"
    assert len(wb.history()) == changes + 1
    change = wb.history()[0]
    assert change.kind == "settings-batch"
    assert change.description == (
        "promote travel-between-images.batchVideoSteps from shot 'Cliff Road' to project "
        "'Neon Coastline'"
    )
    wb.undo()  # one undo puts both back
    assert "batchVideoSteps" not in stored(demo_dsn, "projects", neon.id)
    assert stored(demo_dsn, "shots", cliff.id)["batchVideoSteps"] == 8

    # A change of the shot after the plan: neither write is kept (the project's came first).
    plan = wb.plan_promote_setting(TRAVEL, cliff, "batchVideoSteps")
    wb.update_settings("shot", cliff.id, TRAVEL, {"amountOfMotion": 5})
    before = all_settings(demo_dsn)
    with pytest.raises(ConflictError, match="shot 'Cliff Road' or its project changed since"):
        wb.promote_setting(TRAVEL, cliff, "batchVideoSteps", plan=plan)
    assert all_settings(demo_dsn) == before
    done = wb.promote_setting(TRAVEL, cliff, "amountOfMotion")  # planned and written at once
    assert done.lines() == ["amountOfMotion: 5 (shot) → 5 (project)"]
    assert stored(demo_dsn, "projects", neon.id)["amountOfMotion"] == 5

    theirs = their_shot(demo_dsn)
    before = all_settings(demo_dsn)
    with pytest.raises(ValidationError, match="shot 'Night Market' does not override "
                       "travel-between-images batchVideoSteps"):  # fmt: skip
        wb.plan_promote_setting(TRAVEL, market, "batchVideoSteps")
    with pytest.raises(NotFoundError, match="not found among the current user's"):
        wb.promote_setting(TRAVEL, {"shot_id": theirs}, "batchVideoSteps")
    with pytest.raises(NotFoundError, match="not found among the current user's"):
        wb.reset_overrides(TRAVEL, {"shot_id": theirs})
    with pytest.raises(ValidationError, match="promote from: a shot"):
        wb.plan_promote_setting(TRAVEL, neon, "batchVideoSteps")
    assert all_settings(demo_dsn) == before
