"""The ``workbench`` command: a front end for scripts and for setting things up.

Human-readable output by default, ``--json`` where a script would want it; every deliberate
error is one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from workbench.errors import WorkbenchError


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def cmd_config(args: argparse.Namespace) -> int:
    from workbench.config import Config

    config = Config.load()
    rows = list(config.describe())
    if args.json:
        _print_json(
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
                _print_json(
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
        _print_json([c.as_dict() for c in checks])
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
            _print_json([vars(p) for p in projects])
            return 0
        for project in projects:
            shots = wb.shots(project.id)
            print(
                f"{project.name}  ({project.aspect_ratio or '?'}, {len(shots)} shots)  {project.id}"
            )
            for shot in shots:
                print(f"    {shot.position:>3}  {shot.name}  {shot.id}")
    return 0


def _parse_value(text: str) -> Any:
    """JSON when it parses (numbers, true, null, [..], {..}), else the text itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def cmd_settings(args: argparse.Namespace) -> int:
    from workbench.errors import ValidationError
    from workbench.startup import connect

    with connect() as wb:
        project = wb.project(args.project) if args.project else None
        shot = _find_shot(wb, project, args.shot) if args.shot else None
        if args.settings_command == "show":
            resolved = wb.settings(
                args.tool, project_id=project.id if project else None,
                shot_id=shot.id if shot else None,
            )  # fmt: skip
            if args.json:
                _print_json({"tool": args.tool, "values": resolved.values,
                             "provenance": resolved.provenance})  # fmt: skip
                return 0
            width = max((len(path) for path, _, _ in resolved), default=10)
            for path, value, scope in resolved:
                lower = [f"{s} {json.dumps(v)}" for s, v in resolved.candidates(path)[:-1]]
                overrides = f"  overrides {', '.join(lower[::-1])}" if lower else ""
                print(f"{path:<{width}}  {json.dumps(value):<24} [{scope}]{overrides}")
            return 0
        targets = {"user": wb.user_id, "project": project.id if project else None,
                   "shot": shot.id if shot else None}  # fmt: skip
        target = targets.get(args.scope)
        if target is None:
            raise ValidationError(f"--scope {args.scope} needs --{args.scope}")
        if args.settings_command == "set":
            if args.value is None:
                raise ValidationError("settings set needs a VALUE")
            from workbench.settings.resolve import parse_path
            from workbench.settings.service import path_patch

            patch = path_patch(parse_path(args.path), _parse_value(args.value))
            stored = wb.update_settings(args.scope, target, args.tool, patch)
        else:
            stored = wb.reset_setting(args.scope, target, args.tool, args.path)
        if args.json:
            _print_json(stored)
        else:
            print(f"{args.tool} at {args.scope}: {json.dumps(stored)}")
    return 0


def _filters_from(args: argparse.Namespace) -> dict[str, Any]:
    from datetime import datetime

    def when(text: str | None) -> datetime | None:
        if text is None:
            return None
        value = datetime.fromisoformat(text)
        return value if value.tzinfo else value.astimezone()

    return {
        "media_type": args.type, "tool_type": args.tool, "search": args.search,
        "starred": True if args.starred else None, "in_no_shot": args.no_shot,
        "unpositioned": args.unpositioned, "edits_only": args.edits,
        "created_after": when(args.after), "created_before": when(args.before),
        "sort": "oldest" if args.oldest else "newest",
    }  # fmt: skip


def _generation_row(item: Any) -> dict[str, Any]:
    return {
        "id": str(item.id), "type": item.type, "starred": item.starred,
        "created_at": item.created_at.isoformat(), "tool_type": item.tool_type,
        "prompt": item.prompt, "location": item.location, "thumbnail_url": item.thumbnail_url,
        "variants": item.variant_count, "unviewed_variants": item.unviewed_variant_count,
        "shots": [str(s) for s in item.shot_ids], "timeline_frame": item.timeline_frame,
        "based_on": str(item.based_on) if item.based_on else None,
    }  # fmt: skip


