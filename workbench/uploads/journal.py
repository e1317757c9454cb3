"""The upload journal: every key an upload may leave behind, written before it is written.

An upload stores its object and thumbnail first and records the row after, so anything that
stops it in between (a crash, a SIGKILL, a store that went down) can leave stored objects with
no row, a local store's hidden ``.tmp-`` files, or an S3 multipart upload that is invisible
and billed. So each file's keys are journaled, in the device's state folder, *before* its
transfer starts, with the process and run that own them and where their row would be; the
entries are removed once the row is recorded, or once a failed upload's clean-up is confirmed.

:func:`settle` (run by every upload first, and by ``clean_up()``) finishes what is left by owners
that are gone (a dead process, or a finished run of this one): it aborts incomplete multipart
uploads of the key and removes temp files, then deletes the object unless its row exists.
Entries of live owners (another uploader process, a running upload of this process) are never
touched. A store or database that cannot be reached keeps its entries for the next run.

The file is updated under an exclusive lock (``flock``, where the platform has it) by atomic
replace, so concurrent uploaders in several processes do not lose each other's entries.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import WorkbenchError
from workbench.settings.local_state import locked

if TYPE_CHECKING:
    from workbench.storage import Storage

log = logging.getLogger(__name__)
Entry = dict[str, Any]
# Runs of this process still going: their entries belong to a live owner.
_ACTIVE_RUNS: set[str] = set()
_ACTIVE_LOCK = threading.Lock()


def _start_time(pid: int) -> str | None:
    """When process ``pid`` started (Linux: clock ticks since boot), to tell a reused pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]  # field 22, counted after the command name


def _alive(entry: Mapping[str, Any]) -> bool:
    """Whether the entry's owner may still be writing it."""
    pid, run = entry.get("pid"), entry.get("run")
    if not isinstance(pid, int):
        return False  # released: its run ended
    if pid == os.getpid():
        with _ACTIVE_LOCK:
            return run in _ACTIVE_RUNS
    if os.name == "nt":  # os.kill would terminate it; leave it to its owner
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process with that pid: not ours to judge
    started = entry.get("started")
    return started is None or _start_time(pid) in (None, started)


@contextmanager
def active_run() -> Iterator[str]:
    """A run id whose journal entries count as owned by a live process while the block runs."""
    run = uuid.uuid4().hex
    with _ACTIVE_LOCK:
        _ACTIVE_RUNS.add(run)
    try:
        yield run
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE_RUNS.discard(run)


class Journal:
    """Keys an upload may have left in a store (``Storage.ident``), with their owners."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """This process's threads one at a time, and other processes too (a file lock)."""
        with self._lock, locked(self.path):
            yield

    def _read(self) -> list[Entry]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable upload journal %s: %s", self.path, exc)
            return []
        entries = data.get("abort", []) if isinstance(data, dict) else []
        return [
            e
            for e in entries
            if isinstance(e, dict)
            and isinstance(e.get("store"), str)
            and isinstance(e.get("key"), str)
        ]

    def _write(self, entries: list[Entry]) -> None:
        if not entries:
            self.path.unlink(missing_ok=True)
            return
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".journal-")  # 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"abort": entries}, handle, indent=1)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def entries(self, store: str | None = None) -> list[Entry]:
        with self._locked():
            return [e for e in self._read() if store is None or e["store"] == store]

    def pending(self, store: str) -> list[str]:
        """Keys of ``store`` whose owner is gone: what :func:`settle` would look at."""
        return [e["key"] for e in self.entries(store) if not _alive(e)]

    def begin(
        self,
        store: str,
        keys: Mapping[str, str],
        *,
        run: str | None,
        row: Mapping[str, str] | None = None,
    ) -> None:
        """Journal ``keys`` (key -> URL) before they are written, owned by this process's
        ``run`` (None: nobody; settled by the next run). ``row`` says where their row would
        be: ``{"table": "generations", "owner": project id}`` or ``resources`` and user id."""
        self.begin_all(store, [(keys, row or {})], run=run)

    def begin_all(
        self,
        store: str,
        groups: Sequence[tuple[Mapping[str, str], Mapping[str, str]]],
        *,
        run: str | None,
    ) -> None:
        """``begin`` for several files at once, ``(keys, row)`` each: one write of the file
        (the uploader gathers the files whose transfers are about to start)."""
        if not any(keys for keys, _ in groups):
            return
        pid = os.getpid() if run is not None else None
        owner = {"pid": pid, "run": run, "started": _start_time(pid) if pid else None}
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with self._locked():
            entries = self._read()
            known = {(e["store"], e["key"]) for e in entries}
            for keys, row in groups:
                for k, url in keys.items():
                    if (store, k) in known:
                        continue
                    known.add((store, k))
                    entry = {"store": store, "key": k, "url": url, "since": now, **owner}
                    entries.append({**entry, "row": dict(row)})
            self._write(entries)

    def add(self, store: str, keys: list[str]) -> None:
        """Journal keys with no owner and no row (a clean-up a down store still owes)."""
        self.begin(store, dict.fromkeys(keys, ""), run=None)

    def remove(self, store: str, keys: set[str] | list[str]) -> None:
        gone = set(keys)
        if not gone:
            return
        with self._locked():
            entries = self._read()
            kept = [e for e in entries if not (e["store"] == store and e["key"] in gone)]
            if len(kept) != len(entries):
                self._write(kept)

    def release(self, run: str) -> None:
        """The run ended: what it left is anybody's to settle, this process's next run too."""
        with self._locked():
            entries = self._read()
            mine = [e for e in entries if e.get("run") == run]
            for entry in mine:
                entry.update(pid=None, run=None, started=None)
            if mine:
                self._write(entries)


Recorded = Callable[[Mapping[str, Any]], bool]
"""Whether an entry's object is referenced by its row; raises ``WorkbenchError`` when the
database cannot say (the entry is then kept)."""


def settle(storage: Storage, journal: Journal, recorded: Recorded | None = None) -> int:
    """Finish what uploads whose owner is gone left in this store; returns how many keys.

    Per key: abort its incomplete multipart uploads and remove its temp files, then delete the
    object unless ``recorded`` finds its row (an entry without a row reference is a failed
    upload's: its object has no row). A store still unreachable keeps its entries for the
    next run; so does a key whose row cannot be looked up.
    """
    done: set[str] = set()
    try:
        entries = journal.entries(storage.ident)
    except OSError as exc:  # an unwritable state folder: each file's upload will say so
        log.warning("cannot read the upload journal %s: %s", journal.path, exc)
        return 0
    for entry in entries:
        if _alive(entry):
            continue
        key = entry["key"]
        try:
            storage.abort_incomplete(key)
        except WorkbenchError as exc:
            log.warning("unfinished upload of %s not cleaned up yet: %s", key, exc)
            break  # the store is down: the rest would fail the same way
        keep = False
        if entry.get("row"):
            if recorded is None:
                continue  # its row may exist: never delete without looking
            try:
                keep = recorded(entry)
            except WorkbenchError as exc:
                log.warning("cannot tell whether %s was recorded; kept for later: %s", key, exc)
                continue
        if not keep:
            try:
                storage.delete(key)
            except WorkbenchError as exc:
                log.warning("leftover object %s not removed yet: %s", key, exc)
                break
        done.add(key)
    journal.remove(storage.ident, done)
    return len(done)
