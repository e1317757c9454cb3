"""An upload batch as a front end shows it: the queue, per-file and overall progress, errors."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from workbench.errors import WorkbenchError, first_line
from workbench.uploads.sources import UploadData
from workbench.views.base import ViewModel

if TYPE_CHECKING:
    from workbench.client import Workbench

FileStatus = Literal["queued", "uploading", "uploaded", "duplicate", "failed"]


@dataclass(frozen=True)
class FileRow:
    path: str
    status: FileStatus = "queued"
    error: str | None = None


@dataclass(frozen=True)
class UploadState:
    project_id: Any = None
    shot_id: Any = None
    files: tuple[FileRow, ...] = ()
    bytes_done: int = 0
    bytes_total: int = 0
    files_done: int = 0
    running: bool = False
    loading: bool = False
    error: str | None = None

    @property
    def fraction(self) -> float:
        if self.bytes_total:
            return min(1.0, self.bytes_done / self.bytes_total)
        return self.files_done / len(self.files) if self.files else 0.0

    @property
    def failed(self) -> tuple[FileRow, ...]:
        return tuple(f for f in self.files if f.status == "failed")


class UploadModel(ViewModel[UploadState]):
    def __init__(self, wb: Workbench, *, project_id: Any, shot_id: Any = None) -> None:
        super().__init__(UploadState(project_id=project_id, shot_id=shot_id))
        self._wb = wb
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._data: dict[str, UploadData] = {}  # queued in-memory files, by their row's name

    def add(self, *items: str | Path | UploadData) -> None:
        """Queue files or folders (a folder is expanded by the uploader), or named bytes (a
        browser's file picker): those stay in memory, never written to the kernel's disk."""
        rows = []
        for item in items:
            if isinstance(item, UploadData):
                self._data[item.name] = item
                rows.append(FileRow(item.name))
            elif str(item).strip():
                rows.append(FileRow(str(Path(item).expanduser())))
        self._update(files=self.state.files + tuple(rows), error=None)

    def start(self) -> None:
        """Upload the queue on a background thread; progress arrives as state changes."""
        if self.state.running or not self.state.files:
            return
        self._cancel.clear()
        queued = [row.path for row in self.state.files if row.status == "queued"]
        inputs = [self._data.pop(path) if path in self._data else path for path in queued]
        self._update(running=True, error=None, bytes_done=0, files_done=0)
        self._thread = threading.Thread(target=self._run, args=(inputs,), daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.state.running

    def _run(self, paths: list[str | UploadData]) -> None:
        results: list[Any] = []
        try:
            results = self._wb.upload(
                paths, project_id=self.state.project_id, shot_id=self.state.shot_id,
                progress=self._progress, cancel=self._cancel,
            )  # fmt: skip
        except WorkbenchError as exc:
            self._update(error=first_line(exc))
        by_path = {r.path: r for r in results}
        rows = []
        for row in self.state.files:
            result = by_path.get(row.path)
            if result is not None:
                rows.append(FileRow(row.path, result.status, result.error))
            elif row.status == "uploading":
                rows.append(FileRow(row.path, "failed", self.state.error or "not uploaded"))
            else:
                rows.append(row)
        queued = {row.path for row in self.state.files}
        extra = tuple(FileRow(r.path, r.status, r.error) for r in results if r.path not in queued)
        done = sum(r.status != "failed" for r in results)
        self._update(files=tuple(rows) + extra, running=False, files_done=done)

    def _progress(self, progress: Any) -> None:
        files = self.state.files
        if progress.current:
            files = tuple(
                FileRow(f.path, "uploading") if f.path == progress.current and f.status == "queued"
                else f
                for f in files
            )  # fmt: skip
        self._update(
            files=files, bytes_done=progress.bytes_done, bytes_total=progress.bytes_total,
            files_done=progress.files_done,
        )  # fmt: skip
