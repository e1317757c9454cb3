"""Generations: constant-cost pages and streaming, as ratios measured in one run.

Run: python benchmarks/generations_bench.py   (starts its own embedded PostgreSQL in a temp
dir and builds a 200k-generation project with COPY; takes about a minute). The query cache
has its own benchmark: cache_bench.py.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from workbench.db import connection, migrate
from workbench.generations import query as q
from workbench.generations import stream
from workbench.generations.filters import GenerationFilters
from workbench.startup import connect
from workbench.storage import LocalStorage

GENERATIONS = 200_000
SHOTS = 100
LINKS_PER_SHOT = 1_000
LIMIT = 50
PAGE = 1000


def best_ms(run: Callable[[], Any], repeat: int = 7) -> float:
    """Median of ``repeat`` timings (after one warm-up), in milliseconds."""
    run()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def build(conn: psycopg.Connection[Any]) -> tuple[uuid.UUID, uuid.UUID, list[uuid.UUID]]:
    rng = random.Random(5)
    user = conn.execute("INSERT INTO users (name) VALUES ('bench') RETURNING id").fetchone()
    assert user is not None
    project = conn.execute(
        "INSERT INTO projects (name, user_id) VALUES ('Big', %s) RETURNING id", (user[0],)
    ).fetchone()
    assert project is not None
    project_id = project[0]
    conn.execute("ALTER TABLE generations DISABLE TRIGGER USER")
    conn.execute("ALTER TABLE generation_variants DISABLE TRIGGER USER")
    conn.execute("ALTER TABLE shots DISABLE TRIGGER USER")
    conn.execute("ALTER TABLE shot_generations DISABLE TRIGGER USER")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(GENERATIONS)]
    with conn.cursor().copy(
        "COPY generations (id, project_id, type, location, thumbnail_url, params, starred, "
        "created_at, tasks) FROM STDIN"
    ) as copy:
        for n, gid in enumerate(ids):
            kind = "video" if n % 20 == 0 else "image"
            params = {"tool_type": "image-generation", "prompt": f"prompt {n} {rng.random()}"}
            copy.write_row(
                (
                    gid,
                    project_id,
                    kind,
                    f"https://cdn/x/{n}.jpg",
                    f"https://cdn/t/{n}.jpg",
                    Jsonb(params),
                    n % 9 == 0,
                    start + timedelta(seconds=n * 7),
                    Jsonb([str(uuid.uuid4())]),
                )
            )
    with conn.cursor().copy(
        "COPY generation_variants (generation_id, location, is_primary, variant_type, "
        "project_id, viewed_at) FROM STDIN"
    ) as copy:
        for n, gid in enumerate(ids):
            copy.write_row((gid, f"https://cdn/x/{n}.jpg", True, "original", project_id, start))
    shots = []
    for s in range(SHOTS):
        row = conn.execute(
            "INSERT INTO shots (name, project_id, position) VALUES (%s, %s, %s) RETURNING id",
            (f"shot {s}", project_id, s + 1),
        ).fetchone()
        assert row is not None
        shots.append(row[0])
    with conn.cursor().copy(
        "COPY shot_generations (shot_id, generation_id, timeline_frame) FROM STDIN"
    ) as copy:
        for s, shot_id in enumerate(shots):
            for k in range(LINKS_PER_SHOT):
                gid = ids[(s * LINKS_PER_SHOT + k) % GENERATIONS]
                copy.write_row((shot_id, gid, None if k % 10 == 9 else k * 50))
    for table in ("generations", "generation_variants", "shots", "shot_generations"):
        conn.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(sql.Identifier(table)))
    conn.execute("VACUUM ANALYZE")
    return user[0], project_id, shots


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        from workbench.db.embedded import EmbeddedPostgres

        server = EmbeddedPostgres(Path(tmp) / "pg")
        try:
            dsn = connection.ensure_database(server.ensure_running(), "bench")
            with psycopg.connect(dsn, autocommit=True) as conn:
                migrate.migrate(conn)
                started = time.perf_counter()
                user, project, shots = build(conn)
                print(
                    f"built {GENERATIONS:,} generations, {SHOTS * LINKS_PER_SHOT:,} shot links "
                    f"in {time.perf_counter() - started:.1f}s"
                )
            with connect(dsn, user_id=user, storage=LocalStorage(Path(tmp) / "a")) as wb:
                pages(wb, dsn, project)
                streaming(wb, dsn, shots)
        finally:
            server.stop()


def pages(wb: Any, dsn: str, project: uuid.UUID) -> None:
    service = wb.generations_service
    target = q.GalleryTarget("project", project)
    filters = GenerationFilters()
    index = service._fetch_index(target, filters, LIMIT)
    seek = q.Seek(index[PAGE - 2], "after")
    first = best_ms(lambda: service._fetch_page(target, filters, LIMIT, 1, None))
    far = best_ms(lambda: service._fetch_page(target, filters, LIMIT, PAGE, seek))
    jump = best_ms(lambda: (wb.cache.clear(), wb.generations(project, page=PAGE)), repeat=3)
    walked_cached_count = best_ms(lambda: wb.generations(project, page=PAGE, fresh=True))

    offset_sql = (
        "SELECT g.*, (SELECT count(*) FROM generation_variants v WHERE v.generation_id = g.id) "
        "FROM generations g WHERE g.project_id = %s AND g.location IS NOT NULL AND NOT g.is_child "
        "ORDER BY g.created_at DESC, g.id DESC OFFSET %s LIMIT %s"
    )
    count_sql = (
        "SELECT count(*) FROM generations g WHERE g.project_id = %s AND g.location IS NOT NULL "
        "AND NOT g.is_child"
    )
    with psycopg.connect(dsn) as conn:

        def offset_page() -> None:
            conn.execute(offset_sql, (project, (PAGE - 1) * LIMIT, LIMIT)).fetchall()
            conn.execute(count_sql, (project,)).fetchone()

        offset = best_ms(offset_page)
    print(f"gallery pages ({GENERATIONS:,} generations, {LIMIT} per page):")
    print(f"  page 1                              {first:8.2f} ms")
    print(f"  page {PAGE} (keyset)                    {far:8.2f} ms   ratio {far / first:5.2f}x")
    print(f"  page {PAGE} change, rows + cached count {walked_cached_count:8.2f} ms")
    print(
        f"  page {PAGE} by OFFSET + exact count     {offset:8.2f} ms   "
        f"ours is {offset / walked_cached_count:5.1f}x faster"
    )
    print(f"  first jump to page {PAGE} (index + count, cold cache) {jump:8.2f} ms")


def streaming(wb: Any, dsn: str, shots: list[uuid.UUID]) -> None:
    total = SHOTS * LINKS_PER_SHOT
    with psycopg.connect(dsn) as conn:

        def raw_copy() -> int:
            copy_sql = sql.SQL("COPY ({}) TO STDOUT").format(stream.shot_links_query())
            size = 0
            with conn.cursor().copy(copy_sql, {"shots": shots, "user": wb.user_id}) as copy:
                for chunk in copy:
                    size += len(chunk)
            return size

        def offset_loop() -> int:
            """The seed: shot_generations joined with generations, 1000 per OFFSET batch."""
            rows, offset = 0, 0
            while True:
                batch = conn.execute(
                    "SELECT sg.*, row_to_json(g) FROM shot_generations sg "
                    "JOIN generations g ON g.id = sg.generation_id "
                    "WHERE sg.shot_id = ANY(%s) ORDER BY sg.id OFFSET %s LIMIT 1000",
                    (shots, offset),
                ).fetchall()
                rows += len(batch)
                offset += 1000
                if len(batch) < 1000:
                    return rows

        def server_cursor() -> int:
            text = stream.shot_links_query()
            with conn.transaction(), conn.cursor(name="bench") as cur:
                cur.itersize = 2000
                cur.execute(text, {"shots": shots, "user": wb.user_id})
                return sum(1 for _ in cur)

        def ours() -> int:
            return sum(1 for _ in wb.shot_generations(shots))

        copy_ms = best_ms(raw_copy, repeat=3)
        ours_ms = best_ms(ours, repeat=3)
        cursor_ms = best_ms(server_cursor, repeat=3)
        offset_ms = best_ms(offset_loop, repeat=1)
    tracemalloc.start()
    count = ours()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"streaming {total:,} shot generations with their generations, as records:")
    print(f"  raw COPY (same query) TO STDOUT   {copy_ms:9.1f} ms")
    print(f"  ours (binary COPY → records)      {ours_ms:9.1f} ms   {ours_ms / copy_ms:5.2f}x")
    print(f"  plain server-side cursor          {cursor_ms:9.1f} ms   {cursor_ms / copy_ms:5.2f}x")
    print(f"  seed's 1000-row OFFSET loop       {offset_ms:9.1f} ms   {offset_ms / copy_ms:5.2f}x")
    print(f"  peak Python memory while streaming {count:,} records: {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
