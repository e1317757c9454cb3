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
