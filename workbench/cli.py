"""The ``workbench`` command: a front end for scripts and for setting things up.

Human-readable output by default, ``--json`` where a script would want it; every deliberate
error is one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from workbench.cli_support import print_json
from workbench.errors import WorkbenchError
from workbench.generations_cli import add_generations_parser
from workbench.settings_cli import add_settings_parser


def cmd_config(args: argparse.Namespace) -> int:
    from workbench.config import Config

    config = Config.load()
    rows = list(config.describe())
    if args.json:
        print_json(
            {
                "config_file": str(config.paths.config_file),
                "home": str(config.paths.home) if config.paths.home else None,
                "settings": {k: {"value": v, "source": s} for k, v, s in rows},
            }
        )
        return 0
    home = config.paths.home or "(not set: platform directories)"
    print(f"WORKBENCH_HOME  {home}")
    print(
        f"config file     {config.paths.config_file}"
        f"{'' if config.paths.config_file.is_file() else '  (not present)'}"
    )
    width = max(len(k) for k, _, _ in rows)
    for key, value, source in rows:
        print(f"{key:<{width}}  {value}  [{source}]")
    return 0


def _embedded_server() -> Any:
    from workbench.config import Config
    from workbench.db.embedded import EmbeddedPostgres

    config = Config.load()
    if not config.embedded:
        raise WorkbenchError("a DSN is configured: the embedded database is not in use")
    return EmbeddedPostgres(config.paths.postgres_dir, pg_bin=config.pg_bin)


def cmd_db(args: argparse.Namespace) -> int:
    from workbench.config import Config
    from workbench.db import connection, migrate
    from workbench.db.schema import inspect
    from workbench.startup import resolve_dsn

    if args.db_command == "stop":
        stopped = _embedded_server().stop()
        print("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")
        return 0
    dsn, _ = resolve_dsn(Config.load())
    if args.db_command in ("url", "start"):
        print(dsn)
        return 0
    with connection.connect(dsn, autocommit=True) as conn:
        if args.db_command == "migrate":
            applied = migrate.migrate(conn)
            print("\n".join(f"applied {label}" for label in applied) or "schema is up to date")
        elif args.db_command == "install-extras":
            applied = migrate.install_extras(conn)
            print("\n".join(f"applied {label}" for label in applied) or "extras are up to date")
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


def cmd_demo(args: argparse.Namespace) -> int:
    import time

    from workbench.demo import find_demo_user, remove_demo, seed_demo
    from workbench.startup import connect

    started = time.perf_counter()
    with connect() as wb, wb.pool.connection() as conn:
        if wb.seeded_demo is not None and not args.reset:
            _print_demo(wb.seeded_demo, time.perf_counter() - started)
            return 0
        if args.reset:
            remove_demo(conn)
        elif find_demo_user(conn) is not None:
            print(
                f"the demo is already there (user {find_demo_user(conn)}); "
                f"`workbench demo --reset` recreates it"
            )
            return 0
        summary = seed_demo(conn, wb.storage, seed=args.seed, generations=args.generations)
    _print_demo(summary, time.perf_counter() - started)
    return 0


def _print_demo(summary: Any, seconds: float) -> None:
    print(
        f"demo ready in {seconds:.1f}s: {summary.projects} projects, "
        f"{summary.shots} shots, {summary.generations} generations ({summary.videos} videos), "
        f"{summary.variants} variants, {summary.files} files; user {summary.user_id}"
    )


def cmd_doctor(args: argparse.Namespace) -> int:
    from workbench.doctor import run_checks

    checks = run_checks()
    if args.json:
        print_json([c.as_dict() for c in checks])
    else:
        marks = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": "skip"}
        for check in checks:
            print(f"[{marks[check.status]}] {check.name:<13} {check.detail}")
            if check.fix and check.status != "ok":
                print(f"{'':21}-> {check.fix}")
            elif check.fix:
                print(f"{'':21}   {check.fix}")
    return 1 if any(c.status == "fail" for c in checks) else 0


def cmd_projects(args: argparse.Namespace) -> int:
    from workbench.startup import connect

    with connect() as wb:
        projects = wb.projects()
        if args.json:
            print_json([vars(p) for p in projects])
            return 0
        for project in projects:
            shots = wb.shots(project.id)
            print(
                f"{project.name}  ({project.aspect_ratio or '?'}, {len(shots)} shots)  {project.id}"
            )
            for shot in shots:
                print(f"    {shot.position:>3}  {shot.name}  {shot.id}")
    return 0


def cmd_tui(args: argparse.Namespace) -> int:
    try:
        from workbench.tui.app import run
    except ImportError:
        print("the TUI needs Textual: pip install 'reigh-workbench[tui]'; projects meanwhile:",
              file=sys.stderr)  # fmt: skip
        return cmd_projects(argparse.Namespace(json=False))
    run(project=args.project, shot=args.shot, page_size=args.page_size)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Browse and steer Reigh-style AI image/video projects.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument("--project", help="open the TUI on this project (name or id)")
    parser.add_argument("--shot", help="open the TUI on this shot of --project")
    parser.set_defaults(page_size=50)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "tui",
        help="open the terminal interface (the default command)",
        description="Open the terminal interface on the configured database (the embedded "
        "demo by default). Keys: ? lists them all; ctrl+p opens the command palette.",
    )
    # SUPPRESS: `workbench --project X tui` keeps X (a subparser's default would replace it).
    p.add_argument("--project", default=argparse.SUPPRESS, help="open on this project (name or id)")
    p.add_argument("--shot", default=argparse.SUPPRESS,
                   help="open on this shot of --project (name or id)")  # fmt: skip
    p.add_argument("--page-size", type=int, default=argparse.SUPPRESS,
                   help="tiles per gallery page (default 50)")  # fmt: skip
    p.set_defaults(func=cmd_tui)

    p = sub.add_parser("config", help="print the effective configuration and its sources")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_config)

    p = sub.add_parser("db", help="the database: url, start, stop, migrate, status, install-extras")
    p.add_argument(
        "db_command", choices=["url", "start", "stop", "migrate", "status", "install-extras"]
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("demo", help="create the demo user and projects")
    p.add_argument("--reset", action="store_true", help="delete the demo first, then recreate it")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--generations", type=int, default=600)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("doctor", help="check configuration, database, schema and storage")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_doctor)

    add_settings_parser(sub)
    add_generations_parser(sub)

    from workbench.upload_cli import add_arguments as upload_arguments

    p = sub.add_parser("upload", help="upload images, videos or LoRA files to a project")
    upload_arguments(p)

    p = sub.add_parser("projects", help="list your projects and their shots")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_projects)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(message)s",
        stream=sys.stderr,
    )
    func: Callable[[argparse.Namespace], int] = getattr(args, "func", None) or cmd_tui
    try:
        return func(args)
    except WorkbenchError as exc:
        print(f"workbench: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `workbench generations export | head`: the reader left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
