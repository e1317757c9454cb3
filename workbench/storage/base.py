"""What both asset stores share: key checks, object listings, transfer tuning and the transfer
session.

Kept apart from ``workbench.storage`` so the two implementations can import it without a
cycle through the package that imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from workbench.errors import ValidationError

MiB = 1024 * 1024

ProgressFn = Callable[[int], None]
"""Receives byte deltas as data moves; negative when a failed part is sent again."""


class Cancel(Protocol):
    """What stops a transfer: a ``threading.Event``, or anything with its ``is_set``."""

    def is_set(self) -> bool: ...


def check_key(key: str) -> PurePosixPath:
    """Refuse keys that could leave the store: absolute, ``..``, empty or odd segments.

    Both stores check keys the same way, so a key that works locally also works in a bucket.
    """
    path = PurePosixPath(key)
    if not key or path.is_absolute() or "\\" in key or "\0" in key:
        raise ValidationError(f"invalid storage key {key!r}")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise ValidationError(f"invalid storage key {key!r}")
    return path


@dataclass
class ObjectStream:
    """An object being read: its body, streamed (read it in chunks, then ``close`` it), and
    what the store said of it before the first byte: ``size`` (what the body yields) and
    ``content_type`` may be None when the store does not say; ``etag`` names this version of
    the object (to resume a read later: ``open_object(key, offset=..., etag=...)``);
    ``offset`` is where the body starts. A context manager that closes the body."""

    body: BinaryIO
    size: int | None
    content_type: str | None
    etag: str | None = None
    offset: int = 0

    def close(self) -> None:
        self.body.close()

    def __enter__(self) -> ObjectStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class ObjectInfo:
    """One stored object, as a listing reports it."""

    key: str
    size: int


@dataclass(frozen=True)
class TransferOptions:
    """How large uploads move.

    The defaults come from measuring loopback SeaweedFS with ``benchmarks/upload_bench.py``:
    16 MiB parts keep the number of requests low without holding much memory per thread, and
    eight parts in flight saturate a single server. ``attempts`` counts the first try: each
    request (a part, a small object) is retried by botocore with jittered exponential backoff.
    ``stall_timeout`` is how long neither this file nor any other transfer of the session may
    make progress before the transfer is cancelled; it also bounds each socket wait, so a hung
    request ends instead of holding a thread for a minute.
    """

    multipart_threshold: int = 16 * MiB
    chunk_size: int = 16 * MiB
    max_concurrency: int = 8
    attempts: int = 3
    stall_timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.multipart_threshold < 1 or self.chunk_size < 1 or self.max_concurrency < 1:
            raise ValueError("multipart_threshold, chunk_size and max_concurrency must be >= 1")
        if self.attempts < 1 or self.stall_timeout <= 0:
            raise ValueError("attempts must be >= 1 and stall_timeout positive")


class Transfers(Protocol):
    """A session of uploads sharing threads and connections; close it to release them.

    ``pending`` lists keys whose clean-up after a failure could not be confirmed (the store
    was unreachable): the caller keeps them and calls ``Storage.abort_incomplete`` later.
    """

    @property
    def pending(self) -> list[str]: ...

    def put(
        self,
        key: str,
        source: Path | BinaryIO,
        content_type: str | None = None,
        *,
        progress: ProgressFn | None = None,
        cancel: Cancel | None = None,
    ) -> str: ...

    def close(self) -> None: ...

    def __enter__(self) -> Transfers: ...

    def __exit__(self, *exc: object) -> None: ...
