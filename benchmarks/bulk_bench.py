"""Bulk actions: 1,000 selected items changed in one round trip vs one call per item.

Run: python benchmarks/bulk_bench.py [--latency-ms 40] [--singles-with-latency 100]
(starts its own embedded PostgreSQL in a temp dir; about a minute, more with latency).

For each action (star; delete + undo; add to a shot) it measures, in this one run:

* time: the bulk call on 1,000 ids (median of ``ROUNDS``) vs 1,000 single calls in a loop
  (``wb.star(id)`` ...), both straight to the server's unix socket;
* database round trips, counted by a small TCP proxy between the workbench and the server
  that reads the client's protocol messages: one round trip is one Sync (the end of an
  extended-protocol exchange, or of a whole pipeline: pipelined statements share one) or
  one simple-protocol Query, as each is a wait for the server's ReadyForQuery; a new
  connection's startup counts one too;
* with ``--latency-ms`` (default 40; 0 skips it), the same through the proxy delaying every
  burst by half of it each way, as a link to a remote database would: there, round trips
  are the cost. The single calls are measured on ``--singles-with-latency`` ids (default
  100) and scaled to 1,000, as a loop of 1,000 would take minutes.

Prints medians and ratios measured in this run; no absolute target is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from bench_db import small_demo
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from workbench.client import Workbench
from workbench.startup import connect

N = 1000
ROUNDS = 5


# -- the proxy: counts round trips, optionally adds latency ------------------------------------
SYNC, QUERY = ord("S"), ord("Q")
STARTUP_CODES = {80877103, 80877104}  # SSLRequest, GSSENCRequest: another untyped one follows


class ClientMessages:
    """Splits the client's byte stream into protocol messages and counts those the server
    answers with ReadyForQuery: Sync (the end of an extended-protocol exchange, or of a
    whole pipeline) and Query (a simple-protocol statement). Each is one round trip: the
    client then waits for the answer (pipeline mode sends one Sync for all it queued)."""

    def __init__(self) -> None:
        self.buffer = b""
        self.started = False

    def feed(self, data: bytes) -> int:
        self.buffer += data
        count = 0
        while True:
            if not self.started:  # untyped: int32 length, int32 code
                if len(self.buffer) < 8:
                    return count
                length = int.from_bytes(self.buffer[:4], "big")
                if len(self.buffer) < length:
                    return count
                code = int.from_bytes(self.buffer[4:8], "big")
                self.started = code not in STARTUP_CODES
                count += 1  # the startup exchange
                self.buffer = self.buffer[length:]
                continue
            if len(self.buffer) < 5:
                return count
            length = int.from_bytes(self.buffer[1:5], "big")
            if len(self.buffer) < 1 + length:
                return count
            if self.buffer[0] in (SYNC, QUERY):
                count += 1
            self.buffer = self.buffer[1 + length :]


class Proxy:
    """A TCP listener on 127.0.0.1 forwarding to the server's unix socket, in a thread of its
    own. ``delay`` seconds are added to every chunk in each direction (kept in order, so a
    stream is delayed once, not per chunk)."""

    def __init__(self, socket_path: str, delay: float = 0.0) -> None:
        self.socket_path = socket_path
        self.delay = delay
        self.round_trips = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._client, "127.0.0.1", 0), self.loop
        ).result()
        self.server = server
        self.port = server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_unix_connection(self.socket_path)
        messages = ClientMessages()

        def sent(data: bytes) -> None:
            self.round_trips += messages.feed(data)

        def received(_data: bytes) -> None:
            pass

        try:
            await asyncio.gather(
                self._pump(reader, up_writer, sent), self._pump(up_reader, writer, received)
            )
        except asyncio.CancelledError:  # the proxy is closing: end quietly
            writer.close()
            up_writer.close()

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        seen: Callable[[bytes], None],
    ) -> None:
        queue: asyncio.Queue[tuple[float, bytes | None]] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        async def forward() -> None:
            while True:
                due, data = await queue.get()
                if data is None:
                    break
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
            writer.close()

        task = asyncio.create_task(forward())
        try:
            while data := await reader.read(1 << 16):
                seen(data)
                queue.put_nowait((loop.time() + self.delay, data))
        except ConnectionError:
            pass
        queue.put_nowait((0.0, None))
        await task

    def dsn(self, dsn: str) -> str:
        return make_conninfo(dsn, host="127.0.0.1", port=str(self.port))

    async def _stop(self) -> None:
        self.server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


def socket_path(dsn: str) -> str:
    info = conninfo_to_dict(dsn)
    return f"{info['host']}/.s.PGSQL.{info.get('port', 5432)}"


@contextmanager
def through_proxy(dsn: str, storage: Any, delay: float) -> Iterator[tuple[Workbench, Proxy]]:
    proxy = Proxy(socket_path(dsn), delay)
    try:
        with connect(proxy.dsn(dsn), storage=storage) as wb:
            yield wb, proxy
    finally:
        proxy.close()


# -- the data ----------------------------------------------------------------------------------
def make_items(dsn: str, project: uuid.UUID, count: int) -> list[uuid.UUID]:
    """``count`` finished images with an original variant each (as an upload makes)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        ids = [
            row[0]
            for row in conn.execute(
                "INSERT INTO generations (project_id, type, location, params) "
                "SELECT %s, 'image', 'bench/' || n || '.png', "
                "jsonb_build_object('prompt', 'bench ' || n) "
                "FROM generate_series(1, %s) n RETURNING id",
                (project, count),
            ).fetchall()
        ]
        conn.execute(
            "INSERT INTO generation_variants (generation_id, location, is_primary, variant_type)"
            " SELECT id, location, true, 'original' FROM generations WHERE id = ANY(%s)",
            (ids,),
        )
    return ids


