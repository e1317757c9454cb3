"""Snapshots of the main screens at a fixed size, on the deterministic demo data.

Update after an intended change with: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workbench.startup import connect
from workbench.storage import LocalStorage
from workbench.tui.app import WorkbenchApp

SIZE = (140, 40)


@pytest.fixture
def app(demo_dsn: str, demo_assets: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("WORKBENCH_IMAGES", "halfcell")
    with connect(demo_dsn, storage=LocalStorage(demo_assets)) as wb:
        yield WorkbenchApp(wb, page_size=8)


def settled(*keys: str, then: Callable[[Any], Any] | None = None) -> Any:
    """Wait for the first page and live updates, press keys, then let every worker finish."""

    async def run_before(pilot: Any) -> None:
        app = pilot.app
        deadline = time.monotonic() + 20
        # Keys go to the focused widget: wait until the gallery has focus, or a key may land
        # elsewhere and the snapshot would depend on timing.
        while (
            app.first_paint is None
            or not app.wb.live
            or app.focused is None
            or (type(app.focused).__name__ != "GalleryGrid")
        ):
            assert time.monotonic() < deadline, "the TUI did not start"
            await pilot.pause(0.05)
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.3)
        if then is not None:
            await then(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause(0.5)
        app._refresh_status()
        await pilot.pause(0.1)

    return run_before


def test_gallery(snap_compare: Any, app: WorkbenchApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("right"))


def test_settings(snap_compare: Any, app: WorkbenchApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("s"))


def test_detail(snap_compare: Any, app: WorkbenchApp) -> None:
    async def loaded(pilot: Any) -> None:
        while pilot.app.screen.model.state.detail is None:
            await pilot.pause(0.05)

    assert snap_compare(app, terminal_size=SIZE, run_before=settled("enter", then=loaded))


def test_help(snap_compare: Any, app: WorkbenchApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("question_mark"))
