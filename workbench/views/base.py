"""What every view model shares: an immutable state, change events, and safe commands.

A view model holds its state as a frozen dataclass and replaces it whole, so a front end
always renders a consistent snapshot (``model.state``), from any thread. Listeners are called
after each change, on the thread that made it: the TUI hops to its event loop with
``call_from_thread``, the notebook updates widgets directly.

Commands block while they talk to the database (front ends run them in workers); a
``WorkbenchError`` (or a database error) does not escape: it becomes ``state.error``, so every
front end shows the same message the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Generic, TypeVar

import psycopg

from workbench.errors import WorkbenchError, first_line
from workbench.listeners import Listeners

S = TypeVar("S")


class ViewModel(Generic[S]):
    """The base of every view model: one state snapshot of type ``S``, replaced whole.

    Subclasses add commands that change the state with ``_update`` (listeners are told on the
    thread that made the change) and wrap database work in ``_attempt``, so a failure becomes
    ``state.error``. Cleanup they register in ``_closers`` runs on ``close``.
    """

    def __init__(self, state: S) -> None:
        self._state = state
        self._lock = threading.RLock()
        self._listeners: Listeners[S] = Listeners("view")
        self._closers: list[Callable[[], None]] = []

    @property
    def state(self) -> S:
        """The current snapshot; safe to read from any thread, never changed in place."""
        return self._state

    def subscribe(self, listener: Callable[[S], None]) -> Callable[[], None]:
        """Call ``listener(state)`` after every change; returns an unsubscribe function."""
        return self._listeners.add(listener)

    def close(self) -> None:
        """Stop following the database (live updates, settings handles)."""
        for close in self._closers:
            close()
        self._closers.clear()

    def _update(self, **changes: object) -> S:
        state = self._replace(**changes)
        self._listeners.notify(state)
        return state

    def _replace(self, **changes: object) -> S:
        """Change the state without telling listeners: for a caller holding ``_lock``, which
        tells them once it let go. A listener may wait for the UI thread (the TUI's
        ``call_from_thread``) while the UI thread waits for that lock: a deadlock."""
        with self._lock:
            self._state = replace(self._state, **changes)  # type: ignore[type-var]
            return self._state

    def _attempt(self, action: Callable[[], object], **on_start: object) -> bool:
        """Run ``action``; report a failure in ``state.error`` instead of raising it."""
        if on_start:
            self._update(**on_start)
        try:
            action()
        except (WorkbenchError, psycopg.Error) as exc:
            self._update(error=first_line(exc), loading=False)
            return False
        return True

    @staticmethod
    def in_background(work: Callable[[], object]) -> None:
        """Run ``work`` on a daemon thread (live refreshes: nobody waits for them)."""
        threading.Thread(target=work, name="workbench-view", daemon=True).start()
