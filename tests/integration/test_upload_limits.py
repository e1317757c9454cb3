"""What uploads refuse, and how: pixel limits in bounded memory, wrong argument types, odd names.

Huge pictures are made on the spot as real PNGs of zero rows, compressed a row at a time, so a
12000x12000 picture costs this process a few hundred kilobytes, never its 576 MB of pixels.
The memory bound is measured where it matters: the upload runs in a child process, and that
process's peak resident size (``ru_maxrss``) is what is checked.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import psycopg
import pytest
import upload_samples as samples
from upload_setup import Setup

from workbench.client import Workbench
from workbench.errors import MediaError, ValidationError
from workbench.storage import LocalStorage, Storage
from workbench.uploads import UploadData

MiB = 1024 * 1024
RSS_TARGET_MB = 300  # DESIGN §9: peak for any single image the upload limits accept


@pytest.fixture
def store(tmp_path: Path) -> Storage:
    """A local store: what is checked here happens before, or apart from, the transfer."""
    return LocalStorage(tmp_path / "assets")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def blank_png(width: int, height: int, *, colour: bool = True) -> bytes:
    """A valid PNG of black (RGB) or grey (L) pixels, compressed without holding them."""
    row = b"\0" * (1 + width * (3 if colour else 1))  # filter byte, then the pixels
    per_block = max(1, MiB // len(row))
    packer = zlib.compressobj(9)
    parts = [packer.compress(row * min(per_block, height - y)) for y in range(0, height, per_block)]
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if colour else 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )


def stored_keys(store: Storage) -> list[str]:
    return [o.key for o in store.list()]


def params_of(dsn: str) -> list[dict[str, Any]]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT params FROM generations WHERE location IS NOT NULL ORDER BY created_at"
        ).fetchall()
    return [r[0] for r in rows]


def lora_metadata(dsn: str) -> list[dict[str, Any]]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT metadata FROM resources WHERE type = 'lora'").fetchall()
    return [r[0] for r in rows]


# --- pixel limits -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "colour", "shown"),
    [((7200, 7200), True, r"7200x7200 \(51\.8 megapixels, 198 MiB decoded as RGB\)"),
     ((1, 100_000_000), False, r"1x100000000 \(100\.0 megapixels")],
    ids=["over-the-colour-limit", "one-pixel-wide"],
)  # fmt: skip
def test_too_many_pixels_is_refused_before_decoding(
    wb: Workbench, store: Storage, setup: Setup, db_dsn: str, tmp_path: Path,
    size: tuple[int, int], colour: bool, shown: str,
) -> None:  # fmt: skip
    path = tmp_path / "huge.png"
    path.write_bytes(blank_png(*size, colour=colour))
    message = rf"huge\.png: too many pixels to thumbnail: {shown}.*the limit is 160 MiB decoded"
    with pytest.raises(MediaError, match=message):
        wb.upload(path, project_id=setup.project)
    assert stored_keys(store) == []
    assert params_of(db_dsn) == []


def test_a_decompression_bomb_is_refused_with_the_limit_named(
    wb: Workbench, store: Storage, setup: Setup, db_dsn: str
) -> None:
    # 30000x30000 claimed by the header: Pillow refuses it as a bomb before any decoding.
    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b""))
    message = (
        r"bomb\.png: refused as a decompression bomb: .*"
        r"images are thumbnailed only up to 41\.9 megapixels in colour"
    )
    with pytest.raises(MediaError, match=message):
        wb.upload(UploadData("bomb.png", bomb + _chunk(b"IEND", b"")), project_id=setup.project)
    assert stored_keys(store) == []


def black_mov(path: Path, width: int, height: int) -> Path:
    """A one-frame MJPEG MOV of black: half a megabyte for 36 megapixels."""
    import av

    with av.open(str(path), mode="w", format="mov") as out:
        stream = out.add_stream("mjpeg", rate=1)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuvj420p"
        frame = av.VideoFrame(width, height, "yuvj420p")
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.pts = 0
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def test_video_frames_larger_than_8k_are_refused_before_decoding(
    wb: Workbench, store: Storage, setup: Setup, db_dsn: str, tmp_path: Path
) -> None:
    path = black_mov(tmp_path / "wide.mov", 8200, 4400)
    message = (
        r"wide\.mov: video frames too large to thumbnail: 8200x4400 \(36\.1 megapixels; "
        r"the limit is 8192x4320"
    )
    with pytest.raises(MediaError, match=message):
        wb.upload(path, project_id=setup.project)
    assert stored_keys(store) == []
    assert params_of(db_dsn) == []


# VmHWM is the peak of this process's own memory: ru_maxrss would also count the memory of
# the test process it was started from (Linux carries it over exec).
CHILD = """
import json, sys
from workbench.startup import connect
from workbench.storage import LocalStorage
args = json.loads(sys.argv[1])
with connect(args["dsn"], storage=LocalStorage(args["root"]), user_id=args["user"]) as wb:
    results = wb.upload(args["paths"], project_id=args["project"], workers=args["workers"])
