"""Your LoRAs, newest first; Enter adds the highlighted one to a tool's LoRA list at a scope.

The screen renders a ``ResourcesModel``: the tool (one with a LoRA list), the scope (the
current shot, its project or the user) and the strength are chosen above the table; what an
add did, or why not, shows on the status line. Reading and adding run in thread workers.
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Select

from workbench.errors import printable
from workbench.tui.threads import RendersModel
from workbench.views.resources import (
    COLUMNS,
    LORA_TOOLS,
    TITLE,
    LoraRow,
    ResourcesModel,
    ResourcesState,
    strength_text,
)


class ResourcesScreen(RendersModel[ResourcesState], Screen[None]):
    """Your LoRAs (name, trigger word, base model, date added, public), with the tool, scope
    and strength an add uses; Enter on a row adds that LoRA there (a LoRA already in the list
    gets the new strength), and ``u`` in the app undoes it.

    | Key(s) | Description |
    | :- | :- |
    | escape | Back to the workbench. |
    | enter | Add the highlighted LoRA to the tool at the chosen scope. |
    | r | Read the list again. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("enter", "add", "Add"),
        Binding("r", "reload", "Reload"),
    ]
    DEFAULT_CSS = """
    ResourcesScreen #title { text-style: bold; padding: 1 1 0 1; }
    ResourcesScreen Horizontal { height: auto; padding: 0 1; }
    ResourcesScreen Select { width: 36; }
    ResourcesScreen #strength { width: 14; }
    ResourcesScreen #summary, ResourcesScreen #line { padding: 0 1; }
    ResourcesScreen #summary { color: $text-muted; }
    ResourcesScreen DataTable { height: 1fr; }
    """

    def __init__(self, model: ResourcesModel) -> None:
        super().__init__()
        self.model: ResourcesModel = model
        self._rows: tuple[LoraRow, ...] | None = None
        self._places: tuple[tuple[str, str], ...] = ()

    def compose(self) -> ComposeResult:
        state = self.model.state
        yield Label(TITLE, id="title")
        with Horizontal():
            yield Select([(t, t) for t in LORA_TOOLS], value=state.tool_id, allow_blank=False,
                         id="tool")  # fmt: skip
            yield Select([(name, scope) for scope, name in state.places], value=state.scope,
                         allow_blank=False, id="scope")  # fmt: skip
            yield Input(strength_text(state.strength), placeholder="strength", id="strength")
        yield Label("", id="summary")
        yield Label("", id="line")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True, id="loras")
        table.add_columns(*COLUMNS)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.in_worker(self.model.load)

    def render_state(self, state: ResourcesState) -> None:
        """The summary, the status line (error red, notice green), the scope names once the
        place is read, and the table when its rows changed (the cursor stays put)."""
        self.query_one("#summary", Label).update(escape(state.summary))
        line = escape(printable(state.line))
        if state.error:
            line = f"[red]{line}[/]"
        elif state.notice:
            line = f"[green]{line}[/]"
        self.query_one("#line", Label).update(line)
        scope = self.query_one("#scope", Select)
        with self.prevent(Select.Changed):
            if state.places != self._places:
                self._places = state.places
                scope.set_options([(name, s) for s, name in state.places])
            if scope.value != state.scope:
                scope.value = state.scope
        if state.rows != self._rows:
            self._rows = state.rows
            table = self.query_one(DataTable)
            row = table.cursor_row
            table.clear()
            for lora in state.rows:
                table.add_row(*(escape(printable(c)) for c in lora.cells), key=str(lora.id))
            if state.rows:
                table.move_cursor(row=min(row, len(state.rows) - 1))

    def highlighted(self) -> LoraRow | None:
        """The LoRA under the table's cursor."""
        rows = self.model.state.rows
        row = self.query_one(DataTable).cursor_row
        return rows[row] if rows and 0 <= row < len(rows) else None

    @on(DataTable.RowSelected)
    def action_add(self) -> None:
        """Add the highlighted LoRA to the chosen tool at the chosen scope and strength."""
        lora = self.highlighted()
        if lora is not None:
            self.in_worker(partial(self.model.add, lora.id))

    def action_reload(self) -> None:
        """Read the list again."""
        self.in_worker(self.model.load)

    @on(Select.Changed, "#tool")
    def _tool(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.model.choose_tool(event.value)

    @on(Select.Changed, "#scope")
    def _scope(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.model.choose_scope(event.value)

    @on(Input.Changed, "#strength")
    def _strength(self, event: Input.Changed) -> None:
        self.model.set_strength(event.value)
