"""Bulk actions through the API (``wb``): star, add to and remove from a shot, delete, on
several generations at once, each in one round trip and undone in one step; a batch with one
bad id changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb
from test_undo import all_rows, counting_statements, one

from workbench.client import Workbench
from workbench.errors import NotFoundError, ValidationError
from workbench.startup import connect
from workbench.storage import LocalStorage


@dataclass(frozen=True)
class Batch:
    """Three generations of one project with variants and links, and what must be refused:
    another project's generation and shot, another user's generation, a missing id."""

    user: uuid.UUID
    project: uuid.UUID
    shot: uuid.UUID  # 'Harbour Lights': g[3] at frame 0, g[0] at frame 50
    other_shot: uuid.UUID  # 'Night Market': g[1] unpositioned, g[2] at frame 10
    empty_shot: uuid.UUID  # 'Empty'
    g: tuple[uuid.UUID, ...]  # four generations; g[0] starred
    variants: tuple[uuid.UUID, ...]  # g[0]'s: original (primary), upscaled (new)
    links: tuple[uuid.UUID, ...]
    second_project: uuid.UUID
    second_generation: uuid.UUID
    second_shot: uuid.UUID
    foreign: uuid.UUID  # another user's generation


def build_batch(dsn: str) -> Batch:
    with psycopg.connect(dsn, autocommit=True) as conn:
        user = one(conn, "INSERT INTO users DEFAULT VALUES RETURNING id")
        stranger = one(conn, "INSERT INTO users DEFAULT VALUES RETURNING id")

        def project(name: str, owner: uuid.UUID) -> uuid.UUID:
            return one(  # type: ignore[no-any-return]
                conn,
                "INSERT INTO projects (name, user_id) VALUES (%s, %s) RETURNING id",
                (name, owner),
            )

        def shot(name: str, project_id: uuid.UUID) -> uuid.UUID:
            return one(  # type: ignore[no-any-return]
                conn,
                "INSERT INTO shots (name, project_id) VALUES (%s, %s) RETURNING id",
                (name, project_id),
            )

        def generation(project_id: uuid.UUID, prompt: str, starred: bool = False) -> uuid.UUID:
            gid = one(
                conn,
                "INSERT INTO generations (project_id, type, location, params, starred) "
                "VALUES (%s, 'image', %s, %s, %s) RETURNING id",
                (project_id, f"u/{prompt}.png", Jsonb({"prompt": prompt}), starred),
            )
            conn.execute(
                "INSERT INTO generation_variants (generation_id, location, is_primary, "
                "variant_type, name, viewed_at) VALUES (%s, %s, true, 'original', 'Original', "
                "now())",
                (gid, f"u/{prompt}.png"),
            )
            return gid  # type: ignore[no-any-return]

        p = project("Neon Coastline", user)
        harbour, market, empty = (
            shot("Harbour Lights", p),
            shot("Night Market", p),
            shot("Empty", p),
        )
        g = tuple(
            generation(p, prompt, starred=n == 0)
            for n, prompt in enumerate(["harbour at dusk", "night market", "rain", "lighthouse"])
        )
        original = one(
            conn,
            "SELECT id FROM generation_variants WHERE generation_id = %s AND is_primary",
            (g[0],),
        )
        upscaled = one(
            conn,
            "INSERT INTO generation_variants (generation_id, location, is_primary, "
            "variant_type, name) VALUES (%s, 'u/a-up.png', false, 'upscaled', 'Upscaled') "
            "RETURNING id",
            (g[0],),
        )
        links = tuple(
            one(
                conn,
                "INSERT INTO shot_generations (shot_id, generation_id, timeline_frame) "
                "VALUES (%s, %s, %s) RETURNING id",
                (s, gen, frame),
            )
            for s, gen, frame in [
                (harbour, g[3], 0),
                (harbour, g[0], 50),
                (market, g[1], None),
                (market, g[2], 10),
            ]
        )
        q = project("Second", user)
        return Batch(
            user, p, harbour, market, empty, g, (original, upscaled), links,
            q, generation(q, "elsewhere"), shot("Second shot", q),
            generation(project("Theirs", stranger), "not yours"),
        )  # fmt: skip


@pytest.fixture
def batch(db_dsn: str, monkeypatch: pytest.MonkeyPatch) -> Batch:
    made = build_batch(db_dsn)
    monkeypatch.setenv("WORKBENCH_USER_ID", str(made.user))  # two users in the database
    return made


@pytest.fixture
def wb(db_dsn: str, batch: Batch, tmp_path: Path) -> Iterator[Workbench]:
    with connect(db_dsn, storage=LocalStorage(tmp_path / "media")) as workbench:
        yield workbench


def stars(dsn: str, ids: tuple[uuid.UUID, ...]) -> list[bool]:
    with psycopg.connect(dsn) as conn:
        rows = dict(
            conn.execute(
                "SELECT id, starred FROM generations WHERE id = ANY(%s)", (list(ids),)
            ).fetchall()
        )
    return [rows[i] for i in ids]


def links_of(dsn: str, shot: uuid.UUID) -> list[tuple[Any, ...]]:
    """(link id, generation, frame) of a shot, in timeline order, without the hidden
    placeholder every shot gets (Reigh's trigger)."""
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT sg.id, sg.generation_id, sg.timeline_frame FROM shot_generations sg "
            "JOIN generations g ON g.id = sg.generation_id "
            "WHERE sg.shot_id = %s AND g.location IS NOT NULL "
            "ORDER BY sg.timeline_frame NULLS LAST, sg.id",
            (shot,),
        ).fetchall()


