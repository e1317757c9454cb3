"""Uploads to S3 through boto3's transfer manager, with a stall watchdog and clean-up.

boto3's manager does the hard parts (multipart above a threshold, parts in parallel, each
request retried with backoff by botocore) but offers neither a stall timeout nor a guarantee
that a failed multipart upload is gone: it aborts it on failure only if the store answers.
This session adds both. A transfer that makes no progress (and while the whole session makes
none) for ``stall_timeout`` seconds is cancelled; after any failure the store is asked for
unfinished multipart uploads of the key and each is aborted. When the store cannot be asked
(it is down), the key is kept in :attr:`S3Transfers.pending` for the caller to retry later.

An object smaller than the multipart threshold (a picture, a thumbnail) skips the manager:
one ``put_object`` from the caller's own thread, on a pool wide enough for every upload
worker. The manager
would hand it to one of its ``max_concurrency`` threads and wait, which caps a batch of small
files at that many requests in flight and adds two thread hand-offs per file.

Only imported when an S3 upload starts, so it may import boto3 at the top.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

from boto3.s3.transfer import TransferConfig, create_transfer_manager
from s3transfer.subscribers import BaseSubscriber

from workbench.errors import WorkbenchConnectionError, WorkbenchError
from workbench.storage.base import Cancel, ProgressFn, TransferOptions, check_key
from workbench.storage.s3_bucket import S3Bucket

_POLL_S = 0.1
# Connections for the single-request path, enough for every upload worker at once (see
# ``workbench.uploads.uploader``: up to 16 workers).
SMALL_POOL = 24


def _size(source: Path | BinaryIO) -> int | None:
    """How many bytes an upload of ``source`` sends, when that is known without reading it."""
    try:
        if isinstance(source, Path):
            return source.stat().st_size
        start = source.tell()
        end = source.seek(0, os.SEEK_END)
        source.seek(start)
    except (OSError, AttributeError, ValueError):
        return None
    return end - start


def _is_network(exc: OSError) -> bool:
    """A socket's error (botocore lets some through), not the source file's."""
    return isinstance(exc, ConnectionError | TimeoutError)


def _succeeded(future: Any) -> bool:
    try:
        future.result()
    except BaseException:
        return False
    return True


class _Watch(BaseSubscriber):
    """Forwards progress and records when this transfer (and its session) last moved."""

    def __init__(self, session: S3Transfers, progress: ProgressFn | None) -> None:
        self._session = session
        self._progress = progress
        self.last = time.monotonic()
        self.done = threading.Event()

    def on_progress(self, future: Any, bytes_transferred: int, **kwargs: Any) -> None:
        now = time.monotonic()
        self.last = now
        self._session.activity = now
        if self._progress is not None:
            self._progress(bytes_transferred)

    def on_done(self, future: Any, **kwargs: Any) -> None:
        self.done.set()


class S3Transfers:
    """One transfer manager (threads, connections) shared by every upload of a session."""

    def __init__(self, storage: S3Bucket, options: TransferOptions) -> None:
        self._storage = storage
        self._options = options
        client = storage.make_client(
            read_timeout=options.stall_timeout,
            attempts=options.attempts,
            pool_size=options.max_concurrency + 2,
        )
        config = TransferConfig(
            multipart_threshold=options.multipart_threshold,
            multipart_chunksize=options.chunk_size,
            max_concurrency=options.max_concurrency,
            use_threads=True,
        )
        self._manager = create_transfer_manager(client, config)
        self._client = storage.make_client(
            read_timeout=options.stall_timeout,
            attempts=options.attempts,
            pool_size=max(SMALL_POOL, options.max_concurrency + 2),
        )
        # One quick try: a store that just failed or froze is not waited for; what this try
        # cannot clean up is reported in ``pending`` and settled by a later run.
        quick = min(options.stall_timeout, 5.0)
        self._cleanup_client = storage.make_client(
            read_timeout=quick, connect_timeout=quick, attempts=1
        )
        self.activity = time.monotonic()
        self._pending: list[str] = []
        self._lock = threading.Lock()

    @property
    def pending(self) -> list[str]:
        with self._lock:
            return list(self._pending)

    def put(
        self,
        key: str,
        source: Path | BinaryIO,
        content_type: str | None = None,
        *,
        progress: ProgressFn | None = None,
        cancel: Cancel | None = None,
    ) -> str:
        """Upload ``source`` (a file, or a readable stream) to ``key``; returns its URL."""
        check_key(key)
        size = _size(source)
        if size is not None and size < self._options.multipart_threshold:
            return self._put_small(
                key, source, size, content_type, progress=progress, cancel=cancel
            )
        watch = _Watch(self, progress)
        extra = {"ContentType": content_type} if content_type else {}
        fileobj: Any = os.fspath(source) if isinstance(source, Path) else source
        future = self._manager.upload(
            fileobj, self._storage.bucket, key, extra_args=extra, subscribers=[watch]
        )
        try:
            reason = self._wait(watch, cancel)
        except KeyboardInterrupt:
            future.cancel()
            self._clean_up(key, settled=watch.done.wait(1.0))
            raise
        if reason is not None:
            future.cancel()
            # In-flight requests end within one socket timeout; do not wait for retries.
            settled = watch.done.wait(self._options.stall_timeout)
            if settled and _succeeded(future):
                return self._storage.url(key)  # it finished before the cancel took hold
            self._clean_up(key, settled=settled)
            if reason == "cancelled":
                raise WorkbenchError(f"upload of {key} was cancelled")
            raise WorkbenchConnectionError(
                f"upload of {key} stalled: no progress for {self._options.stall_timeout:g} s "
                f"at {self._storage.where}; cancelled"
            )
        try:
            future.result()
        except BaseException as exc:
            self._clean_up(key, settled=True)
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise self._storage.error(exc, f"uploading {key}") from None
        return self._storage.url(key)

    def _put_small(
        self,
        key: str,
        source: Path | BinaryIO,
        size: int,
        content_type: str | None,
        *,
        progress: ProgressFn | None,
        cancel: Cancel | None,
    ) -> str:
        """One ``put_object`` on this thread: retried by botocore, each socket wait bounded by
        the stall timeout; a failure is cleaned up like a managed transfer's."""
        if cancel is not None and cancel.is_set():
            raise WorkbenchError(f"upload of {key} was cancelled")
        extra: dict[str, Any] = {"ContentType": content_type} if content_type else {}
        try:
            if isinstance(source, Path):
                with open(source, "rb") as body:
                    self._client.put_object(
                        Bucket=self._storage.bucket, Key=key, Body=body, **extra
                    )
            else:
                self._client.put_object(Bucket=self._storage.bucket, Key=key, Body=source, **extra)
        except BaseException as exc:
            self._clean_up(key, settled=True)
            if not isinstance(exc, Exception):
                raise
            if isinstance(exc, OSError) and not _is_network(exc):
                raise WorkbenchError(f"uploading {key}: cannot read the source ({exc})") from None
            raise self._storage.error(exc, f"uploading {key}") from None
        self.activity = time.monotonic()
        if progress is not None and size:
            progress(size)
        return self._storage.url(key)

    def _wait(self, watch: _Watch, cancel: Cancel | None) -> str | None:
        """None once the transfer is done, else why it must stop ('stalled', 'cancelled')."""
        while not watch.done.wait(_POLL_S):
            if cancel is not None and cancel.is_set():
                return "cancelled"
            if time.monotonic() - max(watch.last, self.activity) > self._options.stall_timeout:
                return "stalled"
        return None

    def _clean_up(self, key: str, *, settled: bool) -> None:
        """Abort what is left of a failed upload, or remember the key when that fails.

        The object itself is deleted too: a cancel can race a final request that completes
        the object anyway, and the key is ours alone (fresh, random), so deleting it is safe.
        An unsettled transfer may still have a request in flight that creates a multipart
        upload after this clean-up, so its key is kept for a later check as well.
        """
        try:
            self._storage.abort_incomplete(key, client=self._cleanup_client)
            self._cleanup_client.delete_object(Bucket=self._storage.bucket, Key=key)
        except Exception:  # abort_incomplete's WorkbenchError, or botocore's: the store is unwell
            settled = False
        if not settled:
            with self._lock:
                self._pending.append(key)

    def close(self) -> None:
        """Wait for in-flight requests (bounded by the socket timeout), then free threads."""
        self._manager.shutdown(cancel=True)

    def __enter__(self) -> S3Transfers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
