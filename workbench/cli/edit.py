"""``workbench delete | star | unstar | remove-from-shot``: the gallery's changes, from a shell.

Deleting a generation and removing one from a shot ask first: ``--yes`` goes ahead, a terminal
prompts, a script without ``--yes`` is refused before anything changes. Every change here is
recorded on this device, so ``workbench undo`` takes it back.
"""

from __future__ import annotations

import argparse

from workbench.cli.output import confirm, connect, print_json, safe
from workbench.ids import as_uuid
from workbench.views.detail import delete_confirmation
from workbench.views.gallery import remove_confirmation


def run_delete(args: argparse.Namespace) -> int:
    gid = as_uuid(args.generation, "generation id")
    with connect() as wb:
        confirm(delete_confirmation(wb.generation_detail(gid)), args.yes)
        wb.delete_generation(gid)
        _done(wb.history()[0].summary(), args.json)
    return 0


def run_star(args: argparse.Namespace) -> int:
    gid = as_uuid(args.generation, "generation id")
    with connect() as wb:
        wb.star(gid, args.starred)
        _done(wb.history()[0].summary(), args.json)
    return 0


def run_remove(args: argparse.Namespace) -> int:
    gid = as_uuid(args.generation, "generation id")
    with connect() as wb:
        place = wb.find(args.project, args.shot)
        assert place.shot is not None  # find() needs a shot here: --shot is required
        item = wb.generation_detail(gid).generation
        confirm(remove_confirmation(item, place.shot.name), args.yes)
        wb.remove_from_shot(place.shot.id, gid)
        _done(wb.history()[0].summary(), args.json)
    return 0


def _done(summary: dict[str, object], as_json: bool) -> None:
    if as_json:
        print_json(summary)
    else:
        print(f"{safe(summary['description'])} (undo with: workbench undo)")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    d = sub.add_parser("delete", help="delete a generation (asks first; undoable)")
    d.add_argument("generation", help="the generation's id")
    d.add_argument("--yes", "-y", action="store_true", help="go ahead without asking")
    d.add_argument("--json", action="store_true", help="the recorded change as JSON")
    d.set_defaults(func=run_delete)

    for name, starred, text in (("star", True, "star"), ("unstar", False, "unstar")):
        s = sub.add_parser(name, help=f"{text} a generation (undoable)")
        s.add_argument("generation", help="the generation's id")
        s.add_argument("--json", action="store_true", help="the recorded change as JSON")
        s.set_defaults(func=run_star, starred=starred)

    r = sub.add_parser(
        "remove-from-shot", help="remove a generation from a shot (asks first; undoable)"
    )
    r.add_argument("generation", help="the generation's id")
    r.add_argument("--shot", required=True, default=argparse.SUPPRESS,
                   help="the shot (name or id)")  # fmt: skip
    r.add_argument("--project", default=argparse.SUPPRESS,
                   help="the shot's project, when its name is not unique")  # fmt: skip
    r.add_argument("--yes", "-y", action="store_true", help="go ahead without asking")
    r.add_argument("--json", action="store_true", help="the recorded change as JSON")
    r.set_defaults(func=run_remove)
