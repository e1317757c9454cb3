"""A 200-file folder into the real S3 server: interrupted, resumed, then all duplicates."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest
import upload_samples as samples
from s3_server import S3Server
from upload_setup import Setup

from workbench.client import Workbench
from workbench.storage import S3Storage
from workbench.uploads import UploadProgress

FILES = 200


@pytest.fixture
def store(s3_server: S3Server) -> S3Storage:
    return s3_server.storage(s3_server.new_bucket())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "shoot"
    for n in range(FILES):
        sub = root / f"day{n % 4}"
        sub.mkdir(parents=True, exist_ok=True)
        fmt = ("png", "jpg", "webp", "gif")[n % 4]
        (sub / f"frame{n:03d}.{fmt}").write_bytes(samples.image(fmt, (48, 40), seed=n))
    return root


def count(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM generations WHERE location IS NOT NULL")
        return int(row.fetchone()[0])  # type: ignore[index]


def test_folder_upload_resumes_and_deduplicates(
    wb: Workbench, store: S3Storage, setup: Setup, db_dsn: str, folder: Path
) -> None:
    stop = threading.Event()

    def interrupt(p: UploadProgress) -> None:
        if p.files_done >= 80:
            stop.set()  # as if the user pressed Ctrl-C, or the laptop went to sleep

    first = wb.upload(folder, project_id=setup.project, shot_id=setup.shot, progress=interrupt,
                      cancel=stop)  # fmt: skip
    assert len(first) == FILES
    done = [r for r in first if r.status == "uploaded"]
    assert 80 <= len(done) < FILES
    assert all("cancelled" in (r.error or "") for r in first if r.status == "failed")
    assert count(db_dsn) == len(done)
    assert len(list(store.list())) == 2 * len(done)  # no half-stored file: object + thumbnail

    snapshots: list[UploadProgress] = []
    second = wb.upload(folder, project_id=setup.project, shot_id=setup.shot,
                       progress=snapshots.append)  # fmt: skip
    statuses = {r.path: r.status for r in second}
    assert all(statuses[r.path] == "duplicate" for r in done)
    assert sum(s == "uploaded" for s in statuses.values()) == FILES - len(done)
    assert count(db_dsn) == FILES
    assert len(list(store.list())) == 2 * FILES
    assert snapshots[-1].files_done == FILES
    assert snapshots[-1].bytes_done == snapshots[-1].bytes_total
    with psycopg.connect(db_dsn) as conn:
        frames = [r[0] for r in conn.execute(
            "SELECT timeline_frame FROM shot_generations WHERE shot_id = %s "
            "AND timeline_frame IS NOT NULL ORDER BY timeline_frame", (setup.shot,))]  # fmt: skip
    assert frames == [50 * n for n in range(FILES)]  # each joined the shot once, 50 apart

    third = wb.upload(folder, project_id=setup.project)
    assert {r.status for r in third} == {"duplicate"}
    assert count(db_dsn) == FILES
    assert len(list(store.list())) == 2 * FILES
