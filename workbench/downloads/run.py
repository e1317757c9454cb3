"""The download itself: list, fetch on a thread pool, record, write the manifests (and zip).

Each file is streamed in 1 MiB chunks into ``name.part`` while its sha256 is computed, then
renamed to its name, then recorded in the journal: a killed run never leaves a truncated
file under a final name, and a re-run keeps what the journal vouches for. At most
``2 x concurrency`` files are planned ahead of the pool, and no file is ever held in memory,
so memory stays flat for any number and size of files.

An object of S3 of ``RANGED_ABOVE`` bytes or more comes as ``RANGE_SIZE`` ranges on up to
``RANGES_AT_ONCE`` threads, as boto3's ``download_file`` fetches it (one TCP stream is
bound by the link's latency), each written at its place in the ``.part`` file; this thread
hashes the complete prefix as it grows and journals it, so a killed run is continued from
the last whole range in order.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from workbench.downloads import manifest, names
from workbench.downloads.archive import CHUNK, OldZip, assemble
from workbench.downloads.destination import (
    PART,
    Journal,
    Partial,
    Recorded,
    Request,
    check_request,
)
from workbench.downloads.plan import DownloadHost, Listing, Task, generations_by_ids, plan
from workbench.downloads.results import (
    DownloadedFile,
    DownloadProgress,
    DownloadResult,
    FileStatus,
)
from workbench.downloads.sources import Unavailable, open_location
from workbench.errors import ConflictError, ValidationError, WorkbenchError, first_line
from workbench.generations.filters import GenerationFilters
from workbench.storage.base import ObjectStream

ProgressCallback = Callable[[DownloadProgress], None]
# Large objects of a store that serves ranges (S3) come as ranges at once, as boto3's
# download_file fetches them: one stream stays below what the store can send.
RANGED_ABOVE = 64 * 1024 * 1024
RANGE_SIZE = 16 * 1024 * 1024
RANGES_AT_ONCE = 8


class Cancelled(Exception):
    """The download was cancelled while this file was being fetched."""


class Tracker:
    """The running counts, updated from worker threads; a snapshot goes to the callback
    after every chunk (1 MiB) and every file event, so a caller sees every step: front ends
    redraw at their own pace (the view model and the CLI's line throttle themselves)."""

    def __init__(self, files_total: int, callback: ProgressCallback | None) -> None:
        self._lock = threading.Lock()
        self._emitting = threading.Lock()
        self._callback = callback
        self.files_total = files_total
        self.files_done = self.files_skipped = self.files_failed = 0
        self.bytes_total = self.bytes_done = self.bytes_fetched = 0

    def _emit(self, current: str | None) -> None:
        """Snapshots reach the callback one at a time and in order, so the last one it got
        is the latest (a callback must be quick: workers wait for it)."""
        if self._callback is None:
            return
        with self._emitting:
            with self._lock:
                snap = DownloadProgress(
                    self.files_total, self.files_done, self.files_skipped, self.files_failed,
                    self.bytes_total, self.bytes_done, current,
                )  # fmt: skip
            self._callback(snap)

    def sized(self, size: int | None, name: str, counted: list[int]) -> None:
        counted[1] += size or 0
        with self._lock:
            self.bytes_total += size or 0
        self._emit(name)

    def kept(self, count: int, name: str, counted: list[int]) -> None:
        """Bytes of a half-fetched file a killed run left: done, not fetched."""
        counted[0] += count
        counted[1] += count
        with self._lock:
            self.bytes_total += count
            self.bytes_done += count
        self._emit(name)

    def moved(self, count: int, name: str, counted: list[int]) -> None:
        counted[0] += count
        with self._lock:
            self.bytes_done += count
            self.bytes_fetched += count
        self._emit(name)

    def finished(self, outcome: DownloadedFile, moved: int, sized: int) -> None:
        """A file settled; ``moved`` and ``sized``: what was counted of it so far."""
        with self._lock:
            if outcome.status == "already_there":
                self.files_done += 1
                self.files_skipped += 1
                self.bytes_total += outcome.size or 0
                self.bytes_done += outcome.size or 0
            elif outcome.status == "downloaded":
                self.files_done += 1
            else:
                self.files_failed += 1
                self.bytes_done -= moved  # a file that failed is not part of the total
                self.bytes_total -= sized
        self._emit(outcome.name)

    def start(self) -> None:
        self._emit(None)


def hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _still_there(folder: Path, entry: Recorded | None, location: str | None) -> bool:
    """The recorded file is in the folder, from the same location, with its size and hash."""
    if entry is None or entry.location != location:
        return False
    path = folder / entry.name
    try:
        if not path.is_file() or path.stat().st_size != entry.size:
            return False
        return hash_file(path) == entry.sha256
    except OSError:
        return False


class Fetcher:
    """Fetches one task into the folder: everything a worker thread does."""

    def __init__(
        self,
        *,
        storage: Any,
        request: Request,
        journal: Journal,
        old: OldZip,
        tracker: Tracker,
        cancel: threading.Event,
        connections: int,
    ) -> None:
        self.storage = storage
        self.folder = request.folder
        self.journal = journal
        self.old = old
        self.tracker = tracker
        self.cancel = cancel
        self.connections = connections
        self.from_old: set[str] = set()  # names kept in the old zip (zip mode)
        self.kept: dict[str, Recorded] = {}  # stem -> every file complete this run
        self._lock = threading.Lock()

    def __call__(self, task: Task) -> DownloadedFile | None:
        if self.cancel.is_set():
            return None
        counted = [0, 0]  # bytes moved, bytes announced (for a failure to take back)
        try:
            outcome = self._fetch(task, counted)
        except Cancelled:
            return None
        except Unavailable as exc:
            outcome = self._outcome(task, "unavailable", error=str(exc))
        except (WorkbenchError, OSError) as exc:
            outcome = self._outcome(task, "failed", error=first_line(exc))
        except Exception as exc:  # botocore/urllib3 read errors surface mid-stream
            outcome = self._outcome(task, "failed", error=first_line(exc))
        self.tracker.finished(outcome, counted[0], counted[1])
        return outcome

    def _outcome(
        self,
        task: Task,
        status: FileStatus,
        *,
        entry: Recorded | None = None,
        error: str | None = None,
    ) -> DownloadedFile:
        return DownloadedFile(
            task.index, entry.name if entry else None, task.id, task.variant_id, status,
            entry.size if entry else None, entry.sha256 if entry else None, task.location,
            error,
        )  # fmt: skip

    def _keep(self, task: Task, entry: Recorded, *, from_old: bool = False) -> None:
        with self._lock:
            self.kept[task.stem] = entry
            if from_old:
                self.from_old.add(entry.name)

    def _ranged(self, task: Task, stream: ObjectStream) -> bool:
        """Fetch this file as ranges at once: a large object of a store that serves ranges
        faster in parallel than as one stream (S3), where ``os.pwrite`` exists."""
        return (
            getattr(self.storage, "parallel_reads", False)
            and hasattr(os, "pwrite")
            and stream.size is not None
            and stream.size >= RANGED_ABOVE
            and stream.offset == 0
            and self.storage.key_for_url(task.location) is not None
        )

    def _transfer_ranges(
        self, task: Task, first: ObjectStream, name: str, part: Path, counted: list[int]
    ) -> Recorded:
        """Fetch ``RANGE_SIZE`` ranges on up to ``RANGES_AT_ONCE`` threads into their places
        in ``name.part`` (the first from the stream already open), while this thread hashes
        the complete prefix as it grows and records it in the journal: a killed run is
        continued from there. Memory stays at a chunk per thread."""
        assert first.size is not None
        assert first.etag is not None
        size, etag = first.size, first.etag
        ranges = _ranges(size)
        finished = [threading.Event() for _ in ranges]
        stop = threading.Event()

        def fetch(index: int, fd: int) -> None:
            start, length = ranges[index]
            self._range_into(
                fd, task=task, first=first if index == 0 else None, start=start,
                length=length, name=name, counted=counted, stop=stop, first_etag=etag,
            )  # fmt: skip
            finished[index].set()

        digest = hashlib.sha256()
        workers = min(RANGES_AT_ONCE, len(ranges))
        try:
            with (
                open(part, "w+b") as out,  # read back to hash (from the page cache)
                ThreadPoolExecutor(workers, thread_name_prefix="workbench-range") as pool,
            ):
                futures = [pool.submit(fetch, n, out.fileno()) for n in range(len(ranges))]
                try:
                    for index, (start, length) in enumerate(ranges):
                        while not finished[index].wait(0.05):
                            if futures[index].done():
                                futures[index].result()  # its error, raised here
                        futures[index].result()
                        done = 0
                        while done < length:  # from the page cache: the bytes just written
                            chunk = os.pread(out.fileno(), min(CHUNK, length - done), start + done)
                            digest.update(chunk)
                            done += len(chunk)
                        if index < len(ranges) - 1:
                            self.journal.prefix(task.stem, start + length)
                finally:
                    stop.set()
                    for future in futures:
                        future.cancel()
            entry = Recorded(name, task.location, size, digest.hexdigest())
            self.journal.add(task.stem, entry)
            os.replace(part, self.folder / name)
        except Cancelled:
            raise  # the journal's prefix lets a re-run continue this part
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        return entry

    def _range_into(
        self,
        fd: int,
        *,
        task: Task,
        first: ObjectStream | None,
        start: int,
        length: int,
        name: str,
        counted: list[int],
        stop: threading.Event,
        first_etag: str,
    ) -> None:
        """One range of the object into its place in the open ``.part`` (``first``: the
        stream already open at byte 0, else a ranged read of the same version)."""
        stream = first
        if stream is None:
            opened = self.storage.open_object(
                self.storage.key_for_url(task.location), connections=self.connections,
                offset=start, length=length, etag=first_etag,
            )  # fmt: skip
            stream = opened
        try:
            position, left = start, length
            while left > 0:
                if self.cancel.is_set() or stop.is_set():
                    raise Cancelled
                chunk = stream.body.read(min(CHUNK, left))
                if not chunk:
                    raise WorkbenchError(f"{name}: a range ended {left:,} bytes early")
                os.pwrite(fd, chunk, position)
                position += len(chunk)
                left -= len(chunk)
                self.tracker.moved(len(chunk), name, counted)
        finally:
            if first is None:
                stream.close()

    def _partial(self, task: Task) -> Partial | None:
        """What a killed run fetched of this file and the journal vouches for: same
        location, a ``.part`` shorter than the whole file."""
        partial = self.journal.partials.get(task.stem)
        if partial is None or partial.location != task.location:
            return None
        try:
            size = (self.folder / (partial.name + PART)).stat().st_size
        except OSError:
            return None
        if partial.done is not None:  # fetched by ranges: only the complete prefix counts
            return partial if 0 < partial.done <= size and partial.done < partial.total else None
        return partial if 0 < size < partial.total else None

    def _open(self, task: Task, partial: Partial | None) -> tuple[ObjectStream, int | None]:
        """The stream from where ``partial`` stopped (when the object is unchanged), else
        from the first byte."""
        if partial is not None:
            part = self.folder / (partial.name + PART)
            offset = partial.done if partial.done is not None else part.stat().st_size
            if partial.done is not None:
                os.truncate(part, offset)  # later ranges and holes: fetched again
            try:
                return open_location(
                    self.storage, task.location, connections=self.connections,
                    offset=offset, etag=partial.etag,
                )  # fmt: skip
            except ConflictError:
                pass  # changed since: fetched whole, over the stale part
        return open_location(self.storage, task.location, connections=self.connections)

    def _fetch(self, task: Task, counted: list[int]) -> DownloadedFile:
        recorded = self.journal.entries.get(task.stem)
        if _still_there(self.folder, recorded, task.location):
            assert recorded is not None
            self._keep(task, recorded)
            return self._outcome(task, "already_there", entry=recorded)
        in_old = self.old.verified(task.stem, task.location)
        if in_old is not None:
            self._keep(task, in_old, from_old=True)
            return self._outcome(task, "already_there", entry=in_old)
        if self.cancel.is_set():
            raise Cancelled
        partial = self._partial(task)
        stream, bound = self._open(task, partial)
        with stream:
            entry = self._transfer(task, stream, bound, partial, counted)
        self._keep(task, entry)
        return self._outcome(task, "downloaded", entry=entry)

    def _transfer(
        self,
        task: Task,
        stream: ObjectStream,
        bound: int | None,
        partial: Partial | None,
        counted: list[int],
    ) -> Recorded:
        """Stream into ``name.part`` (after what a killed run left, when ``stream`` starts
        there), hashing as it goes; record it, then rename it to ``name`` once whole."""
        resumed = partial is not None and stream.offset > 0
        if partial is not None and resumed:
            name = partial.name
        else:
            extension = (
                names.extension_of_location(task.location)
                or names.extension_of_content_type(stream.content_type)
                or names.FALLBACK_EXTENSION
            )
            name = names.file_name(task.stem, extension)
        target = self.folder / name
        part = target.with_name(target.name + PART)
        digest = hashlib.sha256()
        received = 0
        if resumed:  # the bytes a killed run left: hashed again, not fetched again
            with open(part, "rb") as done:
                while chunk := done.read(min(CHUNK, stream.offset - received)):
                    digest.update(chunk)
                    received += len(chunk)
            self.tracker.kept(received, name, counted)
        self.tracker.sized(stream.size, name, counted)
        expected = None if stream.size is None else received + stream.size
        resumable = stream.etag is not None and expected is not None
        if stream.etag is not None and expected is not None and not resumed:
            ranged = self._ranged(task, stream)
            self.journal.started(
                task.stem,
                Partial(name, task.location, stream.etag, expected, 0 if ranged else None),
            )
            if ranged:
                return self._transfer_ranges(task, stream, name, part, counted)
        try:
            with open(part, "ab" if resumed else "wb") as out:
                while chunk := stream.body.read(CHUNK):
                    if self.cancel.is_set():
                        raise Cancelled
                    received += len(chunk)
                    if bound is not None and received > bound:
                        raise Unavailable(
                            f"more than {bound:,} bytes: above the limit for files from other hosts"
                        )
                    out.write(chunk)
                    digest.update(chunk)
                    self.tracker.moved(len(chunk), name, counted)
            if expected is not None and received != expected:
                raise WorkbenchError(
                    f"{name}: the transfer ended after {received:,} of {expected:,} bytes"
                )
            if stream.size is None:
                self.tracker.sized(received, name, counted)
            entry = Recorded(name, task.location, received, digest.hexdigest())
            # Recorded first: a file under its final name is always in the journal (a kill
            # in between leaves a record whose file is missing: fetched again).
            self.journal.add(task.stem, entry)
            os.replace(part, target)
        except Cancelled:
            if not resumable:  # a cancelled fetch the journal can continue stays
                part.unlink(missing_ok=True)
            raise
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        return entry


def _ranges(size: int) -> list[tuple[int, int]]:
    return [(start, min(RANGE_SIZE, size - start)) for start in range(0, size, RANGE_SIZE)]


def _items(host: DownloadHost, project: Any, shot: Any, ids: Any, filters: Any) -> Iterable[Any]:
    if ids is not None:
        if project is not None or shot is not None or filters is not None:
            raise ValidationError(
                "ids name the generations themselves: give ids, or a project/shot with "
                "filters, not both"
            )
        return generations_by_ids(host, ids)
    if project is None and shot is None:
        raise ValidationError("name what to download: ids, or a project (and/or a shot)")
    wanted = GenerationFilters.of(filters) if filters is not None else GenerationFilters()
    place = host.find(project, shot)
    shot_id = place.shot.id if place.shot is not None else None
    return host.iter_generations(place.project.id, shot_id, filters=wanted)


def download(
    host: DownloadHost,
    project: Any = None,
    shot: Any = None,
    *,
    ids: Any = None,
    filters: GenerationFilters | dict[str, Any] | None = None,
    variants: str = "primary",
    to: str | os.PathLike[str] | None = None,
    zip: str | os.PathLike[str] | None = None,
    progress: ProgressCallback | None = None,
    concurrency: int = 8,
    cancel: threading.Event | None = None,
) -> DownloadResult:
    """See ``Workbench.download``."""
    started = time.monotonic()
    request = check_request(to, zip, variants, concurrency)
    listing = plan(host, _items(host, project, shot, ids, filters), variants == "all")
    cancel = cancel or threading.Event()
    try:
        return _run(
            host=host, request=request, listing=listing, variants=variants, progress=progress,
            concurrency=concurrency, cancel=cancel, started=started,
        )  # fmt: skip
    finally:
        listing.close()


def _run(
    *,
    host: DownloadHost,
    request: Request,
    listing: Listing,
    variants: Any,
    progress: ProgressCallback | None,
    concurrency: int,
    cancel: threading.Event,
    started: float,
) -> DownloadResult:
    try:
        request.folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError(f"cannot make the folder {request.folder}: {exc}") from None
    journal = Journal(request.folder).open()
    old = OldZip(request.zip) if request.zip is not None else OldZip(Path(os.devnull))
    tracker = Tracker(listing.count, progress)
    fetcher = Fetcher(
        storage=host.storage, request=request, journal=journal, old=old, tracker=tracker,
        cancel=cancel, connections=concurrency,
    )  # fmt: skip
    outcomes: dict[int, DownloadedFile] = {}  # by task number (variants share an index)
    try:
        tracker.start()
        for number, outcome in enumerate(_pool(listing, fetcher, concurrency, cancel)):
            if outcome is not None:
                outcomes[number] = outcome
        cancelled = cancel.is_set() and len(outcomes) < listing.count
        files = tuple(outcomes[n] for n in sorted(outcomes))
        written: tuple[str, ...] = ()
        if not cancelled:
            written = _finish(
                request=request, listing=listing, outcomes=outcomes, fetcher=fetcher,
                journal=journal, old=old,
            )  # fmt: skip
    finally:
        journal.close()
        old.close()
    return DownloadResult(
        destination=request.destination, mode="zip" if request.zip else "folder",
        variants=variants, items=listing.items, files_total=listing.count, files=files,
        bytes_total=sum(f.size or 0 for f in files if f.name),
        bytes_fetched=tracker.bytes_fetched, seconds=round(time.monotonic() - started, 3),
        cancelled=cancelled, manifest=written,
    )  # fmt: skip


def _pool(
    listing: Listing, fetcher: Fetcher, concurrency: int, cancel: threading.Event
) -> Iterator[DownloadedFile | None]:
    """Outcomes in listing order (None for a task a cancel left unstarted); at most
    ``2 x concurrency`` tasks are submitted ahead of the workers."""
    window = threading.BoundedSemaphore(concurrency * 2)
    pending: deque[Future[DownloadedFile | None]] = deque()
    with ThreadPoolExecutor(concurrency, thread_name_prefix="workbench-download") as pool:
        try:
            for task in listing:
                while pending and pending[0].done():
                    yield pending.popleft().result()
                if cancel.is_set():
                    break
                window.acquire()
                future = pool.submit(fetcher, task)
                future.add_done_callback(lambda _: window.release())
                pending.append(future)
            for future in pending:
                yield future.result()
        except BaseException:  # Ctrl-C, or the consumer gone: stop the workers first
            cancel.set()
            raise


def _finish(
    *,
    request: Request,
    listing: Listing,
    outcomes: dict[int, DownloadedFile],
    fetcher: Fetcher,
    journal: Journal,
    old: OldZip,
) -> tuple[str, ...]:
    """Manifests (and the zip) of a run that reached every file."""
    rows = (
        manifest.row(task, outcomes[number])
        for number, task in enumerate(listing)
        if number in outcomes
    )
    jsonl, table = manifest.write(request.folder, rows)
    journal.compact(fetcher.kept)
    if request.zip is None:
        return (str(jsonl), str(table))
    order = [
        (outcomes[n].name or "", outcomes[n].name in fetcher.from_old)
        for n in sorted(outcomes)
        if outcomes[n].status in ("downloaded", "already_there")
    ]
    journal.close()
    assemble(request.zip, request.folder, order, old)
    return (f"{request.zip}:{jsonl.name}", f"{request.zip}:{table.name}")
