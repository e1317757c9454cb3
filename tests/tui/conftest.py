"""Fixtures of the app's Pilot tests: a workbench on the demo, and the app showing it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from pilot_app import SIZE, started

from workbench.client import Workbench
from workbench.startup import connect
from workbench.storage import LocalStorage
from workbench.tui.app import WorkbenchApp


@pytest.fixture
def wb(demo_dsn: str, demo_assets: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workbench]:
    """Pictures drawn as half cells, whatever the terminal running the tests can show."""
    monkeypatch.setenv("WORKBENCH_IMAGES", "halfcell")
    with connect(demo_dsn, storage=LocalStorage(demo_assets)) as workbench:
        yield workbench


@pytest.fixture
async def running(wb: Workbench) -> AsyncIterator[tuple[WorkbenchApp, Any]]:
    """The app on its first page, the gallery focused, 12 items a page."""
    app = WorkbenchApp(wb, page_size=12)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        yield app, pilot
