"""The settings widget: one tool's fields, each with its value, the scope it comes from, what
it overrides and whether its last edit is saving, saved or failed; it renders ``SettingsModel``.

An edit goes to the scope chosen in "edit at" and is shown at once; the model's write queue
saves it (coalesced with the edits around it) and rolls it back if the write fails. A value
the model refuses (unknown field, wrong type, a choice Reigh does not know) is not written:
the typed text stays, with the reason beside it. "reset" removes the value at the "edit at"
scope only; a reset that reaches beyond this target asks first in a confirm row.

Each field is edited with the control its type takes (``FieldRow.editor``, decided by the
view model): a number box, a checkbox, a dropdown of the known choices, a text box holding the
text itself (no JSON quotes), or JSON text for the rest. The grid has column headers; a row's
status says "saving…", "saved" (just now: an untouched row says nothing) or "failed" (a write
that failed, or a value refused before anything was written, its reason beside the field).
Colours are JupyterLab's theme variables (readable in its light and dark themes); the status
line ends with the connection's word, re-rendered when it changes.

Each row shows the field's type and default (the view model's words). A list or an object
has an "items" toggle that opens its structured editor under the row: one line per item and
field, indented, with a value box per leaf, ↑ ↓ ✕ per list item and "+ add" per list (each
one validated write at "edit at"; a list is written whole); the raw JSON box stays too.

The workflows: "apply settings from another shot" (or project) with the shot (project)
chosen in the dropdown, and "reset to project" (or "reset to my settings") show the plan's
lines in the confirm row before they write; "promote" on a row the shot sets makes it the
project's value in one step (the notice says what changed).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

import ipywidgets as W
from ipywidgets.widgets.widget_bool import CheckboxStyle
from ipywidgets.widgets.widget_description import DescriptionStyle
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle

from workbench.client import Workbench
from workbench.settings.registry import DEFAULT_TOOL
from workbench.views import FieldRow, SettingsModel, SettingsState
from workbench.views.confirm import Confirmation
from workbench.views.connection import workbench_connection
from workbench.views.navigator import starting_point
from workbench.views.presentation import STATUS_BADGES, scope_badge
from workbench.views.settings import COLUMN_TITLES, FieldStatus
from workbench.views.settings_structure import Editor, Node

from .confirm import ConfirmRow
from .render import MUTED, Renderer, error_line, themed
from .session import resolve
from .settings_history import Extras
from .status import status_html as line_html

COLUMNS = (
    "minmax(140px, 1fr) minmax(200px, 2fr) minmax(90px, auto) 80px minmax(120px, 1.5fr) 64px auto"
)


class _Shared:
    """Layouts and styles every row shares: each widget otherwise makes its own ``Layout``
    and style models, about a kilobyte on the wire apiece, which for a tool's 30 rows was
    half of what the settings widget sent. Made once per kernel, on first use."""

    def __init__(self) -> None:
        self.cell = W.Layout()
        self.auto = W.Layout(width="auto")
        # A text box shares its cell with the "items" toggle: it gives way, the toggle not.
        self.fill = W.Layout(width="auto", flex="1 1 auto", min_width="0")
        self.html = HTMLStyle()
        self.button = W.ButtonStyle()
        self.text = TextStyle()
        self.description = DescriptionStyle()
        self.checkbox = CheckboxStyle()
        self.reset = W.Layout(width="56px")
        self.promote = W.Layout(width="72px")
        self.items_shown = W.Layout(width="64px", flex="0 0 auto")  # never squeezed to "i…"
        self.items_hidden = W.Layout(width="64px", display="none")
        # The structured editor's columns.
        self.label = W.Layout(width="180px")
        self.node_value = W.Layout(width="220px")
        self.node_kind = W.Layout(width="150px")
        self.node_default = W.Layout(width="120px")
        self.small = W.Layout(width="32px")
        self.add = W.Layout(width="64px")
        self.new = W.Layout(width="140px")

    def html_cell(self, value: str = "") -> W.HTML:
        return W.HTML(value, layout=self.cell, style=self.html)


_shared: _Shared | None = None


def shared() -> _Shared:
    """The kernel's shared layouts and styles (see ``_Shared``)."""
    global _shared  # noqa: PLW0603  # one set per kernel, made when a first row needs it
    if _shared is None:
        _shared = _Shared()
    return _shared


