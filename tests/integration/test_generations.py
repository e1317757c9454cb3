"""The unified generations query on a real PostgreSQL, against an independent reference."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from waiting import wait_until

from workbench.client import Workbench
from workbench.errors import NotFoundError, ValidationError
from workbench.generations.filters import GenerationFilters
from workbench.generations.service import MAX_LIMIT

# -- an independent reference: plain rows, filtered in Python --------------------------------


def reference(dsn: str, mode: str, target: uuid.UUID, f: GenerationFilters) -> list[uuid.UUID]:
    with psycopg.connect(dsn) as conn:
        gens = {
            row[0]: row
            for row in conn.execute(
                "SELECT id, project_id, type, starred, created_at, based_on, params, location, "
                "is_child FROM generations"
            ).fetchall()
        }
        links = conn.execute(
            "SELECT id, shot_id, generation_id, timeline_frame FROM shot_generations"
        ).fetchall()

    def prompt_matches(params: dict[str, Any], text: str) -> bool:
        orchestrator = (
            params.get("originalParams", {}).get("orchestrator_details", {}).get("prompt") or ""
        )
        return (
            text.lower() in orchestrator.lower()
            or text.lower() in (params.get("prompt") or "").lower()
        )

    def keep(gen: Any) -> bool:
        _, _, kind, starred, created, based_on, params, location, is_child = gen
        if location is None or is_child:
            return False
        is_video = "video" in (kind or "")
        if f.media_type == "video" and not is_video:
            return False
        if f.media_type == "image" and is_video:
            return False
        if f.tool_type and params.get("tool_type") not in (
            f.tool_type,
            f"{f.tool_type}-reconstructed-client",
        ):
            return False
        if f.starred is not None and starred != f.starred:
            return False
        if f.search and not prompt_matches(params, f.search):
            return False
        if f.edits_only and based_on is None:
            return False
        if f.created_after and created < f.created_after:
            return False
        return not (f.created_before and created >= f.created_before)

    def unpositioned(link: Any) -> bool:  # an image without a frame; videos never are
        return link[3] is None and "video" not in (gens[link[2]][2] or "")

    if mode == "shot":
        rows = [link for link in links if link[1] == target and keep(gens[link[2]])]
        if f.unpositioned:
            rows = [link for link in rows if unpositioned(link)]
        rows.sort(key=lambda link: (link[3] is None, link[3] or 0, link[0]))
        return [link[2] for link in rows]
    chosen = [g for g in gens.values() if g[1] == target and keep(g)]
    if f.in_shot is not None:
        chosen = [
            g for g in chosen
            if any(
                link[2] == g[0] and link[1] == f.in_shot
                and (not f.unpositioned or unpositioned(link))
                for link in links
            )
        ]  # fmt: skip
    elif f.unpositioned:
        chosen = [g for g in chosen if any(ln[2] == g[0] and unpositioned(ln) for ln in links)]
    if f.in_no_shot:
        chosen = [g for g in chosen if not any(link[2] == g[0] for link in links)]
    chosen.sort(key=lambda g: (g[4], g[0]), reverse=f.sort == "newest")
    return [g[0] for g in chosen]


def walk(wb: Workbench, limit: int = 7, **where: Any) -> list[uuid.UUID]:
    """Every id, page by page through next cursors; checks page numbering on the way."""
    ids: list[uuid.UUID] = []
    page = wb.generations(limit=limit, **where)
    expected_page = 1
    while True:
        assert page.page == expected_page
        ids += [item.id for item in page]
        if page.next_cursor is None:
            return ids
        page = wb.generations(limit=limit, cursor=page.next_cursor, **where)
        expected_page += 1


FILTERS: list[dict[str, Any]] = [
    {},
    {"media_type": "image"},
    {"media_type": "video"},
    {"starred": True},
    {"starred": False},
    {"tool_type": "image-generation"},
    {"tool_type": "travel-between-images"},
    {"tool_type": "edit-images"},
    {"search": "lighthouse"},
    {"search": "FOG"},
    {"search": "no such words"},
    {"edits_only": True},
    {"in_no_shot": True},
    {"unpositioned": True},
    {"created_after": datetime(2026, 9, 3, tzinfo=UTC)},
    {"created_before": datetime(2026, 9, 3, tzinfo=UTC)},
    {"sort": "oldest"},
    {"media_type": "image", "starred": True, "sort": "oldest"},
    {"search": "a", "in_no_shot": True},
]


PROJECT_ONLY = ("in_no_shot", "sort")  # shot mode has its own order and is always in a shot
CASES = [
    (mode, fields)
    for fields in FILTERS
    for mode in ("project", "shot")
    if mode == "project" or not any(name in fields for name in PROJECT_ONLY)
]


@pytest.mark.parametrize(("mode", "fields"), CASES, ids=[f"{m}-{f!r}" for m, f in CASES])
def test_every_mode_and_filter_matches_the_reference(
    demo_wb: Workbench, demo_dsn: str, mode: str, fields: dict[str, Any]
) -> None:
    project = demo_wb.projects()[0]
    filters = GenerationFilters.of(fields)
    if mode == "shot":
        for shot in demo_wb.shots(project)[:3]:
            got = walk(demo_wb, shot_id=shot.id, filters=filters)
            assert got == reference(demo_dsn, "shot", shot.id, filters)
    else:
        got = walk(demo_wb, project_id=project.id, filters=filters)
        assert got == reference(demo_dsn, "project", project.id, filters)
        assert demo_wb.generations(project.id, filters=filters).total == len(got)


def test_in_shot_filter_in_project_mode(demo_wb: Workbench, demo_dsn: str) -> None:
    project = demo_wb.projects()[0]
    shot = demo_wb.shots(project)[1]
    for unpositioned in (False, True):
        filters = GenerationFilters(in_shot=shot.id, unpositioned=unpositioned)
        got = walk(demo_wb, project_id=project.id, filters=filters)
        assert got == reference(demo_dsn, "project", project.id, filters)
        assert got


def test_items_carry_what_the_gallery_shows(demo_wb: Workbench, demo_dsn: str) -> None:
    project = demo_wb.projects()[0]
    page = demo_wb.generations(project.id, limit=100, include_tasks=True)
    with psycopg.connect(demo_dsn) as conn:
        placeholders = conn.execute(
            "SELECT count(*) FROM generations WHERE location IS NULL AND project_id = %s",
            (project.id,),
        ).fetchone()
    assert placeholders is not None
    assert placeholders[0] == len(demo_wb.shots(project))  # hidden, never listed
    for item in page:
        assert item.location is not None
        assert item.thumbnail_url
        assert item.prompt
        assert item.variant_count >= 1
        assert item.task is not None
        assert item.task.status == "Complete"
    upscaled = [i for i in page if i.variant_count > 1]
    assert all(i.unviewed_variant_count <= 1 for i in upscaled)
    in_shots = [i for i in page if i.shot_ids]
    assert in_shots


def test_page_jumps_match_the_walk(demo_wb: Workbench) -> None:
    project = demo_wb.projects()[0]
    walked = walk(demo_wb, limit=5, project_id=project.id)
    demo_wb.cache.clear()  # no remembered cursors: the database finds where each page starts
    for number in (1, 2, 5, 7):
        page = demo_wb.generations(project.id, limit=5, page=number)
        assert [i.id for i in page] == walked[(number - 1) * 5 : number * 5]
    with pytest.raises(ValidationError, match="past the last page"):
        demo_wb.generations(project.id, limit=5, page=99)


def test_backward_walk_with_prev_cursors(demo_wb: Workbench) -> None:
    project = demo_wb.projects()[0]
    forward = walk(demo_wb, limit=6, project_id=project.id)
    page = demo_wb.generations(project.id, limit=6, page=6)
    backward: list[uuid.UUID] = []
    while True:
        backward = [i.id for i in page] + backward
        if page.prev_cursor is None:
            break
        page = demo_wb.generations(project.id, limit=6, cursor=page.prev_cursor)
    assert backward == forward[: len(backward)]
    assert len(backward) == 36


@pytest.fixture
def big_project(demo_wb: Workbench, demo_dsn: str) -> uuid.UUID:
    """10,000 extra generations in a new project, made in SQL (no media needed)."""
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO projects (name, user_id) VALUES ('Big', %s) RETURNING id",
            (demo_wb.user_id,),
        ).fetchone()
        assert row is not None
        conn.execute(
            "INSERT INTO generations (project_id, type, location, params, created_at) "
            "SELECT %s, 'image', 'file:///x/' || n, jsonb_build_object('prompt', 'p' || n), "
            "timestamptz '2026-01-01' + (n %% 5000) * interval '1 minute' "
            "FROM generate_series(1, 10000) n",
            (row[0],),
        )
    return uuid.UUID(str(row[0]))


def test_pagination_over_10k_rows_is_stable_under_inserts(
    demo_wb: Workbench, demo_dsn: str, big_project: uuid.UUID
) -> None:
    seen: list[uuid.UUID] = []
    page = demo_wb.generations(big_project, limit=100)
    assert page.total == 10_000
    assert page.total_exact
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        while True:
            seen += [item.id for item in page]
            if page.page % 10 == 0:  # someone adds new work while we page
                conn.execute(
                    "INSERT INTO generations (project_id, type, location) "
                    "SELECT %s, 'image', 'file:///new' FROM generate_series(1, 5)",
                    (big_project,),
                )
            if page.next_cursor is None:
                break
            page = demo_wb.generations(big_project, limit=100, cursor=page.next_cursor)
    assert len(seen) == len(set(seen)) == 10_000  # no duplicate, no gap
    backward: list[uuid.UUID] = []
    while True:
        backward = [item.id for item in page] + backward
        if page.prev_cursor is None:
            break
        page = demo_wb.generations(big_project, limit=100, cursor=page.prev_cursor)
    assert backward == seen


def test_concurrent_identical_fetches_share_one_query(demo_wb: Workbench) -> None:
    project = demo_wb.projects()[0]
    demo_wb.generations(project.id, limit=1)  # caches the ownership check: below only pages join
    service = demo_wb.generations_service
    calls: list[int] = []
    real = service._fetch_page
    joined_before = demo_wb.cache.stats.dedupes

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        # Keep the first fetch in flight until the 19 other callers have joined it.
        wait_until(lambda: demo_wb.cache.stats.dedupes - joined_before >= 19,
                   what="the 19 other callers to join the first fetch")  # fmt: skip
        return real(*args, **kwargs)

    service._fetch_page = counting  # type: ignore[method-assign]
    results: list[Any] = []
    threads = [
        threading.Thread(target=lambda: results.append(demo_wb.generations(project.id)))
        for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(results) == 20
    assert all(r is results[0] for r in results)


def test_star_is_optimistic_persisted_and_refetched(demo_wb: Workbench, demo_dsn: str) -> None:
    project = demo_wb.projects()[0]
    page = demo_wb.generations(project.id, starred=False)
    target = page[0]
    events: list[str] = []
    demo_wb.cache.subscribe(
        ("unified-generations", "project", project.id), lambda e: events.append(e.kind)
    )
    demo_wb.star(target.id)
    assert "updated" in events  # the optimistic change, before the refetch
    assert "invalidated" in events
    with psycopg.connect(demo_dsn) as conn:
        assert conn.execute(
            "SELECT starred FROM generations WHERE id = %s", (target.id,)
        ).fetchone() == (True,)
    assert target.id not in {i.id for i in demo_wb.generations(project.id, starred=False)}
    assert target.id in {i.id for i in demo_wb.generations(project.id, starred=True)}
    demo_wb.star(target.id, False)
    assert target.id in {i.id for i in demo_wb.generations(project.id, starred=False)}


def test_failed_mutation_rolls_back_the_cached_page(demo_wb: Workbench, demo_dsn: str) -> None:
    project = demo_wb.projects()[0]
    page = demo_wb.generations(project.id)
    target = page[0]
    with psycopg.connect(demo_dsn, autocommit=True) as conn:  # the database will refuse
        conn.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"
        )
        conn.execute(
            "CREATE TRIGGER refuse BEFORE UPDATE ON generations "
            "FOR EACH ROW EXECUTE FUNCTION refuse()"
        )
    key = ("unified-generations", "project", project.id, 1, 50, GenerationFilters())
    with pytest.raises(psycopg.Error, match="refused"):
        demo_wb.star(target.id, not target.starred)
    cached = demo_wb.cache.get(key)
    assert cached is not None
    assert cached[0].starred == target.starred  # rolled back


def test_a_fetch_started_before_a_mutation_does_not_overwrite_it(demo_wb: Workbench) -> None:
    project = demo_wb.projects()[0]
    page = demo_wb.generations(project.id, starred=None)
    target = page[0]
    service = demo_wb.generations_service
    real = service._fetch_page
    started = threading.Event()
    mutated = threading.Event()

    def slow(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)  # reads the old state...
        started.set()
        assert mutated.wait(30), "the test never made the mutation"  # ...and lands after it
        return result

    service._fetch_page = slow  # type: ignore[method-assign]
    stale_reader = threading.Thread(target=lambda: demo_wb.generations(project.id, fresh=True))
    stale_reader.start()
    assert started.wait(30), "the stale fetch never ran"
    service._fetch_page = real  # type: ignore[method-assign]
    demo_wb.star(target.id, not target.starred)
    mutated.set()
    stale_reader.join(30)
    assert not stale_reader.is_alive()
    latest = demo_wb.generations(project.id)
    assert next(i for i in latest if i.id == target.id).starred == (not target.starred)
    assert demo_wb.cache.stats.discarded >= 1


def test_shot_membership_and_timeline_mutations(demo_wb: Workbench, demo_dsn: str) -> None:
    project = demo_wb.projects()[0]
    shot = demo_wb.shots(project)[0]
    outsider = demo_wb.generations(project.id, in_no_shot=True)[0]
    before = demo_wb.generations(shot_id=shot.id, limit=500)
    demo_wb.add_to_shot(outsider.id, shot.id)  # at the end of the timeline
    after = demo_wb.generations(shot_id=shot.id, limit=500)
    positioned = [i for i in after if i.timeline_frame is not None]
    assert positioned[-1].id == outsider.id
    assert (
        positioned[-1].timeline_frame
        == max(i.timeline_frame for i in before if i.timeline_frame is not None) + 50
    )
    assert outsider.id not in {i.id for i in demo_wb.generations(project.id, in_no_shot=True)}
    demo_wb.add_to_shot(outsider.id, shot.id, frame=None)  # twice: Reigh allows it
    links = [i for i in demo_wb.generations(shot_id=shot.id, limit=500) if i.id == outsider.id]
    assert [link.timeline_frame is None for link in links] == [False, True]

    order = [i.shot_generation_id for i in positioned][::-1]
    demo_wb.reorder_shot(shot.id, order)
    reordered = [
        i for i in demo_wb.generations(shot_id=shot.id, limit=500) if i.timeline_frame is not None
    ]
    assert [i.shot_generation_id for i in reordered] == order
    assert [i.timeline_frame for i in reordered] == [50 * n for n in range(len(order))]

    demo_wb.remove_from_shot(shot.id, outsider.id)
    assert outsider.id not in {i.id for i in demo_wb.generations(shot_id=shot.id, limit=500)}
    with pytest.raises(NotFoundError):
        demo_wb.remove_from_shot(shot.id, outsider.id)
    other_project_shot = demo_wb.shots(demo_wb.projects()[1])[0]
    with pytest.raises(ValidationError, match="different projects"):
        demo_wb.add_to_shot(outsider.id, other_project_shot.id)


def test_concurrent_appends_to_one_shot_get_distinct_frames(
    demo_wb: Workbench, demo_dsn: str
) -> None:
    project = demo_wb.projects()[0]
    shot = demo_wb.shots(project)[0]
    generations = [g.id for g in demo_wb.generations(project.id, limit=8)]
    assert len(generations) == 8  # as many appenders as the workbench's pool has connections
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT coalesce(max(timeline_frame), -50) FROM shot_generations WHERE shot_id = %s",
            (shot.id,),
        ).fetchone()
        assert row is not None
        last = row[0]
    errors: list[BaseException] = []

    def append(generation_id: uuid.UUID) -> None:
        try:
            demo_wb.add_to_shot(generation_id, shot.id, frame="end")
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(g,)) for g in generations]
    # Hold inserts into shot_generations back (reads still pass) until all eight appenders
    # wait on a lock: without a per-shot lock each would have read the same last frame.
    # The waiters are counted from a second, autocommit connection: PostgreSQL snapshots
    # pg_stat_activity once per transaction, so counted inside the blocker's transaction the
    # first count would be repeated forever (and the pool opens its connections one at a time,
    # so on a busy machine the first count comes before all eight are there).
    with (
        psycopg.connect(demo_dsn) as blocker,
        psycopg.connect(demo_dsn, autocommit=True) as observer,
    ):
        blocker.execute("LOCK TABLE shot_generations IN SHARE MODE")
        blocked = [0]

        def all_blocked() -> bool:
            # The appender holding the shot's advisory lock waits for the table; the others
            # wait for that advisory lock.
            row = observer.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE NOT l.granted AND a.datname = current_database() AND (l.locktype = "
                "'advisory' OR l.relation = 'shot_generations'::regclass)"
            ).fetchone()
            blocked[0] = row[0] if row else 0
            return bool(errors) or blocked[0] == len(threads)

        try:
            for thread in threads:
                thread.start()
            wait_until(all_blocked, timeout=60,
                       what=f"all {len(threads)} appenders to wait on the shot's lock")  # fmt: skip
            assert not errors, errors
            assert blocked[0] == len(threads)
        finally:
            blocker.commit()  # releases the table lock
            for thread in threads:
                thread.join(30)
    assert not errors, errors
    with psycopg.connect(demo_dsn) as conn:
        frames = conn.execute(
            "SELECT timeline_frame FROM shot_generations WHERE shot_id = %s "
            "AND generation_id = ANY(%s) AND timeline_frame > %s ORDER BY timeline_frame",
            (shot.id, generations, last),
        ).fetchall()
    assert [f[0] for f in frames] == [last + 50 * n for n in range(1, 9)]


def test_delete_and_primary_variant(demo_wb: Workbench, demo_dsn: str) -> None:
    project = demo_wb.projects()[0]
    victim = demo_wb.generations(project.id)[0]
    demo_wb.delete_generation(victim.id)
    assert victim.id not in {i.id for i in demo_wb.generations(project.id, limit=500)}
    with psycopg.connect(demo_dsn) as conn:
        left = conn.execute(
            "SELECT count(*) FROM generation_variants WHERE generation_id = %s", (victim.id,)
        ).fetchone()
        assert left == (0,)
        row = conn.execute(
            "SELECT g.id, v.id, v.location FROM generations g JOIN generation_variants v "
            "ON v.generation_id = g.id AND NOT v.is_primary WHERE g.project_id = %s LIMIT 1",
            (project.id,),
        ).fetchone()
    assert row is not None  # the demo has upscaled variants whose original is not primary
    demo_wb.set_primary_variant(row[0], row[1])
    item = next(i for i in demo_wb.generations(project.id, limit=500) if i.id == row[0])
    assert item.location == row[2]
    assert item.primary_variant_id == row[1]


def test_other_users_cannot_read_or_change(demo_wb: Workbench, demo_dsn: str) -> None:
    from workbench.startup import connect

    project = demo_wb.projects()[0]
    target = demo_wb.generations(project.id)[0]
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        row = conn.execute("INSERT INTO users (name) VALUES ('mallory') RETURNING id").fetchone()
        assert row is not None
    with connect(demo_dsn, user_id=row[0], storage=demo_wb.storage) as mallory:
        with pytest.raises(NotFoundError):
            mallory.generations(project.id)
        refusal = f"generation {target.id} not found among the current user's"
        with pytest.raises(NotFoundError) as caught:
            mallory.star(target.id)
        assert str(caught.value) == refusal
        with pytest.raises(NotFoundError) as caught:
            mallory.delete_generation(target.id)
        assert str(caught.value) == refusal


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"project_id": "nope"}, "project 'nope' not found"),  # a name: none matches
        ({"project_id": uuid.uuid4()}, "not found among the current user's"),
        ({"shot_id": "1; DROP TABLE shots"}, "malformed shot id"),
        ({}, "name a project_id or a shot_id"),
        ({"limit": -1}, "at least 1"),
        ({"limit": 0}, "at least 1"),
        ({"limit": "10"}, "whole number"),
        ({"page": 0}, "page must be"),
        ({"cursor": "garbage"}, "malformed cursor"),
        ({"media_type": "gif"}, "media_type must be"),
        ({"sort": "random"}, "sort must be"),
        ({"colour": "red"}, "unknown filter(s) colour"),
        ({"search": "x" * 500}, "limited to 200"),
        ({"created_after": datetime(2026, 1, 1)}, "timezone-aware"),
    ],
)
def test_bad_input_is_refused(demo_wb: Workbench, kwargs: dict[str, Any], message: str) -> None:
    if "shot_id" not in kwargs and "project_id" not in kwargs and kwargs:
        kwargs = {"project_id": demo_wb.projects()[0].id, **kwargs}
    with pytest.raises((ValidationError, NotFoundError)) as info:
        demo_wb.generations(**kwargs)
    assert message in str(info.value)


def test_huge_limits_are_capped_and_cursors_are_tied_to_their_gallery(demo_wb: Workbench) -> None:
    first, second = demo_wb.projects()
    page = demo_wb.generations(first.id, limit=10_000)
    assert page.limit == MAX_LIMIT
    small = demo_wb.generations(first.id, limit=5)
    with pytest.raises(ValidationError, match="belongs to another gallery"):
        demo_wb.generations(second.id, limit=5, cursor=small.next_cursor)
    with pytest.raises(ValidationError, match="belongs to another gallery"):
        demo_wb.generations(first.id, limit=6, cursor=small.next_cursor)


def test_streams_match_the_pages(demo_wb: Workbench) -> None:
    project = demo_wb.projects()[0]
    walked = walk(demo_wb, limit=9, project_id=project.id)
    assert [g.id for g in demo_wb.iter_generations(project.id)] == walked
    shots = demo_wb.shots(project)
    streamed = list(demo_wb.shot_generations([s.id for s in shots]))
    for shot in shots:
        expected = walk(demo_wb, limit=50, shot_id=shot.id)
        assert [link.generation_id for link in streamed if link.shot_id == shot.id] == expected
    assert all(link.generation.id == link.generation_id for link in streamed)
    with pytest.raises(NotFoundError):
        list(demo_wb.shot_generations([uuid.uuid4()]))


def test_counts_follow_the_app(demo_wb: Workbench, demo_dsn: str) -> None:
    project = demo_wb.projects()[0]
    counts = demo_wb.shot_counts(project)
    assert [c.shot_id for c in counts] == [s.id for s in demo_wb.shots(project)]
    for entry in counts:
        items = demo_wb.generations(shot_id=entry.shot_id, limit=500)
        assert entry.total == len(items)
        assert entry.videos == sum(i.is_video for i in items)
        assert entry.positioned == sum(i.timeline_frame is not None for i in items)
        assert entry.unpositioned == sum(i.timeline_frame is None and not i.is_video for i in items)
    totals = demo_wb.project_counts(project)
    assert totals.total == demo_wb.generations(project.id).total
    assert totals.in_no_shot == demo_wb.generations(project.id, in_no_shot=True).total
    assert totals.starred == demo_wb.generations(project.id, starred=True).total


def test_generations_cli(demo_wb: Workbench, demo_dsn: str, demo_assets: Any) -> None:
    import csv
    import io
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")},
        "WORKBENCH_DSN": demo_dsn,
        "WORKBENCH_ASSETS_DIR": str(demo_assets),
        "WORKBENCH_HOME": str(Path(demo_assets).parent / "cli-home"),
    }
    command = str(Path(sys.executable).parent / "workbench")

    def run(*args: str) -> str:
        done = subprocess.run([command, "generations", *args], env=env, capture_output=True,
                              text=True, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    project = demo_wb.projects()[0]
    page = json.loads(run("--project", project.name, "--type", "video", "--json"))
    expected = demo_wb.generations(project.id, media_type="video", fresh=True)
    assert [item["id"] for item in page["items"]] == [str(i.id) for i in expected]
    assert page["total"] == expected.total
    text = run("--project", project.name, "--shot", demo_wb.shots(project)[0].name, "--limit", "3")
    assert text.startswith("page 1 of ")
    rows = list(csv.DictReader(io.StringIO(run("export", "--project", project.name, "--csv"))))
    assert [row["id"] for row in rows] == [str(g.id) for g in demo_wb.iter_generations(project.id)]
    lines = run("export", "--project", project.name, "--starred", "--jsonl").splitlines()
    assert all(json.loads(line)["starred"] for line in lines)
    assert len(lines) == demo_wb.generations(project.id, starred=True).total
