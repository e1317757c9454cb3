"""The S3 asset store (boto3): AWS, Supabase Storage's S3 endpoint, SeaweedFS, MinIO, R2.

boto3 is imported on first use, since it costs a quarter of a second and a gallery that only
reads from the database never needs it. Every botocore error is turned into one of the
workbench's own errors, with the key and the endpoint in its message. The clients, URLs and
error mapping live in ``s3_bucket``, shared with the upload sessions of ``s3_transfer``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from workbench.errors import ConfigError, ConflictError, WorkbenchError
from workbench.storage.base import (
    ObjectInfo,
    ObjectStream,
    ProgressFn,
    TransferOptions,
    check_key,
)
from workbench.storage.s3_bucket import MISSING_CODES, S3Bucket

if TYPE_CHECKING:
    from workbench.storage.s3_transfer import S3Transfers


class S3Storage(S3Bucket):
    """The ``Storage`` protocol over one bucket; clients, URLs and errors come from S3Bucket."""

    def presigned_url(self, key: str, expires: int = 3600) -> str:
        """A time-limited GET URL, for private buckets (signing is local: no request)."""
        return self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": str(check_key(key))},
            ExpiresIn=expires,
        )

    # -- writes ----------------------------------------------------------------------------
    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> str:
        extra: dict[str, Any] = {"ContentType": content_type} if content_type else {}
        try:
            self.client.put_object(Bucket=self.bucket, Key=str(check_key(key)), Body=data, **extra)
        except Exception as exc:
            raise self.error(exc, f"storing {key}") from None
        return self.url(key)

    def transfers(self, options: TransferOptions | None = None) -> S3Transfers:
        from workbench.storage.s3_transfer import S3Transfers

        return S3Transfers(self, options or TransferOptions())

    def put_file(
        self,
        key: str,
        path: Path,
        content_type: str | None = None,
        *,
        progress: ProgressFn | None = None,
    ) -> str:
        """Upload through boto3's transfer manager (multipart above the threshold)."""
        with self.transfers() as session:
            return session.put(key, Path(path), content_type, progress=progress)

    def put_stream(self, key: str, stream: BinaryIO, content_type: str | None = None) -> str:
        with self.transfers() as session:
            return session.put(key, stream, content_type)

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=str(check_key(key)))
        except Exception as exc:
            raise self.error(exc, f"deleting {key}") from None

    # -- reads -----------------------------------------------------------------------------
    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=str(check_key(key)))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in MISSING_CODES:
                return False
            raise self.error(exc, f"looking up {key}") from None
        except Exception as exc:
            raise self.error(exc, f"looking up {key}") from None
        return True

    def open(self, key: str) -> BinaryIO:
        """A streaming reader of the object; the caller closes it."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=str(check_key(key)))
        except Exception as exc:
            raise self.error(exc, f"reading {key}") from None
        return cast(BinaryIO, response["Body"])

    def get_bytes(self, key: str) -> bytes:
        with self.open(key) as body:
            return body.read()

    parallel_reads = True  # ranges of one object read at once are faster than one stream

    def open_object(
        self,
        key: str,
        *,
        connections: int = 10,
        offset: int = 0,
        etag: str | None = None,
        length: int | None = None,
    ) -> ObjectStream:
        """A streaming GET with the object's size and type (downloads read the body in
        chunks: memory stays flat for any size), from byte ``offset`` on (a ranged GET).
        With ``etag`` (from an earlier stream), ``ConflictError`` when the object changed
        since. ``connections``: the client's pool size, so that this many streams at once
        each keep their own connection; ``length`` bounds the range. A store that ignores
        the range sends the whole object: ``offset`` of the stream is then 0."""
        client = self.make_client(pool_size=max(10, connections + 2))
        extra: dict[str, Any] = {}
        if length is not None:
            extra["Range"] = f"bytes={offset}-{offset + max(length, 1) - 1}"
        elif offset:
            extra["Range"] = f"bytes={offset}-"
        if etag is not None:
            extra["IfMatch"] = etag
        try:
            response = client.get_object(Bucket=self.bucket, Key=str(check_key(key)), **extra)
        except Exception as exc:
            from botocore.exceptions import ClientError

            if isinstance(exc, ClientError):
                code = str(exc.response.get("Error", {}).get("Code", ""))
                if code in ("PreconditionFailed", "412"):
                    raise ConflictError(f"{key} changed since it was first read") from None
            raise self.error(exc, f"reading {key}") from None
        size = response.get("ContentLength")
        ranged = str(response.get("ContentRange") or "")
        start = offset if offset and ranged.startswith(f"bytes {offset}-") else 0
        return ObjectStream(
            cast(BinaryIO, response["Body"]),
            int(size) if size is not None else None,
            response.get("ContentType"),
            response.get("ETag"),
            start,
        )

    def key_for_url(self, url: str) -> str | None:
        """The key of one of this bucket's URLs (the public form :meth:`url` returns, or the
        endpoint's path-style form), else None."""
        bases = [self.url("k")[:-1]]
        if self.endpoint_url:
            bases.append(f"{self.endpoint_url.rstrip('/')}/{self.bucket}/")
        for base in bases:
            if url.startswith(base) and len(url) > len(base):
                key = url[len(base) :].split("?", 1)[0]
                try:
                    check_key(key)
                except WorkbenchError:
                    return None
                return key
        return None

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Objects whose key starts with ``prefix``, in key order, page by page."""
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    yield ObjectInfo(item["Key"], int(item.get("Size", 0)))
        except Exception as exc:
            raise self.error(exc, f"listing {prefix or 'the bucket'}") from None

    def check(self) -> str:
        """Prove the bucket is reachable with the configured credentials."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            # HEAD on a bucket answers a bare 404 for a missing bucket, not NoSuchBucket.
            info = exc.response.get("Error", {}) if isinstance(exc, ClientError) else {}
            if info.get("Code") in ("404", "NotFound", "NoSuchBucket"):
                raise ConfigError(f"S3 bucket {self.bucket!r} does not exist; create it") from None
            raise self.error(exc, f"bucket {self.bucket!r}") from None
        return f"S3 bucket {self.bucket!r} at {self.where} is reachable"
