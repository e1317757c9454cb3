"""The batch runner behind ``wb.upload``: check, de-duplicate, thumbnail, store, record.

Files go through a pool of worker threads as a pipeline: each worker takes a file through
the steps below and moves on to the next while the file's rows are written in a batch with
other files'. The S3 (or local) transfer session is shared, so parts of big files and small
files all use one pool of connections. Order for one file:

1. check its content (magic bytes) and size limit (``prepare.inspect``), then its SHA-256;
2. look for the same bytes in the project (or the user's LoRAs): a hit is a "duplicate",
   nothing is uploaded (this is also what makes a second run resume where the first stopped);
3. decode it for a thumbnail and metadata (in bounded memory, see ``workbench.media.images``);
4. journal its keys (``journal``), then store the object and the thumbnail;
5. write the rows (``records``, a batch of files in one statement) and drop the journal
   entries; if that fails, or lost a race to an identical upload, the stored objects are
   removed again. A crash anywhere leaves the entry, and the next upload (or ``clean_up``)
   removes what it names and no row holds.

A large file (``SPECULATE_ABOVE``) starts its transfer at step 4 at once, while another
thread does steps 1-3; bytes found in step 2 stop the transfer. The look-ups of step 2, the
journal writes of step 4 and the rows of step 5 each gather the requests of all workers
(``batching``): a batch of 500 pictures makes a few statements, not 500 transactions.

A failed file never stops the others (a batch statement that fails is retried file by file,
so one bad row fails only its file); only a single-file call raises its error.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

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
from workbench.uploads.batching import Coalescer
from workbench.uploads.detect import KINDS, Detected, Kind, detect
from workbench.uploads.journal import Journal, active_run, settle
from workbench.uploads.keys import keys_for
from workbench.uploads.names import safe_text
from workbench.uploads.prepare import (
    Checked,
    Described,
    Item,
    describe,
    digest,
    inspect,
    limits_for,
)
from workbench.uploads.progress import ProgressCallback, Tracker
from workbench.uploads.records import ShotLink
from workbench.uploads.sources import Entry, PathInput, expand

if TYPE_CHECKING:
    from workbench.uploads.host import UploadHost

log = logging.getLogger(__name__)
Status = Literal["uploaded", "duplicate", "failed"]
JOURNAL_NAME = "upload-journal.json"
# Workers for a batch: small files spend most of their time waiting on the store and the
# database, so more workers than cores keep the pipeline full (a 16-thread boto3 loop is the
# benchmark's baseline); decoding is bounded to the cores (DECODERS) whatever the workers.
WORKERS = 16
DECODERS = max(2, os.cpu_count() or 2)
# From this size a file's transfer starts before its hash is known (see ``_speculate``).
SPECULATE_ABOVE = 16 * 1024 * 1024
# Requests gathered into one look-up query, one journal write, one insert statement.
LOOKUP_BATCH = 200
JOURNAL_BATCH = 200
ROW_BATCH = 100


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


@dataclass
class _Stored:
    """A file whose objects are stored, waiting for its rows (recorded in batches)."""

    item: Item
    kind: Kind
    row: records.NewGeneration
    planned: list[str]
    stored: list[str]
    sent: _Sent


class _Either:
    """Set when this file's own stop is set or the batch is cancelled (``Cancel``)."""

    def __init__(self, batch: threading.Event) -> None:
        self._batch = batch
        self.own = threading.Event()

    def is_set(self) -> bool:
        return self.own.is_set() or self._batch.is_set()


