"""The TUI's list of the changes this session made, under Pilot on a real PostgreSQL holding
the demo: ``c`` lists a star and a delete made in the app, newest first; ``u`` there undoes
and the row says so; a conflict warns with the way to force it, and ``F`` forces after a
confirm; the command palette opens the list, the settings history and the comparison."""

from __future__ import annotations

import re
import uuid
from typing import Any

import psycopg
from textual.binding import Binding
from textual.widgets import DataTable, Label
from waiting import settle, wait_until_async

from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.changes import ChangesScreen
from workbench.tui.screens.dialogs import Confirm
from workbench.tui.screens.help import HelpScreen, as_binding
from workbench.tui.screens.settings_history import SettingsDiffScreen, SettingsHistoryScreen


def exists(dsn: str, generation: uuid.UUID) -> bool:
    with psycopg.connect(dsn) as conn:
        found = conn.execute("SELECT 1 FROM generations WHERE id = %s", (generation,))
        return found.fetchone() is not None


def starred(dsn: str, generation: uuid.UUID) -> bool:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT starred FROM generations WHERE id = %s", (generation,))
        found = row.fetchone()
        assert found is not None
        return bool(found[0])


def cells(app: WorkbenchApp) -> list[list[str]]:
    """The changes table as text, one list of cells a row (markup and all)."""
    table = app.screen.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(n)] for n in range(table.row_count)]


def toasts(app: WorkbenchApp) -> list[tuple[str, str]]:
    return [(n.message, n.severity) for n in app._notifications]


async def star_and_delete(app: WorkbenchApp, pilot: Any, dsn: str) -> tuple[Any, Any]:
    """Star the selection, then delete the next item (confirming), as a user would."""
    assert app.models is not None
    first = app.models.gallery.state.selection
    assert first is not None
    await pilot.press("f")
    await wait_until_async(lambda: app.models.wb.changes.can_undo, what="the star", pilot=pilot)
    await pilot.press("right")
    await wait_until_async(lambda: app.models.gallery.state.selection != first,
                           what="the next item", pilot=pilot)  # fmt: skip
    second = app.models.gallery.state.selection
    assert second is not None
    await pilot.press("delete")
    await wait_until_async(lambda: isinstance(app.screen, Confirm), what="the confirm modal",
                           pilot=pilot)  # fmt: skip
    await pilot.click("#yes")
    await wait_until_async(lambda: not exists(dsn, second.id), what="the delete", pilot=pilot)
    await wait_until_async(lambda: len(app.models.wb.history()) == 2, what="both changes",
                           pilot=pilot)  # fmt: skip
    return first, second


async def open_changes(app: WorkbenchApp, pilot: Any, rows: int) -> ChangesScreen:
    await pilot.press("c")
    await wait_until_async(lambda: isinstance(app.screen, ChangesScreen), what="the list",
                           pilot=pilot)  # fmt: skip
    screen = app.screen
    assert isinstance(screen, ChangesScreen)
    await wait_until_async(lambda: screen.query_one(DataTable).row_count == rows,
                           what=f"{rows} rows", pilot=pilot)  # fmt: skip
    return screen


async def test_c_lists_a_star_and_a_delete_newest_first(
    running: tuple[WorkbenchApp, Any], demo_dsn: str
) -> None:
    app, pilot = running
    await star_and_delete(app, pilot, demo_dsn)
    screen = await open_changes(app, pilot, rows=2)
    rows = cells(app)
    assert [r[1] for r in rows] == ["delete", "star"]
    assert rows[0][2].startswith("delete generation")
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d", r[0]) for r in rows), rows  # local time
    assert all(r[3] == "" for r in rows)  # nothing undone yet
    summary = str(screen.query_one("#summary", Label).render())
    assert summary == "2 changes"
    await pilot.press("escape")
    await wait_until_async(lambda: app.screen is app.default_screen, what="the main view",
                           pilot=pilot)  # fmt: skip


