"""Waiting in tests: on a condition, with a deadline; never for a fixed time.

A fixed sleep is either too short on a busy machine (the test flakes) or longer than needed
everywhere else (the suite crawls). These helpers check the condition until it holds and fail
after ``timeout`` seconds with a message naming what was awaited. The timeout is a hang guard,
not a performance assert: keep it generous.

    wait_until(lambda: cache.get(key) == "new", what="the refreshed page in the cache")
    await wait_until_async(lambda: app.screen.model.state.detail, what="the detail", pilot=pilot)
    await settle(pilot)  # no worker running, every message handled, no animation pending
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

TIMEOUT = 10.0  # seconds; generous, so that only a real hang (or a real bug) reaches it
POLL = 0.01  # seconds between checks outside an app (inside one, Pilot's pause paces them)


class WaitTimeout(AssertionError):
    """The awaited condition never held within the timeout."""


def _timed_out(
    what: str, timeout: float, last: object, show: Callable[[], object] | None
) -> WaitTimeout:
    seen = "" if isinstance(last, bool) or last is None else f" (last seen: {last!r})"
    state = "" if show is None else f"\nnow: {show()}"
    return WaitTimeout(f"timed out after {timeout:g} s waiting for {what}{seen}{state}")


def wait_until(
    condition: Callable[[], T],
    *,
    what: str,
    timeout: float = TIMEOUT,
    poll: float = POLL,
    show: Callable[[], object] | None = None,
) -> T:
    """Check ``condition`` until it returns something truthy, and return that.

    Fails with ``WaitTimeout`` ("timed out after 10 s waiting for <what>", then what ``show()``
    returns, if given) when it has not held after ``timeout`` seconds. Safe in any thread.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise _timed_out(what, timeout, value, show)
        time.sleep(poll)


async def wait_until_async(
    condition: Callable[[], T],
    *,
    what: str,
    timeout: float = TIMEOUT,
    pilot: Any = None,
    poll: float = POLL,
    show: Callable[[], object] | None = None,
) -> T:
    """The asyncio twin of ``wait_until``: the loop keeps running between checks.

    With a Textual ``pilot``, each pause is ``pilot.pause()`` without a delay: it lets the app
    process its pending messages and waits until the process is idle, so the condition is
    checked against a settled screen.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise _timed_out(what, timeout, value, show)
        if pilot is not None:
            await pilot.pause()
        else:
            await asyncio.sleep(poll)


async def settle(pilot: Any, *, timeout: float = 30.0) -> None:
    """Wait until a Textual app under Pilot is quiet: every worker finished, every message
    handled, every animation done. Handling a message may start a worker (a key that loads a
    page, a page that loads its thumbnails), so this repeats until a round starts none."""
    app = pilot.app

    async def quiet() -> bool:
        await app.workers.wait_for_complete()
        await pilot.wait_for_scheduled_animations()
        models = getattr(app, "models", None)
        if models is not None and models.gallery.reading_ahead:  # a thread, not a worker
            await asyncio.sleep(0.02)
            return False
        return not app.workers

    deadline = time.monotonic() + timeout
    while True:
        try:
            async with asyncio.timeout(max(deadline - time.monotonic(), 0.0)):
                if await quiet():
                    return
        except TimeoutError:
            pass
        if time.monotonic() >= deadline:
            running = ", ".join(sorted(worker.name or "?" for worker in app.workers))
            raise WaitTimeout(
                f"timed out after {timeout:g} s waiting for the app to settle "
                f"(workers still running: {running})"
            )
