"""The gallery's multi-selection and its bulk actions under Pilot, on a real PostgreSQL
holding the demo: select with space, shift+arrows and ``*``, the count in the status line,
the selection across pages, and star / delete / add to shot acting on all of it at once."""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path
from typing import Any

import psycopg
from textual.content import Content
from textual.widgets import Input, Label, OptionList, RadioSet
from waiting import settle, wait_until_async

from workbench.client import Workbench
from workbench.settings.scopes import Badge
from workbench.tui.app import WorkbenchApp
from workbench.tui.components.gallery import GalleryGrid, Tile, fit_badges
from workbench.tui.components.status import StatusLine
from workbench.tui.screens.dialogs import AskDownload, Confirm, PickShot
from workbench.tui.screens.download import DownloadScreen
from workbench.views.cards import SELECTED


def gallery(app: WorkbenchApp) -> Any:
    return app.models.gallery.state


def status_text(app: WorkbenchApp) -> str:
    """What the status line shows now (plain text)."""
    app._refresh_status()
    return str(app.query_one(StatusLine).render())


def marked_tiles(app: WorkbenchApp) -> list[int]:
    return sorted(t.index for t in app.query(Tile) if t.has_class("-marked"))


async def test_space_shift_arrows_and_star_select_and_the_status_counts(
    running: tuple[WorkbenchApp, Any],
) -> None:
    app, pilot = running
    columns = app.query_one(GalleryGrid)._columns
    items = gallery(app).items
    await pilot.press("space")
    assert gallery(app).marked_ids == {items[0].id}
    await pilot.press("shift+right", "shift+down")  # 0 and 1, then 1 and the one below it
    wanted = {items[0].id, items[1].id, items[1 + columns].id}
    assert gallery(app).marked_ids == wanted
    assert gallery(app).selected == 1 + columns  # the cursor went along
    await settle(pilot)
    assert marked_tiles(app) == [0, 1, 1 + columns]
    tile = next(t for t in app.query(Tile) if t.index == 1)
    assert "✓" in str(tile.query_one(".caption").render())
    assert tile.styles.border.top[1].hex.lower() == SELECTED  # the selection's own colour
    cursor = next(t for t in app.query(Tile) if t.index == 1 + columns)
    assert cursor.has_class("-selected")  # the cursor, and the selection: both shown
    assert cursor.has_class("-marked")
    assert "3 selected" in status_text(app)

    await pilot.press("space")  # the cursor's item: unselected again
    assert gallery(app).marked_ids == {items[0].id, items[1].id}
    await pilot.press("asterisk")  # the whole page
    assert gallery(app).marked_ids == {i.id for i in items}
    await settle(pilot)
    assert f"{len(items)} selected" in status_text(app)
    assert marked_tiles(app) == list(range(len(items)))
    await pilot.press("asterisk")  # all selected: unselects the page
    assert not gallery(app).marked
    await pilot.press("space", "escape")  # escape clears the selection
    assert not gallery(app).marked
    await settle(pilot)
    assert marked_tiles(app) == []
    assert "selected" not in status_text(app)


async def test_the_selection_survives_paging(running: tuple[WorkbenchApp, Any]) -> None:
    app, pilot = running
    first = gallery(app).items[:2]
    await pilot.press("space", "right", "space", "n")
    await wait_until_async(lambda: gallery(app).page.page == 2, what="page 2", pilot=pilot)
    assert gallery(app).marked_ids == {i.id for i in first}
    await settle(pilot)
    assert marked_tiles(app) == []  # none of page 2's items is selected
    assert "2 selected" in status_text(app)
    await pilot.press("space")
    assert len(gallery(app).marked) == 3
    await pilot.press("p")
    await wait_until_async(lambda: gallery(app).page.page == 1, what="page 1", pilot=pilot)
    await settle(pilot)
    assert marked_tiles(app) == [0, 1]
    assert "3 selected" in status_text(app)


