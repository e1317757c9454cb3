"""Opening connections and pools, with errors that say what to do.

psycopg's own messages are accurate but long and address a DBA; users of the workbench get
one line that names the server (password masked) and the likely fix.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import select
import time
import weakref
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeVar

import psycopg
from psycopg import conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from workbench.config import DEFAULT_DB_TIMEOUT_S, mask_dsn
from workbench.db.health import ConnectionHealth, short_reason
from workbench.errors import ConfigError, WorkbenchConnectionError, first_line

CONNECT_TIMEOUT_S = 5
RECONNECT_EVERY_S = 1.0  # the pool's longest wait between reconnection attempts
WAIT_SLICE_S = 0.1  # a request waiting for a connection checks the health this often
RECHECK_S = 1.0  # offline, an action waits this long at most for the probe's fresh attempt
T = TypeVar("T")


def parse_dsn(dsn: str) -> dict[str, Any]:
    try:
        return conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        raise ConfigError(
            f"the database DSN {mask_dsn(dsn)!r} is malformed ({first_line(exc)}); expected "
            f"e.g. postgresql://user:password@host:5432/dbname"
        ) from None


def _hint(message: str) -> str:
    lowered = message.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return "check the user name and password in the DSN"
    if "does not exist" in lowered and "database" in lowered:
        return "create the database or fix its name in the DSN"
    if "timeout" in lowered or "timed out" in lowered:
        return "the server did not answer: check the host, port and any firewall or VPN"
    if "connection refused" in lowered or "no such file" in lowered:
        return "nothing is listening there: is the server running, and are host and port right?"
    if "could not translate host name" in lowered:
        return "the host name does not resolve: check its spelling"
    return "check the DSN and that the server is running"


def connection_error(dsn: str, exc: BaseException) -> WorkbenchConnectionError:
    message = first_line(exc)
    return WorkbenchConnectionError(
        f"cannot connect to {mask_dsn(dsn)}: {message} ({_hint(message)})"
    )


def connect(dsn: str, **kwargs: Any) -> psycopg.Connection[Any]:
    """One connection, failing within ``CONNECT_TIMEOUT_S`` with a clear message."""
    parse_dsn(dsn)
    kwargs.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
    try:
        return psycopg.connect(dsn, **kwargs)
    except psycopg.OperationalError as exc:
        raise connection_error(dsn, exc) from None


def _has_input(conn: psycopg.Connection[Any]) -> bool:
    """Whether the server sent something to an idle connection, at no round trip's cost.

    An idle pooled connection hears nothing unless the server is ending it: a restart or
    ``pg_terminate_backend`` sends "terminating connection" and closes the socket. Without
    this, a connection used a moment before a restart would fail the first call after it.

    This is the only check before use. A ping is a round trip (40 ms to a remote database)
    paid by the call that follows; the pool used to ping a connection idle for over 2 s, so a
    page after a pause paid one or two. A connection cut silently (a dropped network) would
    hang a ping as long as the query itself (see ``_dead_peer``), so the ping bought nothing
    there: reads that meet a dead connection are retried on a fresh one
    (``run_idempotent``), and a write reports ``ConnectionLost``.
    """
    try:
        fd = conn.fileno()
    except psycopg.Error:
        return True
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
        return bool(poller.poll(0))
    readable, _, _ = select.select([fd], [], [], 0)  # Windows: no poll()
    return bool(readable)


class ConnectionLost(WorkbenchConnectionError):
    """A connection broke while in use (a server restart, a network drop): the work may or
    may not have reached the server. Reads are retried on a fresh connection; writes are
    not, and this reaches the caller."""


class WorkbenchPool(ConnectionPool):
    """A connection pool whose failures are ``WorkbenchConnectionError``s within seconds.

    psycopg's pool waits 30 s for a connection and then raises ``PoolTimeout``; a server
    restart surfaces as ``AdminShutdown`` on the next use of a pooled connection. Services use
    ``pool.connection()`` everywhere, so translating here covers every call: a request waits
    at most ``request_timeout`` and then says which database is unreachable, and a connection
    lost in use raises ``ConnectionLost``. Each outcome updates ``health``.
    """

    def __init__(
        self,
        dsn: str,
        *,
        health: ConnectionHealth,
        request_timeout: float,
        first: psycopg.Connection[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """``first``: a connection already made (``open_pool`` makes it to fail fast with its
        own message), which becomes the pool's first instead of a second one being opened.

        No ``reset`` callback: with one, psycopg_pool hands a returned connection back on a
        worker thread, so a call right after another finds the pool empty and opens a new
        connection (two round trips away) for nothing."""
        self.health = health
        self.request_timeout = request_timeout
        self._first = first
        kwargs.setdefault("name", f"workbench-{next(_POOL_NUMBERS)}")
        super().__init__(dsn, **kwargs)
        _POOLS[self.name] = self
        _quiet_pool_log()

    @contextlib.contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[psycopg.Connection[Any]]:
        conn = self._checkout(self.request_timeout if timeout is None else timeout)
        try:
            with conn:
                yield conn
        except psycopg.OperationalError as exc:
            if conn.broken:
                raise self._lost(exc) from exc
            raise
        finally:
            self.putconn(conn)
        if not conn.broken:
            self.health.succeeded()

    def close(self, timeout: float = 5.0) -> None:
        """Close the pool and stop the health's probe (nothing is left retrying)."""
        self.health.close()
        super().close(timeout)

    def _checkout(self, wait: float) -> psycopg.Connection[Any]:
        """A connection within ``wait`` seconds, pinged only when the server spoke to it while
        it was idle (it is ending it: ``_has_input``), which costs no round trip otherwise.

        Offline, it fails at once (``_refuse``): the pool has nothing to give, and waiting
        ``wait`` seconds to say so is what made a click in a notebook hang. A request made
        while online waits in short slices, so an outage noticed meanwhile (the pool's own
        connection attempt failing, the live-updates listener) ends the wait too.

        (Not psycopg_pool's ``check``: after each failed check it sleeps a second or more,
        so a restart that left a few dead connections in the pool made the first call time
        out. Here a dead one is dropped, and the next one tried, at once.)
        """
        deadline = time.monotonic() + wait
        self._refuse(deadline)
        while True:
            left = deadline - time.monotonic()
            try:
                conn = self.getconn(timeout=max(min(left, WAIT_SLICE_S), 0.001))
            except PoolTimeout:
                if time.monotonic() >= deadline:
                    raise self._timed_out(wait) from None
                self._refuse(deadline)
                continue
            if not _has_input(conn):
                return conn
            try:
                self.check_connection(conn)
            except psycopg.Error:
                self.putconn(conn)  # broken: the pool closes it and makes another
                continue
            return conn

    def _refuse(self, deadline: float) -> None:
        """Raise at once while the database is known not to answer; just after a failure
        ("reconnecting"), wait for the retry under way (a moment for a server that is down,
        connection refused; at most until ``deadline``). Offline, the health's probe tries
        once more now (``recheck``, at most ``RECHECK_S``): a refused connection is
        instant, and the first action after the database came back works."""
        if self.health.online:
            return
        state = self.health.settle(max(deadline - time.monotonic(), 0.0))
        if state == "offline":  # the probe tries now: refused at once, or back
            state = self.health.recheck(min(max(deadline - time.monotonic(), 0.0), RECHECK_S))
        if state == "online":
            return
        reason = self.health.last_error or "no answer"
        raise WorkbenchConnectionError(
            f"offline: the database at {self.health.where} does not answer ({reason}; "
            f"{_hint(reason)}); the workbench keeps trying and views reload once it is back"
        )

    def _connect(self, timeout: float | None = None) -> psycopg.Connection[Any]:
        """The connection ``open_pool`` made, the first time; a new one afterwards."""
        first, self._first = self._first, None
        if first is None or first.closed:
            return super()._connect(timeout)
        if self._configure:
            self._configure(first)
        self._set_connection_expiry_date(first)
        return first

    def _add_connection(self, attempt: Any, growing: bool = False) -> None:
        """psycopg_pool's background reconnection, with its backoff capped.

        The pool waits 1, 2, 4, 8 ... s between attempts (up to minutes): the database would
        be back long before the pool tried again, and every call meanwhile would time out.
        An attempt every ``RECONNECT_EVERY_S`` at most costs one connect a second in an
        outage and makes the first call after it work.
        """
        delay = getattr(attempt, "delay", None)
        if isinstance(delay, float) and delay > RECONNECT_EVERY_S / 2:
            attempt.delay = RECONNECT_EVERY_S / 2  # doubled after this attempt fails
        super()._add_connection(attempt, growing=growing)

    def _timed_out(self, wait: float) -> WorkbenchConnectionError:
        stats = self.get_stats()
        busy = stats.get("pool_size", 0) >= self.max_size and not stats.get("pool_available")
        if self.health.online and busy:
            return WorkbenchConnectionError(
                f"all {self.max_size} connections to the database {self.health.where} stayed "
                f"busy for {wait:g} s: a long export or upload may hold them; try again"
            )
        reason = self.health.last_error or f"no connection within {wait:g} s"
        self.health.failed(reason)
        return WorkbenchConnectionError(
            f"the database {self.health.where} is unreachable (no connection within "
            f"{wait:g} s; {reason}): {_hint(reason)}"
        )

    def _lost(self, exc: BaseException) -> ConnectionLost:
        reason = first_line(exc)
        self.health.failed(reason)
        return ConnectionLost(
            f"the connection to the database {self.health.where} was lost ({reason}); a "
            f"change being made may not have been saved: check it, then try again"
        )


