"""Undo through the API: every kind of change, conflicts and ``force``, the device's journal.

The undo of a delete is checked row by row: every row of the tables a delete touches, as
``to_jsonb``, is the same after the undo as before the delete (same ids, frames, metadata,
timestamps, also a column the workbench does not know on Reigh's schema).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb
from test_schema import make_reigh_database
from upload_samples import image

from workbench.client import Workbench
from workbench.errors import ConflictError, NotFoundError, WorkbenchError
from workbench.settings.local_state import LocalState
from workbench.startup import connect
from workbench.storage import LocalStorage
from workbench.uploads import UploadData


@contextmanager
def counting_statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement sent meanwhile through a cursor (as tests/integration/test_client)."""
    sent: list[str] = []
    real = psycopg.Cursor.execute

    def execute(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        if str(query):
            sent.append(str(query))
        return real(self, query, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(psycopg.Cursor, "execute", execute)
        yield sent


@dataclass(frozen=True)
class Scene:
    """A generation with two variants, a child, a based_on referrer, links in two shots."""

    project: uuid.UUID
    shot_a: uuid.UUID
    shot_b: uuid.UUID
    generation: uuid.UUID
    original: uuid.UUID
    upscaled: uuid.UUID
    child: uuid.UUID
    referrer: uuid.UUID
    links: tuple[uuid.UUID, ...]


def one(conn: psycopg.Connection[Any], query: str, params: Any = ()) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def build_scene(dsn: str) -> Scene:
    with psycopg.connect(dsn, autocommit=True) as conn:
        user = one(conn, "INSERT INTO users DEFAULT VALUES RETURNING id")
        project = one(
            conn, "INSERT INTO projects (name, user_id) VALUES ('p', %s) RETURNING id", (user,)
        )
        shot_a = one(
            conn,
            "INSERT INTO shots (name, project_id) VALUES ('Harbour Lights', %s) RETURNING id",
            (project,),
        )
        shot_b = one(
            conn,
            "INSERT INTO shots (name, project_id) VALUES ('Night Market', %s) RETURNING id",
            (project,),
        )
        generation = one(
            conn,
            "INSERT INTO generations (project_id, type, location, params, name, tasks, "
            "created_at) VALUES (%s, 'image', 'u/a.png', %s, 'harbour at dusk', %s, "
            "now() - interval '1 day') RETURNING id",
            (project, Jsonb({"prompt": "harbour at dusk", "seed": 7}), Jsonb(["task-1"])),
        )
        original = one(
            conn,
            "INSERT INTO generation_variants (generation_id, location, params, is_primary, "
            "variant_type, name) VALUES (%s, 'u/a.png', %s, true, 'original', 'Original') "
            "RETURNING id",
            (generation, Jsonb({"prompt": "harbour at dusk", "seed": 7})),
        )
        upscaled = one(
            conn,
            "INSERT INTO generation_variants (generation_id, location, is_primary, "
            "variant_type, viewed_at) VALUES (%s, 'u/a-up.png', false, 'upscaled', now()) "
            "RETURNING id",
            (generation,),
        )
        child = one(
            conn,
            "INSERT INTO generations (project_id, type, location, parent_generation_id, "
            "is_child, child_order) VALUES (%s, 'video', 'u/c.mp4', %s, true, 0) RETURNING id",
            (project, generation),
        )
        conn.execute(
            "INSERT INTO generation_variants (generation_id, location, is_primary, "
            "variant_type) VALUES (%s, 'u/c.mp4', true, 'original')",
            (child,),
        )
        referrer = one(
            conn,
            "INSERT INTO generations (project_id, type, location, based_on) "
            "VALUES (%s, 'image', 'u/r.png', %s) RETURNING id",
            (project, generation),
        )
        links = tuple(
            one(
                conn,
                "INSERT INTO shot_generations (shot_id, generation_id, timeline_frame, "
                "metadata) VALUES (%s, %s, %s, %s) RETURNING id",
                (shot, gen, frame, Jsonb(meta)),
            )
            for shot, gen, frame, meta in [
                (shot_a, generation, 0, {"auto_positioned": True}),
                (shot_b, generation, 50, {"user_positioned": True}),
                (shot_b, generation, None, None),
                (shot_a, child, 100, {}),
            ]
        )
    return Scene(project, shot_a, shot_b, generation, original, upscaled, child, referrer, links)


def all_rows(dsn: str) -> dict[str, list[Any]]:
    """Every row of the tables a delete touches, whole."""
    with psycopg.connect(dsn) as conn:
        return {
            table: sorted(
                (r[0] for r in conn.execute(f"SELECT to_jsonb(t) FROM {table} t").fetchall()),
                key=lambda row: str(row["id"]),
            )
            for table in ("generations", "generation_variants", "shot_generations")
        }


@pytest.fixture
def scene(db_dsn: str) -> Scene:
    return build_scene(db_dsn)


@pytest.fixture
def wb(db_dsn: str, scene: Scene, tmp_path: Path) -> Iterator[Workbench]:
    with connect(db_dsn, storage=LocalStorage(tmp_path / "media")) as workbench:
        yield workbench


# -- delete ----------------------------------------------------------------------------------
def check_delete_and_undo(dsn: str, wb: Workbench, scene: Scene) -> None:
    before = all_rows(dsn)
    wb.delete_generation(scene.generation)
    after_delete = all_rows(dsn)
    gone = {scene.generation, scene.child}
    assert not any(uuid.UUID(r["id"]) in gone for r in after_delete["generations"])
    assert not any(uuid.UUID(r["id"]) in set(scene.links) for r in after_delete["shot_generations"])
    referrer = next(r for r in after_delete["generations"] if r["id"] == str(scene.referrer))
    assert referrer["based_on"] is None

    assert wb.undo() == "undid: delete generation 'harbour at dusk'"
    assert all_rows(dsn) == before
    page = wb.generations(shot_id=scene.shot_b, fresh=True)
    assert [i.shot_generation_id for i in page.items if i.id == scene.generation] == [
        scene.links[1],
        scene.links[2],
    ]


def test_undo_of_a_delete_puts_back_every_row_with_its_ids(
    db_dsn: str, wb: Workbench, scene: Scene
) -> None:
    check_delete_and_undo(db_dsn, wb, scene)
    assert [(c.kind, c.undone) for c in wb.history()] == [("delete", True)]


def test_undo_of_a_delete_on_reighs_schema(empty_dsn: str, tmp_path: Path) -> None:
    """Reigh's schema, never altered by us: a column we do not know comes back too."""
    make_reigh_database(empty_dsn)
    scene = build_scene(empty_dsn)
    with psycopg.connect(empty_dsn, autocommit=True) as conn:
        conn.execute(
            "UPDATE generations SET shot_data = %s WHERE id = %s",
            (Jsonb({str(scene.shot_a): [0], str(scene.shot_b): [50, None]}), scene.generation),
        )
    with connect(empty_dsn, storage=LocalStorage(tmp_path / "m")) as wb:
        assert wb.schema.kind == "reigh"
        check_delete_and_undo(empty_dsn, wb, scene)


def test_the_snapshot_costs_no_extra_statement_and_the_undo_is_two_round_trips(
    wb: Workbench, scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    with counting_statements(monkeypatch) as sent:
        wb.generations_service.delete([scene.generation])
    # lock + check, snapshot (which also clears the 'original' marks), DELETE
    assert len(sent) == 3, sent
    with counting_statements(monkeypatch) as sent:
        wb.undo()
    # the check, then the restore (pipelined: sent with the COMMIT in one round trip)
    assert len(sent) == 7, sent
    assert sum("generation_variants" in s and "INSERT" in s for s in sent) == 1


def test_undo_of_a_delete_refuses_when_the_id_exists_again(
    db_dsn: str, wb: Workbench, scene: Scene
) -> None:
    wb.delete_generation(scene.generation)
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO generations (id, project_id, type) VALUES (%s, %s, 'image')",
            (scene.generation, scene.project),
        )
    with pytest.raises(ConflictError, match=r"exists again.*force"):
        wb.undo()
    rows = all_rows(db_dsn)
    assert not any(r["id"] == str(scene.child) for r in rows["generations"])  # nothing changed
    assert wb.history()[0].undone is False
    wb.undo(force=True)  # the new row stays, the rest comes back
    rows = all_rows(db_dsn)
    assert any(r["id"] == str(scene.child) for r in rows["generations"])
    assert {r["id"] for r in rows["shot_generations"]} >= {str(scene.links[3])}


def test_undo_of_a_delete_after_a_shot_went_needs_force(
    db_dsn: str, wb: Workbench, scene: Scene
) -> None:
    wb.delete_generation(scene.generation)
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM shots WHERE id = %s", (scene.shot_b,))
    with pytest.raises(ConflictError, match="1 of its shots were deleted"):
        wb.undo()
    wb.undo(force=True)
    with psycopg.connect(db_dsn) as conn:
        assert one(
            conn, "SELECT count(*) FROM shot_generations WHERE generation_id = %s",
            (scene.generation,),
        ) == 1  # fmt: skip


# -- the other kinds -------------------------------------------------------------------------
def starred(dsn: str, generation: uuid.UUID) -> bool:
    with psycopg.connect(dsn) as conn:
        return bool(one(conn, "SELECT starred FROM generations WHERE id = %s", (generation,)))


def test_undo_steps_back_through_the_session(db_dsn: str, wb: Workbench, scene: Scene) -> None:
    wb.star(scene.generation)
    wb.star(scene.referrer)
    assert [c.description for c in wb.history()] == [
        f"star '{scene.referrer}'",
        "star 'harbour at dusk'",
    ]
    assert wb.undo().startswith("undid: star '")
    assert starred(db_dsn, scene.generation)
    assert not starred(db_dsn, scene.referrer)
    assert wb.undo() == "undid: star 'harbour at dusk'"
    assert not starred(db_dsn, scene.generation)
    with pytest.raises(WorkbenchError, match="nothing to undo"):
        wb.undo()
    summary = wb.history()[0].summary()
    assert set(summary) == {"id", "at", "kind", "description", "undone"}


def test_undo_of_a_star_changed_elsewhere_is_a_conflict(
    db_dsn: str, wb: Workbench, scene: Scene
) -> None:
    wb.star(scene.generation)
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("UPDATE generations SET starred = false WHERE id = %s", (scene.generation,))
        conn.execute("UPDATE generations SET starred = true WHERE id = %s", (scene.referrer,))
    wb.star(scene.referrer, False)
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("UPDATE generations SET starred = true WHERE id = %s", (scene.referrer,))
    with pytest.raises(ConflictError, match="starred again since"):
        wb.undo()
    assert starred(db_dsn, scene.referrer)
    assert wb.undo(force=True) == f"undid: unstar '{scene.referrer}'"
    assert starred(db_dsn, scene.referrer)  # back to what it was before the unstar
    with pytest.raises(ConflictError, match="unstarred again since"):
        wb.undo()


def frames(dsn: str, shot: uuid.UUID) -> dict[uuid.UUID, int | None]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT id, timeline_frame FROM shot_generations WHERE shot_id = %s", (shot,)
        ).fetchall()
    return dict(rows)


def test_undo_add_remove_and_reorder_in_a_shot(db_dsn: str, wb: Workbench, scene: Scene) -> None:
    start_a, start_b = frames(db_dsn, scene.shot_a), frames(db_dsn, scene.shot_b)
    wb.add_to_shot(scene.referrer, scene.shot_a)
    assert len(frames(db_dsn, scene.shot_a)) == len(start_a) + 1
    wb.remove_from_shot(scene.shot_b, scene.generation)
    assert scene.links[1] not in frames(db_dsn, scene.shot_b)
    wb.reorder_shot(scene.shot_a, [scene.links[3], scene.links[0]])
    assert frames(db_dsn, scene.shot_a)[scene.links[3]] == 0

    assert wb.undo() == "undid: reorder shot 'Harbour Lights'"
    assert wb.undo() == "undid: remove 'harbour at dusk' from shot 'Night Market'"
    rows_b = all_rows(db_dsn)["shot_generations"]
    assert frames(db_dsn, scene.shot_b) == start_b
    kept = next(r for r in rows_b if r["id"] == str(scene.links[1]))
    assert kept["metadata"] == {"user_positioned": True}
    assert wb.undo() == f"undid: add '{scene.referrer}' to shot 'Harbour Lights'"
    assert frames(db_dsn, scene.shot_a) == start_a


def test_undo_of_a_moved_link_is_a_conflict(db_dsn: str, wb: Workbench, scene: Scene) -> None:
    wb.add_to_shot(scene.referrer, scene.shot_a, frame=500)
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "UPDATE shot_generations SET timeline_frame = 650 WHERE generation_id = %s",
            (scene.referrer,),
        )
    with pytest.raises(ConflictError, match=r"moved on the timeline since \(now at 650\)"):
        wb.undo()
    wb.reorder_shot(scene.shot_a, [scene.links[3]])
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "UPDATE shot_generations SET timeline_frame = 999 WHERE id = %s", (scene.links[3],)
        )
    with pytest.raises(ConflictError, match="moved on the timeline"):
        wb.undo()
    wb.undo(force=True)
    assert frames(db_dsn, scene.shot_a)[scene.links[3]] == 100


