"""A TCP proxy that puts a chosen network latency between the workbench and PostgreSQL, and
counts the round trips that cross it.

The benchmarks otherwise talk to a local unix socket, where a round trip costs a few
microseconds and ten of them go unnoticed. A user sits 20-100 ms from their Supabase database:
there every round trip is felt. This proxy makes that visible, in tests (round-trip counts) and
in ``latency_bench.py`` (times)::

    with LatencyProxy.for_dsn(base_dsn, delay_ms=40) as proxy:
        wb = workbench.connect(proxy.dsn(base_dsn))
        proxy.reset()
        wb.generations(project)
        print(proxy.round_trips, proxy.connections)

What is counted. A *round trip* is a client "turn" that waits for the server: the first message
a connection sends, and every later send that follows something the server sent since the
client's previous send. So a pipeline (several statements written before reading) is one round
trip, and so is a statement whose reply arrives in several packets. A connection's closing
message (``Terminate``) waits for nothing and is not counted; the connection's own start-up is
(libpq's SSL request, then its start-up message: two round trips on a TCP connection with the
default ``sslmode=prefer``). ``connections`` counts the connections opened through the proxy.

How the delay is applied. Bytes read from either side are held until their delivery time
(arrival + the one-way delay) and then written in order, so the link has latency but no
bandwidth limit: a pipeline pays the delay once, as on a real network. ``split="half"`` puts
half the round-trip delay on each direction; ``split="reply"`` all of it on the server's
answer. Opening a connection pays one more round trip (the TCP handshake) before its first
bytes go through, unless ``handshake=False``.

The target is a TCP host and port, or a unix socket directory and port (as libpq names them:
``host=/path/to/dir port=5432`` is the socket ``/path/to/dir/.s.PGSQL.5432``), which is how the
embedded PostgreSQL listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal

from psycopg import conninfo

Split = Literal["half", "reply"]
_TERMINATE = b"X\x00\x00\x00\x04"  # the frontend's Terminate message: nothing answers it
_FLUSH = b"H\x00\x00\x00\x04"  # the frontend's Flush message alone
_CHUNK = 65536


@dataclass
class ConnectionStats:
    """One proxied connection: its round trips and the bytes each way."""

    number: int
    round_trips: int = 0
    sent: int = 0  # client -> server bytes
    received: int = 0  # server -> client bytes
    server_spoke: bool = True  # since the client's last send (True: the first send counts)
    closed: bool = False


@dataclass
class Snapshot:
    """The proxy's counters at one moment (``LatencyProxy.snapshot``)."""

    round_trips: int
    connections: int
    per_connection: list[int] = field(default_factory=list)


