"""The settings pane: a tool's fields with value, type, default, scope badge, what they
override, and status; nested values open the structured editor; the settings workflows
(apply from another shot or project, reset to project or to my settings, promote to
project) ask first with the plan's lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.widgets import DataTable, Label, Select

from workbench.tui.screens.dialogs import Confirm, EditValue
from workbench.tui.screens.settings_editor import PickSource, StructuredEditor
from workbench.tui.threads import RendersModel, on_ui
from workbench.views import FieldRow, SettingsModel, SettingsState
from workbench.views.confirm import Confirmation
from workbench.views.presentation import SCOPE_BADGES, STATUS_BADGES

# The shared badges (workbench.views.presentation) as Rich markup: the TUI only maps them.
BADGES = {scope: f"[b {badge.colour}]{badge.label}[/]" for scope, badge in SCOPE_BADGES.items()}
STATUS = {status: f"[{badge.colour}]{badge.label}[/]" for status, badge in STATUS_BADGES.items()}
# Settings values are JSON, so they are typed Any; ``**kwargs: Any`` are Textual's widget options.


class SettingsPane(RendersModel[SettingsState], Vertical):
    """Renders a ``SettingsModel``: a tool picker, the target and where edits may go, then a
    table of fields (value, type, default, scope badge, the first two overrides, save status)
    and the last error or notice. The target line names the "edit at" scope (``e`` changes
    it): edits start there and resets act there only, never at "wherever the value comes
    from". Editing a plain value asks for the value and scope in an ``EditValue`` dialog,
    which shows a refused value's reason and stays open; editing a list or an object opens the
    ``StructuredEditor`` (add, remove, move items, edit a leaf; raw JSON too). The model shows
    an accepted edit at once and saves it in the background. A reset that reaches beyond this
    target (a project's or the user's value seen from a shot) or removes a whole tool asks
    first in a ``Confirm`` dialog, saying how many shots it reaches.

    The workflows: ``a`` picks another shot (of a project: another project) and asks with the
    plan's lines before applying its settings here; ``o`` asks with the plan's lines before
    "reset to project" (a shot) or "reset to my settings" (a project); ``p`` promotes the
    selected field the shot sets to its project in one step (the notice says what changed).

    | Key(s) | Description |
    | :- | :- |
    | enter | Edit the selected field (a list or object: the structured editor). |
    | r | Reset the selected field at the "edit at" scope (asks first above this target). |
    | ctrl+t | Send the failed writes again. |
    | H | Show this tool's settings history for this target (restore an entry there). |
    | d | Compare this target's settings with its project, another shot or project. |
    | e | Change the "edit at" scope (user, project, shot) edits and resets go to. |
    | R | Reset the whole tool at the "edit at" scope (asks first). |
    | a | Apply settings from another shot (or project): pick it, see the changes, confirm. |
    | o | Reset to project (a shot) or to my settings (a project): see the changes, confirm. |
    | p | Promote the selected field the shot sets to its project (the shot inherits it). |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "edit", "Edit"),
        Binding("r", "reset", "Reset to inherited"),
        Binding("ctrl+t", "retry", "Retry failed", show=False),
        Binding("H", "history", "History", show=False),
        Binding("d", "diff", "Compare", show=False),
        Binding("e", "cycle_edit_scope", "Edit at", show=False),
        Binding("R", "reset_tool", "Reset tool", show=False),
        Binding("a", "apply_from", "Apply from…", show=False),
        Binding("o", "reset_overrides", "Reset overrides", show=False),
        Binding("p", "promote", "Promote", show=False),
    ]
    DEFAULT_CSS = """
    SettingsPane { height: 1fr; }
    SettingsPane > Horizontal { height: 3; padding: 0 1; }
    SettingsPane > Horizontal > Select { width: 32; }
    SettingsPane > Horizontal > Label { padding: 1 2; color: $text-muted; }
    SettingsPane > DataTable { height: 1fr; }
    SettingsPane > #error { color: $error; padding: 0 1; height: auto; }
    SettingsPane > #field-info { color: $text-muted; padding: 0 1; height: auto; }
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
        table.add_columns("field", "value", "scope", "overrides", "status", "type", "default")
        yield table
        yield Label("", id="field-info")
        yield Label("", id="error")

    def render_state(self, state: SettingsState) -> None:
        """Update the target line and the error; refill the table only when its rows changed,
        keeping the cursor's row."""
        self.query_one("#target", Label).update(
            f"for this [b]{state.scope}[/] · edit at [b]{state.edit_scope}[/] "
            f"(e: {' / '.join(state.scopes)})"
        )
        message = f"⚠ {state.error}" if state.error else (state.notice or "")
        self.query_one("#error", Label).update(escape(message))
        table = self.query_one(DataTable)
        if state.rows == self._rows:
            return
        cursor = table.cursor_row
        self._rows = state.rows
        table.clear()
        for row in state.rows:
            over = ", ".join(f"{s} {_short(v)}" for s, v in row.overrides[:2])
            table.add_row(escape(row.path), escape(_short(row.value, 30)), BADGES[row.scope],
                          escape(over), STATUS[row.status_shown] if row.status_shown else "",
                          escape(row.kind),
                          escape(_short_text(row.default, 16)), key=row.path)  # fmt: skip
        if state.rows:
            table.move_cursor(row=min(cursor, len(state.rows) - 1))
        self._show_info()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Edit and reset act on the row under the fields table's cursor, so they are only
        offered (in the footer) and only run while the table has the focus: with the tool
        dropdown focused, ``r`` reset a field the user was not looking at."""
        if action in ("edit", "reset", "promote"):
            return self.query_one(DataTable).has_focus
        if action == "apply_from":
            return self.model.state.copy_label is not None
        if action == "reset_overrides":
            return self.model.state.reset_label is not None
        return True

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

    @on(DataTable.RowHighlighted, "#fields")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Say the highlighted field's type and default in full under the table."""
        self._show_info()

    def _show_info(self) -> None:
        """The line under the table: the cursor's field, its type and default (the columns
        may be cut or scrolled off at this width), and how to edit it."""
        row = self.selected()
        text = ""
        if row is not None:
            text = f"{row.path}: {row.kind} · default {row.default}"
            if row.nested:
                text += " · enter: edit item by item"
            if row.promotable:
                text += " · p: promote to project"
        self.query_one("#field-info", Label).update(escape(text))

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

        if row.nested:
            self.app.push_screen(StructuredEditor(self.model, row.path))
            return
        state = self.model.state
        dialog = EditValue(row, state.scopes, scope=state.edit_scope, check=self.model.check)
        self.app.push_screen(dialog, edited)

    def action_cycle_edit_scope(self) -> None:
        """Move "edit at" to the next scope edits may go to (wrapping around)."""
        scopes = self.model.state.scopes
        if scopes:
            now = self.model.state.edit_scope
            following = (
                scopes[(scopes.index(now) + 1) % len(scopes)] if now in scopes else scopes[-1]
            )
            self.model.set_edit_scope(following)

    def action_reset(self) -> None:
        """Reset the selected field at the "edit at" scope (and only there): asks first when
        that reaches beyond this target; says so when that scope does not set it."""
        row = self.selected()
        if row is not None:
            self.in_worker(partial(self._reset, row.path, self.model.state.edit_scope))

    def action_reset_tool(self) -> None:
        """Reset the whole tool at the "edit at" scope, after asking."""
        self.in_worker(partial(self._reset, None, self.model.state.edit_scope))

    def _reset(self, path: str | None, scope: str) -> None:
        """In a worker: ask the model whether to ask; then ask on the UI thread, or reset."""
        question = self.model.reset_confirmation(path, scope)
        if question is None:
            self.model.reset_field(path, scope=scope)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.in_worker(partial(self.model.reset_field, path, scope=scope))

        on_ui(self.app, lambda: self.app.push_screen(Confirm(question), answered))

    def action_apply_from(self) -> None:
        """Pick the shot (or project) to apply settings from, then ask with the plan's lines
        (in workers: both read the database), then apply them in one write."""
        if self.model.state.copy_label is not None:
            self.in_worker(self._pick_source)

    def _pick_source(self) -> None:
        """In a worker: read the choices, then show the picker on the UI thread."""
        sources = self.model.load_sources()
        title = self.model.state.copy_label or ""

        def chosen(key: str | None) -> None:
            if key is not None:
                self.in_worker(partial(self._ask_plan, partial(self.model.plan_copy, key)))

        on_ui(self.app, lambda: self.app.push_screen(PickSource(title, sources), chosen))

    def action_reset_overrides(self) -> None:
        """Reset to project (a shot) or to my settings (a project), after the plan's lines."""
        if self.model.state.reset_label is not None:
            self.in_worker(partial(self._ask_plan, self.model.plan_reset_overrides))

    def _ask_plan(self, plan: Callable[[], Confirmation | None]) -> None:
        """In a worker: plan; with something to change, ask on the UI thread, then apply."""
        question = plan()
        if question is None:
            return  # nothing to change (the notice says so) or it failed (the error does)

        def answered(yes: bool | None) -> None:
            if yes:
                self.in_worker(self.model.apply_plan)
            else:
                self.model.cancel_plan()

        on_ui(self.app, lambda: self.app.push_screen(Confirm(question), answered))

    def action_promote(self) -> None:
        """Promote the selected field (the shot's own value) to the project, in one step."""
        row = self.selected()
        if row is not None:
            self.in_worker(partial(self.model.promote, row.path))

    def action_retry(self) -> None:
        """Send the failed writes again."""
        self.model.retry()

    def action_history(self) -> None:
        """Open the settings history of this tool and target (``SettingsHistoryScreen``)."""
        from workbench.tui.screens.settings_history import open_history

        open_history(self, self.model.state)

    def action_diff(self) -> None:
        """Compare this target's settings with another (``SettingsDiffScreen``)."""
        from workbench.tui.screens.settings_history import open_diff

        open_diff(self, self.model.state)


def _short(value: Any, width: int = 24) -> str:
    return _short_text(json.dumps(value), width)


def _short_text(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
