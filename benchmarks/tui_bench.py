"""TUI: start to first paint, with the demo alone and beside a million generations; the
navigator's counts filling in after it; memory while paging through 10,000 items.

Run: python benchmarks/tui_bench.py   (own embedded PostgreSQL in a temp dir; the full demo,
then a project of 10,000 and one of 1,000,000 generations (``benchmarks/scale_bench.py``'s
builder, 5,000 shots x 100 links): several minutes on 2 cores). ``--million 200000`` for a
quicker run, ``--repeat`` for more starts per case.

"First paint" is what a user waits for: from the app's creation, before it connects (the
app calls ``connect()`` itself, as ``workbench`` does), to the gallery's first page painted
on screen with its tiles (``WorkbenchApp.first_paint``: after the screen refresh that drew
them), its thumbnails then filling in. Each start is a new process-wide connection and app;
the database's buffers stay warm, as for a user who restarts the tool. The baseline, in the
same run, is the same app reading every project's counts before its first page, as the start
did before issue 17; the API's own times for both (``wb.overview()``, the first page) are
printed beside. Errors while starting (a failed worker, the app's own) are counted: there
must be none. Figures land as JSON in benchmarks/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

import results

from workbench.client import Workbench
from workbench.db import connection, migrate
from workbench.db.embedded import EmbeddedPostgres
from workbench.demo import seed_demo
from workbench.startup import connect
from workbench.storage import LocalStorage
from workbench.tui.app import WorkbenchApp

ITEMS = 10_000
PAGE = 50
SIZE = (160, 48)
MIB = 1024 * 1024


def rss_mib() -> float:
    """This process's resident memory now, in MiB."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MIB


def peak_rss_mib() -> float:
    """This process's peak resident memory, in MiB (Linux reports ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Errors(logging.Handler):
    """Every ERROR logged while it is attached (a failed query, a failed live update)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())


SENT: list[float] = []  # when each statement was sent (``counting``)


