"""Downloads of originals on a real PostgreSQL, from both stores (a local folder, a real S3
server) and another web host; resume after a real SIGKILL; the view model."""

from __future__ import annotations

import csv
import hashlib
import http.server
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import upload_samples as samples
from upload_setup import Setup
from waiting import wait_until

from workbench.client import Workbench
from workbench.downloads import DownloadProgress, DownloadResult, sources
from workbench.errors import NotFoundError, ValidationError
from workbench.startup import connect
from workbench.storage import LocalStorage, Storage
from workbench.views.downloads import DownloadModel, size_text

NAME = re.compile(r"\d{4,}_[0-9a-f]{8}(_v\d+_[a-z0-9-]+)?\.[a-z0-9]+")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored(store: Storage, location: str) -> bytes:
    key = store.key_for_url(location)
    assert key is not None, location
    return store.get_bytes(key)


def populate(wb: Workbench, setup: Setup, tmp: Path, images: int = 5) -> list[uuid.UUID]:
    """Uploaded images and one video (in the shot); their generation ids, upload order."""
    folder = tmp / "src"
    folder.mkdir(exist_ok=True)
    paths = []
    for n in range(images):
        path = folder / f"img{n}.png"
        path.write_bytes(samples.image("png", (64 + n, 48), seed=n))
        paths.append(path)
    video = folder / "clip.mp4"
    video.write_bytes(samples.video("mp4"))
    results = wb.upload(paths, project_id=setup.project)
    results += wb.upload(video, project_id=setup.project, shot_id=setup.shot)
    assert all(r.status == "uploaded" for r in results), results
    return [r.generation_id for r in results if r.generation_id is not None]


