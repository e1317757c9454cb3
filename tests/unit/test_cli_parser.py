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
