"""Where media lives: a local folder (the embedded default) or an S3-compatible bucket."""

from __future__ import annotations

from typing import Protocol

from workbench.config import Config
from workbench.storage.local import LocalStorage
from workbench.storage.s3 import S3Storage

__all__ = ["LocalStorage", "S3Storage", "Storage", "from_config"]


class Storage(Protocol):
    """What the rest of the workbench needs of an asset store."""

    def url(self, key: str) -> str: ...
    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> str: ...
    def exists(self, key: str) -> bool: ...
    def check(self) -> str: ...


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