def counting() -> None:
    """Note the time of every statement sent (connecting's included): how many the first
    paint waited for is the round trips a user far from the database waits for (pipelined
    statements count one each here: an upper bound; latency_bench counts real round trips)."""
    real = psycopg.Cursor.execute

    def execute(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        if str(query) if not isinstance(query, bytes) else query:
            SENT.append(time.perf_counter())
        return real(self, query, *args, **kwargs)

    psycopg.Cursor.execute = execute  # type: ignore[method-assign,assignment]


async def quiet(app: WorkbenchApp) -> None:
    """Until every worker has ended (one cancelled by a newer one, such as an older page's
    thumbnails, ends too: ``wait_for_complete`` would raise for it)."""
    while app.workers:
        await asyncio.gather(*(w.wait() for w in list(app.workers)), return_exceptions=True)
        await asyncio.sleep(0)


async def one_start(opened: Callable[[], Workbench], errors: list[str]) -> dict[str, float]:
    """One cold start: seconds to the first paint and to the navigator's counts, statements
    before the paint; every worker that failed meanwhile (or the app) is added to ``errors``."""
    SENT.clear()
    app = WorkbenchApp(connect=opened)
    manager = app.workers
    remove = manager._remove_worker  # Textual's hook as a worker ends (private: a benchmark)

    def ended(worker: Any) -> None:
        if worker.error is not None:
            errors.append(f"worker {worker.name}: {worker.error!r}")
        remove(worker)

    manager._remove_worker = ended  # type: ignore[method-assign]
    deadline = time.monotonic() + 120
    async with app.run_test(size=SIZE) as pilot:
        while app.first_paint is None and time.monotonic() < deadline:
            await pilot.pause(0.005)
        counted = float("nan")
        while app.models is not None and time.monotonic() < deadline:
            projects = app.models.navigator.state.projects
            if projects and all(p.counted for p in projects):
                counted = time.perf_counter() - app.started
                break
            await pilot.pause(0.01)
        await quiet(app)
        paint = app.first_paint
        wb = app.wb
    if wb is not None:
        wb.close()
    if app._exception is not None:  # the app's own failure (Textual keeps it here)
        errors.append(f"app: {app._exception!r}")
    painted_at = app.started + (paint or 0.0)
    before = sum(1 for sent in SENT if sent <= painted_at)
    return {"paint": float("nan") if paint is None else paint, "counts": counted,
            "statements": before}  # fmt: skip


def starts(
    opened: Callable[[], Workbench], repeat: int, errors: list[str], *, counts_first: bool = False
) -> dict[str, float]:
    """``repeat`` cold starts (after one untimed): medians of the paint and of the counts.
    ``counts_first``: the baseline, the navigator reading every count before the page."""
    import workbench.tui.app as tui

    real = tui.NavigatorModel
    if counts_first:
        tui.NavigatorModel = lambda wb, counts=True: real(wb, counts=True)  # type: ignore[assignment,misc]
    try:
        asyncio.run(one_start(opened, errors))  # warm-up: imports, the server's caches
        runs = [asyncio.run(one_start(opened, errors)) for _ in range(repeat)]
    finally:
        tui.NavigatorModel = real  # type: ignore[misc]
    return {
        "first paint ms": statistics.median(r["paint"] for r in runs) * 1000,
        "counts shown ms": statistics.median(r["counts"] for r in runs) * 1000,
        "statements before the paint": statistics.median(r["statements"] for r in runs),
    }


def baseline(dsn: str, storage: LocalStorage, project: uuid.UUID) -> dict[str, float]:
    """What the start used to wait for before painting: every project's counts, then the
    first page (both through the API, on an open connection: connecting not included)."""
    with connect(dsn, storage=storage) as wb:
        overview = results.median_ms(wb.overview, repeat=3)
        page = results.median_ms(lambda: wb.generations(project, limit=PAGE, fresh=True), repeat=3)
    return {"overview (all counts) ms": overview, "first page ms": page}


async def scroll(opened: Callable[[], Workbench], project: uuid.UUID) -> tuple[int, float, float]:
    """Page through ``project`` to its end: pages seen, RSS in MiB before and after."""
    app = WorkbenchApp(connect=opened, project=str(project), page_size=PAGE)
    async with app.run_test(size=SIZE) as pilot:
        while app.first_paint is None:
            await pilot.pause(0.01)
        assert app.models is not None
        before = rss_mib()
        pages = 1
        gallery = app.models.gallery
        while gallery.state.page is not None and gallery.state.page.next_cursor:
            number = gallery.state.page.page
            await pilot.press("n")
            while gallery.state.page.page == number:
                await pilot.pause(0.01)
            pages += 1
        await quiet(app)
        after = rss_mib()
        wb = app.wb
    if wb is not None:
        wb.close()
    return pages, before, after


def add_project(conn: psycopg.Connection[Any], user_id: uuid.UUID, name: str) -> uuid.UUID:
    row = conn.execute(
        "INSERT INTO projects (name, user_id) VALUES (%s, %s) RETURNING id", (name, user_id)
    ).fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


def add_generations(conn: psycopg.Connection[Any], project: uuid.UUID, count: int) -> None:
    """``count`` generations whose thumbnails are the demo's (so tiles draw real pictures)."""
    thumbs = [r[0] for r in conn.execute(
        "SELECT thumbnail_url FROM generations WHERE thumbnail_url IS NOT NULL LIMIT 200"
    ).fetchall()]  # fmt: skip
    conn.execute(
        "INSERT INTO generations (project_id, type, location, thumbnail_url, params) "
        "SELECT %s, 'image', t.url, t.url, jsonb_build_object('prompt', 'p' || n) "
        "FROM generate_series(1, %s) n, "
        "LATERAL (SELECT (%s::text[])[1 + n %% array_length(%s::text[], 1)] AS url) t",
        (project, count, thumbs, thumbs),
    )


def grow(conn: psycopg.Connection[Any], project: uuid.UUID, want: int) -> None:
    """``project`` grows to ``want`` generations with shots and links: scale_bench's builder
    (the same rows its figures are measured on)."""
    import scale_bench

    scale_bench.build(conn, project, 0, want)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--million", type=int, default=1_000_000,
                        help="generations of the big project (default 1,000,000)")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=5, help="starts per case (median)")
    parser.add_argument("--demo", type=int, default=600, help="demo generations (default 600)")
    parser.add_argument("--items", type=int, default=ITEMS, help="generations paged through")
    args = parser.parse_args()
    os.environ["WORKBENCH_IMAGES"] = "halfcell"
    errors = Errors()
    logging.getLogger().addHandler(errors)
    counting()
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg")
        try:
            started = time.perf_counter()
            dsn = connection.ensure_database(server.ensure_running(), "bench")
            storage = LocalStorage(Path(tmp) / "assets")
            with psycopg.connect(dsn, autocommit=True) as conn:
                migrate.migrate(conn)
                summary = seed_demo(conn, storage, generations=args.demo)
                demo = summary.project_ids[0]
                ten = add_project(conn, summary.user_id, "Paged through")
                add_generations(conn, ten, args.items)
                conn.execute("VACUUM ANALYZE")
            print(f"demo + {args.items:,} generations ready in "
                  f"{time.perf_counter() - started:.1f}s")  # fmt: skip

            def opened() -> Workbench:
                return connect(dsn, storage=storage)

            labels = (f"demo + {args.items:,}", f"+ {args.million:,} and an empty project")
            for n, label in enumerate(labels):
                if n == 1:
                    began = time.perf_counter()
                    with psycopg.connect(dsn, autocommit=True) as conn:
                        big = add_project(conn, summary.user_id, "A million")
                        grow(conn, big, args.million)
                        add_project(conn, summary.user_id, "Empty")
                    print(f"{args.million:,} generations ready in "
                          f"{time.perf_counter() - began:.0f}s")  # fmt: skip
                with connect(dsn, storage=storage) as wb:  # the app opens on the demo
                    wb.local_state.set("navigator.last", {"project": str(demo), "shot": None})
                measured = starts(opened, args.repeat, errors.seen)
                before = starts(opened, args.repeat, errors.seen, counts_first=True)
                measured["baseline: first paint, counts first ms"] = before["first paint ms"]
                measured["baseline: statements before the paint"] = before[
                    "statements before the paint"
                ]
                measured.update(baseline(dsn, storage, demo))
                figures[label] = measured
                print(f"\n{label}:")
                for name, value in measured.items():
                    print(f"  {name:40} {value:10.0f}")
                ratio = measured["first paint ms"] / before["first paint ms"]
                print(f"  first paint / counts-first baseline: {ratio:.2f}x")

            pages, before, after = asyncio.run(scroll(opened, ten))
            peak = peak_rss_mib()
            print(f"\npaged through {pages} pages ({pages * PAGE:,} items): RSS {before:.0f} MiB"
                  f" -> {after:.0f} MiB, peak {peak:.0f} MiB")  # fmt: skip
            figures["paging"] = {
                "pages": pages, "rss before MiB": before, "rss after MiB": after,
                "peak rss MiB": peak,
            }  # fmt: skip
        finally:
            server.stop()
    figures["errors logged"] = errors.seen
    print(f"errors logged: {len(errors.seen)}" + "".join(f"\n  {e}" for e in errors.seen))
    results.write("tui_bench", figures)


if __name__ == "__main__":
    main()
