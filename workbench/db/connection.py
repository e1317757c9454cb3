"""Opening connections and pools, with errors that say what to do.

psycopg's own messages are accurate but long and address a DBA; users of the workbench get
one line that names the server (password masked) and the likely fix.
"""

from __future__ import annotations

import contextlib
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
from psycopg import conninfo
from psycopg_pool import ConnectionPool

from workbench.config import mask_dsn
from workbench.errors import ConfigError, WorkbenchConnectionError, first_line

CONNECT_TIMEOUT_S = 5
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


class _IdleCheck:
    """Ping a pooled connection before reuse only when it sat idle for a while.

    A ping is a full round trip: paying it on every checkout would double the latency of
    every call against a remote database. A connection used a moment ago is alive; one idle
    for seconds may have been cut (server restart, network), so only that one is checked.
    """

    def __init__(self, idle_seconds: float = 2.0) -> None:
        self.idle_seconds = idle_seconds
        self._returned: weakref.WeakKeyDictionary[psycopg.Connection[Any], float] = (
            weakref.WeakKeyDictionary()
        )

    def returned(self, conn: psycopg.Connection[Any]) -> None:
        self._returned[conn] = time.monotonic()

    def check(self, conn: psycopg.Connection[Any]) -> None:
        last = self._returned.get(conn)
        if last is None or time.monotonic() - last > self.idle_seconds:
            ConnectionPool.check_connection(conn)


def open_pool(dsn: str, *, max_size: int = 8) -> ConnectionPool:
    """A pool that has proved it can connect; the first connection is made eagerly."""
    connect(dsn).close()  # fail fast with our message rather than a pool timeout
    idle = _IdleCheck()
    pool = ConnectionPool(
        dsn,
        min_size=1,
        max_size=max_size,
        kwargs={"connect_timeout": CONNECT_TIMEOUT_S, "autocommit": True},
        open=False,
        name="workbench",
        check=idle.check,
        reset=idle.returned,
    )
    pool.open(wait=True, timeout=CONNECT_TIMEOUT_S * 2)
    return pool


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
