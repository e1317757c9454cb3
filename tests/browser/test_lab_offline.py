"""A gallery in JupyterLab through a database outage (issue 18): the status line says
"offline" within 5 s with nobody clicking, a star clicked meanwhile reports its failure
within 5 s and changes nothing, no pool error reaches the notebook's outputs, and once the
database is back the status says "live" and the page is shown again, with no restart; neither
the notebook nor JupyterLab's log console shows a pool error."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from browser.lab import LabServer, run_notebook, write_notebook
from waiting import wait_until

from workbench.db import connection, migrate
from workbench.db.embedded import EmbeddedPostgres
from workbench.demo.seed import seed_demo
from workbench.storage import LocalStorage

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow
TILES = 12
# The star before and after the grid component (helper "grid"): either one is the tile's.
STAR = ".wb-tile .wb-tile-star, .wb-tile .wb-star"
STAR_STATE_JS = """el => [el.getAttribute('aria-pressed'), el.classList.contains('mod-active'),
  el.classList.contains('wb-starred'), el.textContent.trim()].join('|')"""
GALLERY_TEXT_JS = "() => document.querySelector('.wb-gallery')?.innerText ?? ''"
# What the notebook shows on stderr (a kernel's stray log lines land in a cell's outputs).
STDERR_JS = """() => [...document.querySelectorAll(
  '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
  .map(o => o.innerText).join('\\n')"""
# Every tile's thumbnail painted.
PAINTED_JS = """() => { const imgs = [...document.querySelectorAll('.wb-tile img.wb-thumb')];
  return imgs.length > 0 && imgs.length === document.querySelectorAll('.wb-tile').length
    && imgs.every(i => i.complete && i.naturalWidth > 0); }"""


class Stoppable:
    """A PostgreSQL of the test's own, which the test stops and starts (the session's is
    shared with every other test)."""

    def __init__(self, root: Path) -> None:
        self.server = EmbeddedPostgres(root / "pg", fast=True)
        self.dsn = connection.ensure_database(self.server.ensure_running(), "offline")
        self.assets = root / "assets"

    def stars(self) -> dict[Any, bool]:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            return dict(conn.execute("SELECT id, starred FROM generations").fetchall())


@pytest.fixture
def stoppable(tmp_path: Path) -> Iterator[Stoppable]:
    db = Stoppable(tmp_path)
    try:
        with psycopg.connect(db.dsn, autocommit=True) as conn:
            migrate.migrate(conn)
            seed_demo(conn, LocalStorage(db.assets), generations=TILES, videos=0)
        yield db
    finally:
        db.server.stop()


def test_the_gallery_says_offline_fails_a_star_at_once_and_comes_back(
    start_lab: Callable[..., LabServer], page: Page, stoppable: Stoppable
) -> None:
    from playwright.sync_api import expect

    with psycopg.connect(stoppable.dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT p.name FROM projects p JOIN generations g ON g.project_id = p.id "
            "GROUP BY p.name ORDER BY count(*) DESC, p.name LIMIT 1"
        ).fetchone()
    assert row is not None
    assets = str(stoppable.assets)
    lab = start_lab({**os.environ, "WORKBENCH_DSN": stoppable.dsn, "WORKBENCH_ASSETS_DIR": assets})
    cell = (
        "import workbench\nfrom workbench.widgets import Gallery\n"
        f"gallery = Gallery(workbench.connect(), project={row[0]!r}, limit={TILES})\ngallery"
    )
    write_notebook(lab.root_dir / "offline.ipynb", [cell])
    run_notebook(page, lab.url, "offline.ipynb", timeout=120)

    status = page.locator(".wb-gallery .wb-connection").first
    expect(status).to_have_attribute("data-state", "live")
    page.wait_for_function(PAINTED_JS)
    tiles = page.locator(".wb-tile").count()
    before = stoppable.stars()
    star = page.locator(STAR).first
    shown = star.evaluate(STAR_STATE_JS)

    # The database stops; nobody clicks: the status says so within 5 s.
    stoppable.server.stop()
    stopped = time.monotonic()
    expect(status).to_have_attribute("data-state", "offline", timeout=5_000)
    assert time.monotonic() - stopped < 5.0
    expect(status).to_have_text("offline")

    # A star clicked offline: its failure is on the page within 5 s, and the star is as it was.
    clicked = time.monotonic()
    star.click()
    page.wait_for_function(
        f"() => /does not answer|unreachable/.test(({GALLERY_TEXT_JS})())", timeout=5_000
    )
    assert time.monotonic() - clicked < 5.0
    wait_until(lambda: star.evaluate(STAR_STATE_JS) == shown, what="the star as it was", timeout=5)
    stderr = page.evaluate(STDERR_JS)
    assert not any(word in stderr for word in ("pool", "error connecting", "workbench:")), stderr

    # Back: "live" again by itself, the page shown again, and the star never landed.
    stoppable.server.ensure_running()
    expect(status).to_have_attribute("data-state", "live", timeout=20_000)
    expect(page.locator(".wb-tile")).to_have_count(tiles)
    page.wait_for_function(PAINTED_JS)
    assert stoppable.stars() == before
    assert star.evaluate(STAR_STATE_JS) == shown
    assert not page.evaluate(STDERR_JS), page.evaluate(STDERR_JS)

    # JupyterLab's log console (where a kernel's output outside any cell goes: the pool's
    # threads, widget callbacks) holds no pool error either.
    page.get_by_role("menuitem", name="View", exact=True).click()
    page.locator(".lm-Menu-item", has_text="Show Log Console").first.click()
    console = page.locator(".jp-LogConsolePanel").first
    expect(console).to_be_visible()
    logged = console.inner_text()
    noise = ("pool", "error connecting", "workbench:", "Traceback")
    assert not any(word in logged for word in noise), logged
