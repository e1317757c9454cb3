"""The settings write queue: many edits, few writes, none lost.

Per target (scope, row, tool) the first edit opens a window (300 ms by default, as in Reigh);
edits arriving inside it coalesce (later fields win, objects merge, resets ordered correctly),
and when it closes one write carries them all. At most one write per target is in flight;
edits made meanwhile wait for the next window. ``flush()`` waits for everything, and the queue
flushes at interpreter exit and on SIGTERM and SIGHUP (SIGINT exits normally, so at exit).

With a journal (``workbench.settings.pending``), an edit is in the journal file before
``enqueue`` returns (synced to disk right after) and crossed out when its write lands, so one
the process could not write (a crash, a signal that cannot be caught, the database unreachable
at exit) is written by the next start.
Flushing at exit waits a few seconds at most: the database being away must not hang an exit,
and what is not written then is kept in the journal, which the exit says on stderr.

It runs on a background thread, so ``enqueue`` never blocks: the REPL, a notebook and an
asyncio loop (Textual) all call it directly; asyncio code awaits ``flush_async()``. Results are
reported to callbacks on the queue's thread (UI code hops back to its own loop from there).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import itertools
import logging
import os
import signal
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Protocol

from workbench.listeners import Listeners
from workbench.settings.resolve import Path, merge
from workbench.settings.store import SettingsTarget

log = logging.getLogger(__name__)

# How long closing (at exit, on a signal, ``Workbench.close()``) waits for queued writes: a
# healthy database takes milliseconds; an unreachable one must not hold the exit up.
CLOSE_TIMEOUT = 5.0


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


class Journal(Protocol):
    """Where queued edits are kept until written (``workbench.settings.pending``)."""

    @property
    def outstanding(self) -> int: ...

    def add(
        self,
        ticket: int,
        key: WriteKey,
        patch: Mapping[str, Any],
        removals: Sequence[Path],
        *,
        before: Mapping[str, Any] | None,
        forced: bool = False,
        replaces: Iterable[int] = (),
    ) -> None: ...

    def done(self, tickets: Iterable[int]) -> None: ...

    def close(self) -> int: ...


@dataclass
class Batch:
    """Edits coalesced into one write: removals first, then the patch."""

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

    def __init__(
        self,
        writer: Writer,
        *,
        delay: float = 0.3,
        journal: Journal | None = None,
        keep: Callable[[BaseException], bool] = lambda exc: False,
        close_timeout: float = CLOSE_TIMEOUT,
    ) -> None:
        """``keep(error)``: whether a failed write's edits stay in the journal (the database
        was away: the next start may write them) rather than being crossed out.
        ``close_timeout``: how long closing waits for the writes (just over the database's
        own timeout lets an unreachable database say so, rather than a wait running out)."""
        self._writer = writer
        self.delay = delay
        self.close_timeout = close_timeout
        self._journal = journal
        self._keep = keep
        self._unreachable: BaseException | None = None  # the last write kept for later
        self._lock = threading.Condition()
        self._pending: dict[WriteKey, Batch] = {}
        self._in_flight: set[WriteKey] = set()
        self._landed: set[WriteKey] = set()  # in flight, written, its listeners being told
        self._listeners: Listeners[WriteResult] = Listeners("settings write")
        self._tickets = itertools.count(1)
        self._flushing = 0
        self._closed = False
        self.writes = 0  # statements issued, for tests and benchmarks
        self._thread = threading.Thread(target=self._run, name="workbench-settings", daemon=True)
        self._thread.start()
        _live_queues.add(self)
        if journal is not None:
            install_signal_flush()

    # -- API -------------------------------------------------------------------------------
    def enqueue(
        self,
        key: WriteKey,
        patch: Mapping[str, Any] | None = None,
        removals: Iterable[Path] = (),
        on_done: Listener | None = None,
        *,
        before: Mapping[str, Any] | None = None,
        forced: bool = False,
        replaces: Iterable[int] = (),
    ) -> int:
        """Queue an edit (removals first, then the patch); returns its ticket number once the
        journal holds it. ``before`` is the tool object the edit was made over (so a replay
        can tell a field changed elsewhere since); ``replaces``: tickets it makes obsolete
        (a retry of failed edits); ``forced``: it was written past a validation refusal."""
        removals = [tuple(p) for p in removals]
        with self._lock:
            if self._closed:
                raise RuntimeError("the settings queue is closed")
            ticket = next(self._tickets)
            if self._journal is not None:  # on disk before the batch can be written
                self._journal.add(
                    ticket, key, dict(patch or {}), removals,
                    before=before, forced=forced, replaces=replaces,
                )  # fmt: skip
            batch = self._pending.get(key)
            if batch is None:
                batch = self._pending[key] = Batch(time.monotonic())
            for path in removals:
                batch.add_removal(path)
            if patch:
                batch.add_patch(patch)
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

    def flush(self, timeout: float | None = None, *, landed: bool = False) -> bool:
        """Write everything now and wait; False if ``timeout`` ran out first. ``landed``:
        wait for the writes only, not for their listeners (a signal handler blocks the
        thread a UI's listeners wait for)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            self._flushing += 1
            self._lock.notify_all()
            try:
                while self._pending or (
                    self._in_flight - self._landed if landed else self._in_flight
                ):
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    self._lock.wait(remaining)
                return True
            finally:
                self._flushing -= 1

    async def flush_async(self, timeout: float | None = None) -> bool:
        return await asyncio.to_thread(self.flush, timeout)

    @property
    def kept(self) -> int:
        """Edits the journal still holds: queued, in flight, or failed while unreachable."""
        return 0 if self._journal is None else self._journal.outstanding

    def close(self, timeout: float | None = None, *, landed: bool = False) -> int:
        """Flush (waiting ``timeout`` at most; None: ``close_timeout``), then stop the
        thread; later enqueues are refused. Returns how many edits are kept in the journal for
        the next start, and says so on stderr: an exit while the database is away must not
        pass for a clean one."""
        if self._closed:
            return 0
        flushed = self.flush(self.close_timeout if timeout is None else timeout, landed=landed)
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        self._thread.join(timeout=1 if flushed else 0.1)
        _live_queues.discard(self)
        if self._journal is None:
            return 0
        kept = self._journal.close()
        if kept:
            why = "database unreachable" if self._unreachable else "the database did not answer"
            edits = "settings edit" if kept == 1 else "settings edits"
            with contextlib.suppress(OSError, ValueError):  # SIGHUP: the terminal is gone
                print(
                    f"workbench: {kept} {edits} could not be written ({why}); they are kept "
                    f"and will be written on the next start",
                    file=sys.stderr,
                    flush=True,
                )
        return kept

    # -- the background thread -------------------------------------------------------------
    def _due(self, now: float) -> tuple[list[tuple[WriteKey, Batch]], float | None]:
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

    def _write(self, key: WriteKey, batch: Batch) -> None:
        value: dict[str, Any] | None = None
        error: BaseException | None = None
        try:
            value = self._writer(key, batch.patch, batch.removals)
        except Exception as exc:  # reported to the callbacks, never lost in a thread
            error = exc
            log.warning("settings write to %s failed: %s", key.target, exc)
        # Crossed out before anyone hears of it: a listener that blocks (a UI waiting for
        # its loop) cannot leave a landed edit in the journal.
        if error is not None and self._keep(error):
            self._unreachable = error
        elif self._journal is not None:
            self._journal.done(batch.tickets)
        result = WriteResult(key, tuple(batch.tickets), value, error)
        with self._lock:
            self.writes += 1
            callbacks = list(batch.callbacks)
            self._landed.add(key)
            self._lock.notify_all()
        self._listeners.notify(result, first=callbacks)
        with self._lock:
            self._in_flight.discard(key)
            self._landed.discard(key)
            self._lock.notify_all()


_live_queues: weakref.WeakSet[WriteQueue] = weakref.WeakSet()


def close_all(*, landed: bool = False) -> int:
    """Close every live queue, together within the longest of their ``close_timeout``;
    returns the edits kept."""
    queues = list(_live_queues)
    deadline = time.monotonic() + max((q.close_timeout for q in queues), default=0.0)
    return sum(q.close(max(0.0, deadline - time.monotonic()), landed=landed) for q in queues)


atexit.register(close_all)

_FLUSHED_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)
_installed: set[int] = set()


