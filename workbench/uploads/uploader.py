"""The batch runner behind ``wb.upload``: check, de-duplicate, thumbnail, store, record.

Each file goes through its own worker thread; the S3 (or local) transfer session is shared,
so parts of big files and small files all use one pool of connections. Order for one file:

1. check its content (magic bytes), size limit and SHA-256 (``prepare.check``);
2. look for the same bytes in the project (or the user's LoRAs): a hit is a "duplicate",
   nothing is uploaded (this is also what makes a second run resume where the first stopped);
3. decode it for a thumbnail and metadata (in bounded memory, see ``workbench.media.images``);
4. journal its keys (``journal``), then store the object and the thumbnail;
5. write the rows (``records``) and drop the journal entry; if that fails, or lost a race to
   an identical upload, the stored objects are removed again. A crash anywhere leaves the
   entry, and the next upload (or ``clean_up``) removes what it names and no row holds.

A failed file never stops the others; only a single-file call raises its error.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import psycopg

from workbench.errors import (
    MediaError,
    ValidationError,
    WorkbenchConnectionError,
    WorkbenchError,
    echo,
    first_line,
)
from workbench.resources import LoraFields, lora_fields
from workbench.storage.base import TransferOptions, Transfers
from workbench.uploads import records
from workbench.uploads.detect import KINDS, Kind, detect
from workbench.uploads.journal import Journal, active_run, settle
from workbench.uploads.keys import keys_for
from workbench.uploads.names import safe_text
from workbench.uploads.prepare import Checked, Described, Item, check, describe, limits_for
from workbench.uploads.progress import ProgressCallback, Tracker
from workbench.uploads.records import ShotLink
from workbench.uploads.sources import Entry, PathInput, expand

if TYPE_CHECKING:
    from workbench.uploads.host import UploadHost

log = logging.getLogger(__name__)
Status = Literal["uploaded", "duplicate", "failed"]
JOURNAL_NAME = "upload-journal.json"


@dataclass(frozen=True)
class UploadResult:
    """What happened to one file. ``bytes`` is the file's size. ``shot_link`` is the shot
    link this upload made for it: a new generation's, or, for a duplicate, the existing
    generation's joining the shot (None when it made none); undoing the upload removes it."""

    path: str
    status: Status
    bytes: int = 0
    kind: Kind | None = None
    generation_id: uuid.UUID | None = None
    resource_id: uuid.UUID | None = None
    location: str | None = None
    error: str | None = None  # why it failed; ``path`` names the file, the error does not
    shot_link: ShotLink | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"


class _Sent:
    """Bytes of one file that reached the store so far (parts report from many threads).

    boto3 reports every 8 KiB read; the batch tracker hears about it per 256 KiB, which keeps
    the progress bookkeeping off the hot path of a 200 MB upload.
    """

    _BATCH = 256 * 1024

    def __init__(self, tracker: Tracker, label: str) -> None:
        self.total = 0
        self._pending = 0
        self._lock = threading.Lock()
        self._tracker, self._label = tracker, label

    def __call__(self, delta: int) -> None:
        with self._lock:
            self.total += delta
            self._pending += delta
            if 0 <= self._pending < self._BATCH:
                return
            forward, self._pending = self._pending, 0
        self._tracker.add_bytes(forward, self._label)

    def flush(self) -> None:
        with self._lock:
            forward, self._pending = self._pending, 0
        if forward:
            self._tracker.add_bytes(forward, self._label)