_POOL_NUMBERS = itertools.count(1)
_POOLS: weakref.WeakValueDictionary[str, WorkbenchPool] = weakref.WeakValueDictionary()
# The pool's warnings about an outage, each once per failed attempt; demoted to DEBUG (still
# there for whoever logs psycopg at that level), their news told once by ``ConnectionHealth``.
_OUTAGE_MESSAGES = (
    "error connecting in ",
    "discarding broken connection",
    "discarding closed connection",
    "reconnection attempt in pool ",
)
_installed: list[logging.Filter] = []


class _PoolLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg
        if record.levelno < logging.WARNING or not isinstance(message, str):
            return True
        if not message.startswith(_OUTAGE_MESSAGES):
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        if message.startswith("error connecting in ") and len(args) == 2:
            pool = _POOLS.get(str(args[0]))
            if pool is None:
                return True  # someone else's pool: not ours to quieten
            pool.health.failed(short_reason(str(args[1])))
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def _quiet_pool_log() -> None:
    """Keep psycopg_pool's own log off stderr, once per process.

    Its outage warnings are demoted to DEBUG (``_PoolLogFilter``: the health tells the news
    once). And a ``NullHandler`` on ``psycopg.pool`` means none of its records reaches
    Python's last-resort handler, which prints to stderr when nothing is configured: in a
    notebook kernel that stderr is JupyterLab's log console or a cell's output, where a
    user read pool internals ("rolling back returned connection", "error resetting
    connection") for what the status line already says. An application that configures
    logging still gets every record (they propagate to its handlers); the workbench's own
    warnings (``workbench.*``) are untouched and still reach a REPL's stderr.
    """
    if not _installed:
        _installed.append(_PoolLogFilter())
        pool_log = logging.getLogger("psycopg.pool")
        pool_log.addFilter(_installed[0])
        pool_log.addHandler(logging.NullHandler())