STATUS_THEME: dict[FieldStatus, str] = {
    "saved": "--jp-success-color1",
    "saving": "--jp-warn-color1",
    "failed": "--jp-error-color1",
}
"""The theme variable each save status takes in JupyterLab (the TUI's colour as fallback)."""


def status_html(status: FieldStatus | None) -> str:
    """A save status as the shared badge's word in its theme colour, the TUI's colour as the
    fallback (the TUI shows the same word); None (an untouched row): nothing."""
    if status is None:
        return ""
    badge = STATUS_BADGES[status]
    return f"<span style='color:{themed(STATUS_THEME[status], badge.colour)}'>{badge.label}</span>"


def overrides(row: FieldRow) -> str:
    return html.escape(", ".join(f"{scope} {json.dumps(value)}" for scope, value in row.overrides))


def slug(key: str) -> str:
    """A field's or nested place's name as a CSS class suffix (``loras[0].name`` →
    ``loras-0-name``)."""
    return key.replace(".", "-").replace("[", "-").replace("]", "")


def _small(text: str) -> str:
    return f"<span style='font-size:11px'>{html.escape(text)}</span>"


def _muted(text: str) -> str:
    return f"<span style='font-size:11px;color:{MUTED}'>{html.escape(text)}</span>"


def header_cells() -> list[W.HTML]:
    """The grid's column headers (the view model's words), one cell per column."""
    cells = []
    for title in COLUMN_TITLES:
        cell = W.HTML(f"<b style='font-size:12px;color:{MUTED}'>{html.escape(title)}</b>",
                      layout=shared().cell, style=shared().html)  # fmt: skip
        cell.add_class("wb-settings-header")
        cells.append(cell)
    return cells


def make_control(editor: Editor, choices: tuple[Any, ...]) -> W.Widget:
    """The control a field of this ``editor`` is edited with (see ``FieldRow.editor``)."""
    common = shared()
    if editor == "integer":
        return W.IntText(continuous_update=False, layout=common.auto, style=common.description)
    if editor == "number":
        return W.FloatText(continuous_update=False, layout=common.auto,
                           style=common.description)  # fmt: skip
    if editor == "bool":
        return W.Checkbox(indent=False, layout=common.auto, style=common.checkbox)
    if editor == "choice":
        return W.Dropdown(options=[(str(c), c) for c in choices], value=None,
                          layout=common.auto, style=common.description)  # fmt: skip
    return W.Text(continuous_update=False, layout=common.fill, style=common.text)


def control_value(row: FieldRow) -> Any:
    """What ``row``'s control holds: the number, the bool, the choice, or the text."""
    if row.editor == "integer":
        return int(row.value)
    if row.editor == "number":
        return float(row.value)
    if row.editor in ("bool", "choice"):
        return row.value
    return row.entry


