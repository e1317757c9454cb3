"""Progress of a batch of uploads, reported as immutable snapshots.

Bytes move on many threads at once (file workers, boto3's part uploads), so the counters sit
behind a lock and the caller's callback receives a frozen :class:`UploadProgress` it may keep
or hand to another thread. Calls are spaced at least ``interval`` seconds apart, except that
every finished file is reported, so a progress bar costs nothing noticeable even when boto3
reports every 8 KiB.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadProgress:
    """Where a batch stands. ``current`` is the file most recently worked on (a path)."""

    bytes_done: int
    bytes_total: int
    files_done: int
    files_total: int
    current: str | None = None
    files_failed: int = 0

    @property
    def fraction(self) -> float:
        if self.bytes_total > 0:
            return min(1.0, self.bytes_done / self.bytes_total)
        return self.files_done / self.files_total if self.files_total else 1.0


ProgressCallback = Callable[[UploadProgress], None]


class Tracker:
    """Thread-safe counters feeding a throttled callback."""

    def __init__(
        self,
        callback: ProgressCallback | None,
        *,
        files_total: int,
        bytes_total: int,
        interval: float = 0.1,
    ) -> None:
        self._callback = callback
        self._interval = interval
        self._lock = threading.Lock()
        self._bytes = 0
        self._files = 0
        self._failed = 0
        self._files_total = files_total
        self._bytes_total = bytes_total
        self._current: str | None = None
        self._last_call = 0.0

    def _snapshot(self) -> UploadProgress:
        return UploadProgress(
            bytes_done=max(0, self._bytes),
            bytes_total=self._bytes_total,
            files_done=self._files,
            files_total=self._files_total,
            current=self._current,
            files_failed=self._failed,
        )

    def add_bytes(self, delta: int, current: str | None = None) -> None:
        with self._lock:
            self._bytes += delta
            if current is not None:
                self._current = current
        self._emit(force=False)

    def file_done(self, current: str, *, unsent: int, failed: bool = False) -> None:
        """One file finished; ``unsent`` bytes of it were skipped (duplicate, refused)."""
        with self._lock:
            self._bytes += unsent
            self._files += 1
            self._failed += int(failed)
            self._current = current
        self._emit(force=True)

    def _emit(self, *, force: bool) -> None:
        if self._callback is None:
            return
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last_call < self._interval:
                return
            self._last_call = now
            snap = self._snapshot()
        try:
            self._callback(snap)
        except Exception:  # a broken progress bar must not fail the upload
            log.exception("the upload progress callback raised")
