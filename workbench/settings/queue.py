"""The settings write queue: many edits, few writes, none lost.

Per target (scope, row, tool) the first edit opens a window (300 ms by default, as in Reigh);
edits arriving inside it coalesce (later fields win, objects merge, resets ordered correctly),
and when it closes one write carries them all. At most one write per target is in flight;
edits made meanwhile wait for the next window. ``flush()`` waits for everything, and the queue
flushes at interpreter exit.

It runs on a background thread, so ``enqueue`` never blocks: the REPL, a notebook and an
asyncio loop (Textual) all call it directly; asyncio code awaits ``flush_async()``. Results are
reported to callbacks on the queue's thread (UI code hops back to its own loop from there).
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.listeners import Listeners
from workbench.settings.resolve import Path, merge
from workbench.settings.store import SettingsTarget

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WriteKey:
    target: SettingsTarget
    tool_id: str


@dataclass(frozen=True)
class WriteResult:
    """What one write did: which tickets it carried, and the scope's new tool object."""

    key: WriteKey
    tickets: tuple[int, ...]
    value: dict[str, Any] | None  # the stored tool object after the write, when it succeeded
    error: BaseException | None

    @property
    def ok(self) -> bool:
        return self.error is None


Writer = Callable[[WriteKey, dict[str, Any], list[Path]], dict[str, Any]]
Listener = Callable[[WriteResult], None]


@dataclass
class _Batch:
    opened: float
    patch: dict[str, Any] = field(default_factory=dict)
    removals: list[Path] = field(default_factory=list)
    tickets: list[int] = field(default_factory=list)
    callbacks: list[Listener] = field(default_factory=list)

    def add_patch(self, patch: Mapping[str, Any]) -> None:
        self.patch = merge(self.patch, dict(patch))

    def add_removal(self, path: Path) -> None:
        """Removals apply before the patch, so a later reset must also drop patched fields."""
        node: Any = self.patch
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if path and isinstance(node, dict):
            node.pop(path[-1], None)
        elif not path:
            self.patch = {}
        self.removals.append(path)


class WriteQueue:
    """Debounced, coalescing, per-target serial writes on a background thread."""

    def __init__(self, writer: Writer, *, delay: float = 0.3) -> None:
        self._writer = writer
        self.delay = delay
        self._lock = threading.Condition()
        self._pending: dict[WriteKey, _Batch] = {}
        self._in_flight: set[WriteKey] = set()
        self._listeners: Listeners[WriteResult] = Listeners("settings write")
        self._tickets = itertools.count(1)
        self._flushing = 0
        self._closed = False
        self.writes = 0  # statements issued, for tests and benchmarks
        self._thread = threading.Thread(target=self._run, name="workbench-settings", daemon=True)
        self._thread.start()
        _live_queues.add(self)

    # -- API -------------------------------------------------------------------------------
    def enqueue(
        self,
        key: WriteKey,
        patch: Mapping[str, Any] | None = None,
        removals: Iterable[Path] = (),
        on_done: Listener | None = None,
    ) -> int:
        """Queue an edit (removals first, then the patch); returns its ticket number."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the settings queue is closed")
            batch = self._pending.get(key)
            if batch is None:
                batch = self._pending[key] = _Batch(time.monotonic())
            for path in removals:
                batch.add_removal(path)
            if patch:
                batch.add_patch(patch)
            ticket = next(self._tickets)
            batch.tickets.append(ticket)
            if on_done is not None:
                batch.callbacks.append(on_done)
            self._lock.notify_all()
            return ticket

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every write result; returns a function that unsubscribes."""
        return self._listeners.add(listener)

    def pending(self) -> int:
        with self._lock:
            return len(self._pending) + len(self._in_flight)

    def flush(self, timeout: float | None = None) -> bool:
        """Write everything now and wait; False if ``timeout`` ran out first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            self._flushing += 1
            self._lock.notify_all()
            try:
                while self._pending or self._in_flight:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    self._lock.wait(remaining)
                return True
            finally:
                self._flushing -= 1

    async def flush_async(self, timeout: float | None = None) -> bool:
        return await asyncio.to_thread(self.flush, timeout)

    def close(self, timeout: float | None = 30) -> None:
        """Flush, then stop the thread; later enqueues are refused."""
        if self._closed:
            return
        self.flush(timeout)
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        self._thread.join(timeout=5)
        _live_queues.discard(self)

    # -- the background thread -------------------------------------------------------------
    def _due(self, now: float) -> tuple[list[tuple[WriteKey, _Batch]], float | None]:
        ready, wake = [], None
        for key, batch in self._pending.items():
            if key in self._in_flight:
                continue
            due = batch.opened + self.delay
            if self._flushing or due <= now:
                ready.append((key, batch))
            else:
                wake = due if wake is None else min(wake, due)
        return ready, wake

    def _run(self) -> None:
        with self._lock:
            while not (self._closed and not self._pending and not self._in_flight):
                ready, wake = self._due(time.monotonic())
                for key, batch in ready:
                    del self._pending[key]
                    self._in_flight.add(key)
                    # A thread per write (a few per second at most): unlike an executor it still
                    # starts during interpreter shutdown, when the at-exit flush runs.
                    threading.Thread(
                        target=self._write, args=(key, batch), name="workbench-write", daemon=True
                    ).start()
                if not ready:
                    timeout = None if wake is None else max(0.0, wake - time.monotonic())
                    self._lock.wait(timeout)

    def _write(self, key: WriteKey, batch: _Batch) -> None:
        value: dict[str, Any] | None = None
        error: BaseException | None = None
        try:
            value = self._writer(key, batch.patch, batch.removals)
        except Exception as exc:  # reported to the callbacks, never lost in a thread
            error = exc
            log.warning("settings write to %s failed: %s", key.target, exc)
        result = WriteResult(key, tuple(batch.tickets), value, error)
        with self._lock:
            self.writes += 1
            callbacks = list(batch.callbacks)
        self._listeners.notify(result, first=callbacks)
        with self._lock:
            self._in_flight.discard(key)
            self._lock.notify_all()


_live_queues: weakref.WeakSet[WriteQueue] = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    for queue in list(_live_queues):
        queue.close(timeout=10)