class _Batch:
    def __init__(
        self,
        wb: UploadHost,
        target: records.UploadTarget,
        session: Transfers,
        *,
        kind: str,
        limits: Mapping[Kind, int],
        tracker: Tracker,
        cancel: threading.Event,
        journal: Journal,
        run: str,
        lora: LoraFields | None = None,
    ) -> None:
        self.wb, self.target, self.session, self.lora = wb, target, session, lora
        self.kind, self.limits, self.tracker, self.cancel = kind, limits, tracker, cancel
        self.journal, self.run, self.store = journal, run, wb.storage.ident
        self.errors: dict[str, WorkbenchError] = {}

    def one(self, entry: Entry) -> UploadResult:
        if isinstance(entry, tuple):
            label, error = entry
            return self._failed(label, 0, 0, error)
        sent = _Sent(self.tracker, entry.label)
        try:
            if self.cancel.is_set():
                raise WorkbenchError(f"{entry.label}: cancelled before it started")
            result = self._upload(entry, sent)
        except WorkbenchError as exc:
            error = exc
        except OSError as exc:
            error = WorkbenchError(f"{entry.label}: cannot be read ({exc.strerror or exc})")
        except Exception as exc:  # a bug must fail this file only, loudly, not the batch
            log.exception("unexpected error uploading %s", entry.label)
            error = WorkbenchError(f"{entry.label}: unexpected error: {exc!r}")
        else:
            sent.flush()
            self.tracker.file_done(entry.label, unsent=entry.size - sent.total)
            return result
        sent.flush()
        return self._failed(entry.label, entry.size, sent.total, error)

    def _failed(self, label: str, size: int, sent: int, error: WorkbenchError) -> UploadResult:
        self.errors[label] = error
        self.tracker.file_done(label, unsent=size - sent, failed=True)
        return UploadResult(label, "failed", size, error=reason(error, label))

    def _upload(self, item: Item, sent: _Sent) -> UploadResult:
        checked = check(item, self.kind, self.limits)
        kind = checked.detected.kind
        existing = records.find_existing(self.wb, self.target, kind, checked.sha256)
        if existing is not None:
            link = None
            if kind != "lora":
                link = records.link_duplicate(self.wb, self.target, existing, kind)
            return self._result(item, "duplicate", kind, existing, None, link=link)
        try:
            described = describe(checked, self.lora)
        except WorkbenchError as exc:
            raise _named(exc, item.label) from exc
        return self._store(item, checked, described, sent)

    def _store(
        self, item: Item, checked: Checked, described: Described, sent: _Sent
    ) -> UploadResult:
        detected = checked.detected
        keys = keys_for(self.target.user_id, detected.kind, detected.ext)
        planned = [keys.object]
        if described.thumbnail is not None and keys.thumbnail is not None:
            planned.append(keys.thumbnail)
        self._journal(planned, detected.kind)  # before a byte is sent: see ``journal``
        stored: list[str] = []
        try:
            location = self.session.put(
                keys.object, item.source(), detected.mime, progress=sent, cancel=self.cancel
            )
            stored.append(keys.object)
            thumbnail_url = None
            if described.thumbnail is not None and keys.thumbnail is not None:
                thumbnail_url = self.session.put(
                    keys.thumbnail, io.BytesIO(described.thumbnail), "image/jpeg",
                    cancel=self.cancel,
                )  # fmt: skip
                stored.append(keys.thumbnail)
            row_id, created, link = self._record(item, checked, described, location, thumbnail_url)
        except WorkbenchError as exc:
            self._abandon(planned, stored)
            raise _named(exc, item.label) from exc
        except BaseException:
            self._abandon(planned, stored)
            raise
        if not created:  # identical bytes recorded meanwhile by another upload
            self._abandon(planned, stored)
            return self._result(item, "duplicate", detected.kind, row_id, None)
        self.journal.remove(self.store, planned)  # recorded: nothing left to clean up
        return self._result(item, "uploaded", detected.kind, row_id, location, link=link)

    def _journal(self, keys: list[str], kind: Kind) -> None:
        """Journal the keys with where their row would be, so a crash is cleaned up later."""
        if kind == "lora":
            row = {"table": "resources", "owner": str(self.target.user_id)}
        else:
            row = {"table": "generations", "owner": str(self.target.project_id)}
        urls = {key: self.wb.storage.url(key) for key in keys}
        try:
            self.journal.begin(self.store, urls, run=self.run, row=row)
        except OSError as exc:
            raise WorkbenchError(
                f"cannot write the upload journal {self.journal.path}: {exc.strerror or exc}"
            ) from None

    def _abandon(self, planned: list[str], stored: list[str]) -> None:
        """Remove what a failed upload stored; unjournal every key confirmed gone. Keys whose
        clean-up failed (the store is down) stay journaled, settled by a later run."""
        unsure = self._remove(stored) | set(self.session.pending)
        self.journal.remove(self.store, [k for k in planned if k not in unsure])

    def _record(
        self,
        item: Item,
        checked: Checked,
        described: Described,
        location: str,
        thumbnail_url: str | None,
    ) -> tuple[uuid.UUID, bool, ShotLink | None]:
        """(row id, whether it is new, the shot link made): a LoRA joins no shot."""
        kind = checked.detected.kind
        try:
            if kind == "lora":
                files = [{"path": safe_text(item.name), "url": location}]
                metadata = {**described.params, "Model Files": files}
                return (*records.insert_lora(self.wb, self.target, metadata=metadata), None)
            return records.insert_generation(
                self.wb, self.target, kind=kind, location=location,
                thumbnail_url=thumbnail_url, params=described.params,
            )  # fmt: skip
        except psycopg.OperationalError as exc:
            raise WorkbenchConnectionError(
                f"{item.label}: stored, but recording it failed: {first_line(exc)}"
            ) from None
        except psycopg.Error as exc:
            raise WorkbenchError(
                f"{item.label}: stored, but recording it failed: {first_line(exc)}"
            ) from None

    def _remove(self, keys: list[str]) -> set[str]:
        """Delete stored objects; returns the keys that could not be deleted."""
        failed = set()
        for key in keys:
            try:
                self.wb.storage.delete(key)
            except WorkbenchError as exc:
                log.warning("could not remove %s after a failed upload: %s", key, exc)
                failed.add(key)
        return failed

    def _result(
        self,
        item: Item,
        status: Status,
        kind: Kind,
        row_id: uuid.UUID,
        location: str | None,
        *,
        link: ShotLink | None = None,
    ) -> UploadResult:
        lora = kind == "lora"
        return UploadResult(
            item.label, status, item.size, kind,
            generation_id=None if lora else row_id, resource_id=row_id if lora else None,
            location=location, shot_link=link,
        )  # fmt: skip


