"""The database goes down and comes back (issue 14, points 9 and 10).

With it down, a call fails within ``database.timeout`` with a ``workbench.ConnectionError``
that names the database, not after psycopg's 30 s with a ``PoolTimeout``; after a restart,
reads work on the first call (a stale pooled connection is never handed out, and a read that
meets one is retried), while a write that lost its connection is reported, never replayed.
The pool's per-attempt warnings do not reach stderr: one line per state change does.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from upload_setup import Setup
from waiting import wait_until

import workbench
from workbench.client import Workbench
from workbench.config import mask_dsn
from workbench.startup import connect
from workbench.storage import LocalStorage
from workbench.widgets import Gallery

TIMEOUT_S = 2.0  # database.timeout in these tests
HANG_GUARD_S = 15.0  # far below psycopg's 30 s wait: "does not hang", not a speed claim


@pytest.fixture
def wb(
    fault_dsn: str, setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Workbench]:
    monkeypatch.setenv("WORKBENCH_DB_TIMEOUT", str(TIMEOUT_S))
    with connect(fault_dsn, storage=LocalStorage(tmp_path / "assets"), user_id=setup.user) as w:
        yield w


def first_generation(wb: Workbench, setup: Setup) -> uuid.UUID:
    return wb.generations(setup.project).items[0].id


def links(dsn: str, shot: uuid.UUID) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM shot_generations WHERE shot_id = %s", (shot,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_a_call_with_the_database_down_fails_within_the_timeout_naming_it(
    wb: Workbench, setup: Setup, fault_pg: Any, fault_dsn: str
) -> None:
    wb.generations(setup.project)
    assert wb.connection_state == "online"
    fault_pg.stop()

    started = time.monotonic()
    with pytest.raises(workbench.ConnectionError) as caught:
        wb.generations(setup.project, fresh=True)
    assert time.monotonic() - started < HANG_GUARD_S
    message = str(caught.value)
    assert "does not answer" in message or "unreachable" in message
    assert mask_dsn(fault_dsn) in message  # which database
    assert isinstance(caught.value, workbench.WorkbenchError)
    assert wb.connection_state == "offline"  # the retry under way failed too

    for call in (
        lambda: list(wb.iter_generations(setup.project)),
        lambda: wb.settings("travel-between-images", project_id=setup.project),
        wb.projects,
    ):
        started = time.monotonic()
        with pytest.raises(workbench.ConnectionError, match=r"^offline: .* does not answer"):
            call()
        assert time.monotonic() - started < 1.0  # offline: at once, no pool wait


def test_reads_after_a_restart_work_on_the_first_call(
    wb: Workbench, setup: Setup, fault_pg: Any
) -> None:
    wb.generations(setup.project)
    assert len(list(wb.iter_generations(setup.project))) == 5
    wb.settings("travel-between-images", project_id=setup.project)

    reads = {
        "generations(fresh=True)": lambda: wb.generations(setup.project, fresh=True).total,
        "iter_generations": lambda: len(list(wb.iter_generations(setup.project))),
        "settings": lambda: wb.settings("travel-between-images", project_id=setup.project),
        "shot_generations": lambda: list(wb.shot_generations([setup.shot])) is not None,
    }
    for name, read in reads.items():  # each one the first call after a restart
        with wb.pool.connection(), wb.pool.connection(), wb.pool.connection():
            pass  # several idle connections, as after concurrent use: all dead after it
        fault_pg.stop()
        fault_pg.start()
        assert read(), name
        assert wb.connection_state == "online"


def test_reads_after_the_pool_connections_are_killed_work(
    wb: Workbench, setup: Setup, fault_dsn: str
) -> None:
    """The server stays up, but every pooled connection was ended (a failover, a pooler
    restart): the next read and the next write both work on the first call."""
    gid = first_generation(wb, setup)
    with psycopg.connect(fault_dsn, autocommit=True) as admin:
        ended = [
            pid
            for (pid,) in admin.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ]
        admin.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) pid", (ended,))
        # pg_terminate_backend only signals: wait until those backends have said goodbye, as
        # a failover long over would have (a write racing the kill itself may fail: it is
        # never retried).
        wait_until(
            lambda: (
                not admin.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = ANY(%s)", (ended,)
                ).fetchone()
            ),
            what="the ended backends to exit",
        )
    wb.star(gid)  # a write first: writes are never retried, so it must get a live one
    assert wb.generations(setup.project, fresh=True).items[0].starred


def test_a_write_during_an_outage_fails_and_is_applied_once_after_it(
    wb: Workbench, setup: Setup, fault_pg: Any, fault_dsn: str
) -> None:
    gid = first_generation(wb, setup)
    before = links(fault_dsn, setup.shot)
    fault_pg.stop()

    started = time.monotonic()
    with pytest.raises(workbench.ConnectionError, match=r"unreachable|does not answer"):
        wb.add_to_shot(gid, setup.shot)
    assert time.monotonic() - started < HANG_GUARD_S
    with pytest.raises(workbench.ConnectionError):
        wb.star(gid)
    page = wb.generations(setup.project)  # cached: the optimistic change was rolled back
    assert not page.items[0].starred

    fault_pg.start()
    assert links(fault_dsn, setup.shot) == before  # nothing landed, nothing replayed
    wb.add_to_shot(gid, setup.shot)  # the first call after the restart works
    assert links(fault_dsn, setup.shot) == before + 1


def test_a_write_that_loses_its_connection_is_reported_not_replayed(
    wb: Workbench, setup: Setup, fault_dsn: str
) -> None:
    """The write's connection dies while the write waits on a lock: it may or may not have
    landed as far as the client knows, so it is not retried behind the user's back."""
    gid = first_generation(wb, setup)
    before = links(fault_dsn, setup.shot)
    outcome: list[BaseException | None] = []

    def write() -> None:
        try:
            wb.add_to_shot(gid, setup.shot)
        except BaseException as exc:  # reported to the test thread
            outcome.append(exc)
        else:
            outcome.append(None)

    with psycopg.connect(fault_dsn) as blocker:
        blocker.execute("LOCK TABLE shot_generations IN ACCESS EXCLUSIVE MODE")
        writer = threading.Thread(target=write)
        writer.start()
        with psycopg.connect(fault_dsn, autocommit=True) as admin:
            waiting = wait_until(
                lambda: admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                ).fetchone(),
                what="the write waiting on the lock",
            )
            admin.execute("SELECT pg_terminate_backend(%s)", (waiting[0],))
        writer.join(HANG_GUARD_S)
        blocker.rollback()
    assert not writer.is_alive()
    assert len(outcome) == 1
    assert isinstance(outcome[0], workbench.ConnectionError)
    assert "may not have been saved" in str(outcome[0])
    time.sleep(0.5)  # a blind retry, had there been one, would have landed by now
    assert links(fault_dsn, setup.shot) == before