async def test_u_in_the_list_undoes_and_the_row_shows_undone(
    running: tuple[WorkbenchApp, Any], demo_dsn: str
) -> None:
    app, pilot = running
    _, deleted = await star_and_delete(app, pilot, demo_dsn)
    await open_changes(app, pilot, rows=2)
    await pilot.press("u")
    await wait_until_async(lambda: exists(demo_dsn, deleted.id), what="the undo", pilot=pilot)
    await wait_until_async(lambda: "undone" in cells(app)[0][3], what="the row marked undone",
                           pilot=pilot)  # fmt: skip
    rows = cells(app)
    assert rows[0][1] == "[dim]delete[/]"  # greyed
    assert rows[1][3] == ""  # the star is still in effect
    await wait_until_async(  # the toast comes from the undo's worker, maybe after the row
        lambda: any(m.startswith("undid: delete generation") for m, _ in toasts(app)),
        what="the undo's toast", pilot=pilot, show=lambda: toasts(app),
    )  # fmt: skip
    assert isinstance(app.screen, ChangesScreen)  # the undo stays on the list


async def test_a_conflict_warns_and_f_forces_after_a_confirm(
    running: tuple[WorkbenchApp, Any], demo_dsn: str
) -> None:
    app, pilot = running
    assert app.models is not None
    item = app.models.gallery.state.selection
    assert item is not None
    await pilot.press("f")
    await wait_until_async(lambda: app.models.wb.changes.can_undo, what="the star", pilot=pilot)
    with psycopg.connect(demo_dsn, autocommit=True) as conn:  # changed again elsewhere
        conn.execute("UPDATE generations SET starred = %s WHERE id = %s",
                     (item.starred, item.id))  # fmt: skip
    await open_changes(app, pilot, rows=1)

    await pilot.press("u")
    await wait_until_async(lambda: any("press F to force" in m for m, _ in toasts(app)),
                           what="the conflict toast", pilot=pilot)  # fmt: skip
    message, severity = next(t for t in toasts(app) if "press F to force" in t[0])
    assert severity == "warning"
    assert message.startswith("cannot undo")
    assert "force=True" not in message  # the API's hint is not the TUI's
    assert app.models.wb.changes.can_undo  # nothing was undone

    await pilot.press("F")  # asks first; Cancel keeps it
    await wait_until_async(lambda: isinstance(app.screen, Confirm), what="the confirm modal",
                           pilot=pilot)  # fmt: skip
    await pilot.press("escape")
    await wait_until_async(lambda: isinstance(app.screen, ChangesScreen), what="the list",
                           pilot=pilot)  # fmt: skip
    await settle(pilot)
    assert app.models.wb.changes.can_undo

    await pilot.press("F")
    await wait_until_async(lambda: isinstance(app.screen, Confirm), what="the confirm modal",
                           pilot=pilot)  # fmt: skip
    confirm = app.screen
    assert isinstance(confirm, Confirm)
    assert confirm.confirmation.verb == "Overwrite and undo"
    assert "anyway" in confirm.confirmation.question
    assert any("starred again since" in line or "unstarred again since" in line
               for line in confirm.confirmation.details), confirm.confirmation  # fmt: skip
    await pilot.click("#yes")
    await wait_until_async(lambda: not app.models.wb.changes.can_undo, what="the forced undo",
                           pilot=pilot)  # fmt: skip
    await wait_until_async(lambda: "undone" in cells(app)[0][3], what="the row marked undone",
                           pilot=pilot)  # fmt: skip
    assert starred(demo_dsn, item.id) == item.starred
    await wait_until_async(
        lambda: any(m.startswith("undid: star") for m, _ in toasts(app)),
        what="the undo's toast", pilot=pilot, show=lambda: toasts(app),
    )  # fmt: skip


async def test_the_apps_conflict_toast_says_how_to_force(
    running: tuple[WorkbenchApp, Any], demo_dsn: str
) -> None:
    app, pilot = running
    assert app.models is not None
    item = app.models.gallery.state.selection
    assert item is not None
    await pilot.press("f")
    await wait_until_async(lambda: app.models.wb.changes.can_undo, what="the star", pilot=pilot)
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        conn.execute("UPDATE generations SET starred = %s WHERE id = %s",
                     (item.starred, item.id))  # fmt: skip
    await pilot.press("u")
    await wait_until_async(lambda: any("cannot undo" in m for m, _ in toasts(app)),
                           what="the conflict toast", pilot=pilot)  # fmt: skip
    message = next(m for m, _ in toasts(app) if "cannot undo" in m)
    assert "press c, then F, to force" in message
    assert "workbench undo --force" in message


