"""Managing shots and projects through the API, against our schema's copies of Reigh's
triggers: create (also from a selection), duplicate, rename, reorder, delete with an undo that
brings back the same ids, placing an item on a timeline, moving items between shots, and
projects; each refusal changes nothing."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import psycopg
import pytest

from workbench.client import Workbench
from workbench.errors import ConflictError, NotFoundError, ValidationError
from workbench.manage.timeline import place

PROJECT = "Neon Coastline"


def rows(dsn: str, query: str, params: Any = ()) -> list[Any]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(query, params).fetchall()


def timeline(dsn: str, shot_id: uuid.UUID) -> list[tuple[uuid.UUID, int | None]]:
    """(generation, frame) of the shot's links to items with media, in timeline order."""
    return [
        (r[0], r[1])
        for r in rows(
            dsn,
            "SELECT sg.generation_id, sg.timeline_frame FROM shot_generations sg "
            "JOIN generations g ON g.id = sg.generation_id "
            "WHERE sg.shot_id = %s AND g.location IS NOT NULL "
            "ORDER BY sg.timeline_frame NULLS LAST, sg.id",
            (shot_id,),
        )
    ]


def dsn_of(wb: Workbench) -> str:
    return str(wb.pool.conninfo)


def test_a_shot_from_a_selection_inherits_and_undoes(demo_wb: Workbench) -> None:
    wb, dsn = demo_wb, dsn_of(demo_wb)
    project = wb.project(PROJECT)
    before = wb.shots(project)
    picked = [g.id for g in wb.generations(project_id=project.id, limit=5).items[:3]][::-1]
    generations_before = rows(dsn, "SELECT count(*) FROM generations")[0][0]

    shot = wb.create_shot(project, generation_ids=picked)

    assert shot.name == f"Shot {len(before) + 1}"  # Reigh's default name
    assert shot.position == max(s.position or 0 for s in before) + 1
    assert timeline(dsn, shot.id) == [(g, 50 * n) for n, g in enumerate(picked)]
    linked = (
        "FROM shot_generations sg JOIN generations g ON g.id = sg.generation_id "
        "WHERE sg.shot_id = %s"
    )
    metadata = rows(
        dsn, f"SELECT DISTINCT sg.metadata {linked} AND g.location IS NOT NULL", (shot.id,)
    )
    assert metadata == [({"auto_positioned": True},)]
    # The shots trigger gave it a hidden placeholder parent, linked unpositioned.
    assert (
        rows(
            dsn,
            f"SELECT count(*) {linked} AND g.location IS NULL AND sg.timeline_frame IS NULL",
            (shot.id,),
        )[0][0]
        == 1
    )
    settings = rows(dsn, "SELECT settings FROM shots WHERE id = %s", (shot.id,))[0][0]
    travel = settings.get("travel-between-images", {})
    assert travel.get("prompt", "") == ""
    assert travel.get("pairConfigs", []) == []
    assert wb.history()[0].description == f"create shot '{shot.name}' with 3 items"

    # Refusals change nothing: a foreign id, an empty name, a NUL byte.
    with pytest.raises(NotFoundError, match="1 of the 2 items"):
        wb.create_shot(project, "x", generation_ids=[picked[0], uuid.uuid4()])
    for bad in ("  ", "a\x00b", 5):
        with pytest.raises(ValidationError):
            wb.create_shot(project, bad)  # type: ignore[arg-type]
    assert len(wb.shots(project)) == len(before) + 1

    assert wb.undo() == f"undid: create shot '{shot.name}' with 3 items"
    assert [s.id for s in wb.shots(project)] == [s.id for s in before]
    assert rows(dsn, "SELECT count(*) FROM generations")[0][0] == generations_before


def test_duplicate_copies_what_reigh_copies(demo_wb: Workbench) -> None:
    wb, dsn = demo_wb, dsn_of(demo_wb)
    place_ = wb.find(PROJECT, "Harbour Lights")
    original = place_.shot
    assert original is not None
    some = wb.generations(project_id=place_.project.id, limit=3).items[0]
    wb.add_to_shot(some.id, original.id, frame=None)  # unpositioned: not copied
    wb.update_settings("shot", original.id, "travel-between-images", {"batchVideoSteps": 9})

    copy = wb.duplicate_shot(original)

    assert copy.name == "Harbour Lights (copy)"
    assert copy.position == max(s.position or 0 for s in wb.shots(place_.project)) == copy.position
    kept = rows(
        dsn,
        "SELECT sg.generation_id, sg.timeline_frame, sg.metadata FROM shot_generations sg "
        "JOIN generations g ON g.id = sg.generation_id WHERE sg.shot_id = %s "
        "AND sg.timeline_frame >= 0 AND (g.type IS NULL OR g.type NOT LIKE '%%video%%') "
        "ORDER BY 2, 1",
        (original.id,),
    )
    assert (
        rows(
            dsn,
            "SELECT generation_id, timeline_frame, metadata FROM shot_generations "
            "WHERE shot_id = %s AND timeline_frame IS NOT NULL ORDER BY 2, 1",
            (copy.id,),
        )
        == kept
    )
    assert wb.settings("travel-between-images", shot_id=copy.id).values["batchVideoSteps"] == 9
    # The trigger gave the copy a placeholder parent of its own, as Reigh's does.
    placeholders = rows(
        dsn,
        "SELECT g.params ->> 'shot_id' FROM shot_generations sg JOIN generations g "
        "ON g.id = sg.generation_id WHERE sg.shot_id = %s AND g.location IS NULL",
        (copy.id,),
    )
    assert placeholders == [(str(copy.id),)]
    wb.undo()
    with pytest.raises(NotFoundError):
        wb.find(PROJECT, copy.id)


