"""Zip downloads: files land in a sidecar folder first, the zip is written from it at the end.

Why a sidecar: a zip is only readable once its central directory is written, at the very end,
so a killed run that streamed straight into a zip would leave nothing a re-run could trust.
The sidecar (``renders.zip.parts/``) is an ordinary download folder with its journal: a
killed run leaves its complete files there, and the re-run fetches only the rest. Once every
file is in, the zip is written to ``renders.zip.part`` (media stored as they are: images and
videos do not compress; the manifests deflated), renamed to ``renders.zip``, and the sidecar
removed.

Re-running onto a complete zip (one whose manifest we wrote) rebuilds it: every entry whose
location, size and sha256 still match is copied from the old zip, not fetched again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path

from workbench.downloads.destination import MANIFEST_CSV, MANIFEST_JSONL, PART, Recorded

CHUNK = 1024 * 1024
_ZIP64_ABOVE = 2**31  # entries this large need ZIP64 headers declared before they are written


class OldZip:
    """A zip an earlier run completed: its manifest's files, to keep instead of fetching."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, Recorded] = {}  # by stem
        self._zip: zipfile.ZipFile | None = None
        if not path.is_file():
            return
        try:
            self._zip = zipfile.ZipFile(path)
            with self._zip.open(MANIFEST_JSONL) as manifest:
                for line in manifest:
                    row = json.loads(line)
                    if row.get("status") in ("downloaded", "already_there") and row.get("file"):
                        name = str(row["file"])
                        self.entries[name.rsplit(".", 1)[0]] = Recorded(
                            name, row.get("location"), int(row["size"]), str(row["sha256"])
                        )
        except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError):
            self.entries = {}

    def verified(self, stem: str, location: str | None) -> Recorded | None:
        """The recorded entry of ``stem`` when it is the same location and its bytes in the
        zip still hash to the recorded sha256 (read, never extracted)."""
        entry = self.entries.get(stem)
        if entry is None or entry.location != location or self._zip is None:
            return None
        try:
            info = self._zip.getinfo(entry.name)
            if info.file_size != entry.size:
                return None
            digest = hashlib.sha256()
            with self._zip.open(info) as data:
                while chunk := data.read(CHUNK):
                    digest.update(chunk)
        except (KeyError, zipfile.BadZipFile, OSError):
            return None
        return entry if digest.hexdigest() == entry.sha256 else None

    def copy_into(self, out: zipfile.ZipFile, name: str) -> None:
        assert self._zip is not None
        info = self._zip.getinfo(name)
        copied = zipfile.ZipInfo(name, info.date_time)
        copied.compress_type = zipfile.ZIP_STORED
        copied.external_attr = info.external_attr
        copied.file_size = info.file_size
        with (
            self._zip.open(info) as source,
            out.open(copied, "w", force_zip64=info.file_size >= _ZIP64_ABOVE) as target,
        ):
            shutil.copyfileobj(source, target, CHUNK)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None


def assemble(archive: Path, sidecar: Path, files: Iterable[tuple[str, bool]], old: OldZip) -> None:
    """Write ``archive`` from ``files`` ((name, from the old zip?), in order) and the
    sidecar's manifests; then remove the sidecar."""
    part = archive.with_name(archive.name + PART)
    try:
        with zipfile.ZipFile(part, "w", zipfile.ZIP_STORED, allowZip64=True) as out:
            for name, from_old in files:
                if from_old:
                    old.copy_into(out, name)
                    continue
                path = sidecar / name
                info = zipfile.ZipInfo.from_file(path, name)
                info.compress_type = zipfile.ZIP_STORED
                with (
                    open(path, "rb") as source,
                    out.open(info, "w", force_zip64=info.file_size >= _ZIP64_ABOVE) as target,
                ):
                    shutil.copyfileobj(source, target, CHUNK)
            for manifest in (MANIFEST_JSONL, MANIFEST_CSV):
                info = zipfile.ZipInfo(manifest, time.localtime()[:6])
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                with open(sidecar / manifest, "rb") as source, out.open(info, "w") as target:
                    shutil.copyfileobj(source, target, CHUNK)
        old.close()
        os.replace(part, archive)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    shutil.rmtree(sidecar, ignore_errors=True)