def cmd_generations(args: argparse.Namespace) -> int:
    from workbench.errors import ValidationError
    from workbench.startup import connect

    with connect() as wb:
        if not args.project and not args.shot:
            raise ValidationError("name a --project (and optionally a --shot)")
        project = wb.project(args.project) if args.project else None
        shot = _find_shot(wb, project, args.shot) if args.shot else None
        filters = _filters_from(args)
        if args.export:
            items = wb.iter_generations(project and project.id, shot and shot.id, filters=filters)
            return _export(items, args.format)
        page = wb.generations(
            project and project.id, shot and shot.id, filters=filters, limit=args.limit,
            page=args.page,
        )  # fmt: skip
        if args.json:
            _print_json({
                "page": page.page, "pages": page.pages, "total": page.total,
                "total_exact": page.total_exact, "next_cursor": page.next_cursor,
                "items": [_generation_row(item) for item in page],
            })  # fmt: skip
            return 0
        print(f"page {page.page} of {page.pages} · {page.total_label} generations "
              f"({page.filters.describe()})")  # fmt: skip
        for item in page:
            star = "★" if item.starred else " "
            frame = "" if item.timeline_frame is None else f"@{item.timeline_frame:<5}"
            prompt = (item.prompt or "")[:60]
            print(f"{star} {item.type or '?':<5} {frame}{item.created_at:%Y-%m-%d %H:%M}  "
                  f"{(item.tool_type or ''):<22} {prompt}  {item.id}")  # fmt: skip
    return 0


def _export(items: Any, kind: str) -> int:
    """Stream rows to stdout as they arrive: memory stays flat for any project size."""
    import csv

    count = 0
    if kind == "jsonl":
        for item in items:
            sys.stdout.write(json.dumps(_generation_row(item)) + "\n")
            count += 1
    else:
        writer: Any = None
        for item in items:
            row = _generation_row(item)
            row["shots"] = " ".join(row["shots"])
            if writer is None:
                writer = csv.DictWriter(sys.stdout, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
            count += 1
    print(f"exported {count} generations", file=sys.stderr)
    return 0


def _find_shot(wb: Any, project: Any, ref: str) -> Any:
    from workbench.errors import NotFoundError, ValidationError

    if project is None:
        raise ValidationError("--shot needs --project (a project name or id)")
    shots = wb.shots(project.id)
    for shot in shots:
        if ref in (shot.name, str(shot.id)):
            return shot
    raise NotFoundError(f"no shot {ref!r} in project {project.name!r}")


def _add_generations_parser(sub: Any) -> None:
    p = sub.add_parser("generations", help="list a project's or shot's generations, or export")
    p.add_argument("export", nargs="?", choices=["export"], help="stream every match instead")
    p.add_argument("--project", help="project name or id")
    p.add_argument("--shot", help="shot name or id (within --project): timeline order")
    p.add_argument("--type", choices=["image", "video"])
    p.add_argument("--tool", help="tool type, e.g. image-generation")
    p.add_argument("--search", help="text in the prompt")
    p.add_argument("--starred", action="store_true")
    p.add_argument("--no-shot", action="store_true", help="only generations in no shot")
    p.add_argument("--unpositioned", action="store_true")
    p.add_argument("--edits", action="store_true", help="only edits of other generations")
    p.add_argument("--after", help="created at or after (ISO date/time)")
    p.add_argument("--before", help="created before (ISO date/time)")
    p.add_argument("--oldest", action="store_true", help="oldest first")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--page", type=int, default=None)
    p.add_argument("--json", action="store_true")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--csv", dest="format", action="store_const", const="csv")
    fmt.add_argument("--jsonl", dest="format", action="store_const", const="jsonl")
    p.set_defaults(func=cmd_generations, format="csv")


def cmd_tui(args: argparse.Namespace) -> int:
    try:
        from workbench.tui.app import run
    except ImportError:
        print("the TUI needs Textual: pip install 'reigh-workbench[tui]'; projects meanwhile:",
              file=sys.stderr)  # fmt: skip
        return cmd_projects(argparse.Namespace(json=False))
    run(project=args.project, shot=args.shot, page_size=getattr(args, "page_size", 50))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Browse and steer Reigh-style AI image/video projects.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument("--project", help="open the TUI on this project (name or id)")
    parser.add_argument("--shot", help="open the TUI on this shot of --project")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "tui",
        help="open the terminal interface (the default command)",
        description="Open the terminal interface on the configured database (the embedded "
        "demo by default). Keys: ? lists them all; ctrl+p opens the command palette.",
    )
    p.add_argument("--project", help="open on this project (name or id)")
    p.add_argument("--shot", help="open on this shot of --project (name or id)")
    p.add_argument("--page-size", type=int, default=50, help="tiles per gallery page")
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

    p = sub.add_parser("settings", help="show, set or reset a tool's settings at a scope")
    p.add_argument("settings_command", choices=["show", "set", "reset"])
    p.add_argument("tool", help="tool id, e.g. travel-between-images")
    p.add_argument("path", nargs="?", help="field path for set/reset, e.g. amountOfMotion")
    p.add_argument("value", nargs="?", help="JSON value for set (plain text is a string)")
    p.add_argument("--project", help="project name or id")
    p.add_argument("--shot", help="shot name or id (within --project)")
    p.add_argument("--scope", choices=["user", "project", "shot"], default="shot")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_settings)

    _add_generations_parser(sub)

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
