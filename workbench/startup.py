"""Starting a workbench: find or start the database, check its schema, pick the user.

``connect()`` is the one way in (``workbench.connect``): it starts the embedded PostgreSQL when
no DSN is configured, creates or upgrades the schema only in a database the workbench owns,
creates the demo on the very first start, and refuses anything it cannot work with, in one
line that says what to do.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg_pool import ConnectionPool

from workbench.client import Workbench
from workbench.config import Config
from workbench.db import connection, migrate
from workbench.db.embedded import EmbeddedPostgres
from workbench.db.schema import SchemaInfo, inspect
from workbench.errors import NotFoundError, SchemaError
from workbench.storage import Storage, from_config

if TYPE_CHECKING:
    from workbench.demo import DemoSummary

EMBEDDED_DATABASE = "workbench"


def resolve_user(conn: psycopg.Connection[Any], configured: uuid.UUID | None) -> uuid.UUID | None:
    """The configured user (which must exist), else the only user, else None."""
    if configured is not None:
        if not conn.execute("SELECT 1 FROM users WHERE id = %s", (configured,)).fetchone():
            raise NotFoundError(
                f"the configured user {configured} does not exist in the database "
                f"(check WORKBENCH_USER_ID)"
            )
        return configured
    rows = conn.execute("SELECT id FROM users LIMIT 2").fetchall()
    return uuid.UUID(str(rows[0][0])) if len(rows) == 1 else None


def _prepare_schema(pool: ConnectionPool, *, owned: bool) -> tuple[SchemaInfo, bool]:
    """Check (and, for the embedded database, create or upgrade) the schema.

    Returns the schema and whether it was just created from nothing.
    """
    with pool.connection() as conn:
        info = inspect(conn)
        migrate.check_known_version(info)
        if info.kind == "unknown":
            raise SchemaError(migrate.unknown_schema_message(info))
        behind = info.kind == "ours" and any(
            info.applied.get(t, 0) < migrate.latest(t) for t in migrate.TRACKS
        )
        if owned and (info.kind == "empty" or behind):
            applied = migrate.migrate(conn)
            return inspect(conn), info.kind == "empty" and bool(applied)
        if info.kind == "empty":
            raise SchemaError(
                "the database is empty: run `workbench db migrate` to create the "
                "Reigh-compatible tables, or point WORKBENCH_DSN at a Reigh database"
            )
        if behind:
            raise SchemaError(
                f"the database schema is older than this workbench ({info.describe()}): "
                f"run `workbench db migrate`"
            )
        return info, False


def resolve_dsn(config: Config) -> tuple[str, EmbeddedPostgres | None]:
    """The DSN to use, starting the embedded server when no DSN is configured."""
    if config.dsn is not None:
        connection.parse_dsn(config.dsn)
        return config.dsn, None
    server = EmbeddedPostgres(config.paths.postgres_dir, pg_bin=config.pg_bin)
    dsn = connection.ensure_database(server.ensure_running(), EMBEDDED_DATABASE)
    return dsn, server


def connect(
    dsn: str | None = None,
    *,
    storage: Storage | str | None = None,
    user_id: uuid.UUID | str | None = None,
    config: Config | None = None,
) -> Workbench:
    """Connect to the configured database (the embedded one when none is configured).

    The first start of the embedded database creates the schema and the demo project.
    """
    overrides: dict[str, object | None] = {"database.dsn": dsn, "user.id": user_id}
    if isinstance(storage, str):
        overrides["storage.backend"] = storage
    config = config or Config.load(overrides)
    url, server = resolve_dsn(config)
    pool = connection.open_pool(url)
    seeded: DemoSummary | None = None
    try:
        info, fresh = _prepare_schema(pool, owned=server is not None)
        store = (
            storage if storage is not None and not isinstance(storage, str) else from_config(config)
        )
        with pool.connection() as conn:
            if fresh and server is not None:
                from workbench.demo import seed_demo

                seeded = seed_demo(conn, store)
            user = resolve_user(conn, config.user_id)
    except BaseException:
        pool.close()
        raise
    wb = Workbench(
        config=config, pool=pool, schema=info, storage=store, user_id=user, server=server
    )
    wb.seeded_demo = seeded
    return wb
