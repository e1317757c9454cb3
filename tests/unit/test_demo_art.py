"""Demo art must be deterministic, distinct per seed and motif, and fast enough to seed with."""

from __future__ import annotations

import io
from pathlib import Path

import av
import pytest
from PIL import Image, ImageChops, ImageStat

from workbench.demo.art import MOTIFS, PALETTES, ArtSpec, render_image, render_jpeg, render_video
from workbench.media import probe_video, video_thumbnail


def _spec(
    seed: int = 17,
    motif: str = "mountains",
    palette: int = 0,
    width: int = 512,
    height: int = 288,
    label: str = "Harbour Lights · #17",
) -> ArtSpec:
    return ArtSpec(seed, "Neon Coastline", label, motif, palette, width, height)


def _difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute pixel difference over all channels, 0-255."""
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def test_catalogue_sizes() -> None:
    assert len(MOTIFS) >= 6
    assert len(set(MOTIFS)) == len(MOTIFS)
    assert len(PALETTES) >= 8
    for palette in PALETTES:
        assert len(palette) >= 3
        assert all(len(c) == 3 and all(0 <= v <= 255 for v in c) for c in palette)


@pytest.mark.parametrize("motif", MOTIFS)
def test_every_motif_renders_rgb_at_the_requested_size(motif: str) -> None:
    img = render_image(_spec(motif=motif, width=320, height=512))
    assert img.mode == "RGB"
    assert img.size == (320, 512)
    # Not a flat fill: the picture has real contrast.
    extrema = img.getextrema()
    assert isinstance(extrema[0], tuple)
    assert max(hi - lo for lo, hi in extrema) > 100


@pytest.mark.parametrize("motif", MOTIFS)
def test_same_spec_gives_identical_bytes(motif: str) -> None:
    assert render_jpeg(_spec(motif=motif)) == render_jpeg(_spec(motif=motif))


@pytest.mark.parametrize("motif", MOTIFS)
def test_different_seeds_give_visibly_different_images(motif: str) -> None:
    a, b = render_image(_spec(seed=1, motif=motif)), render_image(_spec(seed=2, motif=motif))
    assert _difference(a, b) > 3


def test_motifs_and_palettes_look_different() -> None:
    base = render_image(_spec())
    assert _difference(base, render_image(_spec(motif="city"))) > 10
    assert _difference(base, render_image(_spec(palette=3))) > 10


def test_render_jpeg_is_a_jpeg_of_the_image() -> None:
    img = Image.open(io.BytesIO(render_jpeg(_spec(), quality=90)))
    assert img.format == "JPEG"
    assert img.size == (512, 288)


def test_label_changes_the_picture() -> None:
    a, b = render_image(_spec(label="Harbour Lights · #17")), render_image(_spec(label="Other"))
    assert _difference(a, b) > 0


def test_overlong_and_tiny_specs_still_render() -> None:
    render_image(_spec(label="An extremely long label " * 10, width=200, height=120))
    render_image(_spec(width=16, height=16))


@pytest.mark.parametrize(
    ("field", "value"),
    [("motif", "kittens"), ("palette", len(PALETTES)), ("palette", -1), ("width", 8)],
)
def test_bad_specs_are_refused(field: str, value: object) -> None:
    kwargs: dict[str, object] = {
        "seed": 1,
        "title": "t",
        "label": "l",
        "motif": "waves",
        "palette": 0,
        "width": 64,
        "height": 64,
    }
    kwargs[field] = value
    with pytest.raises(ValueError, match=field if field != "width" else "at least"):
        ArtSpec(**kwargs)  # type: ignore[arg-type]


def test_video_renders_probes_and_moves(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    render_video(_spec(seed=3, motif="waves", width=321, height=181), path, seconds=2.0, fps=12)
    info = probe_video(path)
    assert (info.width, info.height) == (320, 180)  # rounded down to even for yuv420p
    assert info.duration_s == pytest.approx(2.0, abs=0.1)
    assert info.frame_count == 24
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        frames = [frame.to_image() for frame in container.decode(stream)]  # type: ignore[no-untyped-call]
    assert len(frames) == 24
    assert _difference(frames[0], frames[-1]) > 1  # the scene moves
    data, _ = video_thumbnail(path)
    assert Image.open(io.BytesIO(data)).size == (320, 180)


def test_video_length_follows_seconds_and_fps(tmp_path: Path) -> None:
    path = tmp_path / "short.mp4"
    render_video(_spec(motif="city", width=160, height=90), str(path), seconds=1.0, fps=8)
    info = probe_video(path)
    assert info.frame_count == 8
    assert info.fps == pytest.approx(8.0)
    assert info.duration_s == pytest.approx(1.0, abs=0.15)


def test_video_refuses_nonsense_timing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="positive"):
        render_video(_spec(), tmp_path / "x.mp4", seconds=0)
