"""Generations: constant-cost pages, as ratios measured in one run.

Run: python benchmarks/generations_bench.py   (starts its own embedded PostgreSQL in a temp
dir and builds a 200k-generation project with COPY; takes about a minute). The query cache
has its own benchmark: cache_bench.py; streaming a gallery, stream_bench.py; a million
generations, scale_bench.py.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from workbench.db import connection, migrate
from workbench.startup import connect
from workbench.storage import LocalStorage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import median_ms, write

GENERATIONS = 200_000
SHOTS = 100
LINKS_PER_SHOT = 1_000
LIMIT = 50
PAGE = 1000


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
                user, project, _shots = build(conn)
                print(
                    f"built {GENERATIONS:,} generations, {SHOTS * LINKS_PER_SHOT:,} shot links "
                    f"in {time.perf_counter() - started:.1f}s"
                )
            figures: dict[str, float] = {}
            with connect(dsn, user_id=user, storage=LocalStorage(Path(tmp) / "a")) as wb:
                pages(wb, dsn, project, figures)
        finally:
            server.stop()
    write("generations_bench", figures)


def pages(wb: Any, dsn: str, project: uuid.UUID, figures: dict[str, float]) -> None:
    """Our pages (public API) against the honest baseline: a plain OFFSET page of the same
    rows plus an exact count, as Reigh pages (no per-row sub-selects in the baseline)."""
    first = median_ms(lambda: wb.generations(project, page=1, fresh=True))
    wb.generations(project, page=PAGE)
    far = median_ms(lambda: wb.generations(project, page=PAGE, fresh=True))

    def cold_jump() -> None:
        wb.cache.clear()
        wb.generations(project, page=PAGE)

    jump = median_ms(cold_jump, repeat=3)
    offset_sql = (
        "SELECT g.* FROM generations g WHERE g.project_id = %s AND g.location IS NOT NULL "
        "AND NOT g.is_child ORDER BY g.created_at DESC, g.id DESC OFFSET %s LIMIT %s"
    )
    count_sql = (
        "SELECT count(*) FROM generations g WHERE g.project_id = %s AND g.location IS NOT NULL "
        "AND NOT g.is_child"
    )
    with psycopg.connect(dsn) as conn:

        def offset_page() -> None:
            conn.execute(offset_sql, (project, (PAGE - 1) * LIMIT, LIMIT)).fetchall()
            conn.execute(count_sql, (project,)).fetchone()

        offset = median_ms(offset_page)
    figures.update({
        "page 1 (ms)": first, f"page {PAGE}, rows + cached count (ms)": far,
        f"page {PAGE} by OFFSET + exact count (ms)": offset,
        f"first jump to page {PAGE}, cold cache (ms)": jump,
    })  # fmt: skip
    print(f"gallery pages ({GENERATIONS:,} generations, {LIMIT} per page; medians):")
    print(f"  page 1                                   {first:8.2f} ms")
    print(
        f"  page {PAGE}, rows + cached count           {far:8.2f} ms   {far / first:5.2f}x page 1"
    )
    print(
        f"  page {PAGE} by plain OFFSET + exact count  {offset:8.2f} ms   "
        f"OFFSET / ours {offset / far:5.1f}x"
    )
    print(f"  first jump to page {PAGE} (cold cache)     {jump:8.2f} ms   "
          f"{offset / jump:5.1f}x the OFFSET page")  # fmt: skip


if __name__ == "__main__":
    main()
