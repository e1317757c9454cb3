"""One S3 bucket at one endpoint: its boto3 clients, its URLs, our errors for botocore's.

What both the asset store (``S3Storage``) and its upload sessions (``S3Transfers``) need, in a
module of its own so that each of them imports it and neither imports the other at run time.
boto3 is imported on first use, since it costs a quarter of a second.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from workbench.errors import (
    ConfigError,
    NotFoundError,
    ValidationError,
    WorkbenchConnectionError,
    WorkbenchError,
)
from workbench.storage.base import check_key

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_s3 import S3Client

MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_DENIED = frozenset({"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"})


class S3Bucket:
    """The connection half of ``S3Storage`` (which extends it with the Storage operations),
    and all that an ``S3Transfers`` session is given. Clients are made once per combination
    of timeouts and shared (they are thread-safe)."""

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
        return f"{type(self).__name__}(bucket={self.bucket!r}{where})"

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
            if code in MISSING_CODES:
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