def test_undo_of_set_primary(db_dsn: str, wb: Workbench, scene: Scene) -> None:
    wb.set_primary_variant(scene.generation, scene.upscaled)
    with psycopg.connect(db_dsn) as conn:
        assert one(conn, "SELECT location FROM generations WHERE id = %s", (scene.generation,)) == (
            "u/a-up.png"
        )
    assert wb.undo() == "undid: set the primary variant of 'harbour at dusk'"
    with psycopg.connect(db_dsn) as conn:
        row = conn.execute(
            "SELECT location, primary_variant_id FROM generations WHERE id = %s",
            (scene.generation,),
        ).fetchone()
    assert row == ("u/a.png", scene.original)
    wb.set_primary_variant(scene.generation, scene.upscaled)
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "UPDATE generation_variants SET is_primary = true WHERE id = %s", (scene.original,)
        )
    with pytest.raises(ConflictError, match="another variant was made primary"):
        wb.undo()


# -- settings --------------------------------------------------------------------------------
def test_undo_of_settings_set_and_reset(wb: Workbench, scene: Scene) -> None:
    tool = "travel-between-images"
    wb.update_settings("project", scene.project, tool, {"amountOfMotion": 70})
    wb.update_settings("shot", scene.shot_a, tool, {"amountOfMotion": 30})
    wb.reset_setting("shot", scene.shot_a, tool, "amountOfMotion")
    assert [c.description for c in wb.history()] == [
        f"reset {tool}.amountOfMotion at shot",
        f"set {tool}.amountOfMotion at shot",
        f"set {tool}.amountOfMotion at project",
    ]

    def value() -> Any:
        return wb.settings(tool, shot_id=scene.shot_a).value("amountOfMotion")

    assert value() == 70
    wb.undo()
    assert value() == 30
    wb.undo()
    assert value() == 70
    wb.undo()
    assert wb.settings(tool, project_id=scene.project).value("amountOfMotion") != 70
    assert len(wb.history()) == 3  # the undos' own writes are not changes to undo


