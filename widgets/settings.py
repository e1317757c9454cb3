"""The settings widget: one tool's fields, each with its value, the scope it comes from, what
it overrides and whether its last edit is saving, saved or failed; it renders ``SettingsModel``.

An edit goes to the scope chosen in "edit at" and is shown at once; the model's write queue
saves it (coalesced with the edits around it) and rolls it back if the write fails. A value
the model refuses (unknown field, wrong type, a choice Reigh does not know) is not written:
the typed text stays, with the reason beside it. "reset" removes the value at the "edit at"
scope only; a reset that reaches beyond this target asks first in a confirm row.
"""

from __future__ import annotations

import html
import json
from typing import Any

import ipywidgets as W

from workbench.client import Workbench
from workbench.errors import ValidationError
from workbench.settings.registry import DEFAULT_TOOL
from workbench.settings.resolve import parse_value
from workbench.views import FieldRow, SettingsModel, SettingsState
from workbench.views.navigator import starting_point
from workbench.views.presentation import STATUS_BADGES, scope_badge
from workbench.views.settings import FieldStatus

from .confirm import ConfirmRow
from .render import Renderer, error_line
from .session import resolve
from .settings_history import Extras

COLUMNS = "minmax(140px, 1fr) minmax(200px, 2fr) 80px minmax(120px, 1.5fr) 64px 60px"


def status_html(status: FieldStatus) -> str:
    """A save status as the shared badge's word in its colour (the TUI shows the same)."""
    badge = STATUS_BADGES[status]
    return f"<span style='color:{badge.colour}'>{badge.label}</span>"


def overrides(row: FieldRow) -> str:
    return html.escape(", ".join(f"{scope} {json.dumps(value)}" for scope, value in row.overrides))


