"""The filter bar's every filter, the command palette's "Go to" and actions, the download
dialog's checks, and the tool list the filter offers, on a real PostgreSQL holding the demo."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pilot_app import started
from textual.command import CommandInput, CommandList, CommandPalette
from textual.widgets import Checkbox, Select
from waiting import settle, wait_until_async

from workbench.client import Workbench
from workbench.errors import ValidationError
from workbench.generations.tools import tool_types
from workbench.tui.app import WorkbenchApp
from workbench.tui.components.filters import NO_SHOT, FilterBar
from workbench.tui.screens.dialogs import default_download_path, download_destination


def gallery(app: WorkbenchApp) -> Any:
    return app.models.gallery.state


async def loaded(app: WorkbenchApp, pilot: Any, what: str, check: Any) -> None:
    """Wait until the gallery shows a page with ``check(filters)`` true."""
    await wait_until_async(lambda: check(gallery(app).filters) and not gallery(app).loading
                           and gallery(app).page is not None, what=what, pilot=pilot)  # fmt: skip
    await settle(pilot)


async def test_the_filter_bar_sets_tool_shot_edits_and_unpositioned(
    running: tuple[WorkbenchApp, Any], wb: Workbench
) -> None:
    app, pilot = running
    bar = app.query_one(FilterBar)
    assert not bar.more_shown  # the less used filters wait behind F
    await pilot.press("F")
    assert bar.more_shown
    project = wb.projects()[0]
    tool = app.query_one("#tool", Select)
    await wait_until_async(lambda: "edit-images" in tool._legal_values, what="the tool list",
                           pilot=pilot)  # fmt: skip
    assert set(tool._legal_values) - {Select.NULL} == set(wb.tool_types(project))

    tool.value = "edit-images"
    await loaded(app, pilot, "the edits' tool", lambda f: f.tool_type == "edit-images")
    assert gallery(app).items
    assert {i.tool_type for i in gallery(app).items} == {"edit-images"}
    tool.value = Select.NULL
    await loaded(app, pilot, "any tool", lambda f: f.tool_type is None)

    shot = wb.shots(project)[1]
    app.query_one("#shot", Select).value = str(shot.id)
    await loaded(app, pilot, "the shot's items", lambda f: f.in_shot == shot.id)
    assert gallery(app).items
    assert all(shot.id in i.shot_ids for i in gallery(app).items)
    app.query_one("#shot", Select).value = NO_SHOT
    await loaded(app, pilot, "items in no shot", lambda f: f.in_no_shot and f.in_shot is None)
    assert all(not i.shot_ids for i in gallery(app).items)
    app.query_one("#shot", Select).value = Select.NULL
    await loaded(app, pilot, "any shot", lambda f: not f.in_no_shot and f.in_shot is None)

    app.query_one("#edits", Checkbox).value = True
    await loaded(app, pilot, "edits only", lambda f: f.edits_only)
    assert gallery(app).items
    assert all(i.based_on is not None for i in gallery(app).items)
    app.query_one("#edits", Checkbox).value = False
    await loaded(app, pilot, "not only edits", lambda f: not f.edits_only)

    app.query_one("#unpositioned", Checkbox).value = True
    await loaded(app, pilot, "unpositioned", lambda f: f.unpositioned)
    assert gallery(app).items
    assert all(i.shot_ids and not i.is_video for i in gallery(app).items)
    await pilot.press("F")  # hiding the row keeps an active filter's row shown
    assert bar.more_shown


async def test_every_filter_fits_100_columns(wb: Workbench) -> None:
    app = WorkbenchApp(wb, page_size=12)
    async with app.run_test(size=(100, 40)) as pilot:
        await started(app, pilot)
        await pilot.press("F")
        await settle(pilot)
        screen = app.screen.region
        for name in ("#search", "#media", "#starred", "#sort", "#tool", "#shot", "#edits",
                     "#unpositioned"):  # fmt: skip
            control = app.query_one(name)
            assert control.region.width >= 8, name
            assert screen.contains_region(control.region), name


async def open_palette(app: WorkbenchApp, pilot: Any, text: str) -> None:
    """Open the command palette, type ``text`` and run the best hit."""
    await pilot.press("ctrl+p")
    await wait_until_async(lambda: isinstance(app.screen, CommandPalette), what="the palette",
                           pilot=pilot)  # fmt: skip
    palette = app.screen
    await settle(pilot)  # its first list (every command) shown: typing replaces it
    palette.query_one(CommandInput).value = text
    results = palette.query_one(CommandList)

    def first() -> str:
        return str(results.get_option_at_index(0).prompt) if results.option_count else ""

    await wait_until_async(lambda: first().startswith(text), what=f"the hit {text!r}",
                           pilot=pilot, show=first)  # fmt: skip
    await pilot.press("enter")
    await wait_until_async(lambda: not isinstance(app.screen, CommandPalette),
                           what="the palette closed", pilot=pilot)  # fmt: skip


async def test_the_palette_goes_to_a_shot_by_name_and_selects_its_page(
    running: tuple[WorkbenchApp, Any], wb: Workbench
) -> None:
    app, pilot = running
    project = wb.projects()[0]
    shot = wb.shots(project)[2]
    await open_palette(app, pilot, f"Go to shot: {shot.name}")
    await wait_until_async(lambda: gallery(app).mode == "shot" and gallery(app).title == shot.name
                           and not gallery(app).loading, what="the shot's gallery",
                           pilot=pilot)  # fmt: skip
    assert app.models.navigator.state.shot_id == shot.id
    await settle(pilot)
    await open_palette(app, pilot, "Gallery: select page")
    assert gallery(app).marked_ids == {i.id for i in gallery(app).items}
    await open_palette(app, pilot, f"Go to project: {project.name}")
    await wait_until_async(lambda: gallery(app).mode == "project", what="the project's gallery",
                           pilot=pilot)  # fmt: skip


def test_the_download_dialog_checks_the_path(tmp_path: Path) -> None:
    when = datetime(2026, 11, 29, 18, 5)
    path = default_download_path("Neon / Coastline: night", when)
    assert path.name == "Neon-Coastline-night-20261129-1805.zip"
    assert path.parent == Path("~/Downloads").expanduser()
    assert download_destination(str(tmp_path / "a.zip")) == {"zip": tmp_path / "a.zip"}
    assert download_destination(f" {tmp_path / 'out'} ") == {"to": tmp_path / "out"}
    assert download_destination(str(tmp_path)) == {"to": tmp_path}
    (tmp_path / "there.zip").write_bytes(b"")
    (tmp_path / "file").write_bytes(b"")
    for bad, why in [("", "type a folder"), (str(tmp_path / "there.zip"), "exists already"),
                     (str(tmp_path / "no" / "a.zip"), "no folder"),
                     (str(tmp_path / "file"), "is a file"),
                     (str(tmp_path / "no" / "deeper"), "no folder")]:  # fmt: skip
        with pytest.raises(ValidationError, match=why):
            download_destination(bad)


def test_tool_types_are_the_projects_with_reconstructed_folded(
    wb: Workbench, demo_dsn: str
) -> None:
    project = wb.projects()[0]
    present = {i.tool_type for i in wb.iter_generations(project)}
    assert wb.tool_types(project) == tuple(sorted(t for t in present if t))
    first, second = list(wb.iter_generations(project))[:2]
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        conn.execute(
            "UPDATE generations SET params = jsonb_set(params, '{tool_type}', "
            "'\"yy-tool-reconstructed-client\"') WHERE id = %s",
            (first.id,),
        )
        conn.execute(
            "UPDATE generations SET params = jsonb_set(params, '{tool_type}', '\"zz-tool\"') "
            "WHERE id = %s",
            (second.id,),
        )
        found = tool_types(conn, wb.user_id, project.id)
        assert {"yy-tool", "zz-tool"} <= set(found)
        assert not any(t.endswith("-reconstructed-client") for t in found)
        assert list(found) == sorted(found)
        assert tool_types(conn, uuid.uuid4(), project.id) == ()  # another user's: nothing
