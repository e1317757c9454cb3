"""``workbench undo`` and ``workbench history``: the changes recorded on this device.

Every change made through the workbench (from the TUI, a notebook, a script or these
commands) is kept in the device-local state with what undoes it, so ``workbench undo`` in a
new process undoes the last one, whoever made it on this device.
"""

from __future__ import annotations

import argparse

from workbench.cli.output import connect, print_json, safe


def run_undo(args: argparse.Namespace) -> int:
    with connect() as wb:
        change = wb.changes.last(device=True)
        message = wb.undo(force=args.force, device=True)
        if args.json:
            assert change is not None  # undo raised otherwise
            print_json({**change.as_undone().summary(), "message": message})
        else:
            print(safe(message))
    return 0


def run_history(args: argparse.Namespace) -> int:
    with connect() as wb:
        changes = wb.changes.device_history()[: args.limit]
        if args.json:
            print_json([c.summary() for c in changes])
            return 0
        if not changes:
            print("no changes recorded on this device")
        for c in changes:
            when = c.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
            mark = "  (undone)" if c.undone else ""
            print(f"{when}  {c.kind:<16}  {safe(c.description)}{mark}")
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("undo", help="undo the last change recorded on this device")
    p.add_argument("--force", action="store_true",
                   help="undo even if it overwrites a newer change made elsewhere")  # fmt: skip
    p.add_argument("--json", action="store_true", help="the undone change as JSON")
    p.set_defaults(func=run_undo)

    h = sub.add_parser("history", help="the changes recorded on this device, newest first")
    h.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    h.add_argument("--json", action="store_true", help="as JSON: id, at, kind, description, undone")
    h.set_defaults(func=run_history)