class FieldWidgets:
    """The widgets of one row, kept while the tool stays the same."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.row: FieldRow | None = None
        self.name = W.HTML(f"<code>{html.escape(path)}</code>")
        self.value = W.Text(continuous_update=False, layout=W.Layout(width="auto"))
        self.error = W.HTML()  # why the typed value was refused, under it
        self.value_cell = W.VBox([self.value, self.error], layout=W.Layout(width="auto"))
        self.scope = W.HTML()
        self.overrides = W.HTML()
        self.status = W.HTML()
        self.reset = W.Button(description="reset", tooltip="remove this scope's value",
                              layout=W.Layout(width="56px"))  # fmt: skip
        slug = path.replace(".", "-")
        for name in ("value", "error", "scope", "overrides", "status", "reset"):
            widget = getattr(self, name)
            widget.add_class(f"wb-field-{name}")
            widget.add_class(f"wb-field-{name}-{slug}")

    def close(self) -> None:
        for cell in self.cells:
            cell.close()

    @property
    def cells(self) -> list[W.Widget]:
        return [self.name, self.value_cell, self.scope, self.overrides, self.status, self.reset]

    def show(self, row: FieldRow, edit_scope: str, error: str | None = None) -> None:
        """Show ``row``; while ``error`` (a refusal) stands, the typed text stays as typed.
        "reset" is enabled when the "edit at" scope itself sets the field."""
        self.row = row
        if error is None:
            self.value.value = row.shown
        self.error.value = error_line(error)
        self.scope.value = scope_badge(row.scope)
        self.overrides.value = f"<span style='font-size:11px'>{overrides(row)}</span>"
        self.status.value = status_html(row.status)
        self.reset.disabled = not row.set_at(edit_scope)
        self.reset.tooltip = f"remove the value set at {edit_scope} scope"


class Settings(W.VBox):
    """``Settings(wb, "travel-between-images", project=..., shot=...)``; with no target, the
    project (and shot) this device used last."""

    _built = False  # ipywidgets closes a widget when collected, also one whose __init__ failed

    def __init__(
        self,
        wb: Workbench | None = None,
        tool: str = DEFAULT_TOOL,
        *,
        project: Any = None,
        shot: Any = None,
        model: SettingsModel | None = None,
    ) -> None:
        self.wb = resolve(wb)
        if model is None:
            project_id, shot_id = starting_point(self.wb, project, shot)
            model = SettingsModel(self.wb, tool, project_id=project_id, shot_id=shot_id)
        self.model = model
        self._rendering = Renderer()
        self.rows: dict[str, FieldWidgets] = {}

        self.tool = W.Dropdown(description="tool", layout=W.Layout(width="320px"))
        self.edit_scope = W.Dropdown(description="edit at", layout=W.Layout(width="200px"))
        self.target = W.HTML()
        self.status = W.HTML()
        self.error = W.HTML()
        self.retry = W.Button(description="retry failed", layout=W.Layout(display="none"))
        self.notice = W.HTML()  # a remark on the last command ("nothing to reset")
        self.confirm = ConfirmRow()  # asks before a reset that reaches beyond this target
        self.grid = W.GridBox(layout=W.Layout(grid_template_columns=COLUMNS, grid_gap="2px 8px",
                                              align_items="center"))  # fmt: skip
        for name in ("tool", "edit_scope", "status", "error", "grid", "retry"):
            getattr(self, name).add_class(f"wb-{name.replace('_', '-')}")
        self.tool.observe(self._switch_tool, "value")
        self.edit_scope.observe(self._switch_edit_scope, "value")
        self.retry.on_click(lambda _: self.model.retry())
        # "History" and "Compare" toggles, and the panel they open (widgets/settings_history.py)
        self.extras = Extras(self.wb, self.model)
        header = W.HBox([self.tool, self.edit_scope, self.target, self.status,
                         *self.extras.buttons])  # fmt: skip
        super().__init__([header, self.error, self.notice, self.retry, self.confirm, self.grid,
                          self.extras.panel])  # fmt: skip
        self.add_class("wb-settings")
        self._unsubscribe = self.model.subscribe(self._render)
        self._render(self.model.state)
        self._built = True

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until queued edits are written (True when nothing is left to write)."""
        return self.model.flush(timeout)

    # -- user actions ----------------------------------------------------------------------
    def _switch_tool(self, change: dict[str, Any]) -> None:
        if not self._rendering.active and change["new"]:
            self.model.switch_tool(change["new"])

    def _switch_edit_scope(self, change: dict[str, Any]) -> None:
        if not self._rendering.active and change["new"]:
            self.model.set_edit_scope(change["new"])

    def _edited(self, widgets: FieldWidgets, change: dict[str, Any]) -> None:
        row = widgets.row
        if self._rendering.active or row is None:
            return
        try:
            same = parse_value(change["new"]) == row.value
        except ValidationError:
            same = False
        if not same:  # refusals, unreadable JSON included, show beside the field
            self.model.set_typed(row.path, change["new"], scope=self.edit_scope.value)
        else:  # typed back what is there: the refusal beside it no longer applies
            self.model.clear_field_error(row.path)

    def _reset(self, widgets: FieldWidgets) -> None:
        """Reset at "edit at" only; ask in the confirm row first when the model says so."""
        row = widgets.row
        if row is None:
            return
        path, scope = row.path, self.model.state.edit_scope
        question = self.model.reset_confirmation(path, scope)
        if question is None:
            self.model.reset_field(path, scope=scope)
        else:

            def go_ahead() -> None:
                self.model.reset_field(path, scope=scope)

            self.confirm.ask(question, go_ahead)

    # -- rendering -------------------------------------------------------------------------
    def _render(self, state: SettingsState) -> None:
        self._rendering(self._show, state)

    def _show(self, state: SettingsState) -> None:
        if tuple(self.tool.options) != state.tools:
            self.tool.options = state.tools
        self.tool.value = state.tool_id if state.tool_id in state.tools else None
        if tuple(self.edit_scope.options) != state.scopes:
            self.edit_scope.options = state.scopes
        self.edit_scope.value = state.edit_scope  # the model's: the narrowest when opened
        self.target.value = f"<span style='font-size:12px'>for this {state.scope}</span>"
        self.status.value = status_html(state.status)
        self.error.value = error_line(state.error)
        self.notice.value = (
            f"<span style='font-size:12px'>{html.escape(state.notice)}</span>"
            if state.notice else ""
        )  # fmt: skip
        self.retry.layout.display = None if state.status == "failed" else "none"
        paths = [row.path for row in state.rows]
        if paths != list(self.rows):
            old, self.rows = self.rows, {p: self.rows.get(p) or self._new_row(p) for p in paths}
            for path in old.keys() - self.rows.keys():
                old[path].close()
            self.grid.children = [cell for w in self.rows.values() for cell in w.cells]
        for row in state.rows:
            self.rows[row.path].show(row, state.edit_scope, state.field_errors.get(row.path))

    def _new_row(self, path: str) -> FieldWidgets:
        widgets = FieldWidgets(path)
        widgets.value.observe(lambda change: self._edited(widgets, change), "value")
        widgets.reset.on_click(lambda _: self._reset(widgets))
        return widgets

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Write what is queued, stop following the database, remove the widget."""
        if self._built:
            self._unsubscribe()
            self.extras.close()
            self.model.close()
        super().close()

    def __repr__(self) -> str:
        state = self.model.state
        return (
            f"<Settings {state.tool_id} for {state.scope} · {len(state.rows)} fields · "
            f"{state.status}>"
        )
