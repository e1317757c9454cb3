"""Thumbnails and probing for uploaded images and videos.

Sizes and qualities follow Reigh, so thumbnails made here are interchangeable with the ones the
web app makes: images get a JPEG of at most 300 px on the long side at quality 80, videos get
their first frame as a JPEG of at most 1280 px wide at quality 85.

Pillow and PyAV are imported inside the functions: importing this module must stay cheap for
front ends that never touch media (a TUI start-up, a CLI ``--help``).
"""

from __future__ import annotations

import dataclasses
import io
import os
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from workbench.errors import MediaError

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream
    from PIL import Image

__all__ = ["VideoInfo", "image_size", "image_thumbnail", "probe_video", "video_thumbnail"]

# EXIF orientations 5-8 turn the picture a quarter turn, so its displayed width is its height.
_QUARTER_TURN_ORIENTATIONS = frozenset({5, 6, 7, 8})
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class VideoInfo:
    """What a gallery needs to lay out a video before loading it.

    ``None`` means the container does not say (raw streams, some WebM files), not zero.
    """

    width: int
    height: int
    duration_s: float | None
    fps: float | None
    frame_count: int | None


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


def _to_jpeg(img: Image.Image, quality: int) -> bytes:
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
    return _to_jpeg(img, quality)


def _positive(value: Fraction | float | None) -> float | None:
    """Containers write 0 (or nothing) for unknown values; both become ``None``."""
    if value is None:
        return None
    result = float(value)
    return result if result > 0 else None


def _open_video(path: str | os.PathLike[str]) -> tuple[InputContainer, VideoStream]:
    """Open the container and pick the stream a player would show.

    A missing or unreadable file keeps its ``OSError`` (``FileNotFoundError``...): that is a
    caller's or a disk's problem, not bad media, and must not be reported as one.
    """
    import av

    name = os.fspath(path)
    try:
        container = av.open(name)
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise MediaError(f"not a decodable video: {name}: {exc}") from exc
    # FFmpeg happily "plays" a PNG or JPEG as a one-frame video; refuse stills here so an
    # image uploaded as a video is caught instead of becoming a zero-length clip.
    fmt = container.format.name
    if fmt.endswith("_pipe") or fmt == "image2":
        container.close()
        raise MediaError(f"not a video (a still image, {fmt}): {name}")
    # Cover art in audio files shows up as a one-picture video stream; it is not a video.
    streams = [
        s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic
    ]
    if not streams:
        container.close()
        raise MediaError(f"video has no video stream: {name}")
    return container, streams[0]


def _info(container: InputContainer, stream: VideoStream) -> VideoInfo:
    import av

    width, height = stream.codec_context.width, stream.codec_context.height
    if width <= 0 or height <= 0:
        raise MediaError(f"video stream has no dimensions: {container.name}")
    duration: float | None = None
    if stream.duration is not None and stream.time_base is not None:
        duration = _positive(stream.duration * stream.time_base)
    if duration is None and container.duration is not None:
        duration = _positive(container.duration / av.time_base)
    fps = _positive(stream.average_rate) or _positive(stream.guessed_rate)
    return VideoInfo(
        width=width,
        height=height,
        duration_s=duration,
        fps=fps,
        frame_count=stream.frames or None,
    )


def probe_video(path: str | os.PathLike[str]) -> VideoInfo:
    """Read the container headers only, so it is cheap even for long videos.

    Width and height are the stored ones: rotation metadata (phone videos) is only known once
    a frame is decoded, which :func:`video_thumbnail` does and accounts for.
    """
    container, stream = _open_video(path)
    try:
        return _info(container, stream)
    finally:
        container.close()


def video_thumbnail(
    path: str | os.PathLike[str],
    *,
    max_width: int = 1280,
    max_height: int | None = None,
    quality: int = 85,
) -> tuple[bytes, VideoInfo]:
    """The first decodable frame as a JPEG, upright as a player shows it, plus the probe;
    shrunk (never enlarged) to fit ``max_width`` and, when given, ``max_height``.

    Frames that fail to decode (a damaged start) are skipped rather than failing the upload.
    When the video carries a quarter-turn rotation, the returned info has width and height
    swapped to match the picture, unlike :func:`probe_video`.
    """
    from PIL import Image

    if max_width < 1 or (max_height is not None and max_height < 1):
        raise ValueError(f"the largest size must be positive, got {max_width} x {max_height}")
    container, stream = _open_video(path)
    try:
        info = _info(container, stream)
        frame = _first_frame(container, stream)
    finally:
        container.close()
    if frame is None:
        raise MediaError(f"video has no decodable frame: {os.fspath(path)}")
    img: Image.Image = frame.to_image()  # type: ignore[no-untyped-call]  # untyped in PyAV
    rotation = frame.rotation % 360
    if rotation:
        # rotation is counter-clockwise degrees, which is what Image.rotate takes.
        img = img.rotate(rotation, expand=True)
        if rotation in (90, 270):
            info = dataclasses.replace(info, width=info.height, height=info.width)
    scale = min(max_width / img.width, (max_height or img.height) / img.height)
    if scale < 1:
        size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        img = img.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return _to_jpeg(img, quality), info


def _first_frame(container: InputContainer, stream: VideoStream) -> VideoFrame | None:
    import av

    try:
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.FFmpegError:
                continue
            for frame in frames:
                if isinstance(frame, av.VideoFrame):
                    return frame
    except av.FFmpegError as exc:
        raise MediaError(f"not a decodable video: {container.name}: {exc}") from exc
    return None
