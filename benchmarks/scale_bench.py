"""A million generations: the same actions at 200k and at 1M, side by side, in one run.

Run: python benchmarks/scale_bench.py   (starts its own embedded PostgreSQL in a temp dir,
seeds the small demo, then grows one more project of the demo user to 200k generations with
1,000 shots x 100 links, measures, grows it to 1M with 5,000 shots x 100 links, and measures
again; a few minutes on 2 cores). Not part of CI. ``--sizes 20000,100000`` for a quick run.

Everything is measured through the public API (``wb.generations``, ``wb.project_counts``,
``wb.shot_counts``). "Cold" means a new session's first call (``wb.cache.clear()``: nothing
remembered in the process; the database's own buffers stay warm, as they are for a user who
just restarted the tool); "warm" means the same call again with the query cache bypassed
(``fresh=True``) or the counts' cache entry dropped, so the database does the work each time.
The figures land as JSON in benchmarks/results/ (``results.write``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))

import results

from workbench.db import connection, migrate
from workbench.db.embedded import EmbeddedPostgres
from workbench.demo import seed_demo
from workbench.generations import aggregates
from workbench.startup import connect
from workbench.storage import LocalStorage

LIMIT = 50
LINKS_PER_SHOT = 100
GENERATIONS_PER_SHOT = 200  # 1M generations: 5,000 shots of 100 links
RARE_WORD = "zephyrine"  # in one prompt of 1,000: a search with few matches
WORDS = [
    "harbour",
    "dusk",
    "lighthouse",
    "fog",
    "neon",
    "city",
    "rain",
    "portrait",
    "cat",
    "garden",
    "mountain",
    "river",
    "forest",
    "castle",
    "desert",
    "ocean",
    "storm",
    "sunrise",
    "market",
    "street",
    "café",
    "Straße",
    "naïve",
    "crème",
    "bridge",
    "tower",
    "meadow",
    "glacier",
    "canyon",
    "village",
    "lantern",
    "robot",
    "dragon",
    "violin",
    "orchard",
    "cathedral",
    "subway",
    "festival",
    "library",
    "workshop",
    "balcony",
    "courtyard",
    "carousel",
    "observatory",
    "aqueduct",
]

# One statement adds generations ``first .. last`` (1-based numbers) to a project: realistic
# params (a tool type, an orchestrator prompt and a plain one, seed, resolution, model), a
# prompt of seven words from WORDS with the rare word in one row of 1,000, every 20th a video,
# every 9th starred, every 50th an edit of an earlier one, seven seconds apart.
_GENERATIONS = """
INSERT INTO generations (id, project_id, type, location, thumbnail_url, params, starred,
                         created_at, tasks, based_on)
SELECT gid, %(project)s, kind, 'https://cdn.example/x/' || n || ext,
       'https://cdn.example/t/' || n || '.jpg',
       jsonb_build_object(
         'tool_type', CASE WHEN n %% 7 = 0 THEN 'image-generation-reconstructed-client'
                           ELSE 'image-generation' END,
         'prompt', prompt,
         'seed', n::bigint * 7919 %% 100000,
         'resolution', '1024x1024',
         'originalParams', jsonb_build_object('orchestrator_details', jsonb_build_object(
             'prompt', prompt, 'negative_prompt', 'blurry, low quality',
             'model', 'flux-dev', 'steps', 28, 'guidance_scale', 3.5,
             'loras', jsonb_build_array(jsonb_build_object('name', 'style', 'strength', 0.8))))),
       n %% 9 = 0, timestamptz '2024-01-01 00:00+00' + n * interval '7 seconds',
       jsonb_build_array(gen_random_uuid()::text), NULL
FROM (
  SELECT n, gen_random_uuid() AS gid,
         CASE WHEN n %% 20 = 0 THEN 'video' ELSE 'image' END AS kind,
         CASE WHEN n %% 20 = 0 THEN '.mp4' ELSE '.png' END AS ext,
         initcap(w[1 + (n * 7) %% nw]) || ' ' || w[1 + (n * 13 + 3) %% nw] || ' at '
           || w[1 + (n * 31 + 5) %% nw] || ', ' || w[1 + (n / 3) %% nw] || ' and '
           || w[1 + (n * 17 + 11) %% nw] || ' #' || n
           || CASE WHEN n %% 1000 = 7 THEN ' ' || %(rare)s ELSE '' END
           || ', 35mm (f/1.8) 50%% grain' AS prompt
  FROM generate_series(%(first)s::int, %(last)s::int) AS n,
       LATERAL (SELECT %(words)s::text[] AS w, cardinality(%(words)s::text[]) AS nw) words
) rows
"""
# Every 10th new generation gets a second (upscaled, unviewed) variant besides its original.
_VARIANTS = """
INSERT INTO generation_variants (generation_id, location, is_primary, variant_type,
                                 project_id, viewed_at, created_at)
