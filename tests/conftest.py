"""Shared fixtures: one real PostgreSQL per test process, a fresh database per test.

The server is the workbench's own embedded PostgreSQL (the same code users run), in fast
(non-durable) mode. Each test gets its own database, copied from a migrated template, so
tests never see each other's rows and a copy costs milliseconds.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from workbench.client import Workbench
from workbench.config import SETTINGS, Config
from workbench.db import connection, migrate
from workbench.db.embedded import EmbeddedPostgres
from workbench.demo import seed_demo
from workbench.startup import connect
from workbench.storage import LocalStorage

# tests/s3_server.py: the real S3 server (SeaweedFS); tests/upload_setup.py: shared rows, stores;
# tests/browser/lab.py: JupyterLab and Chromium for the notebook end-to-end tests;
# tests/settings_cli.py: ``workbench settings ...`` run in this process
pytest_plugins = ["s3_server", "upload_setup", "browser.lab", "settings_cli"]

TEMPLATE = "wb_template"
DEMO_TEMPLATE = "wb_demo_template"
DEMO_GENERATIONS = 60


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No test reads the developer's configuration or writes outside its tmp dir."""
    for setting in SETTINGS:
        monkeypatch.delenv(setting.env, raising=False)
    monkeypatch.delenv("WORKBENCH_CONFIG", raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """DSN of the session's server (its ``postgres`` database)."""
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg") / "postgres", fast=True)
    dsn = server.ensure_running()
    yield dsn
    server.stop()


@pytest.fixture(scope="session")
def template_db(pg_server: str) -> str:
    dsn = connection.ensure_database(pg_server, TEMPLATE)
    with psycopg.connect(dsn, autocommit=True) as conn:
        migrate.migrate(conn)
    return TEMPLATE


@pytest.fixture(scope="session")
def demo_assets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo-assets")


@pytest.fixture(scope="session")
def demo_template(pg_server: str, template_db: str, demo_assets: Path) -> str:
    """A template holding a small demo (60 generations), its media in ``demo_assets``."""
    dsn = connection.ensure_database(pg_server, DEMO_TEMPLATE, template=template_db)
    with psycopg.connect(dsn, autocommit=True) as conn:
        seed_demo(conn, LocalStorage(demo_assets), generations=DEMO_GENERATIONS, videos=2)
    return DEMO_TEMPLATE


def _fresh_database(server_dsn: str, template: str | None) -> Iterator[str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    dsn = connection.ensure_database(server_dsn, name, template=template)
    yield dsn
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def empty_dsn(pg_server: str) -> Iterator[str]:
    """A database with nothing in it."""
    yield from _fresh_database(pg_server, None)


@pytest.fixture
def db_dsn(pg_server: str, template_db: str) -> Iterator[str]:
    """A database with the workbench schema and no rows."""
    yield from _fresh_database(pg_server, template_db)


@pytest.fixture
def demo_dsn(pg_server: str, demo_template: str) -> Iterator[str]:
    """A database holding the small demo."""
    yield from _fresh_database(pg_server, demo_template)


@pytest.fixture
def conn(db_dsn: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(db_dsn, autocommit=True) as c:
        yield c


@pytest.fixture
def demo_wb(demo_dsn: str, demo_assets: Path) -> Iterator[Workbench]:
    with connect(demo_dsn, storage=LocalStorage(demo_assets)) as wb:
        yield wb


def make_config(**overrides: object) -> Config:
    return Config.load(overrides, env=dict(os.environ))
