"""The TUI's flows under Pilot, on a real PostgreSQL holding the demo."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from PIL import Image
from textual.widgets import DataTable, Input, RadioSet, Select

from workbench.client import Workbench
from workbench.startup import connect
from workbench.storage import LocalStorage
from workbench.tui.app import WorkbenchApp
from workbench.tui.components.navigator import Navigator
from workbench.tui.screens.dialogs import EditValue
from workbench.tui.screens.upload import UploadScreen

SIZE = (160, 48)


@pytest.fixture
def wb(demo_dsn: str, demo_assets: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("WORKBENCH_IMAGES", "halfcell")
    with connect(demo_dsn, storage=LocalStorage(demo_assets)) as workbench:
        yield workbench


async def until(pilot: Any, predicate: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the TUI")
        await pilot.pause(0.05)


async def started(app: WorkbenchApp, pilot: Any) -> None:
    """The first page is shown and a pane has focus, so keys reach it."""
    await until(pilot, lambda: app.first_paint is not None)
    await until(pilot, lambda: type(app.focused).__name__ in ("GalleryGrid", "DataTable"))
    await pilot.pause(0.2)


@pytest.fixture
async def running(wb: Workbench) -> AsyncIterator[tuple[WorkbenchApp, Any]]:
    app = WorkbenchApp(wb, page_size=12)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        yield app, pilot


def gallery(app: WorkbenchApp) -> Any:
    return app.models["gallery"].state


async def test_navigate_to_a_shot(running: tuple[WorkbenchApp, Any], wb: Workbench) -> None:
    app, pilot = running
    project = wb.projects()[0]
    shot = wb.shots(project)[2]
    tree = app.query_one(Navigator)
    node = next(n for n in tree.root.children[0].children if n.data == (project.id, shot.id))
    tree.select_node(node)
    await until(pilot, lambda: gallery(app).mode == "shot" and gallery(app).title == shot.name)
    frames = [i.timeline_frame for i in gallery(app).items if i.timeline_frame is not None]
    assert frames == sorted(frames)
    assert wb.local_state.get("navigator.last")["shot"] == str(shot.id)


async def test_page_through_the_gallery(running: tuple[WorkbenchApp, Any]) -> None:
    app, pilot = running
    assert gallery(app).page.page == 1
    first = gallery(app).items[0].id
    await pilot.press("n")
    await until(pilot, lambda: gallery(app).page.page == 2)
    assert gallery(app).items[0].id != first
    await pilot.press("p")
    await until(pilot, lambda: gallery(app).page.page == 1)
    assert gallery(app).items[0].id == first
    await pilot.press("right", "right", "down")
    assert gallery(app).selected == 2 + app.query_one("GalleryGrid")._columns


async def test_filter_to_videos(running: tuple[WorkbenchApp, Any]) -> None:
    app, pilot = running
    app.query_one("#media", Select).value = "video"
    await until(pilot, lambda: gallery(app).filters.media_type == "video"
                and not gallery(app).loading)  # fmt: skip
    assert gallery(app).items
    assert all(item.is_video for item in gallery(app).items)
    await pilot.press("slash")  # focus the search box, then type into it and submit
    search = app.query_one("#search", Input)
    await until(pilot, lambda: app.focused is search)
    search.value = "zzz-nothing"
    await pilot.press("enter")
    await until(pilot, lambda: gallery(app).filters.search == "zzz-nothing")
    await until(pilot, lambda: not gallery(app).items)


async def test_star_an_item_and_see_it_persisted(
    running: tuple[WorkbenchApp, Any], demo_dsn: str
) -> None:
    app, pilot = running
    item = gallery(app).selection
    await pilot.press("f")
    await until(pilot, lambda: gallery(app).items[0].starred != item.starred)
    with psycopg.connect(demo_dsn) as conn:
        row = conn.execute("SELECT starred FROM generations WHERE id = %s", (item.id,)).fetchone()
    assert row == (not item.starred,)


async def test_edit_a_setting_at_shot_scope_then_reset_it(
    running: tuple[WorkbenchApp, Any], wb: Workbench, demo_dsn: str
) -> None:
    app, pilot = running
    project = wb.projects()[0]
    shot = wb.shots(project)[1]  # no shot-level travel settings in the demo
    tree = app.query_one(Navigator)
    tree.select_node(next(n for n in tree.root.children[0].children if n.data[1] == shot.id))
    settings = app.models["settings"]
    await until(pilot, lambda: settings.state.scope == "shot")
    await pilot.press("s")

    def row(path: str) -> Any:
        return next(r for r in settings.state.rows if r.path == path)

    assert row("amountOfMotion").scope == "project"
    table = app.query_one("#fields", DataTable)
    table.move_cursor(row=[r.path for r in settings.state.rows].index("amountOfMotion"))
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, EditValue))
    dialog = app.screen
    dialog.query_one("#value", Input).value = "77"
    radios = dialog.query_one("#scope", RadioSet)
    shot_button = next(b for b in radios.query("RadioButton") if b.name == "shot")
    shot_button.value = True
    await pilot.click("#save")
    await until(pilot, lambda: row("amountOfMotion").scope == "shot")
    assert row("amountOfMotion").value == 77
    await until(pilot, lambda: row("amountOfMotion").status == "saved")
    assert _stored(demo_dsn, shot.id).get("amountOfMotion") == 77

    await pilot.press("r")
    await until(pilot, lambda: row("amountOfMotion").scope == "project")
    await until(pilot, lambda: row("amountOfMotion").status == "saved")
    assert "amountOfMotion" not in _stored(demo_dsn, shot.id)


def _stored(dsn: str, shot_id: Any) -> dict[str, Any]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT settings -> 'travel-between-images' FROM shots WHERE id = %s", (shot_id,)
        ).fetchone()
    return (row[0] if row else None) or {}


async def test_upload_a_file_with_progress_to_100(
    running: tuple[WorkbenchApp, Any], tmp_path: Path, demo_dsn: str
) -> None:
    app, pilot = running
    picture = tmp_path / "sunset.png"
    Image.new("RGB", (640, 360), (200, 90, 40)).save(picture)
    await pilot.press("u")
    await until(pilot, lambda: isinstance(app.screen, UploadScreen))
    screen = app.screen
    screen.query_one("#paths", Input).value = str(picture)
    await pilot.click("#start")
    await until(pilot, lambda: not screen.model.state.running and screen.model.state.files,
                timeout=30)  # fmt: skip
    state = screen.model.state
    assert state.fraction == 1.0
    assert [f.status for f in state.files] == ["uploaded"]
    with psycopg.connect(demo_dsn) as conn:
        row = conn.execute(
            "SELECT count(*) FROM generations WHERE params ->> 'original_filename' = %s",
            ("sunset.png",),
        ).fetchone()
    assert row == (1,)


async def test_a_change_from_another_connection_shows_within_a_second(
    running: tuple[WorkbenchApp, Any], demo_dsn: str
) -> None:
    app, pilot = running
    await until(pilot, lambda: app.wb.live)
    item = gallery(app).items[0]
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        conn.execute("UPDATE generations SET starred = NOT starred WHERE id = %s", (item.id,))
    changed = time.monotonic()
    await until(pilot, lambda: gallery(app).items[0].starred != item.starred, timeout=5)
    assert time.monotonic() - changed < 1.0


async def test_help_screen_and_palette_list_every_action(
    running: tuple[WorkbenchApp, Any],
) -> None:
    app, pilot = running
    await pilot.press("question_mark")
    await until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
    await pilot.press("escape")
    titles = [c.title for c in app.get_system_commands(app.screen)]
    for wanted in ("Gallery: star / unstar", "Filter: videos only", "Settings: reset field",
                   "Upload files", "Gallery: move later"):  # fmt: skip
        assert wanted in titles


async def test_detail_view(running: tuple[WorkbenchApp, Any]) -> None:
    app, pilot = running
    await pilot.press("enter")
    await until(pilot, lambda: type(app.screen).__name__ == "DetailScreen")
    screen = app.screen
    await until(pilot, lambda: screen.model.state.detail is not None)
    detail = screen.model.state.detail
    assert detail.generation.id == gallery(app).selection.id
    assert screen.query_one("#variants", DataTable).row_count == len(detail.variants)
    await pilot.press("escape")
    assert type(app.screen).__name__ != "DetailScreen"


async def test_the_last_tab_and_panels_are_remembered(wb: Workbench) -> None:
    app = WorkbenchApp(wb)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("s", "b")
    assert wb.local_state.get("tui.tab") == "settings-tab"
    assert wb.local_state.get("tui.navigator_hidden") is True
    again = WorkbenchApp(wb)
    async with again.run_test(size=SIZE) as pilot:
        await started(again, pilot)
        assert again.query_one("TabbedContent").active == "settings-tab"
        assert again.query_one(Navigator).has_class("-hidden")


def test_first_paint_is_measured_and_json_safe(wb: Workbench) -> None:
    """The app records its cold-start-to-first-gallery time (the TUI benchmark reads it)."""

    async def run() -> float:
        app = WorkbenchApp(wb)
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            assert app.first_paint is not None
            return app.first_paint

    assert json.dumps(asyncio.run(run()))
