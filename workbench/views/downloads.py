"""A download as every front end shows it: counts, bytes, one status line, cancel.

The TUI and the notebook run ``start`` in a worker and render ``state.status`` (and the
counts, for a bar); neither computes its own wording. ``cancel`` stops the transfers between
chunks: files already complete stay (and are recorded), so starting again resumes.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.downloads import DownloadProgress, DownloadResult
from workbench.errors import ValidationError, WorkbenchError, first_line
from workbench.views.base import ViewModel

if TYPE_CHECKING:
    from workbench.client import Workbench

_TARGET_KEYS = frozenset({"ids", "project", "shot", "filters", "concurrency"})
_REDRAW_S = 0.1  # byte progress reaches listeners at most this often; file events at once


def size_text(n: int | None) -> str:
    """A size as a status line says it, in decimal units: "740 B", "48 kB", "3.1 MB",
    "1.24 GB" (a small download is not "0.0 MB")."""
    if n is None:
        return ""
    if n < 1000:
        return f"{n} B"
    if n < 1_000_000:
        return f"{n / 1e3:.0f} kB"
    if n < 1_000_000_000:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e9:.2f} GB"


@dataclass(frozen=True)
class DownloadState:
    """What a download view shows. ``files_skipped`` were already there from an earlier run
    (counted in ``files_done``); ``files_failed`` could not be written; ``result`` is set
    when a run ends (also a cancelled one); ``destination`` is the folder or the zip."""

    files_total: int = 0
    files_done: int = 0
    files_skipped: int = 0
    files_failed: int = 0
    bytes_total: int = 0
    bytes_done: int = 0
    running: bool = False
    error: str | None = None
    result: DownloadResult | None = None
    destination: str | None = None

    @property
    def fraction(self) -> float:
        """Progress from 0 to 1, by files settled (done or failed)."""
        if not self.files_total:
            return 1.0 if self.result is not None else 0.0
        return min(1.0, (self.files_done + self.files_failed) / self.files_total)

    @property
    def status(self) -> str:
        """One line: "12/40 files · 3.1 MB of 10.2 MB" while running, "done: 40 files (3
        already there) · 10.2 MB → /path" at the end."""
        failed = f" · {self.files_failed} failed" if self.files_failed else ""
        counts = (
            f"{self.files_done}/{self.files_total} files · "
            f"{size_text(self.bytes_done)} of {size_text(self.bytes_total)}{failed}"
        )
        if self.error is not None:
            return f"download failed: {self.error}"
        result = self.result
        if result is not None:
            if result.cancelled:
                return f"cancelled at {counts} (start again to resume)"
            there = f" ({result.already_there} already there)" if result.already_there else ""
            written = result.downloaded + result.already_there
            return (
                f"done: {written} files{there} · {size_text(result.bytes_total)}{failed} "
                f"→ {result.destination}"
            )
        if self.running:
            return counts if self.files_total else "listing…"
        return "ready to download"


class DownloadModel(ViewModel[DownloadState]):
    """One download at a time: ``start`` (blocking: run it in a worker) and ``cancel``."""

    def __init__(self, wb: Workbench) -> None:
        super().__init__(DownloadState())
        self._wb = wb
        self._cancel = threading.Event()
        self._last = 0.0

    def start(
        self,
        *,
        to: Any = None,
        zip: Any = None,
        variants: str = "primary",
        **target: Any,
    ) -> DownloadResult | None:
        """Download ``target`` (what ``GalleryModel.download_options()`` returns: ``ids``, or
        a ``project``/``shot`` with ``filters``) to a folder or a zip. Blocks until the end;
        the result is also in ``state.result``, a refusal or failure in ``state.error``."""
        with self._lock:
            if self.state.running:
                return None
            self._cancel.clear()
            self._update(
                **{f: 0 for f in ("files_total", "files_done", "files_skipped",
                                  "files_failed", "bytes_total", "bytes_done")},
                running=True, error=None, result=None,
                destination=str(to if to is not None else zip),
            )  # fmt: skip
        try:
            unknown = set(target) - _TARGET_KEYS
            if unknown:
                raise ValidationError(f"unknown download option(s): {', '.join(sorted(unknown))}")
            result = self._wb.download(
                to=to, zip=zip, variants=variants, progress=self._progress,
                cancel=self._cancel, **target,
            )  # fmt: skip
        except WorkbenchError as exc:
            self._update(running=False, error=first_line(exc))
            return None
        self._update(
            running=False, result=result, destination=str(result.destination),
            files_total=result.files_total, files_done=result.downloaded + result.already_there,
            files_skipped=result.already_there, files_failed=len(result.failed),
            bytes_total=max(self.state.bytes_total, result.bytes_total),
            bytes_done=result.bytes_total if not result.cancelled else self.state.bytes_done,
        )  # fmt: skip
        return result

    def cancel(self) -> None:
        """Stop between chunks; what is complete stays, so starting again resumes."""
        self._cancel.set()

    def _progress(self, snap: DownloadProgress) -> None:
        now = time.monotonic()
        state = self.state
        file_event = (snap.files_done, snap.files_failed, snap.files_total) != (
            state.files_done, state.files_failed, state.files_total,
        )  # fmt: skip
        if not file_event and now - self._last < _REDRAW_S:
            return
        self._last = now
        self._update(
            files_total=snap.files_total, files_done=snap.files_done,
            files_skipped=snap.files_skipped, files_failed=snap.files_failed,
            bytes_total=snap.bytes_total, bytes_done=snap.bytes_done,
        )  # fmt: skip
