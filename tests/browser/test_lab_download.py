"""Download from the gallery in a real JupyterLab, in Debian's Chromium: tick three tiles,
click Download, and the link the widget shows gives the browser the ZIP of those three.

The link is the part only a browser can check: JupyterLab's rendermime has to turn the
widget's relative href into the server's ``files/`` URL and leave the ``download`` attribute
to the browser (see widgets/download.py)."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from browser.lab import LabServer, run_notebook, write_notebook

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow

CELLS = [
    """\
import workbench
from workbench.widgets import Gallery

wb = workbench.connect()
gallery = Gallery(wb, project="Neon Coastline", limit=12)
gallery""",
]


def test_download_three_ticked_tiles_as_a_zip(
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
    write_notebook(lab.root_dir / "download.ipynb", CELLS)
    run_notebook(page, lab.url, "download.ipynb", timeout=120)

    gallery = page.locator(".wb-gallery").first
    tiles = gallery.locator(".wb-tile")
    expect(tiles).to_have_count(12)
    for index in (0, 2, 5):
        tiles.nth(index).hover()  # the select box shows on hover (then on every tile)
        tiles.nth(index).locator("input.wb-tile-mark").check()
    expect(gallery.locator(".wb-count")).to_have_text("3 selected")
    expect(gallery.locator(".wb-tile.wb-marked")).to_have_count(3)

    gallery.locator(".wb-download-button").click()
    link = gallery.locator("a.wb-download-link")
    expect(link).to_be_visible(timeout=60_000)
    href = link.get_attribute("href") or ""
    # rendermime made the relative href the server's files/ URL of the notebook's folder.
    assert "/files/downloads/workbench-" in href, href
    expect(gallery.locator(".wb-download-where")).to_contain_text(str(lab.root_dir / "downloads"))

    gallery.locator(".wb-tile").nth(2).click()  # the viewer, with the detail's variants
    expect(gallery.locator(".wb-detail .wb-variant")).not_to_have_count(0)
    page.screenshot(path=tmp_path / "download.png", full_page=True)
    page.keyboard.press("Escape")  # the viewer closes: it would cover the link

    with page.expect_download() as started:
        link.click()
    download = started.value
    assert download.suggested_filename.endswith(".zip")
    saved = tmp_path / "fetched.zip"
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        lines = archive.read("manifest.jsonl").decode().splitlines()
    manifest = [json.loads(line) for line in lines if line.strip()]
    assert len(manifest) == 3, manifest
