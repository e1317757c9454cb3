"""Managing shots: one statement or one transaction per action vs Reigh's client, one write
per item.

Run: python benchmarks/shots_bench.py [--rounds 5] [--demo 60] [--latency-ms 0]
(starts its own embedded PostgreSQL in a temp dir; under a minute without latency).

On the demo plus 1,200 images added here, three actions through the API:

* creating a shot from 500 selected items (``wb.create_shot(generation_ids=...)``), against
  the shot editor's "New shot from selection" path in Reigh's client: read the last
  position, insert the shot (``insert_shot_at_position``), then one insert per item at
  frame i*50 (``useShotActions.handleNewShotFromSelection``);
* duplicating a 1,000-item shot (``wb.duplicate_shot``: one INSERT ... SELECT with Reigh's
  ``duplicate_shot`` filter), against the same work as a loop: insert the copy, read the
  links to copy (same filter), one insert per link;
* reordering 100 shots (``wb.reorder_shots``: one statement renumbering 1..N), against
  ``useReorderShots``: one ``UPDATE shots SET position`` per shot.

For each, measured in this one run (no absolute target is asserted anywhere):

* database round trips, counted by ``bulk_bench``'s proxy (one per Sync or simple Query: a
  wait for the server's ReadyForQuery);
* transactions that wrote, from the server's transaction ids (``pg_current_snapshot``'s
  xmax before and after, nothing else writing): 1 for each API call, i.e. each is a single
  transaction; the baseline commits every statement on its own (autocommit, as PostgREST
  calls do), so a failure half-way leaves half a shot;
* time, the median of ``--rounds`` runs, straight to the server's unix socket (and, with
  ``--latency-ms``, through the proxy adding that much per round trip; Reigh's client sends
  the reorder updates and the per-item inserts in parallel over HTTP, so there its wall time
  would be nearer one round trip per batch of the browser's connections than this loop's).

Prints the numbers and the ratios (baseline / API).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import bulk_bench
import psycopg
from bench_db import small_demo
from bulk_bench import ClientMessages, make_items, through_proxy
from psycopg.types.json import Jsonb

from workbench.client import Workbench
from workbench.startup import connect

SELECTED = 500
SHOT_ITEMS = 1000
SHOTS = 100
EXTRA_ITEMS = 1200
SPACING = 50


@dataclass
class Scene:
    """What the actions work on: the selection, the 1,000-item shot, the 100-shot project."""

    project: uuid.UUID
    selected: list[uuid.UUID]
    big_shot: uuid.UUID
    many_shots_project: uuid.UUID
    order: list[uuid.UUID]  # the 100 shots' current order


# -- the scene ---------------------------------------------------------------------------------
def build(wb: Workbench, dsn: str) -> Scene:
    project = wb.projects()[0].id
    items = make_items(dsn, project, EXTRA_ITEMS)
    big = wb.create_shot(project, "bench: 1,000 items", generation_ids=items[:SHOT_ITEMS])
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO projects (name, user_id, aspect_ratio) VALUES ('bench: 100 shots', %s, "
            "'16:9') RETURNING id",
            (wb.user_id,),
        ).fetchone()
        assert row is not None
        conn.execute(
            "INSERT INTO shots (name, project_id, position) "
            "SELECT 'Shot ' || n, %s, n FROM generate_series(1, %s) n",
            (row[0], SHOTS),
        )
    order = [s.id for s in wb.shots(row[0])]
    return Scene(project, items[-SELECTED:], big.id, row[0], order)


def drop_shot(dsn: str, shot_id: uuid.UUID) -> None:
    """Remove a shot a measurement made (its links go by cascade), outside the timing."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM shots WHERE id = %s", (shot_id,))


# -- the actions: (ours, Reigh's client), each returns what to clean up ------------------------
def ours_create(wb: Workbench, scene: Scene) -> uuid.UUID:
    return wb.create_shot(scene.project, "bench: selection", generation_ids=scene.selected).id


def reigh_create(wb: Workbench, scene: Scene) -> uuid.UUID:
    """``insert_shot_at_position`` at the end, then one auto-positioned insert per item."""
    with wb.pool.connection() as conn:
        last = conn.execute(
            "SELECT coalesce(max(position), 0) FROM shots WHERE project_id = %s", (scene.project,)
        ).fetchone()
        row = conn.execute(
            "INSERT INTO shots (name, project_id, position) VALUES (%s, %s, %s) RETURNING id",
            ("bench: selection", scene.project, (last[0] if last else 0) + 1),
        ).fetchone()
        assert row is not None
        for n, gid in enumerate(scene.selected):
            conn.execute(
                "INSERT INTO shot_generations (shot_id, generation_id, timeline_frame, metadata)"
                " VALUES (%s, %s, %s, %s)",
                (row[0], gid, n * SPACING, Jsonb({"auto_positioned": True})),
            )
    return row[0]  # type: ignore[no-any-return]