def test_undo_of_settings_changed_elsewhere_is_a_conflict(wb: Workbench, scene: Scene) -> None:
    tool = "travel-between-images"
    wb.update_settings("project", scene.project, tool, {"amountOfMotion": 70})
    with connect(wb.dsn, storage=wb.storage) as other:
        other.update_settings("project", scene.project, tool, {"amountOfMotion": 55})
    with pytest.raises(ConflictError, match=r"amountOfMotion was changed since.*55"):
        wb.undo()
    assert wb.settings(tool, project_id=scene.project).value("amountOfMotion") == 55
    wb.undo(force=True)
    assert wb.settings(tool, project_id=scene.project).value("amountOfMotion") != 55


def test_undo_flushes_queued_settings_edits_first(wb: Workbench, scene: Scene) -> None:
    tool = "travel-between-images"
    handle = wb.settings_handle(tool, project_id=scene.project)
    handle.set("amountOfMotion", 61, scope="project")
    assert handle.flush(10)
    handle.set("amountOfMotion", 62, scope="project")  # still queued
    assert wb.undo() == f"undid: set {tool}.amountOfMotion at project"
    assert wb.settings(tool, project_id=scene.project).value("amountOfMotion") == 61
    handle.close()


# -- uploads ---------------------------------------------------------------------------------
def test_undo_of_an_upload_deletes_what_it_created(
    db_dsn: str, wb: Workbench, scene: Scene
) -> None:
    results = wb.upload(
        [UploadData("one.png", image("png", seed=1)), UploadData("two.png", image("png", seed=2))],
        project_id=scene.project,
        shot_id=scene.shot_a,
    )
    ids = {r.generation_id for r in results}
    assert wb.history()[0].description == "upload 2 files"
    wb.star(next(iter(ids)))
    wb.undo()  # the star
    assert wb.undo() == "undid: upload 2 files"
    with psycopg.connect(db_dsn) as conn:
        assert one(conn, "SELECT count(*) FROM generations WHERE id = ANY(%s)", (list(ids),)) == 0


