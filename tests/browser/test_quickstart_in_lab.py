"""examples/quickstart.ipynb in JupyterLab, in Debian's Chromium: the widgets render, and a
click on a star and an edited setting reach the database."""

from __future__ import annotations

import os
import shutil
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
QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart.ipynb"
PROJECT = "Neon Coastline"


def stars(dsn: str) -> dict[Any, bool]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT g.id, g.starred FROM generations g JOIN projects p ON p.id = g.project_id"
            " WHERE p.name = %s",
            (PROJECT,),
        ).fetchall()
    return dict(rows)


def motion(dsn: str) -> Any:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT settings->'travel-between-images'->'amountOfMotion' FROM projects"
            " WHERE name = %s",
            (PROJECT,),
        ).fetchone()
    return row[0] if row else None


def test_star_and_edit_a_setting_in_jupyterlab(
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
    shutil.copy(QUICKSTART, lab.root_dir / "quickstart.ipynb")
    run_notebook(page, lab.url, "quickstart.ipynb", timeout=120, ws_bytes=ws_bytes)

    gallery = page.locator(".wb-gallery").first
    expect(gallery.locator("img.wb-thumb")).to_have_count(24)
    expect(gallery.locator(".wb-tile.wb-loaded")).to_have_count(24)  # every picture painted
    assert ws_bytes.received < 3_000_000, f"the notebook sent {ws_bytes.received} bytes"

    # Star: click the first tile's toggle; exactly that item flips in the database.
    before = stars(demo_dsn)
    star = gallery.locator(".wb-tile").first.locator(".wb-tile-star")
    shown = star.inner_text()
    star.click()
    wait_until(lambda: stars(demo_dsn) != before, what="the star to reach the database",
               timeout=15, poll=0.1)  # fmt: skip
    after = stars(demo_dsn)
    changed = [gid for gid in before if before[gid] != after[gid]]
    assert len(changed) == 1, changed
    expect(star).to_have_text("★" if shown == "☆" else "☆")

    # Edit amountOfMotion at the project scope (the default under "edit at").
    settings = page.locator(".wb-settings").first
    box = settings.locator(".wb-field-value-amountOfMotion input")
    expect(box).to_have_value("65")  # the project's own: the notebook put its 72 back
    box.fill("33")
    box.press("Enter")
    wait_until(lambda: motion(demo_dsn) == 33, what="the edit to reach the database",
               timeout=15, poll=0.1)  # fmt: skip
    expect(settings.locator(".wb-field-status-amountOfMotion")).to_have_text("saved")
    expect(settings.locator(".wb-field-scope-amountOfMotion")).to_have_text("project")
    # The Workbench widget further down shows the same settings: it follows the change.
    tabs_settings = page.locator(".wb-workbench .wb-settings .wb-field-value-amountOfMotion input")
    expect(tabs_settings).to_have_value("33")

    # A click on the starred item's tile opens the viewer on it.
    gallery.locator(".wb-tile").first.click()
    expect(gallery.locator(".wb-viewer.wb-open")).to_have_count(1)
    expect(gallery.locator(".wb-detail")).to_be_visible()
    expect(gallery.locator(".wb-detail-info")).to_contain_text(str(changed[0]))
    page.screenshot(path=tmp_path / "quickstart.png", full_page=True)
