"""Rows that point across users show nothing of the other user's, and every refusal of an id
reads the same whether the row is missing or another user's (issue 14, points 2 and 3).

A database role bypasses Reigh's row-level security, so the workbench filters by
``projects.user_id`` itself. The second user's rows are made with SQL, as another client would.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from workbench.client import Workbench
from workbench.errors import NotFoundError

TRAVEL = "travel-between-images"
SECRET = "mallory-secret"  # in every prompt and name of the second user's


@dataclass(frozen=True)
class Crossed:
    """My rows and the second user's, pointing at each other."""

    mine: uuid.UUID  # in none of my shots; their generation is based on it, their shot links it
    mine_based: uuid.UUID  # based on their generation `theirs`
    my_shot: uuid.UUID  # their generation `linked` is linked into it
    user: uuid.UUID
    project: uuid.UUID
    shot: uuid.UUID  # links `mine`
    theirs: uuid.UUID  # based on my `grand`
    derived: uuid.UUID  # based on `mine`
    linked: uuid.UUID  # linked into `my_shot`
    variant: uuid.UUID  # of `theirs`
    link: uuid.UUID  # their shot's link to `mine`


def _generation(conn: psycopg.Connection[Any], project: uuid.UUID, label: str) -> uuid.UUID:
    row = conn.execute(
        "INSERT INTO generations (project_id, type, location, thumbnail_url, params, name) "
        "VALUES (%s, 'image', %s, %s, %s::jsonb, %s) RETURNING id",
        (
            project,
            f"https://example.invalid/{label}.png",
            f"https://example.invalid/{label}-thumb.png",
            psycopg.types.json.Jsonb({"prompt": f"{SECRET} {label}", "tool_type": "image"}),
            f"{SECRET} {label}",
        ),
    ).fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


@pytest.fixture
def crossed(demo_wb: Workbench, demo_dsn: str) -> Crossed:
    project = demo_wb.project("Neon Coastline")
    my_shot = demo_wb.shots(project)[0].id
    items = list(demo_wb.iter_generations(project.id))
    free = [g for g in items if not g.shot_ids and g.based_on is None]
    mine, mine_based, grand = free[0].id, free[1].id, free[2].id
    with psycopg.connect(demo_dsn, autocommit=True) as conn:

        def one(query: str, params: tuple[Any, ...]) -> uuid.UUID:
            row = conn.execute(query, params).fetchone()
            assert row is not None
            return uuid.UUID(str(row[0]))

        user = one("INSERT INTO users (name) VALUES (%s) RETURNING id", (SECRET,))
        their_project = one(
            "INSERT INTO projects (name, user_id) VALUES (%s, %s) RETURNING id",
            (f"{SECRET} project", user),
        )
        shot = one(
            "INSERT INTO shots (name, project_id) VALUES (%s, %s) RETURNING id",
            (f"{SECRET} shot", their_project),
        )
        theirs = _generation(conn, their_project, "source")
        derived = _generation(conn, their_project, "derived")
        linked = _generation(conn, their_project, "linked")
        variant = one(
            "INSERT INTO generation_variants (generation_id, location, is_primary, variant_type, "
            "name) VALUES (%s, 'https://example.invalid/v.png', false, 'edit', %s) RETURNING id",
            (theirs, f"{SECRET} variant"),
        )
        conn.execute("UPDATE generations SET based_on = %s WHERE id = %s", (grand, theirs))
        conn.execute("UPDATE generations SET based_on = %s WHERE id = %s", (mine, derived))
        conn.execute("UPDATE generations SET based_on = %s WHERE id = %s", (theirs, mine_based))
        link = one(
            "INSERT INTO shot_generations (shot_id, generation_id, timeline_frame) "
            "VALUES (%s, %s, 0) RETURNING id",
            (shot, mine),
        )
        conn.execute(
            "INSERT INTO shot_generations (shot_id, generation_id, timeline_frame) "
            "VALUES (%s, %s, 100000)",
            (my_shot, linked),
        )
    return Crossed(
        mine, mine_based, my_shot, user, their_project, shot, theirs, derived, linked, variant,
        link,
    )  # fmt: skip


def _theirs(c: Crossed) -> set[uuid.UUID]:
    return {c.user, c.project, c.shot, c.theirs, c.derived, c.linked, c.variant, c.link}


def _assert_none_of_theirs(shown: object, c: Crossed) -> None:
    text = repr(shown)
    assert SECRET not in text
    for row_id in _theirs(c):
        assert str(row_id) not in text


def test_the_detail_shows_nothing_of_another_users(demo_wb: Workbench, crossed: Crossed) -> None:
    detail = demo_wb.generation_detail(crossed.mine)
    assert detail.derived == ()  # their generation based on mine
    assert detail.shots == ()  # their shot linking mine
    assert detail.generation.shot_ids == ()
    _assert_none_of_theirs(detail, crossed)

    based = demo_wb.generation_detail(crossed.mine_based)
    assert based.ancestors == ()  # theirs, and (through theirs) my `grand`: the chain stops
    assert based.generation.based_on is None
    _assert_none_of_theirs(based, crossed)


