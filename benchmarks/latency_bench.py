"""Round trips and time per user action, 0 to 100 ms from the database (issue 17, target 1).

Run: python benchmarks/latency_bench.py [--delays 0,20,40,100] [--repeat 7]
(starts its own embedded PostgreSQL in a temp dir, with a small demo; a few minutes).

Every action goes through ``latency_proxy.LatencyProxy``, which adds the round-trip delay (half
each way) and counts round trips (client turns that wait for the server; a connection's
start-up is two of them plus a TCP handshake's delay). Per action and delay: the median round
trips and the median time (one untimed warm-up, then ``--repeat`` runs; the set-up an action
needs, such as a new workbench for a cold page, is outside the timing). Side by side, the
request pattern of Reigh's gallery page as the seed describes it (an OFFSET page, an exact
count, the task preload: three sequential queries) through the same proxy.

What the actions are (public API, what the front ends call):
- ``connect()``: ``workbench.connect(dsn)`` to a database that is ready (no demo to build);
- cold gallery page: a ``GalleryModel`` on a project, on a workbench that has shown nothing;
- next page / jump to a known page: ``GalleryModel.next_page()`` / ``jump(n)``, the model
  showing a page already (its read-ahead settled first: "next page" is what a user who looked
  at a page for a moment gets);
- switch to a visited shot: ``GalleryModel.set_target(shot_id=...)`` between two shots shown
  before;
- star: ``wb.star(id)`` (alternately starring and unstarring);
- settings edit reaching "saved": ``handle.set(...)`` until the handle's status is "saved"
  (the queue's 300 ms window that gathers edits set to 0: what is measured is the write);
- opening a settings handle: ``wb.settings_handle(...)`` (its live-update connection, made
  once per workbench, is set up before); the first settings handle of a new workbench, with
  that set-up;
- detail: ``wb.generation_detail(id)``, and the same after 3 s without a call (the pool
  used to ping a connection idle for over 2 s before using it).
The TUI's start to first paint is ``benchmarks/tui_bench.py``'s.

Prints a table; figures go to ``benchmarks/results/latency-*.json`` (``results.write``). With
0 ms among the delays, "felt" is the round trips a user waits for: the time the largest delay
added, divided by it (the counts also include work on other threads, such as a read-ahead).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
import results
from bench_db import small_demo
from latency_proxy import LatencyProxy

import workbench
from workbench.client import Workbench
from workbench.views.gallery import GalleryModel

TOOL = "travel-between-images"
LIMIT = 4  # items a page: the demo's 60 make 15 pages
REIGH_PAGE = 45  # Reigh's default page size
PAUSE_S = 3.0  # the pool used to ping a connection idle for over 2 s


@dataclass
class Figure:
    """One action at one delay: median round trips, connections opened and milliseconds."""

    round_trips: float
    connections: float
    ms: float

    def as_dict(self) -> dict[str, float]:
        return {"round_trips": self.round_trips, "connections": self.connections, "ms": self.ms}


def measure(
    proxy: LatencyProxy,
    action: Callable[..., Any],
    *,
    setup: Callable[[], Any] | None = None,
    teardown: Callable[[Any], Any] | None = None,
    repeat: int,
) -> Figure:
    """Median round trips and time of ``action`` (one untimed warm-up run first, as
    ``results.median_ms`` does; ``setup`` before each run and ``teardown`` after it are not
    timed: ``median_ms`` has no set-up, and a cold page needs a new workbench each run)."""
    trips: list[int] = []
    opened: list[int] = []
    samples: list[float] = []
    for run in range(repeat + 1):
        state = setup() if setup is not None else None
        proxy.quiet(0.05)  # background work of the set-up (a pool filling, a read-ahead)
        proxy.reset()
        started = time.perf_counter()
        value = action() if state is None else action(state)
        elapsed = time.perf_counter() - started
        if run:
            trips.append(proxy.round_trips)
            opened.append(proxy.connections)
            samples.append(elapsed)
        if teardown is not None:
            teardown(value if value is not None else state)
    return Figure(
        statistics.median(trips), statistics.median(opened), statistics.median(samples) * 1000
    )


@contextmanager
def quiet_home() -> Iterator[None]:
    """A fresh WORKBENCH_HOME: the developer's device state (its change journal, queued
    edits) must not weigh on the figures."""
    before = os.environ.get("WORKBENCH_HOME")
    with tempfile.TemporaryDirectory() as home:
        os.environ["WORKBENCH_HOME"] = home
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("WORKBENCH_HOME", None)
            else:
                os.environ["WORKBENCH_HOME"] = before


def reigh_page(conn: psycopg.Connection[Any], project_id: Any, page: int) -> int:
    """Reigh's gallery page as the seed makes it: the page by OFFSET, an exact count, then the
    tasks of the page's items, three requests one after the other (each a PostgREST call)."""
    rows = conn.execute(
        "SELECT id, location, thumbnail_url, type, params, starred, created_at, tasks "
        "FROM generations WHERE project_id = %s AND location IS NOT NULL AND NOT is_child "
        "ORDER BY created_at DESC OFFSET %s LIMIT %s",
        (project_id, page * REIGH_PAGE, REIGH_PAGE),
    ).fetchall()
    conn.execute(
        "SELECT count(*) FROM generations "
        "WHERE project_id = %s AND location IS NOT NULL AND NOT is_child",
        (project_id,),
    ).fetchone()
    conn.execute(
        "SELECT id, status, task_type, params FROM tasks WHERE project_id = %s "
        "ORDER BY created_at DESC LIMIT %s",
        (project_id, REIGH_PAGE),
    ).fetchall()
    return len(rows)


