"""What every widget does when its model changes: render one state at a time, and tell the
values a render set from the values a user typed."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from typing import TypeVar

S = TypeVar("S")


class Renderer:
    """Model listeners fire on any thread, so renders take turns. Traitlets calls observers on
    the thread that set the value, so "is this thread rendering?" is exactly "did a render
    cause this change?": a user's change arriving on another thread meanwhile is not lost."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._local = threading.local()

    @property
    def active(self) -> bool:
        """True inside a render on this thread: observers then ignore the change."""
        return bool(getattr(self._local, "depth", 0))

    def __call__(self, show: Callable[[S], None], state: S) -> None:
        with self._lock:
            self._local.depth = getattr(self._local, "depth", 0) + 1
            try:
                show(state)
            finally:
                self._local.depth -= 1


def themed(variable: str, fallback: str) -> str:
    """A JupyterLab theme variable as a CSS colour, with the colour front ends without
    JupyterLab's themes (VS Code, Colab, a saved notebook) show instead."""
    return f"var({variable}, {fallback})"


ERROR = themed("--jp-error-color1", "#d32f2f")
"""Errors and refusals: JupyterLab's error colour (light and dark themes both read it)."""
OK = themed("--jp-success-color1", "#388e3c")
"""What went well."""
MUTED = themed("--jp-ui-font-color2", "#616161")
"""Secondary text: hints, defaults, the last change."""


def error_line(message: str | None) -> str:
    """A model's error as every widget shows it (empty when there is none)."""
    return f"<span style='color:{ERROR}'>⚠ {html.escape(message)}</span>" if message else ""


def ok_line(message: str | None) -> str:
    """What the last action did, as every widget shows it (empty when nothing to say)."""
    return f"<span style='color:{OK}'>✓ {html.escape(message)}</span>" if message else ""


def classes(*names: str) -> dict[str, tuple[str, ...]]:
    """A widget constructor's ``_dom_classes``: classes given there reach the browser in the
    message that creates the widget, while each ``add_class`` afterwards is a message of its
    own (a few hundred bytes of headers), which adds up over a page of tiles."""
    return {"_dom_classes": names}
