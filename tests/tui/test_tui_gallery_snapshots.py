"""Snapshots of the gallery's selection and its every filter in a 100-column terminal, on the
deterministic demo data.

Update after an intended change with:
pytest tests/tui/test_tui_gallery_snapshots.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from waiting import settle, wait_until_async

from workbench.startup import connect
from workbench.storage import LocalStorage
from workbench.tui.app import WorkbenchApp

SIZE = (100, 36)


@pytest.fixture
def app(demo_dsn: str, demo_assets: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("WORKBENCH_IMAGES", "halfcell")
    with connect(demo_dsn, storage=LocalStorage(demo_assets)) as wb:
        yield WorkbenchApp(wb, page_size=8)


def test_selection_and_every_filter_at_100_columns(snap_compare: Any, app: WorkbenchApp) -> None:
    """Two tiles selected (a tick, a green border), the cursor on a third, the status line
    saying "2 selected", and both filter rows shown (``F``)."""

    async def run_before(pilot: Any) -> None:
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
        await settle(pilot)
        await wait_until_async(
            lambda: len(app.query_one("#tool")._legal_values) > 1, what="the tool list",
            pilot=pilot,
        )  # fmt: skip
        for key in ("F", "space", "shift+right", "right"):
            await pilot.press(key)
            await settle(pilot)
        app._refresh_status()  # its 1 s timer may not have run since the last change
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