async def test_bulk_star_of_three_is_one_change_and_one_undo(
    running: tuple[WorkbenchApp, Any], wb: Workbench, demo_dsn: str
) -> None:
    app, pilot = running
    items = gallery(app).items
    chosen = [i for i in items if not i.starred][:3]
    assert len(chosen) == 3  # the demo's first page has unstarred items
    for item in chosen:
        app.models.gallery.toggle_mark(items.index(item))
    before = len(wb.history())
    await pilot.press("f")
    await wait_until_async(lambda: _starred(demo_dsn, chosen) == [True] * 3,
                           what="the three starred in the database", pilot=pilot)  # fmt: skip
    await wait_until_async(lambda: len(wb.history()) == before + 1, what="one change",
                           pilot=pilot)  # fmt: skip
    await settle(pilot)
    assert len(wb.history()) == before + 1  # one change for the batch, not three
    await wait_until_async(lambda: all(gallery(app).items[items.index(i)].starred for i in chosen),
                           what="the stars on the tiles", pilot=pilot)  # fmt: skip
    star_lines = [str(t.query_one(".caption").render()) for t in app.query(Tile)
                  if t.item.id in {i.id for i in chosen}]  # fmt: skip
    assert all("★" in line for line in star_lines)
    await pilot.press("u")  # one undo unstars all three
    await wait_until_async(lambda: _starred(demo_dsn, chosen) == [False] * 3,
                           what="the three unstarred again", pilot=pilot)  # fmt: skip


def _starred(dsn: str, items: list[Any]) -> list[bool]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT id, starred FROM generations WHERE id = ANY(%s)", ([i.id for i in items],)
        ).fetchall()
    found = dict(rows)
    return [found[i.id] for i in items]


async def test_bulk_delete_asks_once_and_one_undo_brings_all_back(
    running: tuple[WorkbenchApp, Any], demo_dsn: str
) -> None:
    app, pilot = running
    items = gallery(app).items
    await pilot.press("space", "shift+right", "shift+right")
    chosen = [i.id for i in items[:3]]
    assert set(chosen) == gallery(app).marked_ids
    await pilot.press("delete")
    await wait_until_async(lambda: isinstance(app.screen, Confirm), what="the confirmation",
                           pilot=pilot)  # fmt: skip
    assert app.screen.confirmation.question.startswith("Delete 3 generations")
    await settle(pilot)
    await pilot.click("#yes")
    await wait_until_async(lambda: _count(demo_dsn, chosen) == 0, what="the three deleted",
                           pilot=pilot)  # fmt: skip
    assert not isinstance(app.screen, Confirm)  # asked once, not three times
    await wait_until_async(lambda: not set(chosen) & {i.id for i in gallery(app).items},
                           what="the page without them", pilot=pilot)  # fmt: skip
    await wait_until_async(lambda: not gallery(app).marked,  # gone: no longer selected
                           what="an empty selection", pilot=pilot)  # fmt: skip
    await pilot.press("u")
    await wait_until_async(lambda: _count(demo_dsn, chosen) == 3, what="all three back",
                           pilot=pilot)  # fmt: skip


def _count(dsn: str, ids: list[uuid.UUID]) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM generations WHERE id = ANY(%s)", (ids,))
        return int(row.fetchone()[0])


async def test_add_two_to_a_shot_unpositioned(
    running: tuple[WorkbenchApp, Any], wb: Workbench, demo_dsn: str
) -> None:
    app, pilot = running
    project = wb.projects()[0]
    shot = wb.shots(project)[-1]
    items = [i for i in gallery(app).items if shot.id not in i.shot_ids and not i.is_video][:2]
    for item in items:
        app.models.gallery.toggle_mark(gallery(app).items.index(item))
    await pilot.press("a")
    await wait_until_async(lambda: isinstance(app.screen, PickShot), what="the shot picker",
                           pilot=pilot)  # fmt: skip
    dialog = app.screen
    unpositioned = next(b for b in dialog.query_one("#where", RadioSet).query("RadioButton")
                        if b.name == "unpositioned")  # fmt: skip
    unpositioned.value = True
    options = dialog.query_one("#shots", OptionList)
    options.focus()
    options.highlighted = next(n for n in range(options.option_count)
                               if options.get_option_at_index(n).id == str(shot.id))  # fmt: skip
    await pilot.press("enter")

    def links() -> list[Any]:
        with psycopg.connect(demo_dsn) as conn:
            return conn.execute(
                "SELECT generation_id, timeline_frame FROM shot_generations "
                "WHERE shot_id = %s AND generation_id = ANY(%s)",
                (shot.id, [i.id for i in items]),
            ).fetchall()

    await wait_until_async(lambda: len(links()) == 2, what="both linked", pilot=pilot)
    assert [frame for _, frame in links()] == [None, None]  # unpositioned
    await wait_until_async(lambda: all(shot.id in i.shot_ids for i in gallery(app).items
                                       if i.id in {x.id for x in items}),
                           what="the page showing the links", pilot=pilot)  # fmt: skip
    await settle(pilot)
    for tile in app.query(Tile):
        if tile.item.id in {i.id for i in items}:
            badge = next(s for s in tile.card.shots if s.shot_id == shot.id)
            assert not badge.positioned
            assert str(tile.query_one(".badges").render()) == _plain(fit_badges(tile.card.badges))