def install_signal_flush() -> None:
    """Flush the queues on SIGTERM and SIGHUP (whose default ends the process without the
    at-exit flush), then end the process the way the signal would have. Only from the main
    thread (where Python runs handlers), and only where nobody installed a handler of their
    own (an application that handles the signal decides what it does: a server, say).

    Done when this module is imported (in the main thread, as imports usually are) and again
    when a journalled queue is made: a front end may connect and edit on other threads (the
    TUI does), where no handler can be installed. With nothing queued the handler does what
    the default would, at once."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in _FLUSHED_SIGNALS:
        if signum in _installed:
            continue
        try:
            if signal.getsignal(signum) is signal.SIG_DFL:
                signal.signal(signum, _flush_then_die)
                _installed.add(signum)
        except (ValueError, OSError):  # not the main interpreter, say
            continue
    if _installed:
        _wake_the_main_thread()


_watching: list[int] = []  # the wakeup pipe's read end, once this module owns the wakeup fd


def _wake_the_main_thread() -> None:
    """Make sure the handler runs even when the main thread is blocked.

    Python runs handlers on the main thread only, between bytecodes; the kernel delivers a
    process's signal to any thread. One delivered to a pool or queue thread while the main
    thread sleeps or waits for input (a script's ``time.sleep``, a REPL's prompt) would run
    the handler only when that wait ends: SIGTERM would not end the process at all. So, when
    no one else owns Python's wakeup fd (an event loop's signal handling wakes its own thread),
    a watcher thread reads it and sends the signal once more, to the main thread itself, which
    interrupts its wait (the handler then runs; a second delivery only finds it running or
    done)."""
    if _watching or not hasattr(signal, "pthread_kill"):
        return
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    try:
        previous = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    except (ValueError, OSError):
        previous = -2
    if previous != -1:  # another's wakeup fd (or none possible): leave it theirs
        if previous >= 0:
            signal.set_wakeup_fd(previous)
        os.close(read_end)
        os.close(write_end)
        return
    _watching.append(read_end)
    main = threading.main_thread().ident
    assert main is not None

    def watch() -> None:
        forwarded: set[int] = set()
        while chunk := os.read(read_end, 64):
            for signum in set(chunk) - forwarded:
                if signum in _installed and signal.getsignal(signum) is _flush_then_die:
                    forwarded.add(signum)  # once: the handler resets the default itself
                    signal.pthread_kill(main, signum)

    threading.Thread(target=watch, name="workbench-signals", daemon=True).start()


def _flush_then_die(signum: int, frame: FrameType | None) -> None:
    """Write what is queued (bounded: see ``CLOSE_TIMEOUT``), then die of the signal, so the
    parent sees the usual status (a shell: 128 + the signal's number)."""
    try:
        close_all(landed=True)
    finally:
        signal.signal(signum, signal.SIG_DFL)
        _installed.discard(signum)
        os.kill(os.getpid(), signum)


install_signal_flush()
