"""Managing shots and projects from the TUI under Pilot, on a real PostgreSQL holding the demo:
the navigator's keys (new, rename, move, duplicate, delete with its confirm and an undo that
brings the shot back, a project's aspect ratio shaping the tiles and the detail, a new
project), and the gallery's (a new shot from the selection, move to another shot, place on
the timeline), each checked against the database."""

from __future__ import annotations

import uuid
from typing import Any

from textual.widgets import Input, OptionList, RadioButton
from waiting import settle, wait_until_async

from workbench.client import Workbench
from workbench.tui.app import WorkbenchApp
from workbench.tui.components.gallery import GalleryGrid, Tile
from workbench.tui.components.navigator import Navigator
from workbench.tui.layout import TILE_CHROME
from workbench.tui.screens.dialogs import AskName, Confirm, NewProject, PickOne, PickPlace, PickShot

PROJECT = "Neon Coastline"


def names(wb: Workbench, project: Any) -> list[str]:
    """The project's shots, in its order, as the database has them now."""
    return [s.name for s in wb.shots(project)]


def timeline(wb: Workbench, shot_id: uuid.UUID) -> dict[uuid.UUID, int | None]:
    """Each item of the shot with its frame (None: unpositioned), read past the cache."""
    page = wb.generations(shot_id=shot_id, limit=100, fresh=True)
    return {item.id: item.timeline_frame for item in page.items}


async def screen_of(app: WorkbenchApp, pilot: Any, kind: type) -> Any:
    await wait_until_async(lambda: isinstance(app.screen, kind), what=kind.__name__, pilot=pilot)
    await settle(pilot)
    return app.screen


async def type_name(app: WorkbenchApp, pilot: Any, text: str) -> None:
    """Type ``text`` into the open name dialog (emptied first) and press enter."""
    await screen_of(app, pilot, AskName)
    app.screen.query_one(Input).value = ""
    await pilot.press(*text, "enter")
    await settle(pilot)


