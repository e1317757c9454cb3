"""Thumbnails and probes on real files made on the spot: no fixtures checked in, no mocks."""

from __future__ import annotations

import io
from pathlib import Path

import av
import pytest
from av.audio.frame import AudioFrame
from PIL import Image

from workbench.demo.art import ArtSpec, render_video
from workbench.errors import MediaError, ValidationError
from workbench.media import VideoInfo, image_size, image_thumbnail, probe_video, video_thumbnail

RED, BLUE, GREEN, WHITE = (255, 0, 0), (0, 0, 255), (0, 255, 0), (255, 255, 255)


def _encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt, **params)
    return out.getvalue()


def _decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def _close(actual: object, expected: tuple[int, ...], tolerance: int = 40) -> bool:
    """JPEG shifts colours a little; compare channels loosely."""
    assert isinstance(actual, tuple)
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def _red_left_blue_right(width: int, height: int) -> Image.Image:
    img = Image.new("RGB", (width, height), BLUE)
    img.paste(RED, (0, 0, width // 2, height))
    return img


# --- images -----------------------------------------------------------------------------------


def test_thumbnail_is_jpeg_with_long_side_capped() -> None:
    thumb = _decode(image_thumbnail(_encode(Image.new("RGB", (1200, 800), RED), "JPEG")))
    assert thumb.format == "JPEG"
    assert thumb.mode == "RGB"
    assert thumb.size == (300, 200)


def test_thumbnail_caps_portrait_height_and_honours_max_side() -> None:
    data = _encode(Image.new("RGB", (400, 1000), RED), "PNG")
    assert _decode(image_thumbnail(data)).size == (120, 300)
    assert _decode(image_thumbnail(data, max_side=50)).size == (20, 50)


def test_thumbnail_never_upscales() -> None:
    thumb = _decode(image_thumbnail(_encode(Image.new("RGB", (120, 40), RED), "PNG")))
    assert thumb.size == (120, 40)


def test_thumbnail_quality_changes_size() -> None:
    img = Image.effect_mandelbrot((600, 400), (-2.0, -1.0, 1.0, 1.0), 100).convert("RGB")
    data = _encode(img, "PNG")
    assert len(image_thumbnail(data, quality=30)) < len(image_thumbnail(data, quality=95))


def test_transparent_rgba_is_flattened_onto_white() -> None:
    img = Image.new("RGBA", (400, 200), (0, 0, 0, 0))
    img.paste((255, 0, 0, 255), (0, 0, 200, 200))
    thumb = _decode(image_thumbnail(_encode(img, "PNG")))
    assert thumb.mode == "RGB"
    assert _close(thumb.getpixel((40, 75)), RED)
    assert _close(thumb.getpixel((260, 75)), WHITE)


def test_palette_image_with_transparent_index_is_flattened_onto_white() -> None:
    img = Image.new("P", (200, 100), 0)
    img.putpalette([0, 0, 0, *GREEN] + [0] * 762)
    img.paste(1, (0, 0, 100, 100))
    thumb = _decode(image_thumbnail(_encode(img, "GIF", transparency=0)))
    assert _close(thumb.getpixel((20, 50)), GREEN)
    assert _close(thumb.getpixel((180, 50)), WHITE)


def test_grey_alpha_image_is_flattened_onto_white() -> None:
    img = Image.new("LA", (100, 100), (0, 0))
    img.paste((0, 255), (0, 0, 50, 100))
    thumb = _decode(image_thumbnail(_encode(img, "PNG")))
    assert _close(thumb.getpixel((10, 50)), (0, 0, 0))
    assert _close(thumb.getpixel((90, 50)), WHITE)


def test_cmyk_jpeg_becomes_rgb() -> None:
    thumb = _decode(
        image_thumbnail(_encode(Image.new("CMYK", (400, 400), (0, 255, 255, 0)), "JPEG"))
    )
    assert thumb.mode == "RGB"
    assert thumb.size == (300, 300)


def test_exif_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown rotated 90 degrees clockwise
    data = _encode(_red_left_blue_right(400, 200), "JPEG", exif=exif)
    assert image_size(data) == (200, 400)
    thumb = _decode(image_thumbnail(data))
    assert thumb.size == (150, 300)
    # A clockwise quarter turn puts the stored left edge (red) at the top.
    assert _close(thumb.getpixel((75, 30)), RED)
    assert _close(thumb.getpixel((75, 270)), BLUE)


def test_animated_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (200, 100), colour) for colour in (RED, GREEN, BLUE)]
    data = _encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 3
    thumb = _decode(image_thumbnail(data))
    assert thumb.size == (200, 100)
    assert _close(thumb.getpixel((100, 50)), RED)


def test_animated_webp_gives_its_first_frame() -> None:
    frames = [Image.new("RGBA", (200, 100), (*colour, 255)) for colour in (BLUE, RED)]
    data = _encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 2
    thumb = _decode(image_thumbnail(data))
    assert _close(thumb.getpixel((100, 50)), BLUE)


