"""What the benchmarks share: a scratch embedded PostgreSQL holding a migrated database."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from workbench.db import connection, migrate
from workbench.db.embedded import EmbeddedPostgres
from workbench.demo import seed_demo
from workbench.storage import LocalStorage


@contextmanager
def small_demo(generations: int = 12) -> Iterator[tuple[str, LocalStorage]]:
    """(DSN, asset store) of a fresh database holding a small demo, on a durable server (as
    users run it); everything is removed afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg")
        try:
            dsn = connection.ensure_database(server.ensure_running(), "bench")
            storage = LocalStorage(Path(tmp) / "assets")
            with connection.connect(dsn, autocommit=True) as conn:
                migrate.migrate(conn)
                seed_demo(conn, storage, generations=generations, videos=0)
            yield dsn, storage
        finally:
            server.stop()
