"""The REPL's HTML of a video generation shows a poster: its first frame, small, inline."""

from __future__ import annotations

import base64
import dataclasses
import io
import re

from PIL import Image

from workbench.client import Workbench
from workbench.media.frames import shared_cache
from workbench.models import Generation


def items(wb: Workbench) -> list[Generation]:
    return [g for p in wb.projects() for g in wb.iter_generations(p.id)]


def poster_of(html: str) -> Image.Image | None:
    found = re.search(r"src='data:image/jpeg;base64,([A-Za-z0-9+/=]+)'", html)
    return Image.open(io.BytesIO(base64.b64decode(found.group(1)))) if found else None


def test_a_video_shows_its_first_frame_inline_and_small(demo_wb: Workbench) -> None:
    video = next(g for g in items(demo_wb) if g.is_video)
    html = video._repr_html_()
    poster = poster_of(html)
    assert poster is not None, html[:300]
    assert max(poster.size) <= 160
    assert "<video" not in html
    assert "file://" not in html
    decodes = shared_cache().decodes
    assert poster_of(video._repr_html_()) is not None
    assert shared_cache().decodes == decodes, "the second repr comes from the frame cache"


def test_an_image_is_unchanged_and_a_remote_video_is_not_fetched(demo_wb: Workbench) -> None:
    image = next(g for g in items(demo_wb) if not g.is_video)
    assert "<img" not in image._repr_html_()  # a file:// picture: a browser cannot load it
    video = next(g for g in items(demo_wb) if g.is_video)
    remote = dataclasses.replace(
        video,
        location="https://example.invalid/clip.mp4",
        thumbnail_url="https://example.invalid/clip.jpg",
    )
    decodes = shared_cache().decodes
    html = remote._repr_html_()
    assert poster_of(html) is None
    assert "<img src='https://example.invalid/clip.jpg'" in html
    assert shared_cache().decodes == decodes
