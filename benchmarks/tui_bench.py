"""TUI: cold start to first gallery paint, and memory after paging through 10,000 items.

Run: python benchmarks/tui_bench.py   (own embedded PostgreSQL in a temp dir; about a minute)
"""

from __future__ import annotations

import asyncio
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from workbench.db import connection, migrate
from workbench.db.embedded import EmbeddedPostgres
from workbench.demo import seed_demo
from workbench.startup import connect
from workbench.storage import LocalStorage
from workbench.tui.app import WorkbenchApp

ITEMS = 10_000
PAGE = 50


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


async def first_paint(wb: Any) -> float:
    app = WorkbenchApp(wb)
    async with app.run_test(size=(160, 48)) as pilot:
        while app.first_paint is None:
            await pilot.pause(0.01)
        return app.first_paint


async def scroll(wb: Any, project: Any) -> tuple[int, float, float]:
    app = WorkbenchApp(wb, project=str(project), page_size=PAGE)
    async with app.run_test(size=(160, 48)) as pilot:
        while app.first_paint is None:
            await pilot.pause(0.01)
        before = rss_mb()
        pages = 1
        gallery = app.models.gallery
        while gallery.state.page is not None and gallery.state.page.next_cursor:
            number = gallery.state.page.page
            await pilot.press("n")
            while gallery.state.page.page == number:
                await pilot.pause(0.01)
            pages += 1
        await app.workers.wait_for_complete()
        return pages, before, rss_mb()


def main() -> None:
    os.environ["WORKBENCH_IMAGES"] = "halfcell"
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg")
        try:
            started = time.perf_counter()
            dsn = connection.ensure_database(server.ensure_running(), "bench")
            storage = LocalStorage(Path(tmp) / "assets")
            with psycopg.connect(dsn, autocommit=True) as conn:
                migrate.migrate(conn)
                summary = seed_demo(conn, storage)
                thumbs = [r[0] for r in conn.execute(
                    "SELECT thumbnail_url FROM generations WHERE thumbnail_url IS NOT NULL "
                    "LIMIT 200").fetchall()]  # fmt: skip
                project = conn.execute(
                    "INSERT INTO projects (name, user_id) VALUES ('Ten thousand', %s) "
                    "RETURNING id", (summary.user_id,)).fetchone()[0]  # fmt: skip
                conn.execute(
                    "INSERT INTO generations (project_id, type, location, thumbnail_url, params) "
                    "SELECT %s, 'image', t.url, t.url, jsonb_build_object('prompt', 'p' || n) "
                    "FROM generate_series(1, %s) n, "
                    "LATERAL (SELECT (%s::text[])[1 + n %% array_length(%s::text[], 1)] AS url) t",
                    (project, ITEMS, thumbs, thumbs),
                )
            print(f"demo + {ITEMS:,} extra generations ready in "
                  f"{time.perf_counter() - started:.1f}s")  # fmt: skip
            with connect(dsn, storage=storage) as wb:
                paint = asyncio.run(first_paint(wb))
                print(f"first gallery paint (app start → first page shown): {paint * 1000:.0f} ms")
                pages, before, after = asyncio.run(scroll(wb, project))
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
            print(f"paged through {pages} pages ({pages * PAGE:,} items): RSS {before:.0f} MB "
                  f"→ {after:.0f} MB, peak {peak:.0f} MB")  # fmt: skip
        finally:
            server.stop()


if __name__ == "__main__":
    main()