def manifest_rows(folder: Path) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    lines = [json.loads(line) for line in (folder / "manifest.jsonl").read_text().splitlines()]
    with open(folder / "manifest.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    return lines, table


def sql(dsn: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def test_folder_download_is_the_stored_bytes_with_a_manifest(
    wb: Workbench, store: Storage, setup: Setup, tmp_path: Path, db_dsn: str
) -> None:
    ids = populate(wb, setup, tmp_path)
    sql(db_dsn, "UPDATE shot_generations SET timeline_frame = 150 WHERE generation_id = %s",
        ids[-1])  # fmt: skip
    snaps: list[DownloadProgress] = []
    result = wb.download(setup.project, to=tmp_path / "out", progress=snaps.append)

    assert (result.files_total, result.downloaded, result.already_there) == (6, 6, 0)
    assert result.complete
    assert result.mode == "folder"
    listing = list(wb.iter_generations(setup.project))  # gallery order: newest first
    assert [f.id for f in result.files] == [str(g.id) for g in listing]
    for n, (item, gen) in enumerate(zip(result.files, listing, strict=True), start=1):
        assert item.name == f"{n:04d}_{gen.id.hex[:8]}.{'mp4' if gen.is_video else 'png'}"
        data = (tmp_path / "out" / item.name).read_bytes()
        assert gen.location is not None
        assert sha(data) == sha(stored(store, gen.location)) == item.sha256
        assert item.size == len(data)
    assert not list((tmp_path / "out").glob("*.part"))
    last = snaps[-1]
    assert (last.files_done, last.files_total, last.files_failed) == (6, 6, 0)
    assert last.bytes_done == last.bytes_total == result.bytes_total == result.bytes_fetched

    lines, table = manifest_rows(tmp_path / "out")
    assert [row["file"] for row in lines] == [f.name for f in result.files]
    assert [row["file"] for row in table] == [f.name for f in result.files]
    for row, csv_row, gen in zip(lines, table, listing, strict=True):
        assert row["id"] == csv_row["id"] == str(gen.id)
        assert row["params"] == gen.params == json.loads(csv_row["params"])
        assert row["params"]["content_sha256"] == row["sha256"]  # the upload's own hash
        assert row["tool_type"] == gen.tool_type
        assert row["variant_id"] == str(gen.primary_variant_id)
        assert int(csv_row["size"]) == row["size"]
        assert csv_row["sha256"] == row["sha256"]
        assert json.loads(csv_row["shots"]) == row["shots"]
        assert row["created_at"] == gen.created_at.isoformat()
    video = next(row for row in lines if row["id"] == str(ids[-1]))
    assert video["shots"] == [{"id": str(setup.shot), "name": "Shot", "frame": 150}]
    assert all(row["shots"] == [] for row in lines if row["id"] != str(ids[-1]))


def test_every_variant_and_chosen_ids(
    wb: Workbench, store: Storage, setup: Setup, tmp_path: Path, db_dsn: str
) -> None:
    first, second, *_ = populate(wb, setup, tmp_path, images=2)
    extra = samples.image("jpg", (30, 30), seed=99)
    url = store.put_bytes(f"{setup.user}/uploads/upscaled-{uuid.uuid4().hex[:6]}.jpg", extra)
    sql(db_dsn, "INSERT INTO generation_variants (generation_id, location, params, is_primary, "
        "variant_type, created_at) VALUES (%s, %s, '{\"seed\": 7}', false, 'Upscaled 2x!', "
        "now() + interval '1 minute')", first, url)  # fmt: skip

    result = wb.download(ids=[second, first, second], variants="all", to=tmp_path / "all")
    assert result.items == 2
    assert result.files_total == 3
    names = [f.name for f in result.files]
    assert names == [
        f"0001_{second.hex[:8]}_v1_original.png",
        f"0002_{first.hex[:8]}_v1_original.png",
        f"0002_{first.hex[:8]}_v2_upscaled-2x.jpg",
    ]
    assert (tmp_path / "all" / names[2]).read_bytes() == extra
    lines, table = manifest_rows(tmp_path / "all")
    variants = {
        str(vid): (loc, kind)
        for vid, loc, kind in sql(
            db_dsn, "SELECT id, location, variant_type FROM generation_variants"
        )
    }
    for row, csv_row in zip(lines, table, strict=True):
        location, kind = variants[row["variant_id"]]
        assert (row["location"], row["variant_type"]) == (location, kind)
        assert sha((tmp_path / "all" / row["file"]).read_bytes()) == sha(stored(store, location))
        assert csv_row["variant_id"] == row["variant_id"]
    assert [row["is_primary"] for row in lines] == [True, True, False]
    assert lines[2]["seed"] == 7


def test_another_users_ids_are_refused_before_anything_is_written(
    wb: Workbench, setup: Setup, tmp_path: Path, db_dsn: str
) -> None:
    (mine,) = populate(wb, setup, tmp_path, images=1)[:1]
    theirs = uuid.uuid4()
    sql(db_dsn, "INSERT INTO generations (id, project_id, type, location) VALUES "
        "(%s, %s, 'image', 'file:///etc/hostname')", theirs, setup.other_project)  # fmt: skip
    missing = uuid.uuid4()
    for target in (tmp_path / "out", tmp_path / "z.zip"):
        kind = "to" if target.suffix != ".zip" else "zip"
        with pytest.raises(NotFoundError, match=f"{theirs}, {missing} not found") as err:
            wb.download(ids=[mine, theirs, missing], **{kind: target})
        assert str(mine) not in str(err.value)
        assert not target.exists()  # nothing written
        assert not list(tmp_path.glob("z.zip*"))
    with pytest.raises(NotFoundError):
        wb.download(shot=setup.other_shot, to=tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "give one destination"),
        ({"to": "A", "zip": "B.zip"}, "give one destination"),
        ({"to": "FILE"}, "is a file, not a folder"),
        ({"to": "FILE/sub"}, "is a file, not a folder"),
        ({"zip": "missing/x.zip"}, "does not exist"),
        ({"zip": "FILE"}, "is not a download made by workbench"),
        ({"zip": "."}, "is a folder"),
        ({"to": "A", "variants": "some"}, "variants must be"),
        ({"to": "A", "concurrency": 0}, "between 1 and 64"),
        ({"to": "A", "concurrency": 10_000}, "between 1 and 64"),
        ({"to": "A", "concurrency": True}, "whole number"),
        ({"to": "A", "ids": []}, "no generation ids"),
        ({"to": "A", "ids": ["nope"]}, "malformed generation id"),
        ({"to": "A", "ids": "PROJECT"}, "not both"),
        ({"to": "A", "filters": {"colour": "red"}}, "unknown filter"),
        ({"to": 5}, "must be a path"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    local_wb: Workbench, setup: Setup, tmp_path: Path, kwargs: dict[str, Any], message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    (tmp_path / "FILE").write_text("not a zip")
    local_wb.storage.check()  # the store's folder exists before, not made by the refusal
    before = sorted(tmp_path.rglob("*"))
    options = {k: v for k, v in kwargs.items() if k != "ids"}
    if "ids" in kwargs:
        if kwargs["ids"] == "PROJECT":
            options.update(ids=[uuid.uuid4()], project=setup.project)
        else:
            options["ids"] = kwargs["ids"]
    elif "project" not in options:
        options["project"] = setup.project
    with pytest.raises(ValidationError, match=message):
        local_wb.download(**options)
    assert sorted(tmp_path.rglob("*")) == before


@pytest.fixture
def local_wb(db_dsn: str, setup: Setup, tmp_path: Path) -> Iterator[Workbench]:
    with connect(db_dsn, storage=LocalStorage(tmp_path / "assets"), user_id=setup.user) as wb:
        yield wb


def test_names_never_carry_data_nor_collide(
    local_wb: Workbench, setup: Setup, tmp_path: Path, db_dsn: str
) -> None:
    ids = populate(local_wb, setup, tmp_path, images=3)
    # A stored object whose key has no media suffix: named .bin (a file has no content type).
    url = local_wb.storage.put_bytes(f"{setup.user}/uploads/noext", b"raw bytes")
    sql(db_dsn, "UPDATE generation_variants SET location = %s WHERE generation_id = %s "
        "AND is_primary", url, ids[0])  # fmt: skip
    evil = '../../escape/"\x1b[2J\\..\\x\n'
    for gid in ids:
        sql(db_dsn, "UPDATE generations SET params = params || jsonb_build_object("
            "'prompt', %s::text, 'original_filename', %s::text), name = %s WHERE id = %s",
            evil, "../../x/evil.png", "/etc/passwd", gid)  # fmt: skip
    out = tmp_path / "out"
    result = local_wb.download(setup.project, to=out, concurrency=3)
    assert result.complete, result.failed
    names = [f.name for f in result.files]
    assert len(set(names)) == len(names) == 4
    assert all(name is not None and NAME.fullmatch(name) for name in names), names
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*[n for n in names if n], "manifest.csv", "manifest.jsonl", ".workbench-download.jsonl"]
    )
    bin_file = next(f for f in result.files if f.id == str(ids[0]))
    assert bin_file.name is not None
    assert bin_file.name.endswith(".bin")
    assert (out / bin_file.name).read_bytes() == b"raw bytes"
    lines, table = manifest_rows(out)
    assert {row["prompt"] for row in lines} == {evil}
    assert {row["prompt"] for row in table} == {evil}  # quoted by csv, read back whole


def test_zip_mode_and_a_rerun_onto_the_finished_zip(
    s3_wb: Workbench, setup: Setup, tmp_path: Path
) -> None:
    ids = populate(s3_wb, setup, tmp_path, images=4)
    archive = tmp_path / "renders.zip"
    result = s3_wb.download(setup.project, zip=archive)
    assert result.complete
    assert result.mode == "zip"
    assert result.destination == archive
    assert not (tmp_path / "renders.zip.parts").exists()
    assert not (tmp_path / "renders.zip.part").exists()
    with zipfile.ZipFile(archive) as zf:
        assert zf.testzip() is None
        media = [i for i in zf.infolist() if not i.filename.startswith("manifest")]
        assert [i.filename for i in media] == [f.name for f in result.files]
        assert {i.compress_type for i in media} == {zipfile.ZIP_STORED}
        rows = [json.loads(line) for line in zf.read("manifest.jsonl").splitlines()]
        assert len(list(csv.DictReader(io.StringIO(zf.read("manifest.csv").decode())))) == 5
        for row in rows:
            data = zf.read(row["file"])
            assert sha(data) == row["sha256"] == sha(stored(s3_wb.storage, row["location"]))
    assert {row["id"] for row in rows} == {str(i) for i in ids}

    again = s3_wb.download(setup.project, zip=archive)
    assert (again.downloaded, again.already_there, again.bytes_fetched) == (0, 5, 0)
    with zipfile.ZipFile(archive) as zf:
        assert zf.testzip() is None
        assert sorted(zf.namelist()) == sorted(
            [*(f.name for f in result.files), "manifest.jsonl", "manifest.csv"]
        )


@pytest.fixture
def s3_wb(db_dsn: str, setup: Setup, s3_storage: Storage) -> Iterator[Workbench]:
    with connect(db_dsn, storage=s3_storage, user_id=setup.user) as wb:
        yield wb


def test_rerun_keeps_intact_files_and_fetches_the_rest(
    local_wb: Workbench, setup: Setup, tmp_path: Path
) -> None:
    populate(local_wb, setup, tmp_path, images=4)
    out = tmp_path / "out"
    first = local_wb.download(setup.project, to=out)
    names = [f.name or "" for f in first.files]
    (out / names[0]).unlink()
    (out / names[1]).write_bytes(b"corrupt")  # same name, other bytes
    with open(out / names[2], "r+b") as handle:  # same size, one byte changed
        handle.write(b"\0")
    kept = {n: (out / n).stat() for n in names[3:]}
    again = local_wb.download(setup.project, to=out)
    assert [f.status for f in again.files] == ["downloaded"] * 3 + ["already_there"] * 2
    for name, before in kept.items():
        after = (out / name).stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert [f.sha256 for f in again.files] == [f.sha256 for f in first.files]
    assert again.bytes_fetched == sum(f.size or 0 for f in first.files[:3])


class Host(http.server.ThreadingHTTPServer):
    """Another web host: serves ``files``; those in ``slow`` stop after half their bytes
    until ``gate`` is set."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.files: dict[str, bytes] = {}
        self.slow: set[str] = set()
        self.gate = threading.Event()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class Handler(http.server.BaseHTTPRequestHandler):
    server: Host

    def do_GET(self) -> None:
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            if self.path in self.server.slow:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.server.gate.wait(60)
                self.wfile.write(body[len(body) // 2 :])
            else:
                self.wfile.write(body)
        except OSError:
            pass  # the client was killed

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def web() -> Iterator[Host]:
    host = Host()
    thread = threading.Thread(target=host.serve_forever, daemon=True)
    thread.start()
    yield host
    host.gate.set()
    host.shutdown()
    host.server_close()


def remote_generations(dsn: str, setup: Setup, web: Host, count: int, slow: bool) -> None:
    for n in range(count):
        path = f"/remote/{n}.png?sig=abc"
        web.files[path] = samples.image("png", (300, 200), seed=500 + n)
        if slow:
            web.slow.add(path)
        sql(dsn, "INSERT INTO generations (project_id, type, location, params, created_at) "
            "VALUES (%s, 'image', %s, '{\"prompt\": \"remote\"}', now() - interval '1 day')",
            setup.project, web.url(path))  # fmt: skip


def test_other_hosts_are_fetched_within_a_bound_local_paths_never(
    local_wb: Workbench, setup: Setup, tmp_path: Path, db_dsn: str, web: Host,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    remote_generations(db_dsn, setup, web, 2, slow=False)
    big = "/remote/big.png"
    web.files[big] = b"x" * 5000
    for location in (web.url(big), "file:///etc/hostname", "ftp://example.com/a.png",
                     web.url("/missing.png")):  # fmt: skip
        sql(
            db_dsn,
            "INSERT INTO generations (project_id, type, location, created_at) "
            "VALUES (%s, 'image', %s, now() - interval '2 days')",
            setup.project,
            location,
        )
    monkeypatch.setattr(sources, "REMOTE_MAX_BYTES", 4000)
    result = local_wb.download(setup.project, to=tmp_path / "out")
    by_location = {f.location: f for f in result.files}
    for n in range(2):
        item = by_location[web.url(f"/remote/{n}.png?sig=abc")]
        assert item.status == "downloaded"
        assert item.name
        assert item.name.endswith(".png")
        assert (tmp_path / "out" / item.name).read_bytes() == web.files[f"/remote/{n}.png?sig=abc"]
    assert by_location[web.url(big)].status == "unavailable"
    assert "above the 4,000-byte limit" in (by_location[web.url(big)].error or "")
    local = by_location["file:///etc/hostname"]
    assert (local.status, local.name) == ("unavailable", None)
    assert "outside this workbench's store" in (local.error or "")
    assert by_location["ftp://example.com/a.png"].status == "unavailable"
    assert by_location[web.url("/missing.png")].status == "failed"
    assert "HTTP 404" in (by_location[web.url("/missing.png")].error or "")
    assert not result.complete
    assert len(result.failed) == 4
    lines, _ = manifest_rows(tmp_path / "out")
    assert [row["status"] for row in lines] == [f.status for f in result.files]


@pytest.mark.parametrize("mode", ["folder", "zip"])
def test_killed_run_resumes_without_fetching_what_was_done(
    local_wb: Workbench, setup: Setup, tmp_path: Path, db_dsn: str, web: Host, mode: str
) -> None:
    """SIGKILL a real `workbench download` while two files hang half-fetched, then run it
    again: the complete files are kept as they are (same inode and mtime), no truncated
    file ever carries a final name, and every file ends up with the stored bytes. A zip
    download keeps its files in the sidecar folder until the zip is written."""
    populate(local_wb, setup, tmp_path, images=6)  # 7 files from the store: fast
    remote_generations(db_dsn, setup, web, 2, slow=True)  # older: last in the listing
    archive = tmp_path / "out.zip"
    out = tmp_path / "out" if mode == "folder" else tmp_path / "out.zip.parts"
    destination = ["--to", str(out)] if mode == "folder" else ["--zip", str(archive)]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")},
        "WORKBENCH_DSN": db_dsn, "WORKBENCH_USER_ID": str(setup.user),
        "WORKBENCH_ASSETS_DIR": str(tmp_path / "assets"),
        "WORKBENCH_HOME": str(tmp_path / "cli-home"),
    }  # fmt: skip
    command = [str(Path(sys.executable).parent / "workbench"), "download", "--project",
               str(setup.project), *destination, "--concurrency", "4"]  # fmt: skip
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:

        def stuck() -> bool:
            done = [p for p in out.glob("*") if NAME.fullmatch(p.name)]
            return len(done) == 7 and len(list(out.glob("*.part"))) == 2

        wait_until(stuck, what="7 complete files and 2 half-fetched", timeout=60)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    assert not (out / "manifest.jsonl").exists()
    assert not archive.exists()
    for part in out.glob("*.part"):  # what the kill interrupted: never under a final name
        final = part.with_name(part.name.removesuffix(".part"))
        assert not final.exists()
    before = {p.name: p.stat() for p in out.iterdir() if NAME.fullmatch(p.name)}

    web.gate.set()
    done = subprocess.run([*command, "--json"], env=env, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["already_there"], report["downloaded"], report["complete"]) == (7, 2, True)
    assert report["bytes_fetched"] == sum(
        f["size"] for f in report["files"] if f["status"] == "downloaded"
    )
    if mode == "folder":
        for name, stat in before.items():
            after = (out / name).stat()
            assert (after.st_ino, after.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns), name
        assert not list(out.glob("*.part"))
        lines, _ = manifest_rows(out)
        read = lambda name: (out / name).read_bytes()  # noqa: E731
    else:
        assert not out.exists()  # the sidecar is gone once the zip is written
        with zipfile.ZipFile(archive) as zf:
            contents = {name: zf.read(name) for name in zf.namelist()}
        lines = [json.loads(line) for line in contents["manifest.jsonl"].splitlines()]
        read = contents.__getitem__
        assert set(before) <= set(contents)
    assert len(lines) == 9
    for row in lines:
        location = row["location"]
        expected = (
            web.files[location.split(str(web.server_address[1]), 1)[1]]
            if location.startswith("http")
            else stored(local_wb.storage, location)
        )
        assert sha(read(row["file"])) == row["sha256"] == sha(expected)


def test_view_model_status_cancel_and_resume(
    local_wb: Workbench, setup: Setup, tmp_path: Path
) -> None:
    populate(local_wb, setup, tmp_path, images=5)
    model = DownloadModel(local_wb)
    assert model.state.status == "ready to download"
    seen: list[str] = []

    def listen(state: Any) -> None:
        seen.append(state.status)
        if state.files_done >= 2 and state.running:
            model.cancel()

    unsubscribe = model.subscribe(listen)
    out = tmp_path / "out"
    first = model.start(to=out, project=setup.project, filters=None, concurrency=1)
    unsubscribe()
    assert first is not None
    assert first.cancelled
    assert model.state.status.startswith("cancelled at ")
    assert model.state.status.endswith("(start again to resume)")
    assert re.fullmatch(r"\d+/6 files · [\d.]+ [kMG]?B of [\d.]+ [kMG]?B", seen[-2]), seen
    done_before = {f.name for f in first.files if f.status == "downloaded"}
    assert 2 <= len(done_before) < 6

    result = model.start(to=out, project=setup.project, filters=None)
    assert isinstance(result, DownloadResult)
    assert result.complete
    state = model.state
    assert (state.files_total, state.files_done, state.files_skipped) == (
        6, 6, len(done_before),
    )  # fmt: skip
    size = size_text(result.bytes_total)
    assert state.status == f"done: 6 files ({len(done_before)} already there) · {size} → {out}"
    assert model.start(to=out, ids=[uuid.uuid4()]) is None
    assert model.state.error is not None
    assert "not found" in model.state.error
    assert model.state.status.startswith("download failed: generation ")


KILL_AT_HALF = """
import json, os, signal, sys, threading
from workbench.startup import connect
from workbench.storage import LocalStorage, S3Storage
a = json.loads(sys.argv[1])
store = (LocalStorage(a["root"]) if "root" in a else
         S3Storage(a["bucket"], endpoint_url=a["endpoint"], access_key_id="k",
                   secret_access_key="s"))
if a.get("ranged"):  # ranges at once, for an object this small
    import workbench.downloads.run as run
    run.RANGED_ABOVE, run.RANGE_SIZE = 4 * 1024 * 1024, 1024 * 1024
lock = threading.Lock()
def progress(snap):
    if snap.bytes_done >= a["kill_at"]:
        with lock:
            os.kill(os.getpid(), signal.SIGKILL)
with connect(a["dsn"], storage=store, user_id=a["user"]) as wb:
    wb.download(ids=[a["id"]], to=a["out"], progress=progress)
"""


@pytest.mark.parametrize("ranged", [False, True], ids=["stream", "ranges"])
@pytest.mark.parametrize("changed", [False, True], ids=["same", "changed"])
def test_a_half_fetched_file_is_continued_unless_it_changed(
    wb: Workbench, store: Storage, setup: Setup, tmp_path: Path, db_dsn: str, changed: bool,
    ranged: bool,
) -> None:  # fmt: skip
    """A real SIGKILL half-way through a 12 MiB file leaves ``name.part``; the re-run asks the
    store for the rest only (a ranged read of the same version), or, when the object changed
    since, fetches the new one whole. With ``ranges`` (S3 only), the file is fetched as 1 MiB
    ranges at once, so the ``.part`` has holes: the re-run continues after the prefix the
    journal says is complete."""
    ranged = ranged and not isinstance(store, LocalStorage)  # a local store reads one stream
    data = os.urandom(12 * 1024 * 1024)
    key = f"{setup.user}/uploads/{uuid.uuid4().hex[:8]}.mp4"
    url = store.put_bytes(key, data, "video/mp4")
    gid = uuid.uuid4()
    sql(db_dsn, "INSERT INTO generations (id, project_id, type, location) VALUES "
        "(%s, %s, 'video', %s)", gid, setup.project, url)  # fmt: skip
    out = tmp_path / "out"
    spec: dict[str, Any] = (
        {"root": str(store.root)} if isinstance(store, LocalStorage)
        else {"bucket": store.bucket, "endpoint": store.endpoint_url}  # type: ignore[attr-defined]
    )  # fmt: skip
    args = {**spec, "dsn": db_dsn, "user": str(setup.user), "id": str(gid), "out": str(out),
            "kill_at": len(data) // 2, "ranged": ranged}  # fmt: skip
    child = subprocess.run([sys.executable, "-c", KILL_AT_HALF, json.dumps(args)],
                           capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr
    name = f"0001_{gid.hex[:8]}.mp4"
    assert not (out / name).exists()
    left = (out / f"{name}.part").stat().st_size
    if ranged:  # what the journal vouches for: the hashed prefix, whole ranges
        journal = (out / ".workbench-download.jsonl").read_text().splitlines()
        left = max(json.loads(line).get("prefix", 0) for line in journal)
        assert left % (1024 * 1024) == 0
        assert 0 <= left < len(data)  # 0: killed before the first range was whole
    else:
        assert len(data) // 2 <= left < len(data)

    if changed:
        data = os.urandom(len(data))
        store.put_bytes(key, data, "video/mp4")
    result = wb.download(ids=[gid], to=out)
    assert result.complete
    assert (out / name).read_bytes() == data
    assert result.files[0].sha256 == sha(data)
    assert result.bytes_fetched == (len(data) if changed else len(data) - left)
    assert not (out / f"{name}.part").exists()


def test_a_large_object_comes_as_ranges_at_once(
    s3_wb: Workbench, setup: Setup, tmp_path: Path, db_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above ``RANGED_ABOVE`` an S3 object is fetched as ranges on several threads (each
    written at its place, the whole hashed in order): the same bytes, in flat memory."""
    from workbench.downloads import run

    monkeypatch.setattr(run, "RANGED_ABOVE", 2 * 1024 * 1024)
    monkeypatch.setattr(run, "RANGE_SIZE", 1024 * 1024)
    data = os.urandom(5 * 1024 * 1024 + 123)  # the last range is short
    url = s3_wb.storage.put_bytes(f"{setup.user}/uploads/big.mov", data)
    gid = uuid.uuid4()
    sql(db_dsn, "INSERT INTO generations (id, project_id, type, location) VALUES "
        "(%s, %s, 'video', %s)", gid, setup.project, url)  # fmt: skip
    snaps: list[DownloadProgress] = []
    result = s3_wb.download(ids=[gid], to=tmp_path / "out", progress=snaps.append)
    assert result.complete, result.files
    (item,) = result.files
    assert (tmp_path / "out" / (item.name or "")).read_bytes() == data
    assert (item.size, item.sha256) == (len(data), sha(data))
    assert (snaps[-1].bytes_done, snaps[-1].bytes_total) == (len(data), len(data))
    journal = (tmp_path / "out" / ".workbench-download.jsonl").read_text()
    assert '"done": 0' not in journal  # compacted: only the complete file is left
