"""No settings edit lost (issue 14, points 6-8): a process killed, signalled, or leaving while
the database is down keeps its queued edits, and the next start writes them.

Each test runs a real process: a plain script that connects, edits through a settings handle
with a window long enough that nothing is written on its own, then dies or exits the way the
test says. Its WORKBENCH_HOME is the test's, so the next ``connect()`` here is its next start.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from waiting import wait_until

from workbench.config import Config
from workbench.settings.pending import DIRECTORY
from workbench.startup import connect

TRAVEL = "travel-between-images"

# The edits a user makes in one window: a slider dragged, a number typed, a prompt typed.
EDITS: list[tuple[str, Any]] = [
    *[("amountOfMotion", n) for n in range(10, 30)],
    ("batchVideoFrames", 77),
    *[("batchVideoPrompt", "a lighthouse at dusk"[:n]) for n in range(1, 21)],
]
WRITTEN = {"amountOfMotion": 29, "batchVideoFrames": 77, "batchVideoPrompt": "a lighthouse at dusk"}

CHILD = """
import json, os, signal, sys, threading
# Hang up as a terminal's process would: under nohup (CI started in the background) SIGHUP is
# ignored, an ignored signal is inherited, and the workbench rightly leaves it ignored.
signal.signal(signal.SIGHUP, signal.SIG_DFL)
import workbench.startup  # (imported on the main thread, as the TUI does)

dsn, shot, how, edits = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
made = []

def edit():
    wb = workbench.connect(dsn)
    handle = wb.settings_handle("travel-between-images", shot_id=shot)
    wb.settings_service.queue.delay = 3600  # nothing is written unless flushed
    for field, value in edits:
        handle.set(field, value)
    made.append(wb)

if how == "thread":  # connect and edit off the main thread, as the TUI does
    worker = threading.Thread(target=edit)
    worker.start()
    worker.join()
else:
    edit()
wb = made[0]
print("queued", flush=True)
if how == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
sys.stdin.read()  # until the test closes our stdin (or signals us)
if how == "close":
    wb.close()
