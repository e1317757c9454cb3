"""Managing shots and projects from the notebook, in real widgets without a browser (a click is
``button.click()``, typing is setting a value, as the browser's sync does), on a real database
holding the demo: the navigator's buttons, the gallery's shot actions, and the layout that
follows the project's aspect ratio."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from waiting import wait_until

from workbench.client import Workbench
from workbench.widgets import Gallery
from workbench.widgets import Workbench as WorkbenchWidget

PROJECT = "Neon Coastline"


def timeline(wb: Workbench, shot_id: uuid.UUID) -> list[tuple[uuid.UUID, int | None]]:
    """(generation, frame) of the shot's links to items with media, in timeline order."""
    with psycopg.connect(str(wb.pool.conninfo)) as conn:
        rows = conn.execute(
            "SELECT sg.generation_id, sg.timeline_frame FROM shot_generations sg "
            "JOIN generations g ON g.id = sg.generation_id "
            "WHERE sg.shot_id = %s AND g.location IS NOT NULL "
            "ORDER BY sg.timeline_frame NULLS LAST, sg.id",
            (shot_id,),
        ).fetchall()
    return [(r[0], r[1]) for r in rows]


def shot_ids(wb: Workbench, project: Any) -> list[uuid.UUID]:
    return [s.id for s in wb.shots(project)]


def labels(widget: WorkbenchWidget) -> list[str]:
    return [label for label, _ in widget.target.options]


def test_navigator_buttons_manage_shots_and_projects(demo_wb: Workbench) -> None:
    wb = demo_wb
    project = wb.project(PROJECT)
    before = wb.shots(project)
    widget = WorkbenchWidget(wb, project=project)
    nav = widget.nav
    try:
        # The project's line names its aspect ratio; the dropdown holds it.
        assert labels(widget)[0].startswith("Neon Coastline (")
        assert " · 16:9" in labels(widget)[0]
        assert nav.aspect.value == "16:9"
        assert nav.delete.disabled
        assert nav.up.disabled
        assert widget.gallery.grid.aspect == pytest.approx(16 / 9)  # placeholders' shape

        # New shot: Reigh's default name, at the end, chosen, and every tab follows it.
        nav.new_shot.click()
        made = wb.shots(project)[-1]
        assert made.name == f"Shot {len(before) + 1}"
        assert nav.model.state.shot_id == made.id
        assert widget.gallery.model.state.target_id == made.id
        assert widget.settings.model.state.scope == "shot"
        assert f"created shot &#x27;{made.name}&#x27;" in nav.status.value
        assert nav.down.disabled
        assert not nav.up.disabled

        # Rename (a blank name is refused: the model's error, nothing changes).
        nav.name.value = "   "
        nav.rename.click()
        assert "⚠" in nav.status.value
        assert wb.shots(project)[-1].name == made.name
        nav.name.value = "Pier at dusk"
        nav.rename.click()
        assert wb.shots(project)[-1].name == "Pier at dusk"
        assert nav.name.value == ""
        assert "renamed" in nav.status.value
        assert "  ↳ Pier at dusk (0)" in labels(widget)

        # Up: one place earlier in the project's order, as the picker lists it.
        nav.up.click()
        order = shot_ids(wb, project)
        assert order.index(made.id) == len(order) - 2
        shown = [label.strip() for label in labels(widget) if "↳" in label][: len(order)]
        assert shown[-2].startswith("↳ Pier at dusk")
        assert not nav.down.disabled

        # Duplicate: "X (copy)" at the end, chosen.
        nav.duplicate.click()
        copy = wb.shots(project)[-1]
        assert copy.name == "Pier at dusk (copy)"
        assert nav.model.state.shot_id == copy.id == widget.gallery.model.state.target_id

        # Delete asks first (Cancel keeps it), then deletes; the project is chosen instead.
        nav.delete.click()
        assert nav.confirm.asking
        assert nav.confirm.go.description == "Delete"
        assert "Delete shot &#x27;Pier at dusk (copy)&#x27;?" in nav.confirm.message.value
        nav.confirm.cancel.click()
        assert copy.id in shot_ids(wb, project)
        nav.delete.click()
        nav.confirm.go.click()
        assert copy.id not in shot_ids(wb, project)
        assert nav.model.state.shot_id is None
        assert widget.gallery.model.state.mode == "project"
        assert "deleted the shot" in nav.status.value

        # Undo brings it back with the same id; the picker lists it again by itself.
        assert "delete shot" in widget.undo.button.tooltip
        widget.undo.button.click()
        assert shot_ids(wb, project)[-1] == copy.id
        wait_until(lambda: any("Pier at dusk (copy)" in x for x in labels(widget)),
                   what="the restored shot in the picker")  # fmt: skip

        # Undoing the creation of the shot shown: the tabs go back to its project.
        nav.name.value = "Gone soon"
        nav.new_shot.click()
        assert widget.gallery.model.state.title == "Gone soon"
        widget.undo.button.click()
        wait_until(lambda: widget.gallery.model.state.mode == "project",
                   what="the project shown again")  # fmt: skip

        # A new project (9:16), chosen; the tiles and the preview take its shape.
        nav.project_name.value = "Night Ferry"
        nav.project_ratio.value = "9:16"
        nav.new_project.click()
        ferry = wb.project("Night Ferry")
        assert ferry.aspect_ratio == "9:16"
        assert [s.name for s in wb.shots(ferry)] == ["Default Shot"]
        assert nav.model.state.project_id == ferry.id
        assert nav.project_ratio.value == "like this project"
        assert widget.gallery.model.state.target_id == ferry.id
        assert nav.aspect.value == "9:16"
        assert widget.gallery.grid.aspect == pytest.approx(9 / 16)

        # The chosen project's aspect ratio, from its dropdown.
        nav.aspect.value = "21:9"
        assert wb.project("Night Ferry").aspect_ratio == "21:9"
        assert "aspect ratio 21:9" in nav.status.value
        assert widget.gallery.grid.aspect == pytest.approx(21 / 9)
        assert any(x.startswith("Night Ferry (") and x.endswith("· 21:9") for x in labels(widget))
        nav.project_name.value = ""
        nav.new_project.click()  # a project needs a name: refused, nothing made
        assert "⚠" in nav.status.value
        assert len(wb.projects()) == len({p.name for p in wb.projects()})
    finally:
        widget.close()


