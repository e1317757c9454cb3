"""Video probes and first-frame thumbnails (PyAV), sized as Reigh's web app makes them.

PyAV and Pillow are imported inside the functions: importing this module must stay cheap for
front ends that never touch media (a TUI start-up, a CLI ``--help``).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from workbench.errors import MediaError
from workbench.media.budget import decode_budget
from workbench.media.images import to_jpeg

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream
    from PIL import Image

__all__ = ["MAX_FRAME_PIXELS", "VideoInfo", "probe_video", "video_thumbnail"]

# "8K" (8192x4320), the largest frame of the H.264 and HEVC levels; a bigger frame is refused
# before decoding, since a small file can announce 65536x65536 and the decoder allocates it.
MAX_FRAME_PIXELS = 8192 * 4320
# ``frame_at`` decodes at most this many frames to reach one target (a long GOP).
MAX_DECODED = 600


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


def decodable_pixels(info: VideoInfo, purpose: str, path: str | os.PathLike[str]) -> int:
    """A frame's pixels, checked before anything is decoded: ``MediaError`` past
    ``MAX_FRAME_PIXELS`` (``purpose`` says what the frames were for)."""
    pixels = info.width * info.height
    if pixels > MAX_FRAME_PIXELS:
        raise MediaError(
            f"video frames too large to {purpose}: {info.width}x{info.height} "
            f"({pixels / 1e6:.1f} megapixels; the limit is 8192x4320, "
            f"{MAX_FRAME_PIXELS / 1e6:.1f} megapixels): {os.fspath(path)}"
        )
    return pixels


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
        pixels = decodable_pixels(info, "thumbnail", path)
        # Decoded frames (YUV, and the decoder's references) share the images' budget.
        with decode_budget.hold(pixels * 4):
            frame = frame_at(container, stream, float("-inf"), seek=False)
            img = None if frame is None else _small_image(frame, max_width, max_height)
    finally:
        container.close()
    if frame is None or img is None:
        raise MediaError(f"video has no decodable frame: {os.fspath(path)}")
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
    return to_jpeg(img, quality), info


def _small_image(frame: VideoFrame, max_width: int, max_height: int | None) -> Image.Image:
    """The frame as RGB, scaled by FFmpeg to twice the final size at most (never the full
    8K frame in RGB), leaving the last, sharper step to Pillow's Lanczos."""
    width, height = frame.width, frame.height
    limit_w, limit_h = max_width, max_height or height
    if frame.rotation % 180:  # the limits apply to the picture once turned
        limit_w, limit_h = (max_height or width), max_width
    scale = min(1.0, 2 * min(limit_w / width, limit_h / height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    options = {} if size == (width, height) else {"width": size[0], "height": size[1]}
    img: Image.Image = frame.to_image(**options)  # type: ignore[no-untyped-call]  # untyped
    return img


def frame_at(
    container: InputContainer, stream: VideoStream, target_s: float, *, seek: bool
) -> VideoFrame | None:
    """The first frame at or after ``target_s`` seconds (the last one there is, when the
    target is the end; the very first with ``-inf``), decoding forward (from the keyframe
    before it, with ``seek``) at most ``MAX_DECODED`` frames; frames that fail to decode are
    skipped, as a player does."""
    import av

    if seek and stream.time_base is not None:
        offset = int(target_s / stream.time_base)
        if stream.start_time is not None:
            offset += stream.start_time
        try:
            container.seek(offset, stream=stream, backward=True, any_frame=False)
        except av.FFmpegError:
            return None
    last: VideoFrame | None = None
    decoded = 0
    try:
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.FFmpegError:
                continue
            for frame in frames:
                if not isinstance(frame, av.VideoFrame):
                    continue
                last = frame
                decoded += 1
                at = frame.time
                if at is None or at >= target_s - 1e-3 or decoded >= MAX_DECODED:
                    return frame
    except av.FFmpegError as exc:
        if last is None:
            raise MediaError(f"not a decodable video: {container.name}: {exc}") from exc
    return last  # the stream ended before the target: its last frame (the end's target)
