"""Image thumbnails and sizes (Pillow), sized as Reigh's web app makes them, in bounded memory.

Pillow is imported inside the functions: importing this module must stay cheap for front ends
that never touch media (a TUI start-up, a CLI ``--help``).

Memory: a decoded picture costs its pixels times 1 (grey, palette), 2 (16-bit grey) or 4 bytes
(everything in colour: Pillow keeps RGB in 32 bits), whatever the file's size; a 400 KB PNG
of 12000x12000 pixels is 576 MB decoded. So an image is decoded only when that estimate fits
``MAX_DECODE_BYTES`` (160 MiB: 41.9 megapixels in colour, e.g. 7680x5440), else refused with a
``MediaError`` naming its size and the limit. JPEGs are decoded by libjpeg at 1/2 to 1/8 scale
(``draft``), so their estimate is of the reduced picture and far larger JPEGs pass. Pillow's
own decompression-bomb ceiling (about 179 megapixels) still refuses anything above it before a
byte is decoded. Concurrent decodes share one process-wide budget (``budget.decode_budget``),
so any number of threads holds at most 160 MiB of decoded pixels at once. The picture is then
shrunk tile by tile (converted and box-reduced 1024x1024 pixels at a time), so a palette or
16-bit image is never converted whole.
"""

from __future__ import annotations

import io
import os
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from workbench.errors import MediaError
from workbench.media.budget import DECODE_BUDGET, decode_budget

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "MAX_DECODE_BYTES",
    "ImageSource",
    "decoded_bytes",
    "image_preview",
    "image_size",
    "image_thumbnail",
]

ImageSource = Union[bytes, str, "os.PathLike[str]"]
MAX_DECODE_BYTES = DECODE_BUDGET
# EXIF orientations 5-8 turn the picture a quarter turn, so its displayed width is its height.
_QUARTER_TURN_ORIENTATIONS = frozenset({5, 6, 7, 8})
_EXIF_ORIENTATION = 0x0112
_TILE = 1024  # source pixels per side of one conversion tile
# Image.open checks its decompression-bomb limit with a warning below twice the limit; the
# warning filter is process-wide, so changes to it are made one thread at a time.
_OPEN_LOCK = threading.Lock()


def _bytes_per_pixel(mode: str) -> int:
    """What Pillow allocates per pixel of ``mode`` (colour modes are 32-bit internally)."""
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


def decoded_bytes(img: Image.Image) -> int:
    """Bytes the decoded picture will hold (after ``draft`` for a JPEG)."""
    width, height = img.size
    per_pixel = _bytes_per_pixel(img.mode)
    if img.format == "WEBP":  # libwebp's buffer, its copy as bytes, the image, RGB from RGBA
        per_pixel *= 4
    # Pillow also keeps a pointer per row: a 1x100M-pixel picture needs 800 MB of them.
    return width * height * per_pixel + height * 8


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1e6:.1f} megapixels"


