"""The notebook's settings widget: a refused value stays as typed with the reason beside it
and nothing is written; a reset acts at "edit at" only and asks in a confirm row before it
reaches beyond the target (real database, real ipywidgets)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
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


def test_a_refused_value_stays_typed_with_the_reason_beside_it(
    in_a_shot: Settings, demo_dsn: str
) -> None:
    before = snapshot(demo_dsn)
    row = in_a_shot.rows["amountOfMotion"]
    row.value.value = "lots"
    assert row.value.value == "lots"  # the typed text stays
    assert "amountOfMotion must be a number" in row.error.value
    assert "wb-field-error-amountOfMotion" in row.error._dom_classes
    assert row.error in row.value_cell.children  # beside (under) the field
    mode = in_a_shot.rows["generationMode"]
    mode.value.value = "sideways"
    assert 'must be one of "batch", "timeline", "by-pair"' in html.unescape(mode.error.value)
    assert row.value.value == "lots"  # another field's refusal keeps this one's text
    assert in_a_shot.flush(10)
    assert snapshot(demo_dsn) == before  # nothing written

    row.value.value = "65"  # the value that is there: the refusal goes
    assert row.error.value == ""
    row.value.value = "61"
    assert row.error.value == ""
    assert in_a_shot.flush(10)
    wait_until(lambda: "saved" in row.status.value, what="the row saved")
    assert travel(demo_dsn, "shots", in_a_shot.model.state.target_id)["amountOfMotion"] == 61


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