async def test_navigator_keys_manage_shots_and_projects(
    running: tuple[WorkbenchApp, Any], wb: Workbench
) -> None:
    app, pilot = running
    project = wb.project(PROJECT)
    nav = app.query_one(Navigator)
    assert "16:9" in str(nav.root.children[0].label)  # the aspect ratio beside the name
    nav.focus()
    nav.move_cursor(nav.root.children[0])
    before = names(wb, project)

    # n: a new shot named in the dialog, at the end, chosen and shown at once.
    await pilot.press("n")
    await type_name(app, pilot, "Alpha")
    await wait_until_async(lambda: names(wb, project) == [*before, "Alpha"], what="shot Alpha",
                           pilot=pilot)  # fmt: skip
    alpha = wb.shots(project)[-1]
    assert app.models.navigator.state.notice == "created shot 'Alpha'"
    await wait_until_async(lambda: app.models.gallery.state.title == "Alpha"
                           and app.models.navigator.state.shot_id == alpha.id
                           and nav.cursor_node.data == (project.id, alpha.id),
                           what="the new shot chosen and shown", pilot=pilot)  # fmt: skip

    # r renames the shot under the cursor; K moves it up one place (the cursor stays on it).
    await pilot.press("r")
    await type_name(app, pilot, "Beta")
    await wait_until_async(lambda: names(wb, project)[-1] == "Beta", what="Alpha renamed",
                           pilot=pilot)  # fmt: skip
    await pilot.press("K")
    await wait_until_async(lambda: names(wb, project) == [*before[:-1], "Beta", before[-1]],
                           what="Beta one place up", pilot=pilot)  # fmt: skip
    await settle(pilot)
    assert nav.cursor_node.data == (project.id, alpha.id)
    await pilot.press("J")  # and back down
    await wait_until_async(lambda: names(wb, project)[-1] == "Beta", what="Beta down again",
                           pilot=pilot)  # fmt: skip

    # C duplicates it at the end; the copy is chosen.
    await pilot.press("C")
    await wait_until_async(lambda: names(wb, project)[-1] == "Beta (copy)", what="the copy",
                           pilot=pilot)  # fmt: skip
    copy = wb.shots(project)[-1]
    await wait_until_async(lambda: nav.cursor_node.data == (project.id, copy.id),
                           what="the cursor on the copy", pilot=pilot)  # fmt: skip

    # delete asks the model's question; cancelled, nothing goes; confirmed, the shot goes.
    await pilot.press("delete")
    confirm = await screen_of(app, pilot, Confirm)
    assert confirm.confirmation.question == "Delete shot 'Beta (copy)'?"
    await pilot.press("enter")  # the safe answer has the focus
    await settle(pilot)
    assert names(wb, project)[-1] == "Beta (copy)"
    await pilot.press("delete")
    await screen_of(app, pilot, Confirm)
    await pilot.click("#yes")
    await wait_until_async(lambda: "Beta (copy)" not in names(wb, project), what="the delete",
                           pilot=pilot)  # fmt: skip
    await wait_until_async(lambda: app.models.gallery.state.mode == "project",
                           what="the project shown instead", pilot=pilot)  # fmt: skip
    await pilot.press("u")  # undo: the same shot comes back
    await wait_until_async(lambda: [s.id for s in wb.shots(project)][-1] == copy.id,
                           what="the shot back, with its id", pilot=pilot)  # fmt: skip

    # Undoing the creation of the shot shown: the gallery goes back to its project by itself.
    nav.move_cursor(nav.root.children[0])
    await pilot.press("n")
    await type_name(app, pilot, "Gone soon")
    await wait_until_async(lambda: app.models.gallery.state.title == "Gone soon",
                           what="the new shot shown", pilot=pilot)  # fmt: skip
    await pilot.press("u")
    await wait_until_async(lambda: "Gone soon" not in names(wb, project), what="the undo",
                           pilot=pilot)  # fmt: skip
    await wait_until_async(lambda: app.models.gallery.state.mode == "project",
                           what="the project shown again", pilot=pilot)  # fmt: skip

    # a: the project's aspect ratio from a list; the tiles and the detail take its shape.
    await settle(pilot)
    nav.move_cursor(nav.root.children[0])
    await pilot.press("a")
    picker = await screen_of(app, pilot, PickOne)
    assert picker.query_one(OptionList).highlighted == 0  # on the current one, 16:9
    await pilot.press("down", "enter")  # 9:16
    await wait_until_async(lambda: wb.project(PROJECT).aspect_ratio == "9:16",
                           what="the project at 9:16", pilot=pilot)  # fmt: skip
    await wait_until_async(lambda: "9:16" in str(nav.root.children[0].label),
                           what="9:16 in the navigator", pilot=pilot)  # fmt: skip
    grid = app.query_one(GalleryGrid)
    await wait_until_async(lambda: grid.box[1] > 12, what="tall tiles", pilot=pilot)
    await settle(pilot)
    tile = next(iter(app.query(Tile)))
    assert tile.outer_size.height == grid.box[1] + TILE_CHROME > 14 + 3  # taller than 16:9's
    grid.focus()
    await pilot.press("enter")
    await wait_until_async(lambda: type(app.screen).__name__ == "DetailScreen",
                           what="the detail", pilot=pilot)  # fmt: skip
    detail = app.screen
    assert detail.has_class("-portrait")
    assert detail.query_one("#picture").outer_size.width == 40
    await pilot.press("escape")

    # N: a new project, its name and ratio asked (the chosen project's ratio first).
    nav.focus()
    await pilot.press("N")
    dialog = await screen_of(app, pilot, NewProject)
    assert dialog.current == "9:16"
    dialog.query(RadioButton)[2].value = True  # 1:1
    await pilot.press(*"Gamma", "enter")
    await wait_until_async(lambda: any(p.name == "Gamma" for p in wb.projects()),
                           what="project Gamma", pilot=pilot)  # fmt: skip
    gamma = wb.project("Gamma")
    assert gamma.aspect_ratio == "1:1"
    assert names(wb, gamma) == ["Default Shot"]
    await wait_until_async(lambda: app.models.gallery.state.target_id == gamma.id,
                           what="the new project shown", pilot=pilot)  # fmt: skip
    titles = {c.title for c in app.get_system_commands(app.screen)}
    assert {"New shot", "Rename project", "Set aspect ratio", "New project"} <= titles


