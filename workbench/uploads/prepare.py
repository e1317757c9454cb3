"""Turning one file into what gets stored: checked type, size and hash, thumbnail, params.

Two steps, so a re-upload costs little: :func:`check` (type, limits, SHA-256) is cheap and
runs before the duplicate look-up; :func:`describe` (decoding, thumbnail, metadata) runs only
for files that will really be uploaded.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from workbench.errors import ValidationError, echo
from workbench.resources import LoraFields
from workbench.storage.base import MiB
from workbench.uploads.detect import KINDS, Detected, Kind, detect
from workbench.uploads.names import safe_text

GiB = 1024 * MiB
# Each kind as a message names it, with its article ("an image", never "a image").
A_KIND: Mapping[str, str] = {"image": "an image", "video": "a video", "lora": "a LoRA file"}
DEFAULT_LIMITS: Mapping[Kind, int] = {"image": 50 * MiB, "video": 2 * GiB, "lora": 2 * GiB}
_HASH_CHUNK = MiB
THUMBNAIL_SIDE = 300


@dataclass(frozen=True)
class Item:
    """One thing to upload: a file on disk, or named bytes (a notebook or browser upload)."""

    label: str  # what results and messages call it: the path as given, or the name
    name: str  # the plain file name recorded as original_filename
    size: int
    path: Path | None = None
    data: bytes | None = None

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        if self.data is not None:
            yield io.BytesIO(self.data)
            return
        assert self.path is not None
        with open(self.path, "rb") as handle:
            yield handle

    def source(self) -> Path | BinaryIO:
        """What the storage uploads from: the file itself, so boto3 can read parts in parallel."""
        return io.BytesIO(self.data) if self.data is not None else Path(str(self.path))


@dataclass(frozen=True)
class Checked:
    """A file whose content type, size and hash are known and acceptable."""

    item: Item
    detected: Detected
    sha256: str
    header: Mapping[str, Any] | None = None  # safetensors header, for LoRAs


@dataclass(frozen=True)
class Described:
    """What a row needs besides the URLs: the thumbnail and the params / metadata."""

    thumbnail: bytes | None
    params: dict[str, Any] = field(default_factory=dict)


def limits_for(max_bytes: int | Mapping[str, int] | None) -> dict[Kind, int]:
    """The size limit per kind: one number for all kinds, a mapping per kind, or defaults."""
    limits = dict(DEFAULT_LIMITS)
    if isinstance(max_bytes, int) and not isinstance(max_bytes, bool):
        if max_bytes < 1:
            raise ValidationError(f"max_bytes must be positive, got {max_bytes}")
        return dict.fromkeys(KINDS, max_bytes)
    if max_bytes is not None and not isinstance(max_bytes, Mapping):
        raise ValidationError(
            f"max_bytes must be a number of bytes or a mapping of kind to bytes, got "
            f"{echo(max_bytes)} (a {type(max_bytes).__name__})"
        )
    for kind, value in (max_bytes or {}).items():
        if kind not in limits or not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValidationError(f"max_bytes: bad limit {value!r} for kind {kind!r}")
        limits[kind] = value
    return limits


def human(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def inspect(
    item: Item, wanted: str, limits: Mapping[Kind, int]
) -> tuple[Detected, dict[str, Any] | None]:
    """Refuse empty, unknown, mismatched or oversized files, from their first bytes alone:
    (what the file is, its safetensors header or None)."""
    if item.size == 0:
        raise ValidationError(f"{item.label}: the file is empty")
    with item.open() as handle:
        detected, header = detect(handle, item.size, item.label)
    if wanted not in ("auto", detected.kind):
        raise ValidationError(
            f"{item.label}: is {A_KIND[detected.kind]} ({detected.mime}), not "
            f"{A_KIND.get(wanted, wanted)} as asked"
        )
    limit = limits[detected.kind]
    if item.size > limit:
        raise ValidationError(
            f"{item.label}: too large ({human(item.size)}; the limit for "
            f"{A_KIND[detected.kind]} is {human(limit)})"
        )
    return detected, header


def digest(item: Item) -> str:
    """The file's SHA-256, read in chunks, never whole: the decoder reads an image itself when
    it thumbnails it, so what a worker holds does not grow with the file."""
    sha = hashlib.sha256()
    with item.open() as handle:
        while chunk := handle.read(_HASH_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def check(item: Item, wanted: str, limits: Mapping[Kind, int]) -> Checked:
    """Refuse empty, unknown, mismatched or oversized files; hash the rest."""
    detected, header = inspect(item, wanted, limits)
    return Checked(item, detected, digest(item), header=header)


def describe(checked: Checked, lora: LoraFields | None = None) -> Described:
    """Decode the file: thumbnail and dimensions for media, Reigh's metadata for LoRAs (with
    the fields a person gave, ``lora``, over what the file's header says)."""
    item, detected = checked.item, checked.detected
    base: dict[str, Any] = {
        "source": "external_upload",
        "original_filename": safe_text(item.name),
        "file_type": detected.mime,
        "content_type": detected.mime,
        "file_size": item.size,
        "content_sha256": checked.sha256,
    }
    if detected.kind == "image":
        from workbench.media import image_size, image_thumbnail

        source = item.data if item.data is not None else item.path
        assert source is not None
        width, height = image_size(source)
        thumb = image_thumbnail(source, max_side=THUMBNAIL_SIDE)
        return Described(thumb, {**base, "width": width, "height": height})
    if detected.kind == "video":
        thumb, info = _video(item)
        video = {"width": info.width, "height": info.height, "duration_seconds": info.duration_s}
        if info.fps is not None:
            video["fps"] = round(info.fps, 3)
        return Described(thumb, {**base, **video})
    return Described(None, lora_metadata(safe_text(item.name), checked.header or {}, base, lora))


