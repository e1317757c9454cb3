"""The notebook's settings widget: a refused value stays as typed with the reason beside it
and nothing is written; a reset acts at "edit at" only and asks in a confirm row before it
reaches beyond the target (real database, real ipywidgets)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from ipywidgets import Checkbox, Dropdown, FloatText, IntText, Text
from waiting import wait_until

from workbench.client import Workbench
from workbench.widgets import Settings

TOOL = "travel-between-images"


def snapshot(dsn: str) -> list[Any]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT 'p', id, settings FROM projects UNION ALL "
            "SELECT 's', id, settings FROM shots UNION ALL SELECT 'u', id, settings FROM users "
            "ORDER BY 1, 2"
        ).fetchall()


def travel(dsn: str, table: str, row_id: Any) -> dict[str, Any]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            f"SELECT settings -> %s FROM {table} WHERE id = %s", (TOOL, row_id)
        ).fetchone()
    return (row[0] if row else None) or {}


@pytest.fixture
def project(demo_wb: Workbench) -> Any:
    return demo_wb.project("Neon Coastline")


@pytest.fixture
def shot(demo_wb: Workbench, project: Any) -> Any:
    return demo_wb.shots(project)[1]  # no shot-level travel settings in the demo


@pytest.fixture
def in_a_shot(demo_wb: Workbench, project: Any, shot: Any) -> Iterator[Settings]:
    widget = Settings(demo_wb, TOOL, project=project, shot=shot)
    yield widget
    widget.close()


def test_typed_editors_refusals_and_fresh_saves(in_a_shot: Settings, demo_dsn: str) -> None:
    """Each field gets the control of its type; a refused value stays as entered with the
    reason beside it and the row "failed", nothing written; a saved edit says "saved" while
    untouched rows say nothing."""
    rows = in_a_shot.rows
    assert isinstance(rows["amountOfMotion"].value, IntText)  # an integer default
    assert isinstance(rows["enhancePrompt"].value, Checkbox)
    mode = rows["generationMode"]
    assert isinstance(mode.value, Dropdown)
    assert mode.value._options_labels == ("batch", "timeline", "by-pair")  # the registry's choices
    prompt = rows["prompt"]
    assert isinstance(prompt.value, Text)
    assert prompt.value.value == prompt.row.value  # text without JSON quotes
    assert not prompt.value.value.startswith('"')
    assert isinstance(rows["loras"].value, Text)  # a list: JSON text (and "items")
    assert "wb-editor-integer" in rows["amountOfMotion"].value._dom_classes
    titles = [html.unescape(cell.value) for cell in in_a_shot.grid.children[:7]]
    assert [t.split(">")[1].split("<")[0] for t in titles] == [
        "field", "value", "type / default", "scope", "overrides", "status", "actions"
    ]  # fmt: skip
    assert all(row.status.value == "" for row in rows.values())  # untouched: no word
    assert "data-state=" in in_a_shot.status.value  # the connection's word in the status line

    before = snapshot(demo_dsn)
    row = rows["amountOfMotion"]
    row.value.value = 2**60  # past what JSON readers keep exactly: refused
    assert row.value.value == 2**60  # the entered value stays
    assert "9,007,199,254,740,991" in html.unescape(row.error.value)
    assert "wb-field-error-amountOfMotion" in row.error._dom_classes
    assert row.error in row.value_cell.children  # beside (under) the field
    assert "failed" in row.status.value
    assert "saved" not in row.status.value
    assert "var(--jp-error-color1" in row.status.value
    loras = rows["loras"]
    loras.value.value = "lots"  # JSON text that is not a list
    assert "loras must be a list" in html.unescape(loras.error.value)
    assert "failed" in loras.status.value
    assert row.value.value == 2**60  # another field's refusal keeps this one's entry
    assert "2 failed" in in_a_shot.status.value  # the status line counts them
    prompt.value.value = "a\x00b"  # text PostgreSQL cannot store
    assert "NUL" in html.unescape(prompt.error.value)
    assert in_a_shot.flush(10)
    assert snapshot(demo_dsn) == before  # nothing written

    row.value.value = 65  # the value that is there: the refusal goes, nothing to save
    assert (row.error.value, row.status.value) == ("", "")
    row.value.value = 61
    assert row.error.value == ""
    mode.value.value = "batch"
    enhance = not rows["enhancePrompt"].value.value  # a click on the checkbox
    rows["enhancePrompt"].value.value = enhance
    prompt.value.value = "a gull"
    assert in_a_shot.flush(10)
    wait_until(lambda: "saved" in prompt.status.value, what="the prompt saved")
    saved = travel(demo_dsn, "shots", in_a_shot.model.state.target_id)
    wanted = {"amountOfMotion": 61, "generationMode": "batch", "enhancePrompt": enhance,
              "prompt": "a gull"}  # fmt: skip
    assert {k: saved[k] for k in wanted} == wanted
    assert "var(--jp-success-color1" in prompt.status.value
    assert "saved" in rows["amountOfMotion"].status.value  # edited in the same go
    assert rows["batchVideoSteps"].status.value == ""  # untouched: still no word

    in_a_shot.model.set_field("guidanceScale", 7.5)  # a number field: a number box
    assert in_a_shot.flush(10)
    scale = in_a_shot.rows["guidanceScale"]
    assert isinstance(scale.value, FloatText)
    assert scale.value.value == 7.5
    scale.value.value = 8.0  # a whole number is stored as one
    assert in_a_shot.flush(10)
    wait_until(lambda: "saved" in scale.status.value, what="the scale saved")
    assert travel(demo_dsn, "shots", in_a_shot.model.state.target_id)["guidanceScale"] == 8
    assert in_a_shot.rows["prompt"].status.value == ""  # saved before this edit: quiet again


def test_reset_acts_at_edit_at_and_asks_above_the_shot(
    in_a_shot: Settings, demo_dsn: str, demo_wb: Workbench, project: Any, shot: Any
) -> None:
    before = snapshot(demo_dsn)
    row = in_a_shot.rows["amountOfMotion"]  # comes from the project
    assert in_a_shot.edit_scope.value == "shot"
    assert row.reset.disabled  # the shot does not set it: nothing to reset there
    in_a_shot._reset(row)  # even if clicked: it says so and changes nothing
    assert in_a_shot.model.state.notice == (
        "amountOfMotion is not set at shot scope: nothing to reset"
    )
    assert "nothing to reset" in in_a_shot.notice.value
    assert not in_a_shot.confirm.asking

    in_a_shot.edit_scope.value = "project"
    assert in_a_shot.model.state.edit_scope == "project"
    assert not row.reset.disabled
    row.reset.click()
    assert in_a_shot.confirm.asking
    assert in_a_shot.confirm.layout.display is None  # shown
    shots = len(demo_wb.shots(project))
    assert "Reset amountOfMotion at project scope?" in in_a_shot.confirm.message.value
    assert f"{shots} shots" in in_a_shot.confirm.message.value
    assert in_a_shot.confirm.go.description == "Reset"
    in_a_shot.confirm.cancel.click()
    assert not in_a_shot.confirm.asking
    assert in_a_shot.flush(10)
    assert snapshot(demo_dsn) == before

    row.reset.click()
    in_a_shot.confirm.go.click()
    assert in_a_shot.flush(10)
    wait_until(lambda: "wb-badge-user" in row.scope.value, what="the user's value through")
    assert "amountOfMotion" not in travel(demo_dsn, "projects", project.id)
    assert travel(demo_dsn, "shots", shot.id) == {}
