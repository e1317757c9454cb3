"""A video's frame strip (first, middle, last) from real small videos, its disk cache, and the
open/copy/show decision of the detail view's ``o`` and ``y``."""

from __future__ import annotations

import copy
import io
import urllib.request
from pathlib import Path

import pytest
from PIL import Image
from upload_samples import video

from workbench.errors import MediaError, ValidationError
from workbench.media.frames import (
    FrameCache,
    FrameStrip,
    duration_label,
    frame_strip,
    size_label,
    video_frames,
)
from workbench.media.links import file_size, share_plan, viewable
from workbench.storage import LocalStorage, S3Storage


def red_of(jpeg: bytes) -> int:
    """The red of the picture's centre: ``upload_samples.video`` paints frame i red i*20."""
    img = Image.open(io.BytesIO(jpeg)).convert("RGB")
    return int(img.getpixel((img.width // 2, img.height // 2))[0])


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    """12 frames at 12 fps, 160x96: frame i is red i*20 (0 ... 220)."""
    path = tmp_path / "clip.mp4"
    path.write_bytes(video("mp4", size=(160, 96), frames=12))
    return path


@pytest.mark.parametrize("fmt", ["mp4", "webm"])
def test_three_frames_first_middle_last_at_the_asked_size(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"clip.{fmt}"
    path.write_bytes(video(fmt, size=(160, 96), frames=12))
    frames = video_frames(path, count=3, max_side=80)
    assert len(frames) == 3
    for jpeg in frames:
        assert jpeg[:2] == b"\xff\xd8"  # JPEGs
        assert Image.open(io.BytesIO(jpeg)).size == (80, 48)  # long side 80, aspect kept
    reds = [red_of(f) for f in frames]
    assert reds[0] < 15, reds  # frame 0
    assert 100 <= reds[1] <= 140, reds  # frame 5 or 6 of 0..11
    assert reds[2] > 200, reds  # frame 11, the last


def test_the_strip_says_duration_size_and_dimensions(clip: Path) -> None:
    strip = frame_strip(clip)
    assert (strip.width, strip.height) == (160, 96)
    assert strip.size_bytes == clip.stat().st_size
    assert strip.duration_s is not None
    assert 0.8 < strip.duration_s < 1.2
    assert strip.caption == f"duration 0:01 · {size_label(clip.stat().st_size)} · 160x96"
    assert Image.open(io.BytesIO(strip.frames[0])).size == (160, 96)  # never enlarged


def test_a_one_frame_video_gives_one_frame(tmp_path: Path) -> None:
    path = tmp_path / "one.mp4"
    path.write_bytes(video("mp4", frames=1))
    assert len(video_frames(path)) == 1


def test_not_a_video_is_a_media_error(tmp_path: Path) -> None:
    path = tmp_path / "x.mp4"
    path.write_bytes(b"not a video at all" * 100)
    with pytest.raises(MediaError):
        video_frames(path)
    with pytest.raises(ValidationError):
        video_frames(path, count=0)


def test_labels() -> None:
    assert duration_label(3.6) == "0:04"
    assert duration_label(750) == "12:30"
    assert duration_label(3723) == "1:02:03"
    assert [size_label(n) for n in (812, 45_000, 1_234_567, 3_400_000_000)] == [
        "812 B", "45 kB", "1.2 MB", "3.40 GB",
    ]  # fmt: skip
    assert FrameStrip((b"x",), None, None, 4, 3).caption == "4x3"


def test_the_cache_hit_does_not_decode_again(clip: Path, tmp_path: Path) -> None:
    cache = FrameCache(directory=tmp_path / "frames")
    first = cache.strip_of(clip.as_uri(), max_side=64)
    assert cache.decodes == 1
    again = cache.strip_of(clip.as_uri(), max_side=64)
    assert cache.decodes == 1, "a hit decodes nothing"
    assert again == first
    # a new process (a new cache object on the same folder) finds it on disk
    other = FrameCache(directory=tmp_path / "frames")
    assert other.strip_of(clip.as_uri(), max_side=64) == first
    assert other.decodes == 0
    # another size is another strip
    other.strip_of(clip.as_uri(), max_side=32)
    assert other.decodes == 1


def test_the_cache_reads_a_store_s_own_urls_and_stays_in_its_budget(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "assets")
    urls = [
        storage.put_bytes(f"u/uploads/{n}.mp4", video("mp4", size=(160, 96), frames=6 + n))
        for n in range(4)
    ]
    cache = FrameCache(storage, tmp_path / "frames", max_bytes=1)  # room for nothing kept
    for url in urls:
        assert len(cache.strip_of(url, max_side=64).frames) == 3
    assert len(list((tmp_path / "frames").glob("*.strip"))) <= 1
    with pytest.raises(ValidationError):
        cache.strip_of("ftp://elsewhere/x.mp4")
    with pytest.raises(ValidationError):
        cache.strip_of(None)


def test_a_poster_is_the_first_frame_and_comes_from_the_cache(clip: Path, tmp_path: Path) -> None:
    cache = FrameCache(directory=tmp_path / "frames")
    poster = cache.poster(clip.as_uri(), max_side=100)
    assert poster is not None
    assert red_of(poster) < 15
    assert cache.decodes == 1
    assert cache.poster(clip.as_uri(), max_side=100) == poster
    assert cache.decodes == 1
    assert cache.poster("https://example.invalid/remote.mp4") is None  # never downloaded


# -- where the original is, and what o and y do ----------------------------------------------
def test_viewable_gives_a_path_for_local_files(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    url = storage.put_bytes("u/uploads/a b.jpg", b"x")
    assert viewable(storage, url) == str(tmp_path / "u" / "uploads" / "a b.jpg")
    assert viewable(storage, "https://cdn.example/x.jpg") == "https://cdn.example/x.jpg"
    with pytest.raises(ValidationError):
        viewable(storage, None)
    assert file_size(url) == 1
    assert file_size("https://cdn.example/x.jpg") is None
    assert file_size("https://cdn.example/x.jpg", {"file_size": 1234}) == 1234


def test_open_needs_an_opener_and_a_display() -> None:
    found = {"xdg-open": "/usr/bin/xdg-open", "open": "/usr/bin/open"}.get
    plan = share_plan("/a/b.png", "open", platform="linux", env={"DISPLAY": ":0"}, which=found)
    assert plan.kind == "open"
    assert plan.command == ("/usr/bin/xdg-open", "/a/b.png")
    wayland = share_plan("/a", "open", platform="linux", env={"WAYLAND_DISPLAY": "w"}, which=found)
    assert wayland.kind == "open"
    headless = share_plan("/a/b.png", "open", platform="linux", env={}, which=found)
    assert headless.kind == "show"
    assert headless.message == "no viewer on this display; it is at /a/b.png"
    no_opener = share_plan("/a", "open", platform="linux", env={"DISPLAY": ":0"}, which=dict().get)
    assert no_opener.kind == "show"
    mac = share_plan("/a", "open", platform="darwin", env={}, which=found)
    assert mac.command == ("/usr/bin/open", "/a")
    over_ssh = share_plan("/a", "open", platform="darwin", env={"SSH_TTY": "x"}, which=found)
    assert over_ssh.kind == "show"
    assert share_plan("/a", "open", platform="win32", env={}, which=found).kind == "show"


def test_copy_uses_the_terminal_clipboard_where_it_can() -> None:
    url = "https://bucket.example/x.mp4?X-Amz-Signature=abc"
    plan = share_plan(url, "copy", env={"TERM": "xterm-256color"})
    assert (plan.kind, plan.target, plan.message) == ("copy", url, f"copied {url}")
    console = share_plan(url, "copy", env={"TERM": "linux"})
    assert (console.kind, console.message) == ("show", f"copy it from here: {url}")
    assert share_plan(url, "copy", env={"TERM_PROGRAM": "Apple_Terminal"}).kind == "show"
    assert share_plan(url, "copy", can_copy=False, env={}).kind == "show"


def test_a_bucket_s_original_gets_a_link_that_opens_and_its_frames(
    s3_storage: S3Storage, tmp_path: Path
) -> None:
    """A bucket without a public URL: the link is presigned, and a plain GET of it (what a
    browser does) returns the file; the frames are decoded from a copy of the object."""
    data = video("mp4", size=(160, 96), frames=12)
    url = s3_storage.put_bytes("u/uploads/clip.mp4", data, "video/mp4")
    link = viewable(s3_storage, url)
    assert link != url
    assert "Signature" in link
    with urllib.request.urlopen(link, timeout=10) as response:
        assert response.read() == data
    public = copy.copy(s3_storage)
    public.public_url = "https://cdn.example"  # a public bucket: its URLs as they are
    assert viewable(public, "https://cdn.example/u/uploads/clip.mp4").startswith("https://cdn")
    cache = FrameCache(s3_storage, tmp_path / "frames")
    strip = cache.strip_of(url, max_side=80)
    assert [red_of(f) > 200 for f in strip.frames] == [False, False, True]
    assert strip.size_bytes == len(data)
