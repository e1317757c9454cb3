"""A process-wide budget of bytes that decoded pictures may hold at once.

Decoding is the one step of an upload whose memory grows with the picture, not the file: a
400 KB PNG of 12000x12000 pixels decodes to 576 MB. A per-image pixel limit bounds one decode;
this budget bounds all of them together, so eight upload workers (or two uploads running in
one notebook) never hold more than ``DECODE_BUDGET`` bytes of pixels between them, whatever
the worker count. A decode waits until its estimated bytes fit; one larger than the whole
budget (never admitted by the images module, which refuses it first) would wait for the
budget to be empty and then run alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

MiB = 1024 * 1024
DECODE_BUDGET = 160 * MiB
# Freed decodes this large are handed back to the system before the budget is released.
TRIM_ABOVE = 32 * MiB


def _find_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None
    return trim


_MALLOC_TRIM = _find_trim()


def give_back_memory() -> None:
    """Return freed heap memory to the system (glibc's ``malloc_trim``; elsewhere nothing).

    glibc gives each thread its own heap ("arena") and, once a large block was freed, serves
    later large blocks from those heaps instead of fresh mappings; memory freed there stays
    resident. Without this, four workers that each decoded one 180 MB picture in turn keep
    four times 180 MB: measured 978 MB where one decode at a time needs 280.
    """
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


class ByteBudget:
    """A counting semaphore over bytes (``threading.Semaphore`` counts units of one)."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be positive, got {capacity}")
        self.capacity = capacity
        self._used = 0
        self._cond = threading.Condition()

    @property
    def used(self) -> int:
        with self._cond:
            return self._used

    @contextmanager
    def hold(self, nbytes: int) -> Iterator[None]:
        """Hold ``nbytes`` of the budget for the duration of the block; the block frees what
        it decoded before it ends, and a large hold gives that memory back to the system
        before the next decode may start."""
        want = min(max(nbytes, 0), self.capacity)
        with self._cond:
            self._cond.wait_for(lambda: self._used + want <= self.capacity)
            self._used += want
        try:
            yield
        finally:
            if want >= TRIM_ABOVE:
                give_back_memory()
            with self._cond:
                self._used -= want
                self._cond.notify_all()


decode_budget = ByteBudget(DECODE_BUDGET)
