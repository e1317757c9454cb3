"""File names of downloaded media: stable, unique, and free of anything taken from the data.

``0001_1a2b3c4d.png``: the item's position in the listing (from 1, zero-padded to at least 4
digits), the first 8 hex digits of its generation id, and an extension. With every variant:
``0001_1a2b3c4d_v2_upscaled.png``, ``v<n>`` numbering the generation's variants oldest first
and the variant type reduced to ``[a-z0-9-]``. The extension comes from the location's suffix
when it is a known media type, else from the content type the store sends, else ``bin``.

Prompts, original file names and locations never reach a name: they may hold ``/``, ``..``,
control characters or a megabyte of text. Positions are unique within a listing and variant
numbers within a generation, so two items never share a name.
"""

from __future__ import annotations

import re
import uuid
from pathlib import PurePosixPath
from urllib.parse import unquote, urlparse

IMAGE_EXTENSIONS = frozenset(
    {"png", "jpg", "jpeg", "webp", "gif", "bmp", "tif", "tiff", "avif", "heic", "heif"}
)
VIDEO_EXTENSIONS = frozenset({"mp4", "mov", "webm", "mkv", "avi", "m4v"})
MEDIA_EXTENSIONS = IMAGE_EXTENSIONS | VIDEO_EXTENSIONS
_BY_CONTENT_TYPE = {
    "image/png": "png", "image/jpeg": "jpg", "image/jpg": "jpg", "image/webp": "webp",
    "image/gif": "gif", "image/bmp": "bmp", "image/tiff": "tiff", "image/avif": "avif",
    "image/heic": "heic", "image/heif": "heif", "video/mp4": "mp4", "video/quicktime": "mov",
    "video/webm": "webm", "video/x-matroska": "mkv", "video/x-msvideo": "avi",
    "video/x-m4v": "m4v",
}  # fmt: skip
_NOT_NAME = re.compile(r"[^a-z0-9]+")
FALLBACK_EXTENSION = "bin"


def extension_of_location(location: str | None) -> str | None:
    """The media suffix of a URL's path (``.../x.PNG?sig=...`` -> ``png``), or None."""
    if not location:
        return None
    try:
        path = unquote(urlparse(location).path)
    except ValueError:
        return None
    suffix = PurePosixPath(path).suffix.lower().lstrip(".")
    return suffix if suffix in MEDIA_EXTENSIONS else None


def extension_of_content_type(content_type: str | None) -> str | None:
    """``image/png; charset=...`` -> ``png``; None for a type that is not known media."""
    if not content_type:
        return None
    return _BY_CONTENT_TYPE.get(content_type.split(";", 1)[0].strip().lower())


def variant_label(variant_type: str | None) -> str:
    """A variant type as a name part: ``Upscaled (2x)!`` -> ``upscaled-2x``; ``variant``
    when nothing is left."""
    label = _NOT_NAME.sub("-", (variant_type or "").lower()).strip("-")[:24].strip("-")
    return label or "variant"


def stem(index: int, generation_id: uuid.UUID, variant: tuple[int, str | None] | None) -> str:
    """The name without its extension; ``variant`` is (its number, its type) with
    ``--variants all``."""
    base = f"{index:04d}_{generation_id.hex[:8]}"
    if variant is None:
        return base
    number, kind = variant
    return f"{base}_v{number}_{variant_label(kind)}"


def file_name(stem_text: str, extension: str) -> str:
    return f"{stem_text}.{extension}"
