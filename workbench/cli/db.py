"""``workbench db``: the database behind the workbench, for ``psql`` and for setting up a
database (the embedded server's lifetime, the schema and the optional Reigh indexes)."""

from __future__ import annotations

import argparse
from typing import Any

from workbench.cli.output import print_json
from workbench.errors import WorkbenchError


def _embedded_server() -> Any:
    from workbench.config import Config
    from workbench.db.embedded import EmbeddedPostgres

    config = Config.load()
    if not config.embedded:
        raise WorkbenchError("a DSN is configured: the embedded database is not in use")
    return EmbeddedPostgres(config.paths.postgres_dir, pg_bin=config.pg_bin)


def run(args: argparse.Namespace) -> int:
    """Every subcommand answers ``--json`` with one object, as every other command does."""
    import sys

    from workbench.cli.output import StartupLines
    from workbench.config import Config
    from workbench.db import connection, migrate
    from workbench.db.schema import inspect
    from workbench.startup import resolve_dsn

    if args.db_command == "stop":
        stopped = _embedded_server().stop()
        if args.json:
            print_json({"stopped": stopped})
        else:
            print(f"embedded PostgreSQL {'stopped' if stopped else 'was not running'}")
        return 0
    lines = StartupLines(sys.stderr)  # a first `db start` initialises PostgreSQL: say so
    try:
        dsn, server = resolve_dsn(Config.load(), lines)
    finally:
        lines.finish()
    if args.db_command in ("url", "start"):
        if args.json:
            print_json({"dsn": dsn, "embedded": server is not None})
        else:
            print(dsn)
        return 0
    with connection.connect(dsn, autocommit=True) as conn:
        if args.db_command in ("migrate", "install-extras"):
            extras = args.db_command == "install-extras"
            applied = migrate.install_extras(conn) if extras else migrate.migrate(conn)
            if args.json:
                print_json({"applied": list(applied)})
            else:
                done = "extras are up to date" if extras else "schema is up to date"
                print("\n".join(f"applied {label}" for label in applied) or done)
        else:  # status
            info = inspect(conn)
            states = migrate.status(conn)
            if args.json:
                print_json(
                    {
                        "kind": info.kind,
                        "description": info.describe(),
                        "migrations": [
                            {"migration": s.migration.label, "applied_at": s.applied_at}
                            for s in states
                        ],
                    }
                )
                return 0
            print(info.describe())
            for state in states:
                when = (
                    state.applied_at.isoformat(timespec="seconds")
                    if state.applied_at
                    else "pending"
                )
                print(f"  {state.migration.label:<32} {when}")
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="the database: url, start, stop, migrate, status, install-extras")
    p.add_argument(
        "db_command", choices=["url", "start", "stop", "migrate", "status", "install-extras"]
    )
    p.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    p.set_defaults(func=run)
