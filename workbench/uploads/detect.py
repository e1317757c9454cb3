"""What a file really is, decided from its bytes: never from its name.

A file called ``cat.png`` that holds a ZIP archive must be refused, and a WebP called
``photo.jpg`` is a WebP. Detection reads the first bytes (and, for LoRA weights, the
safetensors header); decoding the pixels or frames happens later, when thumbnails are made,
and refuses what only looks right.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any, BinaryIO, Literal

from workbench.errors import MediaError

Kind = Literal["image", "video", "lora"]
KINDS: tuple[Kind, ...] = ("image", "video", "lora")

HEAD_BYTES = 64
# The header of a real LoRA is kilobytes; 100 MB guards against a random length field.
_MAX_SAFETENSORS_HEADER = 100_000_000
_SAFETENSORS_DTYPES = frozenset(
    {"BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32",
     "F32", "F64", "I64", "U64"}
)  # fmt: skip
# ISO base media brands of MP4 video (the MOV brand is 'qt  '); HEIF/AVIF stills and M4A
# audio share the container and are refused by not being listed.
_MP4_BRANDS = frozenset(
    {"isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso7", "iso8", "iso9", "mp41", "mp42",
     "mp71", "avc1", "M4V ", "M4VH", "M4VP", "dash", "MSNV", "NDAS", "f4v ", "mmp4"}
)  # fmt: skip
# Old QuickTime files start with one of these atoms instead of 'ftyp'.
_QT_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})


@dataclass(frozen=True)
class Detected:
    """The content type of a file: its kind, MIME type and the extension its key gets."""

    kind: Kind
    mime: str
    ext: str


def sniff(head: bytes) -> Detected | None:
    """The type announced by the first bytes (at least ``HEAD_BYTES``), or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Detected("image", "image/png", "png")
    if head.startswith(b"\xff\xd8\xff"):
        return Detected("image", "image/jpeg", "jpg")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Detected("image", "image/gif", "gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Detected("image", "image/webp", "webp")
    if head[4:8] == b"ftyp":
        brand = head[8:12].decode("latin-1")
        if brand == "qt  ":
            return Detected("video", "video/quicktime", "mov")
        if brand in _MP4_BRANDS:
            return Detected("video", "video/mp4", "mp4")
        return None
    if head[4:8] in _QT_ATOMS:
        return Detected("video", "video/quicktime", "mov")
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:HEAD_BYTES]:
        return Detected("video", "video/webm", "webm")
    return None


def _describe(head: bytes) -> str:
    """A short, safe description of unknown content for an error message."""
    if head[4:8] == b"ftyp":
        return f"an ISO media file of brand {head[8:12].decode('latin-1')!r}"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "a Matroska file that is not WebM"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    return f"unrecognised content (starts with {head[:8].hex(' ')})"


def safetensors_header(handle: BinaryIO, size: int, name: str) -> dict[str, Any]:
    """The JSON header of a safetensors file, checked against the file's real size.

    The format is an 8-byte little-endian header length, a JSON object of tensors
    ``{name: {dtype, shape, data_offsets}}`` (plus an optional ``__metadata__`` of strings),
    then the tensor data, which must end exactly at the end of the file.
    """
    handle.seek(0)
    raw = handle.read(8)
    if len(raw) < 8:
        raise MediaError(f"{name}: too short to be a safetensors file")
    (length,) = struct.unpack("<Q", raw)
    if length < 2 or length > _MAX_SAFETENSORS_HEADER or 8 + length > size:
        raise MediaError(f"{name}: not a safetensors file (header length {length} is impossible)")
    try:
        header = json.loads(handle.read(length))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise MediaError(f"{name}: not a safetensors file (its header is not JSON)") from None
    except RecursionError:  # JSON nested thousands deep: no real header is, and json recurses
        raise MediaError(
            f"{name}: not a safetensors file (its header is JSON nested too deeply)"
        ) from None
    if not isinstance(header, dict):
        raise MediaError(f"{name}: not a safetensors file (its header is not an object)")
    data_size, end = size - 8 - length, 0
    tensors = 0
    for tensor, spec in header.items():
        if tensor == "__metadata__":
            if not isinstance(spec, dict):
                raise MediaError(f"{name}: safetensors __metadata__ is not an object")
            continue
        offsets = spec.get("data_offsets") if isinstance(spec, dict) else None
        if (
            not isinstance(spec, dict)
            or spec.get("dtype") not in _SAFETENSORS_DTYPES
            or not isinstance(spec.get("shape"), list)
            or not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(isinstance(o, int) for o in offsets)
            or not 0 <= offsets[0] <= offsets[1] <= data_size
        ):
            raise MediaError(f"{name}: safetensors tensor {str(tensor)[:60]!r} is malformed")
        end = max(end, offsets[1])
        tensors += 1
    if tensors == 0:
        raise MediaError(f"{name}: safetensors file holds no tensors")
    if end != data_size:
        raise MediaError(
            f"{name}: safetensors data is {data_size} bytes but its header describes {end}"
        )
    return header


def detect(handle: BinaryIO, size: int, name: str) -> tuple[Detected, dict[str, Any] | None]:
    """The file's type, and for LoRA weights its safetensors header; else a ``MediaError``."""
    handle.seek(0)
    head = handle.read(HEAD_BYTES)
    found = sniff(head)
    if found is not None:
        return found, None
    if len(head) >= 10 and head[8:9] == b"{":
        header = safetensors_header(handle, size, name)
        return Detected("lora", "application/octet-stream", "safetensors"), header
    raise MediaError(
        f"{name}: not a supported file ({_describe(head)}); expected a PNG, JPEG, WebP or GIF "
        f"image, an MP4, WebM or MOV video, or .safetensors LoRA weights"
    )
