"""The settings pane's history and diff screens under Pilot, on a real PostgreSQL (the demo)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pilot_app import SIZE
from textual.widgets import DataTable, OptionList
from waiting import settle, wait_until_async

from workbench.client import Workbench
from workbench.tui.app import WorkbenchApp
from workbench.tui.components.navigator import Navigator
from workbench.tui.screens.dialogs import Confirm
from workbench.tui.screens.settings_history import SettingsDiffScreen, SettingsHistoryScreen

TRAVEL = "travel-between-images"


@pytest.fixture
async def on_shot(wb: Workbench) -> AsyncIterator[tuple[WorkbenchApp, Any, Any]]:
    """The app on the settings tab of Harbour Lights (the first shot of Neon Coastline)."""
    app = WorkbenchApp(wb, page_size=12)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until_async(lambda: app.first_paint is not None, what="the first page",
                               timeout=30, pilot=pilot)  # fmt: skip
        project = wb.project("Neon Coastline")
        shot = wb.shots(project)[0]
        tree = app.query_one(Navigator)
        tree.select_node(next(n for n in tree.root.children[0].children if n.data[1] == shot.id))
        settings = app.models.settings  # type: ignore[union-attr]
        await wait_until_async(lambda: settings.state.target_id == shot.id,
                               what="the shot's settings", pilot=pilot)  # fmt: skip
        await pilot.press("s")
        await settle(pilot)
        yield app, pilot, shot


async def test_history_screen_lists_writes_and_restores_one_after_a_confirm(
    on_shot: tuple[WorkbenchApp, Any, Any], wb: Workbench
) -> None:
    app, pilot, shot = on_shot
    before = wb.settings(TRAVEL, shot_id=shot.id).value("amountOfMotion")
    wb.update_settings("shot", shot.id, TRAVEL, {"amountOfMotion": 91})
    wb.update_settings("project", shot.project_id, TRAVEL, {"motionMode": "advanced"})

    await pilot.press("H")
    await wait_until_async(lambda: isinstance(app.screen, SettingsHistoryScreen),
                           what="the history screen", pilot=pilot)  # fmt: skip
    screen = app.screen
    assert isinstance(screen, SettingsHistoryScreen)
    await wait_until_async(lambda: len(screen.model.state.entries) == 2,
                           what="two entries", pilot=pilot)  # fmt: skip
    state = screen.model.state
    assert [e.scope for e in state.entries] == ["project", "shot"]
    assert state.entries[1].target == "shot Harbour Lights"
    assert state.entries[1].changes[0].new == "91"
    assert "database" in state.where
    table = screen.query_one("#entries", DataTable)
    assert table.row_count == 2
    assert "amountOfMotion" in str(table.get_row_at(1)[3])

    await pilot.press("i")  # the shot's own writes only
    await wait_until_async(lambda: len(screen.model.state.entries) == 1,
                           what="the shot's own entry", pilot=pilot)  # fmt: skip
    assert table.row_count == 1

    table.move_cursor(row=0)
    await pilot.press("r")
    await wait_until_async(lambda: isinstance(app.screen, Confirm), what="the confirm",
                           pilot=pilot)  # fmt: skip
    confirm = app.screen
    assert isinstance(confirm, Confirm)
    assert "before entry" in confirm.confirmation.question
    # The shot did not set it before: restoring removes its value (the project's shows again).
    assert confirm.confirmation.details == ("amountOfMotion: 91 → not set",)
    await pilot.click("#no")  # cancelled: nothing changes
    await settle(pilot)
    assert wb.settings(TRAVEL, shot_id=shot.id).value("amountOfMotion") == 91

    await pilot.press("r")
    await wait_until_async(lambda: isinstance(app.screen, Confirm), what="the confirm again",
                           pilot=pilot)  # fmt: skip
    await pilot.click("#yes")
    await wait_until_async(lambda: (screen.model.state.message or "").startswith("restored"),
                           what="the restore", pilot=pilot)  # fmt: skip
    assert wb.settings(TRAVEL, shot_id=shot.id).value("amountOfMotion") == before
    await wait_until_async(lambda: len(screen.model.state.entries) == 2,
                           what="the restore in the history", pilot=pilot)  # fmt: skip
    assert screen.model.state.entries[0].note == f"restore of entry {state.entries[1].id}"
    await pilot.press("escape")
    assert not isinstance(app.screen, SettingsHistoryScreen)


async def test_restore_over_a_newer_change_says_it_overwrites(
    on_shot: tuple[WorkbenchApp, Any, Any], wb: Workbench
) -> None:
    app, pilot, shot = on_shot
    wb.update_settings("shot", shot.id, TRAVEL, {"amountOfMotion": 91})
    wb.update_settings("shot", shot.id, TRAVEL, {"amountOfMotion": 92})
    await pilot.press("H")
    await wait_until_async(lambda: isinstance(app.screen, SettingsHistoryScreen),
                           what="the history screen", pilot=pilot)  # fmt: skip
    screen = app.screen
    assert isinstance(screen, SettingsHistoryScreen)
    await wait_until_async(lambda: len(screen.model.state.entries) == 2,
                           what="two entries", pilot=pilot)  # fmt: skip
    screen.query_one(DataTable).move_cursor(row=1)  # the older: 91 was overwritten by 92
    await pilot.press("r")
    await wait_until_async(lambda: isinstance(app.screen, Confirm), what="the confirm",
                           pilot=pilot)  # fmt: skip
    confirm = app.screen
    assert isinstance(confirm, Confirm)
    assert confirm.confirmation.verb == "Overwrite and restore"
    assert any("changed since (to 92)" in line for line in confirm.confirmation.details)
    await pilot.click("#yes")
    await wait_until_async(lambda: (screen.model.state.message or "").startswith("restored"),
                           what="the forced restore", pilot=pilot)  # fmt: skip
    assert wb.settings(TRAVEL, shot_id=shot.id).scope_of("amountOfMotion") == "project"


async def test_diff_screen_compares_the_shot_with_its_project_then_another_shot(
    on_shot: tuple[WorkbenchApp, Any, Any], wb: Workbench
) -> None:
    app, pilot, shot = on_shot
    other = wb.shots(shot.project_id)[1]
    wb.update_settings("shot", other.id, TRAVEL, {"amountOfMotion": 3})
    await pilot.press("d")
    await wait_until_async(lambda: isinstance(app.screen, SettingsDiffScreen),
                           what="the diff screen", pilot=pilot)  # fmt: skip
    screen = app.screen
    assert isinstance(screen, SettingsDiffScreen)
    state = screen.model.state
    assert (state.a, state.b) == ("shot Harbour Lights", "project Neon Coastline")
    expected = wb.settings_diff(TRAVEL, shot)
    assert [r.path for r in state.rows] == [f.path for f in expected.fields]
    table = screen.query_one("#diff", DataTable)
    assert table.row_count == len(expected.fields)
    assert "shot" in str(table.get_row_at(0)[2])

    choices = screen.query_one(OptionList)
    index = next(i for i, c in enumerate(state.choices) if c.label == f"shot {other.name}")
    choices.highlighted = index
    choices.focus()
    await pilot.press("enter")
    await wait_until_async(lambda: screen.model.state.b == f"shot {other.name}",
                           what="the other shot's side", pilot=pilot)  # fmt: skip
    motion = next(r for r in screen.model.state.rows if r.path == "amountOfMotion")
    assert (motion.b, motion.b_scope) == ("3", "shot")
    await settle(pilot)
    assert table.row_count == len(screen.model.state.rows)