def run_delay(base_dsn: str, storage: Any, delay_ms: float, repeat: int) -> dict[str, Figure]:
    """Every action at one delay."""
    figures: dict[str, Figure] = {}
    with LatencyProxy.for_dsn(base_dsn, delay_ms=delay_ms) as proxy:
        dsn = proxy.dsn(base_dsn)

        def connected() -> Workbench:
            return workbench.connect(dsn, storage=storage)

        figures["connect()"] = measure(
            proxy, connected, teardown=lambda wb: wb.close(), repeat=repeat
        )

        with connected() as probe:
            project = probe.projects()[0]
            shots = [s for s in probe.shots(project) if s is not None][:2]

        def cold_setup() -> Workbench:
            return connected()

        def cold_page(wb: Workbench) -> tuple[Workbench, GalleryModel]:
            return wb, GalleryModel(wb, project_id=project.id, limit=LIMIT)

        def cold_teardown(made: tuple[Workbench, GalleryModel]) -> None:
            made[1].close()
            made[0].close()

        figures["cold gallery page"] = measure(
            proxy, cold_page, setup=cold_setup, teardown=cold_teardown, repeat=repeat
        )

        with connected() as wb:
            model = GalleryModel(wb, project_id=project.id, limit=LIMIT)
            try:
                figures.update(warm_actions(proxy, wb, model, project, shots, repeat))
            finally:
                model.close()
            figures.update(settings_actions(proxy, wb, project, shots, repeat))

        target = {"shot_id": shots[0].id} if shots else {"project_id": project.id}
        figures["first settings handle"] = measure(
            proxy, lambda wb: (wb, wb.settings_handle(TOOL, **target)), setup=connected,
            teardown=lambda made: (made[1].close(), made[0].close()), repeat=repeat,
        )  # fmt: skip

        with psycopg.connect(dsn, autocommit=True) as conn:
            pages = iter(range(10_000))
            figures["Reigh: page + count + tasks"] = measure(
                proxy, lambda: reigh_page(conn, project.id, next(pages) % 2), repeat=repeat
            )
    return figures


