"""The settings pane: a tool's fields with value, scope badge, what they override, and status."""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, Select

from workbench.tui.screens.dialogs import EditValue
from workbench.tui.threads import RendersModel
from workbench.views import FieldRow, SettingsModel, SettingsState
from workbench.views.presentation import SCOPE_BADGES, STATUS_BADGES

# The shared badges (workbench.views.presentation) as Rich markup: the TUI only maps them.
BADGES = {scope: f"[b {badge.colour}]{badge.label}[/]" for scope, badge in SCOPE_BADGES.items()}
STATUS = {status: f"[{badge.colour}]{badge.label}[/]" for status, badge in STATUS_BADGES.items()}
# Settings values are JSON, so they are typed Any; ``**kwargs: Any`` are Textual's widget options.


class SettingsPane(RendersModel[SettingsState], Vertical):
    """Renders a ``SettingsModel``: a tool picker, the target and where edits may go, then a
    table of fields (value, scope badge, the first two overrides, save status) and the last
    error. Editing asks for the value and scope in an ``EditValue`` dialog; the model shows
    the edit at once and saves it in the background.

    | Key(s) | Description |
    | :- | :- |
    | enter | Edit the selected field (value and scope). |
    | r | Reset the selected field to what it inherits, at the scope that set it. |
    | ctrl+t | Send the failed writes again. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "edit", "Edit"),
        Binding("r", "reset", "Reset to inherited"),
        Binding("ctrl+t", "retry", "Retry failed", show=False),
    ]
    DEFAULT_CSS = """
    SettingsPane { height: 1fr; }
    SettingsPane > Horizontal { height: 3; padding: 0 1; }
    SettingsPane > Horizontal > Select { width: 32; }
    SettingsPane > Horizontal > Label { padding: 1 2; color: $text-muted; }
    SettingsPane > DataTable { height: 1fr; }
    SettingsPane > #error { color: $error; padding: 0 1; height: auto; }
    """

    WORKERS = "settings"

    def __init__(self, model: SettingsModel, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model: SettingsModel = model
        self._rows: tuple[FieldRow, ...] = ()

    def compose(self) -> ComposeResult:
        with Horizontal():
            tools = [(t, t) for t in self.model.state.tools]
            yield Select(tools, value=self.model.state.tool_id, allow_blank=False, id="tool")
            yield Label("", id="target")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True, id="fields")
        table.add_columns("field", "value", "scope", "overrides", "status")
        yield table
        yield Label("", id="error")

    def render_state(self, state: SettingsState) -> None:
        """Update the target line and the error; refill the table only when its rows changed,
        keeping the cursor's row."""
        self.query_one("#target", Label).update(
            f"for this [b]{state.scope}[/] · edits go to {', '.join(state.scopes)}"
        )
        self.query_one("#error", Label).update(f"⚠ {state.error}" if state.error else "")
        table = self.query_one(DataTable)
        if state.rows == self._rows:
            return
        cursor = table.cursor_row
        self._rows = state.rows
        table.clear()
        for row in state.rows:
            over = ", ".join(f"{s} {_short(v)}" for s, v in row.overrides[:2])
            table.add_row(row.path, _short(row.value, 40), BADGES[row.scope], over,
                          STATUS[row.status], key=row.path)  # fmt: skip
        if state.rows:
            table.move_cursor(row=min(cursor, len(state.rows) - 1))

    def selected(self) -> FieldRow | None:
        """The field under the table's cursor (None in an empty table)."""
        table = self.query_one(DataTable)
        rows = self._rows
        return rows[table.cursor_row] if 0 <= table.cursor_row < len(rows) else None

    @on(Select.Changed, "#tool")
    def tool(self, event: Select.Changed) -> None:
        """Show the tool picked in the tool picker."""
        if isinstance(event.value, str) and event.value != self.model.state.tool_id:
            self.in_worker(partial(self.model.switch_tool, event.value))

    @on(DataTable.RowSelected)
    def row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter (or a click) on a row edits it, as the ``enter`` binding does."""
        self.action_edit()

    def action_edit(self) -> None:
        """Ask for the new value and its scope; the model saves it (shown at once)."""
        row = self.selected()
        if row is None:
            return

        def edited(result: tuple[Any, str] | None) -> None:
            if result is not None:
                value, scope = result
                self.in_worker(partial(self.model.set_field, row.path, value, scope=scope))

        self.app.push_screen(EditValue(row, self.model.state.scopes), edited)

    def action_reset(self) -> None:
        """Remove the selected field's override, if it was set at a scope edits may go to."""
        row = self.selected()
        if row is not None and row.scope in self.model.state.scopes:
            self.in_worker(partial(self.model.reset_field, row.path, scope=row.scope))

    def action_retry(self) -> None:
        """Send the failed writes again."""
        self.model.retry()


def _short(value: Any, width: int = 24) -> str:
    import json

    text = json.dumps(value)
    return text if len(text) <= width else text[: width - 1] + "…"