status = open("/proc/self/status").read()
peak = int(status.split("VmHWM:")[1].split()[0])
print(json.dumps({"peak_mb": peak / 1024,
                  "status": [r.status for r in results], "errors": [r.error for r in results]}))
"""


def upload_in_child(
    dsn: str, setup: Setup, root: Path, paths: list[Path], workers: int
) -> dict[str, Any]:
    args = {"dsn": dsn, "root": str(root), "user": str(setup.user), "workers": workers,
            "project": str(setup.project), "paths": [str(p) for p in paths]}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(args)], capture_output=True, text=True,
        timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_peak_memory_stays_bounded_whatever_the_pixels_and_workers(
    setup: Setup, db_dsn: str, tmp_path: Path
) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    huge = folder / "a-huge.png"
    huge.write_bytes(blank_png(12000, 12000))  # ~400 KB: the 1.1 GB peak
    for n in range(4):  # four pictures just under the limit (41.8 MP, 159 MiB), four workers
        (folder / f"b-large-{n}.png").write_bytes(blank_png(7680 - n, 5440))
    report = upload_in_child(db_dsn, setup, tmp_path / "assets", [folder], workers=4)
    assert report["status"] == ["failed", "uploaded", "uploaded", "uploaded", "uploaded"]
    assert "too many pixels" in report["errors"][0]
    assert report["peak_mb"] <= RSS_TARGET_MB, report
    sizes = sorted((p["width"], p["height"]) for p in params_of(db_dsn))
    assert sizes == [(7677, 5440), (7678, 5440), (7679, 5440), (7680, 5440)]


# --- argument types ---------------------------------------------------------------------------


def test_upload_data_checks_its_arguments() -> None:
    with pytest.raises(ValidationError, match=r"UploadData data must be bytes, got None"):
        UploadData("a.png", None)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"UploadData name must be a str, got 42"):
        UploadData(42, b"x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "message"),
    [({"max_bytes": "10MB"}, r"max_bytes must be a number of bytes or a mapping .* got '10MB'"),
     ({"workers": "2"}, r"workers must be a whole number, got '2' \(a str\)"),
     ({"workers": 1.5}, r"workers must be a whole number, got 1\.5 \(a float\)"),
     ({"workers": True}, r"workers must be a whole number, got True"),
     ({"progress": "yes"}, r"progress must be callable")],
    ids=["max_bytes-str", "workers-str", "workers-float", "workers-bool", "progress-str"],
)  # fmt: skip
def test_wrong_argument_types_are_refused_before_anything_is_stored(
    wb: Workbench, store: Storage, setup: Setup, db_dsn: str, tmp_path: Path,
    options: dict[str, Any], message: str,
) -> None:  # fmt: skip
    path = tmp_path / "fine.png"
    path.write_bytes(samples.image("png", (32, 32)))
    with pytest.raises(ValidationError, match=message):
        wb.upload(path, project_id=setup.project, **options)
    assert stored_keys(store) == []
    assert params_of(db_dsn) == []


@pytest.mark.parametrize("paths", [None, 42, b"raw bytes"], ids=["none", "int", "bytes"])
def test_paths_of_the_wrong_type_are_refused(wb: Workbench, setup: Setup, paths: object) -> None:
    with pytest.raises(ValidationError, match=r"paths must be a path, an UploadData or a list"):
        wb.upload(paths, project_id=setup.project)  # type: ignore[arg-type]


def test_deeply_nested_safetensors_header_is_a_media_error(
    wb: Workbench, store: Storage, setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    header = b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    data = struct.pack("<Q", len(header)) + header
    with caplog.at_level(logging.ERROR), pytest.raises(
        MediaError, match=r"deep\.safetensors: not a safetensors file \(its header is JSON nested"
    ):  # fmt: skip
        wb.upload(UploadData("deep.safetensors", data), project_id=setup.project)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []  # no traceback
    assert stored_keys(store) == []


# --- names and special files ----------------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_recorded_in_a_safe_form(
    wb: Workbench, store: Storage, setup: Setup, db_dsn: str, tmp_path: Path
) -> None:
    folder = os.fsencode(tmp_path / "from-disk")
    os.mkdir(folder)
    for raw, data in ((b"caf\xe9.png", samples.image("png", (40, 40), seed=1)),
                      (b"r\xe9glage.safetensors", samples.safetensors(seed=2))):  # fmt: skip
        with open(os.path.join(folder, raw), "wb") as handle:
            handle.write(data)
    results = wb.upload(os.fsdecode(folder), project_id=setup.project)
    assert [r.status for r in results] == ["uploaded", "uploaded"], [r.error for r in results]
    (params,) = params_of(db_dsn)
    assert params["original_filename"] == "caf\ufffd.png"
    (lora,) = lora_metadata(db_dsn)
    assert lora["original_filename"] == "r\ufffdglage.safetensors"
    assert lora["Model Files"][0]["path"] == "r\ufffdglage.safetensors"
    assert lora["Model ID"] == "r\ufffdglage"


def test_lone_surrogates_in_names_and_lora_metadata_are_recorded_safely(
    wb: Workbench, setup: Setup, db_dsn: str
) -> None:
    image = UploadData("odd\ud800.png", samples.image("png", (40, 40), seed=3))
    lora = UploadData("w.safetensors", samples.safetensors(metadata={"name": "n\ud83d\0x"}))
    results = wb.upload([image, lora], project_id=setup.project)
    assert [r.status for r in results] == ["uploaded", "uploaded"], [r.error for r in results]
    (params,) = params_of(db_dsn)
    assert params["original_filename"] == "odd\ufffd.png"
    (metadata,) = lora_metadata(db_dsn)
    assert metadata["Name"] == "n\ufffd\ufffdx"


@pytest.mark.timeout(60)  # before the fix, opening the FIFO waited for a writer for ever
def test_fifos_are_refused_and_symlinks_followed(
    wb: Workbench, store: Storage, setup: Setup, db_dsn: str, tmp_path: Path
) -> None:
    folder = tmp_path / "odd"
    folder.mkdir()
    real = tmp_path / "real.png"
    real.write_bytes(samples.image("png", (40, 40), seed=4))
    os.mkfifo(folder / "a-pipe.png")
    (folder / "b-link.png").symlink_to(real)
    (folder / "c-dangling.png").symlink_to(tmp_path / "gone.png")
    results = wb.upload(folder, project_id=setup.project)
    by_name = {Path(r.path).name: r for r in results}
    assert by_name["a-pipe.png"].status == "failed"
    assert by_name["a-pipe.png"].error == "not a regular file (a FIFO); not uploaded"
    assert by_name["b-link.png"].status == "uploaded"
    assert by_name["c-dangling.png"].status == "failed"
    assert "cannot be read" in (by_name["c-dangling.png"].error or "")
    assert stat.S_ISFIFO(os.stat(folder / "a-pipe.png").st_mode)  # left as it was
    with pytest.raises(ValidationError, match=r"a-pipe\.png: not a regular file \(a FIFO\)"):
        wb.upload(folder / "a-pipe.png", project_id=setup.project)
    assert len(params_of(db_dsn)) == 1
