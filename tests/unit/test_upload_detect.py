"""Content detection, key naming and size limits: decided by bytes, never by names."""

from __future__ import annotations

import io
import json
import re
import struct
import uuid
from pathlib import Path

import pytest
import upload_samples as samples

from workbench.errors import MediaError, ValidationError
from workbench.uploads.detect import detect, sniff
from workbench.uploads.keys import keys_for, plain_name, rand
from workbench.uploads.prepare import DEFAULT_LIMITS, Item, check, describe, limits_for

USER = uuid.UUID("3f1b2c4d-0000-4000-8000-000000000001")


def detected(data: bytes) -> tuple[str, str, str]:
    found, _ = detect(io.BytesIO(data), len(data), "f")
    return found.kind, found.mime, found.ext


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("png", ("image", "image/png", "png")),
        ("jpg", ("image", "image/jpeg", "jpg")),
        ("webp", ("image", "image/webp", "webp")),
        ("gif", ("image", "image/gif", "gif")),
    ],
)
def test_images_are_recognised_by_content(fmt: str, expected: tuple[str, str, str]) -> None:
    assert detected(samples.image(fmt, (32, 24))) == expected


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("mp4", ("video", "video/mp4", "mp4")),
        ("mov", ("video", "video/quicktime", "mov")),
        ("webm", ("video", "video/webm", "webm")),
    ],
)
def test_videos_are_recognised_by_content(fmt: str, expected: tuple[str, str, str]) -> None:
    assert detected(samples.video(fmt, frames=2)) == expected


def test_safetensors_is_recognised_by_its_header() -> None:
    data = samples.safetensors(metadata={"ss_base_model_version": "sdxl_base_v1-0"})
    found, header = detect(io.BytesIO(data), len(data), "lora.safetensors")
    assert (found.kind, found.ext) == ("lora", "safetensors")
    assert header is not None
    assert header["__metadata__"]["ss_base_model_version"] == "sdxl_base_v1-0"


def _safetensors(header: object, body: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + body


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (_safetensors({"w": {"dtype": "F16", "shape": [3], "data_offsets": [0, 6]}}, b"x" * 8),
         "data is 8 bytes but its header describes 6"),
        (_safetensors({"w": {"dtype": "F16", "shape": [4], "data_offsets": [0, 8]}}, b"x" * 7),
         "tensor 'w' is malformed"),
        (_safetensors({"w": {"dtype": "F99", "shape": [4], "data_offsets": [0, 8]}}, b"x" * 8),
         "malformed"),
        (_safetensors({"__metadata__": {"a": "b"}}, b""), "no tensors"),
        (struct.pack("<Q", 10**12) + b"{" + b"x" * 20, "impossible"),
        (struct.pack("<Q", 12) + b"{not json!!}" + b"x" * 8, "not JSON"),
    ],
)  # fmt: skip
def test_broken_safetensors_are_refused(data: bytes, problem: str) -> None:
    with pytest.raises(MediaError, match=re.escape(problem)):
        detect(io.BytesIO(data), len(data), "bad.safetensors")


@pytest.mark.parametrize(
    ("head", "described"),
    [
        (b"PK\x03\x04" + b"\0" * 60, "a ZIP archive"),
        (b"%PDF-1.7" + b"\0" * 60, "a PDF document"),
        (b"\0\0\0\x18ftypheic" + b"\0" * 60, "brand 'heic'"),
        (b"\0\0\0\x18ftypM4A " + b"\0" * 60, "brand 'M4A '"),
        (b"\x1a\x45\xdf\xa3" + b"matroska" + b"\0" * 60, "Matroska file that is not WebM"),
        (b"hello, I am a text file pretending to be a picture", "unrecognised content"),
    ],
)
def test_other_content_is_refused_with_what_it_is(head: bytes, described: str) -> None:
    with pytest.raises(MediaError, match=re.escape(described)):
        detect(io.BytesIO(head), len(head), "cat.png")
    assert sniff(head) is None


