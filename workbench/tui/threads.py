"""View models report changes on whichever thread made them; widgets must change on the UI's."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar, TypeVarTuple, cast

from textual.app import App
from textual.dom import DOMNode

from workbench.views.base import ViewModel

S = TypeVar("S")
Ts = TypeVarTuple("Ts")
# ``App[Any]``: any app, whatever its ``run()`` returns (Textual's own wildcard for it).


def on_ui(app: App[Any], fn: Callable[[*Ts], object], *args: *Ts) -> None:
    """Run ``fn(*args)`` on the app's thread: now if we are on it, else as soon as it can;
    not at all once the app has stopped (a background reload finishing as the user quits has
    nothing left to draw on)."""
    if getattr(app, "_thread_id", None) == threading.get_ident():
        fn(*args)
        return
    if not app.is_running:
        return
    with contextlib.suppress(RuntimeError):  # it stopped between the check and the call
        app.call_from_thread(fn, *args)


class RendersModel(Generic[S]):
    """For widgets that draw a view model: render now, again after every change, stop when
    unmounted, and run the model's commands off the UI thread.

    The widget sets ``model`` (a ``ViewModel`` whose state is ``S``) and defines
    ``render_state(state)``; Textual calls ``on_mount`` handlers along the whole MRO, so a
    widget's own ``on_mount`` still runs. Commands block on the database, so
    ``in_worker(command)`` runs one in a thread worker of the widget's ``WORKERS`` group;
    its result arrives as a new state, never as a return value.
    """

    WORKERS: ClassVar[str] = "model"
    model: ViewModel[S]
    app: App[Any]
    _unsubscribe: Callable[[], None]

    def render_state(self, state: S) -> None:
        """Show ``state`` (a new snapshot of the model's); called on the UI thread only."""
        raise NotImplementedError

    def in_worker(self, command: Callable[[], object]) -> None:
        """Run ``command`` (a model method, or a ``functools.partial`` of one) in a thread."""
        run_worker = cast(DOMNode, self).run_worker
        run_worker(command, thread=True, group=self.WORKERS)

    def on_mount(self) -> None:
        self._unsubscribe = self.model.subscribe(
            lambda state: on_ui(self.app, self.render_state, state)
        )
        self.render_state(self.model.state)

    def on_unmount(self) -> None:
        self._unsubscribe()