def reset(dsn: str, ids: Sequence[uuid.UUID]) -> None:
    """Unstarred and in no shot, whatever the last measurement did."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("UPDATE generations SET starred = false WHERE id = ANY(%s)", (list(ids),))
        conn.execute("DELETE FROM shot_generations WHERE generation_id = ANY(%s)", (list(ids),))


# -- the actions -------------------------------------------------------------------------------
# Each: (name, bulk(wb, ids, shot), single(wb, id, shot), after the singles(wb, count)).
Action = tuple[
    str,
    Callable[[Workbench, list[uuid.UUID], Any], None],
    Callable[[Workbench, uuid.UUID, Any], None],
    Callable[[Workbench, int], None],
]


def _delete_and_undo(wb: Workbench, ids: list[uuid.UUID], _shot: Any) -> None:
    wb.delete_generation(ids)
    wb.undo()


def _undo_n(wb: Workbench, count: int) -> None:
    for _ in range(count):
        wb.undo()


ACTIONS: list[Action] = [
    ("star", lambda wb, ids, _: wb.star(ids), lambda wb, i, _: wb.star(i), lambda wb, n: None),
    (
        "delete + undo",
        _delete_and_undo,
        lambda wb, i, _: wb.delete_generation(i),
        _undo_n,  # the singles' undos are part of their cost, one per item
    ),
    (
        "add to a shot",
        lambda wb, ids, shot: wb.add_to_shot(ids, shot),
        lambda wb, i, shot: wb.add_to_shot(i, shot),
        lambda wb, n: None,
    ),
]


def time_bulk(
    wb: Workbench, dsn: str, ids: list[uuid.UUID], shot: Any, action: Action, rounds: int
) -> float:
    samples = []
    for _ in range(rounds):
        reset(dsn, ids)
        started = time.perf_counter()
        action[1](wb, ids, shot)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def time_singles(
    wb: Workbench, dsn: str, ids: list[uuid.UUID], shot: Any, action: Action
) -> tuple[float, float]:
    """(total, median per item) of one call per id, then what must follow them (undos)."""
    reset(dsn, ids)
    each = []
    started = time.perf_counter()
    for gid in ids:
        one = time.perf_counter()
        action[2](wb, gid, shot)
        each.append(time.perf_counter() - one)
    action[3](wb, len(ids))
    return time.perf_counter() - started, statistics.median(each)


def count_round_trips(
    wb: Workbench, proxy: Proxy, dsn: str, ids: list[uuid.UUID], shot: Any, action: Action
) -> tuple[int, int]:
    reset(dsn, ids)
    wb.star(ids[:1])  # a warm pool connection: opening one is not the action's cost
    wb.undo()
    before = proxy.round_trips
    action[1](wb, ids, shot)
    bulk = proxy.round_trips - before
    reset(dsn, ids)
    before = proxy.round_trips
    for gid in ids:
        action[2](wb, gid, shot)
    action[3](wb, len(ids))
    return bulk, proxy.round_trips - before


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency-ms", type=float, default=40.0)
    parser.add_argument("--singles-with-latency", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["WORKBENCH_HOME"] = home  # the undo journal is written here, not in ~
        with small_demo() as (dsn, storage):
            run(dsn, storage, args.latency_ms / 1000, args.singles_with_latency)


def run(dsn: str, storage: Any, latency: float, singles_with_latency: int) -> None:
    with connect(dsn, storage=storage) as wb:
        project = wb.projects()[0]
        ids = make_items(dsn, project.id, N)
        shot = wb.create_shot(project, "bulk bench").id
        print(f"{N} items of project '{project.name}', each with one variant\n")
        print("straight to the server (unix socket), time:")
        for action in ACTIONS:
            bulk = time_bulk(wb, dsn, ids, shot, action, ROUNDS)
            total, each = time_singles(wb, dsn, ids, shot, action)
            print(f"  {action[0]:<14} bulk {ms(bulk)} (median of {ROUNDS})   "
                  f"{N} singles {ms(total)} (median {each * 1000:.2f} ms each)   "
                  f"ratio {total / bulk:6.1f}x", flush=True)  # fmt: skip

    print("\ndatabase round trips (counted by the proxy):")
    with through_proxy(dsn, storage, 0.0) as (wb, proxy):
        for action in ACTIONS:
            bulk_rt, singles_rt = count_round_trips(wb, proxy, dsn, ids, shot, action)
            print(f"  {action[0]:<14} bulk {bulk_rt:5d}   {N} singles {singles_rt:6d}   "
                  f"ratio {singles_rt / max(bulk_rt, 1):6.0f}x", flush=True)  # fmt: skip

    if latency <= 0:
        return
    few = ids[:singles_with_latency]
    print(f"\nthrough the proxy with {latency * 1000:.0f} ms added per round trip "
          f"(singles: {len(few)} measured, scaled to {N}):")  # fmt: skip
    with through_proxy(dsn, storage, latency / 2) as (wb, _):
        for action in ACTIONS:
            bulk = time_bulk(wb, dsn, ids, shot, action, 3)
            total, each = time_singles(wb, dsn, few, shot, action)
            scaled = total * N / len(few)
            print(f"  {action[0]:<14} bulk {ms(bulk)} (median of 3)   "
                  f"{N} singles ~{scaled:8.1f} s (median {each * 1000:.1f} ms each)   "
                  f"ratio {scaled / bulk:6.0f}x", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
