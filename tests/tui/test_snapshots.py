"""Snapshots of the main screens at a fixed size, on the deterministic demo data.

Update after an intended change with: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from waiting import settle, wait_until_async

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
    """Wait for the first page and live updates, press keys (each settling before the next),
    then let every worker finish and every message be handled."""

    async def run_before(pilot: Any) -> None:
        app = pilot.app
        # Keys go to the focused widget: wait until the gallery has focus, or a key may land
        # elsewhere and the snapshot would depend on timing.
        await wait_until_async(
            lambda: (
                app.first_paint is not None
                and app.wb.live
                and type(app.focused).__name__ == "GalleryGrid"
            ),
            what="the first gallery page, live updates and the gallery's focus",
            timeout=30,
            pilot=pilot,
        )
        await settle(pilot)  # the first page's thumbnails
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        if then is not None:
            await then(pilot)
        await settle(pilot)
        app._refresh_status()  # its 1 s timer may not have run since the last change
        await pilot.pause()

    return run_before


def test_gallery(snap_compare: Any, app: WorkbenchApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("right"))


def test_settings(snap_compare: Any, app: WorkbenchApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("s"))


def test_detail(snap_compare: Any, app: WorkbenchApp) -> None:
    async def loaded(pilot: Any) -> None:
        await wait_until_async(
            lambda: pilot.app.screen.model.state.detail is not None,
            what="the detail screen's generation",
            pilot=pilot,
        )

    assert snap_compare(app, terminal_size=SIZE, run_before=settled("enter", then=loaded))


def test_help(snap_compare: Any, app: WorkbenchApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("question_mark"))
