"""Round trips of connecting and of the settings actions, counted through the latency proxy
(``benchmarks/latency_proxy.py``) against the real server (issue 17, target 1).

A user 40 ms from the database waits 40 ms per round trip, so these counts are the latency
budget: ``connect()`` is one connection and one statement (a connection's start-up is two
round trips: the SSL request and the start-up message); opening a settings handle is one
statement (the live-update check and connection are made once per workbench); an edit reaches
"saved" in one statement; nothing pings a pooled connection before using it. The times are
``benchmarks/latency_bench.py``'s; here the proxy adds no delay and only counts.
"""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from upload_setup import Setup, make_setup
from waiting import wait_until

import workbench
from workbench.db.schema import MIGRATIONS_TABLE, inspect, inspect_for_startup
from workbench.settings.handle import SettingsHandle
from workbench.startup import connect
from workbench.storage import LocalStorage

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from latency_proxy import LatencyProxy

TOOL = "travel-between-images"
STARTUP = 2  # SSL request + start-up message: every new TCP connection
PING = b"Q\x00\x00\x00\x05\x00"  # an empty query: what a pool's "check" sends


@pytest.fixture
def proxy(db_dsn: str) -> Iterator[LatencyProxy]:
    with LatencyProxy.for_dsn(db_dsn, trace=True) as counting:
        yield counting


def statements(proxy: LatencyProxy) -> list[bytes]:
    """The traced round trips that are not a connection's start-up."""
    assert proxy.trace is not None
    return [data for _, data in proxy.trace if data[:1] in (b"P", b"Q", b"B")]


def test_connect_and_settings_round_trips(db_dsn: str, proxy: LatencyProxy, tmp_path: Path) -> None:
    setup = make_setup(db_dsn)
    dsn = proxy.dsn(db_dsn)
    store = LocalStorage(tmp_path / "assets")

    # connect(): one connection, one statement (schema, user, live-update triggers).
    wb = connect(dsn, storage=store, user_id=setup.user)
    try:
        assert (proxy.connections, proxy.round_trips) == (1, STARTUP + 1), proxy.trace
        assert wb.user_id == setup.user
        assert wb.schema.kind == "ours"
        assert wb.schema.has("shots", "updated_at")
        assert wb.live_triggers is True

        # Calls one after another share the one connection: none is opened behind them, and
        # none is pinged first.
        proxy.reset()
        assert [p.id for p in wb.projects()] == [setup.project, setup.second_project]
        assert [s.id for s in wb.shots(setup.project)] == [setup.shot]
        assert proxy.connections == 0
        assert proxy.round_trips == 2, proxy.trace

        # Opening a settings handle: its layers in one statement. The first one also sets up
        # live updates (once per workbench: its connection, its LISTEN).
        proxy.reset()
        handle = wb.settings_handle(TOOL, shot_id=setup.shot)
        # The listener's LISTEN follows its connection on a thread of its own: on a loaded
        # machine it came after a short quiet spell and was counted as the next call's.
        wait_until(lambda: wb.live, what="live updates listening")
        proxy.quiet()
        assert proxy.connections <= 1
        first = statements(proxy)
        assert sum(b"settings -> " in s for s in first) == 1, first
        proxy.reset()
        again = wb.settings_handle(TOOL, project_id=setup.project)
        assert (proxy.connections, proxy.round_trips) == (0, 1), proxy.trace
        again.close()

        # An edit reaches "saved" in one statement (the write returns the value it stored).
        wb.settings_service.queue.delay = 0.0
        proxy.quiet()
        proxy.reset()
        saved = threading.Event()
        at_saved: list[list[bytes]] = []

        def heard(h: SettingsHandle) -> None:
            if h.status == "saved" and not saved.is_set():
                at_saved.append(statements(proxy))
                saved.set()

        handle.subscribe(heard)
        handle.set("amountOfMotion", 73)
        assert saved.wait(10), handle.error
        writes = [s for s in at_saved[0] if b"UPDATE" in s]
        others = [s for s in at_saved[0] if b"UPDATE" not in s]
        assert len(writes) == 1, at_saved
        # (the only other statement possible: the handle re-reading after our own change's
        # notification, on another thread, racing the write's answer)
        assert all(b"settings -> " in s for s in others), others
        assert handle.values["amountOfMotion"] == 73
        handle.close()
        assert wb.settings(TOOL, shot_id=setup.shot).values["amountOfMotion"] == 73
        assert wb.settings(TOOL, shot_id=setup.shot).provenance["amountOfMotion"] == "shot"
        assert wb.history()[0].kind == "settings"  # recorded for undo, as before

        proxy.reset()
        wb.update_settings("project", setup.project, TOOL, {"amountOfMotion": 40})
        assert [b"UPDATE" in s for s in statements(proxy)] == [True]
    finally:
        wb.close()
    assert PING not in [data[: len(PING)] for _, data in proxy.trace or []]

    # Without a configured user and two in the database: still one statement, no user.
    proxy.reset()
    with connect(dsn, storage=store) as anonymous:
        assert (proxy.connections, proxy.round_trips) == (1, STARTUP + 1)
        with pytest.raises(workbench.ConfigError, match="several users"):
            anonymous.user_id  # noqa: B018
    # A configured user that does not exist: refused after the same one statement.
    proxy.reset()
    with pytest.raises(workbench.NotFoundError, match="does not exist"):
        connect(dsn, storage=store, user_id=uuid.uuid4())
    assert (proxy.connections, proxy.round_trips) == (1, STARTUP + 1)


def test_startup_inspection_matches_inspect_on_every_kind_of_database(
    db_dsn: str, empty_dsn: str
) -> None:
    """``inspect_for_startup`` (one statement, tried again without the tables that are
    missing) reads what ``inspect`` and ``information_schema`` read, on our schema, a Reigh
    schema (no migrations table) and an empty database."""
    setup: Setup = make_setup(db_dsn)

    def information_schema(conn: psycopg.Connection[Any]) -> dict[str, frozenset[str]]:
        found: dict[str, set[str]] = {}
        for table, column in conn.execute(
            "SELECT table_name::text, column_name::text FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        ):
            found.setdefault(str(table), set()).add(str(column))
        return {t: frozenset(c) for t, c in found.items()}

    with psycopg.connect(db_dsn, autocommit=True) as conn:
        ours = inspect_for_startup(conn, setup.user)
        assert ours.schema == inspect(conn)
        assert ours.schema.kind == "ours"
        assert ours.triggers
        assert ours.users == (str(setup.user),)
        viewed = information_schema(conn)
        assert all(viewed[t] == cols for t, cols in ours.schema.columns.items())
        assert len(inspect_for_startup(conn).users or ()) == 2  # the first two: ambiguous

        conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(MIGRATIONS_TABLE)))
        reigh = inspect_for_startup(conn, None)
        assert reigh.schema == inspect(conn)
        assert reigh.schema.kind == "reigh"
        assert reigh.users is not None
        assert len(reigh.users) == 2

    with psycopg.connect(empty_dsn, autocommit=True) as conn:
        empty = inspect_for_startup(conn, None)
        assert empty.schema == inspect(conn)
        assert (empty.schema.kind, empty.users, empty.triggers) == ("empty", None, False)
        conn.autocommit = False  # inside a transaction, a failed try must not abort it
        assert inspect_for_startup(conn, None).schema.kind == "empty"
        conn.execute("SELECT 1")
        conn.rollback()