def test_image_size_reads_the_header() -> None:
    assert image_size(_encode(Image.new("RGB", (640, 480)), "PNG")) == (640, 480)
    assert image_size(_encode(Image.new("RGB", (33, 77)), "WEBP")) == (33, 77)


@pytest.mark.parametrize(
    "data",
    [b"", b"definitely not an image", b"\x89PNG\r\n\x1a\n" + b"\0" * 32, b"GIF89a"],
    ids=["empty", "text", "broken-png", "gif-magic-only"],
)
def test_undecodable_bytes_raise_media_error(data: bytes) -> None:
    with pytest.raises(MediaError, match="not a decodable image"):
        image_thumbnail(data)
    with pytest.raises(MediaError, match="not a decodable image"):
        image_size(data)


def test_truncated_jpeg_raises_media_error() -> None:
    img = Image.effect_mandelbrot((800, 600), (-2.0, -1.0, 1.0, 1.0), 100).convert("RGB")
    data = _encode(img, "JPEG")
    with pytest.raises(MediaError, match="not a decodable image"):
        image_thumbnail(data[: len(data) // 2])


def test_media_error_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        image_thumbnail(b"nope")


# --- videos -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    spec = ArtSpec(7, "Neon Coastline", "Harbour Lights · #17", "sunset-sea", 0, 320, 180)
    render_video(spec, path, seconds=2.0, fps=12)
    return path


def test_probe_reads_the_rendered_clip(clip: Path) -> None:
    info = probe_video(clip)
    assert (info.width, info.height) == (320, 180)
    assert info.duration_s == pytest.approx(2.0, abs=0.1)
    assert info.fps == pytest.approx(12.0)
    assert info.frame_count == 24


def test_probe_accepts_a_str_path(clip: Path) -> None:
    assert probe_video(str(clip)) == probe_video(clip)


def test_video_thumbnail_is_the_first_frame_as_jpeg(clip: Path) -> None:
    data, info = video_thumbnail(clip)
    thumb = _decode(data)
    assert thumb.format == "JPEG"
    assert thumb.size == (320, 180)  # never upscaled to 1280
    assert info == probe_video(clip)


def test_video_thumbnail_caps_the_width(clip: Path) -> None:
    data, info = video_thumbnail(clip, max_width=160)
    assert _decode(data).size == (160, 90)
    assert (info.width, info.height) == (320, 180)
    data, _ = video_thumbnail(clip, max_width=320, max_height=90)  # the height binds
    assert _decode(data).size == (160, 90)


def test_rotated_video_thumbnail_is_upright(tmp_path: Path) -> None:
    path = tmp_path / "rotated.mp4"
    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 32, "yuv420p"
        stream.set_display_rotation(90)  # counter-clockwise, as phones record portrait clips
        for i in range(5):
            frame = av.VideoFrame.from_image(_red_left_blue_right(64, 32))  # type: ignore[no-untyped-call]
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    assert (probe_video(path).width, probe_video(path).height) == (64, 32)
    data, info = video_thumbnail(path)
    thumb = _decode(data)
    assert thumb.size == (32, 64)
    assert (info.width, info.height) == (32, 64)
    # A counter-clockwise quarter turn puts the stored left edge (red) at the bottom.
    assert _close(thumb.getpixel((16, 56)), RED, tolerance=60)
    assert _close(thumb.getpixel((16, 8)), BLUE, tolerance=60)


def test_probe_of_a_text_file_raises_media_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("this is not a video\n" * 20)
    with pytest.raises(MediaError, match="not a decodable video"):
        probe_video(path)
    with pytest.raises(MediaError, match="not a decodable video"):
        video_thumbnail(path)


def test_probe_of_a_still_image_raises_media_error(tmp_path: Path) -> None:
    path = tmp_path / "still.png"
    path.write_bytes(_encode(Image.new("RGB", (64, 64), RED), "PNG"))
    with pytest.raises(MediaError, match="still image"):
        probe_video(path)


def test_probe_of_audio_only_file_raises_media_error(tmp_path: Path) -> None:
    path = tmp_path / "silence.wav"
    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("pcm_s16le", rate=8000)
        frame = AudioFrame(format="s16", layout="mono", samples=800)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.sample_rate, frame.pts = 8000, 0
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    with pytest.raises(MediaError, match="video has no video stream"):
        probe_video(path)


def test_missing_file_is_not_a_media_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        probe_video(tmp_path / "absent.mp4")


def test_video_info_is_a_frozen_value() -> None:
    info = VideoInfo(width=1, height=2, duration_s=None, fps=None, frame_count=None)
    assert info == VideoInfo(1, 2, None, None, None)
    with pytest.raises(AttributeError):
        info.width = 3  # type: ignore[misc]
