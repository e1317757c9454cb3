"""Object keys in Reigh's layout, built only from values we generate.

``{user_id}/uploads/{ms}-{rand8}.{ext}``, ``{user_id}/thumbnails/thumb_{ms}_{rand6}.jpg`` and,
for LoRA weights, which Reigh keeps away from the media paths, ``{user_id}/loras/{ms}-{rand8}
.safetensors``. The extension comes from the detected content type; a user's file name is
recorded in the row's params as a plain name but never becomes part of a key.
"""

from __future__ import annotations

import secrets
import time
import unicodedata
import uuid
from dataclasses import dataclass

from workbench.errors import ValidationError
from workbench.uploads.detect import Kind

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_MAX_NAME = 255


def rand(n: int) -> str:
    """``n`` characters of ``[0-9a-z]``, as Reigh's ``Math.random().toString(36)`` gives."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


@dataclass(frozen=True)
class Keys:
    """Where one upload goes: the object and, for media, its thumbnail."""

    object: str
    thumbnail: str | None


def keys_for(user_id: uuid.UUID, kind: Kind, ext: str, *, ms: int | None = None) -> Keys:
    """Fresh keys for a file of ``kind``; ``ext`` is the detected one (``jpg``, ``mp4``...)."""
    if not ext.isalnum() or ext != ext.lower():
        raise ValueError(f"extension must be lower-case letters and digits, got {ext!r}")
    stamp = int(time.time() * 1000) if ms is None else ms
    if kind == "lora":
        return Keys(f"{user_id}/loras/{stamp}-{rand(8)}.{ext}", None)
    return Keys(
        f"{user_id}/uploads/{stamp}-{rand(8)}.{ext}",
        f"{user_id}/thumbnails/thumb_{stamp}_{rand(6)}.jpg",
    )


def plain_name(name: str) -> str:
    """A user-supplied file name, refused unless it is a plain name (no folders, no ``..``).

    Names given with in-memory data (a notebook or browser upload) are the only names a user
    controls completely; a browser sends a bare name, so anything else is suspicious.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("an upload needs a non-empty file name")
    shown = name if len(name) <= 80 else name[:77] + "..."
    if "/" in name or "\\" in name or name in (".", ".."):
        raise ValidationError(f"file name {shown!r} must be a plain name without folders or '..'")
    if len(name) > _MAX_NAME or any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        raise ValidationError(f"file name {shown!r} is too long or has control characters")
    if len(name) >= 2 and name[1] == ":" and name[0].isalpha():
        raise ValidationError(f"file name {shown!r} must not be an absolute path")
    return name