def _video(item: Item) -> tuple[bytes, Any]:
    """The first frame as a thumbnail of at most ``THUMBNAIL_SIDE`` px on its long side.

    Reigh's web app allows video thumbnails up to 1280 px wide; ours are gallery thumbnails,
    sized like the image ones, so a grid of videos stays as light as a grid of pictures.
    """
    from workbench.media import video_thumbnail

    if item.path is not None:
        thumb, info = video_thumbnail(
            item.path, max_width=THUMBNAIL_SIDE, max_height=THUMBNAIL_SIDE
        )
    else:
        assert item.data is not None
        fd, tmp = tempfile.mkstemp(suffix=".video")  # PyAV decodes from a path most reliably
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(item.data)
            thumb, info = video_thumbnail(tmp, max_width=THUMBNAIL_SIDE, max_height=THUMBNAIL_SIDE)
        finally:
            Path(tmp).unlink(missing_ok=True)
    return thumb, info


_BASE_MODEL_KEYS = ("base_model", "ss_base_model_version", "modelspec.architecture")
_TRIGGER_KEYS = ("trigger_word", "trigger_words", "modelspec.trigger_phrase")
_NAME_KEYS = ("name", "modelspec.title", "ss_output_name")


def lora_metadata(
    name: str,
    header: Mapping[str, Any],
    base: Mapping[str, Any],
    fields: LoraFields | None = None,
) -> dict[str, Any]:
    """A ``resources.metadata`` object with Reigh's LoRA keys, filled from the header, then
    from the ``fields`` a person gave (``Name``, ``trigger_word``, ``base_model``,
    ``Description``), which win.

    ``Model Files`` gets its URL once the object is stored (see ``records``).
    """
    meta = header.get("__metadata__")
    meta = meta if isinstance(meta, dict) else {}

    def first(keys: tuple[str, ...]) -> str | None:
        for key in keys:
            value = meta.get(key)
            if isinstance(value, str) and value.strip():
                return safe_text(value.strip())
        return None

    stem = Path(name).stem or name
    result: dict[str, Any] = {
        "Model ID": stem,
        "Name": first(_NAME_KEYS) or stem,
        "Model Files": [{"path": name, "url": None}],
        "is_public": False,
        **{k: v for k, v in base.items() if k not in ("content_type",)},
    }
    if base_model := first(_BASE_MODEL_KEYS):
        result["base_model"] = base_model
    if trigger := first(_TRIGGER_KEYS):
        result["trigger_word"] = trigger
    if fields is not None:
        result.update(fields.metadata())
    return result
