"""The settings pane: a tool's fields with value, scope badge, what they override, and status."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Label, Select

from workbench.tui.threads import RendersModel
from workbench.views import FieldRow, SettingsModel, SettingsState

BADGES = {
    "defaults": "[dim]defaults[/]",
    "user": "[b magenta]user[/]",
    "project": "[b dodger_blue1]project[/]",
    "shot": "[b green]shot[/]",
}
STATUS = {"saved": "[green]saved[/]", "saving": "[yellow]saving…[/]", "failed": "[red]failed[/]"}


class SettingsPane(RendersModel, Vertical):
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

    class EditField(Message):
        def __init__(self, row: FieldRow, scopes: tuple[str, ...]) -> None:
            super().__init__()
            self.row = row
            self.scopes = scopes

    def __init__(self, model: SettingsModel, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model = model
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
        table = self.query_one(DataTable)
        rows = self._rows
        return rows[table.cursor_row] if 0 <= table.cursor_row < len(rows) else None

    @on(Select.Changed, "#tool")
    def tool(self, event: Select.Changed) -> None:
        if event.value != self.model.state.tool_id:
            self.run("switch_tool", event.value)

    @on(DataTable.RowSelected)
    def row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        row = self.selected()
        if row is not None:
            self.post_message(self.EditField(row, self.model.state.scopes))

    def action_reset(self) -> None:
        row = self.selected()
        if row is not None and row.scope in self.model.state.scopes:
            self.run("reset_field", row.path, scope=row.scope)

    def action_retry(self) -> None:
        self.model.retry()

    @work(thread=True, group="settings")
    def run(self, command: str, *args: Any, **kwargs: Any) -> None:
        getattr(self.model, command)(*args, **kwargs)


def _short(value: Any, width: int = 24) -> str:
    import json

    text = json.dumps(value)
    return text if len(text) <= width else text[: width - 1] + "…"
