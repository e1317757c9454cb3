"""The write queue's logic with an in-memory writer (the real one is tested on Postgres)."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from workbench.settings.queue import WriteKey, WriteQueue, WriteResult
from workbench.settings.resolve import Path, merge, remove_path
from workbench.settings.store import SettingsTarget


class Recorder:
    """Applies writes to a dict as the database would, recording each call."""

    def __init__(self, fail: bool = False, slow: float = 0.0) -> None:
        self.stored: dict[WriteKey, dict[str, Any]] = {}
        self.calls: list[tuple[dict[str, Any], list[Path]]] = []
        self.concurrent = 0
        self.max_concurrent = 0
        self.fail = fail
        self.slow = slow
        self._lock = threading.Lock()

    def __call__(
        self, key: WriteKey, patch: dict[str, Any], removals: list[Path]
    ) -> dict[str, Any]:
        with self._lock:
            self.concurrent += 1
            self.max_concurrent = max(self.max_concurrent, self.concurrent)
        try:
            time.sleep(self.slow)
            if self.fail:
                raise RuntimeError("database is down")
            value = self.stored.get(key, {})
            for path in removals:
                value = remove_path(value, path)
            value = merge(value, patch)
            self.stored[key] = value
            self.calls.append((patch, removals))
            return value
        finally:
            with self._lock:
                self.concurrent -= 1


KEY = WriteKey(SettingsTarget("project", uuid.uuid4()), "tool")


def test_edits_inside_the_window_coalesce_into_one_write() -> None:
    writer = Recorder()
    queue = WriteQueue(writer, delay=0.2)
    for n in range(50):
        queue.enqueue(KEY, {f"f{n}": n, "same": n})
    assert queue.flush(5)
    queue.close()
    assert len(writer.calls) == 1
    assert writer.stored[KEY] == {**{f"f{n}": n for n in range(50)}, "same": 49}


def test_a_reset_after_a_patch_wins_and_a_patch_after_a_reset_wins() -> None:
    writer = Recorder()
    queue = WriteQueue(writer, delay=0.05)
    queue.enqueue(KEY, {"a": {"b": 1, "c": 2}, "keep": 1})
    queue.flush(5)
    queue.enqueue(KEY, {"a": {"b": 5}})
    queue.enqueue(KEY, removals=[("a", "b")])  # set then reset: inherits again
    queue.enqueue(KEY, removals=[("keep",)])
    queue.enqueue(KEY, {"keep": 2})  # reset then set: the new value
    queue.flush(5)
    queue.close()
    assert writer.stored[KEY] == {"a": {"c": 2}, "keep": 2}


def test_one_write_in_flight_per_target_and_no_edit_lost() -> None:
    # Each write waits for the test's go-ahead, so what coalesces is decided by the test, not
    # by how fast a loaded machine runs the loop (a timed version failed under load in CI).
    recorder = Recorder()
    started, go = threading.Semaphore(0), threading.Semaphore(0)
    in_flight: list[int] = []

    def gated(key: WriteKey, patch: dict[str, Any], removals: list[Path]) -> dict[str, Any]:
        in_flight.append(1)
        try:
            started.release()
            assert go.acquire(timeout=10)
            assert len(in_flight) == 1  # no second write started while this one waited
            return recorder(key, patch, removals)
        finally:
            in_flight.pop()

    queue = WriteQueue(gated, delay=0.0)
    queue.enqueue(KEY, {"f0": 0})
    groups = [range(1, 100), range(100, 200)]
    for group in groups:
        assert started.acquire(timeout=10)  # a write is in flight: everything now waits
        for n in group:
            queue.enqueue(KEY, {f"f{n}": n})
        go.release()
    assert started.acquire(timeout=10)
    go.release()
    assert queue.flush(10)
    queue.close()
    assert [patch for patch, _ in recorder.calls] == [
        {"f0": 0},
        *({f"f{n}": n for n in group} for group in groups),
    ]
    assert recorder.stored[KEY] == {f"f{n}": n for n in range(200)}


def test_different_targets_write_in_parallel() -> None:
    writer = Recorder()
    together = threading.Barrier(4)

    def meeting(key: WriteKey, patch: dict[str, Any], removals: list[Path]) -> dict[str, Any]:
        together.wait(10)  # broken (the write fails) unless all four writes run at once
        return writer(key, patch, removals)

    queue = WriteQueue(meeting, delay=0.0)
    keys = [WriteKey(SettingsTarget("shot", uuid.uuid4()), "tool") for _ in range(4)]
    for key in keys:
        queue.enqueue(key, {"x": 1})
    assert queue.flush(30)
    queue.close()
    assert len(writer.calls) == 4
    assert writer.max_concurrent > 1


def test_results_reach_callbacks_and_listeners() -> None:
    results: list[WriteResult] = []
    queue = WriteQueue(Recorder(fail=True), delay=0.0)
    queue.subscribe(results.append)
    seen: list[WriteResult] = []
    ticket = queue.enqueue(KEY, {"a": 1}, on_done=seen.append)
    queue.flush(5)
    queue.close()
    assert [r.tickets for r in seen] == [(ticket,)]
    assert not seen[0].ok
    assert "database is down" in str(seen[0].error)
    assert results == seen
    assert queue.pending() == 0


def test_flush_returns_false_when_it_times_out() -> None:
    queue = WriteQueue(Recorder(slow=0.5), delay=0.0)
    queue.enqueue(KEY, {"a": 1})
    assert queue.flush(0.05) is False
    assert queue.flush(5) is True
    queue.close()


def test_asyncio_callers_are_never_blocked() -> None:
    import asyncio

    writer = Recorder()
    writer_threads: list[int] = []

    async def main() -> int:
        loop = asyncio.get_running_loop()

        def needing_the_loop(
            key: WriteKey, patch: dict[str, Any], removals: list[Path]
        ) -> dict[str, Any]:
            # The write finishes only once the loop has run a callback for it: enqueueing or
            # flushing in a way that blocked the loop would leave that callback waiting.
            writer_threads.append(threading.get_ident())
            answered = threading.Event()
            loop.call_soon_threadsafe(answered.set)
            assert answered.wait(10), "the event loop was blocked while a write ran"
            return writer(key, patch, removals)

        queue = WriteQueue(needing_the_loop, delay=0.1)
        for n in range(100):
            queue.enqueue(KEY, {f"f{n}": n})  # from the loop's own thread
        assert await queue.flush_async(30)
        queue.close()
        return threading.get_ident()

    loop_thread = asyncio.run(main())
    assert writer_threads
    assert loop_thread not in writer_threads  # enqueueing does no I/O on the caller's thread
    assert writer.stored[KEY] == {f"f{n}": n for n in range(100)}
