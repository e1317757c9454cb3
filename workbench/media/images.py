"""Image thumbnails and sizes (Pillow), sized as Reigh's web app makes them.

Pillow is imported inside the functions: importing this module must stay cheap for front ends
that never touch media (a TUI start-up, a CLI ``--help``).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from workbench.errors import MediaError

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["image_size", "image_thumbnail"]

# EXIF orientations 5-8 turn the picture a quarter turn, so its displayed width is its height.
_QUARTER_TURN_ORIENTATIONS = frozenset({5, 6, 7, 8})
_EXIF_ORIENTATION = 0x0112


def _open_image(data: bytes) -> Image.Image:
    """Open without decoding pixels; the caller decides how much decoding it needs."""
    from PIL import Image, UnidentifiedImageError

    try:
        return Image.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:  # its own message names a BytesIO object, not data
        raise MediaError(f"not a decodable image: unknown format ({len(data)} bytes)") from exc
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise MediaError(f"not a decodable image: {exc}") from exc


def image_size(data: bytes) -> tuple[int, int]:
    """Displayed (width, height): the EXIF orientation is applied, as browsers apply it.

    Only the header is read, so this is cheap even for very large files.
    """
    img = _open_image(data)
    width, height = img.size
    try:
        orientation = img.getexif().get(_EXIF_ORIENTATION)
    except Exception:  # a broken EXIF block must not make a readable image unusable
        orientation = None
    if orientation in _QUARTER_TURN_ORIENTATIONS:
        return height, width
    return width, height


def _upright(img: Image.Image) -> Image.Image:
    """Apply the EXIF orientation; a broken EXIF block leaves the picture as stored."""
    from PIL import ImageOps

    try:
        return ImageOps.exif_transpose(img)
    except Exception:  # EXIF parsing fails in many ways (struct, KeyError...); none is fatal
        return img


def _flatten(img: Image.Image) -> Image.Image:
    """JPEG has no alpha: composite transparent pixels onto white, as a page background."""
    from PIL import Image

    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB") if img.mode != "RGB" else img


def to_jpeg(img: Image.Image, quality: int) -> bytes:
    """Encode ``img`` (RGB or L) as a JPEG; shared with the video thumbnails."""
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def image_thumbnail(data: bytes, *, max_side: int = 300, quality: int = 80) -> bytes:
    """A JPEG no larger than ``max_side`` on its long side, never upscaled.

    Animated GIF/WebP give their first frame, which is what a still preview can show.
    """
    from PIL import Image

    if max_side < 1:
        raise ValueError(f"max_side must be positive, got {max_side}")
    img = _open_image(data)
    try:
        # draft() lets the JPEG decoder scale down by a power of two while decoding, which
        # makes thumbnails of camera photos several times faster; it never goes below the box.
        img.draft("RGB", (max_side, max_side))
        img.load()
        img = _upright(img)
        # Resampling a palette image works on palette indices; convert first so it blends.
        if img.mode not in ("RGB", "RGBA", "L"):
            has_alpha = img.mode in ("LA", "PA") or "transparency" in img.info
            img = img.convert("RGBA" if has_alpha else "RGB")
        img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        img = _flatten(img)
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise MediaError(f"not a decodable image: {exc}") from exc
    return to_jpeg(img, quality)