def open_pool(
    dsn: str, *, max_size: int = 8, timeout: float = DEFAULT_DB_TIMEOUT_S
) -> WorkbenchPool:
    """A pool that has proved it can connect: its first connection is made here, before the
    pool exists (a failure says what to do, at once), and the others only when calls overlap.

    ``timeout`` bounds every later wait for a connection (``database.timeout``): with the
    database down a call fails after it with ``WorkbenchConnectionError``, not after 30 s.
    """
    connect_timeout = max(2, math.ceil(timeout))  # libpq: whole seconds, at least 2
    options = {"connect_timeout": connect_timeout, "autocommit": True, **_dead_peer(timeout)}
    first = connect(dsn, **options)  # fail fast with our message
    health = ConnectionHealth(mask_dsn(dsn), probe=partial(_probe, dsn, connect_timeout))
    try:
        pool = WorkbenchPool(
            dsn,
            health=health,
            request_timeout=timeout,
            first=first,
            min_size=1,
            max_size=max_size,
            kwargs=options,
            open=False,
            # Every new connection, the pool's background reconnections too, proves the
            # database answers again.
            configure=lambda _conn: health.succeeded(),
        )
        pool.open(wait=True, timeout=connect_timeout * 2)
    except BaseException:
        first.close()
        raise
    return pool


