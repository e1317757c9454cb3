"""The detail screen under Pilot, on the demo in a real PostgreSQL: the gallery's previous and
next item across pages, the original opened or copied, the variants' keys (delete with its
refusals and undo, star, viewed as the cursor moves) and a video's frame strip."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import psycopg
import pytest
from pilot_app import SIZE, started
from textual.widgets import DataTable, Label
from waiting import settle, wait_until_async

from workbench.client import Workbench
from workbench.models import Generation
from workbench.tui.app import WorkbenchApp
from workbench.tui.images import Picture
from workbench.tui.screens.detail import DetailScreen
from workbench.tui.screens.dialogs import Confirm
from workbench.views import DetailModel


def toasts(app: WorkbenchApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def open_detail(
    app: WorkbenchApp, pilot: Any, item: Generation | None = None, *, gallery: bool = True
) -> DetailScreen:
    """Open ``item`` (else the gallery's selection) on a detail screen, as the gallery does,
    with the gallery to step through."""
    models = app.models
    assert models is not None
    wanted = item or models.gallery.state.selection
    assert wanted is not None
    detail = await asyncio.to_thread(DetailModel, models.wb, wanted.id)
    screen = DetailScreen(detail, models.thumbnails, gallery=models.gallery if gallery else None)
    await app.push_screen(screen)
    await wait_until_async(lambda: screen.model.state.detail is not None,
                           what="the detail's generation", pilot=pilot)  # fmt: skip
    await settle(pilot)
    return screen


def shown(screen: DetailScreen) -> uuid.UUID | None:
    return screen.model.state.generation_id


# -- left and right: the gallery's previous and next, across pages -----------------------------
async def test_left_and_right_step_through_the_gallery_across_pages(wb: Workbench) -> None:
    app = WorkbenchApp(wb, page_size=3)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        assert app.models is not None
        gallery = app.models.gallery
        gallery.select(1)
        screen = await open_detail(app, pilot)
        second = gallery.state.items[1].id
        third = gallery.state.items[2].id
        assert shown(screen) == second
        await pilot.press("right")
        await wait_until_async(lambda: shown(screen) == third, what="the next item",
                               pilot=pilot)  # fmt: skip
        await pilot.press("right")  # off the end of page 1
        await wait_until_async(
            lambda: gallery.state.page is not None and gallery.state.page.page == 2
            and shown(screen) == gallery.state.items[0].id,
            what="page 2's first item", pilot=pilot, show=lambda: shown(screen),
        )  # fmt: skip
        assert app.screen is screen
        await pilot.press("left")  # back over the boundary
        await wait_until_async(lambda: shown(screen) == third, what="page 1's last item",
                               pilot=pilot, show=lambda: shown(screen))  # fmt: skip
        assert gallery.state.page is not None
        assert gallery.state.page.page == 1
        assert gallery.state.selected == 2
        # the variants table has the focus: its up and down stay its own
        assert isinstance(app.focused, DataTable)


async def test_without_a_gallery_left_and_right_are_not_offered(
    running: tuple[WorkbenchApp, Any],
) -> None:
    app, pilot = running
    screen = await open_detail(app, pilot, gallery=False)
    actions = {key: found.binding.action for key, found in app.screen.active_bindings.items()}
    assert actions.get("left") != "step(-1)"
    assert actions.get("right") != "step(1)"
    first = shown(screen)
    await pilot.press("right")
    await settle(pilot)
    assert shown(screen) == first


# -- o and y: the original ---------------------------------------------------------------------
def original_path(item: Generation) -> str:
    assert item.location is not None
    return unquote(urlparse(item.location).path)


async def test_y_copies_where_the_original_is(running: tuple[WorkbenchApp, Any]) -> None:
    app, pilot = running
    screen = await open_detail(app, pilot)
    item = screen.model.state.detail.generation
    path = original_path(item)
    assert Path(path).is_file()
    await pilot.press("y")
    await wait_until_async(lambda: app.clipboard == path, what="the path in the clipboard",
                           pilot=pilot, show=lambda: app.clipboard)  # fmt: skip
    await wait_until_async(lambda: f"copied {path}" in toasts(app), what="the 'copied' toast",
                           pilot=pilot, show=lambda: toasts(app))  # fmt: skip


async def test_o_without_a_display_says_where_the_original_is(
    running: tuple[WorkbenchApp, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, pilot = running
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    screen = await open_detail(app, pilot)
    path = original_path(screen.model.state.detail.generation)
    await pilot.press("o")
    message = f"no viewer on this display; it is at {path}"
    await wait_until_async(lambda: message in toasts(app), what="where the original is",
                           pilot=pilot, show=lambda: toasts(app))  # fmt: skip


# -- the variants: delete (refused, asked, undone), star, viewed -------------------------------
def add_variant(dsn: str, generation: uuid.UUID, location: str) -> uuid.UUID:
    """A non-primary, unviewed 'edit' variant; and the primary made unviewed again."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO generation_variants (generation_id, location, is_primary, variant_type, "
            "name, created_at) VALUES (%s, %s, false, 'edit', 'Edit', now()) RETURNING id",
            (generation, location),
        ).fetchone()
        conn.execute("UPDATE generation_variants SET viewed_at = NULL WHERE generation_id = %s",
                     (generation,))  # fmt: skip
    assert row is not None
    return uuid.UUID(str(row[0]))


