"""Starting a workbench: find or start the database, check its schema, pick the user.

``connect()`` is the one way in (``workbench.connect``): it starts the embedded PostgreSQL when
no DSN is configured, creates or upgrades the schema only in a database the workbench owns,
creates the demo on the very first start, and refuses anything it cannot work with, in one
line that says what to do.
"""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg

from workbench.client import Workbench
from workbench.config import Config
from workbench.db import connection, migrate
from workbench.db.embedded import EmbeddedPostgres
from workbench.db.schema import SchemaInfo, Startup, inspect, inspect_for_startup
from workbench.errors import NotFoundError, SchemaError
from workbench.storage import Storage, from_config

if TYPE_CHECKING:
    from workbench.demo import DemoSummary

EMBEDDED_DATABASE = "workbench"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartupProgress:
    """One step of ``connect()``'s set-up, told to a front end so that it can say why it
    waits: the first start initialises PostgreSQL, creates the schema and draws the demo's
    600 pictures (half a minute on a busy machine), which an unlabelled spinner hides.

    ``step`` says what is happening ("starting PostgreSQL", "creating the demo"); ``done`` of
    ``total`` counts it where it can be counted (``total`` 0: it cannot).
    """

    step: str
    done: int = 0
    total: int = 0

    @property
    def fraction(self) -> float | None:
        """How far a counted step is (0..1), None for a step without a count."""
        return self.done / self.total if self.total else None

    def __str__(self) -> str:
        return f"{self.step}: {self.done} of {self.total}" if self.total else f"{self.step}…"


StartupCallback = Callable[[StartupProgress], None]


def _quiet(_: StartupProgress) -> None:
    """No front end listening."""


def resolve_user(
    conn: psycopg.Connection[Any],
    configured: uuid.UUID | None,
    found: Sequence[Any] | None = None,
) -> uuid.UUID | None:
    """The configured user (which must exist), else the only user, else None. ``found``: the
    user rows ``inspect_for_startup`` read already (then no query is made)."""
    if found is None:
        if configured is not None:
            row = conn.execute("SELECT id FROM users WHERE id = %s", (configured,)).fetchone()
            found = [] if row is None else [row[0]]
        else:
            found = [row[0] for row in conn.execute("SELECT id FROM users LIMIT 2").fetchall()]
    if configured is not None:
        if not found:
            raise NotFoundError(
                f"the configured user {configured} does not exist in the database "
                f"(check WORKBENCH_USER_ID)"
            )
        return configured
    return uuid.UUID(str(found[0])) if len(found) == 1 else None


def _prepare_schema(
    conn: psycopg.Connection[Any],
    startup: Startup,
    *,
    owned: bool,
    progress: StartupCallback = _quiet,
) -> tuple[SchemaInfo, bool]:
    """Check (and, for the embedded database, create or upgrade) the schema ``startup`` read.

    Returns the schema and whether it was just created from nothing.
    """
    info = startup.schema
    migrate.check_known_version(info)
    if info.kind == "unknown":
        raise SchemaError(migrate.unknown_schema_message(info))
    behind = info.kind == "ours" and any(
        info.applied.get(t, 0) < migrate.latest(t) for t in migrate.TRACKS
    )
    if owned and (info.kind == "empty" or behind):
        progress(StartupProgress(
            "creating the database schema" if info.kind == "empty"
            else "upgrading the database schema"
        ))  # fmt: skip
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


def resolve_dsn(
    config: Config, progress: StartupCallback = _quiet
) -> tuple[str, EmbeddedPostgres | None]:
    """The DSN to use, starting the embedded server when no DSN is configured."""
    if config.dsn is not None:
        connection.parse_dsn(config.dsn)
        return config.dsn, None
    server = EmbeddedPostgres(config.paths.postgres_dir, pg_bin=config.pg_bin)
    running = server.ensure_running(lambda step: progress(StartupProgress(step)))
    dsn = connection.ensure_database(running, EMBEDDED_DATABASE)
    return dsn, server


def connect(
    dsn: str | None = None,
    *,
    storage: Storage | str | None = None,
    user_id: uuid.UUID | str | None = None,
    config: Config | None = None,
    progress: StartupCallback | None = None,
) -> Workbench:
    """Connect to the configured database (the embedded one when none is configured).

    The first start of the embedded database creates the schema and the demo project;
    ``progress`` hears each slow step as it starts (a ``StartupProgress``; the demo's count
    after each of its generations), from the calling thread. Nothing is told when there is
    nothing slow to do.
    """
    tell = progress or _quiet
    overrides: dict[str, object | None] = {"database.dsn": dsn, "user.id": user_id}
    if isinstance(storage, str):
        overrides["storage.backend"] = storage
    config = config or Config.load(overrides)
    url, server = resolve_dsn(config, tell)
    pool = connection.open_pool(url, timeout=config.db_timeout)
    seeded: DemoSummary | None = None
    try:
        store = (
            storage if storage is not None and not isinstance(storage, str) else from_config(config)
        )
        # One connection, and usually one statement: the schema and the users together
        # (``inspect_for_startup``); what the schema check changes is read again.
        with pool.connection() as conn:
            startup = inspect_for_startup(conn, config.user_id)
            info, fresh = _prepare_schema(conn, startup, owned=server is not None, progress=tell)
            if fresh and server is not None:
                from workbench.demo import seed_demo

                seeded = seed_demo(conn, store, progress=demo_progress(tell))
            known = startup.users if info is startup.schema else None
            user = resolve_user(conn, config.user_id, known)
    except BaseException:
        pool.close()
        raise
    wb = Workbench(
        config=config, pool=pool, schema=info, storage=store, user_id=user, server=server,
        live_triggers=startup.triggers if info is startup.schema else None,
    )  # fmt: skip
    wb.seeded_demo = seeded
    _replay(wb, progress)
    return wb


def _replay(wb: Workbench, progress: StartupCallback | None) -> None:
    """Write the settings edits an earlier session queued but never wrote, and say so: to a
    front end's ``progress`` (the CLI prints it on stderr), else on stderr. A replay that
    fails keeps the edits for the next start; it never stops this one."""
    try:
        replayed = wb.replay_pending_edits()
    except Exception as exc:  # e.g. an unreadable journal folder: the start goes on
        log.warning("workbench: queued settings edits of an earlier session not replayed: %s", exc)
        return
    if not replayed:
        return
    if progress is not None:
        progress(StartupProgress(replayed.message))
    else:
        print(f"workbench: {replayed.message}", file=sys.stderr, flush=True)


def demo_progress(progress: StartupCallback) -> Callable[[int, int], None]:
    """``seed_demo``'s count as start-up steps ("creating the demo: 120 of 600")."""
    return lambda done, total: progress(StartupProgress("creating the demo", done, total))
