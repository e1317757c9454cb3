"""What a front end asks before a destructive change: one question, the same in every front end.

A view model that is about to delete or overwrite something the user may not see builds a
``Confirmation``; the TUI shows it in a modal, the notebook in a confirm row, the CLI as a
prompt (or refuses without ``--yes``). The API never asks: it does what it is told.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Confirmation:
    """``question`` names the change, ``details`` what it touches (one line each), ``verb`` is
    the label of the button that goes ahead ("Delete", "Reset")."""

    question: str
    verb: str
    details: tuple[str, ...] = ()

    def text(self) -> str:
        """The question and its details as plain lines (the CLI prompt, a test's check)."""
        return "\n".join([self.question, *(f"  {line}" for line in self.details)])
