"""An outage is one log line per state change, not one per reconnection attempt (issue 14.10).

psycopg's pool warns on logger ``psycopg.pool`` at every failed attempt; with no logging
configured Python prints each warning to stderr. The workbench's pools demote those records
to DEBUG (still there for whoever asks for them) and ``ConnectionHealth`` says "unreachable"
once, then "reachable again" once. (The real outage, through a subprocess's stderr, is in
tests/faults/test_db_outage.py.)
"""

from __future__ import annotations

import logging

import pytest

from workbench.db.connection import WorkbenchPool
from workbench.db.health import ConnectionHealth

POOL_LOG = logging.getLogger("psycopg.pool")
REFUSED = (
    'connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused'
    "\n\tIs the server running on that host and accepting TCP/IP connections?"
)


def test_repeated_failures_are_one_warning_and_recovery_one_more(
    caplog: pytest.LogCaptureFixture,
) -> None:
    health = ConnectionHealth("host=db.example dbname=x")
    heard: list[bool] = []
    health.changed.add(heard.append)
    with caplog.at_level(logging.DEBUG):
        for _ in range(20):
            health.failed("Connection refused")
        assert health.state == "offline"
        for _ in range(5):
            health.succeeded()
    assert health.state == "online"
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "workbench: the database host=db.example dbname=x is unreachable (Connection refused); "
        "retrying in the background",
        "workbench: the database host=db.example dbname=x is reachable again",
    ]


def test_the_pools_attempt_warnings_are_demoted_and_reported_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    health = ConnectionHealth("host=127.0.0.1 port=1")
    pool = WorkbenchPool("host=127.0.0.1 port=1", health=health, request_timeout=1.0, open=False)
    with caplog.at_level(logging.DEBUG):
        for _ in range(10):
            POOL_LOG.warning("error connecting in %r: %s", pool.name, REFUSED)
        POOL_LOG.warning("discarding closed connection: %s", "<psycopg.Connection [BAD]>")
        POOL_LOG.warning("error connecting in %r: %s", "someone-elses-pool", REFUSED)
    assert health.state == "offline"
    assert health.last_error == "Connection refused"
    shown = [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    assert shown == [
        (
            "workbench.db.health",
            "workbench: the database host=127.0.0.1 port=1 is unreachable (Connection "
            "refused); retrying in the background",
        ),
        ("psycopg.pool", f"error connecting in 'someone-elses-pool': {REFUSED}"),
    ]
    demoted = [r for r in caplog.records if r.name == "psycopg.pool" and r.levelno == logging.DEBUG]
    assert len(demoted) == 11
