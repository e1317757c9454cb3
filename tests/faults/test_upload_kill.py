"""An uploader killed with SIGKILL: the next upload, or ``clean_up()``, removes all it left.

The uploader runs in a child process that stops itself at a chosen point and waits there:
in the middle of its transfer (a local store's hidden ``.tmp-`` file, an S3 multipart upload
with parts sent), or after its objects are stored but before its row is written. The test
then kills it, as a crash or the OOM killer would, and checks that what it left is removed:
objects with no row, temp files, incomplete multipart uploads; and that an uploader still
running in another process is left alone. The S3 store is a private SeaweedFS server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import upload_samples as samples
from s3_server import ACCESS_KEY, SECRET_KEY, S3Server, start_server
from upload_setup import Setup, make_setup
from waiting import wait_until

from workbench.client import Workbench
from workbench.startup import connect
from workbench.storage import LocalStorage, S3Storage, Storage
from workbench.uploads import clean_up
from workbench.uploads.uploader import JOURNAL_NAME

MiB = 1024 * 1024
PARTS = {"multipart_threshold": 5 * MiB, "chunk_size": 5 * MiB, "max_concurrency": 2}

CHILD = """
import json, sys, time
from pathlib import Path
from workbench.startup import connect
from workbench.storage import LocalStorage, S3Storage, TransferOptions
from workbench.uploads import records

args = json.loads(sys.argv[1])
marker = Path(args["marker"])

def stop_here(*_, **__):
    marker.write_text("stopped")
    time.sleep(600)  # until the test kills this process

if args["stop"] == "record":
    records.insert_generation = stop_here  # objects stored, row not written

def progress(snapshot):
    if args["stop"] == "transfer" and snapshot.bytes_done > 0 and snapshot.files_done == 0:
        stop_here()  # bytes of the file are on their way: the transfer is half done

spec = args["store"]
if spec["kind"] == "local":
    store = LocalStorage(Path(spec["root"]))
else:
    store = S3Storage(spec["bucket"], endpoint_url=spec["endpoint"],
                      access_key_id=spec["key"], secret_access_key=spec["secret"])
with connect(args["dsn"], storage=store, user_id=args["user"]) as wb:
    wb.upload(args["path"], project_id=args["project"], progress=progress,
              transfer=TransferOptions(**args["parts"]))
"""


@pytest.fixture(scope="module")
def kill_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = start_server(tmp_path_factory.mktemp("s3-kill"))
    yield server
    server.kill()


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "assets")
    server: S3Server = request.getfixturevalue("kill_s3")
    return server.storage(server.new_bucket())


@pytest.fixture
def setup(fault_dsn: str) -> Setup:
    return make_setup(fault_dsn)


@pytest.fixture
def wb(fault_dsn: str, setup: Setup, store: Storage) -> Iterator[Workbench]:
    with connect(fault_dsn, storage=store, user_id=setup.user) as workbench:
        yield workbench


@pytest.fixture
def video(tmp_path: Path) -> Path:
    path = tmp_path / "take.mp4"
    path.write_bytes(samples.padded_video(12 * MiB))  # three 5 MiB parts on S3
    return path


def store_spec(store: Storage) -> dict[str, Any]:
    if isinstance(store, LocalStorage):
        return {"kind": "local", "root": str(store.root)}
    assert isinstance(store, S3Storage)
    return {"kind": "s3", "bucket": store.bucket, "endpoint": store.endpoint_url,
            "key": ACCESS_KEY, "secret": SECRET_KEY}  # fmt: skip


def start_uploader(
    dsn: str, setup: Setup, store: Storage, path: Path, stop: str, tmp_path: Path
) -> subprocess.Popen[bytes]:
    """A child uploading ``path``, stopped (waiting) at ``stop``: 'transfer' or 'record'."""
    marker = tmp_path / f"stopped-{stop}"
    args = {"dsn": dsn, "store": store_spec(store), "user": str(setup.user),
            "project": str(setup.project), "path": str(path), "stop": stop,
            "marker": str(marker), "parts": PARTS}  # fmt: skip
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(args)], stderr=subprocess.PIPE
    )

    def stopped() -> bool:
        if child.poll() is not None:
            raise AssertionError(f"the uploader ended: {child.stderr.read().decode()[-3000:]}")  # type: ignore[union-attr]
        return marker.exists()

    wait_until(stopped, what=f"the uploader to stop at {stop}", timeout=90)
    return child


def kill(child: subprocess.Popen[bytes]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.wait(30)
    assert child.returncode == -signal.SIGKILL
    if child.stderr is not None:
        child.stderr.close()


def journal(wb: Workbench) -> list[dict[str, Any]]:
    path = wb.config.paths.state_dir / JOURNAL_NAME
    return list(json.loads(path.read_text())["abort"]) if path.exists() else []


def objects(store: Storage) -> set[str]:
    return {o.key for o in store.list()}


def temp_leftovers(store: Storage) -> list[str]:
    """Hidden temp files of a local store; incomplete multipart uploads of a bucket."""
    if isinstance(store, LocalStorage):
        return sorted(str(p) for p in store.root.rglob(".tmp-*"))
    assert isinstance(store, S3Storage)
    client = store.client
    uploads = client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
    return sorted(u["Key"] for u in uploads)


def recorded_keys(dsn: str, store: Storage) -> set[str]:
    """The keys the generation rows point at (location and thumbnail)."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT location, thumbnail_url FROM generations WHERE location IS NOT NULL"
        ).fetchall()
    urls = {u for row in rows for u in row if u}
    return {key for key in objects(store) if store.url(key) in urls}


