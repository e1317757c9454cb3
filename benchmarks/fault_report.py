"""The fault report: what holds when processes die, the database goes away, or uploads are cut.

Run: python benchmarks/fault_report.py [--quick]   (its own durable embedded PostgreSQL and
asset folder in a temp dir). Each scenario runs the same faults as tests/faults/ at a larger
count and prints tried / held / lost; nothing is asserted. ``--quick`` runs a tenth of it.

Scenarios:
- concurrent edits: 8 processes each queue 200 edits of their own fields on one shot at once;
  held = fields whose value is there afterwards;
- SIGKILL / SIGTERM / SIGHUP with queued edits: a process queues 20 edits inside the queue's
  window and is killed; held = edits present after the next ``connect()`` (which replays the
  device's journal of queued edits);
- database down at exit: a process queues 20 edits, the server stops, the process exits;
  held = edits present after the server is back and the next ``connect()``;
- database restarted mid-queue: a process queues edits in a stream while the server restarts
  under it; held = edits present after its exit and the next ``connect()``;
- uploader SIGKILL: a process uploads a folder and is killed at a random moment; held = runs
  after which the next ``clean_up()`` leaves no object without a row and no temp file.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from workbench.db import connection, migrate
from workbench.db.embedded import EmbeddedPostgres
from workbench.demo import seed_demo
from workbench.storage import LocalStorage
from workbench.uploads import clean_up

TOOL = "ui"  # an open tool: any field name is valid, so every edit is its own field


@dataclass
class Lab:
    """The scratch database, its server, its asset folder and a home for device files."""

    root: Path
    server: EmbeddedPostgres
    dsn: str
    assets: Path
    shot_id: str
    project_id: str

    def child(self, body: str, *args: str) -> subprocess.Popen[str]:
        """A Python process running ``body`` with ``wb`` connected (``args`` as ``ARGS``)."""
        script = PRELUDE + textwrap.dedent(body)
        return subprocess.Popen(
            [sys.executable, "-c", script, self.dsn, str(self.assets), self.shot_id, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def present(self, prefix: str) -> set[str]:
        """The fields under ``prefix`` that the shot's tool object holds, after a connect (so
        any journal of queued edits is replayed first)."""
        from workbench.startup import connect

        with connect(self.dsn, storage=LocalStorage(self.assets)) as wb:
            wb.settings_service.close()
        with psycopg.connect(self.dsn) as conn:
            row = conn.execute(
                "SELECT settings -> %s FROM shots WHERE id = %s", (TOOL, self.shot_id)
            ).fetchone()
        stored = (row[0] if row else None) or {}
        return {key for key in stored if key.startswith(prefix)}


PRELUDE = textwrap.dedent(
    """
    import os, signal, sys, time
    signal.signal(signal.SIGHUP, signal.SIG_DFL)  # as in a terminal, even when run by nohup
    from workbench.startup import connect
    from workbench.storage import LocalStorage
    DSN, ASSETS, SHOT, *ARGS = sys.argv[1:]
    wb = connect(DSN, storage=LocalStorage(ASSETS))
    """
)


@contextmanager
def lab() -> Iterator[Lab]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # The children and this process share one home: the journal of queued edits a killed
        # child leaves is this device's, which the next connect() (here, in present()) replays.
        os.environ["WORKBENCH_HOME"] = str(root / "home")
        server = EmbeddedPostgres(root / "pg")  # durable, as users run it
        try:
            dsn = connection.ensure_database(server.ensure_running(), "faults")
            assets = root / "assets"
            with connection.connect(dsn, autocommit=True) as conn:
                migrate.migrate(conn)
                seed_demo(conn, LocalStorage(assets), generations=12, videos=0)
                project_id, shot_id = conn.execute(
                    "SELECT s.project_id, s.id FROM shots s ORDER BY s.position, s.id LIMIT 1"
                ).fetchone()
            yield Lab(root, server, dsn, assets, str(shot_id), str(project_id))
        finally:
            server.stop()


@dataclass
class Row:
    scenario: str
    tried: int
    held: int
    unit: str

    @property
    def lost(self) -> int:
        return self.tried - self.held


def concurrent_edits(lab: Lab, processes: int, edits: int) -> Row:
    body = """
        handle = wb.settings_handle("ui", shot_id=SHOT)
        for i in range(int(ARGS[1])):
            handle.set(f"{ARGS[0]}_{i}", i)
        wb.close()
    """
    children = [lab.child(body, f"c{p}", str(edits)) for p in range(processes)]
    for child in children:
        child.communicate()
    held = sum(len(lab.present(f"c{p}_")) for p in range(processes))
    return Row(f"{processes} processes edit one shot at once", processes * edits, held, "edits")


def killed_with_queued_edits(lab: Lab, sig: signal.Signals, runs: int, edits: int) -> Row:
    body = """
        handle = wb.settings_handle("ui", shot_id=SHOT)
        for i in range(int(ARGS[1])):
            handle.set(f"{ARGS[0]}_{i}", i)
        print("queued", flush=True)
        time.sleep(60)  # the signal arrives inside the queue's 300 ms window
    """
    held = 0
    for run in range(runs):
        prefix = f"{sig.name.lower()}{run}"
        child = lab.child(body, prefix, str(edits))
        assert child.stdout is not None
        child.stdout.readline()
        child.send_signal(sig)
        child.communicate(timeout=60)
        held += len(lab.present(prefix + "_"))
    return Row(f"killed by {sig.name} with queued edits", runs * edits, held, "edits")


def database_down_at_exit(lab: Lab, runs: int, edits: int) -> Row:
    """Edits queued (a long write window keeps them queued), then the server stops, then the
    process exits: they must be kept and written by the next start. (An edit made while the
    database is already down is refused at once with a ConnectionError: its validation reads
    the database; refused, it was never acknowledged, so it is not counted here.)"""
    body = """
        handle = wb.settings_handle("ui", shot_id=SHOT)
        wb.settings_service.queue.delay = 3600  # queued until the exit
        for i in range(int(ARGS[1])):
            handle.set(f"{ARGS[0]}_{i}", i)
        print("queued", flush=True)
        sys.stdin.readline()  # the server is stopped now
    """
    held = 0
    for run in range(runs):
        prefix = f"down{run}"
        child = lab.child(body, prefix, str(edits))
        assert child.stdout is not None
        child.stdout.readline()
        lab.server.stop()
        child.communicate("go\n", timeout=120)
        lab.server.ensure_running()
        held += len(lab.present(prefix + "_"))
    return Row("database down when the process exits", runs * edits, held, "edits")


def restart_mid_queue(lab: Lab, runs: int, edits: int) -> Row:
    body = """
        handle = wb.settings_handle("ui", shot_id=SHOT)
        for i in range(int(ARGS[1])):
            handle.set(f"{ARGS[0]}_{i}", i)
            time.sleep(0.01)
        wb.close()
    """
    held = 0
    for run in range(runs):
        prefix = f"restart{run}"
        child = lab.child(body, prefix, str(edits))
        time.sleep(random.uniform(1.0, 2.0))  # connected, editing
        lab.server.stop()
        time.sleep(0.5)
        lab.server.ensure_running()
        child.communicate(timeout=120)
        held += len(lab.present(prefix + "_"))
    return Row("database restarted while edits stream", runs * edits, held, "edits")


def uploader_killed(lab: Lab, runs: int) -> Row:
    """Each run uploads new pictures (a re-run of stored ones is all duplicates, which store
    nothing), killed at a random moment of a run's usual length."""
    body = """
        wb.upload(ARGS[0], project_id=wb.projects()[0].id, workers=2)
        print("done", flush=True)
    """
    started = time.perf_counter()
    child = lab.child(body, str(_new_pictures(lab, "measure")))
    child.communicate(timeout=300)
    length = time.perf_counter() - started
    held = 0
    for run in range(runs):
        child = lab.child(body, str(_new_pictures(lab, f"run{run}")))
        time.sleep(random.uniform(0.2, length))
        child.kill()
        child.communicate()
        held += _clean_after_clean_up(lab)
    return Row("uploader killed by SIGKILL mid-upload", runs, held, "runs")


