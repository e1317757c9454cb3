"""Round trips of the gallery's actions, counted by a real proxy in front of PostgreSQL
(benchmarks/latency_proxy.py), and the in-database page jump checked against the walk.

A user 40 ms from the database feels every round trip: a cold page is at most two (where it
is, then the page with its count and shot names in one pipeline), everything warm is one,
and a page already read ahead is none. Times are the benchmark's business, not this file's.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from test_generations import walk
from test_undo import one
from waiting import wait_until

from workbench import keys
from workbench.client import Workbench
from workbench.errors import NotFoundError, ValidationError
from workbench.generations.filters import GenerationFilters
from workbench.generations.query import GalleryTarget
from workbench.startup import connect
from workbench.storage import LocalStorage
from workbench.views.gallery import GalleryModel

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from latency_proxy import LatencyProxy


@pytest.fixture
def proxied(demo_dsn: str, demo_assets: Path) -> Iterator[tuple[Workbench, LatencyProxy]]:
    """The demo's workbench, talking to PostgreSQL through a round-trip counting proxy."""
    # The replies are late enough that a pipeline's statements all leave before the first
    # answer arrives, as on a real link (without delay a fast server answers the first one
    # before the second is sent, and the proxy sees two turns).
    with (
        LatencyProxy.for_dsn(demo_dsn, delay_ms=20, split="reply", trace=True) as proxy,
        connect(proxy.dsn(demo_dsn), storage=LocalStorage(demo_assets)) as wb,
    ):
        wb.pool.wait()  # every pooled connection open: none opens (and is counted) mid-action
        wb.start_live()  # live updates' own connection, not the gallery's business
        yield wb, proxy


def _request(data: bytes) -> bytes:
    """A turn's bytes from its first request on: psycopg may send the Flush or Sync that ended
    its previous pipeline in the same packet as the next statement (seen under load in CI)."""
    while data[:5] in (b"H\x00\x00\x00\x04", b"S\x00\x00\x00\x04"):
        data = data[5:]
    return data


def trips(proxy: LatencyProxy, action: Callable[[], object]) -> int:
    """The round trips ``action``'s statements made. Not counted: a pooled connection's
    start-up (the pool opens connections when it sees fit) and live updates' LISTEN (sent
    once, by its own thread, whenever it gets there): neither is the gallery's doing."""
    proxy.reset()
    action()
    assert proxy.trace is not None
    turns = [
        data
        for _, data in proxy.trace
        if _request(data)[:1] in (b"P", b"Q", b"B") and b"LISTEN" not in data
    ]
    print(turns)  # shown when an assertion fails: which statements went
    return len(turns)


