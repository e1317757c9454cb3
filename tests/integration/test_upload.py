"""Uploads on a real PostgreSQL into both stores (a local folder, a real S3 server)."""

from __future__ import annotations

import hashlib
import io
import re
import threading
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
import upload_samples as samples
from PIL import Image
from upload_setup import Setup

from workbench.client import Workbench
from workbench.errors import (
    MediaError,
    NotFoundError,
    ValidationError,
    WorkbenchError,
)
from workbench.storage import Storage
from workbench.uploads import UploadData, UploadProgress

MiB = 1024 * 1024


def key_of(store: Storage, url: str) -> str:
    base = store.url("x")[:-1]
    assert url.startswith(base), url
    return url[len(base) :]


def stored_keys(store: Storage) -> list[str]:
    return [o.key for o in store.list()]


def rows(dsn: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(query, params).fetchall()


def uploaded_generations(dsn: str) -> list[tuple[Any, ...]]:
    return rows(dsn, "SELECT id FROM generations WHERE location IS NOT NULL")


FILES = {
    "a.png": lambda: samples.image("png", (900, 600), seed=1),
    "b.jpg": lambda: samples.image("jpg", (400, 1000), seed=2),
    "c.webp": lambda: samples.image("webp", (320, 200), seed=3),
    "d.gif": lambda: samples.image("gif", (250, 120), seed=4),
    "e.mp4": lambda: samples.video("mp4", (320, 180), frames=24),
    "f.mov": lambda: samples.video("mov", (160, 96)),
    "g.webm": lambda: samples.video("webm", (160, 96)),
    "h.safetensors": lambda: samples.safetensors(
        metadata={"ss_base_model_version": "sdxl_base_v1-0", "trigger_word": "glow"}
    ),
}


def write_files(folder: Path, names: list[str] | None = None) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in names or list(FILES):
        paths[name] = folder / name
        paths[name].write_bytes(FILES[name]())
    return paths


def test_round_trip_of_every_supported_type(
    wb: Workbench, store: Storage, setup: Setup, db_dsn: str, tmp_path: Path
) -> None:
    paths = write_files(tmp_path / "in")
    snapshots: list[UploadProgress] = []
    results = wb.upload(list(paths.values()), project_id=setup.project, shot_id=setup.shot,
                        progress=snapshots.append)  # fmt: skip
    assert [r.status for r in results] == ["uploaded"] * len(FILES), results
    assert [r.path for r in results] == [str(p) for p in paths.values()]
    last = snapshots[-1]
    total = sum(p.stat().st_size for p in paths.values())
    assert (last.files_done, last.files_total, last.bytes_done, last.bytes_total) == (
        8, 8, total, total,
    )  # fmt: skip

    for result, (name, path) in zip(results, paths.items(), strict=True):
        data = path.read_bytes()
        assert result.location is not None
        key = key_of(store, result.location)
        assert store.get_bytes(key) == data  # the object is the file, byte for byte
        ext = {"jpg": "jpg"}.get(path.suffix[1:], path.suffix[1:])
        if name.endswith(".safetensors"):
            assert re.fullmatch(rf"{setup.user}/loras/\d{{13}}-[0-9a-z]{{8}}\.safetensors", key)
            assert result.kind == "lora"
            assert result.resource_id is not None
            continue
        assert re.fullmatch(rf"{setup.user}/uploads/\d{{13}}-[0-9a-z]{{8}}\.{ext}", key)
        (gtype, location, thumb_url, params, name_col), = rows(
            db_dsn, "SELECT type, location, thumbnail_url, params, name FROM generations "
            "WHERE id = %s", result.generation_id,
        )  # fmt: skip
        assert gtype == result.kind
        assert location == result.location
        assert params["source"] == "external_upload"
        assert params["original_filename"] == name
        assert params["file_size"] == len(data)
        assert params["content_sha256"] == hashlib.sha256(data).hexdigest()
        thumb_key = key_of(store, thumb_url)
        assert re.fullmatch(
            rf"{setup.user}/thumbnails/thumb_\d{{13}}_[0-9a-z]{{6}}\.jpg", thumb_key
        )
        thumb = Image.open(io.BytesIO(store.get_bytes(thumb_key)))
        assert thumb.format == "JPEG"
        assert max(thumb.size) <= 300
        with Image.open(path) if gtype == "image" else Image.new("RGB", (1, 1)) as original:
            if gtype == "image":
                assert (params["width"], params["height"]) == original.size
                assert max(thumb.size) == min(300, max(original.size))
        if gtype == "video":
            assert (params["width"], params["height"]) in ((320, 180), (160, 96))
            assert params["duration_seconds"] == pytest.approx(
                2.0 if name == "e.mp4" else 1.0, abs=0.1
            )
        assert name_col == "Original"  # copied from the variant by Reigh's trigger
        variants = rows(
            db_dsn, "SELECT location, thumbnail_url, is_primary, variant_type, name "
            "FROM generation_variants WHERE generation_id = %s", result.generation_id,
        )  # fmt: skip
        assert variants == [(location, thumb_url, True, "original", "Original")]

    frames = rows(
        db_dsn, "SELECT g.type, sg.timeline_frame FROM shot_generations sg "
        "JOIN generations g ON g.id = sg.generation_id WHERE sg.shot_id = %s "
        "AND g.location IS NOT NULL", setup.shot,
    )  # fmt: skip
    assert sorted(f for t, f in frames if t == "image") == [0, 50, 100, 150]
    assert [f for t, f in frames if t == "video"] == [None, None, None]

    (lora,) = [r for r in results if r.kind == "lora"]
    ((rtype, meta, user_id),) = rows(
        db_dsn, "SELECT type, metadata, user_id FROM resources WHERE id = %s", lora.resource_id
    )
    assert (rtype, user_id) == ("lora", setup.user)
    assert meta["Model Files"] == [{"path": "h.safetensors", "url": lora.location}]
    assert (meta["base_model"], meta["trigger_word"], meta["Name"]) == (
        "sdxl_base_v1-0", "glow", "h",
    )  # fmt: skip
    assert len(stored_keys(store)) == 8 + 7  # objects + thumbnails of the media


def test_named_bytes_upload(wb: Workbench, store: Storage, setup: Setup, db_dsn: str) -> None:
    data = samples.image("png", (64, 64), seed=9)
    (result,) = wb.upload(UploadData("from the browser.png", data), project_id=setup.project)
    assert result.status == "uploaded"
    assert result.location is not None
    assert store.get_bytes(key_of(store, result.location)) == data
    ((params,),) = rows(db_dsn, "SELECT params FROM generations WHERE id = %s",
                        result.generation_id)  # fmt: skip
    assert params["original_filename"] == "from the browser.png"


REFUSALS: list[tuple[str, Any, dict[str, Any], type[Exception], str]] = [
    ("wrong magic, good extension", ("cat.png", b"this is plain text, not a PNG at all " * 4), {},
     MediaError, r"cat\.png: not a supported file \(unrecognised content"),
    ("a zip named .jpg", ("photo.jpg", b"PK\x03\x04" + b"\0" * 100), {}, MediaError,
     r"photo\.jpg: not a supported file \(a ZIP archive\)"),
    ("broken image body", ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100), {}, MediaError,
     r"broken\.png: not a decodable image"),
    ("broken video body", ("clip.webm", b"\x1a\x45\xdf\xa3webm" + b"\0" * 100), {}, MediaError,
     r"clip\.webm: not a decodable video"),
    ("empty file", ("empty.png", b""), {}, ValidationError, r"empty\.png: the file is empty"),
    ("oversize", ("big.jpg", "jpg"), {"max_bytes": 1000}, ValidationError,
     r"big\.jpg: too large \(.*KiB; the limit for an image is 1000 B\)"),
    ("oversize video", ("clip.mp4", "video"), {"max_bytes": {"video": 500}}, ValidationError,
     r"clip\.mp4: too large"),
    ("kind mismatch", ("pic.png", None), {"kind": "video"}, ValidationError,
     r"pic\.png: is an image \(image/png\), not a video as asked"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "file", "options", "error", "message"), REFUSALS, ids=[r[0] for r in REFUSALS]
)
def test_refusals_store_nothing(
    wb: Workbench,
    store: Storage,
    setup: Setup,
    db_dsn: str,
    tmp_path: Path,
    case: str,
    file: tuple[str, Any],
    options: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    name, data = file
    if data is None:
        data = samples.image("png", (200, 200))
    elif data == "video":
        data = samples.video("mp4")
    elif data == "jpg":
        data = samples.image("jpg", (400, 400))
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(error, match=message):
        wb.upload(path, project_id=setup.project, **options)
    assert stored_keys(store) == []
    assert uploaded_generations(db_dsn) == []


@pytest.mark.parametrize("name", ["../escape.png", "/etc/passwd.png", "a/b.png", "..\\x.png"])
def test_names_with_paths_are_refused(
    wb: Workbench, store: Storage, setup: Setup, db_dsn: str, name: str
) -> None:
    data = samples.image("png", (32, 32))
    with pytest.raises(ValidationError, match="must be a plain name"):
        wb.upload(UploadData(name, data), project_id=setup.project)
    assert stored_keys(store) == []
    assert uploaded_generations(db_dsn) == []


def test_a_path_with_dots_never_reaches_the_key(
    wb: Workbench, store: Storage, setup: Setup, tmp_path: Path
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "evil.png").write_bytes(samples.image("png", (32, 32)))
    (result,) = wb.upload(tmp_path / "sub" / ".." / "evil.png", project_id=setup.project)
    assert result.location is not None
    key = key_of(store, result.location)
    assert ".." not in key
    assert "evil" not in key
    assert key.startswith(f"{setup.user}/uploads/")


def test_unknown_kind_is_refused_before_anything(
    wb: Workbench, store: Storage, setup: Setup, tmp_path: Path
) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(samples.image("png", (32, 32)))
    with pytest.raises(ValidationError, match="unknown kind 'audio'"):
        wb.upload(path, project_id=setup.project, kind="audio")
    assert stored_keys(store) == []


def test_bulk_reports_each_failure_and_uploads_the_rest(
    wb: Workbench, store: Storage, setup: Setup, db_dsn: str, tmp_path: Path
) -> None:
    good = tmp_path / "good.jpg"
    good.write_bytes(samples.image("jpg", (64, 64)))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image, honestly " * 10)
    empty = tmp_path / "empty.webp"
    empty.touch()
    results = wb.upload([bad, good, empty, tmp_path / "missing.png",
                         UploadData("../x.png", b"\x89PNG")], project_id=setup.project)  # fmt: skip
    assert [r.status for r in results] == ["failed", "uploaded", "failed", "failed", "failed"]
    assert results[0].error is not None
    # The result names the file (``path``); its error says why, without the path again.
    assert results[0].error.startswith("not a supported file"), results[0].error
    assert results[3].error == "no such file or folder"
    assert results[2].error is not None
    assert "the file is empty" in results[2].error
    assert results[3].error is not None
    assert "no such file" in results[3].error
    assert results[4].error is not None
    assert "plain name" in results[4].error
    assert len(uploaded_generations(db_dsn)) == 1
    assert len(stored_keys(store)) == 2  # the good one and its thumbnail


@pytest.mark.parametrize(
    ("target", "error"),
    [
        ({"project_id": "other_project"}, NotFoundError),
        ({"project_id": uuid.uuid4()}, NotFoundError),
        ({"project_id": "project", "shot_id": "other_shot"}, NotFoundError),
        ({"project_id": "second_project", "shot_id": "shot"}, ValidationError),
        ({"project_id": "project", "shot_id": uuid.uuid4()}, NotFoundError),
    ],
)
def test_ownership_is_checked_before_any_byte(
    wb: Workbench,
    store: Storage,
    setup: Setup,
    db_dsn: str,
    tmp_path: Path,
    target: dict[str, Any],
    error: type[Exception],
) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(samples.image("png", (32, 32)))
    resolved = {k: getattr(setup, v) if isinstance(v, str) else v for k, v in target.items()}
    with pytest.raises(error):
        wb.upload([path], **resolved)
    assert stored_keys(store) == []
    assert uploaded_generations(db_dsn) == []


def test_same_bytes_are_one_generation_per_project(
    wb: Workbench, store: Storage, setup: Setup, db_dsn: str, tmp_path: Path
) -> None:
    data = samples.image("png", (128, 128), seed=5)
    first, copy = tmp_path / "first.png", tmp_path / "renamed copy.png"
    first.write_bytes(data)
    copy.write_bytes(data)
    (one,) = wb.upload(first, project_id=setup.project)
    (again,) = wb.upload(first, project_id=setup.project)
    (renamed,) = wb.upload(copy, project_id=setup.project, shot_id=setup.shot)
    (twice,) = wb.upload(copy, project_id=setup.project, shot_id=setup.shot)
    assert one.status == "uploaded"
    assert [again.status, renamed.status, twice.status] == ["duplicate"] * 3
    assert one.generation_id == again.generation_id == renamed.generation_id
    assert len(stored_keys(store)) == 2
    links = rows(db_dsn, "SELECT timeline_frame FROM shot_generations WHERE generation_id = %s",
                 one.generation_id)  # fmt: skip
    assert links == [(0,)]  # the re-upload to the shot joined it once
    (elsewhere,) = wb.upload(first, project_id=setup.second_project)
    assert elsewhere.status == "uploaded"
    assert elsewhere.generation_id != one.generation_id

    lora = tmp_path / "style.safetensors"
    lora.write_bytes(samples.safetensors())
    (l1,) = wb.upload(lora, project_id=setup.project)
    (l2,) = wb.upload(lora, project_id=setup.second_project)  # LoRAs belong to the user
    assert (l1.status, l2.status) == ("uploaded", "duplicate")
    assert l1.resource_id == l2.resource_id


def test_a_failed_row_insert_removes_the_objects(
    wb: Workbench, store: Storage, setup: Setup, db_dsn: str, tmp_path: Path
) -> None:
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'no new generations today'; END $$"
        )
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON generations "
            "FOR EACH ROW EXECUTE FUNCTION refuse()"
        )
    path = tmp_path / "a.png"
    path.write_bytes(samples.image("png", (64, 64)))
    with pytest.raises(WorkbenchError, match="stored, but recording it failed: no new generations"):
        wb.upload(path, project_id=setup.project)
    assert stored_keys(store) == []


