"""``workbench projects``: the projects and shots the configured user sees, with the ids the
other subcommands accept in place of names."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from workbench.cli.output import connect, print_json, safe

if TYPE_CHECKING:
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


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("projects", help="list your projects and their shots")
    p.add_argument("--json", action="store_true", help="projects with their shots and counts")
    p.set_defaults(func=run)
