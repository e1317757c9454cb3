"""``workbench projects``: the projects and shots the configured user sees, with the ids the
other subcommands accept in place of names; ``create``, ``rename`` and ``aspect-ratio`` change
them (each one transaction, undone by ``workbench undo``).

Without a verb it lists, as it always has. Deleting a project is deliberately not offered: it
takes every item, variant and link with it, and this tool only does what it can undo.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from workbench.cli.output import connect, print_json, safe
from workbench.inputs import check_text
from workbench.manage.projects import ASPECT_RATIOS, check_aspect_ratio
from workbench.manage.service import check_name

if TYPE_CHECKING:
    from workbench.client import Workbench
    from workbench.models import Project
    from workbench.projects import ProjectSummary


def as_json(summary: ProjectSummary) -> dict[str, Any]:
    """A project as ``--json`` gives it: what the text lists (its shots, in order, with their
    ids), plus the counts a navigator shows, so a script needs no second command."""
    return {
        **vars(summary.project),
        "counts": vars(summary.counts),
        "shots": [
            {**vars(entry.shot), "counts": {k: v for k, v in vars(entry.counts).items()
                                            if k != "shot_id"}}
            for entry in summary.shots
        ],
    }  # fmt: skip


def run(args: argparse.Namespace) -> int:
    with connect() as wb:
        overview = wb.overview()  # projects with their shots: one round trip
        if args.json:
            print_json([as_json(summary) for summary in overview])
            return 0
        for summary in overview:
            project = summary.project
            shape = safe(project.aspect_ratio or "?")
            print(f"{safe(project.name)}  ({shape}, {len(summary.shots)} shots)  {project.id}")
            for entry in summary.shots:
                print(f"    {entry.shot.position:>3}  {safe(entry.shot.name)}  {entry.shot.id}")
    return 0


def project_json(project: Project) -> dict[str, Any]:
    """A project's record as ``--json`` gives it (``id`` first, for ``jq -r .id``)."""
    return {
        "id": str(project.id), "name": project.name, "user_id": str(project.user_id),
        "aspect_ratio": project.aspect_ratio, "created_at": project.created_at.isoformat(),
    }  # fmt: skip


def _ref(value: str) -> str:
    """A project named on the command line: a NUL byte or a byte that is not UTF-8 is refused
    before the database is started (no length limit: Reigh's names may be longer)."""
    return check_text(value, "a project", len(value))


def _done(wb: Workbench, project: Project, before: int, as_json: bool) -> None:
    """The project (``--json``, with the recorded change) or the change in one line."""
    history = wb.history()
    change = history[0].summary() if len(history) > before else None
    if as_json:
        print_json({**project_json(project), "change": change})
    elif change is None:
        print(f"project '{safe(project.name)}': nothing changed")
    else:
        print(f"{safe(str(change['description']))} (undo with: workbench undo)")


def run_create(args: argparse.Namespace) -> int:
    name = check_name(args.name, "a project's name")
    ratio = None if args.aspect_ratio is None else check_aspect_ratio(args.aspect_ratio)
    like = None if args.like is None else _ref(args.like)
    with connect() as wb:
        before = len(wb.history())
        project = wb.create_project(name, aspect_ratio=ratio, like=like)
        _done(wb, project, before, args.json)
    return 0


def run_rename(args: argparse.Namespace) -> int:
    name = check_name(args.name, "a project's name")
    with connect() as wb:
        project = wb.project(_ref(args.project))
        before = len(wb.history())
        _done(wb, wb.rename_project(project.id, name), before, args.json)
    return 0


def run_aspect_ratio(args: argparse.Namespace) -> int:
    ratio = check_aspect_ratio(args.ratio)
    with connect() as wb:
        project = wb.project(_ref(args.project))
        before = len(wb.history())
        _done(wb, wb.set_aspect_ratio(project.id, ratio), before, args.json)
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``workbench projects`` lists (as before verbs existed); the verbs change projects."""
    p = sub.add_parser("projects", help="list your projects and their shots; create, rename")
    p.add_argument("--json", action="store_true", help="projects with their shots and counts")
    p.set_defaults(func=run)
    verbs = p.add_subparsers(dest="verb", metavar="VERB")
    ratios = ", ".join(ASPECT_RATIOS)

    ls = verbs.add_parser("list", help="your projects and their shots (the default)")
    ls.add_argument("--json", action="store_true", help="projects with their shots and counts")
    ls.set_defaults(func=run)

    cr = verbs.add_parser("create", help='a new project with its "Default Shot"')
    cr.add_argument("name", help="its name")
    cr.add_argument("--aspect-ratio", metavar="W:H",
                    help=f"one of {ratios} or any W:H (default: --like's, else 16:9)")  # fmt: skip
    cr.add_argument("--like", metavar="PROJECT",
                    help="start from this project's aspect ratio and its settings "
                    "(without prompts)")  # fmt: skip
    cr.add_argument("--json", action="store_true", help="the project as JSON")
    cr.set_defaults(func=run_create)

    rn = verbs.add_parser("rename", help="rename a project")
    rn.add_argument("project", help="the project (name or id)")
    rn.add_argument("name", help="its new name")
    rn.add_argument("--json", action="store_true", help="the project as JSON")
    rn.set_defaults(func=run_rename)

    ar = verbs.add_parser("aspect-ratio", help="set a project's aspect ratio")
    ar.add_argument("project", help="the project (name or id)")
    ar.add_argument("ratio", metavar="W:H", help=f"one of {ratios} or any W:H")
    ar.add_argument("--json", action="store_true", help="the project as JSON")
    ar.set_defaults(func=run_aspect_ratio)