def test_views_say_offline_and_recover_without_a_restart(
    wb: Workbench, setup: Setup, fault_pg: Any
) -> None:
    """The gallery view model (and the notebook widget over it) says "offline", then shows
    its page again once the database is back: nobody restarts anything or clicks."""
    widget = Gallery(wb, project=setup.project)
    gallery = widget.model
    try:
        wait_until(lambda: gallery.state.page is not None, what="the first page")
        assert "offline" not in widget.status.value
        fault_pg.stop()
        gallery.reload()
        assert gallery.state.error is not None
        assert "does not answer" in gallery.state.error or "unreachable" in gallery.state.error
        wait_until(lambda: gallery.state.offline, what="the gallery saying offline")
        wait_until(lambda: "offline" in widget.status.value, what="the widget saying offline")

        fault_pg.start()
        wait_until(
            lambda: not gallery.state.offline and gallery.state.error is None,
            what="the gallery back online, its error gone",
            timeout=30,
            show=lambda: gallery.state,
        )
        assert wb.connection_state == "online"
        assert gallery.state.page is not None
        assert gallery.state.page.total == 5
        wait_until(lambda: "offline" not in widget.status.value, what="the widget online")
    finally:
        widget.close()


def test_live_updates_report_the_outage_and_resume(
    wb: Workbench, setup: Setup, fault_pg: Any
) -> None:
    """Nobody calls during the outage: the live-updates listener alone notices it, and
    resumes after it."""
    assert wb.start_live()
    wait_until(lambda: wb.live, what="live updates")
    fault_pg.stop()
    wait_until(lambda: wb.connection_state == "offline", what="offline, from the listener")
    assert not wb.live
    fault_pg.start()
    wait_until(lambda: wb.live and wb.connection_state == "online", what="live again", timeout=30)


SCRIPT = textwrap.dedent(
    """
    import sys
    from workbench.startup import connect
    from workbench.storage import LocalStorage
    from workbench.errors import WorkbenchError

    wb = connect(sys.argv[1], storage=LocalStorage(sys.argv[2]))
    for line in sys.stdin:
        if line.strip() == "quit":
            break
        try:
            wb.projects()
            print("ok", flush=True)
        except WorkbenchError as exc:
            print("failed", type(exc).__name__, flush=True)
    wb.close()
    """
)


def test_an_outage_logs_one_line_per_state_change_to_stderr(
    fault_pg: Any, fault_dsn: str, setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No logging configured (Python's last-resort handler prints warnings to stderr): the
    pool's warning on every reconnection attempt must not flood the terminal."""
    monkeypatch.setenv("WORKBENCH_USER_ID", str(setup.user))
    monkeypatch.setenv("WORKBENCH_DB_TIMEOUT", str(TIMEOUT_S))
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, fault_dsn, str(tmp_path / "assets")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdin is not None
    assert proc.stdout is not None

    def call() -> str:
        assert proc.stdin is not None
        assert proc.stdout is not None
        proc.stdin.write("call\n")
        proc.stdin.flush()
        return proc.stdout.readline().strip()

    try:
        assert call() == "ok"
        fault_pg.stop()
        assert call() == "failed WorkbenchConnectionError"
        time.sleep(5)  # the pool keeps reconnecting meanwhile, a warning per attempt
        fault_pg.start()
        wait_until(lambda: call() == "ok", what="calls working again", poll=0.2)
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        _, stderr = proc.communicate(timeout=HANG_GUARD_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert not any("error connecting" in line for line in lines), stderr
    assert len(lines) <= 2, stderr  # "unreachable", then "reachable again"
    assert "unreachable" in stderr
