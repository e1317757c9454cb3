"""``workbench resources list|add-lora``: your LoRAs, and adding one to a tool's LoRA list.

``list`` prints your LoRAs newest first (``--json``: every field and the whole metadata).
``add-lora`` adds one (by id, or the exact name of one of yours) to a tool's LoRA list as
Reigh stores the entry, at the scope named: ``--shot`` (within ``--project``), ``--project``
or ``--user``. The list it joins is the one that target resolves to, so inherited LoRAs stay.
A LoRA already there gets the new ``--strength``. ``workbench undo`` takes an add back.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from workbench.cli.output import connect, print_json, safe

if TYPE_CHECKING:
    from workbench.client import Workbench


def run(args: argparse.Namespace) -> int:
    """Run the subcommand named on the command line."""
    with connect() as wb:
        if args.resources_command == "list":
            return _list(wb, args)
        return _add(wb, args)


def _list(wb: Workbench, args: argparse.Namespace) -> int:
    from workbench.views.resources import COLUMNS, LoraRow

    resources = wb.resources(args.type)
    if args.json:
        print_json([r.to_json() for r in resources])
        return 0
    if not resources:
        print(f"no {safe(args.type)} resources of yours yet")
        return 0
    header = ("id", *COLUMNS[:-1])
    rows = [(str(r.id), *LoraRow.of(r).cells[:-1]) for r in resources]
    widths = [max(len(safe(row[i])) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print("  ".join(safe(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
              .rstrip())  # fmt: skip
    return 0


def _add(wb: Workbench, args: argparse.Namespace) -> int:
    from workbench.errors import ValidationError
    from workbench.views.resources import added_text, where_text

    if args.user and (args.shot or args.project):
        raise ValidationError("--user adds at the user's settings: no --shot or --project")
    if not (args.user or args.shot or args.project):
        raise ValidationError("say where the LoRA goes: --shot S [--project P], --project P or "
                              "--user")  # fmt: skip
    target: Any = "user"
    where = "user"
    if not args.user:
        place = wb.find(args.project, args.shot)
        target = place.shot or place.project
        where = where_text("shot" if place.shot else "project", target.name)
    entry = wb.add_lora(args.tool, target, args.resource, strength=args.strength)
    if args.json:
        print_json(entry)
    else:
        print(safe(added_text(entry, args.tool, where)))
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``resources list`` and ``resources add-lora``."""
    from workbench.resources import DEFAULT_STRENGTH, LORA_LISTS, RESOURCE_TYPES

    p = sub.add_parser("resources", help="your LoRAs; add one to a tool's LoRA list")
    cmds = p.add_subparsers(dest="resources_command", metavar="SUBCOMMAND", required=True)
    listing = cmds.add_parser("list", help="your LoRAs (or other resources), newest first")
    listing.add_argument("--type", choices=RESOURCE_TYPES, default="lora",
                         help="the resource type (default: lora)")  # fmt: skip
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    listing.set_defaults(func=run)

    add = cmds.add_parser(
        "add-lora", help="add a LoRA to a tool's LoRA list at a shot, a project or the user"
    )
    add.add_argument("resource", metavar="RESOURCE",
                     help="the LoRA's id, or the exact name of one of yours")  # fmt: skip
    add.add_argument("--tool", required=True, choices=list(LORA_LISTS),
                     help="the tool whose LoRA list it joins")  # fmt: skip
    add.add_argument("--shot", help="add at this shot (name or id; within --project)")
    add.add_argument("--project", help="add at this project (or the project of --shot)")
    add.add_argument("--user", action="store_true", help="add at your user settings")
    add.add_argument("--strength", type=float, default=DEFAULT_STRENGTH,
                     help="0 to 2 (default 1)")  # fmt: skip
    add.add_argument("--json", action="store_true", help="print the entry as JSON")
    add.set_defaults(func=run)
