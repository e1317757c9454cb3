"""The journal of queued settings edits: an edit the queue acknowledged is never lost.

Reigh loses whatever its 300 ms window holds when the tab dies. Here every queued edit is
appended to a file on this device before ``enqueue`` returns, crossed out when its write
lands, and written by the next ``connect()`` to the same database if the process ended first:
a crash, SIGKILL, or an exit while the database was unreachable.

Cost: the append is one ``write(2)`` on the caller's thread (microseconds), which the kernel
keeps whatever happens to the process. Making it survive a power cut too takes an
``fdatasync`` (milliseconds): a thread of the journal's does it right after, one for all the
lines appended meanwhile (group commit), so a thousand edits a second cost a few hundred
syncs, not a thousand waits on the UI's thread. Closing with edits kept syncs first.

One file per live queue (``<state>/pending-settings/<pid>-<random>.jsonl``), holding an
exclusive ``flock`` for the queue's life. A file nobody holds belongs to a process that is
gone, whatever way it ended (the kernel releases the lock), so its edits are the next start's
to write; a live process's file is never touched. Lines are one JSON object each: an edit, or
the tickets of a landed write ("done"). When every edit is done the file is emptied, and it
is removed when the queue closes with nothing outstanding.

A replayed edit must not undo a change made elsewhere meanwhile: each edit records, for every
field it touches, the value it was made over (``before``). On replay a field that still holds
that value is written, one that already holds the edit's value is left alone, and one that
holds anything else was changed elsewhere since: it is skipped and reported (``plan``).
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import json
import logging
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

import psycopg

from workbench.config import private_dir
from workbench.errors import WorkbenchConnectionError
from workbench.settings.local_state import replace_atomically
from workbench.settings.queue import Batch, WriteKey
from workbench.settings.resolve import (
    Path,
    dotted,
    get_path,
    leaves,
    merge,
    path_patch,
    remove_path,
)
from workbench.settings.store import SettingsTarget, check_scope

log = logging.getLogger(__name__)

DIRECTORY = "pending-settings"
_sync = getattr(os, "fdatasync", os.fsync)  # the data is what matters; macOS has no fdatasync

Context = Callable[[], tuple[str, uuid.UUID]]  # (database identity, user id) for a new edit


def is_outage(exc: BaseException) -> bool:
    """Whether a failed write may succeed later unchanged (the database was away), so its
    edits stay in the journal; a refusal (not found, invalid) would fail again: dropped."""
    return isinstance(exc, (psycopg.OperationalError, WorkbenchConnectionError, OSError))


@dataclass(frozen=True)
class PendingEdit:
    """One queued edit as the journal keeps it."""

    ticket: int
    db: str  # the database's identity (``database_keys``): replayed only there
    user_id: uuid.UUID
    target: SettingsTarget
    tool_id: str
    patch: dict[str, Any]
    removals: tuple[Path, ...]
    before: tuple[tuple[Path, bool, Any], ...] | None  # (path, found, value) per touched path
    forced: bool
    at: float  # time.time() when it was queued

    @property
    def key(self) -> tuple[str, uuid.UUID, SettingsTarget, str]:
        return (self.db, self.user_id, self.target, self.tool_id)

    def line(self) -> dict[str, Any]:
        before = None
        if self.before is not None:
            before = [
                {"path": list(p), "value": v} if found else {"path": list(p)}
                for p, found, v in self.before
            ]
        return {
            "op": "edit", "ticket": self.ticket, "db": self.db, "user": str(self.user_id),
            "scope": self.target.scope, "id": str(self.target.id), "tool": self.tool_id,
            "patch": self.patch, "removals": [list(p) for p in self.removals],
            "before": before, "forced": self.forced, "at": self.at,
        }  # fmt: skip

    @classmethod
    def from_line(cls, data: Mapping[str, Any]) -> PendingEdit:
        before = data.get("before")
        return cls(
            ticket=int(data["ticket"]),
            db=str(data["db"]),
            user_id=uuid.UUID(str(data["user"])),
            target=SettingsTarget(check_scope(data["scope"]), uuid.UUID(str(data["id"]))),
            tool_id=str(data["tool"]),
            patch=dict(data["patch"]),
            removals=tuple(tuple(str(k) for k in p) for p in data["removals"]),
            before=None
            if before is None
            else tuple((tuple(b["path"]), "value" in b, b.get("value")) for b in before),
            forced=bool(data.get("forced", False)),
            at=float(data.get("at", 0.0)),
        )


def touched(patch: Mapping[str, Any], removals: Iterable[Path]) -> list[Path]:
    """The paths an edit changes: its removals, then its patch's leaves."""
    return [*removals, *(path for path, _ in leaves(dict(patch)))]


