"""The four connection states through a real outage (issue 18): a failure makes the workbench
say "reconnecting…", the failed retry "offline"; offline, an action fails at once instead of
waiting for the pool; a probe brings it back online by itself, with nobody calling.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from upload_setup import Setup
from waiting import wait_until

import workbench
from workbench.client import Workbench
from workbench.startup import connect
from workbench.storage import LocalStorage
from workbench.views.gallery import GalleryModel


@pytest.fixture
def wb(fault_dsn: str, setup: Setup, tmp_path: Path) -> Iterator[Workbench]:
    # The default database.timeout (5 s): failing fast offline must not depend on a short one.
    with connect(fault_dsn, storage=LocalStorage(tmp_path / "assets"), user_id=setup.user) as w:
        yield w


def probes(wb: Workbench) -> list[threading.Thread]:
    """The workbench's probe threads (one while not online, none once online)."""
    name = f"workbench-probe {wb.health.where}"
    return [thread for thread in threading.enumerate() if thread.name == name]


def starred(dsn: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM generations WHERE starred").fetchone()
    assert row is not None
    return int(row[0])


def test_reconnecting_offline_fail_fast_and_back_online_by_itself(
    wb: Workbench, setup: Setup, fault_pg: Any, fault_dsn: str
) -> None:
    heard: list[str] = []
    wb.health.changed.add(lambda _online: heard.append(wb.connection_state))
    gallery = GalleryModel(wb, project_id=setup.project)
    try:
        assert gallery.state.page is not None
        assert gallery.state.connection.state == "live"
        item = gallery.state.items[0]
        fault_pg.stop()

        # A star with the database down: it fails well under the 5 s pool timeout, says
        # "offline", and nothing changed (the optimistic star is rolled back).
        started = time.monotonic()
        gallery.toggle_star(item)
        assert time.monotonic() - started < 2.0
        assert gallery.state.error is not None
        assert "offline" in gallery.state.error or "unreachable" in gallery.state.error
        assert not gallery.state.items[0].starred
        wait_until(lambda: wb.connection_state == "offline", what="offline", timeout=5)
        wait_until(lambda: gallery.state.connection.state == "offline", what="gallery offline")
        assert gallery.state.connection.words == "offline"
        assert gallery.state.connection.reason  # the tooltip: why
        wait_until(lambda: heard[-1:] == ["offline"], what="the transition heard")
        assert heard[0] in ("reconnecting", "offline"), heard

        # Offline, every action fails at once with the same words (no pool wait).
        for _ in range(3):
            started = time.monotonic()
            with pytest.raises(workbench.ConnectionError, match=r"^offline: the database at "):
                wb.star(item.id)
            assert time.monotonic() - started < 0.5
        assert len(probes(wb)) == 1  # one probe, however many calls failed

        # Back: nobody calls, the probe finds it, the gallery reloads by itself.
        fault_pg.start()
        wait_until(lambda: wb.connection_state == "online", what="online again", timeout=10)
        wait_until(
            lambda: gallery.state.connection.state == "live" and gallery.state.error is None,
            what="the gallery live again",
            timeout=10,
            show=lambda: gallery.state,
        )
        wait_until(lambda: heard[-1:] == ["online"], what="back online heard")
        wait_until(
            lambda: not probes(wb),
            what="the probe to stop once online",
        )
        assert starred(fault_dsn) == 0  # nothing landed during the outage
        gallery.toggle_star(gallery.state.items[0])
        assert gallery.state.error is None
        assert starred(fault_dsn) == 1
    finally:
        gallery.close()