print("exiting", flush=True)
"""


@dataclass
class Rows:
    dsn: str
    user_id: uuid.UUID
    shot_id: uuid.UUID

    def stored(self) -> dict[str, Any]:
        with psycopg.connect(self.dsn) as conn:
            row = conn.execute(
                "SELECT settings -> %s FROM shots WHERE id = %s", (TRAVEL, self.shot_id)
            ).fetchone()
        assert row is not None
        return row[0] or {}


@pytest.fixture
def rows(fault_dsn: str) -> Rows:
    """One user, one project, one shot whose settings hold a starting value."""
    with psycopg.connect(fault_dsn, autocommit=True) as conn:
        user = conn.execute("INSERT INTO users (name) VALUES ('me') RETURNING id").fetchone()
        assert user is not None
        project = conn.execute(
            "INSERT INTO projects (name, user_id) VALUES ('P', %s) RETURNING id", (user[0],)
        ).fetchone()
        assert project is not None
        shot = conn.execute(
            "INSERT INTO shots (name, project_id, settings) VALUES ('S', %s, %s) RETURNING id",
            (project[0], json.dumps({TRAVEL: {"amountOfMotion": 50}})),
        ).fetchone()
        assert shot is not None
    return Rows(fault_dsn, user[0], shot[0])


def journal_dir() -> Path:
    return Config.load().paths.state_dir / DIRECTORY


def journals() -> list[Path]:
    folder = journal_dir()
    return sorted(folder.glob("*.jsonl")) if folder.is_dir() else []


@pytest.fixture
def child(rows: Rows) -> Iterator[Any]:
    """Start the script (``how``: kill, wait, exit, close), once it says its edits are queued."""
    started: list[subprocess.Popen[str]] = []

    def start(how: str, edits: list[tuple[str, Any]] = EDITS) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-c", CHILD, rows.dsn, str(rows.shot_id), how, json.dumps(edits)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        started.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        if how != "kill":
            assert line == "queued\n", process.communicate(timeout=60)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=60)


def test_sigkill_loses_nothing_and_a_live_session_is_left_alone(child: Any, rows: Rows) -> None:
    waiting = child("wait")
    assert rows.stored() == {"amountOfMotion": 50}  # all still queued in the child
    assert journals(), "the queued edits are on disk before they are acknowledged"
    with connect(rows.dsn) as wb:  # the child is alive: its edits are its own to write
        assert not wb.replayed
    assert rows.stored() == {"amountOfMotion": 50}

    waiting.send_signal(signal.SIGKILL)
    waiting.wait(timeout=60)
    assert rows.stored() == {"amountOfMotion": 50}  # the kill wrote nothing

    with connect(rows.dsn) as wb:
        assert wb.replayed
        assert sorted(p.split(" ")[0] for p in wb.replayed.written) == sorted(WRITTEN)
        assert not wb.replayed.superseded
    assert rows.stored() == WRITTEN
    assert journals() == []  # nothing left to write: the next start replays nothing
    with connect(rows.dsn) as wb:
        assert not wb.replayed


def test_an_edit_changed_elsewhere_since_is_not_replayed_over_it(
    child: Any, rows: Rows, capfd: pytest.CaptureFixture[str]
) -> None:
    killed = child("kill")
    killed.wait(timeout=60)
    assert killed.returncode == -signal.SIGKILL
    with psycopg.connect(rows.dsn) as conn:  # another client, after the edit was queued
        conn.execute(
            "UPDATE shots SET settings = jsonb_set(settings, %s, '99') WHERE id = %s",
            ([TRAVEL, "amountOfMotion"], rows.shot_id),
        )
    capfd.readouterr()
    with connect(rows.dsn) as wb:
        replayed = wb.replayed
    assert rows.stored() == {**WRITTEN, "amountOfMotion": 99}  # theirs, not our older edit
    assert [p.split(" ")[0] for p in replayed.superseded] == ["amountOfMotion"]
    err = capfd.readouterr().err  # a plain script hears of it on stderr
    assert f"{len(EDITS)} queued settings edits of an earlier session replayed" in err
    assert "changed elsewhere since (amountOfMotion" in err


@pytest.mark.parametrize(
    ("signum", "how"),
    [(signal.SIGTERM, "wait"), (signal.SIGHUP, "wait"), (signal.SIGTERM, "thread")],
    ids=["SIGTERM", "SIGHUP", "SIGTERM-edits-off-the-main-thread"],
)
def test_sigterm_and_sighup_flush_queued_edits(
    child: Any, rows: Rows, signum: signal.Signals, how: str
) -> None:
    process = child(how)
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == -signum, err  # it still dies of the signal
    assert rows.stored() == WRITTEN, err
    assert journals() == []  # written, so nothing kept for a next start


@pytest.mark.parametrize("how", ["exit", "close"])
def test_leaving_while_the_database_is_down_keeps_the_edits(
    child: Any, rows: Rows, fault_pg: Any, how: str
) -> None:
    process = child(how)
    fault_pg.stop()
    out, err = process.communicate("", timeout=60)  # a hang guard, not a performance assert
    assert "exiting" in out, err
    assert f"{len(EDITS)} settings edits could not be written (database unreachable)" in err
    assert "they are kept and will be written on the next start" in err
    assert journals(), "kept on disk"

    fault_pg.start()
    with connect(rows.dsn) as wb:
        assert wb.replayed
        assert not wb.replayed.superseded
    assert rows.stored() == WRITTEN
    assert journals() == []


def test_a_write_failed_in_an_outage_is_kept_until_its_retry_lands(
    rows: Rows, fault_pg: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    with connect(rows.dsn) as wb:
        handle = wb.settings_handle(TRAVEL, shot_id=rows.shot_id)
        queue = wb.settings_service.queue
        queue.delay = 0.0
        fault_pg.stop()
        handle.set("amountOfMotion", 61)
        wait_until(lambda: handle.status == "failed", what="the write to fail", timeout=60)
        assert queue.kept == 1  # not crossed out: a next start could still write it

        fault_pg.start()
        handle.retry()
        assert handle.flush(60)
        assert handle.status == "saved", handle.error
        assert queue.kept == 0  # the retry landed, and it replaced the failed edit
    assert "could not be written" not in capfd.readouterr().err
    assert journals() == []
    assert rows.stored() == {"amountOfMotion": 61}