class NodeLine:
    """One line of a structured editor: the indented label, the value (a box for a leaf, a
    count for a list or an object), type and default, and the buttons its place allows."""

    def __init__(self, node: Node) -> None:
        self.node = node
        common = shared()
        self.label = W.HTML(
            f"<code style='padding-left:{1.5 * node.depth:g}em'>{html.escape(node.label)}</code>",
            layout=common.label, style=common.html,
        )  # fmt: skip
        self.value: W.Widget = (
            W.Text(node.shown, continuous_update=False, layout=common.node_value, style=common.text)
            if node.leaf
            else W.HTML(layout=common.node_value, style=common.html)
        )
        self.kind = W.HTML(_small(node.kind), layout=common.node_kind, style=common.html)
        self.default = W.HTML(_muted(f"default {node.default}"), layout=common.node_default,
                              style=common.html)  # fmt: skip
        self.up = W.Button(description="↑", tooltip="move up", layout=common.small,
                           style=common.button)  # fmt: skip
        self.down = W.Button(description="↓", tooltip="move down", layout=common.small,
                             style=common.button)  # fmt: skip
        self.remove = W.Button(description="✕", tooltip="remove this item", layout=common.small,
                               style=common.button)  # fmt: skip
        self.add = W.Button(description="+ add", tooltip="add an item", layout=common.add,
                            style=common.button)  # fmt: skip
        self.new = W.Text(placeholder="new item", continuous_update=False, layout=common.new,
                          style=common.text)  # fmt: skip
        buttons: list[W.Widget] = []
        if node.index is not None:
            buttons += [self.up, self.down, self.remove]
        if node.adds == "value":
            buttons.append(self.new)
        if node.adds is not None:
            buttons.append(self.add)
        key = slug(node.key)
        for name in ("value", "up", "down", "remove", "add", "new"):
            getattr(self, name).add_class(f"wb-node-{name}-{key}")
        self.box = W.HBox([self.label, self.value, self.kind, self.default, *buttons],
                          layout=common.cell)  # fmt: skip
        self.show(node)

    def show(self, node: Node) -> None:
        """Show the node's value (a render: the box's observer ignores it) and which moves
        its place allows."""
        self.node = node
        if isinstance(self.value, W.Text):  # an unset optional field: empty, "not set" greyed
            self.value.value = node.shown if node.present else ""
            self.value.placeholder = "" if node.present else node.shown
        else:
            size = len(node.value)
            what = "item" if isinstance(node.value, list) else "field"
            self.value.value = _small(f"{size} {what}{'' if size == 1 else 's'}")
        self.up.disabled = not node.can_move_up
        self.down.disabled = not node.can_move_down

    def close(self) -> None:
        """Close the line's widgets."""
        for widget in (self.label, self.value, self.kind, self.default, self.up, self.down,
                       self.remove, self.add, self.new, self.box):  # fmt: skip
            widget.close()


class NestedEditor(W.VBox):
    """The structured editor of one list or object field, under its row: ``NodeLine``s and
    the refusals of its places. Its commands go straight to the view model."""

    def __init__(self, model: SettingsModel, path: str, rendering: Renderer) -> None:
        self.model = model
        self.path = path
        self._rendering = rendering
        self.lines: dict[str, NodeLine] = {}
        self.errors = W.HTML()
        self.errors.add_class(f"wb-nested-errors-{slug(path)}")
        super().__init__([self.errors], layout=W.Layout(grid_column="1 / -1",
                                                        margin="0 0 8px 24px"))  # fmt: skip
        self.add_class("wb-nested")

    def show(self, state: SettingsState) -> None:
        """Redraw from the value shown now: lines made again when the places changed (an
        item added, removed or moved), else their values updated in place."""
        nodes = self.model.nodes(self.path)
        shape = [(n.key, n.leaf, n.adds) for n in nodes]
        if shape != [(line.node.key, line.node.leaf, line.node.adds)
                     for line in self.lines.values()]:  # fmt: skip
            for line in self.lines.values():
                line.close()
            self.lines = {n.key: self._line(n) for n in nodes}
            self.children = [*(line.box for line in self.lines.values()), self.errors]
        for node in nodes:
            self.lines[node.key].show(node)
        mine = [m for k, m in state.field_errors.items()
                if k == self.path or k.startswith((f"{self.path}[", f"{self.path}."))]  # fmt: skip
        self.errors.value = error_line("; ".join(mine) if mine else None)

    def _line(self, node: Node) -> NodeLine:
        line = NodeLine(node)
        model = self.model

        def edited(change: dict[str, Any]) -> None:
            typed, node = change["new"], line.node
            if not self._rendering.active and typed != (node.shown if node.present else ""):
                model.set_nested_typed(node.path, typed)

        def add(_: Any) -> None:
            if line.node.adds == "value":
                model.add_item(line.node.path, line.new.value, typed=True)
            else:
                model.add_item(line.node.path)

        if isinstance(line.value, W.Text):
            line.value.observe(edited, "value")
        line.add.on_click(add)
        line.remove.on_click(lambda _: model.remove_item(line.node.path))
        line.up.on_click(lambda _: model.move_item(line.node.path, -1))
        line.down.on_click(lambda _: model.move_item(line.node.path, 1))
        return line

    def close(self) -> None:
        """Close its lines and itself."""
        for line in self.lines.values():
            line.close()
        self.errors.close()
        super().close()