def test_delete_shot_undo_brings_back_the_same_rows(demo_wb: Workbench) -> None:
    wb, dsn = demo_wb, dsn_of(demo_wb)
    shot = wb.find(PROJECT, "Night Market").shot
    assert shot is not None
    wb.update_settings("shot", shot.id, "travel-between-images", {"batchVideoSteps": 7})
    snapshot = "SELECT to_jsonb(s) FROM shots s WHERE id = %(id)s"
    links = "SELECT to_jsonb(sg) FROM shot_generations sg WHERE shot_id = %(id)s ORDER BY id"
    counts = "SELECT count(*) FROM generations"
    before = [rows(dsn, q, {"id": shot.id}) for q in (snapshot, links, counts)]
    assert before[1]

    wb.delete_shot(shot)
    assert rows(dsn, snapshot, {"id": shot.id}) == []
    assert rows(dsn, links, {"id": shot.id}) == []
    assert rows(dsn, counts) == before[2]  # its items (and its placeholder) stay, as in Reigh
    with pytest.raises(NotFoundError):
        wb.delete_shot(shot)

    assert wb.undo().startswith("undid: delete shot 'Night Market'")
    assert [rows(dsn, q, {"id": shot.id}) for q in (snapshot, links, counts)] == before


def test_rename_reorder_and_their_undo(demo_wb: Workbench) -> None:
    wb, dsn = demo_wb, dsn_of(demo_wb)
    project = wb.project(PROJECT)
    shots = wb.shots(project)
    wb.rename_shot(shots[0], "  Harbour at Night ")
    assert wb.shots(project)[0].name == "Harbour at Night"
    with psycopg.connect(dsn, autocommit=True) as other:  # another client renames it again
        other.execute("UPDATE shots SET name = 'Elsewhere' WHERE id = %s", (shots[0].id,))
    with pytest.raises(ConflictError, match="name was changed since"):
        wb.undo()
    assert wb.shots(project)[0].name == "Elsewhere"
    wb.undo(force=True)
    assert wb.shots(project)[0].name == shots[0].name

    last, first = shots[-1], shots[0]
    wb.reorder_shots(project, [last.id, first.id])
    order = wb.shots(project)
    assert [s.id for s in order[:2]] == [last.id, first.id]
    assert [s.position for s in order] == list(range(1, len(shots) + 1))
    with pytest.raises(NotFoundError):
        wb.reorder_shots(project, [uuid.uuid4()])
    with pytest.raises(ValidationError):
        wb.reorder_shots(project, [last.id, last.id])
    assert [s.id for s in wb.shots(project)] == [s.id for s in order]
    wb.undo()
    assert [(s.id, s.position) for s in wb.shots(project)] == [(s.id, s.position) for s in shots]


def test_place_rules() -> None:
    assert place([], 0) == (0, {})
    assert place([0, 50], 2) == (100, {})
    assert place([0, 50], 1) == (25, {})
    assert place([10, 50], 0) == (0, {})
    assert place([0, 50], 0) == (0, {0: 50, 1: 100})
    assert place([0, 1, 50], 1) == (25, {1: 51, 2: 100})


def test_position_and_move_between_shots(demo_wb: Workbench) -> None:
    wb, dsn = demo_wb, dsn_of(demo_wb)
    project = wb.project(PROJECT)
    a = wb.create_shot(project, "A")
    b = wb.create_shot(project, "B")
    items = [g.id for g in wb.generations(project_id=project.id, limit=4).items]
    wb.add_to_shot(items[:2], a.id)  # 0, 50
    wb.add_to_shot(items[2:], a.id, frame=None)  # unpositioned
    assert wb.position_in_shot(a, items[2]) == 100
    assert wb.position_in_shot(a, items[3], before=items[1]) == 25
    assert [g for g, _ in timeline(dsn, a.id)] == [items[0], items[3], items[1], items[2]]
    assert wb.position_in_shot(a, items[2], after=items[0]) == 12
    assert len({f for _, f in timeline(dsn, a.id)}) == 4
    wb.undo()  # the item goes back to frame 100
    assert timeline(dsn, a.id)[-1] == (items[2], 100)
    with pytest.raises(NotFoundError):
        wb.position_in_shot(b, items[0])  # not in B

    wb.move_to_shot(items[:2], a, b)
    assert [g for g, _ in timeline(dsn, b.id)] == items[:2]
    assert {g for g, _ in timeline(dsn, a.id)} == set(items[2:])
    with pytest.raises(NotFoundError):  # not in A any more: nothing moves
        wb.move_to_shot(items[:3], a, b)
    wb.undo()
    assert timeline(dsn, b.id) == []
    assert {g for g, _ in timeline(dsn, a.id)} == set(items)


