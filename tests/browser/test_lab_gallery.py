"""The notebook gallery's grid in JupyterLab and Chromium, as a user meets it: placeholders
first, justified rows at each picture's aspect, a click opens the viewer, the keyboard stays
in the grid (arrows, across a page boundary, ``f``, space), the page-size control and the
empty state. Also what a page costs in bytes and how soon its tiles are painted."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from browser.lab import LabServer, WebSocketBytes, run_notebook
from waiting import wait_until

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow
PROJECT = "Neon Coastline"

# A portrait picture joins the 16:9 demo (so tile widths differ), then the gallery at 100 a
# page (the whole project: 37 items).
SOURCE = """\
import tempfile
from pathlib import Path

from PIL import Image

import workbench
from workbench.widgets import Gallery

wb = workbench.connect()
project = wb.project("Neon Coastline")
picture = Path(tempfile.mkdtemp()) / "tall.png"
Image.new("RGB", (360, 640), "#1e3a8a").save(picture)
wb.upload(picture, project_id=project.id)
gallery = Gallery(wb, project=project, limit=100)
gallery"""

# Records, from the page's start, when the grid appeared, whether tiles were seen as
# placeholders, and when the first and the last tile were painted (performance.now(), ms).
WATCH_JS = """
window.__wb = { grid: null, placeholders: 0, first: null, all: null };
new MutationObserver(() => {
  const w = window.__wb, now = performance.now();
  const grid = document.querySelector('.wb-grid');
  if (!grid) return;
  if (w.grid === null) w.grid = now;
  const tiles = grid.querySelectorAll('.wb-tile');
  const loaded = grid.querySelectorAll('.wb-tile.wb-loaded').length;
  const waiting = grid.querySelectorAll('.wb-tile.wb-placeholder').length;
  w.placeholders = Math.max(w.placeholders, waiting);
  if (loaded && w.first === null) w.first = now;
  if (tiles.length && loaded === tiles.length && w.all === null) w.all = now;
}).observe(document, { subtree: true, childList: true, attributes: true,
                       attributeFilter: ['class'] });