def variant_rows(dsn: str, generation: uuid.UUID) -> dict[uuid.UUID, tuple[bool, bool, bool]]:
    """(primary, starred, viewed) of each variant, by id."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT id, is_primary, coalesce(starred, false), viewed_at IS NOT NULL "
            "FROM generation_variants WHERE generation_id = %s",
            (generation,),
        ).fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


async def move_to(pilot: Any, screen: DetailScreen, variant: uuid.UUID) -> None:
    """Move the table's cursor onto ``variant`` with the arrow keys, as a user does."""
    table = screen.query_one("#variants", DataTable)
    keys = [v.id for v in screen.model.state.detail.variants]
    target = keys.index(variant)
    while table.cursor_row != target:
        await pilot.press("down" if table.cursor_row < target else "up")
    await settle(pilot)


@pytest.fixture
def edited(running: tuple[WorkbenchApp, Any], demo_dsn: str) -> tuple[Generation, uuid.UUID]:
    """The gallery's selection (an image), with a second variant that can be deleted."""
    app, _pilot = running
    assert app.models is not None
    item = app.models.gallery.state.selection
    assert item is not None
    assert item.location is not None
    return item, add_variant(demo_dsn, item.id, item.location)


async def test_opening_marks_the_primary_viewed_and_the_new_count_drops(
    running: tuple[WorkbenchApp, Any], wb: Workbench, demo_dsn: str,
    edited: tuple[Generation, uuid.UUID],
) -> None:  # fmt: skip
    app, pilot = running
    item, edit = edited
    assert wb.generation_detail(item.id).generation.unviewed_variant_count == 2
    screen = await open_detail(app, pilot, item)
    primary = next(v.id for v in screen.model.state.detail.variants if v.is_primary)
    assert variant_rows(demo_dsn, item.id)[primary][2], "the primary shown is viewed"
    assert not variant_rows(demo_dsn, item.id)[edit][2]
    assert wb.generation_detail(item.id).generation.unviewed_variant_count == 1
    table = screen.query_one("#variants", DataTable)
    assert table.get_row(str(edit))[3] == "new"
    await move_to(pilot, screen, edit)  # selecting a variant views it, as in Reigh
    await wait_until_async(lambda: variant_rows(demo_dsn, item.id)[edit][2],
                           what="the edit variant viewed", pilot=pilot)  # fmt: skip
    assert wb.generation_detail(item.id).generation.unviewed_variant_count == 0


