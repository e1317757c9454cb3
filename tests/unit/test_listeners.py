"""One listener list for views, settings handles and the write queue."""

from __future__ import annotations

import pytest

from workbench.listeners import Listeners


def test_a_failing_listener_is_logged_and_the_others_still_hear(
    caplog: pytest.LogCaptureFixture,
) -> None:
    heard: list[tuple[str, int]] = []
    listeners: Listeners[int] = Listeners("test")

    def broken(value: int) -> None:
        raise RuntimeError("boom")

    listeners.add(broken)
    remove = listeners.add(lambda v: heard.append(("listener", v)))
    listeners.notify(1, first=[lambda v: heard.append(("first", v))])
    assert heard == [("first", 1), ("listener", 1)]
    assert "a test listener failed" in caplog.text
    remove()
    remove()  # twice is harmless
    listeners.notify(2)
    assert heard == [("first", 1), ("listener", 1)]
