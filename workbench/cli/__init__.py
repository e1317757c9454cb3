"""The ``workbench`` command: a front end for scripts and for setting things up.

Human-readable output by default, ``--json`` where a script would want it; every deliberate
error is one line on stderr and exit status 1. Each command lives in its own module with an
``add_parser(sub)``; this module only assembles them and runs the chosen one.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from workbench.cli import (
    changes,
    config,
    db,
    demo,
    doctor,
    download,
    edit,
    generations,
    projects,
    resources,
    settings,
    shots,
    tui,
    upload,
    variants,
)
from workbench.cli.output import print_error
from workbench.errors import WorkbenchError

# In the order `workbench --help` lists them.
COMMANDS = (
    tui, config, db, demo, doctor, settings, generations, upload, download, projects, shots,
    edit, variants, resources, changes,
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Browse and steer Reigh-style AI image/video projects.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    tui.add_default(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(message)s",
        stream=sys.stderr,
    )
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except WorkbenchError as exc:
        print_error(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `workbench generations export | head`: the reader left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