class LatencyProxy:
    """A latency-adding, round-trip-counting TCP proxy on ``127.0.0.1`` (see the module).

    It runs an asyncio loop on a thread of its own from ``start()`` (or ``with``) until
    ``stop()``; the counters are read from any thread.
    """

    def __init__(
        self,
        target_host: str,
        target_port: int = 5432,
        *,
        delay_ms: float = 0.0,
        split: Split = "half",
        handshake: bool = True,
        trace: bool = False,
    ) -> None:
        self.target_host = target_host
        self.target_port = int(target_port)
        self.delay_ms = float(delay_ms)
        self.split: Split = split
        self.handshake = handshake
        # With ``trace``, each round trip's connection number and first bytes (what a test
        # prints when a count is not what it expected).
        self.trace: list[tuple[int, bytes]] | None = [] if trace else None
        self.port = 0  # the proxy's own port, once started
        self._lock = threading.Lock()
        self._stats: list[ConnectionStats] = []
        self._round_trips = 0
        self._connections = 0
        self._opened = 0  # ever, to number them (not reset)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @classmethod
    def for_dsn(cls, dsn: str, **options: Any) -> LatencyProxy:
        """A proxy to the server ``dsn`` names (its first host and port)."""
        params = conninfo.conninfo_to_dict(dsn)
        host = str(params.get("host") or params.get("hostaddr") or "/tmp").split(",")[0]
        port = int(str(params.get("port") or 5432).split(",")[0])
        return cls(host, port, **options)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> LatencyProxy:
        """Listen (on a free port of 127.0.0.1) and relay until ``stop()``."""
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="latency-proxy", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise RuntimeError(f"the latency proxy did not start: {self._error}")
        return self

    def stop(self) -> None:
        """Close the listening socket and every relayed connection, and end the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop ended already
            loop.call_soon_threadsafe(self._shutdown)
        thread.join(10)
        self._thread = None

    def __enter__(self) -> LatencyProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return (
            f"<LatencyProxy :{self.port} -> {self.target_host}:{self.target_port} "
            f"{self.delay_ms:g} ms, {self.round_trips} round trips, "
            f"{self.connections} connections>"
        )

    # -- what tests and benchmarks use -----------------------------------------------------
    def dsn(self, base_dsn: str) -> str:
        """``base_dsn`` (its user, database and options) pointed at this proxy."""
        if not self.port:
            raise RuntimeError("start the proxy first")
        params = conninfo.conninfo_to_dict(base_dsn)
        params.pop("hostaddr", None)
        params.update(host="127.0.0.1", port=str(self.port))
        return conninfo.make_conninfo("", **params)

    @property
    def round_trips(self) -> int:
        """Round trips since the start or the last ``reset()``, over every connection."""
        with self._lock:
            return self._round_trips

    @property
    def connections(self) -> int:
        """Connections opened since the start or the last ``reset()``."""
        with self._lock:
            return self._connections

    @property
    def open_connections(self) -> int:
        """Connections relayed right now."""
        with self._lock:
            return sum(not s.closed for s in self._stats)

    def snapshot(self) -> Snapshot:
        """The counters now, with the round trips of each connection opened since ``reset``."""
        with self._lock:
            return Snapshot(
                self._round_trips, self._connections, [s.round_trips for s in self._stats]
            )

    def reset(self) -> None:
        """Count from zero again (connections already open carry on, counted from now)."""
        with self._lock:
            self._round_trips = 0
            self._connections = 0
            self._stats = [s for s in self._stats if not s.closed]
            if self.trace is not None:
                self.trace.clear()
            for stats in self._stats:
                stats.round_trips = 0

    def quiet(self, idle: float = 0.05, timeout: float = 5.0) -> bool:
        """Wait until no round trip was counted for ``idle`` seconds (background work such as
        a pool filling up has settled); False if ``timeout`` ran out first."""
        deadline = time.monotonic() + timeout
        last, since = self.round_trips, time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(idle / 5)
            now = self.round_trips
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= idle:
                return True
        return False

    # -- the loop --------------------------------------------------------------------------
    @property
    def _one_way(self) -> tuple[float, float]:
        """(client -> server, server -> client) delays in seconds."""
        total = self.delay_ms / 1000
        return (total / 2, total / 2) if self.split == "half" else (0.0, total)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._serve, "127.0.0.1", 0)
            )
            self.port = self._server.sockets[0].getsockname()[1]
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        assert self._loop is not None
        loop = self._loop

        async def finish() -> None:
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            loop.stop()

        loop.create_task(finish())

    async def _open_target(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.target_host.startswith("/"):
            path = f"{self.target_host}/.s.PGSQL.{self.target_port}"
            return await asyncio.open_unix_connection(path)
        reader, writer = await asyncio.open_connection(self.target_host, self.target_port)
        _no_delay(writer)
        return reader, writer

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        _no_delay(client_w)
        with self._lock:
            self._connections += 1
            self._opened += 1
            stats = ConnectionStats(self._opened)
            self._stats.append(stats)
        server_w: asyncio.StreamWriter | None = None
        try:
            server_r, server_w = await self._open_target()
            up, down = self._one_way
            hold = self.delay_ms / 1000 if self.handshake else 0.0  # SYN, SYN-ACK
            relays = [
                asyncio.ensure_future(self._relay(client_r, server_w, up, stats, True, hold)),
                asyncio.ensure_future(self._relay(server_r, client_w, down, stats, False, 0.0)),
            ]
            try:
                # Either side closing ends the connection (as a network would tell the other).
                await asyncio.wait(relays, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for relay in relays:
                    relay.cancel()
                await asyncio.gather(*relays, return_exceptions=True)
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            with self._lock:
                stats.closed = True
            for writer in (client_w, server_w):
                if writer is not None:
                    with contextlib.suppress(Exception):
                        writer.close()
            self._tasks.discard(task)

    async def _relay(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        delay: float,
        stats: ConnectionStats,
        from_client: bool,
        hold: float,
    ) -> None:
        """Copy ``reader`` to ``writer``, each chunk delivered ``delay`` after it arrived (the
        first one ``hold`` later still), counting the client's turns."""
        queue: deque[tuple[float, bytes]] = deque()
        arrived = asyncio.Event()
        ended = False

        async def deliver() -> None:
            while True:
                while not queue:
                    if ended:
                        return
                    arrived.clear()
                    await arrived.wait()
                due, data = queue.popleft()
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()

        delivering = asyncio.ensure_future(deliver())
        first = True
        try:
            while True:
                data = await reader.read(_CHUNK)
                if not data:
                    break
                now = time.monotonic()
                self._count(stats, data, from_client)
                queue.append((now + delay + (hold if first else 0.0), data))
                first = False
                arrived.set()
            ended = True
            arrived.set()
            await delivering
        finally:
            delivering.cancel()
            with contextlib.suppress(BaseException):
                await delivering

    def _count(self, stats: ConnectionStats, data: bytes, from_client: bool) -> None:
        with self._lock:
            if from_client:
                stats.sent += len(data)
                if data == _FLUSH:
                    return  # asks the server to send what it has: not a request of its own
                if stats.server_spoke and data != _TERMINATE:
                    stats.round_trips += 1
                    self._round_trips += 1
                    if self.trace is not None:
                        self.trace.append((stats.number, data[:120]))
                stats.server_spoke = False
            else:
                stats.received += len(data)
                stats.server_spoke = True


def _no_delay(writer: asyncio.StreamWriter) -> None:
    """No Nagle on our TCP sockets: a small message held back for an ACK would add up to the
    kernel's delayed-ACK time (40 ms) to a round trip that is not the link's."""
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