def _open_image(source: ImageSource) -> Image.Image:
    """Open without decoding pixels; the caller decides how much decoding it needs."""
    from PIL import Image, UnidentifiedImageError

    fp: io.BytesIO | Path = io.BytesIO(source) if isinstance(source, bytes) else Path(source)
    try:
        with _OPEN_LOCK, warnings.catch_warnings():
            # Pixel counts are checked by ``_check_decode`` with a clearer message.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(fp)
    except UnidentifiedImageError as exc:  # its own message names a BytesIO object, not data
        size = len(source) if isinstance(source, bytes) else None
        what = f"{size} bytes" if size is not None else "a file"
        raise MediaError(f"not a decodable image: unknown format ({what})") from exc
    except Image.DecompressionBombError as exc:
        raise MediaError(
            f"refused as a decompression bomb: {exc}; images are thumbnailed only up to "
            f"{_megapixels(MAX_DECODE_BYTES // 4)} in colour"
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise MediaError(f"not a decodable image: {exc}") from exc


def _check_decode(img: Image.Image) -> int:
    """The bytes decoding will take; a ``MediaError`` above ``MAX_DECODE_BYTES``."""
    need = decoded_bytes(img)
    if need > MAX_DECODE_BYTES:
        width, height = img.size
        raise MediaError(
            f"too many pixels to thumbnail: {width}x{height} ({_megapixels(width * height)}, "
            f"{need / 2**20:.0f} MiB decoded as {img.mode}); the limit is "
            f"{MAX_DECODE_BYTES / 2**20:.0f} MiB decoded ({_megapixels(MAX_DECODE_BYTES // 4)} "
            f"in colour)"
        )
    return need


def image_size(data: ImageSource) -> tuple[int, int]:
    """Displayed (width, height): the EXIF orientation is applied, as browsers apply it.

    Only the header is read, so this is cheap even for very large files.
    """
    img = _open_image(data)
    try:
        width, height = img.size
        # Pillow looks for a PNG's eXIf chunk after the pixels by decoding them all (576 MB
        # for a 400 KB picture): only an eXIf before the pixels, seen on opening, counts here.
        orientation = None
        if img.format != "PNG" or "exif" in img.info:
            orientation = _orientation(img)
    finally:
        img.close()
    if orientation in _QUARTER_TURN_ORIENTATIONS:
        return height, width
    return width, height


def _orientation(img: Image.Image) -> int:
    try:
        value = img.getexif().get(_EXIF_ORIENTATION)
    except Exception:  # EXIF parsing fails in many ways (struct, KeyError...); none is fatal
        return 1
    return value if isinstance(value, int) else 1


def _upright(img: Image.Image, orientation: int) -> Image.Image:
    """Apply an EXIF orientation (as ``ImageOps.exif_transpose``), to the small picture."""
    from PIL import Image

    method = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }.get(orientation)
    return img if method is None else img.transpose(method)


def _working_mode(img: Image.Image) -> str:
    """The mode resampling works in: palette indices and 16-bit values do not blend."""
    if img.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in img.info:
        return "RGBA"
    return "L" if img.mode in ("L", "1") else "RGB"