def test_progress_comes_from_worker_threads_and_ends_complete(
    wb: Workbench, setup: Setup, tmp_path: Path
) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    for n in range(12):
        (folder / f"{n:02d}.png").write_bytes(samples.image("png", (48, 48), seed=100 + n))
    (folder / ".hidden.png").write_bytes(b"skipped: hidden files are not uploaded")
    seen: list[tuple[UploadProgress, str]] = []
    results = wb.upload(
        folder, project_id=setup.project, workers=4,
        progress=lambda p: seen.append((p, threading.current_thread().name)),
    )  # fmt: skip
    assert [r.status for r in results] == ["uploaded"] * 12
    assert [Path(r.path).name for r in results] == [f"{n:02d}.png" for n in range(12)]
    files_done = [p.files_done for p, _ in seen]
    assert files_done == sorted(files_done)
    assert seen[-1][0].files_done == 12
    assert seen[-1][0].bytes_done == seen[-1][0].bytes_total
    assert {name for _, name in seen} != {threading.current_thread().name}


def test_cancel_stops_the_batch(wb: Workbench, setup: Setup, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    for n in range(6):
        (folder / f"{n}.png").write_bytes(samples.image("png", (32, 32), seed=200 + n))
    cancel = threading.Event()
    cancel.set()
    results = wb.upload(folder, project_id=setup.project, cancel=cancel)
    assert {r.status for r in results} == {"failed"}
    assert all("cancelled" in (r.error or "") for r in results)
