"""The gallery's viewer in JupyterLab in Chromium, as a user sees it: opened from the bottom of a
long notebook it is in the viewport, its picture shows at the original's aspect, ArrowRight
walks on across a page boundary without moving JupyterLab's active cell, Esc closes it and
gives the focus back to the grid, and a video plays."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from browser.lab import LabServer, choose_theme, run_notebook, text_contrast, write_notebook
from PIL import Image

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow
PROJECT = "Neon Coastline"

CELLS = [
    f"""\
import ipywidgets as widgets
import workbench
from workbench.widgets import Gallery

wb = workbench.connect()
g = Gallery(wb, project={PROJECT!r}, limit=3, filters={{"media_type": "image"}})
g""",
    # A long notebook: the viewer is opened far below the gallery's output.
    "widgets.HTML(\"<div style='height:2400px'>a long notebook</div>\")",
    """\
opener = widgets.Button(description="open the viewer", _dom_classes=("test-open",))
opener.on_click(lambda _: g.viewer.open(g.model.state.items[0].id))
videos = widgets.Button(description="videos", _dom_classes=("test-videos",))
videos.on_click(lambda _: g.model.set_filters(media_type="video"))
widgets.HBox([opener, videos])""",
]

# What the viewer shows: its box, its media's displayed box and natural size, whether the
# large rendition is in, and where the focus is.
SHOWN_JS = """() => {
  const viewer = document.querySelector('.wb-viewer');
  const media = viewer && viewer.querySelector('.wb-viewer-media');
  const box = (node) => { const r = node.getBoundingClientRect();
    return {x: r.x, y: r.y, width: r.width, height: r.height}; };
  return {
    open: !!viewer && viewer.classList.contains('wb-open'),
    viewer: viewer ? box(viewer) : null,
    media: media ? box(media) : null,
    tag: media ? media.tagName : null,
    sharp: media ? media.dataset.sharp : null,
    id: viewer ? viewer.querySelector('.wb-stage').dataset.id : null,
    position: viewer ? viewer.querySelector('.wb-stage-position').textContent : null,
    focusInViewer: !!viewer && viewer.contains(document.activeElement),
    focusOnGrid: !!document.activeElement && document.activeElement.matches('.wb-grid'),
    activeCell: [...document.querySelectorAll('.jp-Notebook .jp-Cell')]
      .findIndex(c => c.classList.contains('jp-mod-active')),
  };
}"""
SHARP_JS = """([id, position]) => { const v = document.querySelector('.wb-viewer.wb-open');
  const m = v && v.querySelector('img.wb-viewer-media[data-sharp="1"]');
  return !!m && m.complete && m.naturalWidth > 0 && m.getBoundingClientRect().width > 0
    && v.querySelector('.wb-stage').dataset.id !== (id || '')
    && v.querySelector('.wb-stage-position').textContent.startsWith(position); }"""

# The viewer's words measured for contrast (each must be there), with everything else in it.
WORDS = (".wb-stage-caption", ".wb-stage-position", ".wb-viewer-close", ".wb-viewer-next",
         ".wb-detail-info th", ".wb-detail-info td", ".wb-variant-label")  # fmt: skip


def original_sizes(dsn: str) -> dict[str, tuple[int, int]]:
    """Each image's original size (width, height), read from its file, by id."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT g.id::text, g.location FROM generations g JOIN projects p"
            " ON p.id = g.project_id WHERE p.name = %s AND g.location LIKE 'file://%%'",
            (PROJECT,),
        ).fetchall()
    sizes = {}
    for gid, location in rows:
        try:
            with Image.open(location.removeprefix("file://")) as image:
                sizes[gid] = image.size
        except OSError:
            continue  # a video
    return sizes