async def test_d_refuses_the_original_and_deletes_another_variant_undoably(
    running: tuple[WorkbenchApp, Any], demo_dsn: str, edited: tuple[Generation, uuid.UUID]
) -> None:
    app, pilot = running
    item, edit = edited
    screen = await open_detail(app, pilot, item)
    original = next(v.id for v in screen.model.state.detail.variants if v.is_primary)
    await move_to(pilot, screen, original)
    await pilot.press("d")
    await wait_until_async(lambda: "Cannot delete the original variant" in toasts(app),
                           what="the refusal", pilot=pilot, show=lambda: toasts(app))  # fmt: skip
    assert not isinstance(app.screen, Confirm)
    assert set(variant_rows(demo_dsn, item.id)) == {original, edit}, "nothing deleted"

    await move_to(pilot, screen, edit)
    await pilot.press("d")
    await wait_until_async(lambda: isinstance(app.screen, Confirm), what="the question",
                           pilot=pilot)  # fmt: skip
    assert "Delete the edit variant 'Edit'?" in str(app.screen.query_one(Label).content)
    await pilot.click("#yes")
    await wait_until_async(lambda: edit not in variant_rows(demo_dsn, item.id),
                           what="the variant deleted", pilot=pilot)  # fmt: skip
    await wait_until_async(lambda: screen.query_one("#variants", DataTable).row_count == 1,
                           what="the table without it", pilot=pilot)  # fmt: skip
    await pilot.press("u")
    await wait_until_async(lambda: edit in variant_rows(demo_dsn, item.id),
                           what="the variant back after undo", pilot=pilot)  # fmt: skip
    await wait_until_async(lambda: screen.query_one("#variants", DataTable).row_count == 2,
                           what="the table showing it again", pilot=pilot)  # fmt: skip


async def test_cancelling_the_question_deletes_nothing(
    running: tuple[WorkbenchApp, Any], demo_dsn: str, edited: tuple[Generation, uuid.UUID]
) -> None:
    app, pilot = running
    item, edit = edited
    screen = await open_detail(app, pilot, item)
    await move_to(pilot, screen, edit)
    await pilot.press("d")
    await wait_until_async(lambda: isinstance(app.screen, Confirm), what="the question",
                           pilot=pilot)  # fmt: skip
    await pilot.press("enter")  # the focus is on Cancel: an Enter by habit changes nothing
    await wait_until_async(lambda: app.screen is screen, what="the detail again", pilot=pilot)
    await settle(pilot)
    assert edit in variant_rows(demo_dsn, item.id)


async def test_F_stars_the_variant_under_the_cursor(
    running: tuple[WorkbenchApp, Any], demo_dsn: str, edited: tuple[Generation, uuid.UUID]
) -> None:
    app, pilot = running
    item, edit = edited
    screen = await open_detail(app, pilot, item)
    await move_to(pilot, screen, edit)
    await pilot.press("F")
    await wait_until_async(lambda: variant_rows(demo_dsn, item.id)[edit][1],
                           what="the variant starred", pilot=pilot)  # fmt: skip
    table = screen.query_one("#variants", DataTable)
    await wait_until_async(lambda: table.get_row(str(edit))[4] == "★", what="its star shown",
                           pilot=pilot)  # fmt: skip
    assert table.cursor_row == [v.id for v in screen.model.state.detail.variants].index(edit)
    assert screen.model.state.detail.generation.starred == item.starred  # its own star stays
    await pilot.press("F")
    await wait_until_async(lambda: not variant_rows(demo_dsn, item.id)[edit][1],
                           what="the star taken back", pilot=pilot)  # fmt: skip


# -- a video: its first, middle and last frames ------------------------------------------------
async def test_a_video_shows_three_frames_with_its_duration_and_size(
    running: tuple[WorkbenchApp, Any], wb: Workbench
) -> None:
    app, pilot = running
    video = next(g for p in wb.projects() for g in wb.iter_generations(p.id) if g.is_video)
    screen = await open_detail(app, pilot, video)
    frames = [screen.query_one(f"#frame-{n}", Picture) for n in range(3)]
    await wait_until_async(lambda: all(f.picture is not None for f in frames),
                           what="the three frames", pilot=pilot)  # fmt: skip
    assert len({f.picture.tobytes() for f in frames if f.picture is not None}) == 3
    assert all(f.display for f in frames)
    facts = str(screen.query_one("#video-facts", Label).content)
    assert facts.startswith("duration 0:02 · ")
    assert " kB" in facts
    await pilot.press("escape")
    image = next(g for g in app.models.gallery.state.items if not g.is_video)
    screen = await open_detail(app, pilot, image)
    assert not screen.query_one("#strip").display
