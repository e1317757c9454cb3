"""``workbench settings history|restore|diff``: what was written when (and going back to before
it), and how two targets' settings differ, with the scope each value comes from.

Kept beside ``cli/settings.py`` (which parses the ``settings`` command and hands these three
over) so the command's other subcommands and these can change independently.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from workbench.cli.output import confirm, connect, print_json, safe

if TYPE_CHECKING:
    from workbench.client import Workbench
    from workbench.projects import Place

COMMANDS = ("history", "restore", "diff")


class EachValue(argparse.Action):
    """``--project``/``--shot`` as the other subcommands read them (the last one given), and
    every one given, in order, in ``sides`` (``diff`` compares them; a bare ``--project``
    is None there: the shot's own project)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        sides = list(getattr(namespace, "sides", None) or [])
        sides.append((self.dest, values))
        namespace.sides = sides
        if values is not None:
            setattr(namespace, self.dest, values)


def run(args: argparse.Namespace) -> int:
    with connect() as wb:  # a first start says what it does on stderr meanwhile
        if args.settings_command == "history":
            return _history(wb, args)
        if args.settings_command == "restore":
            return _restore(wb, args)
        return _diff(wb, args)


def _place(wb: Workbench, args: argparse.Namespace) -> Place | None:
    return wb.find(args.project, args.shot) if args.project or args.shot else None


def _history(wb: Workbench, args: argparse.Namespace) -> int:
    from workbench.views.settings_history import WHERE_STORED, change_text, target_text, when_text

    place = _place(wb, args)
    project, shot = (place.project, place.shot) if place else (None, None)
    entries = wb.settings_history(
        args.tool, project_id=project.id if project else None,
        shot_id=shot.id if shot else None, limit=args.limit, inherited=not args.own,
    )  # fmt: skip
    if args.json:
        print_json([e.to_json() for e in entries])
        return 0
    names = {r.id: r.name for r in (project, shot) if r is not None}
    print(f"{safe(args.tool)}: {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}, "
          f"newest first ({WHERE_STORED[wb.settings_history_service.stored]})")  # fmt: skip
    for entry in entries:
        where = target_text(entry.scope, names.get(entry.target_id))
        note = f"  ({entry.note})" if entry.note else ""
        print(f"#{entry.id:<5} {when_text(entry.at)}  [{safe(where)}]{safe(note)}")
        for change in entry.changes:
            print(f"       {safe(change_text(change))}")
    return 0


def _restore(wb: Workbench, args: argparse.Namespace) -> int:
    from workbench.errors import ConflictError
    from workbench.views.settings_history import change_text, restore_confirmation, restored_text

    history = wb.settings_history_service
    plan = history.plan(args.tool)  # the positional holds the entry's number here
    if plan.changes and plan.conflicts and not args.force:
        fields = ", ".join(c.path for c in plan.conflicts)
        raise ConflictError(
            f"{fields} changed since entry {plan.entry.id}: nothing was changed; add --force "
            f"to overwrite the newer value(s)"
        )
    if plan.changes:
        confirm(restore_confirmation(plan), args.yes)
        plan = wb.restore_settings(plan.entry.id, force=args.force)
    if args.json:
        print_json(plan.to_json())
    else:
        print(safe(restored_text(plan)))
        for change in plan.changes if plan.written else ():
            print(f"  {safe(change_text(change))}")
    return 0


def _diff(wb: Workbench, args: argparse.Namespace) -> int:
    from workbench.errors import ValidationError
    from workbench.views.settings_history import diff_summary, value_text

    sides = list(getattr(args, "sides", None) or [])
    shots = [v for kind, v in sides if kind == "shot" and v is not None]
    projects = [v for kind, v in sides if kind == "project" and v is not None]
    if len(shots) > 2 or len(projects) > 2 or (shots and len(projects) > 1):
        raise ValidationError(
            "settings diff compares two targets: --shot A --shot B, --shot A (against its "
            "project), or --project P --project Q"
        )
    context = projects[0] if shots and projects else None
    if shots:
        a: Any = wb.find(context, shots[0]).shot
        b: Any = wb.find(context, shots[1]).shot if len(shots) == 2 else None
    elif projects:
        a = wb.project(projects[0])
        b = wb.project(projects[1]) if len(projects) == 2 else None
    else:
        raise ValidationError("settings diff needs --shot or --project (see --help)")
    diff = wb.settings_diff(args.tool, a, b)
    if args.json:
        print_json(diff.to_json())
        return 0
    print(safe(diff_summary(diff)))
    if not diff.fields:
        return 0
    rows = [
        (safe(f.path), safe(f"{value_text(f.a)} [{f.a_scope or '-'}]"),
         safe(f"{value_text(f.b)} [{f.b_scope or '-'}]"))
        for f in diff.fields
    ]  # fmt: skip
    header = ("field", safe(diff.a.name), safe(diff.b.name))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(2)]
    for row in [header, *rows]:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}")
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options only these subcommands read (``--json``, ``--yes``, ``--force`` and the
    targets are the ``settings`` command's own)."""
    p.add_argument("--limit", type=int, default=20, help="history: at most N entries")
    p.add_argument("--own", action="store_true",
                   help="history: the target's own writes only, not its project's and "
                   "user's")  # fmt: skip