async def test_the_list_follows_changes_made_while_it_is_shown(
    running: tuple[WorkbenchApp, Any],
) -> None:
    app, pilot = running
    assert app.models is not None
    await open_changes(app, pilot, rows=0)
    assert str(app.screen.query_one("#summary", Label).render()) == (
        "no change made in this session yet"
    )
    item = app.models.gallery.state.selection
    assert item is not None
    app.models.wb.star(item.id, not item.starred)  # as the notebook's code in this process
    await wait_until_async(lambda: app.screen.query_one(DataTable).row_count == 1,
                           what="the new row", pilot=pilot)  # fmt: skip
    assert cells(app)[0][1] == "star"


async def run_palette(app: WorkbenchApp, pilot: Any, title: str) -> None:
    """Open the command palette, type ``title`` and run the command it finds first."""
    await pilot.press("ctrl+p")
    await wait_until_async(lambda: type(app.screen).__name__ == "CommandPalette",
                           what="the command palette", pilot=pilot)  # fmt: skip
    await pilot.press(*title)
    await settle(pilot)
    await pilot.press("enter")


async def test_the_palette_offers_undo_changes_settings_history_and_compare(
    running: tuple[WorkbenchApp, Any],
) -> None:
    app, pilot = running
    titles = {c.title for c in app.get_system_commands(app.screen)}
    wanted = {"Undo", "Changes made this session", "Settings history", "Compare settings"}
    assert wanted <= titles, titles - wanted

    await run_palette(app, pilot, "Changes made this session")
    await wait_until_async(lambda: isinstance(app.screen, ChangesScreen), what="the list",
                           pilot=pilot)  # fmt: skip

    # From the list (which covers the main view), to the settings tab, then its history.
    await run_palette(app, pilot, "Settings history")
    await wait_until_async(lambda: isinstance(app.screen, SettingsHistoryScreen),
                           what="the settings history", pilot=pilot)  # fmt: skip
    assert app.screen_stack[-2] is app.default_screen  # the list was left, not covered
    assert app.query_one("#tabs").active == "settings-tab"  # type: ignore[attr-defined]

    await run_palette(app, pilot, "Compare settings")
    await wait_until_async(lambda: isinstance(app.screen, SettingsDiffScreen),
                           what="the comparison", pilot=pilot)  # fmt: skip
    assert app.screen_stack[-2] is app.default_screen


async def test_the_changes_key_is_free_everywhere_and_in_the_help(
    running: tuple[WorkbenchApp, Any],
) -> None:
    """``c`` opens the list from every pane: no pane, screen or focused widget of the app
    binds it to anything else."""
    app, pilot = running
    from textual.widgets import Checkbox, Input, OptionList, Select, Tree

    import workbench.tui.app as app_module
    from workbench.tui.components import filters, gallery, navigator, settings
    from workbench.tui.screens import detail, dialogs, help, settings_history, upload

    modules = [app_module, filters, gallery, navigator, settings, detail, dialogs, help,
               settings_history, upload]  # fmt: skip
    classes = {v for m in modules for v in vars(m).values() if isinstance(v, type)}
    classes |= {DataTable, Tree, OptionList, Input, Select, Checkbox, ChangesScreen}
    uses = [
        (cls.__name__, b.action)
        for cls in classes
        for b in map(as_binding, getattr(cls, "BINDINGS", []))
        if "c" in [k.strip() for k in b.key.split(",")]
    ]
    assert uses == [("WorkbenchApp", "changes")]

    await pilot.press("question_mark")
    await wait_until_async(lambda: isinstance(app.screen, HelpScreen), what="the help",
                           pilot=pilot)  # fmt: skip
    sections = [title for title, _ in app.screen.sections]
    assert "Changes made this session (`c`)" in sections
    everywhere = [as_binding(b) for b in app.screen.sections[0][1]]
    assert any(b.key == "c" and b.action == "changes" for b in everywhere)
    assert isinstance(everywhere[0], Binding)
