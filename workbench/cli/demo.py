"""``workbench demo``: the demo user and projects, so that the workbench can be tried (and
reset after experiments) without a Reigh database."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def run(args: argparse.Namespace) -> int:
    import time

    from workbench.cli.output import StartupLines, connect
    from workbench.demo import find_demo_user, remove_demo, seed_demo
    from workbench.demo.seed import check_size
    from workbench.startup import demo_progress

    check_size(args.generations)  # before --reset deletes the demo it would replace
    started = time.perf_counter()
    with connect() as wb, wb.pool.connection() as conn:
        if wb.seeded_demo is not None and not args.reset:
            _print_demo(wb.seeded_demo, time.perf_counter() - started)
            return 0
        if args.reset:
            remove_demo(conn)
        elif find_demo_user(conn) is not None:
            print(
                f"the demo is already there (user {find_demo_user(conn)}); "
                f"`workbench demo --reset` recreates it"
            )
            return 0
        lines = StartupLines(sys.stderr)  # half a minute: say how far it is
        try:
            summary = seed_demo(
                conn, wb.storage, seed=args.seed, generations=args.generations,
                progress=demo_progress(lines),
            )  # fmt: skip
        finally:
            lines.finish()
    _print_demo(summary, time.perf_counter() - started)
    return 0


def _print_demo(summary: Any, seconds: float) -> None:
    print(
        f"demo ready in {seconds:.1f}s: {summary.projects} projects, "
        f"{summary.shots} shots, {summary.generations} generations ({summary.videos} videos), "
        f"{summary.variants} variants, {summary.files} files; user {summary.user_id}"
    )


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="create the demo user and projects")
    p.add_argument("--reset", action="store_true", help="delete the demo first, then recreate it")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--generations", type=int, default=600)
    p.set_defaults(func=run)
