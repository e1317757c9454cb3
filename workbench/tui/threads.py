"""View models report changes on whichever thread made them; widgets must change on the UI's."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from textual.app import App


def on_ui(app: App[Any], fn: Callable[..., Any], *args: Any) -> None:
    """Run ``fn(*args)`` on the app's thread: now if we are on it, else as soon as it can."""
    if getattr(app, "_thread_id", None) == threading.get_ident():
        fn(*args)
    else:
        app.call_from_thread(fn, *args)


class RendersModel:
    """For widgets that draw a view model: render now, again after every change, stop when
    unmounted. (Textual calls ``on_mount`` handlers along the whole MRO, so a widget's own
    ``on_mount`` still runs.) The widget defines ``model`` and ``render_state(state)``."""

    model: Any
    app: App[Any]
    _unsubscribe: Callable[[], None]

    def render_state(self, state: Any) -> None:
        raise NotImplementedError

    def on_mount(self) -> None:
        self._unsubscribe = self.model.subscribe(
            lambda state: on_ui(self.app, self.render_state, state)
        )
        self.render_state(self.model.state)

    def on_unmount(self) -> None:
        self._unsubscribe()