class FieldWidgets:
    """The widgets of one row, kept while the tool stays the same; the value's control is
    made again when the field's editor changes (a reset to a default of another type)."""

    def __init__(
        self, path: str, on_entry: Callable[[FieldWidgets, Any], None] | None = None
    ) -> None:
        self.path = path
        self.row: FieldRow | None = None
        self._on_entry = on_entry or (lambda widgets, entry: None)  # None: shown, not edited
        common = shared()
        self.name = common.html_cell(f"<code>{html.escape(path)}</code>")
        self.editor: tuple[Editor, tuple[Any, ...]] = ("text", ())
        self.value: W.Widget = self._control("text", ())
        self.error = common.html_cell()  # why the typed value was refused, under it
        self.items = W.ToggleButton(description="items", tooltip="edit item by item",
                                    layout=common.items_hidden)  # fmt: skip
        self.value_line = W.HBox([self.value, self.items], layout=common.cell)
        self.value_cell = W.VBox([self.value_line, self.error], layout=common.auto)
        self.kind = common.html_cell()  # its type, and its default under it
        self.scope = common.html_cell()
        self.overrides = common.html_cell()
        self.status = common.html_cell()
        self.reset = W.Button(description="reset", tooltip="remove this scope's value",
                              layout=common.reset, style=common.button)  # fmt: skip
        self.promote = W.Button(description="promote", layout=common.promote,
                                style=common.button,
                                tooltip="make this shot's value the project's")  # fmt: skip
        self.actions = W.HBox([self.reset, self.promote], layout=common.cell)
        self.nested: NestedEditor | None = None  # the structured editor, while open
        key = slug(path)
        for name in ("error", "items", "kind", "scope", "overrides", "status",
                     "reset", "promote"):  # fmt: skip
            widget = getattr(self, name)
            widget.add_class(f"wb-field-{name}")
            widget.add_class(f"wb-field-{name}-{key}")

    def _control(self, editor: Editor, choices: tuple[Any, ...]) -> W.Widget:
        """A new value control (classes ``wb-field-value``, ``wb-field-value-<field>`` and
        ``wb-editor-<editor>``) whose changes go to ``on_entry``."""
        control = make_control(editor, choices)
        for name in ("wb-field-value", f"wb-field-value-{slug(self.path)}", f"wb-editor-{editor}"):
            control.add_class(name)
        control.observe(lambda change: self._on_entry(self, change["new"]), "value")
        self.editor = (editor, choices)
        return control

    def close(self) -> None:
        for cell in self.cells:
            cell.close()
        for widget in (self.value, self.items, self.value_line, self.reset, self.promote):
            widget.close()

    @property
    def cells(self) -> list[W.Widget]:
        cells = [self.name, self.value_cell, self.kind, self.scope, self.overrides,
                 self.status, self.actions]  # fmt: skip
        return [*cells, self.nested] if self.nested is not None else cells

    def show(self, row: FieldRow, edit_scope: str, error: str | None = None) -> None:
        """Show ``row``; while ``error`` (a refusal) stands, the typed value stays as typed.
        "reset" is enabled when the "edit at" scope itself sets the field; "promote" shows on
        a shot's rows, enabled where the shot sets the field; "items" on lists and objects."""
        self.row = row
        if (row.editor, row.choices) != self.editor and error is None:
            old, self.value = self.value, self._control(row.editor, row.choices)
            self.value_line.children = [self.value, self.items]
            old.close()
        if error is None:
            wanted = control_value(row)
            if self.value.value != wanted or type(self.value.value) is not type(wanted):
                self.value.value = wanted
        self.error.value = error_line(error)
        self.kind.value = _small(row.kind) + "<br>" + _muted(f"default {row.default}")
        self.scope.value = scope_badge(row.scope)
        self.overrides.value = f"<span style='font-size:11px'>{overrides(row)}</span>"
        self.status.value = status_html(row.status_shown)
        self.reset.disabled = not row.set_at(edit_scope)
        self.reset.tooltip = f"remove the value set at {edit_scope} scope"
        self.promote.disabled = not row.promotable
        wanted = shared().items_shown if row.nested else shared().items_hidden
        if self.items.layout is not wanted:
            self.items.layout = wanted


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
        self.headers = header_cells()  # the grid's first line, while it has rows

        self.tool = W.Dropdown(description="tool", layout=W.Layout(width="320px"))
        self.edit_scope = W.Dropdown(description="edit at", layout=W.Layout(width="200px"))
        self.target = W.HTML()
        self.status = W.HTML()
        self.error = W.HTML()
        self.retry = W.Button(description="retry failed", layout=W.Layout(display="none"))
        self.notice = W.HTML()  # a remark on the last command ("nothing to reset")
        self.confirm = ConfirmRow()  # asks before a reset that reaches beyond this target
        # The workflows: apply from the shot (project) chosen here, reset overrides.
        self.source = W.Dropdown(description="from", layout=W.Layout(width="320px"))
        self.apply_from = W.Button(layout=W.Layout(width="auto"))
        self.reset_overrides = W.Button(layout=W.Layout(width="auto"))
        self.workflows = W.HBox([self.source, self.apply_from, self.reset_overrides])
        self.grid = W.GridBox(layout=W.Layout(grid_template_columns=COLUMNS, grid_gap="2px 8px",
                                              align_items="center"))  # fmt: skip
        for name in ("tool", "edit_scope", "status", "error", "retry", "source",
                     "apply_from", "reset_overrides"):  # fmt: skip
            getattr(self, name).add_class(f"wb-{name.replace('_', '-')}")
        self.grid.add_class("wb-fields")  # not "wb-grid": the gallery's grid is that
        self.tool.observe(self._switch_tool, "value")
        self.edit_scope.observe(self._switch_edit_scope, "value")
        self.retry.on_click(lambda _: self.model.retry())
        self.apply_from.on_click(lambda _: self._apply_from())
        self.reset_overrides.on_click(lambda _: self._ask(self.model.plan_reset_overrides()))
        # "History" and "Compare" toggles, and the panel they open (widgets/settings_history.py)
        self.extras = Extras(self.wb, self.model)
        header = W.HBox([self.tool, self.edit_scope, self.target, self.status,
                         *self.extras.buttons])  # fmt: skip
        super().__init__([header, self.workflows, self.error, self.notice, self.retry,
                          self.confirm, self.grid, self.extras.panel])  # fmt: skip
        self.add_class("wb-settings")
        self._unsubscribe = self.model.subscribe(self._render)
        # The connection's word follows the workbench's health (told on a thread of its own).
        self._unhealthy = self.wb.health.changed.add(lambda _: self._render_status())
        self.model.keep_sources = True  # the dropdown follows the target the model opens
        if self.model.state.copy_label is not None:
            self.model.load_sources()  # the dropdown's shots (projects): one or two queries
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

    def _edited(self, widgets: FieldWidgets, entry: Any) -> None:
        """A value entered in a row's control: the model reads it by the row's editor (the
        value already there clears a refusal; a refusal shows beside the field)."""
        if self._rendering.active or widgets.row is None:
            return
        self.model.set_entry(widgets.row.path, entry, scope=self.edit_scope.value)

    def _apply_from(self) -> None:
        """Plan applying the chosen shot's (project's) settings here; ask with its lines."""
        if not self.model.state.sources:
            self.model.load_sources()
        if isinstance(self.source.value, str):
            self._ask(self.model.plan_copy(self.source.value))

    def _ask(self, question: Confirmation | None) -> None:
        """Show a workflow's plan in the confirm row; its verb carries it out. None: there
        was nothing to change (the notice says so) or it failed (the error line does)."""
        if question is not None:
            self.confirm.ask(question, self._apply_plan)

    def _apply_plan(self) -> None:
        """The confirm row's verb: carry out the plan it showed (one write, undoable)."""
        self.model.apply_plan()

    def _promote(self, widgets: FieldWidgets) -> None:
        """Promote the row's field to the project in one step (the notice says what)."""
        if widgets.row is not None:
            self.model.promote(widgets.row.path)

    def _toggle_items(self, widgets: FieldWidgets, change: dict[str, Any]) -> None:
        """Open or close the row's structured editor (under the row, the grid's full width)."""
        if change["new"] and widgets.nested is None:
            widgets.nested = NestedEditor(self.model, widgets.path, self._rendering)
        elif not change["new"] and widgets.nested is not None:
            widgets.nested.close()
            widgets.nested = None
        self._lay_out()
        self._render(self.model.state)

    def _lay_out(self) -> None:
        """The grid's cells: the headers (when there are rows), then each row's."""
        cells = [cell for w in self.rows.values() for cell in w.cells]
        self.grid.children = [*self.headers, *cells] if cells else []

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
        self._show_status(state)
        self.error.value = error_line(state.error)
        self.notice.value = (
            f"<span style='font-size:12px;color:{MUTED}'>{html.escape(state.notice)}</span>"
            if state.notice else ""
        )  # fmt: skip
        self.retry.layout.display = None if state.status == "failed" else "none"
        self.workflows.layout.display = None if state.copy_label else "none"
        self.apply_from.description = state.copy_label or ""
        self.reset_overrides.description = state.reset_label or ""
        options = [(s.label, s.key) for s in state.sources]
        if list(self.source.options) != options:
            self.source.options = options
        self.apply_from.disabled = not options
        paths = [row.path for row in state.rows]
        if paths != list(self.rows):
            old, self.rows = self.rows, {p: self.rows.get(p) or self._new_row(p) for p in paths}
            for path in old.keys() - self.rows.keys():
                old[path].close()
            self._lay_out()
        for row in state.rows:
            widgets = self.rows[row.path]
            widgets.show(row, state.edit_scope, state.field_errors.get(row.path))
            widgets.promote.layout.display = None if state.promote_label else "none"
            if widgets.nested is not None:
                widgets.nested.show(state)

    def _show_status(self, state: SettingsState) -> None:
        """The status line: the fields and their edits, then the connection's word."""
        connection = workbench_connection(self.wb, loading=state.loading)
        self.status.value = line_html(state.status_text, connection)

    def _render_status(self) -> None:
        self._rendering(self._show_status, self.model.state)

    def _new_row(self, path: str) -> FieldWidgets:
        widgets = FieldWidgets(path, self._edited)
        widgets.reset.on_click(lambda _: self._reset(widgets))
        widgets.promote.on_click(lambda _: self._promote(widgets))
        widgets.items.observe(lambda change: self._toggle_items(widgets, change), "value")
        return widgets

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Write what is queued, stop following the database, remove the widget."""
        if self._built:
            self._unsubscribe()
            self._unhealthy()
            self.extras.close()
            self.model.close()
        super().close()

    def __repr__(self) -> str:
        state = self.model.state
        return (
            f"<Settings {state.tool_id} for {state.scope} · {len(state.rows)} fields · "
            f"{state.status}>"
        )