def check_shown(page: Page, sizes: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """The viewer is open, inside the viewport, and its picture at its original's aspect."""
    shown = page.evaluate(SHOWN_JS)
    viewport = page.viewport_size
    assert viewport is not None
    assert shown["open"], shown
    for part in ("viewer", "media"):
        box = shown[part]
        assert box["x"] >= 0, (part, box)
        assert box["y"] >= 0, (part, box)
        assert box["x"] + box["width"] <= viewport["width"] + 1, (part, box, viewport)
        assert box["y"] + box["height"] <= viewport["height"] + 1, (part, box, viewport)
    width, height = sizes[shown["id"]]
    displayed = shown["media"]["width"] / shown["media"]["height"]
    assert abs(displayed / (width / height) - 1) <= 0.02, (shown, width, height)
    assert shown["media"]["width"] > 300, shown  # large, not a thumbnail's size
    return shown


def test_the_viewer_in_jupyterlab(
    start_lab: Callable[..., LabServer],
    page: Page,
    demo_dsn: str,
    demo_assets: Path,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    lab = start_lab(
        {**os.environ, "WORKBENCH_DSN": demo_dsn, "WORKBENCH_ASSETS_DIR": str(demo_assets)}
    )
    write_notebook(lab.root_dir / "viewer.ipynb", CELLS)
    run_notebook(page, lab.url, "viewer.ipynb", timeout=120)
    sizes = original_sizes(demo_dsn)
    viewer = page.locator(".wb-viewer")
    expect(viewer).to_be_hidden()

    # Opened from far below the gallery: still in the viewport, picture at its own aspect.
    opener = page.locator(".test-open")
    opener.scroll_into_view_if_needed()
    opener.click()
    page.wait_for_function(SHARP_JS, arg=[None, "1 / 3 · page 1/"])
    first = check_shown(page, sizes)
    assert first["tag"] == "IMG"
    assert first["focusInViewer"], first  # the keys go to the viewer
    assert first["position"].startswith("1 / 3 · page 1/"), first
    cell = first["activeCell"]
    page.screenshot(path=tmp_path / "viewer.png")

    # ArrowRight: the next item, then across the page boundary (3 a page), each at its own
    # aspect; JupyterLab's active cell stays where it was.
    seen = [first["id"]]
    for position in ("2 / 3 · page 1/", "3 / 3 · page 1/", "1 / 3 · page 2/"):
        page.keyboard.press("ArrowRight")
        page.wait_for_function(SHARP_JS, arg=[seen[-1], position])
        shown = check_shown(page, sizes)
        assert shown["position"].startswith(position), shown
        assert shown["activeCell"] == cell, shown
        seen.append(shown["id"])
    assert len(set(seen)) == 4
    page.locator(".wb-viewer-prev").click()  # the buttons do the same
    page.wait_for_function(SHARP_JS, arg=[seen[-1], "3 / 3 · page 1/"])
    assert check_shown(page, sizes)["id"] == seen[2]

    # Esc closes it, and the focus goes back to the grid.
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    closed = page.evaluate(SHOWN_JS)
    assert not closed["open"]
    assert closed["focusOnGrid"], closed
    assert closed["activeCell"] == cell, closed

    # A video: the viewer follows the gallery to the clip, and it plays.
    opener.scroll_into_view_if_needed()
    opener.click()
    page.wait_for_function(SHARP_JS, arg=[None, "1 / 3 · page 1/"])
    # The button is under the viewer now: clicked from script, as the gallery's filter would.
    page.evaluate("() => document.querySelector('.test-videos').click()")
    video = page.locator(".wb-viewer.wb-open video.wb-viewer-media")
    expect(video).to_be_visible()
    played = page.evaluate(
        """async () => {
        const v = document.querySelector('.wb-viewer.wb-open video.wb-viewer-media');
        v.muted = true;
        await v.play();
        const start = v.currentTime;
        await new Promise(r => setTimeout(r, 1500));
        const box = v.getBoundingClientRect();
        return {start, now: v.currentTime, width: box.width, height: box.height,
                videoWidth: v.videoWidth, videoHeight: v.videoHeight, src: v.src};
    }"""
    )
    assert played["now"] > played["start"] + 0.3, played
    assert played["src"].startswith("blob:"), played  # the local store: bytes, as a Blob
    ratio = (played["width"] / played["height"]) / (played["videoWidth"] / played["videoHeight"])
    assert abs(ratio - 1) <= 0.02, played
    page.screenshot(path=tmp_path / "viewer-video.png")

    # Both themes read well: the viewer's words against what they are drawn on.
    viewer = page.locator(".wb-viewer.wb-open")
    for selector in WORDS:
        assert viewer.locator(selector).count(), f"no {selector} in the viewer"
    light = text_contrast(viewer)
    assert light[0]["ratio"] >= 4.5, light[:5]
    choose_theme(page, "JupyterLab Dark")
    dark = text_contrast(viewer)
    page.screenshot(path=tmp_path / "viewer-dark.png")
    assert min(c["ratio"] for c in dark) >= 4.5, dark