def test_projects_create_rename_aspect_and_undo(demo_wb: Workbench) -> None:
    wb = demo_wb
    model = wb.project(PROJECT)
    project = wb.create_project("Storyboards", like=model)
    assert project.aspect_ratio == model.aspect_ratio
    assert [s.name for s in wb.shots(project)] == ["Default Shot"]
    for bad in ("16x9", "0:9", "", 3):
        with pytest.raises(ValidationError):
            wb.set_aspect_ratio(project, bad)  # type: ignore[arg-type]
    wb.set_aspect_ratio(project, "9:16")
    wb.rename_project(project, "Boards")
    assert (wb.project(project.id).name, wb.project(project.id).aspect_ratio) == ("Boards", "9:16")
    wb.undo()
    wb.undo()
    assert wb.project(project.id).aspect_ratio == model.aspect_ratio
    with psycopg.connect(dsn_of(wb), autocommit=True) as other:  # work made elsewhere
        other.execute("INSERT INTO shots (name, project_id) VALUES ('more', %s)", (project.id,))
    with pytest.raises(ConflictError):
        wb.undo(force=True)  # never deletes a project that holds work
    # nothing changed: the project is still there
    assert wb.project(project.id).name == "Storyboards"


def test_concurrent_timeline_edits_keep_a_valid_timeline(demo_wb: Workbench) -> None:
    """Two clients reordering and placing items of one shot at once, with appends between:
    distinct frames, every item kept."""
    wb, dsn = demo_wb, dsn_of(demo_wb)
    project = wb.project(PROJECT)
    items = [g.id for g in wb.generations(project_id=project.id, limit=12).items]
    shot = wb.create_shot(project, "busy", generation_ids=items[:8])
    errors: list[BaseException] = []

    def client(seed: int) -> None:
        try:
            other = wb  # the pool hands each thread its own connection
            for n in range(15):
                links = [
                    r[0]
                    for r in rows(
                        dsn,
                        "SELECT id FROM shot_generations WHERE shot_id = %s "
                        "AND timeline_frame IS NOT NULL ORDER BY random()",
                        (shot.id,),
                    )
                ]
                other.reorder_shot(shot.id, links[: 3 + seed])
                item, anchor = items[(n + seed) % 8], items[(n * 3 + 1) % 8]
                if item != anchor:
                    other.position_in_shot(shot, item, after=anchor)
                if n == 7:
                    other.add_to_shot(items[8 + seed * 2 : 10 + seed * 2], shot.id)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(seed,)) for seed in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    frames = timeline(dsn, shot.id)
    assert sorted(g for g, _ in frames) == sorted(items)
    assert len({f for _, f in frames}) == len(frames)
    assert None not in {f for _, f in frames}


def test_navigator_and_gallery_manage_shots(demo_wb: Workbench) -> None:
    """The view models every front end renders: the navigator's shot and project actions (the
    tree re-read on return, the new shot chosen) and the gallery's selection actions."""
    from workbench.views import GalleryModel, NavigatorModel

    wb = demo_wb
    nav = NavigatorModel(wb)
    project = wb.project(PROJECT)
    nav.select(project.id)
    assert nav.state.aspect_ratio == "16:9"

    shot = nav.create_shot("Storyboard")
    assert shot is not None
    assert nav.state.shot_id == shot.id
    assert nav.state.notice == "created shot 'Storyboard'"
    assert [s.shot.name for s in nav.state.project.shots][-1] == "Storyboard"  # type: ignore[union-attr]
    assert nav.move_shot(shot.id, -1)
    names = [s.shot.name for s in nav.state.project.shots]  # type: ignore[union-attr]
    assert names.index("Storyboard") == len(names) - 2
    assert not nav.rename_shot(shot.id, "   ")
    assert "cannot be empty" in (nav.state.error or "")
    question = nav.confirm_delete_shot(shot.id)
    assert question is not None
    assert question.question == "Delete shot 'Storyboard'?"
    assert nav.delete_shot(shot.id)
    assert nav.state.shot_id is None
    assert "Storyboard" not in [s.shot.name for s in nav.state.project.shots]  # type: ignore[union-attr]

    gallery = GalleryModel(wb, project_id=project.id)
    gallery.toggle_mark(0)
    gallery.toggle_mark(2)
    chosen = [g.id for g in gallery.state.marked]
    made = gallery.new_shot_from_selection("Picked")
    assert made is not None
    assert gallery.state.marked == ()
    assert gallery.state.notice == "created shot 'Picked' with 2 items"
    assert [g.id for g in wb.generations(shot_id=made.id).items] == chosen

    boards = nav.create_project("Boards", aspect_ratio="9:16")
    assert boards is not None
    assert nav.state.project_id == boards.id
    assert nav.state.aspect_ratio == "9:16"
    assert not nav.set_aspect_ratio(boards.id, "wide")
    assert nav.state.error
