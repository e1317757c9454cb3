"""``ConnectionHealth``'s states without a database: a failure is "reconnecting" while one
retry runs, "offline" when it failed too, "online" once a probe answers; the probe stops
when online or closed, and each transition is told once."""

from __future__ import annotations

import threading

from waiting import wait_until

from workbench.db.health import ConnectionHealth
from workbench.views.connection import connection_status


def probing(health: ConnectionHealth) -> bool:
    """Whether ``health``'s probe thread runs."""
    name = f"workbench-probe {health.where}"
    return any(thread.name == name for thread in threading.enumerate())


def test_failure_retry_offline_probe_online_and_close() -> None:
    answers: list[bool] = []  # what the next probes say; empty: the database is down
    gate = threading.Event()

    def probe() -> None:
        gate.wait(5)  # the first retry waits for the test: "reconnecting" is observable
        if not answers or not answers.pop(0):
            raise OSError("connection failed: Connection refused")

    health = ConnectionHealth("host=db", probe, every=0.05)
    heard: list[str] = []
    health.changed.add(lambda _online: heard.append(health.state))

    health.failed("Connection refused")
    assert health.state == "reconnecting"
    assert connection_status(health=health.state).words == "reconnecting…"
    assert health.settle(0.05) == "reconnecting"  # the retry is still under way
    gate.set()
    assert health.settle(5) == "offline"
    assert connection_status(health=health.state).tone == "error"
    health.failed("Connection refused")  # more failures while offline: no new transition
    answers.append(True)
    wait_until(lambda: health.state == "online", what="the probe finding it back")
    wait_until(lambda: heard == ["reconnecting", "offline", "online"], what="three transitions")
    assert health.last_error is None
    wait_until(
        lambda: not probing(health),
        what="the probe stopping once online",
    )

    health.failed("Connection refused")  # a new outage: a new probe; closing stops it
    wait_until(lambda: health.state == "offline", what="offline again")
    health.close()
    wait_until(
        lambda: not probing(health),
        what="the probe stopping on close",
    )
    assert health.state == "offline"