# -- star ------------------------------------------------------------------------------------
def test_star_three_then_one_undo_puts_back_each_ones_own_star(
    db_dsn: str, wb: Workbench, batch: Batch
) -> None:
    three = batch.g[:3]
    assert stars(db_dsn, three) == [True, False, False]
    wb.star(three)
    assert stars(db_dsn, three) == [True, True, True]
    assert wb.history()[0].summary()["description"] == "star 3 generations"
    assert wb.undo() == "undid: star 3 generations"
    assert stars(db_dsn, three) == [True, False, False]

    wb.star(three, False)
    assert stars(db_dsn, three) == [False, False, False]
    wb.undo()
    assert stars(db_dsn, three) == [True, False, False]
    assert [c.kind for c in wb.history()] == ["star", "star"]


# -- add to a shot ---------------------------------------------------------------------------
def test_add_three_at_the_end_fifty_frames_apart_in_the_order_given(
    db_dsn: str, wb: Workbench, batch: Batch
) -> None:
    before = links_of(db_dsn, batch.shot)
    order = [batch.g[2], batch.g[1], batch.g[3]]  # g[3] is in the shot already: a second link
    wb.add_to_shot(order, batch.shot)
    added = [row for row in links_of(db_dsn, batch.shot) if row not in before]
    assert [(gen, frame) for _, gen, frame in added] == [
        (batch.g[2], 100), (batch.g[1], 150), (batch.g[3], 200),
    ]  # fmt: skip
    assert wb.history()[0].summary()["description"] == (
        "add 3 generations to shot 'Harbour Lights'"
    )
    page = wb.generations(shot_id=batch.shot, fresh=True)
    assert [i.timeline_frame for i in page.items] == [0, 50, 100, 150, 200]
    wb.undo()
    assert links_of(db_dsn, batch.shot) == before


def test_add_three_unpositioned(db_dsn: str, wb: Workbench, batch: Batch) -> None:
    wb.add_to_shot(batch.g[:3], batch.empty_shot, frame=None)
    rows = links_of(db_dsn, batch.empty_shot)
    assert sorted(str(gen) for _, gen, _ in rows) == sorted(str(g) for g in batch.g[:3])
    assert [frame for _, _, frame in rows] == [None, None, None]
    item = wb.generation_detail(batch.g[1]).generation
    assert batch.empty_shot in item.shot_ids
    assert batch.empty_shot not in item.positioned_shot_ids
    wb.undo()
    assert links_of(db_dsn, batch.empty_shot) == []


def test_a_frame_is_for_one_generation_only(db_dsn: str, wb: Workbench, batch: Batch) -> None:
    with pytest.raises(ValidationError, match="not to one frame"):
        wb.add_to_shot(batch.g[:2], batch.empty_shot, frame=300)
    assert links_of(db_dsn, batch.empty_shot) == []
    wb.add_to_shot([batch.g[0]], batch.empty_shot, frame=300)
    assert [frame for _, _, frame in links_of(db_dsn, batch.empty_shot)] == [300]


def test_add_to_a_shot_of_another_project_is_refused(
    db_dsn: str, wb: Workbench, batch: Batch
) -> None:
    with pytest.raises(ValidationError, match="different projects"):
        wb.add_to_shot(batch.g[:3], batch.second_shot)
    assert links_of(db_dsn, batch.second_shot) == []
    assert wb.history() == []


# -- remove from a shot ----------------------------------------------------------------------
def test_remove_three_then_one_undo_puts_back_the_same_links_and_frames(
    db_dsn: str, wb: Workbench, batch: Batch
) -> None:
    wb.add_to_shot([batch.g[1]], batch.shot, frame=75)
    before = links_of(db_dsn, batch.shot)
    assert len(before) == 3
    wb.remove_from_shot(batch.shot, [batch.g[3], batch.g[0], batch.g[1]])
    assert links_of(db_dsn, batch.shot) == []
    assert wb.history()[0].summary()["description"] == (
        "remove 3 generations from shot 'Harbour Lights'"
    )
    wb.undo()
    assert links_of(db_dsn, batch.shot) == before  # the same link ids, the same frames


