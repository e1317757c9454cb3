"""The S3 asset store (boto3): AWS, Supabase Storage's S3 endpoint, SeaweedFS, MinIO, R2.

boto3 is imported on first use, since it costs a quarter of a second and a gallery that only
reads from the database never needs it. Every botocore error is turned into one of the
workbench's own errors, with the key and the endpoint in its message.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from workbench.errors import (
    ConfigError,
    NotFoundError,
    ValidationError,
    WorkbenchConnectionError,
    WorkbenchError,
)
from workbench.storage.base import ObjectInfo, ProgressFn, TransferOptions
from workbench.storage.local import check_key

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_s3 import S3Client

    from workbench.storage.s3_transfer import S3Transfers

_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_DENIED = frozenset({"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"})


class S3Storage:
    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        public_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self.public_url = public_url.rstrip("/") if public_url else None
        self._credentials = (access_key_id, secret_access_key)
        self._session: boto3.session.Session | None = None
        self._clients: dict[tuple[float, float, int, int], S3Client] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"S3Storage(bucket={self.bucket!r}{where})"

    @property
    def ident(self) -> str:
        """A stable name of this store, to tell apart clean-up work left for different stores."""
        return f"s3:{self.endpoint_url or 'aws'}/{self.bucket}"

    @property
    def where(self) -> str:
        return self.endpoint_url or "AWS"

    def make_client(
        self,
        *,
        read_timeout: float = 60,
        connect_timeout: float = 5,
        attempts: int = 5,
        pool_size: int = 10,
    ) -> S3Client:
        """A client with these timeouts and retries, made once and then shared.

        Transfers and clean-up each want their own timeouts; clients are thread-safe, and
        making one costs tens of milliseconds (a fresh boto3 session, hundreds), so each
        combination is made once per store, from one session, under a lock.
        """
        wanted = (read_timeout, connect_timeout, attempts, pool_size)
        with self._lock:
            client = self._clients.get(wanted)
            if client is None:
                client = self._clients[wanted] = self._new_client(*wanted)
        return client

    def _new_client(
        self, read_timeout: float, connect_timeout: float, attempts: int, pool_size: int
    ) -> S3Client:
        import boto3
        from botocore.config import Config as BotoConfig

        if self._session is None:
            self._session = boto3.session.Session()
        key_id, secret = self._credentials
        return self._session.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region or "us-east-1",
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            config=BotoConfig(
                # Some S3-compatible stores reject boto3's newer default checksums.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                s3={"addressing_style": "path"} if self.endpoint_url else None,
                signature_version="s3v4",
                retries={"total_max_attempts": attempts, "mode": "standard"},
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                max_pool_connections=pool_size,
            ),
        )

    @property
    def client(self) -> S3Client:
        return self.make_client()

    @property
    def _quick_client(self) -> S3Client:
        """Short timeouts, two attempts: clean-up must not hang on a store that is down."""
        return self.make_client(read_timeout=5, connect_timeout=3, attempts=2)

    def error(self, exc: BaseException, what: str) -> WorkbenchError:
        """Our error for a botocore (or s3transfer) failure while doing ``what``."""
        from botocore.exceptions import ClientError, NoCredentialsError

        if isinstance(exc, WorkbenchError):
            return exc
        if isinstance(exc, NoCredentialsError):
            return ConfigError(
                "no S3 credentials: set WORKBENCH_S3_ACCESS_KEY_ID and "
                "WORKBENCH_S3_SECRET_ACCESS_KEY (or AWS_* variables / an AWS profile)"
            )
        if isinstance(exc, ClientError):
            info = exc.response.get("Error", {})
            code = str(info.get("Code", "?"))
            if code in _MISSING:
                return NotFoundError(f"{what}: no such object in bucket {self.bucket!r}")
            if code == "NoSuchBucket":
                return ConfigError(f"{what}: S3 bucket {self.bucket!r} does not exist")
            if code in _DENIED:
                return ConfigError(f"{what}: S3 refused access ({code}); check the credentials")
            if code == "EntityTooLarge":
                return ValidationError(f"{what}: the store refuses objects this large")
            return WorkbenchConnectionError(f"{what}: S3 error {code}: {info.get('Message', '')}")
        return WorkbenchConnectionError(f"{what}: cannot reach S3 at {self.where}: {exc}")

    # -- URLs ------------------------------------------------------------------------------
    def url(self, key: str) -> str:
        check_key(key)
        if self.public_url:
            return f"{self.public_url}/{key}"
        base = self.endpoint_url or f"https://s3.{self.region or 'us-east-1'}.amazonaws.com"
        return f"{base.rstrip('/')}/{self.bucket}/{key}"

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

    def abort_incomplete(self, key: str, *, client: S3Client | None = None) -> int:
        """Abort every unfinished multipart upload of ``key``; returns how many there were.

        Raises ``WorkbenchConnectionError`` when the store cannot be asked, so the caller can
        keep the key and try again later. ``client`` lets a transfer session use its own
        timeouts: a clean-up must not hang on a store that just stopped answering.
        """
        from botocore.exceptions import ClientError

        client = client or self._quick_client
        aborted = 0
        try:
            pages = client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=str(check_key(key))
            )
            for page in pages:
                for upload in page.get("Uploads", []):
                    if upload.get("Key") != key or "UploadId" not in upload:
                        continue
                    try:
                        client.abort_multipart_upload(
                            Bucket=self.bucket, Key=key, UploadId=upload["UploadId"]
                        )
                    except ClientError as exc:
                        if exc.response.get("Error", {}).get("Code") != "NoSuchUpload":
                            raise
                    aborted += 1
        except Exception as exc:
            raise self.error(exc, f"cleaning up the unfinished upload of {key}") from None
        return aborted

    # -- reads -----------------------------------------------------------------------------
    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=str(check_key(key)))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
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
