"""``workbench settings show|set|reset``: a tool's settings at a scope, from the shell, with each
value's scope shown, since an override at another scope is what usually surprises. Writes are
validated (``--force`` overrides), and a reset that reaches beyond the target asks first.

``copy``, ``reset-overrides`` and ``promote`` are the settings workflows
(``workbench.settings.workflows``): each prints its plan (what changes, with scopes), then asks
("Apply? [y/N]" on a terminal; ``--yes`` in a script) and carries out exactly that plan."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workbench.cli import settings_history
from workbench.cli.output import confirm, connect, print_aligned, print_json, safe

if TYPE_CHECKING:
    from workbench.client import Workbench
    from workbench.settings.store import TargetScope
    from workbench.settings.workflows import SettingsPlan

WORKFLOWS = ("copy", "reset-overrides", "promote")


def run(args: argparse.Namespace) -> int:
    if args.settings_command in WORKFLOWS:
        return _workflow(args)
    if args.settings_command in settings_history.COMMANDS:
        return settings_history.run(args)
    with connect() as wb:  # a first start says what it does on stderr meanwhile
        place = wb.find(args.project, args.shot) if args.project or args.shot else None
        project = place.project if place else None
        shot = place.shot if place else None
        if args.settings_command == "show":
            return _show(wb, args, project.id if project else None, shot.id if shot else None)
        return _change(wb, args, project.id if project else None, shot.id if shot else None)


def _show(wb: Workbench, args: argparse.Namespace, project_id: Any, shot_id: Any) -> int:
    """Print the resolved values and their scopes; an unknown tool is refused like a write."""
    wb.settings_service.check_tool(args.tool)
    resolved = wb.settings(args.tool, project_id=project_id, shot_id=shot_id)
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


def _change(wb: Workbench, args: argparse.Namespace, project_id: Any, shot_id: Any) -> int:
    """``set`` and ``reset`` at one scope: ``--scope``, else the narrowest target given (said
    on stderr). Validated before anything is asked or written; ``--force`` writes an unknown
    tool or field anyway (a note says so); a reset of a whole tool or above the narrowest
    target asks first (``--yes`` answers)."""
    from workbench.errors import ValidationError
    from workbench.settings.resolve import parse_path, parse_value, path_patch
    from workbench.settings.validate import ForcedSettingWarning, SettingsRefused
    from workbench.views.settings import is_set, needs_confirmation, reset_confirmation

    own: TargetScope = "shot" if shot_id else "project" if project_id else "user"
    scope: TargetScope = args.scope or own
    if args.scope is None:
        print(f"note: no --scope given: {args.settings_command} at {scope} scope "
              f"(the narrowest target given)", file=sys.stderr)  # fmt: skip
    targets = {"user": wb.user_id, "project": project_id, "shot": shot_id}
    target = targets[scope]
    if target is None:
        raise ValidationError(f"--scope {scope} needs --{scope}")
    service = wb.settings_service
    with warnings.catch_warnings(record=True) as forced:
        warnings.simplefilter("always", ForcedSettingWarning)
        try:
            if args.settings_command == "set":
                if args.path is None or args.value is None:
                    raise ValidationError("settings set needs a PATH and a VALUE")
                patch = path_patch(parse_path(args.path), parse_value(args.value))
                stored = wb.update_settings(scope, target, args.tool, patch, force=args.force)
            else:
                removal = parse_path(args.path) if args.path else ()
                service.validate(scope, target, args.tool, None, removals=[removal],
                                 force=args.force)  # fmt: skip
                resolved = wb.settings(args.tool, project_id=project_id, shot_id=shot_id)
                if not is_set(resolved, args.path, scope):
                    what = safe(args.path or args.tool)
                    print(f"{what} is not set at {scope} scope: nothing to reset")
                    return 0
                if needs_confirmation(args.path, scope, own):
                    shots = service.shots_under(scope, target)
                    question = reset_confirmation(resolved, args.path, scope, own, shots)
                    if question is not None:
                        confirm(question, args.yes)
                stored = wb.reset_setting(scope, target, args.tool, args.path, force=args.force)
        except SettingsRefused as exc:
            raise ValidationError(f"{exc} (nothing was written; --force writes it anyway)") from exc
    notes = {str(w.message) for w in forced if issubclass(w.category, ForcedSettingWarning)}
    for note in sorted(notes):  # a reset is checked twice: before asking, and as it is made
        print(f"note: {safe(note)}", file=sys.stderr)
    if args.json:
        print_json(stored)
    else:
        print(f"{safe(args.tool)} at {scope}: {json.dumps(stored)}")
    return 0


def _workflow(args: argparse.Namespace) -> int:
    """Plan, show, ask, carry out: names are resolved and the plan is made (and validated)
    before anything is asked, and the write carries out exactly the plan shown (a change
    landing meanwhile refuses it, writing nothing)."""
    from workbench.errors import ValidationError

    with connect() as wb:
        tool = args.tool
        if args.settings_command == "copy":
            source, dest = _copy_sides(wb, args)
            fields = args.field or None
            plan = wb.plan_copy_settings(tool, source, dest, fields=fields)
            return _carry_out(args, plan, lambda p: wb.copy_settings(
                tool, source, dest, fields=fields, plan=p))  # fmt: skip
        if args.settings_command == "reset-overrides":
            if args.shot:
                target: Any = wb.find(args.project, args.shot).shot
            elif args.project:
                target = wb.project(args.project)
            else:
                raise ValidationError("settings reset-overrides needs --shot S [--project P], "
                                      "or --project P")  # fmt: skip
            plan = wb.plan_reset_overrides(tool, target)
            return _carry_out(args, plan, lambda p: wb.reset_overrides(tool, target, plan=p))
        shot = wb.find(args.project, args.shot).shot
        plan = wb.plan_promote_setting(tool, shot, args.field_path)
        return _carry_out(
            args, plan, lambda p: wb.promote_setting(tool, shot, args.field_path, plan=p)
        )


def _copy_sides(wb: Workbench, args: argparse.Namespace) -> tuple[Any, Any]:
    """Two shots (``--from-shot``/``--to-shot``, named within ``--project`` if given) or two
    projects (``--from-project``/``--to-project``)."""
    from workbench.errors import ValidationError

    shots = (args.from_shot, args.to_shot)
    projects = (args.from_project, args.to_project)
    if any(shots) and not any(projects) and all(shots):
        return wb.find(args.project, args.from_shot).shot, wb.find(args.project, args.to_shot).shot
    if any(projects) and not any(shots) and all(projects) and not args.project:
        return wb.project(args.from_project), wb.project(args.to_project)
    raise ValidationError(
        "settings copy needs --from-shot A --to-shot B [--project P], or --from-project P "
        "--to-project Q (a shot's settings go to a shot, a project's to a project)"
    )


def _carry_out(
    args: argparse.Namespace, plan: SettingsPlan, execute: Callable[[SettingsPlan], SettingsPlan]
) -> int:
    """Print the plan (its summary and lines, or JSON), ask unless ``--yes``, carry it out.
    ``--json`` prints one document: the plan, with ``applied``."""
    if not args.json:
        print(safe(plan.summary))
        for line in plan.lines():
            print(f"  {safe(line)}")
    elif not plan or not args.yes:
        print_json({**plan.to_json(), "applied": False})
    if not plan:
        return 0
    if not args.yes:
        _confirm(as_json=args.json)
    done = execute(plan)
    if args.json:
        if args.yes:
            print_json({**done.to_json(), "applied": True})
        else:
            print(f"applied: {safe(done.summary)}", file=sys.stderr)
    else:
        print(f"applied: {safe(done.summary)} (undo with: workbench undo)")
    return 0


def _confirm(*, as_json: bool = False) -> None:
    """As ``output.confirm``, after the plan has been printed: a terminal asks "Apply?", a
    script without ``--yes`` is refused before anything is written."""
    from workbench.errors import ValidationError

    if not sys.stdin.isatty():
        raise ValidationError("this needs confirmation: add --yes to go ahead (nothing was "
                              "written)")  # fmt: skip
    try:
        if as_json:  # stdout holds the plan's JSON alone
            print("Apply? [y/N] ", end="", file=sys.stderr, flush=True)
            answer = input()
        else:
            answer = input("Apply? [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        raise ValidationError("cancelled: nothing was changed")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("settings", help="show, set or reset a tool's settings at a scope; "
                       "history, restore, diff; copy, reset-overrides, promote")  # fmt: skip
    verbs = p.add_subparsers(dest="settings_command", metavar="SUBCOMMAND", required=True)
    # The options of show, set, reset, history, restore and diff (they all take them).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("tool", help="tool id, e.g. travel-between-images (restore: the "
                        "history entry's number)")  # fmt: skip
    common.add_argument("path", nargs="?", help="field path for set/reset, e.g. amountOfMotion")
    common.add_argument("value", nargs="?", help="JSON value for set (plain text is a string)")
    # Each value also lands in `sides`, in order: `diff` compares two targets.
    common.add_argument("--project", action=settings_history.EachValue, nargs="?",
                        help="project name or id (diff: bare, the shot's own project)")  # fmt: skip
    common.add_argument("--shot", action=settings_history.EachValue,
                        help="shot name or id (within --project)")  # fmt: skip
    common.add_argument("--scope", choices=["user", "project", "shot"], default=None,
                        help="where set/reset act (default: the narrowest of --shot, "
                        "--project, the user)")  # fmt: skip
    common.add_argument("--json", action="store_true")
    common.add_argument("--yes", action="store_true",
                        help="go ahead without asking (reset of a whole tool or above the "
                        "target, restore)")  # fmt: skip
    common.add_argument("--force", action="store_true",
                        help="set/reset: write an unknown tool or field anyway; restore: "
                        "overwrite fields changed since the entry")  # fmt: skip
    settings_history.add_arguments(common)
    for name, text in (
        ("show", "a tool's effective settings, each value with its scope"),
        ("set", "write one field at one scope (validated)"),
        ("reset", "remove one override (or a whole tool's) at one scope"),
        ("history", "the recorded writes, newest first"),
        ("restore", "go back to before a history entry"),
        ("diff", "compare two targets' resolved settings"),
    ):
        verbs.add_parser(name, parents=[common], help=text)

    def workflow(name: str, text: str) -> argparse.ArgumentParser:
        w = verbs.add_parser(name, help=text, description=text + ". Prints the plan first, "
                             "then asks (a script needs --yes); undoable.")  # fmt: skip
        w.add_argument("--tool", required=True, help="tool id, e.g. travel-between-images")
        w.add_argument("--json", action="store_true",
                       help="the plan as JSON (with --yes: after applying it)")  # fmt: skip
        w.add_argument("--yes", "-y", action="store_true", help="apply without asking")
        return w

    cp = workflow("copy", "copy a tool's settings (or chosen fields) from a shot to a shot, "
                  "or a project to a project, as overrides")  # fmt: skip
    cp.add_argument("--from-shot", help="the source shot (name or id)")
    cp.add_argument("--to-shot", help="the destination shot (name or id)")
    cp.add_argument("--project", help="the project the shots are in (name or id)")
    cp.add_argument("--from-project", help="the source project (name or id)")
    cp.add_argument("--to-project", help="the destination project (name or id)")
    cp.add_argument("--field", action="append", metavar="FIELD",
                    help="copy only this field (a dotted path); repeat for more")  # fmt: skip
    ro = workflow("reset-overrides", "remove every override of a tool at a shot (it inherits "
                  "from its project) or a project (from the user)")  # fmt: skip
    ro.add_argument("--shot", help="the shot (name or id)")
    ro.add_argument("--project", help="the project (of the shot, or itself the target)")
    pr = workflow("promote", "make a shot's override of a field its project's value (the "
                  "shot then inherits it)")  # fmt: skip
    pr.add_argument("--shot", required=True, help="the shot (name or id)")
    pr.add_argument("--project", help="the shot's project (name or id)")
    pr.add_argument("field_path", metavar="FIELD", help="the field, a dotted path")
    p.set_defaults(func=run)
