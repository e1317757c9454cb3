"""Clean-up owed to a store that was down when an upload failed.

When an S3 upload fails because the store stopped answering, its unfinished multipart upload
cannot be aborted right then; it would sit in the bucket, invisible and billed, until a
lifecycle rule (if any) removes it. The keys are written here, in the device's state folder,
and every later upload run to the same store aborts them first.

Writes are atomic (temp file, rename); two processes updating it at once can lose an entry,
which only means that clean-up waits for a bucket lifecycle rule instead.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.config import private_dir
from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.storage import Storage

log = logging.getLogger(__name__)


class Journal:
    """Keys with unfinished uploads, per store (``Storage.ident``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def _read(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable upload journal %s: %s", self.path, exc)
            return []
        entries = data.get("abort", []) if isinstance(data, dict) else []
        return [e for e in entries if isinstance(e, dict) and {"store", "key"} <= e.keys()]

    def _write(self, entries: list[dict[str, Any]]) -> None:
        if not entries:
            self.path.unlink(missing_ok=True)
            return
        private_dir(self.path.parent)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".journal-")  # 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"abort": entries}, handle, indent=1)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def pending(self, store: str) -> list[str]:
        with self._lock:
            return [e["key"] for e in self._read() if e["store"] == store]

    def add(self, store: str, keys: list[str]) -> None:
        if not keys:
            return
        with self._lock:
            entries = self._read()
            known = {(e["store"], e["key"]) for e in entries}
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            entries += [
                {"store": store, "key": k, "since": now} for k in keys if (store, k) not in known
            ]
            self._write(entries)

    def remove(self, store: str, keys: set[str]) -> None:
        if not keys:
            return
        with self._lock:
            entries = self._read()
            self._write([e for e in entries if not (e["store"] == store and e["key"] in keys)])


def settle(storage: Storage, journal: Journal) -> int:
    """Abort what earlier runs left in this store; returns how many keys were settled.

    A store still unreachable keeps its entries for the next run.
    """
    keys = journal.pending(storage.ident)
    done: set[str] = set()
    for key in keys:
        try:
            storage.abort_incomplete(key)
        except WorkbenchError as exc:
            log.warning("unfinished upload of %s not cleaned up yet: %s", key, exc)
            break  # the store is down: the rest would fail the same way
        done.add(key)
    journal.remove(storage.ident, done)
    return len(done)