def baseline(
    before: Mapping[str, Any] | None, patch: Mapping[str, Any], removals: Iterable[Path]
) -> tuple[tuple[Path, bool, Any], ...]:
    """What each touched path held in ``before`` (the tool object the edit was made over)."""
    value = dict(before) if isinstance(before, Mapping) else {}
    found = []
    for path in touched(patch, removals):
        there, held = get_path(value, path)
        found.append((path, there, copy.deepcopy(held) if there else None))
    return tuple(found)


class EditJournal:
    """This queue's journal file: ``add`` before an edit is acknowledged, ``done`` when its
    write lands, ``close`` at the end (the file stays only if edits are outstanding).

    A journal that cannot write (a read-only or full disk) says so once and lets the queue
    carry on: edits still land, they are just not crash-proof meanwhile."""

    def __init__(self, directory: FilePath, context: Context) -> None:
        self.directory = FilePath(directory)
        self._context = context
        self._lock = threading.RLock()  # re-entered by a signal handler flushing at exit
        self._syncing = threading.Condition()  # the syncer and close (re-entrant: signals)
        self._unsynced = False
        self._sync_busy = False  # the syncer is syncing the file: it must stay open
        self._fd: int | None = None
        self.path: FilePath | None = None
        self._outstanding: set[int] = set()
        self._written = 0  # bytes in the file
        self._broken = False
        self._closed = False

    def __repr__(self) -> str:
        return f"EditJournal({str(self.path or self.directory)!r})"

    @property
    def outstanding(self) -> int:
        with self._lock:
            return len(self._outstanding)

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
    ) -> None:
        """Append the edit (and that it replaces earlier tickets, e.g. a retry) durably."""
        with self._lock:
            if self._closed or self._broken:
                return
            try:
                db, user_id = self._context()
            except Exception as exc:  # no user, say: the write itself will fail and say why
                log.debug("settings edit %s not journalled: %s", ticket, exc)
                return
            edit = PendingEdit(
                ticket, db, user_id, key.target, key.tool_id, dict(patch),
                tuple(removals), None if before is None else baseline(before, patch, removals),
                forced, time.time(),
            )  # fmt: skip
            line = edit.line()
            done = [t for t in replaces if t in self._outstanding]
            if done:
                line["replaces"] = done
            if self._append(line, sync=True):
                self._outstanding.add(ticket)
                self._outstanding.difference_update(done)

    def done(self, tickets: Iterable[int]) -> None:
        """Cross out landed (or refused) edits; an empty journal is truncated. Not fsync'd:
        an edit whose "done" is lost is found already written on replay and left alone."""
        with self._lock:
            landed = [t for t in tickets if t in self._outstanding]
            if not landed or self._fd is None:
                return
            self._outstanding.difference_update(landed)
            if self._outstanding:
                self._append({"op": "done", "tickets": landed}, sync=False)
            else:
                with contextlib.suppress(OSError):
                    os.ftruncate(self._fd, 0)
                    self._written = 0

    def close(self) -> int:
        """Stop journalling; returns how many edits are kept for the next start. With none,
        the file is removed; either way the lock is released."""
        with self._lock:
            if self._closed:
                return len(self._outstanding)
            self._closed = True
            kept = len(self._outstanding)
            with self._syncing:  # the syncer is done with the file
                fd, self._fd = self._fd, None
                self._syncing.notify_all()
                while self._sync_busy:
                    self._syncing.wait()
            if fd is not None:
                if not kept and self.path is not None:
                    with contextlib.suppress(OSError):
                        self.path.unlink()  # while locked: nobody replays a half-gone file
                with contextlib.suppress(OSError):
                    if kept:
                        _sync(fd)
                    os.close(fd)
            return kept

    # -- internals -------------------------------------------------------------------------
    def _append(self, line: Mapping[str, Any], *, sync: bool) -> bool:
        try:
            data = (json.dumps(line, separators=(",", ":")) + "\n").encode("utf-8")
        except (TypeError, ValueError) as exc:  # the write refuses it too, and says why
            log.debug("settings edit not journalled: %s", exc)
            return False
        try:
            fd = self._open()
            os.write(fd, data)
            self._written += len(data)
        except OSError as exc:
            self._broken = True
            log.warning(
                "workbench: cannot keep queued settings edits on this device (%s): they are "
                "still written, but one still queued when the process dies is lost",
                exc,
            )
            return False
        if sync:
            with self._syncing:
                self._unsynced = True
                self._syncing.notify_all()
        return True

    def _sync_loop(self) -> None:
        """Sync what was appended, once per batch of appends, until the journal closes. The
        sync runs outside the lock, so an append never waits for one; ``close`` does."""
        while True:
            with self._syncing:
                while not self._unsynced and self._fd is not None:
                    self._syncing.wait()
                fd = self._fd
                if fd is None:
                    return
                self._unsynced = False
                self._sync_busy = True
            try:
                _sync(fd)
            except OSError as exc:
                log.warning("workbench: cannot sync the settings edit journal: %s", exc)
            finally:
                with self._syncing:
                    self._sync_busy = False
                    self._syncing.notify_all()

    def _open(self) -> int:
        if self._fd is not None:
            return self._fd
        private_dir(self.directory)
        path = self.directory / f"{os.getpid()}-{secrets.token_hex(4)}.jsonl"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_EXCL, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _sync_directory(self.directory)  # the new name survives a power cut too
        except BaseException:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
        self._fd, self.path = fd, path
        threading.Thread(target=self._sync_loop, name="workbench-journal", daemon=True).start()
        return fd


