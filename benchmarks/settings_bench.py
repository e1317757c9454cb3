"""Settings: resolve in one round trip vs three reads; edits through the queue vs one UPDATE each.

Run: python benchmarks/settings_bench.py   (starts its own embedded PostgreSQL in a temp dir)
Prints ratios measured in this one run; no absolute target is asserted.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench_db import small_demo

from workbench.settings.resolve import resolve
from workbench.startup import connect

TOOL = "travel-between-images"
ROUNDS = 500
EDITS = 1000


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def three_reads(conn: Any, shot_id: Any) -> Any:
    """The naive way: read the shot, then its project, then the owner, one query each."""
    shot = conn.execute(
        "SELECT settings -> %s, project_id FROM shots WHERE id = %s", (TOOL, shot_id)
    ).fetchone()
    project = conn.execute(
        "SELECT settings -> %s, user_id FROM projects WHERE id = %s", (TOOL, shot[1])
    ).fetchone()
    user = conn.execute(
        "SELECT settings -> %s FROM users WHERE id = %s", (TOOL, project[1])
    ).fetchone()
    return resolve(TOOL, {"user": user[0], "project": project[0], "shot": shot[0]})


def main() -> None:
    with small_demo() as (dsn, storage), connect(dsn, storage=storage) as wb:
        run(wb)


def run(wb: Any) -> None:
    project = wb.projects()[0]
    shot = wb.shots(project)[0]

    one, three = [], []
    with wb.pool.connection() as conn:
        for _ in range(ROUNDS):
            started = time.perf_counter()
            wb.settings(TOOL, shot_id=shot.id)
            one.append(time.perf_counter() - started)
            started = time.perf_counter()
            three_reads(conn, shot.id)
            three.append(time.perf_counter() - started)
    print(f"resolve for a shot, median of {ROUNDS}:")
    print(f"  one round trip      {median_ms(one):7.3f} ms")
    print(f"  three reads         {median_ms(three):7.3f} ms")
    print(f"  ratio three / one   {median_ms(three) / median_ms(one):7.2f}x")

    started = time.perf_counter()
    for n in range(EDITS):
        # phaseConfig is an object of any keys (registry): valid, so no write is refused
        wb.update_settings("project", project.id, TOOL, {"phaseConfig": {f"direct{n}": n}})
    direct = time.perf_counter() - started

    handle = wb.settings_handle(TOOL, project_id=project.id)
    before = wb.settings_service.queue.writes
    started = time.perf_counter()
    for n in range(EDITS):
        handle.set(f"phaseConfig.queued{n}", n)
    handle.flush()
    queued = time.perf_counter() - started
    writes = wb.settings_service.queue.writes - before
    final = wb.settings(TOOL, project_id=project.id).values
    kept = sum(final.get("phaseConfig", {}).get(f"queued{n}") == n for n in range(EDITS))

    print(f"{EDITS} edits to one project's settings:")
    print(f"  one UPDATE per edit {EDITS / direct:9.0f} edits/s  ({EDITS} writes)")
    print(
        f"  through the queue   {EDITS / queued:9.0f} edits/s  ({writes} writes, "
        f"{kept}/{EDITS} edits kept)"
    )
    print(f"  ratio queue / direct {direct / queued:6.1f}x")


if __name__ == "__main__":
    main()
