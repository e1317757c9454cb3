"""The notebook's Undo button: undoes the last change made through this workbench (in any
widget or in the notebook's own code), enabled only when there is one, and says what it will
undo and what it undid; a conflict with a change made elsewhere is shown, never forced."""

from __future__ import annotations

import html

import ipywidgets as W

from workbench.changes import Change
from workbench.client import Workbench
from workbench.errors import WorkbenchError, first_line

from .render import MUTED, error_line


class UndoButton(W.HBox):
    """``UndoButton(wb)``: the button, then a line with the next undo or the last result."""

    def __init__(self, wb: Workbench) -> None:
        self.wb = wb
        self.button = W.Button(description="Undo", icon="undo", layout=W.Layout(width="90px"))
        self.message = W.HTML()
        self.button.add_class("wb-undo")
        self.message.add_class("wb-undo-message")
        self.button.on_click(lambda _: self.undo())
        super().__init__([self.button, self.message])
        self._stop = wb.changes.changed.add(self._changed)
        self._refresh()

    def undo(self) -> None:
        """Undo the last change (what a click does); the result replaces the message."""
        try:
            done = self.wb.undo()
        except WorkbenchError as exc:
            self._refresh()
            self.message.value = error_line(first_line(exc))
        else:
            self._refresh()
            self.message.value = html.escape(done)

    def _changed(self, change: Change) -> None:
        self._refresh()

    def _refresh(self) -> None:
        """Enabled while there is something to undo; the tooltip and message name it."""
        upcoming = self.wb.changes.next_undo
        self.button.disabled = upcoming is None
        self.button.tooltip = f"undo: {upcoming}" if upcoming else "nothing to undo"
        self.message.value = (
            f"<span style='color:{MUTED}'>last change: {html.escape(upcoming)}</span>"
            if upcoming
            else ""
        )

    def close(self) -> None:
        """Stop listening to the workbench's changes, then remove the widget."""
        self._stop()
        super().close()
