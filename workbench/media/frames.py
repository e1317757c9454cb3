"""A video's frames for front ends: first, middle and last as small JPEGs, kept on disk.

A video's thumbnail is its first frame only; a strip of three says what happens in it. Decoding
is bounded: each frame is found by seeking to the keyframe before it and decoding forward (at
most ``MAX_DECODED`` frames per target), never the whole video, and the frames' pixels share
the process-wide ``decode_budget`` with every other decode. Strips are kept in a folder, bounded
in bytes, so opening a video twice, or after a restart, decodes nothing.

Sources are URLs as the database stores them: ``file://`` (and a local store's own URLs) are
read in place; a bucket's objects and http(s) URLs are copied to a temporary file first (PyAV
seeks, which a network stream cannot), up to ``MAX_SOURCE_BYTES``.

PyAV and Pillow are imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import unquote, urlparse

from workbench.errors import MediaError, NotFoundError, ValidationError
from workbench.media.budget import decode_budget
from workbench.media.images import to_jpeg
from workbench.media.links import storage_key
from workbench.media.video import _info, _open_video, _small_image, decodable_pixels, frame_at

if TYPE_CHECKING:
    from av.video.frame import VideoFrame

__all__ = [
    "FRAME_SIDE",
    "FrameCache",
    "FrameStrip",
    "default_cache_dir",
    "duration_label",
    "frame_strip",
    "size_label",
    "video_frames",
]

# Long side of a strip's frames: three side by side fill a detail view's width at half-blocks,
# and a kitty/sixel terminal shows them sharply at a third of a screen each.
FRAME_SIDE = 480
# Frames decoded at most to reach one target after a seek: a GOP is rarely over 250 frames;
# a stream with no keyframes near the target gives the last frame reached instead.
# The largest original copied from a bucket or the web to decode its frames.
MAX_SOURCE_BYTES = 2 * 1024**3
# Bytes of strips kept on disk (a strip of three 480 px JPEGs is about 60 kB).
CACHE_BYTES = 64 * 1024 * 1024
_VERSION = 1  # bump when the frames made change, so old entries are not served
_TIMEOUT_S = 30
_QUALITY = 82


@dataclass(frozen=True)
class FrameStrip:
    """Frames of one video, in order (first, ..., last), as JPEGs, and what to say about it.

    ``duration_s`` and ``size_bytes`` are None when unknown (the container does not say; the
    source's size could not be read), never zero; ``width`` and ``height`` are as shown
    (a quarter-turned phone video is taller than wide).
    """

    frames: tuple[bytes, ...]
    duration_s: float | None
    size_bytes: int | None
    width: int
    height: int

    @property
    def caption(self) -> str:
        """One line under the strip: ``duration 0:04 · 1.2 MB`` (unknown parts left out)."""
        parts = []
        if self.duration_s is not None:
            parts.append(f"duration {duration_label(self.duration_s)}")
        if self.size_bytes is not None:
            parts.append(size_label(self.size_bytes))
        parts.append(f"{self.width}x{self.height}")
        return " · ".join(parts)


def duration_label(seconds: float) -> str:
    """``0:04``, ``12:30``, ``1:02:03``: whole seconds, rounded (a 3.6 s clip says 0:04)."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def size_label(size: int) -> str:
    """A file's size as people read it, in decimal units as file managers show them:
    ``812 B``, ``45 kB``, ``1.2 MB``, ``3.40 GB``."""
    if size < 1000:
        return f"{size} B"
    if size < 1000**2:
        return f"{size / 1000:.0f} kB"
    if size < 1000**3:
        return f"{size / 1000**2:.1f} MB"
    return f"{size / 1000**3:.2f} GB"


def video_frames(
    source: str | os.PathLike[str], count: int = 3, max_side: int = FRAME_SIDE
) -> list[bytes]:
    """``count`` frames of the video at ``source`` (a path), evenly spread from the first to
    the last, as JPEGs of at most ``max_side`` px on the long side, upright as a player shows
    them. Fewer when the video is shorter than ``count`` frames or its duration is unknown
    (then the first frame only). ``MediaError`` when it is not a decodable video."""
    return list(frame_strip(source, count=count, max_side=max_side).frames)


def frame_strip(
    source: str | os.PathLike[str], *, count: int = 3, max_side: int = FRAME_SIDE
) -> FrameStrip:
    """``video_frames`` with the facts shown beside them: duration, file size, dimensions."""
    if count < 1 or max_side < 1:
        raise ValidationError(f"count and max_side must be positive, got {count}, {max_side}")
    container, stream = _open_video(source)
    try:
        info = _info(container, stream)
        pixels = decodable_pixels(info, "show", source)
        duration = info.duration_s
        targets = [0.0]
        if duration is not None and count > 1:
            targets = [duration * i / (count - 1) for i in range(count)]
        jpegs: list[bytes] = []
        size = (info.width, info.height)
        with decode_budget.hold(pixels * 4):
            for n, target in enumerate(targets):
                frame = frame_at(container, stream, target, seek=n > 0)
                if frame is None:
                    continue
                jpeg, size = _jpeg(frame, max_side)
                if not jpegs or jpeg != jpegs[-1]:  # a 1-frame clip: one frame, not three
                    jpegs.append(jpeg)
    finally:
        container.close()
    if not jpegs:
        raise MediaError(f"video has no decodable frame: {os.fspath(source)}")
    try:
        file_size: int | None = os.path.getsize(source)
    except OSError:
        file_size = None
    return FrameStrip(tuple(jpegs), duration, file_size, *size)


def _jpeg(frame: VideoFrame, max_side: int) -> tuple[bytes, tuple[int, int]]:
    """The frame upright, at most ``max_side`` on its long side, as a JPEG; and its size."""
    from PIL import Image

    img = _small_image(frame, max_side, max_side)
    rotation = frame.rotation % 360
    if rotation:
        img = img.rotate(rotation, expand=True)  # counter-clockwise degrees, as PyAV says
    scale = min(1.0, max_side / max(img.size))
    if scale < 1:
        target = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        img = img.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    full = (frame.width, frame.height) if not rotation % 180 else (frame.height, frame.width)
    return to_jpeg(img, _QUALITY), full


# -- the cache -------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """Where strips are kept: ``$WORKBENCH_HOME/cache/frames`` when set, else this user's
    cache folder (``~/.cache/workbench/frames`` on Linux)."""
    from workbench.config import APP_NAME

    home = os.environ.get("WORKBENCH_HOME", "").strip()
    if home:
        return Path(home).expanduser() / "cache" / "frames"
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)) / "frames"


class FrameCache:
    """Frame strips by source URL, made once and kept on disk while they fit in ``max_bytes``
    (the least recently used go first).

    ``storage`` (a ``Storage``, optional) reads the workbench's own objects; without it only
    ``file://`` and http(s) URLs can be read. ``decodes`` counts the strips actually decoded,
    so a caller (or a test) can tell a hit from a miss. Safe to share between threads: an
    entry is written to a temporary file and renamed into place.
    """

    def __init__(
        self,
        storage: Any = None,
        directory: Path | None = None,
        *,
        max_bytes: int = CACHE_BYTES,
    ) -> None:
        self._storage = storage
        self.directory = directory or default_cache_dir()
        self.max_bytes = max_bytes
        self.decodes = 0
        self._lock = threading.Lock()

    def strip_of(
        self, url: str | None, *, count: int = 3, max_side: int = FRAME_SIDE
    ) -> FrameStrip:
        """The strip of the video at ``url``, from the cache or decoded now (blocking).
        ``MediaError`` when it is not a decodable video, ``NotFoundError`` when it is gone,
        ``ValidationError`` when the URL cannot be read from here."""
        if not url:
            raise ValidationError("this generation has no media to show frames of")
        key = self._key(url, count, max_side)
        found = self._load(key)
        if found is not None:
            return found
        with self._source(url) as path:
            made = frame_strip(path, count=count, max_side=max_side)
        with self._lock:
            self.decodes += 1
        self._save(key, made)
        return made

    def cached(
        self, url: str | None, *, count: int = 3, max_side: int = FRAME_SIDE
    ) -> FrameStrip | None:
        """The strip when it is in the cache; never decodes."""
        return self._load(self._key(url, count, max_side)) if url else None

    def poster(self, url: str | None, *, max_side: int = 160) -> bytes | None:
        """The video's first frame, small, for a poster: from the cache, else decoded from a
        file on this machine (the first frame only, cheap whatever the length). None when
        the video is elsewhere (a bucket, the web: copying it to decode would cost more than
        a preview is worth) or cannot be decoded."""
        if not url:
            return None
        found = self.cached(url, count=1, max_side=max_side)
        if found is None and self._local_path(url) is not None:
            with contextlib.suppress(MediaError, NotFoundError, ValidationError, OSError):
                found = self.strip_of(url, count=1, max_side=max_side)
        return found.frames[0] if found is not None else None

    # -- entries ------------------------------------------------------------------------------
    def _key(self, url: str, count: int, max_side: int) -> str:
        stamp = ""
        local = self._local_path(url)
        if local is not None:  # a file replaced in place is a new video
            with contextlib.suppress(OSError):
                st = local.stat()
                stamp = f"{st.st_size}:{st.st_mtime_ns}"
        text = f"{_VERSION}\0{url}\0{count}\0{max_side}\0{stamp}"
        return hashlib.sha256(text.encode()).hexdigest()[:40]

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.strip"

    def _load(self, key: str) -> FrameStrip | None:
        """An entry is one file: a JSON line (facts, each frame's length), then the JPEGs."""
        path = self._path(key)
        try:
            with path.open("rb") as file:
                head = json.loads(file.readline())
                frames = tuple(file.read(n) for n in head["lengths"])
            os.utime(path)  # recently used: evicted last
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not frames or any(len(f) != n for f, n in zip(frames, head["lengths"], strict=True)):
            return None  # truncated: made again
        return FrameStrip(
            frames, head.get("duration_s"), head.get("size_bytes"), head["width"], head["height"]
        )

    def _save(self, key: str, strip: FrameStrip) -> None:
        """Write the entry (atomically), then evict the oldest past the budget. A cache that
        cannot be written (read-only home, full disk) only means decoding again next time."""
        facts = {k: v for k, v in dataclasses.asdict(strip).items() if k != "frames"}
        head = json.dumps({**facts, "lengths": [len(f) for f in strip.frames]}).encode()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.directory, suffix=".tmp", delete=False) as f:
                f.write(head + b"\n" + b"".join(strip.frames))
            os.replace(f.name, self._path(key))
            self._evict()
        except OSError:
            return

    def _evict(self) -> None:
        entries = []
        for path in self.directory.glob("*.strip"):
            with contextlib.suppress(OSError):
                st = path.stat()
                entries.append((st.st_mtime_ns, st.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size

    # -- sources ------------------------------------------------------------------------------
    def _local_path(self, url: str) -> Path | None:
        """The file on this machine that ``url`` names, if any."""
        parsed = urlparse(url)
        if parsed.scheme == "file":
            return Path(unquote(parsed.path))
        key = storage_key(self._storage, url)
        path_of = getattr(self._storage, "path", None)
        if key is not None and callable(path_of):  # a local store: its file, in place
            local: Path = path_of(key)
            return local
        return None

    @contextlib.contextmanager
    def _source(self, url: str) -> Iterator[Path]:
        """A path PyAV can open and seek in: the file itself, or a temporary copy."""
        local = self._local_path(url)
        if local is not None:
            if not local.is_file():
                raise NotFoundError(f"the video is not there: {local}")
            yield local
            return
        key = storage_key(self._storage, url)
        with tempfile.TemporaryDirectory(prefix="wb-frames-") as tmp:
            path = Path(tmp) / "video"
            if key is not None:
                with self._storage.open(key) as stream:
                    _copy(stream, path, url)
            elif urlparse(url).scheme in ("http", "https"):
                import urllib.request  # ~50 ms (http.client, ssl): only for remote videos

                try:
                    with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as response:
                        _copy(response, path, url)
                except OSError as exc:  # URLError and HTTPError are OSErrors
                    raise MediaError(f"cannot read the video {url}: {exc}") from exc
            else:
                raise ValidationError(f"cannot read {url!r} from here")
            yield path


def _copy(stream: BinaryIO, path: Path, url: str) -> None:
    """Copy ``stream`` to ``path``, refusing a source past ``MAX_SOURCE_BYTES``."""
    written = 0
    with path.open("wb") as out:
        while chunk := stream.read(1024 * 1024):
            written += len(chunk)
            if written > MAX_SOURCE_BYTES:
                raise MediaError(f"the video is too large to decode frames from here: {url}")
            out.write(chunk)


def shared_cache() -> FrameCache:
    """The process's frame cache without a store (``file://`` and http(s) only), for code
    that has no workbench at hand: the REPL's HTML of a ``Generation``."""
    return _cache_at(default_cache_dir())


@functools.cache
def _cache_at(directory: Path) -> FrameCache:
    return FrameCache(directory=directory)