def test_gallery_new_shot_from_selection_move_and_place(demo_wb: Workbench) -> None:
    wb = demo_wb
    project = wb.project(PROJECT)
    gallery = Gallery(wb, project=project, limit=12, aspect_ratio="9:16")
    try:
        assert gallery.grid.aspect == pytest.approx(9 / 16)
        assert gallery.move.layout.display == "none"  # a project's gallery has no timeline
        assert gallery.new_shot.description == "New shot from selection"
        # Three ticked tiles, in the order ticked, become a named shot.
        for index in (4, 1, 7):
            gallery.grid.handle({"type": "mark", "index": index})
        picked = [item.id for item in gallery.model.state.marked]
        assert gallery.new_shot.description == "New shot from 3"
        gallery.new_shot_name.value = "Gull run"
        gallery.new_shot.click()
        shot = wb.shots(project)[-1]
        assert shot.name == "Gull run"
        assert timeline(wb, shot.id) == [(g, 50 * n) for n, g in enumerate(picked)]
        assert gallery.model.state.marked == ()  # the selection is cleared
        assert (shot.name, shot.id) in gallery.shot_choice.options  # its name is known
        # One more item, unpositioned (an option of "add to shot").
        extra = gallery.model.state.items[9].id
        gallery.grid.handle({"type": "open", "index": 9})
        gallery.shot_choice.value = shot.id
        gallery.placement.value = "unpositioned"
        gallery.add.click()
        assert timeline(wb, shot.id)[-1] == (extra, None)

        # In the shot: "move to" lists the project's other shots; the ticked item moves.
        gallery.model.set_target(project_id=project.id, shot_id=shot.id)
        assert gallery.move.layout.display is None
        others = [shot_id for _, shot_id in gallery.move_choice.options]
        assert shot.id not in others
        assert len(others) == len(wb.shots(project)) - 1
        harbour = wb.shots(project)[0]
        gallery.move_choice.value = harbour.id
        gallery.placement.value = "end"
        moved = picked[1]
        index = [i.id for i in gallery.model.state.items].index(moved)
        gallery.grid.handle({"type": "mark", "index": index})
        gallery.move.click()
        assert moved not in [g for g, _ in timeline(wb, shot.id)]
        positioned = [g for g, frame in timeline(wb, harbour.id) if frame is not None]
        assert positioned[-1] == moved  # at the end of the other shot's timeline

        # Place the unpositioned item at the end, then before the first one.
        items = [i.id for i in gallery.model.state.items]
        gallery.grid.handle({"type": "open", "index": items.index(extra)})
        assert gallery.place.description == "Place at end"
        gallery.place.click()
        frames = dict(timeline(wb, shot.id))
        assert frames[extra] is not None
        assert frames[extra] > frames[picked[2]]
        first = picked[0]
        gallery.place_at.value = f"before:{first}"
        assert gallery.place.description == "Place before"
        items = [i.id for i in gallery.model.state.items]
        gallery.grid.handle({"type": "open", "index": items.index(extra)})
        gallery.place.click()
        assert [g for g, _ in timeline(wb, shot.id)] == [extra, first, picked[2]]
        steps = [c.description for c in wb.history()[:3]]
        assert [d.split(" '")[0] for d in steps] == ["place", "place", "move"]
        assert steps[0].endswith("in shot 'Gull run'")
        wb.undo()  # the last place comes back out
        assert [g for g, _ in timeline(wb, shot.id)] == [first, picked[2], extra]
    finally:
        gallery.close()
