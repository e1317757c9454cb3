"""`workbench settings show|set|reset`: a tool's settings at a scope, from the shell."""

from __future__ import annotations

import argparse
import json
from typing import Any

from workbench.cli_support import find_shot, print_json


def cmd_settings(args: argparse.Namespace) -> int:
    from workbench.errors import ValidationError
    from workbench.startup import connect

    with connect() as wb:
        project = wb.project(args.project) if args.project else None
        shot = find_shot(wb, project, args.shot) if args.shot else None
        if args.settings_command == "show":
            resolved = wb.settings(
                args.tool, project_id=project.id if project else None,
                shot_id=shot.id if shot else None,
            )  # fmt: skip
            if args.json:
                print_json({"tool": args.tool, "values": resolved.values,
                             "provenance": resolved.provenance})  # fmt: skip
                return 0
            width = max((len(path) for path, _, _ in resolved), default=10)
            for path, value, scope in resolved:
                lower = [f"{s} {json.dumps(v)}" for s, v in resolved.overrides(path)]
                overrides = f"  overrides {', '.join(lower)}" if lower else ""
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
            from workbench.settings.resolve import parse_path, parse_value
            from workbench.settings.service import path_patch

            patch = path_patch(parse_path(args.path), parse_value(args.value))
            stored = wb.update_settings(args.scope, target, args.tool, patch)
        else:
            stored = wb.reset_setting(args.scope, target, args.tool, args.path)
        if args.json:
            print_json(stored)
        else:
            print(f"{args.tool} at {args.scope}: {json.dumps(stored)}")
    return 0


def add_settings_parser(sub: Any) -> None:
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