def test_each_gallery_action_costs_the_round_trips_it_should(
    proxied: tuple[Workbench, LatencyProxy], demo_dsn: str
) -> None:
    wb, proxy = proxied
    project = wb.projects()[0]
    shots = wb.shots(project)
    service = wb.generations_service

    # A cold page: the ownership check, the rows, the count: one pipeline, at most one more
    # round trip for the ownership when the caller checks it first (wb.generations does).
    cold = trips(proxy, lambda: wb.generations(project.id, limit=5))
    assert cold <= 2
    wb.cache.clear()
    target = service.gallery(project.id)
    assert trips(proxy, lambda: service.page(target, limit=5)) == 1
    first = wb.generations(project.id, limit=5)
    assert trips(proxy, lambda: wb.generations(project.id, limit=5)) == 0  # cached

    # Next page, a jump nobody walked to, a jump to a known page: one each (or none).
    second: list[Any] = []
    follow = first.next_cursor
    assert trips(proxy, lambda: second.append(wb.generations(project.id, cursor=follow))) == 1
    assert trips(proxy, lambda: wb.generations(project.id, limit=5, page=6)) == 1
    assert trips(proxy, lambda: wb.generations(project.id, limit=5, page=2)) == 0
    assert wb.generations(project.id, limit=5, page=2) == second[0]
    walked = walk(wb, limit=5, project_id=project.id)
    assert [i.id for i in second[0]] == walked[5:10]
    assert (first.total, first.total_exact) == (len(walked), True)

    # A shot's gallery, cold then visited again.
    assert trips(proxy, lambda: wb.generations(shot_id=shots[0].id)) <= 2
    assert trips(proxy, lambda: wb.generations(shot_id=shots[0].id)) == 0

    # Changes: star one and many, a variant's primary, star and delete; detail.
    items = first.items
    assert trips(proxy, lambda: wb.star(items[0].id, not items[0].starred)) == 1
    assert trips(proxy, lambda: wb.star([i.id for i in items[:5]], True)) == 1
    with psycopg.connect(demo_dsn) as conn:
        generation, variant = conn.execute(
            "SELECT g.id, v.id FROM generations g JOIN generation_variants v "
            "ON v.generation_id = g.id AND NOT v.is_primary WHERE g.project_id = %s LIMIT 1",
            (project.id,),
        ).fetchone() or (None, None)
    assert trips(proxy, lambda: wb.generation_detail(generation)) == 1
    assert trips(proxy, lambda: wb.star_variant(variant)) == 1
    assert trips(proxy, lambda: wb.set_primary_variant(generation, variant)) == 1
    assert [v.id for v in wb.variants(generation) if v.is_primary] == [variant]
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        spare = one(
            conn,
            "INSERT INTO generation_variants (generation_id, location, variant_type) "
            "VALUES (%s, 'u/spare.png', 'upscaled') RETURNING id",
            (generation,),
        )
    assert trips(proxy, lambda: wb.delete_variant(spare)) == 1
    assert spare not in {v.id for v in wb.variants(generation)}
    for _ in range(4):  # and each of them is one undo that puts it back
        wb.undo()
    assert [v.id for v in wb.variants(generation) if v.is_primary] != [variant]

    # Refusals change nothing and say why, in the same one round trip.
    before = wb.variants(generation)
    # (The primary may also be the original, which is refused first: both keep it.)
    with pytest.raises(ValidationError, match=r"Cannot delete the (primary|original) variant"):
        wb.delete_variant(next(v.id for v in before if v.is_primary))
    other = next(i.id for i in items if i.id != generation)
    with pytest.raises(NotFoundError, match="is not a variant of"):
        wb.set_primary_variant(other, variant)
    assert wb.variants(generation) == before


def test_the_gallery_model_reads_ahead_and_pages_on_without_waiting(
    proxied: tuple[Workbench, LatencyProxy],
) -> None:
    wb, proxy = proxied
    project = wb.projects()[0]
    shot = wb.shots(project)[0]
    made: list[GalleryModel] = []

    def settled(action: Callable[[], object]) -> int:
        """The round trips of ``action`` and of the page it reads ahead afterwards."""

        def run() -> None:
            action()
            page = made[0].state.page
            assert page is not None
            if page.next_cursor:
                key = keys.gallery(
                    page.mode, page.target_id, page.page + 1, page.limit, page.filters
                )
                wait_until(lambda: wb.cache.is_fresh(key), what="the next page read ahead")

        return trips(proxy, run)

    # A new gallery: where it is, then the page with its count and the shot names together;
    # then the next page, read ahead in the background.
    assert settled(lambda: made.append(GalleryModel(wb, project_id=project.id, limit=8))) == 3
    model = made[0]
    try:
        assert model.state.error is None
        assert model.state.page is not None
        assert list(model.state.shot_names) == [s.id for s in wb.shots(project)]
        walked = [i.id for i in wb.iter_generations(project.id)]  # caches no page
        for number in (2, 3):  # each page shown at once, the one after it read ahead
            assert settled(model.next_page) == 1
            assert model.state.page is not None
            assert model.state.page.page == number
            assert [i.id for i in model.state.items] == walked[(number - 1) * 8 : number * 8]
        settled(lambda: model.set_target(project_id=project.id, shot_id=shot.id))
        assert model.state.mode == "shot"
        assert model.state.shot_names
        # Back to a visited gallery: only "where is it" goes to the database.
        assert settled(lambda: model.set_target(project_id=project.id)) == 1
        assert model.state.page is not None
        assert model.state.page.page == 1
        # A change drops what was read ahead, like any cached page: never shown stale.
        wb.star(model.state.items[0].id, True)
        next_key = keys.gallery("project", project.id, 2, 8, model.state.filters)
        assert not wb.cache.is_fresh(next_key)
        first_key = keys.gallery("project", project.id, 1, 8, model.state.filters)
        wait_until(
            lambda: model.state.page is wb.cache.get(first_key) and model.state.items[0].starred,
            what="the page reloaded after the star",
        )
        model.next_page()
        assert [i.id for i in model.state.items] == walked[8:16]
    finally:
        model.close()


