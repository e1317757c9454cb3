"""Live updates: how long another connection's committed change takes to reach a subscriber,
told by our NOTIFY triggers or found by polling (a database without them), and what a poll
costs at a million generations.

Run: python benchmarks/realtime_bench.py [--big 1000000] [--rounds 30]
(starts its own embedded PostgreSQL in a temp dir). Prints medians measured in this one run
against a bare LISTEN/NOTIFY round trip on the same server; asserts nothing (targets: NOTIFY
within a second; polling within the poll interval, 3 s by default, so within 5 s). With
``--big N`` it also builds a project of N generations (core schema only, no triggers: about a
minute per million on a quiet machine) and times the poll's one statement for it: every poll
(bounded reads of the newest rows) and every 10th (a full count). Writes the figures as JSON
to benchmarks/results/. The tests check that changes arrive (tests/integration/
test_realtime.py, test_polling.py); the latency is measured here.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import results
from bench_db import small_demo

from workbench import keys
from workbench.config import DEFAULT_POLL_INTERVAL_S
from workbench.db import connection, migrate
from workbench.db.embedded import EmbeddedPostgres
from workbench.polling import Targets, poll_query
from workbench.startup import connect

WAIT = 10.0  # seconds before a round counts as lost
NOTIFY_TABLES = ("generations", "generation_variants", "shot_generations", "shots", "projects",
                 "users")  # fmt: skip


def ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bare_notify(dsn: str, rounds: int) -> list[float]:
    """Commit-to-delivery of a plain NOTIFY on one connection, heard on another."""
    samples = []
    with (
        psycopg.connect(dsn, autocommit=True) as listener,
        psycopg.connect(dsn, autocommit=True) as sender,
    ):
        listener.execute("LISTEN bench")
        for n in range(rounds):
            started = time.perf_counter()
            sender.execute("SELECT pg_notify('bench', %s)", (str(n),))
            for note in listener.notifies(timeout=WAIT, stop_after=1):
                assert note.payload == str(n)
            samples.append(time.perf_counter() - started)
    return samples


def to_subscriber(
    wb: Any, dsn: str, rounds: int, ready: Any, *, spread: float = 0.0
) -> tuple[list[float], int]:
    """Commit of a star elsewhere (plain SQL, as Reigh writes it) to the invalidation event in
    this workbench's cache, once ``ready(wb)`` holds (the listener connected, or the first
    poll taken). Each change waits a random 0..``spread`` s first: a change found by a poll
    lands right after one, so without it every change would wait a whole interval."""
    project = wb.projects()[0]
    target = wb.generations(project.id)[0]
    heard = threading.Event()
    wb.subscribe(
        keys.gallery("project", project.id),
        lambda event: heard.set() if event.kind == "invalidated" else None,
    )
    deadline = time.monotonic() + WAIT
    while not ready(wb):  # the listener connects, the poller takes its baseline
        if time.monotonic() > deadline:
            raise SystemExit("live updates never started")
        time.sleep(0.01)
    samples, lost = [], 0
    rng = random.Random(17)
    with psycopg.connect(dsn, autocommit=True) as other:
        for _ in range(rounds):
            time.sleep(rng.uniform(0, spread))
            heard.clear()
            started = time.perf_counter()
            other.execute(
                "UPDATE generations SET starred = NOT starred WHERE id = %s", (target.id,)
            )
            if heard.wait(WAIT):
                samples.append(time.perf_counter() - started)
            else:
                lost += 1
            wb.generations(project.id)  # cached again, so the next change has a page to hit
    return samples, lost


def polled(wb: Any) -> bool:
    poller = wb._poller
    return poller is not None and poller.polls >= 1


def poll_cost(rows: int) -> dict[str, Any]:
    """The poll statement's time for one shown project of ``rows`` generations (a database
    built from the core migrations alone), beside an exact count of the project."""
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg")
        try:
            dsn = connection.ensure_database(server.ensure_running(), "big")
            with psycopg.connect(dsn, autocommit=True) as conn:
                for m in migrate.available("core"):
                    conn.execute(m.sql_text.encode())
                row = conn.execute(
                    "WITH u AS (INSERT INTO users DEFAULT VALUES RETURNING id) "
                    "INSERT INTO projects (name, user_id) SELECT 'big', id FROM u RETURNING id"
                ).fetchone()
                assert row is not None
                project: uuid.UUID = row[0]
                started = time.perf_counter()
                conn.execute(
                    "INSERT INTO generations (project_id, type, location, params, starred, "
                    "created_at) SELECT %s, 'image', 'https://x/' || n || '.png', "
                    "jsonb_build_object('prompt', 'prompt ' || n), n %% 50 = 0, "
                    "now() - make_interval(secs => n) FROM generate_series(1, %s) n",
                    (project, rows),
                )
                conn.execute("VACUUM ANALYZE generations")
                built = time.perf_counter() - started
                shown = Targets(project_galleries=frozenset({project}))
                every, every_args = poll_query(shown, None) or (None, None)
                full, full_args = poll_query(shown, None, full=True) or (None, None)
                count = "SELECT count(*) FROM generations WHERE project_id = %s"
                return {
                    "rows": rows,
                    "build_s": round(built, 1),
                    "poll_ms": results.median_ms(
                        lambda: conn.execute(every, every_args).fetchall()
                    ),
                    "full_poll_ms": results.median_ms(
                        lambda: conn.execute(full, full_args).fetchall(), repeat=3
                    ),
                    "exact_count_ms": results.median_ms(
                        lambda: conn.execute(count, (project,)).fetchall(), repeat=3
                    ),
                }
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30, help="changes timed per path")
    parser.add_argument("--big", type=int, default=0, help="also time a poll at N generations")
    args = parser.parse_args()
    rounds = args.rounds
    figures: dict[str, Any] = {"rounds": rounds, "poll_interval_s": DEFAULT_POLL_INTERVAL_S}
    with small_demo() as (dsn, storage):
        baseline = bare_notify(dsn, rounds)
        with connect(dsn, storage=storage) as wb:
            live, lost_live = to_subscriber(wb, dsn, rounds, lambda wb: wb.live)
        with psycopg.connect(dsn, autocommit=True) as conn:  # now a Reigh database, as it were
            for table in NOTIFY_TABLES:
                conn.execute(f"DROP TRIGGER workbench_notify_{table} ON {table}")
        with connect(dsn, storage=storage) as wb:
            poll, lost_poll = to_subscriber(wb, dsn, rounds, polled, spread=DEFAULT_POLL_INTERVAL_S)
            status, polls = wb.live_status, wb._poller.polls
    figures |= {
        "bare_notify_ms": ms(baseline),
        "notify_ms": ms(live) if live else None,
        "notify_max_ms": max(live) * 1000 if live else None,
        "notify_lost": lost_live,
        "polling_ms": ms(poll) if poll else None,
        "polling_max_ms": max(poll) * 1000 if poll else None,
        "polling_lost": lost_poll,
        "polls": polls,
        "polling_status": status,
    }
    print(f"another client's star to the subscriber's invalidation, median of {rounds}:")
    print(f"  {'bare LISTEN/NOTIFY':32s}{figures['bare_notify_ms']:9.2f} ms")
    for label, key, lost in (("NOTIFY (our triggers)", "notify", lost_live),
                             (f"polling ({status})", "polling", lost_poll)):  # fmt: skip
        if figures[f"{key}_ms"] is None:
            print(f"  {label:32s}  every round lost (no event within {WAIT:g} s)")
            continue
        print(
            f"  {label:32s}{figures[f'{key}_ms']:9.2f} ms  "
            f"{figures[f'{key}_ms'] / figures['bare_notify_ms']:8.1f}x bare  "
            f"(max {figures[f'{key}_max_ms']:.0f} ms, {lost} of {rounds} lost)"
        )
    print("  (NOTIFY batches for up to 100 ms, target < 1 s; polling: target < 5 s)")
    if args.big:
        cost = poll_cost(args.big)
        figures["big"] = cost
        print(f"one shown project of {cost['rows']:,} generations (built in {cost['build_s']} s):")
        for label, key in (
            (f"a poll (every {DEFAULT_POLL_INTERVAL_S:g} s)", "poll_ms"),
            ("a poll with the full count (every 10th)", "full_poll_ms"),
            ("an exact count of the project", "exact_count_ms"),
        ):
            print(f"  {label:42s}{cost[key]:9.2f} ms")
    results.write("realtime", figures)


if __name__ == "__main__":
    main()
