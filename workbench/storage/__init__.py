"""Where media lives: a local folder (the embedded default) or an S3-compatible bucket.

Both stores take Reigh's object keys (``{user_id}/uploads/{ms}-{rand8}.{ext}``) and return the
URL the database stores in ``location`` / ``thumbnail_url``. Keys are checked the same way in
both (no absolute paths, no ``..``), so a key that works locally also works in a bucket.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from workbench.config import Config
from workbench.storage.base import (
    ObjectInfo,
    ObjectStream,
    ProgressFn,
    TransferOptions,
    Transfers,
)
from workbench.storage.local import LocalStorage
from workbench.storage.s3 import S3Storage

__all__ = [
    "LocalStorage",
    "ObjectInfo",
    "ObjectStream",
    "ProgressFn",
    "S3Storage",
    "Storage",
    "TransferOptions",
    "Transfers",
    "from_config",
]


class Storage(Protocol):
    """What the rest of the workbench needs of an asset store.

    Errors are the workbench's own: ``NotFoundError`` for a missing object,
    ``ValidationError`` for a bad key, ``ConfigError`` for refused credentials or a missing
    bucket, ``WorkbenchConnectionError`` when the store cannot be reached.
    """

    @property
    def ident(self) -> str: ...
    def url(self, key: str) -> str: ...
    def presigned_url(self, key: str, expires: int = 3600) -> str: ...
    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> str: ...
    def put_stream(self, key: str, stream: BinaryIO, content_type: str | None = None) -> str: ...
    def put_file(
        self,
        key: str,
        path: Path,
        content_type: str | None = None,
        *,
        progress: ProgressFn | None = None,
    ) -> str: ...
    def transfers(self, options: TransferOptions | None = None) -> Transfers: ...
    def delete(self, key: str) -> None: ...
    def abort_incomplete(self, key: str) -> int: ...
    def exists(self, key: str) -> bool: ...
    def open(self, key: str) -> BinaryIO: ...
    def get_bytes(self, key: str) -> bytes: ...
    def list(self, prefix: str = "") -> Iterator[ObjectInfo]: ...
    def check(self) -> str: ...
    def open_object(
        self,
        key: str,
        *,
        connections: int = 10,
        offset: int = 0,
        etag: str | None = None,
        length: int | None = None,
    ) -> ObjectStream: ...
    def key_for_url(self, url: str) -> str | None: ...


def from_config(config: Config) -> Storage:
    if config.storage_backend == "s3":

        def text(key: str) -> str | None:
            value = config.get(key)
            return value if isinstance(value, str) else None

        return S3Storage(
            text("storage.bucket") or "image_uploads",
            endpoint_url=text("storage.endpoint_url"),
            region=text("storage.region"),
            public_url=text("storage.public_url"),
            access_key_id=text("storage.access_key_id"),
            secret_access_key=text("storage.secret_access_key"),
        )
    return LocalStorage(config.assets_dir)
