"""Live updates: database NOTIFY events become cache invalidations.

A daemon thread LISTENs on its own connection; events arriving within 100 ms are batched (as
Reigh does) and each maps to the narrowest cache prefixes: a generation's project gallery and
the shots it is in, a shot's gallery, one scope's settings. NOTIFY is at-most-once: after a
lost connection the listener reconnects with backoff and invalidates everything subscribers
show, because whatever happened meanwhile was not heard.

Without our triggers (a Reigh database without the extras) there is nothing to hear: ``live``
stays False, and ``workbench.polling`` asks for what is shown every few seconds instead,
mapping what it finds through ``prefixes_for`` as if a trigger had told it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg import sql

from workbench import keys
from workbench.cache import QueryCache
from workbench.db.health import ConnectionHealth, short_reason

log = logging.getLogger(__name__)
CHANNEL = "workbench_changes"


def prefixes_for(event: dict[str, Any]) -> set[tuple[Any, ...]]:
    """The cache prefixes one change event makes stale."""
    found: set[tuple[Any, ...]] = set()

    def ids(value: Any) -> Iterable[uuid.UUID]:
        values = value if isinstance(value, list) else [value]
        for item in values:
            try:
                yield uuid.UUID(str(item))
            except ValueError:
                continue

    table = event.get("table")
    for project in ids(event.get("project")):
        if table in ("generations", "generation_variants", "shot_generations", "shots"):
            found.add(keys.gallery("project", project))  # also its shot counts
        if table == "projects":
            found.add(keys.settings("project", project))
        if table in ("shots", "projects"):
            found.add(keys.shots(project))
    for shot in ids(event.get("shots", [])):
        found.add(keys.gallery("shot", shot))
    for shot in ids(event.get("shot")):
        found.add(keys.settings("shot", shot))
        found.add(keys.gallery("shot", shot))
    for user in ids(event.get("user")):
        if table == "users":
            found.add(keys.settings("user", user))
    return found


class RealtimeListener:
    """Turns ``workbench_changes`` notifications into cache invalidations, reconnecting.

    Through an outage it keeps trying, with backoff up to 10 s, and reports what it finds to
    ``health`` (the workbench's online/offline state), so a front end shows "offline" even
    while nobody calls, and hears when the database is back.
    """

    def __init__(
        self,
        dsn: str,
        cache: QueryCache,
        *,
        batch_window: float = 0.1,
        health: ConnectionHealth | None = None,
        connect_timeout: int = 5,
    ) -> None:
        self._dsn = dsn
        self._cache = cache
        self._window = batch_window
        self._health = health
        self._connect_timeout = connect_timeout
        self._stop = threading.Event()
        self._conn: psycopg.Connection[Any] | None = None
        self.live = False
        self.reconnects = 0
        self._thread = threading.Thread(target=self._run, name="workbench-realtime", daemon=True)

    def start(self) -> RealtimeListener:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def backend_pid(self) -> int | None:
        """The listening connection's server process (tests kill it to simulate a drop)."""
        conn = self._conn
        return conn.info.backend_pid if conn is not None and not conn.closed else None

    def _run(self) -> None:
        delay = 0.2
        first = True
        interrupted = False  # logged once per outage, not once per attempt
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._dsn, autocommit=True, connect_timeout=self._connect_timeout
                ) as conn:
                    self._conn = conn
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
                    self.live = True
                    if self._health is not None:
                        self._health.succeeded()
                    if interrupted:
                        log.info("workbench: live updates resumed")
                        interrupted = False
                    if not first:
                        self.reconnects += 1
                        self._cache.invalidate(())  # what happened while away was not heard
                    first, delay = False, 0.2
                    self._listen(conn)
            except psycopg.Error as exc:
                if self._stop.is_set():
                    break
                if not interrupted:
                    log.info("workbench: live updates interrupted (%s); reconnecting", exc)
                    interrupted = True
                if self._health is not None:
                    self._health.failed(short_reason(str(exc)) or type(exc).__name__)
            finally:
                self._conn = None
                self.live = False
            self._stop.wait(delay)
            delay = min(delay * 2, 10.0)

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        pending: set[tuple[Any, ...]] = set()
        deadline: float | None = None
        while not self._stop.is_set():
            timeout = 0.5 if deadline is None else max(0.0, deadline - time.monotonic())
            # The first event of a batch ends the wait at once (it starts the batch window);
            # within a window, events are gathered until it closes.
            stop_after = 1 if deadline is None else 256
            for note in conn.notifies(timeout=timeout, stop_after=stop_after):
                try:
                    event = json.loads(note.payload)
                except json.JSONDecodeError:
                    continue
                pending |= prefixes_for(event)
                if deadline is None:
                    deadline = time.monotonic() + self._window
            if deadline is not None and time.monotonic() >= deadline:
                for prefix in pending:
                    self._cache.invalidate(prefix)
                pending.clear()
                deadline = None


def triggers_installed(conn: psycopg.Connection[Any]) -> bool:
    """Whether the database has our NOTIFY triggers (extras/0003_realtime_notify.sql)."""
    row = conn.execute(
        "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'workbench_notify_%'"
    ).fetchone()
    return bool(row and row[0] >= 3)