async def test_gallery_new_shot_from_selection_move_and_place(
    running: tuple[WorkbenchApp, Any], wb: Workbench
) -> None:
    app, pilot = running
    project = wb.project(PROJECT)
    gallery = app.models.gallery
    items = gallery.state.items
    count = len(wb.shots(project))
    # Two items selected, the second first: the new shot holds them in selection order.
    await pilot.press("right", "space", "left", "space", "S")
    await type_name(app, pilot, "")  # empty: Reigh's next "Shot N"
    await wait_until_async(lambda: names(wb, project)[-1].startswith("Shot "),
                           what="the new shot", pilot=pilot)  # fmt: skip
    made = wb.shots(project)[-1]
    assert made.name == f"Shot {count + 1}"
    assert timeline(wb, made.id) == {items[1].id: 0, items[0].id: 50}
    assert not gallery.state.marked  # the selection went into the shot
    others = [s for s in wb.shots(project) if s.id != made.id]

    # In the new shot, M moves the cursor's item to another shot, unpositioned.
    app.go_to(project.id, made.id)
    await wait_until_async(lambda: gallery.state.mode == "shot"
                           and gallery.state.target_id == made.id and len(gallery.state.items) == 2,
                           what="the new shot's timeline", pilot=pilot)  # fmt: skip
    grid = app.query_one(GalleryGrid)
    grid.focus()
    await settle(pilot)
    moved = gallery.state.selection
    assert moved is not None
    assert moved.id == items[1].id  # frame 0 first
    await pilot.press("M")
    picker = await screen_of(app, pilot, PickShot)
    assert made.id not in {shot_id for shot_id, _ in picker.shots}  # not the shot shown
    picker.query(RadioButton)[1].value = True  # unpositioned
    target = others[0]
    picker.query_one(OptionList).highlighted = [s for s, _ in picker.shots].index(target.id)
    await pilot.press("enter")
    await wait_until_async(lambda: moved.id not in timeline(wb, made.id), what="the move",
                           pilot=pilot)  # fmt: skip
    assert timeline(wb, target.id)[moved.id] is None

    # In the target shot, P places the unpositioned item at the end, then before another.
    app.go_to(project.id, target.id)
    await wait_until_async(lambda: gallery.state.target_id == target.id
                           and any(i.id == moved.id for i in gallery.state.items),
                           what="the target shot's timeline", pilot=pilot)  # fmt: skip
    grid.focus()
    gallery.select([i.id for i in gallery.state.items].index(moved.id))
    await settle(pilot)
    await pilot.press("P")
    await screen_of(app, pilot, PickPlace)
    await pilot.press("enter")  # the first choice: at the end
    await wait_until_async(lambda: timeline(wb, target.id)[moved.id] is not None,
                           what="the item placed", pilot=pilot)  # fmt: skip
    frames = timeline(wb, target.id)
    assert frames[moved.id] == max(f for f in frames.values() if f is not None)
    first = min((f, i) for i, f in frames.items() if f is not None and i != moved.id)[1]
    await wait_until_async(lambda: any(i.id == moved.id and i.timeline_frame is not None
                                       for i in gallery.state.items),
                           what="the placed item on the page", pilot=pilot)  # fmt: skip
    gallery.select([i.id for i in gallery.state.items].index(moved.id))
    grid.action_place("before")  # the palette's "Place before…"
    place = await screen_of(app, pilot, PickPlace)
    ids = [o.id for o in place.query_one(OptionList).options]
    place.query_one(OptionList).highlighted = ids.index(str(first))
    await pilot.press("enter")
    await wait_until_async(lambda: (f := timeline(wb, target.id))[moved.id] < f[first],
                           what="the item before the first", pilot=pilot)  # fmt: skip