def _new_pictures(lab: Lab, name: str, count: int = 4) -> Path:
    from PIL import Image

    folder = lab.root / "to-upload" / name
    folder.mkdir(parents=True)
    for index in range(count):
        noise = Image.frombytes("RGB", (1024, 1024), os.urandom(3 * 1024 * 1024))
        noise.save(folder / f"picture-{index}.png", compress_level=1)
    return folder


def _clean_after_clean_up(lab: Lab) -> int:
    """1 when ``clean_up()`` leaves every stored object with a row and no temp file."""
    from workbench.startup import connect

    with connect(lab.dsn, storage=LocalStorage(lab.assets)) as wb:
        clean_up(wb)
    with psycopg.connect(lab.dsn) as conn:
        recorded = " ".join(
            str(location)
            for (location,) in conn.execute(
                "SELECT location FROM generations UNION ALL SELECT thumbnail_url FROM generations"
            )
        )
    leftovers = [
        path
        for path in lab.assets.rglob("*")
        if path.is_file() and (path.name.startswith(".tmp-") or path.name not in recorded)
    ]
    return 0 if leftovers else 1


def main(argv: list[str]) -> None:
    scale = 10 if "--quick" in argv else 1
    rows: list[Row] = []
    with lab() as here:
        started = time.perf_counter()
        rows.append(concurrent_edits(here, 8, 200 // scale))
        for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGHUP):
            rows.append(killed_with_queued_edits(here, sig, max(3, 30 // scale), 20))
        rows.append(database_down_at_exit(here, max(2, 10 // scale), 20))
        rows.append(restart_mid_queue(here, max(2, 10 // scale), 100))
        rows.append(uploader_killed(here, max(3, 30 // scale)))
        elapsed = time.perf_counter() - started
    width = max(len(row.scenario) for row in rows)
    print(f"{'scenario':<{width}}  {'tried':>6}  {'held':>6}  {'lost':>6}")
    for row in rows:
        print(f"{row.scenario:<{width}}  {row.tried:>6}  {row.held:>6}  {row.lost:>6}  {row.unit}")
    print(f"({elapsed:.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
