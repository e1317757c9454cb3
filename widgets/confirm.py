"""The notebook's confirm row: a view model's ``Confirmation`` shown in place, above the view
it concerns, with the verb button and Cancel; nothing changes until the verb is clicked."""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as W

from workbench.views.confirm import Confirmation


class ConfirmRow(W.VBox):
    """Hidden until ``ask``; one question at a time (a new one replaces the last)."""

    def __init__(self) -> None:
        self.message = W.HTML()
        self.go = W.Button(button_style="danger")
        self.cancel = W.Button(description="Cancel")
        self._then: Callable[[], None] | None = None
        self.go.on_click(lambda _: self._answer(True))
        self.cancel.on_click(lambda _: self._answer(False))
        super().__init__([self.message, W.HBox([self.go, self.cancel])])
        self.add_class("wb-confirm")
        self.layout.display = "none"

    def ask(self, confirmation: Confirmation, then: Callable[[], None]) -> None:
        """Show the question; ``then`` runs when the user clicks the verb."""
        lines = "".join(f"<br>{html.escape(line)}" for line in confirmation.details)
        self.message.value = f"<b>{html.escape(confirmation.question)}</b>{lines}"
        self.go.description = confirmation.verb
        self._then = then
        self.layout.display = None

    @property
    def asking(self) -> bool:
        return self._then is not None

    def dismiss(self) -> None:
        """Hide the question without going ahead: what it asked about is no longer shown."""
        self._answer(False)

    def _answer(self, yes: bool) -> None:
        then, self._then = self._then, None
        self.layout.display = "none"
        if yes and then is not None:
            then()
