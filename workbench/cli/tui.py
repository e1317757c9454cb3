"""``workbench [tui]``: the terminal interface, which is also what a bare ``workbench`` opens."""

from __future__ import annotations

import argparse
import sys

from workbench.cli import projects
from workbench.cli.output import connect


def run(args: argparse.Namespace) -> int:
    """Open the TUI. A ``--project``/``--shot`` that does not exist is refused here, before
    the app takes the screen, with the message every other command gives and exit status 1
    (inside the app it could only be a toast over an empty window)."""
    from workbench.errors import ValidationError

    if args.page_size < 1:
        raise ValidationError(f"--page-size must be at least 1, not {args.page_size}")
    try:
        from workbench.tui.app import run as run_app
    except ImportError:
        print("the TUI needs Textual: pip install 'reigh-workbench[tui]'; projects meanwhile:",
              file=sys.stderr)  # fmt: skip
        return projects.run(argparse.Namespace(json=False))
    if not args.project and not args.shot:
        # The app connects itself, showing each start-up step under its spinner.
        run_app(page_size=args.page_size)
        return 0
    with connect() as wb:  # a first start says what it does on stderr meanwhile
        wb.find(args.project or None, args.shot or None)  # NotFoundError: exit 1, one line
        run_app(project=args.project, shot=args.shot, page_size=args.page_size, wb=wb)
    return 0


def add_default(parser: argparse.ArgumentParser) -> None:
    """Make the TUI what runs when no command is named, with its options before any command."""
    parser.add_argument("--project", help="open the TUI on this project (name or id)")
    parser.add_argument("--shot", help="open the TUI on this shot of --project")
    # A command's own `func` replaces this one, so only a bare `workbench` keeps it.
    parser.set_defaults(func=run, page_size=50)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "tui",
        help="open the terminal interface (the default command)",
        description="Open the terminal interface on the configured database (the embedded "
        "demo by default). Keys: ? lists them all; ctrl+p opens the command palette.",
    )
    # SUPPRESS: `workbench --project X tui` keeps X (a subparser's default would replace it).
    p.add_argument("--project", default=argparse.SUPPRESS, help="open on this project (name or id)")
    p.add_argument("--shot", default=argparse.SUPPRESS,
                   help="open on this shot of --project (name or id)")  # fmt: skip
    p.add_argument("--page-size", type=int, default=argparse.SUPPRESS,
                   help="tiles per gallery page (default 50)")  # fmt: skip
    p.set_defaults(func=run)