def test_remove_refuses_one_not_in_the_shot_and_changes_nothing(
    db_dsn: str, wb: Workbench, batch: Batch
) -> None:
    before = links_of(db_dsn, batch.shot)
    with pytest.raises(NotFoundError, match=f"generation {batch.g[2]} is not in shot"):
        wb.remove_from_shot(batch.shot, [batch.g[0], batch.g[2]])
    assert links_of(db_dsn, batch.shot) == before


# -- delete ----------------------------------------------------------------------------------
def test_delete_three_with_variants_and_links_then_one_undo_restores_the_same_rows(
    db_dsn: str, wb: Workbench, batch: Batch
) -> None:
    before = all_rows(db_dsn)
    three = [batch.g[0], batch.g[1], batch.g[2]]
    wb.delete_generation(three)
    after = all_rows(db_dsn)
    assert not {str(g) for g in three} & {r["id"] for r in after["generations"]}
    assert not {str(v) for v in batch.variants} & {r["id"] for r in after["generation_variants"]}
    kept = {r["id"] for r in after["shot_generations"]}
    assert str(batch.links[0]) in kept
    assert not {str(link) for link in batch.links[1:]} & kept
    assert wb.history()[0].summary()["description"] == "delete 3 generations"
    assert wb.undo() == "undid: delete 3 generations"
    assert all_rows(db_dsn) == before


# -- refusals --------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["foreign", "missing"])
def test_one_bad_id_refuses_every_action_and_names_it(
    db_dsn: str, wb: Workbench, batch: Batch, bad: str
) -> None:
    wrong = batch.foreign if bad == "foreign" else uuid.uuid4()
    ids = [batch.g[0], wrong, batch.g[1]]
    before = all_rows(db_dsn)
    actions = [
        lambda: wb.star(ids),
        lambda: wb.add_to_shot(ids, batch.empty_shot),
        lambda: wb.add_to_shot(ids, batch.empty_shot, frame=None),
        lambda: wb.remove_from_shot(batch.shot, ids),
        lambda: wb.delete_generation(ids),
    ]
    for action in actions:
        with pytest.raises(NotFoundError, match=str(wrong)) as refused:
            action()
        assert "nothing was changed" in str(refused.value)
    assert all_rows(db_dsn) == before
    assert wb.history() == []


def test_ids_from_two_projects_are_refused(db_dsn: str, wb: Workbench, batch: Batch) -> None:
    ids = [batch.g[0], batch.second_generation]
    before = all_rows(db_dsn)
    for action in (
        lambda: wb.star(ids),
        lambda: wb.delete_generation(ids),
        lambda: wb.add_to_shot(ids, batch.empty_shot),
    ):
        with pytest.raises(NotFoundError, match="different projects"):
            action()
    assert all_rows(db_dsn) == before


def test_bad_batches_are_refused_before_the_database(wb: Workbench, batch: Batch) -> None:
    with pytest.raises(ValidationError, match="no generations given"):
        wb.star([])
    with pytest.raises(ValidationError, match="malformed generation id: 'nope'"):
        wb.star([batch.g[0], "nope"])
    with pytest.raises(ValidationError, match="at most 10,000"):
        wb.star([uuid.uuid4() for _ in range(10_001)])


# -- round trips -----------------------------------------------------------------------------
def test_each_bulk_action_is_one_round_trip(
    db_dsn: str, wb: Workbench, batch: Batch, monkeypatch: pytest.MonkeyPatch
) -> None:
    three = list(batch.g[:3])
    with counting_statements(monkeypatch) as sent:
        wb.star(three)
    assert len(sent) == 1, sent
    with counting_statements(monkeypatch) as sent:
        wb.add_to_shot(three, batch.empty_shot)
    assert len(sent) == 2, sent  # the shot's lock and the insert, pipelined together
    with counting_statements(monkeypatch) as sent:
        wb.remove_from_shot(batch.empty_shot, three)
    assert len(sent) == 1, sent
    with counting_statements(monkeypatch) as sent:
        wb.delete_generation(three)
    assert len(sent) == 3, sent  # check, snapshot, DELETE: pipelined, one round trip


def test_starring_a_thousand_is_one_statement(
    db_dsn: str, wb: Workbench, batch: Batch, monkeypatch: pytest.MonkeyPatch
) -> None:
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        ids = [
            row[0]
            for row in conn.execute(
                "INSERT INTO generations (project_id, type, location) "
                "SELECT %s, 'image', 'u/' || n || '.png' FROM generate_series(1, 1000) n "
                "RETURNING id",
                (batch.project,),
            ).fetchall()
        ]
    with counting_statements(monkeypatch) as sent:
        wb.star(ids)
    assert len(sent) == 1, sent
    assert stars(db_dsn, tuple(ids)) == [True] * 1000
    with counting_statements(monkeypatch) as sent:
        wb.undo()
    assert stars(db_dsn, tuple(ids)) == [False] * 1000