def reason(error: WorkbenchError, label: str) -> str:
    """Why a file failed, without the file's name in front: a result (and every list that
    shows one, CLI, TUI, notebook) already names the file beside it. A raised error keeps
    the name (``_named``), since there it stands alone."""
    text = str(error)
    return text.removeprefix(f"{label}: ") or text


def _named(exc: WorkbenchError, label: str) -> WorkbenchError:
    """The same error, its message starting with the file it is about (not a storage key)."""
    return exc if str(exc).startswith(label) else type(exc)(f"{label}: {exc}")


def upload(
    wb: UploadHost,
    paths: PathInput | Iterable[PathInput],
    *,
    project_id: object,
    shot_id: object = None,
    kind: str = "auto",
    progress: ProgressCallback | None = None,
    max_bytes: int | Mapping[str, int] | None = None,
    workers: int | None = None,
    transfer: TransferOptions | None = None,
    cancel: threading.Event | None = None,
    on_change: Callable[[uuid.UUID, uuid.UUID | None], None] | None = None,
    lora: object = None,
) -> list[UploadResult]:
    """Upload files, folders or named bytes; see ``Workbench.upload``. ``lora`` (fields of
    Reigh's LoRA form, ``workbench.resources.lora_fields``) goes into each LoRA file's row.

    ``on_change(project_id, shot_id)`` is called once at the end when any generation was
    recorded or linked, so the caller can invalidate cached galleries.
    """
    _check_arguments(kind, workers, progress, transfer, cancel)
    fields = lora_fields(lora)
    limits = limits_for(max_bytes)
    entries, single = expand(paths)
    if fields is not None:
        _check_some_lora(entries, kind)
    target = records.check_target(wb, project_id, shot_id)  # before any byte moves
    storage = wb.storage
    journal = Journal(wb.config.paths.state_dir / JOURNAL_NAME)
    settle(storage, journal, lambda e: records.is_recorded(wb, e))  # what earlier runs left
    tracker = Tracker(
        progress,
        files_total=len(entries),
        bytes_total=sum(e.size for e in entries if isinstance(e, Item)),
    )
    stop = cancel or threading.Event()
    threads = workers or min(8, 2 * (os.cpu_count() or 2))
    with active_run() as run, storage.transfers(transfer) as session:
        batch = _Batch(
            wb, target, session, kind=kind, limits=limits, tracker=tracker, cancel=stop,
            journal=journal, run=run, lora=fields,
        )  # fmt: skip
        try:
            results = _run(batch, entries, threads)
        finally:
            journal.release(run)  # what it could not clean up, the next run settles
    if on_change is not None and any(r.generation_id is not None for r in results):
        on_change(target.project_id, target.shot_id)
    if single and results and results[0].status == "failed":
        raise batch.errors[results[0].path]
    return results