def warm_actions(
    proxy: LatencyProxy,
    wb: Workbench,
    model: GalleryModel,
    project: Any,
    shots: list[Any],
    repeat: int,
) -> dict[str, Figure]:
    """The actions on a workbench (and a gallery) already showing something."""
    figures: dict[str, Figure] = {}

    def back_to_start() -> None:
        page = model.state.page
        if page is None or not page.next_cursor or model.state.mode != "project":
            model.set_target(project_id=project.id)

    jumps = iter(range(10_000))  # pages 3, 8, 13, 6, 11, 4, 9, 14: none shown before
    figures["jump to a known page"] = measure(
        proxy, lambda: model.jump(3 + (next(jumps) * 5) % 12), repeat=repeat
    )
    figures["next page"] = measure(proxy, model.next_page, setup=back_to_start, repeat=repeat)

    if len(shots) == 2:
        for shot in shots:  # both visited once
            model.set_target(project_id=project.id, shot_id=shot.id)
        turn = iter(range(10_000))
        figures["switch to a visited shot"] = measure(
            proxy,
            lambda: model.set_target(project_id=project.id, shot_id=shots[next(turn) % 2].id),
            repeat=repeat,
        )
        model.set_target(project_id=project.id)

    items = wb.generations(project.id, limit=LIMIT).items
    flips = iter(range(10_000))
    figures["star"] = measure(
        proxy, lambda: wb.star(items[0].id, next(flips) % 2 == 0), repeat=repeat
    )
    figures["detail"] = measure(proxy, lambda: wb.generation_detail(items[1].id), repeat=repeat)
    figures["detail after a 3 s pause"] = measure(
        proxy, lambda: wb.generation_detail(items[1].id), setup=lambda: time.sleep(PAUSE_S),
        repeat=max(2, repeat // 2),
    )  # fmt: skip

    return figures


def settings_actions(
    proxy: LatencyProxy, wb: Workbench, project: Any, shots: list[Any], repeat: int
) -> dict[str, Figure]:
    """Opening a settings handle and an edit to "saved" (with no gallery open: its reloads
    on the notifications of these writes would be counted too)."""
    figures: dict[str, Figure] = {}
    target = {"shot_id": shots[0].id} if shots else {"project_id": project.id}
    wb.settings_handle(TOOL, **target).close()  # live updates set up once, as a view would

    figures["open a settings handle"] = measure(
        proxy, lambda: wb.settings_handle(TOOL, **target), teardown=lambda h: h.close(),
        repeat=repeat,
    )  # fmt: skip

    handle = wb.settings_handle(TOOL, **target)
    wb.settings_service.queue.delay = 0.0  # no 300 ms window gathering edits: the write alone
    values = iter(range(10_000))
    saved = threading.Event()
    handle.subscribe(lambda h: saved.set() if h.status == "saved" else None)

    def edit() -> None:
        """Until the handle says "saved" (not until ``flush`` returns: that also waits for
        what listens to the write, such as the undo journal on disk)."""
        saved.clear()
        handle.set("amountOfMotion", 10 + next(values) % 80)
        if not saved.wait(30):
            raise RuntimeError(f"the edit never reached saved: {handle.status} {handle.error}")

    try:
        figures['settings edit to "saved"'] = measure(proxy, edit, repeat=repeat)
    finally:
        handle.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delays", default="0,20,40,100", help="round-trip delays in ms")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per action")
    args = parser.parse_args()
    delays = [float(d) for d in args.delays.split(",")]

    table: dict[float, dict[str, Figure]] = {}
    with quiet_home(), small_demo(generations=60) as (dsn, storage):
        for delay in delays:
            table[delay] = run_delay(dsn, storage, delay, args.repeat)
    report(table)


def report(table: dict[float, dict[str, Figure]]) -> None:
    """The table (and the JSON figures): per action, each delay's round trips, connections
    opened and milliseconds, and with 0 ms among the delays the round trips a user waits for
    ("felt": the time the largest delay added, divided by it; the counts also include work
    on other threads, such as a read-ahead, which nobody waits for)."""
    delays = list(table)
    actions = list(next(iter(table.values())))
    width = max(len(a) for a in actions) + 2
    slope = len(delays) > 1 and min(delays) == 0
    head = "".join(f"{f'{d:g} ms':>22}" for d in delays) + ("   felt" if slope else "")
    print(f"{'action':<{width}}{head}")
    print(f"{'':<{width}}" + "".join(f"{'trips conns     ms':>22}" for _ in delays))
    felt: dict[str, float] = {}
    for action in actions:
        cells = ""
        for delay in delays:
            f = table[delay].get(action)
            shown = "-" if f is None else f"{f.round_trips:g} {f.connections:>5g} {f.ms:8.1f}"
            cells += f"{shown:>22}"
        if slope:
            low, high = table[0.0][action], table[max(delays)][action]
            felt[action] = (high.ms - low.ms) / max(delays)
            cells += f"{felt[action]:7.1f}"
        print(f"{action:<{width}}{cells}")
    if 40.0 in table and "cold gallery page" in table[40.0]:
        ours = table[40.0]["cold gallery page"]
        reigh = table[40.0].get("Reigh: page + count + tasks")
        if reigh is not None:
            print(
                f"\nat 40 ms: cold gallery page {ours.ms:.0f} ms ({ours.round_trips:g} round "
                f"trips) vs Reigh's page {reigh.ms:.0f} ms ({reigh.round_trips:g}): "
                f"{ours.ms / reigh.ms:.2f}x"
            )
    figures: dict[str, Any] = {
        f"{d:g}ms": {a: f.as_dict() for a, f in table[d].items()} for d in delays
    }
    if felt:
        figures["felt_round_trips"] = felt
    results.write("latency", figures)


if __name__ == "__main__":
    main()
