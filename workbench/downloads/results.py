"""What a download reports: progress snapshots while it runs, one result at the end."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

FileStatus = Literal["downloaded", "already_there", "unavailable", "failed"]
Variants = Literal["primary", "all"]


@dataclass(frozen=True)
class DownloadProgress:
    """A snapshot, sent from worker threads. ``bytes_total`` grows as each file's size
    becomes known (its response arrives, or it is found already there); ``files_skipped``
    are files already there from an earlier run (not fetched again)."""

    files_total: int
    files_done: int
    files_skipped: int
    files_failed: int
    bytes_total: int
    bytes_done: int
    current: str | None = None

    @property
    def fraction(self) -> float:
        """Files settled (done or failed) of all, from 0 to 1."""
        if self.files_total == 0:
            return 1.0
        return (self.files_done + self.files_failed) / self.files_total


@dataclass(frozen=True)
class DownloadedFile:
    """One file of a download: where it went (``name`` in the folder or the zip; None when
    it was not written) and how (``status``; ``error`` says why it is unavailable or
    failed)."""

    index: int
    name: str | None
    id: str
    variant_id: str | None
    status: FileStatus
    size: int | None
    sha256: str | None
    location: str | None
    error: str | None = None


@dataclass(frozen=True)
class DownloadResult:
    """The end of a download. ``destination`` is the folder or the zip; ``files`` lists every
    file reached, in listing order (not those a cancel left unstarted); ``bytes_fetched``
    counts what came over the network this run, ``bytes_total`` every file written or kept.
    """

    destination: Path
    mode: Literal["folder", "zip"]
    variants: Variants
    items: int
    files_total: int
    files: tuple[DownloadedFile, ...]
    bytes_total: int
    bytes_fetched: int
    seconds: float
    cancelled: bool
    manifest: tuple[str, ...]

    def count(self, status: FileStatus) -> int:
        return sum(f.status == status for f in self.files)

    @property
    def downloaded(self) -> int:
        return self.count("downloaded")

    @property
    def already_there(self) -> int:
        return self.count("already_there")

    @property
    def failed(self) -> tuple[DownloadedFile, ...]:
        """Files not written: failed transfers and unavailable locations."""
        return tuple(f for f in self.files if f.status in ("failed", "unavailable"))

    @property
    def complete(self) -> bool:
        """Every listed file is in the destination."""
        return not self.cancelled and not self.failed and len(self.files) == self.files_total

    def as_json(self) -> dict[str, Any]:
        """Plain JSON types (``json.dumps`` as is), for ``--json`` and notebooks."""
        data = asdict(self)
        data["destination"] = str(self.destination)
        data["files"] = [asdict(f) for f in self.files]
        data["manifest"] = list(self.manifest)
        data.update(downloaded=self.downloaded, already_there=self.already_there,
                    failed=len(self.failed), complete=self.complete)  # fmt: skip
        return data