def _probe(dsn: str, connect_timeout: int) -> None:
    """One connection attempt, closed at once: whether the database answers again (the
    health's probe while offline; not the pool, which would queue a reconnection loop)."""
    psycopg.connect(dsn, connect_timeout=connect_timeout, autocommit=True).close()


def _dead_peer(timeout: float) -> dict[str, int]:
    """libpq options that make a silently dropped network an error, not a hang.

    A restart closes the socket and is noticed at once; a dropped network (a VPN going down,
    a laptop lid) leaves it open, and a ping sent on it would wait for the kernel's TCP
    timeout, a quarter of an hour. Unacknowledged data fails after ``tcp_user_timeout``
    (never less than 10 s: a slow link must not look dead); keepalives notice it while idle.
    (TCP only: libpq ignores them on a unix socket.)
    """
    if psycopg.pq.version() < 120000:  # tcp_user_timeout is libpq 12's
        return {}
    return {
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
        "tcp_user_timeout": int(max(10.0, 2 * timeout) * 1000),
    }


def ensure_database(server_dsn: str, name: str, *, template: str | None = None) -> str:
    """Create database ``name`` on the server unless it exists; returns its DSN."""
    from psycopg import errors, sql

    with connect(server_dsn, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template:
                statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
            with contextlib.suppress(errors.DuplicateDatabase):  # another process won the race
                conn.execute(statement)
    return conninfo.make_conninfo(server_dsn, dbname=name)


def run_idempotent(pool: ConnectionPool, work: Callable[[psycopg.Connection[Any]], T]) -> T:
    """Run ``work`` on a pooled connection, once more on a fresh one if that one was dead.

    After a server restart a pooled connection fails on first use; the pool discards it. Only
    for work that is safe to repeat (reads, merges of the same fields).
    """
    for attempt in (1, 2, 3):
        with pool.connection() as conn:
            try:
                return work(conn)
            except psycopg.OperationalError:
                if attempt == 3 or not conn.broken:
                    raise
    raise AssertionError("unreachable")


def stream_idempotent(
    pool: ConnectionPool, work: Callable[[psycopg.Connection[Any]], Iterator[T]]
) -> Iterator[T]:
    """``run_idempotent`` for a stream: retried on a fresh connection only while nothing
    was yielded yet (a caller that has rows must not get them twice)."""
    for attempt in (1, 2, 3):
        yielded = False
        with pool.connection() as conn:
            try:
                for item in work(conn):
                    yielded = True
                    yield item
                return
            except psycopg.OperationalError:
                if attempt == 3 or yielded or not conn.broken:
                    raise
    raise AssertionError("unreachable")
