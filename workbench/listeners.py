"""Callbacks to tell about changes, safe from any thread.

Changes happen on worker threads (the settings writer, live updates, view reloads), so the
list is locked and copied before calling out; a listener that raises is logged and the others
still hear about the change, because one broken front end must not stop a write or a reload.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class Listeners(Generic[T]):
    def __init__(self, what: str) -> None:
        self._what = what  # named in the log when a listener fails
        self._lock = threading.Lock()
        self._listeners: list[Callable[[T], None]] = []

    def add(self, listener: Callable[[T], None]) -> Callable[[], None]:
        """Start calling ``listener``; returns the function that stops it."""
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return remove

    def notify(self, value: T, first: Iterable[Callable[[T], None]] = ()) -> None:
        """Call ``first`` (one-off callbacks), then every listener, with ``value``."""
        with self._lock:
            listeners = [*first, *self._listeners]
        for listener in listeners:
            try:
                listener(value)
            except Exception:
                log.exception("a %s listener failed", self._what)
