"""Where files go, checked before anything is written, and what an earlier run left there.

A folder download writes into the folder itself; a zip download into a sidecar folder next
to the zip (``renders.zip.parts/``), from which the zip is assembled at the end (see
``archive``). Either folder holds a journal, ``.workbench-download.jsonl``: one line per file
completed (its name, location, size and sha256), appended and flushed as each one lands. A
re-run reads it and keeps every file whose location is unchanged and whose bytes on disk
still have the recorded size and sha256; the rest is fetched again. A fetch from the store
is also recorded when it starts (name, location, the object's ETag and size), so that a
killed run's ``name.part`` is continued with a ranged read of that same version, not
fetched again from its first byte. The journal is locked while a download runs, so two
downloads into one folder cannot interleave.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import zipfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import IO, Any

from workbench.errors import ValidationError, echo

JOURNAL = ".workbench-download.jsonl"
MANIFEST_JSONL = "manifest.jsonl"
MANIFEST_CSV = "manifest.csv"
PART = ".part"
SIDECAR = ".parts"
MAX_CONCURRENCY = 64


@dataclass(frozen=True)
class Request:
    """A checked destination: ``folder`` receives the files (the sidecar in zip mode)."""

    folder: Path
    zip: Path | None

    @property
    def destination(self) -> Path:
        return self.zip or self.folder


def _path(value: object, option: str) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise ValidationError(f"{option} must be a path, not {echo(value)}")
    text = os.fspath(value)
    if not isinstance(text, str) or not text.strip() or "\0" in text:
        raise ValidationError(f"{option} must be a path, not {echo(value)}")
    return Path(text).expanduser().absolute()


def _first_existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists (the root always does)."""
    for folder in (path, *path.parents):
        if folder.exists():
            return folder
    return path.parents[-1] if path.parents else path


def check_request(to: object, zip: object, variants: object, concurrency: object) -> Request:
    """Refuse a bad destination or option before anything is listed or written."""
    if variants not in ("primary", "all"):
        raise ValidationError(f"variants must be 'primary' or 'all', not {echo(variants)}")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int):
        raise ValidationError(f"concurrency must be a whole number, not {echo(concurrency)}")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise ValidationError(
            f"concurrency must be between 1 and {MAX_CONCURRENCY}, not {echo(concurrency)}"
        )
    if (to is None) == (zip is None):
        raise ValidationError("give one destination: a folder (to=/--to) or a zip (zip=/--zip)")
    if to is not None:
        folder = _path(to, "--to")
        found = _first_existing(folder)
        if found == folder and not folder.is_dir():
            raise ValidationError(f"--to {folder} is a file, not a folder")
        if found != folder and not found.is_dir():
            raise ValidationError(f"--to {folder}: {found} is a file, not a folder")
        return Request(folder, None)
    archive = _path(zip, "--zip")
    if archive.name in ("", ".", ".."):
        raise ValidationError(f"--zip {archive}: name the zip file")
    if not archive.parent.is_dir():
        raise ValidationError(f"--zip {archive}: the folder {archive.parent} does not exist")
    if archive.is_dir():
        raise ValidationError(f"--zip {archive} is a folder; name a zip file")
    if archive.exists() and not made_by_us(archive):
        raise ValidationError(
            f"--zip {archive} exists and is not a download made by workbench; choose another "
            "name (it is not overwritten)"
        )
    return Request(archive.with_name(archive.name + SIDECAR), archive)


def made_by_us(archive: Path) -> bool:
    """A zip holding our manifest: safe to rebuild (its complete files are kept)."""
    try:
        with zipfile.ZipFile(archive) as zf:
            return MANIFEST_JSONL in zf.NameToInfo
    except (zipfile.BadZipFile, OSError):
        return False


@dataclass(frozen=True)
class Recorded:
    """A file an earlier run completed, as its journal says."""

    name: str
    location: str | None
    size: int
    sha256: str


@dataclass(frozen=True)
class Partial:
    """A file whose fetch started: ``name.part`` holds its first bytes; ``etag`` names the
    version of the stored object they come from, ``total`` its size. ``done``: how many
    first bytes are known complete when ranges were fetched at once (the ``.part`` may hold
    later ranges, and holes); None for one stream, whose ``.part`` is complete as long as
    it is."""

    name: str
    location: str | None
    etag: str
    total: int
    done: int | None = None


class Journal:
    """The folder's record of completed files, and of fetches started from the store (so
    that a killed run's half-fetched file is continued, not fetched again from its first
    byte); locked while open, appended line by line. The last line of a stem wins."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / JOURNAL
        self.entries: dict[str, Recorded] = {}  # by stem
        self.partials: dict[str, Partial] = {}  # by stem
        self._lock = threading.Lock()
        self._handle: IO[str] | None = None

    def open(self) -> Journal:
        self._handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115  # closed in close()
        _lock_file(self._handle, self.path.parent)
        self._handle.seek(0)
        for line in self._handle:
            with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
                row = json.loads(line)
                stem = str(row["stem"])
                started = row.get("partial")
                if "prefix" in row and stem in self.partials:
                    self.partials[stem] = replace(self.partials[stem], done=int(row["prefix"]))
                elif started is not None:
                    self.partials[stem] = Partial(
                        str(started["name"]), started.get("location"), str(started["etag"]),
                        int(started["total"]), started.get("done"),
                    )  # fmt: skip
                    self.entries.pop(stem, None)
                else:
                    self.entries[stem] = Recorded(
                        str(row["name"]), row.get("location"), int(row["size"]),
                        str(row["sha256"]),
                    )  # fmt: skip
                    self.partials.pop(stem, None)
        return self

    def add(self, stem: str, entry: Recorded) -> None:
        self._write(json.dumps({"stem": stem, **asdict(entry)}) + "\n")

    def started(self, stem: str, partial: Partial) -> None:
        self._write(json.dumps({"stem": stem, "partial": asdict(partial)}) + "\n")

    def prefix(self, stem: str, done: int) -> None:
        """The first ``done`` bytes of a file fetched by ranges are complete."""
        self._write(json.dumps({"stem": stem, "prefix": done}) + "\n")

    def _write(self, line: str) -> None:
        with self._lock:
            assert self._handle is not None
            self._handle.write(line)
            self._handle.flush()

    def compact(self, kept: dict[str, Recorded]) -> None:
        """Rewrite the journal with only ``kept`` (after a complete run), atomically."""
        tmp = self.path.with_name(self.path.name + PART)
        with open(tmp, "w", encoding="utf-8") as out:
            for stem, entry in kept.items():
                out.write(json.dumps({"stem": stem, **asdict(entry)}) + "\n")
        os.replace(tmp, self.path)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()  # releases the lock
            self._handle = None


def _lock_file(handle: IO[Any], folder: Path) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; one download per folder is on the user
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise ValidationError(
            f"another download is writing to {folder}; wait for it, or choose another folder"
        ) from None