def test_undo_of_an_upload_changed_since_needs_force(
    db_dsn: str, wb: Workbench, scene: Scene
) -> None:
    [result] = wb.upload(UploadData("three.png", image("png", seed=3)), project_id=scene.project)
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO shot_generations (shot_id, generation_id, timeline_frame) "
            "VALUES (%s, %s, 7)",
            (scene.shot_b, result.generation_id),
        )
    with pytest.raises(ConflictError, match=r"changed since.*shot links"):
        wb.undo()
    wb.undo(force=True)
    with pytest.raises(NotFoundError):
        wb.generation_detail(result.generation_id)


# -- the device's journal --------------------------------------------------------------------
def test_another_workbench_on_the_device_undoes_the_last_change(
    db_dsn: str, wb: Workbench, scene: Scene
) -> None:
    wb.star(scene.generation)
    wb.delete_generation(scene.referrer)
    with connect(db_dsn, storage=wb.storage) as later:
        assert later.history() == []
        with pytest.raises(WorkbenchError, match="nothing to undo"):
            later.undo()
        assert [c.kind for c in later.changes.device_history()] == ["delete", "star"]
        assert later.undo(device=True) == f"undid: delete generation '{scene.referrer}'"
    # the first session sees that the delete was undone elsewhere: its undo goes on to the star
    assert wb.undo() == "undid: star 'harbour at dusk'"
    assert [c.undone for c in wb.history()] == [True, True]


