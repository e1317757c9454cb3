"""The TUI's flows under Pilot, on a real PostgreSQL holding the demo."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import psycopg
from PIL import Image
from pilot_app import SIZE, started
from textual.widgets import DataTable, Input, RadioSet, Select
from waiting import wait_until_async

from workbench.client import Workbench
from workbench.tui.app import WorkbenchApp
from workbench.tui.components.navigator import Navigator
from workbench.tui.screens.dialogs import EditValue
from workbench.tui.screens.upload import UploadScreen


def gallery(app: WorkbenchApp) -> Any:
    return app.models.gallery.state


async def test_navigate_to_a_shot(running: tuple[WorkbenchApp, Any], wb: Workbench) -> None:
    app, pilot = running
    project = wb.projects()[0]
    shot = wb.shots(project)[2]
    tree = app.query_one(Navigator)
    node = next(n for n in tree.root.children[0].children if n.data == (project.id, shot.id))
    tree.select_node(node)
    await wait_until_async(
        lambda: gallery(app).mode == "shot" and gallery(app).title == shot.name,
        what=f"the gallery of shot {shot.name!r}", pilot=pilot,
    )  # fmt: skip
    frames = [i.timeline_frame for i in gallery(app).items if i.timeline_frame is not None]
    assert frames == sorted(frames)
    assert wb.local_state.get("navigator.last")["shot"] == str(shot.id)


async def test_page_through_the_gallery(running: tuple[WorkbenchApp, Any]) -> None:
    app, pilot = running
    assert gallery(app).page.page == 1
    first = gallery(app).items[0].id
    await pilot.press("n")
    await wait_until_async(lambda: gallery(app).page.page == 2, what="page 2", pilot=pilot)
    assert gallery(app).items[0].id != first
    await pilot.press("p")
    await wait_until_async(lambda: gallery(app).page.page == 1, what="page 1", pilot=pilot)
    assert gallery(app).items[0].id == first
    await pilot.press("right", "right", "down")
    assert gallery(app).selected == 2 + app.query_one("GalleryGrid")._columns


async def test_filter_to_videos(running: tuple[WorkbenchApp, Any]) -> None:
    app, pilot = running
    app.query_one("#media", Select).value = "video"
    await wait_until_async(lambda: gallery(app).filters.media_type == "video"
                           and not gallery(app).loading,
                           what="the videos-only page", pilot=pilot)  # fmt: skip
    assert gallery(app).items
    assert all(item.is_video for item in gallery(app).items)
    await pilot.press("slash")  # focus the search box, then type into it and submit
    search = app.query_one("#search", Input)
    await wait_until_async(lambda: app.focused is search, what="the search box's focus",
                           pilot=pilot)  # fmt: skip
    search.value = "zzz-nothing"
    await pilot.press("enter")
    await wait_until_async(lambda: gallery(app).filters.search == "zzz-nothing",
                           what="the search filter", pilot=pilot)  # fmt: skip
    await wait_until_async(lambda: not gallery(app).items, what="an empty page", pilot=pilot)


async def test_star_an_item_and_see_it_persisted(
    running: tuple[WorkbenchApp, Any], demo_dsn: str
) -> None:
    app, pilot = running
    item = gallery(app).selection
    await pilot.press("f")
    await wait_until_async(lambda: gallery(app).items[0].starred != item.starred,
                           what="the star on the first tile", pilot=pilot)  # fmt: skip
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
    settings = app.models.settings
    await wait_until_async(lambda: settings.state.scope == "shot",
                           what="the settings of the shot", pilot=pilot)  # fmt: skip
    await pilot.press("s")

    def row(path: str) -> Any:
        return next(r for r in settings.state.rows if r.path == path)

    assert row("amountOfMotion").scope == "project"
    table = app.query_one("#fields", DataTable)
    table.move_cursor(row=[r.path for r in settings.state.rows].index("amountOfMotion"))
    await pilot.press("enter")
    await wait_until_async(lambda: isinstance(app.screen, EditValue), what="the edit dialog",
                           pilot=pilot)  # fmt: skip
    dialog = app.screen
    dialog.query_one("#value", Input).value = "77"
    radios = dialog.query_one("#scope", RadioSet)
    shot_button = next(b for b in radios.query("RadioButton") if b.name == "shot")
    shot_button.value = True
    await pilot.click("#save")
    await wait_until_async(lambda: row("amountOfMotion").scope == "shot",
                           what="amountOfMotion set at shot scope", pilot=pilot)  # fmt: skip
    assert row("amountOfMotion").value == 77
    await wait_until_async(lambda: row("amountOfMotion").status == "saved",
                           what="amountOfMotion saved", pilot=pilot)  # fmt: skip
    assert _stored(demo_dsn, shot.id).get("amountOfMotion") == 77

    await pilot.press("r")
    await wait_until_async(lambda: row("amountOfMotion").scope == "project",
                           what="amountOfMotion inherited again", pilot=pilot)  # fmt: skip
    await wait_until_async(lambda: row("amountOfMotion").status == "saved",
                           what="the reset saved", pilot=pilot)  # fmt: skip
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
    await pilot.press("U")
    await wait_until_async(lambda: isinstance(app.screen, UploadScreen),
                           what="the upload screen", pilot=pilot)  # fmt: skip
    screen = app.screen
    screen.query_one("#paths", Input).value = str(picture)
    await pilot.click("#start")
    await wait_until_async(lambda: not screen.model.state.running and screen.model.state.files,
                           what="the upload to finish", timeout=30, pilot=pilot)  # fmt: skip
    state = screen.model.state
    assert state.fraction == 1.0
    assert [f.status for f in state.files] == ["uploaded"]
    with psycopg.connect(demo_dsn) as conn:
        row = conn.execute(
            "SELECT count(*) FROM generations WHERE params ->> 'original_filename' = %s",
            ("sunset.png",),
        ).fetchone()
    assert row == (1,)


async def test_a_change_from_another_connection_shows_live(
    running: tuple[WorkbenchApp, Any], demo_dsn: str
) -> None:
    """Only a live update can show it: the page stays fresh for 30 s and nothing polls. (How
    fast it arrives is measured by benchmarks/realtime_bench.py, not asserted here.)"""
    app, pilot = running
    await wait_until_async(lambda: app.wb.live, what="live updates", pilot=pilot)
    item = gallery(app).items[0]
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        conn.execute("UPDATE generations SET starred = NOT starred WHERE id = %s", (item.id,))
    await wait_until_async(lambda: gallery(app).items[0].starred != item.starred,
                           what="the other connection's star on the first tile", timeout=10,
                           pilot=pilot)  # fmt: skip


async def test_help_screen_and_palette_list_every_action(
    running: tuple[WorkbenchApp, Any],
) -> None:
    app, pilot = running
    await pilot.press("question_mark")
    await wait_until_async(lambda: type(app.screen).__name__ == "HelpScreen",
                           what="the help screen", pilot=pilot)  # fmt: skip
    await pilot.press("escape")
    titles = [c.title for c in app.get_system_commands(app.screen)]
    for wanted in ("Gallery: star / unstar", "Filter: videos only", "Settings: reset field",
                   "Upload files", "Gallery: move later"):  # fmt: skip
        assert wanted in titles


async def test_detail_view(running: tuple[WorkbenchApp, Any]) -> None:
    app, pilot = running
    await pilot.press("enter")
    await wait_until_async(lambda: type(app.screen).__name__ == "DetailScreen",
                           what="the detail screen", pilot=pilot)  # fmt: skip
    screen = app.screen
    await wait_until_async(lambda: screen.model.state.detail is not None,
                           what="the detail screen's generation", pilot=pilot)  # fmt: skip
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
        await started(again, pilot, ("GalleryGrid", "DataTable"))  # remembered: settings
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
