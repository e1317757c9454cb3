"""The settings pane under Pilot: a refused edit keeps its dialog open with the reason, and a
reset acts at the visible "edit at" scope only, asking before it reaches beyond the shot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from pilot_app import SIZE
from textual.widgets import DataTable, Input, Label
from waiting import settle, wait_until_async

from workbench.client import Workbench
from workbench.tui.app import WorkbenchApp
from workbench.tui.components.navigator import Navigator
from workbench.tui.screens.dialogs import Confirm, EditValue
from workbench.views.settings import FieldRow

TRAVEL = "travel-between-images"


@pytest.fixture
async def in_a_shot(wb: Workbench) -> AsyncIterator[tuple[WorkbenchApp, Any, Any]]:
    """The app on the settings tab of a shot without its own travel settings, the cursor on
    amountOfMotion (which comes from the project)."""
    app = WorkbenchApp(wb, page_size=12)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until_async(lambda: app.first_paint is not None, what="the first page",
                               timeout=30, pilot=pilot)  # fmt: skip
        project = wb.projects()[0]
        shot = wb.shots(project)[1]
        tree = app.query_one(Navigator)
        tree.select_node(next(n for n in tree.root.children[0].children if n.data[1] == shot.id))
        settings = app.models.settings
        await wait_until_async(lambda: settings.state.scope == "shot" and settings.state.rows,
                               what="the settings of the shot", pilot=pilot)  # fmt: skip
        await pilot.press("s")
        table = app.query_one("#fields", DataTable)
        table.focus()
        table.move_cursor(row=[r.path for r in settings.state.rows].index("amountOfMotion"))
        await settle(pilot)
        yield app, pilot, shot


def row(app: WorkbenchApp, path: str) -> FieldRow:
    return next(r for r in app.models.settings.state.rows if r.path == path)


def stored(dsn: str, table: str, row_id: Any) -> dict[str, Any]:
    with psycopg.connect(dsn) as conn:
        found = conn.execute(
            f"SELECT settings -> %s FROM {table} WHERE id = %s", (TRAVEL, row_id)
        ).fetchone()
    return (found[0] if found else None) or {}


def snapshot(dsn: str) -> list[Any]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT 'p', id, settings FROM projects UNION ALL "
            "SELECT 's', id, settings FROM shots UNION ALL SELECT 'u', id, settings FROM users "
            "ORDER BY 1, 2"
        ).fetchall()


async def test_a_refused_value_keeps_the_dialog_open_with_the_reason(
    in_a_shot: tuple[WorkbenchApp, Any, Any], demo_dsn: str
) -> None:
    app, pilot, _ = in_a_shot
    before = snapshot(demo_dsn)
    await pilot.press("enter")
    await wait_until_async(lambda: isinstance(app.screen, EditValue), what="the edit dialog",
                           pilot=pilot)  # fmt: skip
    dialog = app.screen
    assert isinstance(dialog, EditValue)
    assert dialog.scope == "shot"  # starts at "edit at", not where the value comes from
    dialog.query_one("#value", Input).value = "lots"
    await pilot.click("#save")
    await wait_until_async(lambda: dialog.error, what="the refusal in the dialog", pilot=pilot)
    assert "amountOfMotion must be a number" in dialog.error
    assert 'not a string ("lots")' in dialog.error
    assert app.screen is dialog  # still open
    shown = dialog.query_one("#field-error", Label)
    assert "must be a number" in str(shown.render())
    dialog.query_one("#value", Input).value = "66"
    # The refusal's line moved the buttons down: click where Save is after that layout, not
    # where it was (the click missed under load, and the dialog never closed).
    await settle(pilot)
    await pilot.click("#save")
    await wait_until_async(lambda: not isinstance(app.screen, EditValue), what="the dialog closed",
                           pilot=pilot)  # fmt: skip
    await wait_until_async(lambda: row(app, "amountOfMotion").scope == "shot",
                           what="the accepted value", pilot=pilot)  # fmt: skip
    assert await asyncio.to_thread(app.models.settings.flush, 10)  # the loop must stay free
    after = snapshot(demo_dsn)
    changed = [a for a, b in zip(after, before, strict=True) if a != b]
    assert len(changed) == 1  # only the shot, and only "66"
    assert changed[0][2][TRAVEL]["amountOfMotion"] == 66


async def test_r_on_a_project_value_with_edit_at_shot_changes_nothing(
    in_a_shot: tuple[WorkbenchApp, Any, Any], demo_dsn: str
) -> None:
    app, pilot, _ = in_a_shot
    before = snapshot(demo_dsn)
    assert app.models.settings.state.edit_scope == "shot"
    target = str(app.query_one("#target", Label).render())
    assert "edit at shot" in target
    assert row(app, "amountOfMotion").scope == "project"
    await pilot.press("r")
    await pilot.press("r")  # twice: the second used to delete the project's value
    await wait_until_async(lambda: app.models.settings.state.notice, what="the notice",
                           pilot=pilot)  # fmt: skip
    assert app.models.settings.state.notice == (
        "amountOfMotion is not set at shot scope: nothing to reset"
    )
    await settle(pilot)
    assert not isinstance(app.screen, Confirm)
    assert "nothing to reset" in str(app.query_one("#error", Label).render())
    assert await asyncio.to_thread(app.models.settings.flush, 10)  # the loop must stay free
    assert snapshot(demo_dsn) == before
    assert row(app, "amountOfMotion").scope == "project"


async def test_reset_at_project_scope_asks_and_cancel_changes_nothing(
    in_a_shot: tuple[WorkbenchApp, Any, Any], wb: Workbench, demo_dsn: str
) -> None:
    app, pilot, shot = in_a_shot
    project = wb.projects()[0]
    before = snapshot(demo_dsn)
    await pilot.press("e")  # shot -> user (wraps around), then -> project
    await pilot.press("e")
    await wait_until_async(lambda: app.models.settings.state.edit_scope == "project",
                           what="edit at project", pilot=pilot)  # fmt: skip
    assert "edit at project" in str(app.query_one("#target", Label).render())
    await pilot.press("r")
    await wait_until_async(lambda: isinstance(app.screen, Confirm), what="the confirmation",
                           pilot=pilot)  # fmt: skip
    question = app.screen.confirmation  # type: ignore[attr-defined]
    assert question.question == "Reset amountOfMotion at project scope?"
    shots = len(wb.shots(project))
    assert any(f"{shots} shots" in line for line in question.details)
    assert app.focused is not None  # the safe answer has the focus
    assert app.focused.id == "no"
    await pilot.click("#no")
    await wait_until_async(lambda: not isinstance(app.screen, Confirm), what="cancelled",
                           pilot=pilot)  # fmt: skip
    await settle(pilot)
    assert await asyncio.to_thread(app.models.settings.flush, 10)  # the loop must stay free
    assert snapshot(demo_dsn) == before

    await pilot.press("r")
    await wait_until_async(lambda: isinstance(app.screen, Confirm), what="asked again",
                           pilot=pilot)  # fmt: skip
    await pilot.click("#yes")
    await wait_until_async(lambda: row(app, "amountOfMotion").scope == "user",
                           what="the user's value showing through", pilot=pilot)  # fmt: skip
    assert await asyncio.to_thread(app.models.settings.flush, 10)  # the loop must stay free
    assert "amountOfMotion" not in stored(demo_dsn, "projects", project.id)
    assert stored(demo_dsn, "shots", shot.id) == {}  # the shot itself was not touched