"""

# Each full row's tiles and gaps fill the grid's content width; each tile has its
# picture's aspect.
ROWS_JS = """() => {
  const grid = document.querySelector('.wb-grid');
  const style = getComputedStyle(grid);
  const inner = grid.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const rows = [...grid.querySelectorAll('.wb-row')].map(row => {
    const boxes = [...row.querySelectorAll('.wb-tile')].map(t => t.getBoundingClientRect());
    const gap = parseFloat(getComputedStyle(row).columnGap) || 0;
    return boxes.reduce((s, b) => s + b.width, 0) + gap * (boxes.length - 1);
  });
  const aspects = [...grid.querySelectorAll('.wb-tile')].map(t => {
    const img = t.querySelector('img.wb-thumb'), box = t.getBoundingClientRect();
    return [box.width / box.height, img.naturalWidth / img.naturalHeight];
  });
  return { inner, rows, aspects };
}"""


# The bytes of the pictures the tiles show (their blobs).
PICTURES_JS = """async () => {
  const imgs = [...document.querySelectorAll('.wb-grid img.wb-thumb[src]')];
  const size = i => fetch(i.src).then(r => r.blob()).then(b => b.size);
  const sizes = await Promise.all(imgs.map(size));
  return sizes.reduce((a, b) => a + b, 0);
}"""


def starred(dsn: str, generation_id: str) -> bool:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT starred FROM generations WHERE id = %s", (generation_id,))
        return bool(row.fetchone()[0])  # type: ignore[index]


def test_the_gallery_grid_in_jupyterlab(
    start_lab: Callable[..., LabServer],
    page: Page,
    ws_bytes: WebSocketBytes,
    demo_dsn: str,
    demo_assets: Path,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    lab = start_lab(
        {**os.environ, "WORKBENCH_DSN": demo_dsn, "WORKBENCH_ASSETS_DIR": str(demo_assets)}
    )
    notebook = {
        "cells": [  # cells around the gallery's: keys leaking to JupyterLab would move to them
            {"cell_type": "markdown", "metadata": {}, "source": "The grid:"},
            {"cell_type": "code", "metadata": {}, "source": SOURCE, "outputs": [],
             "execution_count": None},
            {"cell_type": "code", "metadata": {}, "source": "", "outputs": [],
             "execution_count": None},
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }  # fmt: skip
    (lab.root_dir / "gallery.ipynb").write_text(json.dumps(notebook))
    page.add_init_script(WATCH_JS)
    run_notebook(page, lab.url, "gallery.ipynb", timeout=120, ws_bytes=ws_bytes)

    grid = page.locator(".wb-grid")
    tiles = grid.locator(".wb-tile")
    expect(tiles).to_have_count(37)
    expect(grid.locator(".wb-tile.wb-loaded")).to_have_count(37)
    sent = ws_bytes.received
    watch = page.evaluate("window.__wb")
    pictures = page.evaluate(PICTURES_JS)
    print(
        f"\n37 tiles: {sent} bytes over the kernel's websocket in all, of which "
        f"{pictures} the pictures ({pictures / 37:.0f} a tile: 100 tiles ≈ "
        f"{pictures / 37 * 100 / 1e6:.2f} MB); first tile painted "
        f"{watch['first'] - watch['grid']:.0f} ms after the grid appeared, all "
        f"{watch['all'] - watch['grid']:.0f} ms"
    )
    assert sent - pictures + pictures / 37 * 100 < 3_000_000  # a page of 100, all told
    assert watch["placeholders"] > 0, "tiles show placeholders before their pictures"

    # Justified rows: every full row fills the width (±2 px); widths follow the aspects.
    shape = page.evaluate(ROWS_JS)
    assert len(shape["rows"]) > 1
    for width in shape["rows"][:-1]:
        assert abs(width - shape["inner"]) <= 2, shape
    assert all(abs(box - own) / own < 0.02 for box, own in shape["aspects"]), shape["aspects"]
    assert min(a for a, _ in shape["aspects"]) < 0.7 < 1.7 < max(a for a, _ in shape["aspects"])

    # A click on a tile: the cursor goes there and the viewer opens; Esc closes it.
    third = tiles.nth(2)
    third.click()
    expect(third).to_have_class(_has("wb-selected"))
    expect(page.locator(".wb-viewer.wb-open")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.locator(".wb-viewer.wb-open")).to_have_count(0)

    # The keyboard stays in the grid: JupyterLab's active cell and focus do not move.
    grid.focus()
    active = (
        "() => [...document.querySelectorAll('.jp-Cell')]"
        ".findIndex(c => c.classList.contains('jp-mod-active'))"
    )
    cell = page.evaluate(active)
    assert cell == 1, "the gallery's cell is the active one"
    page.keyboard.press("ArrowRight")
    fourth = tiles.nth(3)
    expect(fourth).to_have_class(_has("wb-selected"))
    page.keyboard.press("ArrowDown")  # the tile below, in the next justified row
    below = grid.locator(".wb-tile.wb-selected")
    expect(fourth).not_to_have_class(_has("wb-selected"))
    assert below.bounding_box()["y"] > fourth.bounding_box()["y"]  # type: ignore[index]
    page.keyboard.press("ArrowUp")
    expect(fourth).to_have_class(_has("wb-selected"))
    generation = fourth.get_attribute("data-id")
    assert generation is not None
    was = starred(demo_dsn, generation)
    ws_bytes.reset()
    page.keyboard.press("f")
    wait_until(lambda: starred(demo_dsn, generation) is not was, what="the star stored",
               timeout=15, poll=0.1)  # fmt: skip
    expect(fourth.locator(".wb-tile-star")).to_have_attribute(
        "aria-pressed", "false" if was else "true"
    )
    print(f"a star: {ws_bytes.received} bytes to the page")
    page.keyboard.press(" ")
    expect(fourth).to_have_class(_has("wb-marked"))
    assert page.evaluate(active) == cell
    assert page.evaluate("() => !!document.activeElement.closest('.wb-grid')")

    # The page-size control: 25 a page; End, then → past the last tile: the next page.
    page.locator(".wb-page-size select").select_option(label="25 a page")
    expect(tiles).to_have_count(25)
    first_id = tiles.first.get_attribute("data-id")
    grid.focus()
    page.keyboard.press("End")
    expect(tiles.nth(24)).to_have_class(_has("wb-selected"))
    page.keyboard.press("ArrowRight")
    expect(tiles).to_have_count(12)
    expect(tiles.first).to_have_class(_has("wb-selected"))
    assert tiles.first.get_attribute("data-id") != first_id
    assert page.evaluate(active) == cell

    # No match: the empty state names the filters.
    search = page.locator(".wb-search input")
    search.fill("zzz-no-such-prompt")
    search.press("Enter")
    expect(grid.locator(".wb-empty")).to_contain_text("No item matches")
    expect(grid.locator(".wb-empty")).to_contain_text("'zzz-no-such-prompt'")
    page.screenshot(path=tmp_path / "gallery.png", full_page=True)


def _has(name: str) -> Any:
    """A class-list matcher for ``to_have_class``: ``name`` among the element's classes."""
    import re

    return re.compile(rf"(^|\s){re.escape(name)}(\s|$)")
