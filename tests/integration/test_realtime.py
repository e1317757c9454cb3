"""Live updates: another process's change reaches a subscribed view (how fast: measured by
benchmarks/realtime_bench.py; the design target is within a second)."""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

import psycopg
import pytest
from waiting import wait_until

from workbench.cache import CacheEvent
from workbench.client import Workbench
from workbench.realtime import prefixes_for
from workbench.startup import connect


def star_from_another_process(dsn: str, user: Any, generation: Any, assets: Any) -> None:
    code = (
        "import sys, workbench\n"
        "from workbench.storage import LocalStorage\n"
        "with workbench.connect(sys.argv[1], user_id=sys.argv[2], "
        "storage=LocalStorage(sys.argv[4])) as wb:\n"
        "    wb.star(sys.argv[3])\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, dsn, str(user), str(generation), str(assets)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def test_another_process_star_reaches_a_subscribed_page(
    demo_wb: Workbench, demo_dsn: str, demo_assets: Any
) -> None:
    project = demo_wb.projects()[0]
    page = demo_wb.generations(project.id, starred=False)
    target = page[0]
    heard = threading.Event()
    demo_wb.subscribe(
        ("unified-generations", "project", project.id),
        lambda e: heard.set() if e.kind == "invalidated" else None,
    )
    wait_until(lambda: demo_wb.live, what="live updates")
    star_from_another_process(demo_dsn, demo_wb.user_id, target.id, demo_assets)
    assert heard.wait(10), "the other process's star never reached the subscriber"
    fresh = demo_wb.generations(project.id, starred=False)
    assert target.id not in {item.id for item in fresh}


def test_changes_still_arrive_after_the_listener_connection_is_killed(
    demo_wb: Workbench, demo_dsn: str
) -> None:
    project = demo_wb.projects()[0]
    shot = demo_wb.shots(project)[0]
    events: list[CacheEvent] = []
    demo_wb.subscribe(("unified-generations", "shot", shot.id), events.append)
    demo_wb.generations(shot_id=shot.id)
    wait_until(lambda: demo_wb.live, what="live updates")
    listener = demo_wb._listener
    assert listener is not None
    pid = listener.backend_pid()
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        wait_until(lambda: listener.reconnects >= 1 and demo_wb.live, timeout=20,
                   what="the listener to reconnect")  # fmt: skip
        # Whatever happened while away was not heard: what subscribers show was invalidated.
        assert any(e.kind == "invalidated" for e in events)
        events.clear()
        demo_wb.generations(shot_id=shot.id)
        conn.execute(
            "UPDATE shot_generations SET timeline_frame = timeline_frame + 1 "
            "WHERE shot_id = %s AND timeline_frame IS NOT NULL",
            (shot.id,),
        )
    wait_until(lambda: any(e.kind == "invalidated" for e in events),
               what="the timeline change to arrive after the reconnect")  # fmt: skip


def test_settings_handles_follow_changes_made_elsewhere(demo_wb: Workbench, demo_dsn: str) -> None:
    project = demo_wb.projects()[0]
    handle = demo_wb.settings_handle("travel-between-images", project_id=project.id)
    wait_until(lambda: demo_wb.live, what="live updates")
    with connect(demo_dsn, storage=demo_wb.storage) as other:
        other.update_settings("project", project.id, "travel-between-images", {"motionMode": "x"})
    wait_until(lambda: handle.values["motionMode"] == "x",
               what="the other client's motionMode in the handle")  # fmt: skip
    handle.close()


def test_without_triggers_the_workbench_says_updates_are_not_live(
    demo_wb: Workbench, demo_dsn: str
) -> None:
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        for table in ("generations", "generation_variants", "shot_generations", "shots",
                      "projects", "users"):  # fmt: skip
            conn.execute(f"DROP TRIGGER workbench_notify_{table} ON {table}")
    with connect(demo_dsn, storage=demo_wb.storage) as wb:
        assert wb.start_live() is False
        assert wb.live is False
        wb.subscribe(("unified-generations",), lambda e: None)  # still works, just not live
        assert wb.generations(wb.projects()[0].id).total > 0


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"table": "generations", "project": "11111111-1111-4111-8111-111111111111",
          "shots": ["22222222-2222-4222-8222-222222222222"]},
         {("unified-generations", "project", "1"), ("unified-generations", "shot", "2")}),
        ({"table": "shot_generations", "project": "11111111-1111-4111-8111-111111111111",
          "shots": ["22222222-2222-4222-8222-222222222222"]},
         {("unified-generations", "project", "1"), ("unified-generations", "shot", "2")}),
        ({"table": "projects", "project": "11111111-1111-4111-8111-111111111111"},
         {("settings", "project", "1"), ("shots", "1")}),  # its name, in lists of shots
        ({"table": "shots", "project": "11111111-1111-4111-8111-111111111111",
          "shot": "22222222-2222-4222-8222-222222222222"},
         {("unified-generations", "project", "1"), ("shots", "1"),
          ("settings", "shot", "2"), ("unified-generations", "shot", "2")}),
        ({"table": "users", "user": "33333333-3333-4333-8333-333333333333"},
         {("settings", "user", "3")}),
        ({"table": "generations", "project": "not-a-uuid", "shots": None}, set()),
    ],
)  # fmt: skip
def test_events_map_to_the_narrowest_prefixes(event: dict[str, Any], expected: set[Any]) -> None:
    got = {(*key[:-1], str(key[-1])[0]) for key in prefixes_for(event)}
    assert got == expected