JUMPS: list[tuple[str, dict[str, Any]]] = [
    ("project", {}),
    ("project", {"sort": "oldest"}),
    ("project", {"media_type": "image", "starred": False}),
    ("project", {"search": "the"}),
    ("shot", {}),
    ("shot", {"media_type": "image"}),
]


def test_a_jump_found_in_the_database_equals_walking_there(demo_wb: Workbench) -> None:
    project = demo_wb.projects()[0]
    biggest = max(demo_wb.shot_counts(project), key=lambda s: s.total).shot_id
    for mode, filters in JUMPS:
        where: dict[str, Any] = {"project_id": project.id} if mode == "project" else {}
        where = where or {"shot_id": biggest}
        chosen = GenerationFilters(**filters)
        walked = walk(demo_wb, limit=3, filters=chosen, **where)
        pages = -(-len(walked) // 3)
        assert pages >= 3, f"{mode} {filters}: too few pages to check a jump"
        demo_wb.cache.clear()  # nothing remembered: every jump is found in the database
        for number in sorted({2, pages // 2 + 1, pages}):
            page = demo_wb.generations(limit=3, page=number, filters=chosen, **where)
            assert [i.id for i in page] == walked[(number - 1) * 3 : number * 3], (mode, number)
            assert page.page == number
            assert (page.next_cursor is None) == (number == pages)
            back = demo_wb.generations(cursor=page.prev_cursor, **where)
            assert [i.id for i in back] == walked[(number - 2) * 3 : (number - 1) * 3]
        demo_wb.cache.clear()  # and the last page straight from the first row
        last = demo_wb.generations(limit=3, page=pages, filters=chosen, **where)
        assert [i.id for i in last] == walked[(pages - 1) * 3 :]
        past = rf"page {pages + 1} is past the last page \({pages}\)"
        with pytest.raises(ValidationError, match=past):
            demo_wb.generations(limit=3, page=pages + 1, filters=chosen, **where)


def test_a_page_of_another_users_gallery_is_refused_in_its_own_round_trip(
    demo_wb: Workbench, demo_dsn: str
) -> None:
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        other = one(conn, "INSERT INTO users DEFAULT VALUES RETURNING id")
        theirs = one(
            conn,
            "INSERT INTO projects (name, user_id) VALUES ('theirs', %s) RETURNING id",
            (other,),
        )
        conn.execute(
            "INSERT INTO generations (project_id, type, location) VALUES (%s, 'image', 'x')",
            (theirs,),
        )
    service = demo_wb.generations_service
    for target in (service.gallery(theirs), GalleryTarget("shot", uuid.uuid4())):
        with pytest.raises(NotFoundError, match="not found among the current user's"):
            service.page(target, page=3)
        assert not demo_wb.cache.keys(keys.gallery(target.mode, target.id))
        assert demo_wb.cache.get(keys.ownership(target.mode, target.id)) is None
