"""Streaming a whole gallery as records, against copying the same rows as plain columns.

Run: python benchmarks/stream_bench.py   (starts its own embedded PostgreSQL in a temp dir and
builds a 200k-generation project with COPY, some variants and 100 shots x 1000 links; about a
minute). Prints ratios measured in this one run and writes the figures with
``benchmarks/results.py``. Issue 17's targets: ``iter_generations`` <= 3x the plain copy; the
shot stream <= 2x a raw COPY of its own query.

- **plain copy** (the baseline): ``COPY (SELECT <the generations' own columns> ...) TO STDOUT
  (FORMAT BINARY)`` of the same rows in the same order, decoded by psycopg into tuples with
  its default loaders (``params`` by the standard library's ``json``);
- **page query, as before**: the gallery's page query without a limit (a correlated subquery
  per row for variants, shots and ``based_on``), decoded with ``json`` and turned into
  records through the dataclass constructor: what ``iter_generations`` did before issue 17;
- **ours**: ``wb.iter_generations(project)`` (set-based query, orjson, records built at once);
- the shot stream: ``wb.shot_generations(shots)`` against a raw COPY of its query's bytes.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

sys.path.insert(0, str(Path(__file__).resolve().parent))
import results

from workbench.db import connection, migrate
from workbench.generations import query as q
from workbench.generations import stream
from workbench.generations.filters import GenerationFilters
from workbench.models import Generation
from workbench.startup import connect
from workbench.storage import LocalStorage

GENERATIONS = 200_000
SHOTS = 100
LINKS_PER_SHOT = 1_000
REPEAT = 3

# The generations' own columns, as stored (no joins, no aggregates): the baseline.
PLAIN = (
    "SELECT g.id, g.project_id, g.type, g.location, g.thumbnail_url, g.params, g.name, "
    "g.starred, g.created_at, g.updated_at, g.based_on, g.parent_generation_id, "
    "g.primary_variant_id FROM generations g WHERE g.project_id = %(project)s "
    "AND g.location IS NOT NULL AND NOT g.is_child ORDER BY g.created_at DESC, g.id DESC"
)
PLAIN_TYPES = ["uuid", "uuid", "text", "text", "text", "jsonb", "text", "bool", "timestamptz",
               "timestamptz", "uuid", "uuid", "uuid"]  # fmt: skip


def build(conn: psycopg.Connection[Any]) -> tuple[uuid.UUID, uuid.UUID, list[uuid.UUID]]:
    """A user, a 200k-generation project (realistic params, a tenth with a second variant),
    100 shots of 1000 links; (user, project, shots)."""
    rng = random.Random(5)
    user = conn.execute("INSERT INTO users (name) VALUES ('bench') RETURNING id").fetchone()
    project = conn.execute(
        "INSERT INTO projects (name, user_id) VALUES ('Big', %s) RETURNING id", (user[0],)
    ).fetchone()  # type: ignore[index]
    assert user is not None
    assert project is not None
    project_id = project[0]
    for table in ("generations", "generation_variants", "shots", "shot_generations"):
        conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(sql.Identifier(table)))
    start = datetime(2025, 1, 1, tzinfo=UTC)
    ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(GENERATIONS)]
    with conn.cursor().copy(
        "COPY generations (id, project_id, type, location, thumbnail_url, params, starred, "
        "created_at, tasks) FROM STDIN"
    ) as copy:
        for n, gid in enumerate(ids):
            params = {
                "tool_type": "image-generation",
                "prompt": f"a lighthouse at dusk, frame {n}, {rng.random()}",
                "seed": rng.getrandbits(40),
                "steps": 28,
                "loras": [{"name": "film-grain", "strength": 0.6}],
                "resolution": "1024x576",
            }
            copy.write_row((
                gid, project_id, "video" if n % 20 == 0 else "image", f"https://cdn/x/{n}.jpg",
                f"https://cdn/t/{n}.jpg", Jsonb(params), n % 9 == 0,
                start + timedelta(seconds=n * 7), Jsonb([str(uuid.uuid4())]),
            ))  # fmt: skip
    with conn.cursor().copy(
        "COPY generation_variants (generation_id, location, is_primary, variant_type, "
        "project_id, viewed_at) FROM STDIN"
    ) as copy:
        for n, gid in enumerate(ids):
            copy.write_row((gid, f"https://cdn/x/{n}.jpg", True, "original", project_id, start))
            if n % 10 == 0:
                copy.write_row((gid, f"https://cdn/u/{n}.jpg", False, "upscaled", project_id,
                                None))  # fmt: skip
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


def copy_rows(conn: psycopg.Connection[Any], query: Any, params: Any, types: list[str]) -> Any:
    """Every row of ``query`` through binary COPY, decoded by psycopg's default loaders."""
    statement = sql.SQL("COPY ({}) TO STDOUT (FORMAT BINARY)").format(query)
    with conn.cursor() as cur, cur.copy(statement, params) as copy:
        copy.set_types(types)
        yield from copy.rows()


