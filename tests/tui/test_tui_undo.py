"""Confirm and undo in the TUI, under Pilot on a real PostgreSQL holding the demo: Delete
asks in a modal (Cancel keeps the item, the verb deletes it), ``u`` brings it back with the
same id and links, and a conflict is reported, not forced."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from textual.widgets import Label
from waiting import settle, wait_until_async

from workbench.client import Workbench
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.dialogs import Confirm


def exists(dsn: str, generation: uuid.UUID) -> bool:
    with psycopg.connect(dsn) as conn:
        return (
            conn.execute("SELECT 1 FROM generations WHERE id = %s", (generation,)).fetchone()
            is not None
        )


def links(dsn: str, generation: uuid.UUID) -> list[Any]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT to_jsonb(sg) FROM shot_generations sg WHERE generation_id = %s ORDER BY id",
            (generation,),
        ).fetchall()


async def test_delete_asks_cancel_keeps_confirm_deletes_u_brings_back(
    running: tuple[WorkbenchApp, Any], demo_dsn: str
) -> None:
    app, pilot = running
    item = app.models.gallery.state.selection
    assert item is not None
    before = links(demo_dsn, item.id)

    await pilot.press("delete")
    await wait_until_async(lambda: isinstance(app.screen, Confirm), what="the confirm modal",
                           pilot=pilot)  # fmt: skip
    text = " ".join(str(label.render()) for label in app.screen.query(Label))
    assert "Delete the" in text
    assert "Undo brings it back" in text
    await pilot.press("enter")  # Cancel has the focus: an Enter by habit changes nothing
    await wait_until_async(lambda: not isinstance(app.screen, Confirm), what="the modal to close",
                           pilot=pilot)  # fmt: skip
    await settle(pilot)
    assert exists(demo_dsn, item.id)

    await pilot.press("delete")
    await wait_until_async(lambda: isinstance(app.screen, Confirm), what="the confirm modal",
                           pilot=pilot)  # fmt: skip
    await pilot.click("#yes")
    await wait_until_async(lambda: not exists(demo_dsn, item.id), what="the delete",
                           pilot=pilot)  # fmt: skip
    await wait_until_async(
        lambda: all(i.id != item.id for i in app.models.gallery.state.items),
        what="the gallery without it", pilot=pilot,
    )  # fmt: skip

    await pilot.press("u")
    await wait_until_async(lambda: exists(demo_dsn, item.id), what="the undo", pilot=pilot)
    assert links(demo_dsn, item.id) == before
    await wait_until_async(
        lambda: any(i.id == item.id for i in app.models.gallery.state.items),
        what="the gallery with it again", pilot=pilot,
    )  # fmt: skip
    # The toast comes from the undo's worker, which may finish after the gallery reloaded.
    await wait_until_async(
        lambda: any(str(n.message).startswith("undid: delete generation")
                    for n in app._notifications),
        what="the undo's toast", pilot=pilot,
        show=lambda: [n.message for n in app._notifications],
    )  # fmt: skip


async def test_ctrl_z_undoes_a_star_and_a_conflict_is_reported(
    running: tuple[WorkbenchApp, Any], demo_dsn: str
) -> None:
    app, pilot = running
    item = app.models.gallery.state.selection
    assert item is not None
    await pilot.press("f")
    await wait_until_async(lambda: app.models.wb.changes.can_undo, what="the star", pilot=pilot)
    with psycopg.connect(demo_dsn, autocommit=True) as conn:  # changed again elsewhere
        conn.execute("UPDATE generations SET starred = %s WHERE id = %s",
                     (item.starred, item.id))  # fmt: skip
    await pilot.press("ctrl+z")
    await wait_until_async(
        lambda: any("cannot undo" in n.message for n in app._notifications),
        what="the conflict toast", pilot=pilot,
    )  # fmt: skip
    assert app.models.wb.changes.can_undo  # nothing was undone


async def test_remove_from_shot_asks_first(
    running: tuple[WorkbenchApp, Any], wb: Workbench
) -> None:
    app, pilot = running
    project = wb.projects()[0]
    shot = wb.shots(project)[0]
    await pilot.pause()
    app.models.gallery.set_target(project_id=project.id, shot_id=shot.id)
    state = lambda: app.models.gallery.state  # noqa: E731
    await wait_until_async(lambda: state().mode == "shot" and state().items, what="the shot",
                           pilot=pilot)  # fmt: skip
    count = len(app.models.gallery.state.items)
    await pilot.press("x")
    await wait_until_async(lambda: isinstance(app.screen, Confirm), what="the confirm modal",
                           pilot=pilot)  # fmt: skip
    assert app.screen.confirmation.verb == "Remove"
    await pilot.press("escape")
    await settle(pilot)
    assert len(app.models.gallery.state.items) == count