def _plain(markup: str) -> str:
    return Content.from_markup(markup).plain


def test_badges_fit_the_tile() -> None:
    """Badges that do not fit become "+N"; a first one too long is cut with "…"."""
    badges = [Badge("2 new", "#a8730b"), Badge("3 variants", "#767e8a"), Badge("Dawn", "#d4500f")]
    assert _plain(fit_badges(badges, 80)) == " 2 new   3 variants   Dawn "
    assert _plain(fit_badges(badges, 24)) == " 2 new   3 variants  +1"
    assert _plain(fit_badges(badges, 20)) == " 2 new  +2"
    long = Badge("A very long shot name (unpositioned)", "#767e8a")
    assert _plain(fit_badges([long], 20)) == " A very long shot n…"
    assert _plain(fit_badges([long, badges[0]], 20)) == " A very long sho… +1"
    assert "on #767e8a" in fit_badges([long], 20)  # in the badge's colour
    assert fit_badges([], 20) == ""


async def test_download_two_selected_into_a_zip(
    running: tuple[WorkbenchApp, Any], tmp_path: Path
) -> None:
    app, pilot = running
    items = gallery(app).items
    await pilot.press("space", "shift+right", "D")
    await wait_until_async(lambda: isinstance(app.screen, AskDownload), what="the dialog",
                           pilot=pilot)  # fmt: skip
    dialog = app.screen
    box = dialog.query_one("#path", Input)
    assert box.value.endswith(".zip")  # the default: a zip named after the gallery
    assert gallery(app).title.split()[0] in Path(box.value).name
    (tmp_path / "taken.zip").write_bytes(b"")
    box.value = str(tmp_path / "taken.zip")
    await pilot.click("#go")
    assert app.screen is dialog  # refused, and said why
    assert "exists already" in str(dialog.query_one("#path-error", Label).render())
    box.value = str(tmp_path / "two.zip")
    box.focus()
    await pilot.press("enter")
    await wait_until_async(lambda: isinstance(app.screen, DownloadScreen),
                           what="the download screen", pilot=pilot)  # fmt: skip
    screen = app.screen
    await wait_until_async(lambda: screen.model.state.result is not None, what="the download",
                           timeout=30, pilot=pilot, show=lambda: screen.model.state)  # fmt: skip
    await settle(pilot)
    state = screen.model.state
    assert state.error is None
    assert state.files_total == 2
    assert "done" in str(screen.query_one("#download-status", Label).render())
    with zipfile.ZipFile(tmp_path / "two.zip") as archive:
        names = archive.namelist()
    for item in items[:2]:
        assert any(str(item.id)[:8] in name for name in names), names
    await pilot.press("escape")
    assert not isinstance(app.screen, DownloadScreen)


async def test_remove_two_from_a_shot_asks_once(
    running: tuple[WorkbenchApp, Any], wb: Workbench, demo_dsn: str
) -> None:
    app, pilot = running
    project = wb.projects()[0]
    shot = next(s for s in wb.shots(project) if wb.generations(shot_id=s.id).total >= 3)
    app.go_to(project.id, shot.id)
    await wait_until_async(lambda: gallery(app).mode == "shot" and gallery(app).title == shot.name
                           and not gallery(app).loading, what="the shot's gallery",
                           pilot=pilot)  # fmt: skip
    await settle(pilot)
    chosen = [i.id for i in gallery(app).items[:2]]
    await pilot.press("space", "shift+right", "x")
    await wait_until_async(lambda: isinstance(app.screen, Confirm), what="the confirmation",
                           pilot=pilot)  # fmt: skip
    assert app.screen.confirmation.question.startswith("Remove 2 generations")
    await settle(pilot)
    await pilot.click("#yes")

    def linked() -> int:
        with psycopg.connect(demo_dsn) as conn:
            row = conn.execute(
                "SELECT count(*) FROM shot_generations WHERE shot_id = %s "
                "AND generation_id = ANY(%s)",
                (shot.id, chosen),
            ).fetchone()
            return int(row[0])

    await wait_until_async(lambda: linked() == 0, what="both unlinked", pilot=pilot)
    assert _count(demo_dsn, chosen) == 2  # the generations stay in the project
    await pilot.press("u")
    await wait_until_async(lambda: linked() == 2, what="both linked again", pilot=pilot)
