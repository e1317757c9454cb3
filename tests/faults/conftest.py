"""A PostgreSQL server of their own for the fault tests, which stop and restart it.

The session's server (tests/conftest.py) is shared by every test in the process; a test that
takes the database down needs one nobody else uses. Each module gets one (initdb costs a few
seconds), migrated once; each test gets a fresh database on it, copied from that template.
The server is started again after every test, whatever the test did to it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import sql
from upload_setup import Setup, make_setup

from workbench.db import connection, migrate
from workbench.db.embedded import EmbeddedPostgres

TEMPLATE = "faults_template"


@dataclass
class FaultServer:
    """A private embedded server: ``stop()`` takes it down, ``start()`` brings it back with
    the same socket folder, so DSNs made before the outage work after it."""

    server: EmbeddedPostgres
    dsn: str  # its ``postgres`` database

    def stop(self) -> None:
        self.server.stop()

    def start(self) -> None:
        self.server.ensure_running()

    def fresh_database(self) -> str:
        name = f"f_{uuid.uuid4().hex[:12]}"
        return connection.ensure_database(self.dsn, name, template=TEMPLATE)


@pytest.fixture(scope="module")
def fault_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultServer]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg-faults") / "postgres", fast=True)
    dsn = server.ensure_running()
    template = connection.ensure_database(dsn, TEMPLATE)
    with psycopg.connect(template, autocommit=True) as conn:
        migrate.migrate(conn)
    yield FaultServer(server, dsn)
    server.stop()


@pytest.fixture
def fault_dsn(fault_pg: FaultServer) -> Iterator[str]:
    """A database with the workbench schema on the module's private server."""
    dsn = fault_pg.fresh_database()
    yield dsn
    fault_pg.start()  # whatever the test did to the server
    with psycopg.connect(fault_pg.dsn, autocommit=True) as conn:
        name = psycopg.conninfo.conninfo_to_dict(dsn)["dbname"]
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def setup(fault_dsn: str) -> Setup:
    """A user with a project (five images) and a shot."""
    found = make_setup(fault_dsn)
    with psycopg.connect(fault_dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO generations (project_id, type, location) "
            "SELECT %s, 'image', 'file:///x/' || n FROM generate_series(1, 5) n",
            (found.project,),
        )
    return found