def test_the_device_keeps_a_bounded_list(wb: Workbench, scene: Scene, db_dsn: str) -> None:
    wb.star(scene.generation)
    # An older version kept the device's changes in the UI state's file: they move over once.
    device_file = wb.config.paths.state_dir / "changes.json"
    first = LocalState(device_file).get("changes")
    device_file.unlink()
    wb.local_state.set("changes", first)
    with connect(db_dsn, storage=wb.storage) as later:
        later.star(scene.generation, False)
        assert len(later.changes.device_history()) == 2  # the moved one, then this one
        for n in range(58):
            later.star(scene.generation, n % 2 == 0)
        assert len(later.history()) == 59
        assert len(later.changes.device_history()) == 50
    stored = LocalState(device_file).get("changes")
    assert len(stored) == 50
    assert first[0] not in stored  # the oldest fell out, after it moved: 60 in all
    assert wb.local_state.get("changes") is None  # UI state stays small


def test_listeners_hear_recorded_and_undone_changes(wb: Workbench, scene: Scene) -> None:
    heard: list[tuple[str, bool]] = []
    wb.changes.changed.add(lambda c: heard.append((c.kind, c.undone)))
    assert not wb.changes.can_undo
    assert wb.changes.next_undo is None
    wb.star(scene.generation)
    assert wb.changes.can_undo
    assert wb.changes.next_undo == "star 'harbour at dusk'"
    wb.undo()
    assert heard == [("star", False), ("star", True)]
    assert not wb.changes.can_undo