class _Batch:
    """One ``upload`` call's files, worked on by ``threads`` workers as a pipeline.

    Each worker takes a file through hashing, the duplicate look-up, thumbnailing and its
    transfers, then hands it over for its rows and takes the next file. What costs a round
    trip or a journal write is gathered across workers (``batching.Coalescer``): duplicate
    look-ups, journal entries and rows each go one batch at a time (one query, one write,
    one statement), so 500 files make a handful of inserts, not 500 transactions. Decoding
    for thumbnails is bounded separately (``_describing``), to the cores the machine has,
    so many workers for small files never mean many large decodes at once."""

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
        self._describing = threading.BoundedSemaphore(DECODERS)
        self._lookups = Coalescer(self._find_batch, limit=LOOKUP_BATCH)
        self._journaled = Coalescer(self._journal_batch, limit=JOURNAL_BATCH)
        self._rows = Coalescer(self._record_batch, limit=ROW_BATCH)

    # -- one file --------------------------------------------------------------------------
    def one(self, entry: Entry) -> UploadResult | Future[UploadResult]:
        """The file's result, or (once its objects are stored) the future of it."""
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
            if isinstance(result, UploadResult):
                self.tracker.file_done(entry.label, unsent=entry.size - sent.total)
            return result
        sent.flush()
        return self._failed(entry.label, entry.size, sent.total, error)

    def _failed(self, label: str, size: int, sent: int, error: WorkbenchError) -> UploadResult:
        self.errors[label] = error
        self.tracker.file_done(label, unsent=size - sent, failed=True)
        return UploadResult(label, "failed", size, error=reason(error, label))

    def _upload(self, item: Item, sent: _Sent) -> UploadResult | Future[UploadResult]:
        detected, header = inspect(item, self.kind, self.limits)
        if item.size >= SPECULATE_ABOVE:
            return self._speculate(item, detected, header, sent)
        checked = Checked(item, detected, digest(item), header=header)
        existing = self._existing(detected.kind, checked.sha256)
        if existing is not None:
            return self._duplicate(item, detected.kind, existing)
        described = self._describe(checked)
        return self._store(item, checked, described, sent)

    def _existing(self, kind: Kind, sha: str) -> uuid.UUID | None:
        """The row already holding these bytes (a generation's look-up joins a batch)."""
        if kind == "lora":
            return records.find_existing(self.wb, self.target, kind, sha)
        return self._lookups(sha)

    def _duplicate(self, item: Item, kind: Kind, existing: uuid.UUID) -> UploadResult:
        link = None
        if kind != "lora":
            link = records.link_duplicate(self.wb, self.target, existing, kind)
        return self._result(item, "duplicate", kind, existing, None, link=link)

    def _describe(self, checked: Checked) -> Described:
        try:
            with self._describing:
                return describe(checked, self.lora)
        except WorkbenchError as exc:
            raise _named(exc, checked.item.label) from exc

    def _speculate(
        self, item: Item, detected: Detected, header: dict[str, Any] | None, sent: _Sent
    ) -> UploadResult | Future[UploadResult]:
        """A large file: its transfer starts at once while another thread hashes it, looks
        for the same bytes and makes its thumbnail; found bytes stop the transfer (what it
        sent is removed) and the file is a duplicate, as if it had been hashed first.

        Hashing 200 MB first would add a quarter of the transfer's time before the first
        byte moves; the look-up rarely finds anything for a large file, and when it does the
        transfer is cut short as soon as the hash is known."""
        keys = keys_for(self.target.user_id, detected.kind, detected.ext)
        planned = [keys.object]
        if detected.kind != "lora" and keys.thumbnail is not None:
            planned.append(keys.thumbnail)
        stop = _Either(self.cancel)
        box: list[Any] = []

        def prepare() -> None:
            try:
                checked = Checked(item, detected, digest(item), header=header)
                existing = self._existing(detected.kind, checked.sha256)
                box.append(existing if existing is not None else (checked, self._describe(checked)))
            except BaseException as exc:  # handed to the worker, which raises it
                box.append(exc)
            if not isinstance(box[0], tuple):
                stop.own.set()  # a duplicate, or a failure: the transfer need not finish

        side = threading.Thread(target=prepare, name="wb-upload-hash", daemon=True)
        self._journal(planned, detected.kind)  # before a byte is sent: see ``journal``
        side.start()
        stored: list[str] = []
        failure: BaseException | None = None
        try:
            location = self.session.put(
                keys.object, item.source(), detected.mime, progress=sent, cancel=stop
            )
            stored.append(keys.object)
        except BaseException as exc:
            failure = exc
            if not isinstance(exc, Exception):  # KeyboardInterrupt: no waiting for the hash
                self._abandon(planned, stored)
                raise
        side.join()
        outcome = box[0]
        if isinstance(outcome, tuple) and failure is None:
            checked, described = outcome
            return self._store(item, checked, described, sent, journaled=(planned, location))
        self._abandon(planned, stored)
        if isinstance(outcome, uuid.UUID):  # found: a duplicate, its transfer cut short
            return self._duplicate(item, detected.kind, outcome)
        problem = outcome if isinstance(outcome, BaseException) else failure
        assert problem is not None
        if isinstance(problem, WorkbenchError):
            raise _named(problem, item.label) from problem
        raise problem

    def _store(
        self,
        item: Item,
        checked: Checked,
        described: Described,
        sent: _Sent,
        *,
        journaled: tuple[list[str], str] | None = None,
    ) -> UploadResult | Future[UploadResult]:
        """Store the object (unless ``journaled`` says it is stored already: its keys and
        URL) and the thumbnail, then hand the file over for its rows."""
        detected = checked.detected
        if journaled is None:
            keys = keys_for(self.target.user_id, detected.kind, detected.ext)
            planned = [keys.object]
            if described.thumbnail is not None and keys.thumbnail is not None:
                planned.append(keys.thumbnail)
            self._journal(planned, detected.kind)  # before a byte is sent: see ``journal``
            stored: list[str] = []
        else:
            planned, location = journaled
            stored = [planned[0]]
        try:
            if journaled is None:
                location = self.session.put(
                    planned[0], item.source(), detected.mime, progress=sent, cancel=self.cancel
                )
                stored.append(planned[0])
            thumbnail_url = None
            if described.thumbnail is not None and len(planned) > 1:
                thumbnail_url = self.session.put(
                    planned[1], io.BytesIO(described.thumbnail), "image/jpeg",
                    cancel=self.cancel,
                )  # fmt: skip
                stored.append(planned[1])
            if detected.kind == "lora":
                row_id, created = self._record_lora(item, described, location)
            else:
                row = records.NewGeneration(
                    detected.kind, location, thumbnail_url, described.params
                )
                return self._rows.submit(_Stored(item, detected.kind, row, planned, stored, sent))
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
        return self._result(item, "uploaded", detected.kind, row_id, location)

    # -- what goes in batches --------------------------------------------------------------
    def _find_batch(self, shas: Sequence[str]) -> list[uuid.UUID | None]:
        with self.wb.pool.connection() as conn:
            found = records.find_generations(conn, self.target.project_id, shas)
        return [found.get(sha) for sha in shas]

    def _journal(self, keys: list[str], kind: Kind) -> None:
        """Journal the keys with where their row would be, so a crash is cleaned up later."""
        if kind == "lora":
            row = {"table": "resources", "owner": str(self.target.user_id)}
        else:
            row = {"table": "generations", "owner": str(self.target.project_id)}
        urls = {key: self.wb.storage.url(key) for key in keys}
        try:
            self._journaled((urls, row))
        except OSError as exc:
            raise WorkbenchError(
                f"cannot write the upload journal {self.journal.path}: {exc.strerror or exc}"
            ) from None

    def _journal_batch(self, groups: Sequence[tuple[dict[str, str], dict[str, str]]]) -> list[None]:
        self.journal.begin_all(self.store, groups, run=self.run)
        return [None] * len(groups)

    def _record_batch(self, batch: Sequence[_Stored]) -> list[UploadResult]:
        """Rows for stored files: one statement for the batch; when it fails for another
        reason than the connection, each file alone, so one bad row fails only its file."""
        outcomes: list[records.Recorded | WorkbenchError]
        try:
            outcomes = list(self._insert(batch))
        except psycopg.Error as exc:
            if len(batch) == 1 or isinstance(exc, psycopg.OperationalError):
                outcomes = [_record_error(s.item, exc) for s in batch]
            else:
                outcomes = [self._insert_alone(s) for s in batch]
        except Exception as exc:  # a bug must fail these files only, loudly, not the upload
            log.exception("unexpected error recording %d uploads", len(batch))
            outcomes = [WorkbenchError(f"{s.item.label}: unexpected error: {exc!r}") for s in batch]
        results, done = [], []
        for pending, outcome in zip(batch, outcomes, strict=True):
            item = pending.item
            pending.sent.flush()
            if isinstance(outcome, WorkbenchError):
                self._abandon(pending.planned, pending.stored)
                results.append(self._failed(item.label, item.size, pending.sent.total, outcome))
                continue
            row_id, created, link = outcome
            if created:
                done += pending.planned
                result = self._result(
                    item, "uploaded", pending.kind, row_id, pending.row.location, link=link
                )
            else:  # identical bytes recorded meanwhile by another upload, or this batch
                self._abandon(pending.planned, pending.stored)
                result = self._result(item, "duplicate", pending.kind, row_id, None)
            self.tracker.file_done(item.label, unsent=item.size - pending.sent.total)
            results.append(result)
        self.journal.remove(self.store, done)  # recorded: nothing left to clean up
        return results

    def _insert(self, batch: Sequence[_Stored]) -> list[records.Recorded]:
        if len(batch) == 1:  # one file: the plain call (what a single upload has always made)
            row = batch[0].row
            recorded = records.insert_generation(
                self.wb, self.target, kind=row.kind, location=row.location,
                thumbnail_url=row.thumbnail_url, params=row.params,
            )  # fmt: skip
            return [recorded]
        return records.insert_generations(self.wb, self.target, [s.row for s in batch])

    def _insert_alone(self, pending: _Stored) -> records.Recorded | WorkbenchError:
        try:
            return self._insert([pending])[0]
        except psycopg.Error as exc:
            return _record_error(pending.item, exc)

    def _record_lora(
        self, item: Item, described: Described, location: str
    ) -> tuple[uuid.UUID, bool]:
        """(row id, whether it is new): a LoRA's ``resources`` row, written at once."""
        files = [{"path": safe_text(item.name), "url": location}]
        metadata = {**described.params, "Model Files": files}
        try:
            return records.insert_lora(self.wb, self.target, metadata=metadata)
        except psycopg.Error as exc:
            raise _record_error(item, exc) from None

    def _abandon(self, planned: list[str], stored: list[str]) -> None:
        """Remove what a failed upload stored; unjournal every key confirmed gone. Keys whose
        clean-up failed (the store is down) stay journaled, settled by a later run."""
        unsure = self._remove(stored) | set(self.session.pending)
        self.journal.remove(self.store, [k for k in planned if k not in unsure])

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


def _record_error(item: Item, exc: psycopg.Error) -> WorkbenchError:
    """Why recording a stored file failed: the connection's fault or the database's."""
    message = f"{item.label}: stored, but recording it failed: {first_line(exc)}"
    if isinstance(exc, psycopg.OperationalError):
        return WorkbenchConnectionError(message)
    return WorkbenchError(message)


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
    threads = workers or WORKERS
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
        return [_settled(batch.one(e)) for e in entries]
    with ThreadPoolExecutor(threads, thread_name_prefix="wb-upload") as pool:
        futures = [pool.submit(batch.one, e) for e in entries]
        try:
            return [_settled(f.result()) for f in futures]
        except KeyboardInterrupt:
            batch.cancel.set()  # workers stop between files and abort transfers in flight
            for f in futures:
                f.cancel()
            raise


def _settled(outcome: UploadResult | Future[UploadResult]) -> UploadResult:
    """A file's result, once its rows are written (the batch that records them is led by
    one of the workers, so by the time every worker is done, so is every batch)."""
    return outcome if isinstance(outcome, UploadResult) else outcome.result()
