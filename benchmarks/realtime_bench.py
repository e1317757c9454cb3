"""Live updates: how long another connection's committed change takes to reach a subscriber.

Run: python benchmarks/realtime_bench.py   (starts its own embedded PostgreSQL in a temp dir)
Prints medians measured in this one run against a bare LISTEN/NOTIFY round trip on the same
server; asserts nothing (DESIGN target: a change reaches a subscribed view within a second).
The tests check that changes arrive (tests/integration/test_realtime.py, tests/tui/); the
latency is measured here, where a busy machine skews a number instead of failing a test.
"""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

import psycopg
from bench_db import small_demo

from workbench.startup import connect

ROUNDS = 30
WAIT = 10.0  # seconds before a round counts as lost


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bare_notify(dsn: str) -> list[float]:
    """Commit-to-delivery of a plain NOTIFY on one connection, heard on another."""
    samples = []
    with (
        psycopg.connect(dsn, autocommit=True) as listener,
        psycopg.connect(dsn, autocommit=True) as sender,
    ):
        listener.execute("LISTEN bench")
        for n in range(ROUNDS):
            started = time.perf_counter()
            sender.execute("SELECT pg_notify('bench', %s)", (str(n),))
            for note in listener.notifies(timeout=WAIT, stop_after=1):
                assert note.payload == str(n)
            samples.append(time.perf_counter() - started)
    return samples


def to_subscriber(wb: Any, dsn: str) -> tuple[list[float], int]:
    """Commit of a star elsewhere to the invalidation event in this workbench's cache."""
    project = wb.projects()[0]
    target = wb.generations(project.id)[0]
    heard = threading.Event()
    wb.subscribe(
        ("unified-generations", "project", project.id),
        lambda event: heard.set() if event.kind == "invalidated" else None,
    )
    deadline = time.monotonic() + WAIT
    while not wb.live:  # the listener connects in the background
        if time.monotonic() > deadline:
            raise SystemExit("live updates never started")
        time.sleep(0.01)
    samples, lost = [], 0
    with psycopg.connect(dsn, autocommit=True) as other:
        for _ in range(ROUNDS):
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


def main() -> None:
    with small_demo() as (dsn, storage):
        baseline = bare_notify(dsn)
        with connect(dsn, storage=storage) as wb:
            live, lost = to_subscriber(wb, dsn)
    print(f"commit elsewhere to delivery, median of {ROUNDS}:")
    print(f"  bare LISTEN/NOTIFY          {median_ms(baseline):8.2f} ms")
    if not live:
        print(f"  workbench subscriber        every round lost (no event within {WAIT:g} s)")
        return
    print(
        f"  workbench subscriber        {median_ms(live):8.2f} ms   "
        f"{median_ms(live) / median_ms(baseline):6.1f}x bare   "
        f"(max {max(live) * 1000:.0f} ms, {lost} of {ROUNDS} lost)"
    )
    print("  (the listener batches events for up to 100 ms before invalidating; target: < 1 s)")


if __name__ == "__main__":
    main()
