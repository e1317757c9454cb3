"""Faults on a separate, real S3 server: killed mid-upload, stalled, restarted.

These tests crash and pause their own SeaweedFS process, so they never share the session's
server. Uploads use 5 MiB parts and a padded 40 MiB MP4, so a transfer is several parts long
and the fault lands in the middle of a multipart upload.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import upload_samples as samples
from s3_server import S3Server, start_server
from upload_setup import Setup

from workbench.client import Workbench
from workbench.errors import WorkbenchConnectionError
from workbench.storage import S3Storage, TransferOptions
from workbench.uploads import clean_up
from workbench.uploads.uploader import JOURNAL_NAME

MiB = 1024 * 1024
PARTS = dict(multipart_threshold=5 * MiB, chunk_size=5 * MiB, max_concurrency=2)


@pytest.fixture(scope="module")
def fault_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = start_server(tmp_path_factory.mktemp("s3-faults"))
    yield server
    server.kill()  # a throwaway crash-test server: no need to wait for a graceful stop


@pytest.fixture
def store(fault_server: S3Server) -> Iterator[S3Storage]:
    if fault_server.process is None or fault_server.process.poll() is not None:
        fault_server.restart()
    storage = fault_server.storage(fault_server.new_bucket())
    # The first write to a bucket makes its volume, which can take a second: do it now, so
    # the stall test measures the pause, not SeaweedFS's set-up.
    storage.put_bytes("warm-up", b"x")
    storage.delete("warm-up")
    yield storage
    fault_server.resume()


@pytest.fixture
def big_video(tmp_path: Path) -> Path:
    path = tmp_path / "long take.mp4"
    path.write_bytes(samples.padded_video(40 * MiB))
    return path


def generation_rows(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM generations WHERE location IS NOT NULL")
        return int(row.fetchone()[0])  # type: ignore[index]


def journal(wb: Workbench) -> list[str]:
    path = wb.config.paths.state_dir / JOURNAL_NAME
    return [e["key"] for e in json.loads(path.read_text())["abort"]] if path.exists() else []


def objects(store: S3Storage) -> list[str]:
    return [o.key for o in store.list()]


def before_part(store: S3Storage, number: int, action: Callable[[], None]) -> list[bool]:
    """Run ``action`` once, just before part ``number`` of a multipart upload is sent.

    With two parts in flight, part 3 goes out only after part 1 or 2 is stored, so the fault
    lands in the middle of the multipart upload, whatever the machine's speed.
    """
    store.client  # noqa: B018  # creates the boto3 session the transfer clients come from
    assert store._session is not None
    done: list[bool] = []

    def hook(request: Any, **_: Any) -> None:
        if not done and f"partNumber={number}" in request.url:
            done.append(True)
            action()

    store._session.events.register("before-send.s3.UploadPart", hook)
    return done


def test_server_killed_mid_multipart_then_retry_after_restart(
    wb: Workbench, store: S3Storage, fault_server: S3Server, setup: Setup, db_dsn: str,
    big_video: Path,
) -> None:  # fmt: skip
    killed = before_part(store, 3, fault_server.kill)  # SIGKILL: like a crash or a power cut
    options = TransferOptions(**PARTS, attempts=3, stall_timeout=10)
    started = time.monotonic()
    with pytest.raises(WorkbenchConnectionError, match=r"long take\.mp4: .*cannot reach S3 at"):
        wb.upload(big_video, project_id=setup.project, transfer=options)
    assert killed  # the fault hit the middle of the multipart upload
    assert time.monotonic() - started < 20  # retried with backoff, then gave up
    assert generation_rows(db_dsn) == 0
    (pending,) = journal(wb)  # the clean-up the dead server owes
    assert pending.startswith(f"{setup.user}/uploads/")

    fault_server.restart()  # same ports, same data: the half-finished upload is still there
    assert fault_server.incomplete_uploads(store.bucket) == [pending]
    assert clean_up(wb) == 1  # what every later upload does first
    assert fault_server.incomplete_uploads(store.bucket) == []
    assert journal(wb) == []
    assert objects(store) == []

    (result,) = wb.upload(big_video, project_id=setup.project, transfer=options)
    assert result.status == "uploaded"
    assert fault_server.incomplete_uploads(store.bucket) == []
    assert generation_rows(db_dsn) == 1
    assert result.location is not None
    key = result.location.split(f"/{store.bucket}/", 1)[1]
    assert store.get_bytes(key) == big_video.read_bytes()
    assert len(objects(store)) == 2  # the video and its thumbnail, nothing else
    assert key in objects(store)


def test_stalled_server_is_given_up_on_and_cleaned_up_later(
    wb: Workbench, store: S3Storage, fault_server: S3Server, setup: Setup, db_dsn: str,
    big_video: Path,
) -> None:  # fmt: skip
    paused = before_part(store, 3, fault_server.pause)  # SIGSTOP: nothing answers any more
    options = TransferOptions(**PARTS, attempts=2, stall_timeout=2.0)
    started = time.monotonic()
    with pytest.raises(WorkbenchConnectionError, match=r"mp4: .*stalled: no progress for 2 s"):
        wb.upload(big_video, project_id=setup.project, transfer=options)
    assert paused  # the stall is the pause, in the middle of the multipart upload
    assert time.monotonic() - started < 20
    assert generation_rows(db_dsn) == 0
    assert len(journal(wb)) == 1  # a frozen store cannot be asked to abort: kept for later
    fault_server.resume()

    # After a freeze SeaweedFS's master needs a moment to see its volume server again.
    patient = TransferOptions(**PARTS, attempts=3, stall_timeout=20)
    (result,) = wb.upload(big_video, project_id=setup.project, transfer=patient)
    assert result.status == "uploaded"
    assert fault_server.incomplete_uploads(store.bucket) == []
    assert journal(wb) == []
    assert generation_rows(db_dsn) == 1
    assert len(objects(store)) == 2


def test_store_down_before_the_upload_fails_fast_and_stores_nothing(
    wb: Workbench, store: S3Storage, fault_server: S3Server, setup: Setup, db_dsn: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    image = tmp_path / "still.png"
    image.write_bytes(samples.image("png", (64, 64)))
    fault_server.kill()
    options = TransferOptions(attempts=2, stall_timeout=5)
    with pytest.raises(WorkbenchConnectionError, match=r"still\.png: uploading .*: cannot reach"):
        wb.upload(image, project_id=setup.project, transfer=options)
    assert generation_rows(db_dsn) == 0
    fault_server.restart()
    assert objects(store) == []
    assert fault_server.incomplete_uploads(store.bucket) == []
