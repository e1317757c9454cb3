"""``workbench settings show|set|reset``: a tool's settings at a scope, from the shell, with each
value's scope shown, since an override at another scope is what usually surprises."""

from __future__ import annotations

import argparse
import json

from workbench.cli.output import print_aligned, print_json


def run(args: argparse.Namespace) -> int:
    from workbench.errors import ValidationError
    from workbench.startup import connect

    with connect() as wb:
        place = wb.find(args.project, args.shot) if args.project or args.shot else None
        project = place.project if place else None
        shot = place.shot if place else None
        if args.settings_command == "show":
            resolved = wb.settings(
                args.tool, project_id=project.id if project else None,
                shot_id=shot.id if shot else None,
            )  # fmt: skip
            if args.json:
                print_json({"tool": args.tool, "values": resolved.values,
                             "provenance": resolved.provenance})  # fmt: skip
                return 0
            rows = []
            for path, value, scope in resolved:
                lower = [f"{s} {json.dumps(v)}" for s, v in resolved.overrides(path)]
                overrides = f"  overrides {', '.join(lower)}" if lower else ""
                rows.append((path, f"{json.dumps(value):<24} [{scope}]{overrides}"))
            print_aligned(rows)
            return 0
        targets = {"user": wb.user_id, "project": project.id if project else None,
                   "shot": shot.id if shot else None}  # fmt: skip
        target = targets.get(args.scope)
        if target is None:
            raise ValidationError(f"--scope {args.scope} needs --{args.scope}")
        if args.settings_command == "set":
            if args.value is None:
                raise ValidationError("settings set needs a VALUE")
            from workbench.settings.resolve import parse_path, parse_value, path_patch

            patch = path_patch(parse_path(args.path), parse_value(args.value))
            stored = wb.update_settings(args.scope, target, args.tool, patch)
        else:
            stored = wb.reset_setting(args.scope, target, args.tool, args.path)
        if args.json:
            print_json(stored)
        else:
            print(f"{args.tool} at {args.scope}: {json.dumps(stored)}")
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("settings", help="show, set or reset a tool's settings at a scope")
    p.add_argument("settings_command", choices=["show", "set", "reset"])
    p.add_argument("tool", help="tool id, e.g. travel-between-images")
    p.add_argument("path", nargs="?", help="field path for set/reset, e.g. amountOfMotion")
    p.add_argument("value", nargs="?", help="JSON value for set (plain text is a string)")
    p.add_argument("--project", help="project name or id")
    p.add_argument("--shot", help="shot name or id (within --project)")
    p.add_argument("--scope", choices=["user", "project", "shot"], default="shot")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)