def links_of(dsn: str, generation: uuid.UUID | None) -> dict[uuid.UUID, uuid.UUID]:
    """{link id: shot id} of a generation's shot links."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT id, shot_id FROM shot_generations WHERE generation_id = %s", (generation,)
        ).fetchall()
    return dict(rows)


def count_generation(conn: psycopg.Connection[Any], generation: uuid.UUID | None) -> int:
    return int(one(conn, "SELECT count(*) FROM generations WHERE id = %s", (generation,)))


def test_undo_of_an_upload_removes_the_links_it_made_to_duplicates(
    db_dsn: str, wb: Workbench, scene: Scene
) -> None:
    old = UploadData("old.png", image("png", seed=4))
    [earlier] = wb.upload(old, project_id=scene.project, shot_id=scene.shot_b)
    older_links = links_of(db_dsn, earlier.generation_id)
    assert list(older_links.values()) == [scene.shot_b]

    new, dup = wb.upload(
        [UploadData("new.png", image("png", seed=5)), old],
        project_id=scene.project,
        shot_id=scene.shot_a,
    )
    assert (new.status, dup.status) == ("uploaded", "duplicate")
    assert dup.generation_id == earlier.generation_id
    assert dup.shot_link is not None
    assert dup.shot_link.shot_id == scene.shot_a
    assert new.shot_link is not None
    assert new.shot_link.shot_id == scene.shot_a
    assert set(links_of(db_dsn, dup.generation_id)) == {*older_links, dup.shot_link.id}
    change = wb.history()[0]
    assert change.description == "upload 2 files"
    assert change.data["links"] == {str(dup.shot_link.id): dup.shot_link.frame}

    assert wb.undo() == "undid: upload 2 files"
    with psycopg.connect(db_dsn) as conn:
        assert count_generation(conn, new.generation_id) == 0
        assert count_generation(conn, dup.generation_id) == 1
    assert links_of(db_dsn, dup.generation_id) == older_links  # the older link stays
    page = wb.generations(shot_id=scene.shot_a, fresh=True)
    assert {i.id for i in page.items}.isdisjoint({new.generation_id, dup.generation_id})


def test_an_upload_that_only_linked_a_duplicate_is_undone(
    db_dsn: str, wb: Workbench, scene: Scene
) -> None:
    old = UploadData("old.png", image("png", seed=6))
    [earlier] = wb.upload(old, project_id=scene.project)
    [dup] = wb.upload(old, project_id=scene.project, shot_id=scene.shot_a)
    assert dup.shot_link is not None
    assert wb.history()[0].description == "upload 'old.png'"
    [again] = wb.upload(old, project_id=scene.project, shot_id=scene.shot_a)  # linked already
    assert again.shot_link is None
    assert len(wb.history()) == 2  # nothing to undo: that upload changed nothing
    assert wb.undo() == "undid: upload 'old.png'"
    assert links_of(db_dsn, earlier.generation_id) == {}
    with psycopg.connect(db_dsn) as conn:
        assert count_generation(conn, dup.generation_id) == 1


def test_undo_of_an_upload_whose_duplicate_link_moved_or_went_needs_force(
    db_dsn: str, wb: Workbench, scene: Scene
) -> None:
    old = UploadData("old.png", image("png", seed=7))
    wb.upload(old, project_id=scene.project)
    new, dup = wb.upload(
        [UploadData("new.png", image("png", seed=8)), old],
        project_id=scene.project,
        shot_id=scene.shot_a,
    )
    assert dup.shot_link is not None
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "UPDATE shot_generations SET timeline_frame = 777 WHERE id = %s", (dup.shot_link.id,)
        )
    with pytest.raises(ConflictError, match=r"moved since \(now at frame 777\)"):
        wb.undo()
    assert dup.shot_link.id in links_of(db_dsn, dup.generation_id)  # nothing changed
    assert links_of(db_dsn, new.generation_id)  # the new one is still there too
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM shot_generations WHERE id = %s", (dup.shot_link.id,))
    with pytest.raises(ConflictError, match="removed from it since"):
        wb.undo()
    assert wb.undo(force=True) == "undid: upload 2 files"
    with psycopg.connect(db_dsn) as conn:
        assert count_generation(conn, new.generation_id) == 0
        assert count_generation(conn, dup.generation_id) == 1


def test_undo_with_force_deletes_a_duplicate_link_moved_on_the_timeline(
    db_dsn: str, wb: Workbench, scene: Scene
) -> None:
    old = UploadData("old.png", image("png", seed=9))
    [earlier] = wb.upload(old, project_id=scene.project)
    [dup] = wb.upload(old, project_id=scene.project, shot_id=scene.shot_a)
    assert dup.shot_link is not None
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "UPDATE shot_generations SET timeline_frame = 5 WHERE id = %s", (dup.shot_link.id,)
        )
    with pytest.raises(ConflictError, match="moved since"):
        wb.undo()
    wb.undo(force=True)
    assert links_of(db_dsn, earlier.generation_id) == {}
