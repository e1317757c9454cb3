"""Both asset stores pass the same suite: a local folder and a real S3 server (SeaweedFS)."""

from __future__ import annotations

import io
import os
import threading
import urllib.request
from pathlib import Path

import pytest
from s3_server import S3Server

from workbench.errors import NotFoundError, ValidationError, WorkbenchError
from workbench.storage import LocalStorage, ObjectInfo, S3Storage, Storage, TransferOptions

MiB = 1024 * 1024
SMALL_PARTS = TransferOptions(multipart_threshold=5 * MiB, chunk_size=5 * MiB, max_concurrency=4)


def keys(store: Storage, prefix: str = "") -> list[str]:
    return [o.key for o in store.list(prefix)]


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # file:// or our loopback S3
        data: bytes = response.read()
    return data


def test_put_get_exists_delete_round_trip(store: Storage) -> None:
    url = store.put_bytes("u1/uploads/1-abc.png", b"\x89PNG data", "image/png")
    assert url == store.url("u1/uploads/1-abc.png")
    assert url.endswith("/u1/uploads/1-abc.png")
    assert store.exists("u1/uploads/1-abc.png")
    assert store.get_bytes("u1/uploads/1-abc.png") == b"\x89PNG data"
    with store.open("u1/uploads/1-abc.png") as handle:
        assert handle.read(4) == b"\x89PNG"
    store.delete("u1/uploads/1-abc.png")
    assert not store.exists("u1/uploads/1-abc.png")
    store.delete("u1/uploads/1-abc.png")  # deleting what is gone is not an error
    assert keys(store) == []


def test_content_type_is_stored(store: Storage) -> None:
    store.put_bytes("a/pic.jpg", b"\xff\xd8\xff jpeg", "image/jpeg")
    if isinstance(store, S3Storage):
        head = store.client.head_object(Bucket=store.bucket, Key="a/pic.jpg")
        assert head["ContentType"] == "image/jpeg"


def test_missing_object_is_not_found(store: Storage) -> None:
    with pytest.raises(NotFoundError, match=r"nothing/here\.png"):
        store.get_bytes("nothing/here.png")
    assert not store.exists("nothing/here.png")


def test_list_by_prefix_in_key_order(store: Storage) -> None:
    for key in ("u/b/2.jpg", "u/a/1.jpg", "u/ab.jpg", "v/x.jpg", "u/b/10.jpg"):
        store.put_bytes(key, key.encode())
    assert keys(store, "u/") == ["u/a/1.jpg", "u/ab.jpg", "u/b/10.jpg", "u/b/2.jpg"]
    assert keys(store, "u/a") == ["u/a/1.jpg", "u/ab.jpg"]  # a prefix, not a folder
    assert keys(store, "u/b/") == ["u/b/10.jpg", "u/b/2.jpg"]
    assert keys(store, "w/") == []
    assert len(keys(store)) == 5
    assert next(iter(store.list("v/"))) == ObjectInfo("v/x.jpg", len(b"v/x.jpg"))


def test_put_file_multipart_with_progress(store: Storage, tmp_path: Path) -> None:
    data = os.urandom(12 * MiB + 123)  # three parts of 5 MiB on S3
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    moved: list[int] = []
    with store.transfers(SMALL_PARTS) as session:
        url = session.put("big/one.bin", source, "application/octet-stream", progress=moved.append)
        assert session.pending == []
    assert sum(moved) == len(data)
    assert url == store.url("big/one.bin")
    assert store.get_bytes("big/one.bin") == data
    if isinstance(store, S3Storage):
        head = store.client.head_object(Bucket=store.bucket, Key="big/one.bin")
        assert head["ETag"].strip('"').endswith("-3")  # really sent as three parts


