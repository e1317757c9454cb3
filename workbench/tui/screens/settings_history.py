"""The settings pane's history (what was written when; restore an entry, after a confirm) and
diff (this target's settings against its project, another shot or another project)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, OptionList
from textual.widgets.option_list import Option

from workbench.settings.scopes import SCOPE_BADGES
from workbench.tui.screens.dialogs import Confirm
from workbench.tui.threads import RendersModel, on_ui
from workbench.views.settings_history import DiffModel, DiffState, HistoryModel, HistoryState

if TYPE_CHECKING:
    from textual.widget import Widget

    from workbench.client import Workbench
    from workbench.views.settings import SettingsState

# The shared scope badges as Rich markup (the settings pane shows the same).
BADGES = {scope: f"[b {badge.colour}]{badge.label}[/]" for scope, badge in SCOPE_BADGES.items()}


def badge(scope: str | None) -> str:
    """A scope's badge, or a dash where no scope sets the value."""
    return BADGES.get(scope, "[dim]-[/]") if scope else "[dim]-[/]"  # type: ignore[call-overload]


class SettingsHistoryScreen(RendersModel[HistoryState], Screen[None]):
    """Renders a ``HistoryModel``: where the history is kept, then one row per changed field
    (entry number, when, scope badge and target, field, old → new, note), newest first.
    Restoring asks first in a ``Confirm`` modal, naming each field and any newer change it
    would overwrite.

    | Key(s) | Description |
    | :- | :- |
    | escape, q | Back to the settings. |
    | r | Restore the entry under the cursor (asks first). |
    | i | Show or hide the project's and user's writes. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("r", "restore", "Restore entry"),
        Binding("i", "inherited", "Wider scopes"),
    ]
    DEFAULT_CSS = """
    SettingsHistoryScreen > Label { padding: 0 1; }
    SettingsHistoryScreen #title { text-style: bold; padding: 1 1 0 1; }
    SettingsHistoryScreen #where { color: $text-muted; }
    SettingsHistoryScreen DataTable { height: 1fr; }
    SettingsHistoryScreen #message { color: $success; }
    SettingsHistoryScreen #error { color: $error; }
    """
    WORKERS = "settings-history"

    def __init__(self, model: HistoryModel) -> None:
        super().__init__()
        self.model: HistoryModel = model
        self._row_entries: list[int] = []

    def compose(self) -> ComposeResult:
        yield Label("", id="title")
        yield Label("", id="where")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True, id="entries")
        table.add_columns("#", "when", "scope", "field", "old → new", "note")
        yield table
        yield Label("", id="message")
        yield Label("", id="error")
        yield Footer()

    def render_state(self, state: HistoryState) -> None:
        """Refill the table (one row per changed field) and the lines around it."""
        wider = "with the project's and user's writes" if state.inherited else "own writes only"
        count = len(state.entries)
        self.query_one("#title", Label).update(
            f"{escape(state.tool_id)} · {state.scope} history · {count} "
            f"entr{'y' if count == 1 else 'ies'}, {wider}"
        )
        self.query_one("#where", Label).update(escape(state.where))
        self.query_one("#message", Label).update(escape(state.message or ""))
        self.query_one("#error", Label).update(f"⚠ {escape(state.error)}" if state.error else "")
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        self._row_entries = []
        for entry in state.entries:
            for n, change in enumerate(entry.changes or ()):
                first = n == 0
                table.add_row(
                    str(entry.id) if first else "", entry.when if first else "",
                    f"{BADGES[entry.scope]} {escape(entry.target)}" if first else "",
                    escape(change.path), escape(f"{change.old} → {change.new}"),
                    escape(entry.note or "") if first else "",
                )  # fmt: skip
                self._row_entries.append(entry.id)
        if self._row_entries:
            table.move_cursor(row=min(max(cursor, 0), len(self._row_entries) - 1))

    def selected(self) -> int | None:
        """The number of the entry under the cursor (None in an empty table)."""
        row = self.query_one(DataTable).cursor_row
        return self._row_entries[row] if 0 <= row < len(self._row_entries) else None

    def action_restore(self) -> None:
        """Ask (in a worker: the question reads what the restore would change now), then
        restore the entry under the cursor if the answer is yes."""
        entry_id = self.selected()
        if entry_id is not None:
            self.in_worker(partial(self._ask, entry_id))

    def _ask(self, entry_id: int) -> None:
        confirmation = self.model.confirmation(entry_id)
        if confirmation is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.in_worker(partial(self.model.restore, entry_id))

        on_ui(self.app, self.app.push_screen, Confirm(confirmation), answered)

    def action_inherited(self) -> None:
        """Show or hide the writes at the wider scopes (a shot's project and user)."""
        self.in_worker(self.model.toggle_inherited)


class SettingsDiffScreen(RendersModel[DiffState], Screen[None]):
    """Renders a ``DiffModel``: what to compare with on the left (the shot's project, another
    shot, another project), the fields that differ on the right, each side's value with its
    scope badge.

    | Key(s) | Description |
    | :- | :- |
    | escape, q | Back to the settings. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "app.pop_screen", "Back")]
    DEFAULT_CSS = """
    SettingsDiffScreen #summary { text-style: bold; padding: 1 1 0 1; }
    SettingsDiffScreen > Horizontal { height: 1fr; }
    SettingsDiffScreen OptionList { width: 34; height: 1fr; }
    SettingsDiffScreen DataTable { width: 1fr; height: 1fr; }
    SettingsDiffScreen #error { color: $error; padding: 0 1; }
    """
    WORKERS = "settings-diff"

    def __init__(self, model: DiffModel) -> None:
        super().__init__()
        self.model: DiffModel = model
        self._shown: tuple[Any, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Label("", id="summary")
        with Horizontal():
            yield OptionList(id="choices")
            yield DataTable(cursor_type="row", zebra_stripes=True, id="diff")
        yield Label("", id="error")
        yield Footer()

    def render_state(self, state: DiffState) -> None:
        """The choices (once), the summary, and the differing fields under the sides' names."""
        choices = self.query_one(OptionList)
        if choices.option_count != len(state.choices):
            choices.clear_options()
            choices.add_options([Option(escape(c.label), id=c.key) for c in state.choices])
        self.query_one("#summary", Label).update(
            "comparing…" if state.loading else escape(state.summary)
        )
        self.query_one("#error", Label).update(f"⚠ {escape(state.error)}" if state.error else "")
        shown = (state.a, state.b, state.rows)
        if shown == self._shown:
            return
        self._shown = shown
        table: DataTable[str] = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns("field", escape(state.a), "scope", escape(state.b), "scope")
        for row in state.rows:
            table.add_row(escape(row.path), escape(row.a), badge(row.a_scope), escape(row.b),
                          badge(row.b_scope))  # fmt: skip

    @on(OptionList.OptionSelected, "#choices")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        """Compare with the chosen target."""
        if event.option.id is not None:
            self.in_worker(partial(self.model.compare, event.option.id))


def _target(state: SettingsState) -> dict[str, Any]:
    if state.scope == "shot":
        return {"shot_id": state.target_id}
    if state.scope == "project":
        return {"project_id": state.target_id}
    return {}


def _workbench(widget: Widget) -> Workbench | None:
    models = getattr(widget.app, "models", None)  # the app's; None until it has connected
    return getattr(models, "wb", None)


def open_history(pane: Widget, state: SettingsState) -> None:
    """From the settings pane: read the history of its tool and target in a worker, then show
    it on a ``SettingsHistoryScreen``."""
    wb = _workbench(pane)
    if wb is None or (state.target_id is None and state.scope != "user"):
        return

    def work() -> None:
        model = HistoryModel(wb, state.tool_id, **_target(state))
        on_ui(pane.app, pane.app.push_screen, SettingsHistoryScreen(model))

    pane.run_worker(work, thread=True, group="settings-history", exclusive=True)


def open_diff(pane: Widget, state: SettingsState) -> None:
    """From the settings pane: compare its tool for its target with the first choice (a
    shot's project) in a worker, then show it on a ``SettingsDiffScreen``."""
    wb = _workbench(pane)
    if wb is None or state.target_id is None:
        return

    def work() -> None:
        model = DiffModel(wb, state.tool_id, **_target(state))
        on_ui(pane.app, pane.app.push_screen, SettingsDiffScreen(model))

    pane.run_worker(work, thread=True, group="settings-diff", exclusive=True)