def test_keys_follow_reighs_layout() -> None:
    image = keys_for(USER, "image", "jpg", ms=1732550000123)
    assert re.fullmatch(rf"{USER}/uploads/1732550000123-[0-9a-z]{{8}}\.jpg", image.object)
    assert image.thumbnail is not None
    assert re.fullmatch(
        rf"{USER}/thumbnails/thumb_1732550000123_[0-9a-z]{{6}}\.jpg", image.thumbnail
    )
    lora = keys_for(USER, "lora", "safetensors")
    assert re.fullmatch(rf"{USER}/loras/\d{{13}}-[0-9a-z]{{8}}\.safetensors", lora.object)
    assert lora.thumbnail is None
    assert len({keys_for(USER, "image", "png", ms=1).object for _ in range(200)}) == 200
    assert re.fullmatch(r"[0-9a-z]{8}", rand(8))
    with pytest.raises(ValueError, match="extension"):
        keys_for(USER, "image", "../x")


@pytest.mark.parametrize(
    "name",
    ["../evil.png", "/etc/passwd", "a/b.png", "..\\x.png", "C:evil.png", "..", "", "a\0.png"],
)
def test_names_with_paths_are_refused(name: str) -> None:
    with pytest.raises(ValidationError):
        plain_name(name)


def test_plain_names_pass() -> None:
    assert plain_name("holiday photo (1).PNG") == "holiday photo (1).PNG"


def item(data: bytes, name: str = "x.png") -> Item:
    return Item(label=name, name=name, size=len(data), data=data)


def test_check_refuses_empty_oversize_and_mismatched_kinds() -> None:
    png = samples.image("png", (16, 16))
    with pytest.raises(ValidationError, match="the file is empty"):
        check(item(b""), "auto", DEFAULT_LIMITS)
    with pytest.raises(ValidationError, match=r"too large \(1\.0 KiB; the limit for an image"):
        check(item(png + b"\0" * (1024 - len(png))), "auto", limits_for(1000))
    with pytest.raises(ValidationError, match=r"is an image \(image/png\), not a video as asked"):
        check(item(png), "video", DEFAULT_LIMITS)
    assert check(item(png), "image", DEFAULT_LIMITS).detected.kind == "image"


def test_limits_per_kind() -> None:
    assert limits_for(None) == dict(DEFAULT_LIMITS)
    assert limits_for({"video": 10})["video"] == 10
    assert limits_for({"video": 10})["image"] == DEFAULT_LIMITS["image"]
    with pytest.raises(ValidationError, match="bad limit"):
        limits_for({"audio": 10})


def test_describe_gives_reighs_params_and_a_small_thumbnail(tmp_path: Path) -> None:
    from PIL import Image

    png = samples.image("png", (1200, 500))
    described = describe(check(item(png, "wide.png"), "auto", DEFAULT_LIMITS))
    params = described.params
    assert params["source"] == "external_upload"
    assert params["original_filename"] == "wide.png"
    assert (params["file_type"], params["file_size"]) == ("image/png", len(png))
    assert (params["width"], params["height"]) == (1200, 500)
    assert len(params["content_sha256"]) == 64
    assert described.thumbnail is not None
    thumb = Image.open(io.BytesIO(described.thumbnail))
    assert thumb.format == "JPEG"
    assert thumb.size == (300, 125)

    clip = tmp_path / "clip.webm"
    clip.write_bytes(samples.video("webm", (320, 180), frames=24, fps=12))
    video = Item(label=str(clip), name=clip.name, size=clip.stat().st_size, path=clip)
    described = describe(check(video, "auto", DEFAULT_LIMITS))
    assert (described.params["width"], described.params["height"]) == (320, 180)
    assert described.params["duration_seconds"] == pytest.approx(2.0, abs=0.1)
    assert described.thumbnail is not None


def test_lora_metadata_uses_reighs_keys() -> None:
    data = samples.safetensors(
        metadata={"ss_base_model_version": "sdxl_base_v1-0", "trigger_word": "neonstyle"}
    )
    described = describe(check(item(data, "neon-style.safetensors"), "lora", DEFAULT_LIMITS))
    meta = described.params
    assert meta["Model ID"] == "neon-style"
    assert meta["Name"] == "neon-style"
    assert meta["base_model"] == "sdxl_base_v1-0"
    assert meta["trigger_word"] == "neonstyle"
    assert meta["Model Files"] == [{"path": "neon-style.safetensors", "url": None}]
    assert meta["is_public"] is False
    assert described.thumbnail is None


def test_uploader_modules_import_no_heavy_libraries() -> None:
    """boto3, Pillow and PyAV load when a file is uploaded, not when the uploader is imported."""
    import json
    import subprocess
    import sys

    code = (
        "import sys, json, workbench.uploads, workbench.cli.upload, workbench.storage\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert not loaded & {"boto3", "botocore", "s3transfer", "PIL", "av"}