def measure(
    dsn: str, user: uuid.UUID, project: uuid.UUID, shots: list[uuid.UUID]
) -> dict[str, Any]:
    """Every figure, each a median of ``REPEAT`` runs after a warm-up; prints the table."""
    figures: dict[str, Any] = {"generations": GENERATIONS, "shot_links": SHOTS * LINKS_PER_SHOT}
    target = q.GalleryTarget("project", project)
    with (
        psycopg.connect(dsn) as conn,
        connect(
            dsn, user_id=user, storage=LocalStorage(Path(tempfile.gettempdir()) / "stream-bench")
        ) as wb,
    ):

        def plain() -> int:
            return sum(1 for _ in copy_rows(conn, sql.SQL(PLAIN), {"project": project},
                                            PLAIN_TYPES))  # fmt: skip

        def before() -> int:
            statement, params = q.page_query(target, GenerationFilters(), None, None, user)
            types = [*stream.GENERATION_TYPES, "timestamptz", "uuid"]
            count = 0
            for row in copy_rows(conn, statement, params, types):
                values = list(row[: len(stream.GENERATION_TYPES)])
                values[18], values[19] = tuple(values[18] or ()), tuple(values[19] or ())
                Generation(*values)
                count += 1
            return count

        def ours() -> int:
            return sum(1 for _ in wb.iter_generations(project))

        assert plain() == ours() == before()
        figures["plain_copy_ms"] = results.median_ms(plain, REPEAT)
        figures["page_query_before_ms"] = results.median_ms(before, REPEAT)
        figures["ours_ms"] = results.median_ms(ours, REPEAT)

        def raw_shot_copy() -> int:
            statement = sql.SQL("COPY ({}) TO STDOUT").format(stream.shot_links_query())
            size = 0
            with conn.cursor().copy(statement, {"shots": shots, "user": user}) as copy:
                for chunk in copy:
                    size += len(chunk)
            return size

        def shot_stream() -> int:
            return sum(1 for _ in wb.shot_generations(shots))

        figures["shot_raw_copy_ms"] = results.median_ms(raw_shot_copy, REPEAT)
        figures["shot_stream_ms"] = results.median_ms(shot_stream, REPEAT)
        tracemalloc.start()
        count = shot_stream()
        figures["shot_stream_peak_python_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    plain_ms = figures["plain_copy_ms"]
    figures["ours_ratio"] = figures["ours_ms"] / plain_ms
    figures["before_ratio"] = figures["page_query_before_ms"] / plain_ms
    figures["shot_ratio"] = figures["shot_stream_ms"] / figures["shot_raw_copy_ms"]
    print(f"streaming a {GENERATIONS:,}-generation gallery as records (median of {REPEAT}):")
    print(f"  plain binary COPY of its columns (baseline) {plain_ms:9.1f} ms")
    print(f"  page query + json + dataclass (before)      {figures['page_query_before_ms']:9.1f}"
          f" ms   {figures['before_ratio']:5.2f}x")  # fmt: skip
    print(f"  ours: wb.iter_generations                   {figures['ours_ms']:9.1f} ms   "
          f"{figures['ours_ratio']:5.2f}x   (target <= 3x)")  # fmt: skip
    print(f"streaming {count:,} shot links with their generations:")
    print(f"  raw COPY of the same query                  {figures['shot_raw_copy_ms']:9.1f} ms")
    print(f"  ours: wb.shot_generations                   {figures['shot_stream_ms']:9.1f} ms   "
          f"{figures['shot_ratio']:5.2f}x   (target <= 2x)")  # fmt: skip
    print(f"  peak Python memory while streaming: {figures['shot_stream_peak_python_mb']:.1f} MB")
    return figures


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
                print(f"built {GENERATIONS:,} generations, {SHOTS * LINKS_PER_SHOT:,} shot links "
                      f"in {time.perf_counter() - started:.1f}s")  # fmt: skip
            results.write("stream", measure(dsn, user, project, shots))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