def ours_duplicate(wb: Workbench, scene: Scene) -> uuid.UUID:
    return wb.duplicate_shot(scene.big_shot).id


def reigh_duplicate(wb: Workbench, scene: Scene) -> uuid.UUID:
    """Our statement's work, one link at a time: the copy, the links to copy, an insert each."""
    with wb.pool.connection() as conn:
        row = conn.execute(
            "INSERT INTO shots (name, project_id, position, settings, aspect_ratio) "
            "SELECT s.name || ' (copy)', s.project_id, (SELECT coalesce(max(x.position), 0) + 1 "
            "FROM shots x WHERE x.project_id = s.project_id), s.settings, s.aspect_ratio "
            "FROM shots s WHERE s.id = %s RETURNING id",
            (scene.big_shot,),
        ).fetchone()
        assert row is not None
        links = conn.execute(
            "SELECT sg.generation_id, sg.timeline_frame, sg.metadata FROM shot_generations sg "
            "JOIN generations g ON g.id = sg.generation_id WHERE sg.shot_id = %s "
            "AND sg.timeline_frame >= 0 AND (g.type IS NULL OR g.type NOT LIKE '%%video%%') "
            "ORDER BY sg.timeline_frame, sg.id",
            (scene.big_shot,),
        ).fetchall()
        assert len(links) == SHOT_ITEMS
        for gid, frame, metadata in links:
            conn.execute(
                "INSERT INTO shot_generations (shot_id, generation_id, timeline_frame, metadata)"
                " VALUES (%s, %s, %s, %s)",
                (row[0], gid, frame, Jsonb(metadata)),
            )
    return row[0]  # type: ignore[no-any-return]


def ours_reorder(wb: Workbench, scene: Scene) -> None:
    """The current order reversed: every one of the 100 shots moves, at every run."""
    scene.order = scene.order[::-1]
    wb.reorder_shots(scene.many_shots_project, scene.order)


def reigh_reorder(wb: Workbench, scene: Scene) -> None:
    """``useReorderShots``: positions 1..N, one update per shot (the same reversal)."""
    scene.order = scene.order[::-1]
    with wb.pool.connection() as conn:
        for n, shot_id in enumerate(scene.order, start=1):
            conn.execute(
                "UPDATE shots SET position = %s WHERE id = %s AND project_id = %s",
                (n, shot_id, scene.many_shots_project),
            )


# -- measuring ---------------------------------------------------------------------------------
PING = b"Q\x00\x00\x00\x05\x00"  # a simple Query of "": how the pool checks a connection


class WithoutPings(ClientMessages):
    """``bulk_bench``'s count, less the pool's pings: a connection idle for over 2 s is
    pinged before reuse (a round trip that is the pause's cost, not the action's; which
    pooled connection a call gets, and so whether it is pinged, is down to the pool)."""

    pings = 0

    def feed(self, data: bytes) -> int:
        """Count as the base class does; then take back the pings among those counted."""
        start = self.buffer + data if self.started else b""
        count = super().feed(data)
        offset = 0
        while self.started and offset + 5 <= len(start):
            length = int.from_bytes(start[offset + 1 : offset + 5], "big")
            if offset + 1 + length > len(start):
                break
            if start[offset : offset + 1 + length] == PING:
                WithoutPings.pings += 1
                count -= 1
            offset += 1 + length
        return count


bulk_bench.ClientMessages = WithoutPings  # type: ignore[misc]  # the proxy makes these


@dataclass
class Measure:
    round_trips: int = 0
    writes: int = 0
    seconds: float = 0.0


