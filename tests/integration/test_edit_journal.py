"""The journal of queued settings edits (issue 14, point 7): on disk before an edit is
acknowledged, emptied as writes land, replayed by the next start into the same database only,
and never replayed into a row that is gone.

The process that dies here is a plain script killed with SIGKILL: nothing of it runs after
the kill, so what the next start writes came from the journal alone.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from workbench.client import Workbench
from workbench.config import Config
from workbench.db import connection
from workbench.settings.pending import DIRECTORY
from workbench.startup import connect

TRAVEL = "travel-between-images"

KILLED = """
import json, os, signal, sys
import workbench

dsn, shot, edits = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
wb = workbench.connect(dsn)
handle = wb.settings_handle("travel-between-images", shot_id=shot)
wb.settings_service.queue.delay = 3600  # nothing is written unless flushed
for field, value in edits:
    handle.set(field, value)
os.kill(os.getpid(), signal.SIGKILL)
"""


def journal_files() -> list[Path]:
    folder = Config.load().paths.state_dir / DIRECTORY
    return sorted(folder.glob("*.jsonl")) if folder.is_dir() else []


def shot_of(wb: Workbench) -> uuid.UUID:
    shot = wb.find("Neon Coastline", "Harbour Lights").shot
    assert shot is not None
    return shot.id


def stored(dsn: str, shot_id: uuid.UUID) -> dict[str, Any]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT settings -> %s FROM shots WHERE id = %s", (TRAVEL, shot_id)
        ).fetchone()
    return (row[0] or {}) if row else {}


def killed_with(dsn: str, shot_id: uuid.UUID, edits: list[tuple[str, Any]]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", KILLED, dsn, str(shot_id), json.dumps(edits)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL, done.stderr


@pytest.fixture
def twin_dsn(pg_server: str, demo_template: str) -> Iterator[str]:
    """Another database copied from the same demo: the same user, projects and shot ids."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield connection.ensure_database(pg_server, name, template=demo_template)
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def test_queued_edits_are_on_disk_until_written(demo_dsn: str) -> None:
    with connect(demo_dsn) as wb:
        shot_id = shot_of(wb)
        handle = wb.settings_handle(TRAVEL, shot_id=shot_id)
        queue = wb.settings_service.queue
        queue.delay = 3600
        handle.set("amountOfMotion", 12)
        handle.set("amountOfMotion", 13)
        [journal] = journal_files()  # before anything was written
        lines = [json.loads(line) for line in journal.read_text().splitlines()]
        assert [(e["ticket"] > 0, e["patch"]) for e in lines] == [
            (True, {"amountOfMotion": 12}),
            (True, {"amountOfMotion": 13}),
        ]
        assert "amountOfMotion" not in stored(demo_dsn, shot_id)  # the shot inherits it
        assert lines[0]["before"] == [{"path": ["amountOfMotion"]}]  # made over: not set
        assert lines[1]["before"] == [{"path": ["amountOfMotion"], "value": 12}]  # over the first
        assert queue.kept == 2

        assert handle.flush(30)
        assert queue.kept == 0
        assert journal.stat().st_size == 0  # emptied once everything landed
    assert journal_files() == []  # and gone when the workbench closed
    assert stored(demo_dsn, shot_id)["amountOfMotion"] == 13


def test_replay_goes_to_the_same_database_only(demo_dsn: str, twin_dsn: str) -> None:
    with connect(demo_dsn) as wb:
        shot_id = shot_of(wb)
    killed_with(demo_dsn, shot_id, [("amountOfMotion", 21), ("batchVideoFrames", 44)])
    twin_before = stored(twin_dsn, shot_id)

    with connect(twin_dsn) as twin:  # same user and shot id, another database
        assert not twin.replayed
    assert stored(twin_dsn, shot_id) == twin_before
    assert journal_files(), "kept for their own database"

    with connect(demo_dsn) as wb:
        assert sorted(p.split(" ")[0] for p in wb.replayed.written) == [
            "amountOfMotion",
            "batchVideoFrames",
        ]
        assert wb.replayed.edits == 2
        # The replayed write is a change like any other: recorded, so it can be undone.
        [change] = wb.history()
        assert change.kind == "settings"
        assert change.description == f"change 2 fields of {TRAVEL} at shot"
    after = stored(demo_dsn, shot_id)
    assert (after["amountOfMotion"], after["batchVideoFrames"]) == (21, 44)
    assert journal_files() == []


def test_edits_for_a_shot_deleted_since_are_dropped_not_kept(demo_dsn: str) -> None:
    with connect(demo_dsn) as wb:
        shot_id = shot_of(wb)
    killed_with(demo_dsn, shot_id, [("amountOfMotion", 5)])
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM shots WHERE id = %s", (shot_id,))

    with connect(demo_dsn) as wb:
        assert wb.replayed.edits == 1
        assert not wb.replayed.written
        [dropped] = wb.replayed.dropped
        assert "not found" in dropped
        assert "1 refused" in wb.replayed.message
    assert journal_files() == []  # refused for good: not tried again at every start
    with connect(demo_dsn) as wb:
        assert not wb.replayed