def _sync_directory(directory: FilePath) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- the next start ----------------------------------------------------------------------------
@dataclass
class Orphan:
    """A journal whose process is gone, locked by us while we write its edits."""

    path: FilePath
    fd: int
    edits: list[PendingEdit]
    crossed: bool = False  # the file holds more than these edits (crossed out, unreadable)

    def keep_only(self, edits: Sequence[PendingEdit]) -> None:
        """Rewrite the file with ``edits`` (those not for us), or remove it if none."""
        if not edits:
            self.path.unlink(missing_ok=True)
            return
        if [e.line() for e in edits] == [e.line() for e in self.edits] and not self.crossed:
            return  # all of it stays as it is (edits for another database, say)
        data = "".join(json.dumps(e.line(), separators=(",", ":")) + "\n" for e in edits)
        replace_atomically(self.path, data.encode("utf-8"), prefix=".pending-")

    def release(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


@contextlib.contextmanager
def orphans(directory: FilePath) -> Iterator[list[Orphan]]:
    """The journals of processes that are gone, locked (skipped: a live one, a file another
    start is replaying right now), released on leaving."""
    found: list[Orphan] = []
    try:
        for path in sorted(FilePath(directory).glob("*.jsonl")):
            orphan = _claim(path)
            if orphan is not None:
                found.append(orphan)
        yield found
    finally:
        for orphan in found:
            orphan.release()


def _claim(path: FilePath) -> Orphan | None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # Locked, but is it still that file? Another start may have replaced or removed it
        # between our open and our lock.
        if os.fstat(fd).st_ino != os.stat(path).st_ino:
            raise OSError("replaced meanwhile")
        with os.fdopen(os.dup(fd), "rb") as handle:
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        os.close(fd)
        return None
    edits = read_lines(text)
    return Orphan(path, fd, edits, crossed=len(text.splitlines()) != len(edits))


def read_lines(text: str) -> list[PendingEdit]:
    """The edits not crossed out, in the order they were queued (a line a crash cut short,
    or one this version cannot read, is skipped)."""
    edits: dict[int, PendingEdit] = {}
    for raw in text.splitlines():
        try:
            data = json.loads(raw)
            if data.get("op") == "edit":
                edit = PendingEdit.from_line(data)
                edits[edit.ticket] = edit
                for ticket in data.get("replaces", ()):
                    edits.pop(int(ticket), None)
            elif data.get("op") == "done":
                for ticket in data["tickets"]:
                    edits.pop(int(ticket), None)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.debug("skipped a journal line: %s", exc)
    return sorted(edits.values(), key=lambda e: (e.at, e.ticket))


@dataclass
class Outcome:
    """What replaying one target's edits did, by dotted path (each path once: written if
    any edit wrote it, else skipped if any was changed elsewhere, else already there)."""

    _status: dict[str, str] = field(default_factory=dict)

    def note(self, path: Path, status: str) -> None:
        name = dotted(path) or "(all)"
        rank = ("already", "superseded", "written")
        if rank.index(status) >= rank.index(self._status.get(name, "already")):
            self._status[name] = status

    def _having(self, status: str) -> list[str]:
        return [name for name, s in self._status.items() if s == status]

    @property
    def written(self) -> list[str]:
        return self._having("written")

    @property
    def already(self) -> list[str]:
        """Paths that held the edits' value already (their write landed before the end)."""
        return self._having("already")

    @property
    def superseded(self) -> list[str]:
        """Paths changed elsewhere since their edit was made: skipped."""
        return self._having("superseded")


def plan(edits: Sequence[PendingEdit], current: Mapping[str, Any] | None) -> tuple[Batch, Outcome]:
    """The write that replays ``edits`` (in order) over ``current`` (the tool object now),
    without overwriting a field changed elsewhere since an edit was made: see the module."""
    sim: dict[str, Any] = copy.deepcopy(dict(current)) if isinstance(current, Mapping) else {}
    batch, outcome = Batch(0.0), Outcome()
    for edit in edits:
        befores = {p: (found, v) for p, found, v in edit.before or ()}
        moved = _moved(befores)
        for path in edit.removals:
            now = get_path(sim, path)
            if not now[0] or (not path and now[1] == {}):
                outcome.note(path, "already")
            elif moved(path, now):
                outcome.note(path, "superseded")
            else:
                sim = remove_path(sim, path)
                batch.add_removal(path)
                outcome.note(path, "written")
        for path, value in leaves(edit.patch):
            now = get_path(sim, path)
            if now == (True, value) or (value == {} and now[0] and isinstance(now[1], dict)):
                outcome.note(path, "already")
            elif moved(path, now):
                outcome.note(path, "superseded")
            else:
                one = path_patch(path, value)
                sim = merge(sim, one)
                batch.add_patch(one)
                outcome.note(path, "written")
    return batch, outcome


def _moved(befores: Mapping[Path, tuple[bool, Any]]) -> Callable[[Path, tuple[bool, Any]], bool]:
    """Whether a path now holds something else than the edit was made over."""
    return lambda path, now: path in befores and now != befores[path]


@dataclass
class ReplaySummary:
    """What a start wrote from the journals of earlier sessions (``Workbench.replayed``)."""

    edits: int = 0  # journalled edits handled
    # Fields, each "path (tool on scope id)": written now, holding the value already (their
    # write had landed), changed elsewhere since (skipped), or refused now (row gone).
    written: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    kept: int = 0  # edits left for a later start (the database unreachable meanwhile)

    def __bool__(self) -> bool:
        return bool(self.edits)

    @property
    def message(self) -> str:
        """One line for a front end to show."""
        fields = len(self.written) + len(self.already)
        parts = [
            f"{_count(self.edits, 'queued settings edit')} of an earlier session replayed "
            f"({_count(len(self.written), 'field')} written"
            + (f", {len(self.already)} already saved" if self.already else "")
            + ")"
            if fields
            else f"{_count(self.edits, 'queued settings edit')} of an earlier session found"
        ]
        if self.superseded:
            shown = ", ".join(self.superseded[:3]) + (", …" if len(self.superseded) > 3 else "")
            parts.append(
                f"{_count(len(self.superseded), 'field')} skipped: changed elsewhere since "
                f"({shown})"
            )
        if self.dropped:
            parts.append(f"{len(self.dropped)} refused ({'; '.join(self.dropped[:2])})")
        if self.kept:
            parts.append(f"{_count(self.kept, 'edit')} still kept for the next start")
        return "; ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def group(edits: Iterable[PendingEdit]) -> dict[tuple[Any, ...], list[PendingEdit]]:
    """Edits by (database, user, target, tool), each list in the order they were queued."""
    groups: dict[tuple[Any, ...], list[PendingEdit]] = {}
    for edit in sorted(edits, key=lambda e: (e.at, e.ticket)):
        groups.setdefault(edit.key, []).append(edit)
    return groups
