"""Rows and fixtures the storage and upload tests share (a pytest plugin, see conftest).

``store`` is a local folder or a real S3 bucket (parametrised, so every test runs on both);
modules that need a particular store define their own ``store`` fixture, which wins.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from s3_server import S3Server

from workbench.client import Workbench
from workbench.startup import connect
from workbench.storage import LocalStorage, Storage


@dataclass(frozen=True)
class Setup:
    user: uuid.UUID
    project: uuid.UUID
    shot: uuid.UUID
    other_project: uuid.UUID  # belongs to another user
    other_shot: uuid.UUID
    second_project: uuid.UUID  # ours too


def make_setup(dsn: str) -> Setup:
    ids = [uuid.uuid4() for _ in range(7)]
    user, other, project, second, other_project, shot, other_shot = ids
    with psycopg.connect(dsn, autocommit=True) as conn:
        for uid, email in ((user, "me@example.com"), (other, "them@example.com")):
            conn.execute("INSERT INTO users (id, name, email) VALUES (%s, %s, %s)",
                         (uid, email, email))  # fmt: skip
        for pid, owner in ((project, user), (second, user), (other_project, other)):
            conn.execute("INSERT INTO projects (id, name, user_id) VALUES (%s, %s, %s)",
                         (pid, f"p-{pid.hex[:6]}", owner))  # fmt: skip
        for sid, pid in ((shot, project), (other_shot, other_project)):
            conn.execute("INSERT INTO shots (id, name, project_id) VALUES (%s, 'Shot', %s)",
                         (sid, pid))  # fmt: skip
    return Setup(user, project, shot, other_project, other_shot, second)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "assets")
    server: S3Server = request.getfixturevalue("s3_server")
    return server.storage(server.new_bucket())


@pytest.fixture
def setup(db_dsn: str) -> Setup:
    return make_setup(db_dsn)


@pytest.fixture
def cli_setup(db_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    """The rows of ``make_setup``, with the in-process CLI's environment pointed at them: the
    database, its user, a local asset folder."""
    setup = make_setup(db_dsn)
    monkeypatch.setenv("WORKBENCH_DSN", db_dsn)
    monkeypatch.setenv("WORKBENCH_USER_ID", str(setup.user))
    monkeypatch.setenv("WORKBENCH_ASSETS_DIR", str(tmp_path / "assets"))
    return setup


@pytest.fixture
def wb(db_dsn: str, setup: Setup, store: Storage) -> Iterator[Workbench]:
    with connect(db_dsn, storage=store, user_id=setup.user) as workbench:
        yield workbench
