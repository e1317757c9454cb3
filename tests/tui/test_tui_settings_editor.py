"""The settings pane under Pilot: a list field opens the structured editor (add, edit a leaf,
refusal beside it, move, remove: each one write of the whole list at "edit at"), and a
settings workflow asks with its plan's lines before it writes."""

from __future__ import annotations

import asyncio
from typing import Any

from pilot_app import SIZE
from stored_settings import travel
from textual.widgets import DataTable, Input, Label, OptionList
from waiting import settle, wait_until_async

from workbench.client import Workbench
from workbench.tui.app import WorkbenchApp
from workbench.tui.components.navigator import Navigator
from workbench.tui.screens.dialogs import Confirm
from workbench.tui.screens.settings_editor import AskValue, PickSource, StructuredEditor

TRAVEL = "travel-between-images"


async def open_shot(app: WorkbenchApp, pilot: Any, shot: Any, field: str) -> None:
    """The settings tab of ``shot``, the fields table focused with its cursor on ``field``."""
    await wait_until_async(lambda: app.first_paint is not None, what="the first page",
                           timeout=30, pilot=pilot)  # fmt: skip
    tree = app.query_one(Navigator)
    tree.select_node(next(n for n in tree.root.children[0].children if n.data[1] == shot.id))
    settings = app.models.settings
    await wait_until_async(lambda: settings.state.target_id == shot.id and settings.state.rows,
                           what="the settings of the shot", pilot=pilot)  # fmt: skip
    await pilot.press("s")
    table = app.query_one("#fields", DataTable)
    table.focus()
    table.move_cursor(row=[r.path for r in settings.state.rows].index(field))
    await settle(pilot)


async def test_the_structured_editor_edits_loras_item_by_item(wb: Workbench, demo_dsn: str) -> None:
    project = wb.projects()[0]
    shot = wb.shots(project)[1]  # no travel settings of its own
    app = WorkbenchApp(wb, page_size=12)
    async with app.run_test(size=SIZE) as pilot:
        await open_shot(app, pilot, shot, "loras")
        model = app.models.settings
        table = app.query_one("#fields", DataTable)
        frames = table.get_row("batchVideoFrames")
        assert (str(frames[5]), str(frames[6])) == ("integer", "61")  # type, default columns
        info = app.query_one("#field-info", Label)
        assert str(info.render()) == "loras: list · default [] · enter: edit item by item"
        await pilot.press("enter")
        await wait_until_async(lambda: isinstance(app.screen, StructuredEditor),
                               what="the structured editor", pilot=pilot)  # fmt: skip
        editor = app.screen
        assert isinstance(editor, StructuredEditor)
        await pilot.press("a")  # a LoRA entry of the known shape
        await wait_until_async(lambda: len(editor.nodes) == 8, what="the new entry", pilot=pilot)
        assert [n.label.strip() for n in editor.nodes][1:] == [
            "[0]", "id", "name", "path", "strength", "previewImageUrl", "trigger_word",
        ]  # fmt: skip
        nodes = editor.query_one("#nodes", DataTable)
        nodes.move_cursor(row=5)
        await pilot.press("enter")
        await wait_until_async(lambda: isinstance(app.screen, AskValue), what="the value box",
                               pilot=pilot)  # fmt: skip
        app.screen.query_one(Input).value = "strong"
        await pilot.press("enter")
        problem = editor.query_one("#problem", Label)
        await wait_until_async(lambda: "must be a number" in str(problem.render()),
                               what="the refusal under the list", pilot=pilot)  # fmt: skip
        nodes.move_cursor(row=5)
        await pilot.press("enter")
        await wait_until_async(lambda: isinstance(app.screen, AskValue), what="the value box",
                               pilot=pilot)  # fmt: skip
        app.screen.query_one(Input).value = "0.7"
        await pilot.press("enter")
        await wait_until_async(lambda: editor.nodes[5].value == 0.7, what="the new strength",
                               pilot=pilot)  # fmt: skip
        assert str(problem.render()) == ""
        await pilot.press("a")
        await wait_until_async(lambda: len(editor.nodes) == 15, what="a second entry",
                               pilot=pilot)  # fmt: skip
        nodes.move_cursor(row=8)  # the second entry
        await pilot.press("K")  # up: it is first now, the cursor with it
        await wait_until_async(lambda: editor.nodes[5].value == 1.0, what="the entries swapped",
                               pilot=pilot)  # fmt: skip
        await settle(pilot)
        assert nodes.cursor_row == 1
        await pilot.press("x")  # remove it again
        await wait_until_async(lambda: len(editor.nodes) == 8, what="one entry left",
                               pilot=pilot)  # fmt: skip
        await pilot.press("escape")
        await wait_until_async(lambda: not isinstance(app.screen, StructuredEditor),
                               what="back to the pane", pilot=pilot)  # fmt: skip
        assert await asyncio.to_thread(model.flush, 10)
    entry = {"id": "", "name": "", "path": "", "strength": 0.7}
    assert travel(demo_dsn, "shots", shot.id) == {"loras": [entry]}
    assert "loras" not in travel(demo_dsn, "projects", project.id)


async def test_apply_settings_from_another_shot_asks_with_the_plan(
    wb: Workbench, demo_dsn: str
) -> None:
    project = wb.projects()[0]
    source, shot = wb.shots(project)[0], wb.shots(project)[1]
    own = travel(demo_dsn, "shots", source.id)
    app = WorkbenchApp(wb, page_size=12)
    async with app.run_test(size=SIZE) as pilot:
        await open_shot(app, pilot, shot, "prompt")
        model = app.models.settings
        await pilot.press("a")
        await wait_until_async(lambda: isinstance(app.screen, PickSource), what="the picker",
                               pilot=pilot)  # fmt: skip
        options = app.screen.query_one(OptionList)
        keys = [options.get_option_at_index(n).id for n in range(options.option_count)]
        options.highlighted = keys.index(f"shot:{source.id}")
        await pilot.press("enter")
        await wait_until_async(lambda: isinstance(app.screen, Confirm), what="the plan",
                               pilot=pilot)  # fmt: skip
        question = app.screen.confirmation  # type: ignore[attr-defined]
        assert question.question.startswith(f"Copy {len(own)} fields of {TRAVEL} from shot")
        assert any("generationMode" in line for line in question.details)
        assert travel(demo_dsn, "shots", shot.id) == {}  # nothing written before the answer
        await pilot.click("#yes")
        await wait_until_async(lambda: model.state.notice, what="what was done", pilot=pilot)
        assert travel(demo_dsn, "shots", shot.id) == own
        await wait_until_async(
            lambda: next(r for r in model.state.rows if r.path == "generationMode").scope == "shot",
            what="the applied value shown",
            pilot=pilot,
        )
        assert model.state.notice in str(app.query_one("#error", Label).render())
