"""The local-folder asset store: the embedded default, laid out like Reigh's bucket.

Keys are Reigh's object keys (``{user_id}/uploads/...``); the URL stored in the database is a
``file://`` URL, which any viewer, the TUI and the notebook can open directly.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast
from urllib.parse import unquote

from workbench.config import private_dir
from workbench.errors import ConflictError, NotFoundError, WorkbenchError
from workbench.storage.base import (
    Cancel,
    MiB,
    ObjectInfo,
    ObjectStream,
    ProgressFn,
    TransferOptions,
    check_key,
)

_TMP = ".tmp-"
_COPY_CHUNK = MiB


class LocalStorage:
    """Objects as files under ``root``; writes are atomic (temp file, then rename).

    The files are this user's alone (0600, in folders made 0700): nothing else reads them (the
    embedded PostgreSQL never does), and a shared machine's other users should not either.

    A reader therefore never sees half a file, and an interrupted write leaves only a hidden
    ``.tmp-`` file next to the target, which :meth:`abort_incomplete` removes.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    @property
    def ident(self) -> str:
        """A stable name of this store, to tell apart clean-up work left for different stores."""
        return self.root.as_uri()

    def path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).parts)

    def url(self, key: str) -> str:
        return self.path(key).as_uri()

    def presigned_url(self, key: str, expires: int = 3600) -> str:
        """A local file needs no signature: the same ``file://`` URL as :meth:`url`."""
        del expires
        return self.url(key)

    # -- writes ----------------------------------------------------------------------------
    def _write(
        self,
        key: str,
        source: BinaryIO,
        progress: ProgressFn | None = None,
        cancel: Cancel | None = None,
    ) -> str:
        target = self.path(key)
        private_dir(target.parent)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f"{_TMP}{target.name}.")  # 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                while chunk := source.read(_COPY_CHUNK):
                    if cancel is not None and cancel.is_set():
                        raise WorkbenchError(f"upload of {key} was cancelled")
                    handle.write(chunk)
                    if progress is not None:
                        progress(len(chunk))
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return self.url(key)

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> str:
        """Store ``data`` under ``key``; returns its URL (the name implies the type)."""
        del content_type
        import io

        return self._write(key, io.BytesIO(data))

    def put_stream(self, key: str, stream: BinaryIO, content_type: str | None = None) -> str:
        del content_type
        return self._write(key, stream)

    def put_file(
        self,
        key: str,
        path: Path,
        content_type: str | None = None,
        *,
        progress: ProgressFn | None = None,
    ) -> str:
        return self.transfers().put(key, Path(path), content_type, progress=progress)

    def transfers(self, options: TransferOptions | None = None) -> LocalTransfers:
        del options  # a local copy has no parts, threads or stalls to tune
        return LocalTransfers(self)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def abort_incomplete(self, key: str) -> int:
        """Remove temp files an interrupted write of ``key`` left; returns how many."""
        target = self.path(key)
        removed = 0
        if target.parent.is_dir():
            for stray in target.parent.glob(f"{_TMP}{target.name}.*"):
                stray.unlink(missing_ok=True)
                removed += 1
        return removed

    # -- reads -----------------------------------------------------------------------------
    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self.path(key), "rb")  # the caller closes it
        except (FileNotFoundError, IsADirectoryError):
            raise NotFoundError(f"no stored object {key!r} in {self.root}") from None

    def get_bytes(self, key: str) -> bytes:
        with self.open(key) as handle:
            return handle.read()

    parallel_reads = False  # a local copy gains nothing from reading ranges at once

    def open_object(
        self,
        key: str,
        *,
        connections: int = 10,
        offset: int = 0,
        etag: str | None = None,
        length: int | None = None,
    ) -> ObjectStream:
        """The object as a stream with its size (downloads read it in chunks: memory stays
        flat for any size), from byte ``offset`` on. With ``etag`` (from an earlier stream),
        ``ConflictError`` when the file changed since; ``length`` bounds what it yields.
        ``connections`` is for S3's pool."""
        del connections
        handle = self.open(key)
        try:
            info = os.fstat(handle.fileno())
            version = f"{info.st_size:x}-{info.st_mtime_ns:x}"
            if etag is not None and etag != version:
                raise ConflictError(f"stored object {key!r} changed since it was first read")
            if offset:
                handle.seek(offset)
        except BaseException:
            handle.close()
            raise
        size = max(0, info.st_size - offset)
        if length is not None and length < size:
            bounded = cast(BinaryIO, _Bounded(handle, length))
            return ObjectStream(bounded, length, None, version, offset)
        return ObjectStream(handle, size, None, version, offset)

    def key_for_url(self, url: str) -> str | None:
        """The key of one of this store's own URLs (what :meth:`url` returns), else None:
        how a download tells our objects from files elsewhere on the machine."""
        base = self.root.as_uri().rstrip("/") + "/"
        if not url.startswith(base) or len(url) == len(base):
            return None
        key = unquote(url[len(base) :])
        try:
            check_key(key)
        except WorkbenchError:
            return None
        return key

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Objects whose key starts with ``prefix``, in key order (as S3 lists them)."""
        folder_part = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self.root.joinpath(*check_key(folder_part).parts) if folder_part else self.root
        if not start.is_dir():
            return
        found: list[ObjectInfo] = []
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            rel = Path(dirpath).relative_to(self.root).as_posix()
            for name in filenames:
                if name.startswith("."):
                    continue  # temp files of writes in progress, probes
                key = name if rel == "." else f"{rel}/{name}"
                if key.startswith(prefix):
                    found.append(ObjectInfo(key, (Path(dirpath) / name).stat().st_size))
        yield from sorted(found, key=lambda o: o.key)

    def check(self) -> str:
        """Prove the folder is writable; returns a one-line description for `doctor`."""
        private_dir(self.root)
        probe = self.root / ".workbench-write-check"
        probe.write_bytes(b"ok")
        probe.unlink()
        return f"local folder {self.root} is writable"


class LocalTransfers:
    """The local store's transfer session: plain copies, with progress and cancellation."""

    def __init__(self, storage: LocalStorage) -> None:
        self._storage = storage

    @property
    def pending(self) -> list[str]:
        return []  # a failed local write removes its own temp file

    def put(
        self,
        key: str,
        source: Path | BinaryIO,
        content_type: str | None = None,
        *,
        progress: ProgressFn | None = None,
        cancel: Cancel | None = None,
    ) -> str:
        del content_type
        if isinstance(source, Path):
            with open(source, "rb") as handle:
                return self._storage._write(key, handle, progress, cancel)
        return self._storage._write(key, source, progress, cancel)

    def close(self) -> None:
        pass

    def __enter__(self) -> LocalTransfers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Bounded(io.RawIOBase):
    """The next ``length`` bytes of a file, read in chunks (a range of a stored object)."""

    def __init__(self, handle: BinaryIO, length: int) -> None:
        self._handle = handle
        self._left = length

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        wanted = self._left if size < 0 else min(size, self._left)
        data = self._handle.read(wanted) if wanted > 0 else b""
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._handle.close()
        super().close()