def clean_up(wb: UploadHost) -> int:
    """Remove what failed or killed uploads left in ``wb.storage``: incomplete multipart
    uploads, temp files and objects whose row was never recorded; returns how many keys were
    settled. Uploads still running (in any process) are left alone. Every upload does this
    first; call it to settle them without one."""
    journal = Journal(wb.config.paths.state_dir / JOURNAL_NAME)
    return settle(wb.storage, journal, lambda e: records.is_recorded(wb, e))


def _check_some_lora(entries: list[Entry], kind: str) -> None:
    """LoRA fields describe LoRA files: refuse them, before anything is stored, when none of
    the files is one (read from their first bytes, as the upload itself decides)."""
    if kind not in ("auto", "lora"):
        raise ValidationError(f"LoRA fields apply to LoRA files only, not to kind {kind!r}")
    for entry in entries:
        if isinstance(entry, tuple):
            continue
        try:
            with entry.open() as handle:
                if detect(handle, entry.size, entry.label)[0].kind == "lora":
                    return
        except (MediaError, OSError):
            continue  # it fails in the upload itself, with its own message
    raise ValidationError(
        "LoRA fields (name, trigger word, base model, description) apply to LoRA files "
        f"(.safetensors) only, and none of the {len(entries)} file(s) given is one"
    )


def _check_arguments(
    kind: object, workers: object, progress: object, transfer: object, cancel: object
) -> None:
    """Refuse arguments of the wrong type with a message naming them, before anything is
    stored (Python's own TypeError would come from deep inside, or after a file is stored)."""
    if not isinstance(kind, str) or kind not in ("auto", *KINDS):
        raise ValidationError(f"unknown kind {echo(kind)}: expected auto, {', '.join(KINDS)}")
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool)):
        raise ValidationError(
            f"workers must be a whole number, got {echo(workers)} (a {type(workers).__name__})"
        )
    if workers is not None and workers < 1:
        raise ValidationError(f"workers must be at least 1, got {workers}")
    if progress is not None and not callable(progress):
        raise ValidationError(f"progress must be callable, got {echo(progress)}")
    if transfer is not None and not isinstance(transfer, TransferOptions):
        raise ValidationError(f"transfer must be a TransferOptions, got {echo(transfer)}")
    if cancel is not None and not callable(getattr(cancel, "is_set", None)):
        raise ValidationError(f"cancel must be a threading.Event, got {echo(cancel)}")


def _run(batch: _Batch, entries: list[Entry], threads: int) -> list[UploadResult]:
    if threads == 1 or len(entries) <= 1:
        return [batch.one(e) for e in entries]
    with ThreadPoolExecutor(threads, thread_name_prefix="wb-upload") as pool:
        futures = [pool.submit(batch.one, e) for e in entries]
        try:
            return [f.result() for f in futures]
        except KeyboardInterrupt:
            batch.cancel.set()  # workers stop between files and abort transfers in flight
            for f in futures:
                f.cancel()
            raise