def _target(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """The thumbnail's size: the long side at most ``max_side``, never enlarged."""
    width, height = size
    if width <= max_side and height <= max_side:
        return width, height
    if width >= height:
        return max_side, max(1, round(height * max_side / width))
    return max(1, round(width * max_side / height)), max_side


def _reduced(img: Image.Image, target: tuple[int, int]) -> Image.Image:
    """``img`` in its working mode, box-reduced to at least twice ``target`` (as Pillow's
    ``thumbnail`` does), converting one tile at a time so memory stays near the decode."""
    from PIL import Image

    mode = _working_mode(img)
    width, height = img.size
    fx = max(1, width // (target[0] * 2))
    fy = max(1, height // (target[1] * 2))
    if fx == 1 and fy == 1:
        return img.convert(mode) if img.mode != mode else img
    out = Image.new(mode, (-(-width // fx), -(-height // fy)))
    step_x, step_y = fx * max(1, _TILE // fx), fy * max(1, _TILE // fy)
    for y in range(0, height, step_y):
        for x in range(0, width, step_x):
            tile = img.crop((x, y, min(x + step_x, width), min(y + step_y, height)))
            if tile.mode != mode:
                tile = tile.convert(mode)
            out.paste(tile.reduce((fx, fy)), (x // fx, y // fy))
    return out


def _flatten(img: Image.Image) -> Image.Image:
    """JPEG has no alpha: composite transparent pixels onto white, as a page background."""
    from PIL import Image

    if img.mode == "RGBA":
        background = Image.new("RGB", img.size, (255, 255, 255))
        background.paste(img, mask=img.getchannel("A"))
        return background
    return img.convert("RGB") if img.mode != "RGB" else img


def to_jpeg(img: Image.Image, quality: int) -> bytes:
    """Encode ``img`` (RGB or L) as a JPEG; shared with the video thumbnails."""
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def image_thumbnail(data: ImageSource, *, max_side: int = 300, quality: int = 80) -> bytes:
    """A JPEG no larger than ``max_side`` on its long side, never upscaled; ``data`` is the
    file's bytes or its path (a path is read by the decoder, never held whole).

    Animated GIF/WebP give their first frame, which is what a still preview can show. Images
    whose decoded pixels would exceed ``MAX_DECODE_BYTES`` are refused (``MediaError``).
    """
    if max_side < 1:
        raise ValueError(f"max_side must be positive, got {max_side}")
    return to_jpeg(_shrunk(data, lambda size: _target(size, max_side)), quality)


def image_preview(
    data: ImageSource, *, max_width: int, max_height: int, quality: int = 72, webp: bool = True
) -> bytes:
    """A picture that fits a ``max_width`` x ``max_height`` box at its own aspect, never
    upscaled: the notebook grid's 2x tiles, whose rows have a fixed height and whose width
    follows each picture. WebP by default (about half a JPEG's bytes at the same look, which
    keeps a page of 100 HiDPI tiles within 3 MB); ``webp=False`` gives a JPEG. Same limits
    and first-frame rule as ``image_thumbnail``."""
    if max_width < 1 or max_height < 1:
        raise ValueError(f"the box must be positive, got {max_width}x{max_height}")

    def fit(size: tuple[int, int], turned: bool) -> tuple[int, int]:
        width, height = size
        box_w, box_h = (max_height, max_width) if turned else (max_width, max_height)
        scale = min(1.0, box_w / width, box_h / height)
        return max(1, round(width * scale)), max(1, round(height * scale))

    small = _shrunk(data, fit, turned=True, fast=True)
    if not webp:
        return to_jpeg(small, quality)
    out = io.BytesIO()
    # method 0: 5.6 ms a 630x360 tile (4, the default: 19 ms; 2: 9 ms), for about a third
    # more bytes on smooth pictures and the same on detailed ones.
    small.save(out, format="WEBP", quality=quality, method=0)
    return out.getvalue()


FAST_SLACK = 1.25


def _within(size: tuple[int, int], target: tuple[int, int]) -> bool:
    return size[0] <= target[0] * FAST_SLACK and size[1] <= target[1] * FAST_SLACK


def _shrunk(
    data: ImageSource, target_of: Any, *, turned: bool = False, fast: bool = False
) -> Image.Image:
    """The picture decoded within the budget, reduced to ``target_of(size)`` (with
    ``turned``: ``target_of(size, quarter_turned)``, for a box that is not square), upright
    and flattened to RGB or L. ``fast`` (the notebook grid's tiles, made while the browser
    draws the page): a picture the decoder already brought within ``FAST_SLACK`` of the
    target is not resized at all, and the last resize (under 2x, after the decoder's and the
    box reduction's) is bilinear, which Pillow antialiases like Lanczos at half the time."""
    from PIL import Image

    img = _open_image(data)
    try:
        # draft() lets the JPEG decoder scale down by a power of two while decoding, which
        # makes thumbnails of camera photos several times faster and their decode 4-64x
        # smaller; it never goes below the box.
        if turned:
            quarter = _orientation(img) in _QUARTER_TURN_ORIENTATIONS
            target = target_of(img.size, quarter)
        else:
            target = target_of(img.size)
        img.draft("RGB", target)
        need = _check_decode(img)
        with decode_budget.hold(need):
            img.load()
            orientation = _orientation(img)
            small = _reduced(img, target)
            # Draft and reduce never go below the target. ``fast`` keeps a picture up to
            # FAST_SLACK times the target as it is (the browser scales it to the tile).
            if small.size != target and not (fast and _within(small.size, target)):
                resample = Image.Resampling.BILINEAR if fast else Image.Resampling.LANCZOS
                small = small.resize(target, resample)
            if small is not img:
                img.close()  # the full picture's memory goes back before the next decode
        shown = _flatten(_upright(small, orientation))
        return shown.copy() if shown is img else shown  # ``img`` is closed on the way out
    except MediaError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise MediaError(f"not a decodable image: {exc}") from exc
    finally:
        img.close()
