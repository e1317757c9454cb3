"""Ids and storage keys are checked before they reach SQL or the file system."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from workbench.errors import ValidationError
from workbench.ids import as_uuid
from workbench.models import Project
from workbench.storage import LocalStorage


def test_as_uuid_accepts_uuid_string_and_record() -> None:
    value = uuid.uuid4()
    project = Project(value, "p", uuid.uuid4(), None, None)  # type: ignore[arg-type]
    assert as_uuid(value) == value
    assert as_uuid(f" {value} ") == value
    assert as_uuid(project) == value


@pytest.mark.parametrize("bad", ["", "42", "'; DROP TABLE users; --", None, 7, object()])
def test_as_uuid_refuses_everything_else(bad: object) -> None:
    with pytest.raises(ValidationError, match="malformed project id"):
        as_uuid(bad, "project id")


@pytest.mark.parametrize(
    "key", ["", "/etc/passwd", "../x.jpg", "a/../../x", "a//b", "a/./b", "a\\b", "a\0b"]
)
def test_local_storage_refuses_keys_that_escape(tmp_path: Path, key: str) -> None:
    storage = LocalStorage(tmp_path / "assets")
    with pytest.raises(ValidationError, match="invalid storage key"):
        storage.put_bytes(key, b"x")
    assert not (tmp_path / "assets").exists() or not any((tmp_path / "assets").rglob("*"))


def test_local_storage_round_trip_is_atomic(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    url = storage.put_bytes("u1/uploads/1-abc.jpg", b"first")
    storage.put_bytes("u1/uploads/1-abc.jpg", b"second")
    assert storage.exists("u1/uploads/1-abc.jpg")
    assert url == (tmp_path / "u1/uploads/1-abc.jpg").as_uri()
    assert storage.path("u1/uploads/1-abc.jpg").read_bytes() == b"second"
    assert [p.name for p in (tmp_path / "u1/uploads").iterdir()] == ["1-abc.jpg"]  # no temp left
    assert "writable" in storage.check()


def test_a_huge_bad_id_is_quoted_short() -> None:
    """A 1 MB id used to come back as a 1,000,041-character message."""
    with pytest.raises(ValidationError) as refused:
        as_uuid("x" * 1_000_000, "generation id")
    message = str(refused.value)
    assert len(message) < 150
    assert message.startswith("malformed generation id: 'xxx")
    assert "(1,000,002 characters)" in message
