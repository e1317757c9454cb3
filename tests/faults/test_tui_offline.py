"""The TUI through a database outage: its status line says "offline", then recovers by
itself when the database is back (issue 14, point 9), with no restart and no key press."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from upload_setup import Setup, make_setup
from waiting import settle, wait_until_async

from workbench.client import Workbench
from workbench.startup import connect
from workbench.storage import LocalStorage
from workbench.tui.app import WorkbenchApp
from workbench.tui.components.status import StatusLine

SIZE = (160, 48)


@pytest.fixture
def wb(fault_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workbench]:
    monkeypatch.setenv("WORKBENCH_IMAGES", "halfcell")
    monkeypatch.setenv("WORKBENCH_DB_TIMEOUT", "2")
    setup: Setup = make_setup(fault_dsn)
    with psycopg.connect(fault_dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO generations (project_id, type, location) "
            "SELECT %s, 'image', 'file:///x/' || n FROM generate_series(1, 5) n",
            (setup.project,),
        )
    with connect(fault_dsn, storage=LocalStorage(tmp_path / "assets"), user_id=setup.user) as w:
        yield w


def status(app: WorkbenchApp) -> str:
    return str(app.query_one(StatusLine).render())


async def test_the_status_line_says_offline_then_recovers(wb: Workbench, fault_pg: Any) -> None:
    app = WorkbenchApp(wb, page_size=12)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until_async(
            lambda: app.first_paint is not None, what="the first page", timeout=30, pilot=pilot
        )
        await settle(pilot)
        assert "offline" not in status(app)

        await asyncio.to_thread(fault_pg.stop)
        # Nobody presses a key: live updates notice the outage, the status line shows it.
        await wait_until_async(
            lambda: "offline" in status(app),
            what="offline in the status line",
            timeout=15,
            pilot=pilot,
            show=lambda: status(app),
        )

        await asyncio.to_thread(fault_pg.start)
        await wait_until_async(
            lambda: "offline" not in status(app) and app.models is not None
            and app.models.gallery.state.error is None,
            what="the status line back online, the gallery without an error",
            timeout=30,
            pilot=pilot,
            show=lambda: status(app),
        )  # fmt: skip
        assert app.models is not None
        assert app.models.gallery.state.page is not None