def test_the_gallery_shows_nothing_of_another_users(demo_wb: Workbench, crossed: Crossed) -> None:
    project = demo_wb.project("Neon Coastline")
    page = demo_wb.generations(project.id, limit=500, fresh=True)
    by_id = {g.id: g for g in page.items}
    assert by_id[crossed.mine].shot_ids == ()
    assert by_id[crossed.mine_based].based_on is None
    _assert_none_of_theirs(page.items, crossed)
    _assert_none_of_theirs(list(demo_wb.iter_generations(project.id)), crossed)

    # their generation linked into my shot: not in the shot's gallery, its count or stream
    shot_page = demo_wb.generations(shot_id=crossed.my_shot, limit=500, fresh=True)
    _assert_none_of_theirs(shot_page.items, crossed)
    assert shot_page.total == len(shot_page.items)
    _assert_none_of_theirs(list(demo_wb.iter_generations(shot_id=crossed.my_shot)), crossed)
    _assert_none_of_theirs(list(demo_wb.shot_generations([crossed.my_shot])), crossed)

    # filters on shots count only mine: their shot does not put my generation "in a shot"
    alone = demo_wb.generations(project.id, in_no_shot=True, limit=500, fresh=True)
    assert crossed.mine in {g.id for g in alone.items}
    _assert_none_of_theirs(alone.items, crossed)


def _checksum(dsn: str) -> list[Any]:
    with psycopg.connect(dsn) as conn:
        return [
            conn.execute(
                f"SELECT md5(coalesce(string_agg(to_jsonb(t)::text, ',' ORDER BY t.id::text), ''))"
                f" FROM {table} t"
            ).fetchone()
            for table in (
                "users",
                "projects",
                "shots",
                "generations",
                "generation_variants",
                "shot_generations",
            )
        ]


# Each write, given the ids it targets ("gen", "shot", "project", "user", "variant", "link").
Write = Callable[[Workbench, Crossed, dict[str, uuid.UUID]], object]


def _settings(scope: str, verb: str) -> Write:
    if verb == "update":
        return lambda wb, c, t: wb.update_settings(scope, t[scope], TRAVEL, {"amountOfMotion": 0})
    return lambda wb, c, t: wb.reset_setting(scope, t[scope], TRAVEL, "amountOfMotion")


WRITES: dict[str, Write] = {
    "star": lambda wb, c, t: wb.star(t["gen"]),
    "unstar": lambda wb, c, t: wb.star(t["gen"], False),
    "delete": lambda wb, c, t: wb.delete_generation(t["gen"]),
    "add their generation to my shot": lambda wb, c, t: wb.add_to_shot(t["gen"], c.my_shot),
    "add my generation to their shot": lambda wb, c, t: wb.add_to_shot(c.mine, t["shot"]),
    "remove from their shot": lambda wb, c, t: wb.remove_from_shot(t["shot"], c.mine),
    "reorder their shot": lambda wb, c, t: wb.reorder_shot(t["shot"], [t["link"]]),
    "set primary": lambda wb, c, t: wb.set_primary_variant(t["gen"], t["variant"]),
    **{
        f"{verb} {scope} settings": _settings(scope, verb)
        for scope in ("project", "shot", "user")
        for verb in ("update", "reset")
    },
}


def _named(name: str, targets: dict[str, uuid.UUID]) -> tuple[str, uuid.UUID]:
    """The (kind, id) a write is refused for."""
    if name.endswith("settings"):
        scope = name.split()[1]
        return scope, targets[scope]
    if "their shot" in name:
        return "shot", targets["shot"]
    return "generation", targets["gen"]


@pytest.mark.parametrize("name", list(WRITES))
def test_a_write_on_another_users_row_reads_as_not_found(
    demo_wb: Workbench, demo_dsn: str, crossed: Crossed, name: str
) -> None:
    """The same refusal, word for word but the id, for their row and an id nobody has."""
    theirs = {
        "gen": crossed.theirs,
        "shot": crossed.shot,
        "project": crossed.project,
        "user": crossed.user,
        "variant": crossed.variant,
        "link": crossed.link,
    }
    missing = {key: uuid.uuid4() for key in theirs}
    before = _checksum(demo_dsn)
    shapes = []
    for targets in (theirs, missing):
        with pytest.raises(NotFoundError) as caught:
            WRITES[name](demo_wb, crossed, targets)
        message = str(caught.value)
        kind, row_id = _named(name, targets)
        assert message == f"{kind} {row_id} not found among the current user's"
        shapes.append(message.replace(str(row_id), "<id>"))
    assert shapes[0] == shapes[1]
    assert _checksum(demo_dsn) == before


def test_the_counts_agree_with_what_the_gallery_shows(demo_wb: Workbench, crossed: Crossed) -> None:
    """Their generation in my shot is not counted in it, and their shot linking my generation
    does not take it out of my "in no shot" count: the navigator's numbers are the gallery's."""
    project = demo_wb.project("Neon Coastline")
    shot_total = demo_wb.generations(shot_id=crossed.my_shot, limit=500, fresh=True).total
    counts = {c.shot_id: c for c in demo_wb.shot_counts(project)}
    assert counts[crossed.my_shot].total == shot_total
    alone = demo_wb.generations(project.id, in_no_shot=True, limit=500, fresh=True)
    assert crossed.mine in {g.id for g in alone.items}
    assert demo_wb.project_counts(project).in_no_shot == alone.total
    summary = next(s for s in demo_wb.overview() if s.project.id == project.id)
    assert summary.counts.in_no_shot == alone.total
    navigator = {s.shot.id: s.counts for s in summary.shots}
    assert navigator[crossed.my_shot].total == shot_total