SELECT g.id, g.location, true, 'original', g.project_id, g.created_at, g.created_at
FROM generations g
WHERE g.project_id = %(project)s AND g.created_at >= %(since)s AND g.location IS NOT NULL
UNION ALL
SELECT g.id, g.location || '?up', false, 'upscaled', g.project_id, NULL, g.created_at
FROM generations g
WHERE g.project_id = %(project)s AND g.created_at >= %(since)s AND g.location IS NOT NULL
  AND (('x' || substr(g.id::text, 1, 2))::bit(8)::int) %% 10 = 0
"""
# Shots ``first .. last`` (their links: ``_links_sql``).
_SHOTS = """
INSERT INTO shots (name, project_id, position)
SELECT 'shot ' || s, %(project)s, s FROM generate_series(%(first)s::int, %(last)s::int) s
"""


def build(conn: psycopg.Connection[Any], project: uuid.UUID, have: int, want: int) -> None:
    """Grow ``project`` from ``have`` to ``want`` generations (and its shots to one per
    GENERATIONS_PER_SHOT, 100 links each), with user triggers off for the bulk rows (NOTIFY
    per row would flood the channel), then VACUUM ANALYZE as a settled database would be."""
    since = conn.execute(
        "SELECT timestamptz '2024-01-01 00:00+00' + %s * interval '7 seconds'", (have + 1,)
    ).fetchone()
    assert since is not None
    for table in ("generations", "generation_variants", "shot_generations"):
        conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    try:
        conn.execute(
            _GENERATIONS,
            {"project": project, "first": have + 1, "last": want, "words": list(WORDS),
             "rare": RARE_WORD},
        )  # fmt: skip
        conn.execute(_VARIANTS, {"project": project, "since": since[0]})
        shots_have, shots_want = have // GENERATIONS_PER_SHOT, want // GENERATIONS_PER_SHOT
        if shots_want > shots_have:
            range_ = {"project": project, "first": shots_have + 1, "last": shots_want}
            conn.execute(_SHOTS, range_)
            conn.execute(_links_sql(), {**range_, "total": want})
    finally:
        for table in ("generations", "generation_variants", "shot_generations"):
            conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    conn.execute("VACUUM ANALYZE")


def _links_sql() -> str:
    """100 links per shot to generations picked by number: shot s takes a stride through the
    project so shots overlap a little and most generations stay in no shot."""
    return """
    INSERT INTO shot_generations (shot_id, generation_id, timeline_frame)
    SELECT s.id, g.id, CASE WHEN k < 90 THEN k * 50 END
    FROM shots s
    CROSS JOIN generate_series(0, 99) k
    JOIN LATERAL (
      SELECT g.id FROM generations g
      WHERE g.project_id = s.project_id AND g.location IS NOT NULL
        AND g.created_at = timestamptz '2024-01-01 00:00+00'
          + (1 + ((s.position * 7919 + k * 104729) %% %(total)s)) * interval '7 seconds'
      LIMIT 1
    ) g ON true
    WHERE s.project_id = %(project)s AND s.position BETWEEN %(first)s AND %(last)s
    """


def cold(wb: Any, run: Callable[[], Any], repeat: int = 5) -> float:
    """Median ms of ``run`` with nothing remembered in the process before each try."""

    def once() -> Any:
        wb.cache.clear()
        started = time.perf_counter()
        run()
        return time.perf_counter() - started

    once()
    samples = sorted(once() for _ in range(repeat))
    return samples[len(samples) // 2] * 1000


def measure(wb: Any, dsn: str, project: uuid.UUID) -> dict[str, float]:
    """The table's row of figures for the project as it is now."""
    figures: dict[str, float] = {}
    total = wb.project_counts(project).total
    far = max(2, total // LIMIT // 2)  # the middle of the gallery: a far page
    figures["cold jump to a far page"] = cold(wb, lambda: wb.generations(project, page=far))
    wb.generations(project, page=1)
    figures["warm page 1"] = results.median_ms(lambda: wb.generations(project, page=1, fresh=True))
    wb.generations(project, page=far)
    figures["warm far page"] = results.median_ms(
        lambda: wb.generations(project, page=far, fresh=True)
    )
    page = wb.generations(project, page=1)

    def walk() -> None:  # the next ten pages by cursor, as a scrolling user does
        nxt = page.next_cursor
        for _ in range(10):
            nxt = wb.generations(project, cursor=nxt, fresh=True).next_cursor

    figures["warm next page (10 by cursor, each)"] = results.median_ms(walk, repeat=3) / 10
    figures["project counts cold"] = cold(wb, lambda: wb.project_counts(project))
    figures["shot counts cold"] = cold(wb, lambda: wb.shot_counts(project))

    def drop_counts() -> None:
        wb.cache.remove((aggregates.COUNTS,))

    def star_toggle() -> None:  # a change made here: counts follow without a recount
        first = wb.generations(project, page=1).items[0]
        wb.star([first.id], not first.starred)
        wb.project_counts(project)
        wb.shot_counts(project)

    wb.project_counts(project)
    wb.shot_counts(project)
    figures["star + both counts after it"] = results.median_ms(star_toggle, repeat=4)
    figures["both counts, recount (no cache)"] = results.median_ms(
        lambda: (drop_counts(), wb.project_counts(project), wb.shot_counts(project)), repeat=3
    )
    for label, word in (("rare word", RARE_WORD), ("common word", "lighthouse"),
                        ("partial word", "ighthou"), ("non-ASCII", "straße")):  # fmt: skip
        filters = {"search": word}
        figures[f"search {label} cold"] = cold(
            wb, lambda f=filters: wb.generations(project, filters=f)
        )
        figures[f"search {label} warm"] = results.median_ms(
            lambda f=filters: wb.generations(project, filters=f, fresh=True)
        )
    few = {"search": RARE_WORD, "media_type": "image", "starred": False}
    figures["filtered count, few matches, cold"] = cold(
        wb, lambda: wb.generations(project, filters=few)
    )
    figures.update(before(dsn, project))
    return figures


def before(dsn: str, project: uuid.UUID) -> dict[str, float]:
    """The baseline in the same run: the statements the workbench ran before this change
    (project counts with a NOT EXISTS per row; search by ILIKE alone, page and capped count)."""
    old_counts = sql.SQL("SELECT {} FROM generations g WHERE g.project_id = %s AND {}").format(
        sql.SQL(aggregates.PROJECT_COUNTS), sql.SQL(aggregates.FINISHED)
    )
    finished = "g.project_id = %(p)s AND g.location IS NOT NULL AND NOT g.is_child"
    ilike = (
        "(g.params #>> '{originalParams,orchestrator_details,prompt}' ILIKE %(s)s "
        "OR g.params ->> 'prompt' ILIKE %(s)s)"
    )
    page = (
        f"SELECT g.id FROM generations g WHERE {finished} AND {ilike} "
        "ORDER BY g.created_at DESC, g.id DESC LIMIT 51"
    )
    count = (
        f"SELECT count(*) FROM (SELECT 1 FROM generations g WHERE {finished} AND {ilike} "
        "LIMIT 10001) c"
    )
    figures: dict[str, float] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        figures["before: project counts"] = results.median_ms(
            lambda: conn.execute(old_counts, (project,)).fetchone(), repeat=3
        )
        for label, word in (("rare word", RARE_WORD), ("common word", "lighthouse")):
            args = {"p": project, "s": f"%{word}%"}
            figures[f"before: search {label} (page + count)"] = results.median_ms(
                lambda a=args: (
                    conn.execute(page, a).fetchall(),
                    conn.execute(count, a).fetchone(),
                ),
                repeat=3,
            )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200000,1000000", help="generations, ascending")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        # A home of its own: the change journal and local state start empty, as on a new
        # machine (a long journal elsewhere would be rewritten by every star measured here).
        os.environ["WORKBENCH_HOME"] = str(Path(tmp) / "home")
        server = EmbeddedPostgres(Path(tmp) / "pg")
        try:
            dsn = connection.ensure_database(server.ensure_running(), "bench")
            storage = LocalStorage(Path(tmp) / "assets")
            with connection.connect(dsn, autocommit=True) as conn:
                migrate.migrate(conn)
                seed_demo(conn, storage, generations=60, videos=0)
                user = conn.execute("SELECT user_id FROM projects LIMIT 1").fetchone()
                assert user is not None
                row = conn.execute(
                    "INSERT INTO projects (name, user_id) VALUES ('Million', %s) RETURNING id",
                    (user[0],),
                ).fetchone()
                assert row is not None
                project = row[0]
            table: dict[int, dict[str, float]] = {}
            have = 0
            for size in sizes:
                with connection.connect(dsn, autocommit=True) as conn:
                    started = time.perf_counter()
                    build(conn, project, have, size)
                    print(f"built {size:,} generations in {time.perf_counter() - started:.0f}s",
                          file=sys.stderr)  # fmt: skip
                have = size
                with connect(dsn, user_id=user[0], storage=storage) as wb:
                    table[size] = measure(wb, dsn, project)
                for name, value in table[size].items():  # as it comes: a long run
                    print(f"  {size:,}  {name:42} {value:10.1f} ms", file=sys.stderr)
        finally:
            server.stop()
    report(sizes, table)


def report(sizes: list[int], table: dict[int, dict[str, float]]) -> None:
    """Print the table (ms per size, and the ratio last/first) and write the JSON."""
    first, last = sizes[0], sizes[-1]
    print(f"{'action':42}" + "".join(f"{f'{s:,}':>12}" for s in sizes) + f"{'ratio':>8}")
    for name in table[first]:
        cells = "".join(f"{table[s][name]:10.1f}ms" for s in sizes)
        ratio = table[last][name] / table[first][name] if table[first][name] else 0.0
        print(f"{name:42}{cells}{ratio:7.2f}x")
    results.write("scale_bench", {str(s): table[s] for s in sizes})


if __name__ == "__main__":
    main()