def next_xid(dsn: str) -> int:
    """The next transaction id the server will assign (nothing else writes meanwhile)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text").fetchone()
        assert row is not None
        return int(row[0])


Action = Callable[[Workbench, Scene], Any]


def one_round(
    wb: Workbench, dsn: str, scene: Scene, action: Action, count: Callable[[], int] | None
) -> tuple[float, int, int]:
    """(seconds, round trips, writing transactions) of one run; what it made is removed."""
    xid = next_xid(dsn)
    trips = count() if count else 0
    started = time.perf_counter()
    made = action(wb, scene)
    seconds = time.perf_counter() - started
    trips = (count() - trips) if count else 0
    writes = next_xid(dsn) - xid
    if isinstance(made, uuid.UUID):
        drop_shot(dsn, made)
    return seconds, trips, writes


def measure(wb: Workbench, dsn: str, scene: Scene, action: Action, rounds: int,
            count: Callable[[], int] | None = None) -> Measure:  # fmt: skip
    """The median time of ``rounds`` runs, and the last run's round trips and writes (the
    same at every run)."""
    result = Measure()
    samples = []
    for _ in range(rounds):
        seconds, trips, writes = one_round(wb, dsn, scene, action, count)
        samples.append(seconds)
        result.round_trips, result.writes = trips, writes
    result.seconds = statistics.median(samples)
    return result


ACTIONS: list[tuple[str, Action, Action]] = [
    (f"create a shot from {SELECTED} items", ours_create, reigh_create),
    (f"duplicate a {SHOT_ITEMS:,}-item shot", ours_duplicate, reigh_duplicate),
    (f"reorder {SHOTS} shots", ours_reorder, reigh_reorder),
]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="runs per measure (median)")
    parser.add_argument("--demo", type=int, default=60, help="the demo's generations")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="also time through a proxy adding this per round trip")  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["WORKBENCH_HOME"] = home  # the undo journal is written here, not in ~
        with small_demo(args.demo) as (dsn, storage):
            run(dsn, storage, args.rounds, args.demo, args.latency_ms / 1000)


def run(dsn: str, storage: Any, rounds: int, demo: int, latency: float) -> None:
    with connect(dsn, storage=storage) as wb:
        scene = build(wb, dsn)
        print(f"the demo ({demo} generations) + {EXTRA_ITEMS:,} images; "
              f"time: median of {rounds} runs, straight to the unix socket\n")  # fmt: skip
        timed = [
            (measure(wb, dsn, scene, ours, rounds), measure(wb, dsn, scene, reigh, rounds))
            for _, ours, reigh in ACTIONS
        ]
    with through_proxy(dsn, storage, 0.0) as (wb, proxy):

        def count() -> int:
            return proxy.round_trips

        wb.shots(scene.project)  # a warm pool connection: opening one is not the action's cost
        counted = [
            (measure(wb, dsn, scene, ours, 1, count), measure(wb, dsn, scene, reigh, 1, count))
            for _, ours, reigh in ACTIONS
        ]

    header = (f"{'':<34} {'round trips':>15}  {'write transactions':>19}  "
              f"{'time (median)':>25}")  # fmt: skip
    print(header)
    print(f"{'':<34} {'API':>6} {'Reigh':>6} {'':>1} {'API':>6} {'Reigh':>6} {'':>5}  "
          f"{'API':>11} {'Reigh':>11}   ratio")  # fmt: skip
    for (name, _, _), (ours_t, reigh_t), (ours_c, reigh_c) in zip(
        ACTIONS, timed, counted, strict=True
    ):
        print(f"{name:<34} {ours_c.round_trips:>6} {reigh_c.round_trips:>6}  "
              f"{ours_c.writes:>6} {reigh_c.writes:>6} {'':>5}  "
              f"{ms(ours_t.seconds):>11} {ms(reigh_t.seconds):>11}  "
              f"{reigh_t.seconds / ours_t.seconds:5.1f}x   "
              f"(round trips {reigh_c.round_trips / max(ours_c.round_trips, 1):.0f}x)",
              flush=True)  # fmt: skip
    print(f"(round trips as the proxy counts them, without the {WithoutPings.pings} pings of "
          "pooled connections that sat idle over 2 s; write transactions from the server's "
          "transaction ids)")  # fmt: skip
    if latency <= 0:
        return
    print(f"\nthrough the proxy with {latency * 1000:.0f} ms added per round trip "
          "(one run each, sequential as this loop sends them):")  # fmt: skip
    with through_proxy(dsn, storage, latency / 2) as (wb, _):
        wb.shots(scene.project)
        for name, ours, reigh in ACTIONS:
            a = measure(wb, dsn, scene, ours, 1)
            b = measure(wb, dsn, scene, reigh, 1)
            print(f"{name:<34} API {ms(a.seconds)}   Reigh's way {ms(b.seconds)}   "
                  f"ratio {b.seconds / a.seconds:6.0f}x", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
