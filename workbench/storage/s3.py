"""The S3 asset store (boto3): AWS, Supabase Storage's S3 endpoint, SeaweedFS, MinIO, R2.

boto3 is imported on first use, since it costs a quarter of a second and a gallery that only
reads from the database never needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.errors import ConfigError, WorkbenchConnectionError
from workbench.storage.local import check_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


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
        self._client: S3Client | None = None

    def __repr__(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"S3Storage(bucket={self.bucket!r}{where})"

    @property
    def client(self) -> S3Client:
        if self._client is None:
            import boto3
            from botocore.config import Config as BotoConfig

            key_id, secret = self._credentials
            self._client = boto3.session.Session().client(
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
                    retries={"max_attempts": 5, "mode": "standard"},
                    connect_timeout=5,
                    read_timeout=60,
                ),
            )
        return self._client

    def url(self, key: str) -> str:
        check_key(key)
        if self.public_url:
            return f"{self.public_url}/{key}"
        base = self.endpoint_url or f"https://s3.{self.region or 'us-east-1'}.amazonaws.com"
        return f"{base.rstrip('/')}/{self.bucket}/{key}"

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> str:
        extra: dict[str, Any] = {"ContentType": content_type} if content_type else {}
        self.client.put_object(Bucket=self.bucket, Key=str(check_key(key)), Body=data, **extra)
        return self.url(key)

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=str(check_key(key)))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def check(self) -> str:
        """Prove the bucket is reachable with the configured credentials."""
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except NoCredentialsError:
            raise ConfigError(
                "no S3 credentials: set WORKBENCH_S3_ACCESS_KEY_ID and "
                "WORKBENCH_S3_SECRET_ACCESS_KEY (or AWS_* variables / an AWS profile)"
            ) from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "?")
            if code in ("404", "NoSuchBucket", "NotFound"):
                raise ConfigError(f"S3 bucket {self.bucket!r} does not exist; create it") from None
            if code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                raise ConfigError(
                    f"S3 refused access to bucket {self.bucket!r} ({code}): check the credentials"
                ) from None
            raise WorkbenchConnectionError(f"S3 error on bucket {self.bucket!r}: {code}") from None
        except BotoCoreError as exc:
            raise WorkbenchConnectionError(
                f"cannot reach S3 at {self.endpoint_url or 'AWS'}: {exc}"
            ) from None
        return f"S3 bucket {self.bucket!r} at {self.endpoint_url or 'AWS'} is reachable"
