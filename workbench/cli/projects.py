"""``workbench projects``: the projects and shots the configured user sees, with the ids the
other subcommands accept in place of names."""

from __future__ import annotations

import argparse

from workbench.cli.output import print_json


def run(args: argparse.Namespace) -> int:
    from workbench.startup import connect

    with connect() as wb:
        if args.json:
            print_json([vars(p) for p in wb.projects()])
            return 0
        for summary in wb.overview():  # projects with their shots: one round trip
            project = summary.project
            print(
                f"{project.name}  ({project.aspect_ratio or '?'}, {len(summary.shots)} shots)  "
                f"{project.id}"
            )
            for entry in summary.shots:
                print(f"    {entry.shot.position:>3}  {entry.shot.name}  {entry.shot.id}")
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("projects", help="list your projects and their shots")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)
