"""Where the TUI's options may go on the command line."""

from __future__ import annotations

import pytest

from workbench.cli import build_parser


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--project", "X", "tui"], ("X", None, 50)),  # before the command: kept
        (["tui", "--project", "Y", "--shot", "S", "--page-size", "20"], ("Y", "S", 20)),
        (["--project", "X", "--shot", "S"], ("X", "S", 50)),  # no command: the TUI
        (["tui"], (None, None, 50)),
    ],
)
def test_tui_options_before_or_after_the_command(
    argv: list[str], expected: tuple[object, ...]
) -> None:
    args = build_parser().parse_args(argv)
    assert (args.project, args.shot, args.page_size) == expected


def test_every_command_connects_through_the_progress_reporting_connect() -> None:
    """A first start takes half a minute: a command that called ``workbench.startup.connect``
    itself would sit silent meanwhile (``settings`` did), so only ``cli.output`` may."""
    import ast
    from pathlib import Path

    import workbench.cli

    offenders = []
    for path in Path(workbench.cli.__file__).parent.glob("*.py"):
        if path.name == "output.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "workbench.startup"
                and any(alias.name == "connect" for alias in node.names)
            ):
                offenders.append(path.name)
    assert offenders == []