def test_killed_mid_transfer_is_cleaned_up_once_the_uploader_is_gone(
    wb: Workbench, store: Storage, setup: Setup, fault_dsn: str, video: Path, tmp_path: Path
) -> None:
    child = start_uploader(fault_dsn, setup, store, video, "transfer", tmp_path)
    try:
        entries = journal(wb)
        assert {e["pid"] for e in entries} == {child.pid}  # journaled before the transfer
        assert len(entries) == 2  # the video and its thumbnail
        leftovers = temp_leftovers(store)
        assert len(leftovers) == 1  # the half-written object
        assert clean_up(wb) == 0  # a live uploader's work is never touched
        assert temp_leftovers(store) == leftovers
    finally:
        kill(child)

    assert clean_up(wb) == 2
    assert temp_leftovers(store) == []
    assert objects(store) == set()
    assert journal(wb) == []
    assert clean_up(wb) == 0


def test_killed_between_storing_and_recording_is_cleaned_up_by_the_next_upload(
    wb: Workbench, store: Storage, setup: Setup, fault_dsn: str, video: Path, tmp_path: Path
) -> None:
    child = start_uploader(fault_dsn, setup, store, video, "record", tmp_path)
    kill(child)
    orphans = objects(store)
    assert len(orphans) == 2  # stored, with no row: invisible to everyone, and billed
    assert recorded_keys(fault_dsn, store) == set()

    image = tmp_path / "next.png"
    image.write_bytes(samples.image("png", (64, 64), seed=5))
    (result,) = wb.upload(image, project_id=setup.project)  # settles what the killed run left
    assert result.status == "uploaded"
    assert objects(store).isdisjoint(orphans)
    assert objects(store) == recorded_keys(fault_dsn, store)  # rows and objects agree
    assert len(objects(store)) == 2
    assert temp_leftovers(store) == []
    assert journal(wb) == []

    (again,) = wb.upload(video, project_id=setup.project)  # the killed upload, run again
    assert again.status == "uploaded"
    kept = objects(store)
    assert kept == recorded_keys(fault_dsn, store)
    assert len(kept) == 4

    # A kill between a row's commit and the journal's update leaves entries of recorded
    # objects: settling them must keep the objects.
    dead = {"pid": None, "run": None, "started": None, "since": "2026-01-01T00:00:00Z",
            "row": {"table": "generations", "owner": str(setup.project)}}  # fmt: skip
    entries = [{"store": store.ident, "key": k, "url": store.url(k), **dead} for k in kept]
    (wb.config.paths.state_dir / JOURNAL_NAME).write_text(json.dumps({"abort": entries}))
    assert clean_up(wb) == 4
    assert objects(store) == kept == recorded_keys(fault_dsn, store)
    assert journal(wb) == []
