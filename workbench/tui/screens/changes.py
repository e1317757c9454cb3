"""The changes this session made (its undo history), newest first, with undo and forced undo.

The list is ``wb.history()`` as ``workbench.views.changes`` words it, read again whenever the
change journal announces a change (a star in the gallery, an undo from the notebook's code in
the same process), so it is never stale while it is shown. Undoing runs ``undo_in_worker``,
which the app's ``u`` runs too: the toast and a conflict's hint say the same thing wherever
the undo was pressed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, ClassVar

import psycopg
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from workbench.errors import ConflictError, WorkbenchError, first_line, printable
from workbench.tui.screens.dialogs import Confirm
from workbench.tui.threads import on_ui
from workbench.views.changes import (
    CLI_FORCE,
    TITLE,
    ChangeRow,
    change_rows,
    conflict_reason,
    conflict_text,
    force_confirmation,
    summary_text,
)

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from workbench.changes import Change
    from workbench.client import Workbench

CHANGES_KEY = "c"  # the app's key for this screen (free in every pane and screen)
# How a user forces an undo a conflict refused: here, and from anywhere else in the app.
FORCE_HERE = "press F to force"
FORCE_ELSEWHERE = f"press {CHANGES_KEY}, then F, to force, or run `{CLI_FORCE}`"


def undo_in_worker(
    node: DOMNode,
    wb: Workbench,
    how_to_force: str,
    *,
    force: bool = False,
    expect: str | None = None,
    conflicted: Callable[[str, str], None] | None = None,
) -> None:
    """Undo the newest change of the session not yet undone, in a thread worker of ``node``
    (an undo is two round trips the interface must not wait for); a toast says what was
    undone, or why not. A conflict's toast is a warning that ends with ``how_to_force``, and
    ``conflicted(change id, reason)`` hears about it (the changes screen asks with the reason
    before forcing). ``expect`` (a change id) undoes only if that change is still the newest:
    a forced undo overwrites, so it must be the one the user confirmed."""
    app = node.app

    def toast(message: str, severity: SeverityLevel = "information") -> None:
        on_ui(app, partial(app.notify, escape(printable(message)), title="Undo", severity=severity))

    def work() -> None:
        last = wb.changes.last()
        if expect is not None and (last is None or last.id != expect):
            toast("the newest change is no longer the one confirmed: nothing was undone",
                  "warning")  # fmt: skip
            return
        try:
            message = wb.undo(force=force)
        except ConflictError as exc:
            if conflicted is not None and last is not None:
                on_ui(app, conflicted, last.id, conflict_reason(exc))
            on_ui(app, partial(app.notify, escape(printable(conflict_text(exc, how_to_force))),
                               title="Undo",
                               severity="warning", timeout=10))  # fmt: skip
        except (WorkbenchError, psycopg.Error) as exc:
            toast(first_line(exc), "warning")
        else:
            toast(message)

    node.run_worker(work, thread=True, group="undo", exclusive=True)


class ChangesScreen(Screen[None]):
    """The changes this session made, newest first: when (local time), kind, what, and
    "undone" (the row greyed) for those already undone. ``u`` undoes the newest change not yet
    undone, as the app's ``u`` does; a change made elsewhere since makes it a warning, and
    ``F`` then forces it, after a ``Confirm`` naming what would be overwritten.

    | Key(s) | Description |
    | :- | :- |
    | escape, q | Back. |
    | u, ctrl+z | Undo the newest change not yet undone. |
    | F | Undo it even over a newer change made elsewhere (asks first). |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("u,ctrl+z", "undo", "Undo"),
        Binding("F", "force", "Force undo"),
    ]
    DEFAULT_CSS = """
    ChangesScreen #title { text-style: bold; padding: 1 1 0 1; }
    ChangesScreen #summary { color: $text-muted; padding: 0 1; }
    ChangesScreen DataTable { height: 1fr; }
    """

    def __init__(self, wb: Workbench) -> None:
        super().__init__()
        self.wb = wb
        self.rows: tuple[ChangeRow, ...] = ()
        # The reason the last undo was refused, by change id (the force question shows it).
        self._conflicts: dict[str, str] = {}
        self._stop: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        yield Label(TITLE, id="title")
        yield Label("", id="summary")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True, id="changes")
        table.add_columns("when", "kind", "change", "")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self._stop = self.wb.changes.changed.add(lambda _change: self._read())
        self.run_worker(self._read, thread=True, group="changes", exclusive=True)

    def on_unmount(self) -> None:
        if self._stop is not None:
            self._stop()

    def _read(self) -> None:
        """Read the history (off the UI thread: it checks the device's copy for changes
        undone by another process) and show it."""
        on_ui(self.app, self.show, change_rows(self.wb.history()))

    def show(self, rows: tuple[ChangeRow, ...]) -> None:
        """Refill the list with ``rows`` (newest first), an undone change greyed."""
        self.rows = rows
        for label in self.query("#summary"):  # none once the screen is gone
            if isinstance(label, Label):
                label.update(escape(summary_text(rows)))
        for table in self.query(DataTable):
            table.clear()
            for row in rows:
                cells = (row.when, row.kind, row.description, row.status)
                style = "dim" if row.undone else ""
                table.add_row(*(f"[{style}]{escape(c)}[/]" if style else escape(c)
                                for c in cells), key=row.id)  # fmt: skip

    def action_undo(self) -> None:
        """Undo the newest change not yet undone (a conflict says to press ``F``)."""
        undo_in_worker(self, self.wb, FORCE_HERE, conflicted=self._conflicted)

    def _conflicted(self, change_id: str, reason: str) -> None:
        self._conflicts = {change_id: reason}

    def action_force(self) -> None:
        """Ask (naming the change, and the conflict when ``u`` met one), then undo the newest
        change even over a newer one made elsewhere."""
        self.run_worker(self._ask_force, thread=True, group="changes-force", exclusive=True)

    def _ask_force(self) -> None:
        change = self.wb.changes.last()
        if change is None:
            on_ui(self.app, partial(self.app.notify, "nothing to undo", title="Undo"))
            return
        on_ui(self.app, self._confirm_force, change)

    def _confirm_force(self, change: Change) -> None:
        question = force_confirmation(change, self._conflicts.get(change.id))

        def answered(yes: bool | None) -> None:
            if yes:
                undo_in_worker(self, self.wb, FORCE_HERE, force=True, expect=change.id)

        self.app.push_screen(Confirm(question), answered)