class _Unseekable(io.RawIOBase):
    """A pipe-like stream: S3 must upload it without knowing its length."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_put_stream_of_unknown_length(store: Storage) -> None:
    data = os.urandom(6 * MiB)
    store.put_stream("s/stream.bin", io.BufferedReader(_Unseekable(data)), "video/mp4")
    assert store.get_bytes("s/stream.bin") == data


@pytest.mark.parametrize(
    "key", ["../escape.png", "/etc/passwd", "a/../../b", "a//b", "a\\b.png", "", "a/./b", "x\0y"]
)
def test_bad_keys_are_refused_and_nothing_is_stored(store: Storage, key: str) -> None:
    with pytest.raises(ValidationError, match="invalid storage key"):
        store.put_bytes(key, b"data")
    with pytest.raises(ValidationError, match="invalid storage key"):
        store.url(key)
    assert keys(store) == []
    if isinstance(store, LocalStorage):
        assert not store.root.exists() or not any(store.root.parent.rglob("escape.png"))


def test_urls_open_the_object(store: Storage) -> None:
    store.put_bytes("p/file.txt", b"readable")
    assert fetch(store.presigned_url("p/file.txt", expires=60)) == b"readable"
    if isinstance(store, LocalStorage):
        assert fetch(store.url("p/file.txt")) == b"readable"


def test_public_url_prefix_is_used_for_s3() -> None:
    public = "https://x.supabase.co/storage/v1/object/public/image_uploads/"
    store = S3Storage("image_uploads", endpoint_url="https://x.supabase.co/storage/v1/s3",
                      public_url=public)  # fmt: skip
    assert store.url("u/uploads/1-a.png") == (
        "https://x.supabase.co/storage/v1/object/public/image_uploads/u/uploads/1-a.png"
    )
    plain = S3Storage("b", endpoint_url="http://127.0.0.1:9000")
    assert plain.url("k.png") == "http://127.0.0.1:9000/b/k.png"


def incomplete(store: Storage) -> list[str]:
    if not isinstance(store, S3Storage):
        return []
    uploads = store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
    return [u["Key"] for u in uploads if "Key" in u]


def test_cancel_leaves_nothing_behind(store: Storage, tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(20 * MiB))
    cancel = threading.Event()

    def moved(n: int) -> None:
        cancel.set()  # cancel as soon as the first bytes move

    with store.transfers(SMALL_PARTS) as session, pytest.raises(WorkbenchError, match="cancel"):
        session.put("c/big.bin", source, progress=moved, cancel=cancel)
    assert keys(store) == []
    assert incomplete(store) == []


def test_abort_incomplete_removes_leftovers(store: Storage) -> None:
    if isinstance(store, S3Storage):
        started = store.client.create_multipart_upload(Bucket=store.bucket, Key="m/left.bin")
        store.client.upload_part(
            Bucket=store.bucket, Key="m/left.bin", UploadId=started["UploadId"],
            PartNumber=1, Body=b"x" * 1024,
        )  # fmt: skip
        other = store.client.create_multipart_upload(Bucket=store.bucket, Key="m/left.bin.2")
    else:
        assert isinstance(store, LocalStorage)
        (store.root / "m").mkdir(parents=True)
        (store.root / "m" / ".tmp-left.bin.x1y2").write_bytes(b"half")
    assert store.abort_incomplete("m/left.bin") == 1
    assert store.abort_incomplete("m/left.bin") == 0
    assert keys(store) == []
    if isinstance(store, S3Storage):  # another key with the same prefix is left alone
        uploads = store.client.list_multipart_uploads(Bucket=store.bucket)["Uploads"]
        assert [u["UploadId"] for u in uploads] == [other["UploadId"]]


def test_check_describes_the_store(store: Storage) -> None:
    assert "writable" in store.check() or "reachable" in store.check()


def test_check_names_what_is_wrong_with_s3(s3_server: S3Server, stopped_s3: S3Storage) -> None:
    from workbench.errors import ConfigError, WorkbenchConnectionError

    with pytest.raises(ConfigError, match=r"S3 bucket 'no-such-bucket' does not exist; create it"):
        s3_server.storage("no-such-bucket").check()
    with pytest.raises(WorkbenchConnectionError, match=r"bucket 'nowhere': cannot reach S3 at"):
        stopped_s3.check()


@pytest.fixture
def stopped_s3() -> S3Storage:
    """An S3 store nobody listens at: the port of a socket we bound and closed."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return S3Storage("nowhere", endpoint_url=f"http://127.0.0.1:{port}",
                     access_key_id="k", secret_access_key="s")  # fmt: skip


def test_unreachable_store_gives_one_clear_error(stopped_s3: S3Storage) -> None:
    from workbench.errors import WorkbenchConnectionError

    with pytest.raises(WorkbenchConnectionError, match=r"cannot reach S3 at http://127\.0\.0\.1"):
        stopped_s3.abort_incomplete("a/b")


def test_s3_uploads_send_no_default_checksums(s3_server: S3Server, tmp_path: Path) -> None:
    """Stores that reject boto3's newer default checksums (CRC32 trailers) still work."""
    store = s3_server.storage(s3_server.new_bucket())
    store.client  # noqa: B018  # makes the boto3 session the transfer clients come from
    assert store._session is not None
    sent: list[dict[str, str]] = []
    store._session.events.register(
        "before-send.s3", lambda request, **_: sent.append(dict(request.headers))
    )
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(11 * MiB))
    with store.transfers(SMALL_PARTS) as session:
        session.put("c/big.bin", source)
        session.put("c/small.bin", io.BytesIO(b"small"))
    assert len(sent) >= 5  # create, three parts, complete, one small put
    for headers in sent:
        names = {name.lower() for name in headers}
        assert not {n for n in names if n.startswith("x-amz-checksum-")}, names
        assert "x-amz-sdk-checksum-algorithm" not in names
        assert "x-amz-trailer" not in names
