"""``workbench settings show|set|reset``: a tool's settings at a scope, from the shell, with each
value's scope shown, since an override at another scope is what usually surprises. Writes are
validated (``--force`` overrides), and a reset that reaches beyond the target asks first."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from typing import TYPE_CHECKING, Any

from workbench.cli import settings_history
from workbench.cli.output import confirm, connect, print_aligned, print_json, safe

if TYPE_CHECKING:
    from workbench.client import Workbench
    from workbench.settings.store import TargetScope


def run(args: argparse.Namespace) -> int:
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


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("settings", help="show, set or reset a tool's settings at a scope; "
                       "history, restore, diff")  # fmt: skip
    p.add_argument("settings_command",
                   choices=["show", "set", "reset", *settings_history.COMMANDS])  # fmt: skip
    p.add_argument("tool", help="tool id, e.g. travel-between-images (restore: the history "
                   "entry's number)")  # fmt: skip
    p.add_argument("path", nargs="?", help="field path for set/reset, e.g. amountOfMotion")
    p.add_argument("value", nargs="?", help="JSON value for set (plain text is a string)")
    # Each value also lands in `sides`, in order: `diff` compares two targets.
    p.add_argument("--project", action=settings_history.EachValue, nargs="?",
                   help="project name or id (diff: bare, the shot's own project)")  # fmt: skip
    p.add_argument("--shot", action=settings_history.EachValue,
                   help="shot name or id (within --project)")  # fmt: skip
    p.add_argument("--scope", choices=["user", "project", "shot"], default=None,
                   help="where set/reset act (default: the narrowest of --shot, --project, "
                   "the user)")  # fmt: skip
    p.add_argument("--json", action="store_true")
    p.add_argument("--yes", action="store_true",
                   help="go ahead without asking (reset of a whole tool or above the target, "
                   "restore)")  # fmt: skip
    p.add_argument("--force", action="store_true",
                   help="set/reset: write an unknown tool or field anyway; restore: overwrite "
                   "fields changed since the entry")  # fmt: skip
    settings_history.add_arguments(p)
    p.set_defaults(func=run)
