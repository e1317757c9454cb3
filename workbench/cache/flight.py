"""Entries and in-flight fetches: what one key holds, and a fetch its callers share."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Final

from workbench.cache.types import CacheKey
from workbench.errors import ValidationError

MISSING: Final[Any] = object()  # an entry's data before its first fetch (None is valid data)


class Entry:
    """One key's data and bookkeeping. ``version`` moves on every mutation of the key."""

    __slots__ = (
        "data",
        "flight",
        "invalidated",
        "key",
        "last_used",
        "stale_at",
        "updated_at",
        "version",
    )

    def __init__(self, key: CacheKey, now: float) -> None:
        self.key = key
        self.data: Any = MISSING
        self.updated_at = -float("inf")
        self.stale_at = -float("inf")  # fresh while the clock reads less than this
        self.invalidated = False
        self.last_used = now
        self.version = 0
        self.flight: Flight | None = None  # the fetch new callers join, if one is running


class Flight:
    """One fetch for one entry, started at the entry's ``version``; waiters share its outcome."""

    __slots__ = ("entry", "future", "owner", "version")

    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        self.version = entry.version
        self.owner: int | None = None  # ident of the thread running the fetch
        self.future: Future[Any] = Future()
        self.future.set_running_or_notify_cancel()  # a shared fetch cannot be cancelled

    @property
    def current(self) -> bool:
        """Whether no mutation came after this fetch started (so its result will be kept)."""
        return self.version == self.entry.version

    def wait(self) -> Any:
        """Block this thread until the fetch ends; its result, or raise its exception."""
        if not self.future.done() and self.owner == threading.get_ident():
            raise ValidationError(
                f"the fetch for cache key {self.entry.key!r} asked the cache for that same key; "
                "it would wait for itself forever"
            )
        return self.future.result()

    async def wait_async(self) -> Any:
        """Await the fetch without blocking the loop; cancelling the awaiting task leaves the
        fetch running for its other waiters."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Any] = loop.create_future()

        def wake(done: Future[Any]) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(_settle, waiter, done)

        self.future.add_done_callback(wake)
        return await waiter


def _settle(waiter: asyncio.Future[Any], done: Future[Any]) -> None:
    if waiter.done():  # the awaiting task was cancelled
        return
    error = done.exception()
    if error is None:
        waiter.set_result(done.result())
    else:
        waiter.set_exception(error)


def start_daemon(name: str, target: Callable[[], object]) -> None:
    """Run ``target`` on a new daemon thread (a hung fetch never blocks interpreter exit),
    in a copy of the caller's context variables."""
    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(target,), name=name, daemon=True).start()
