"""The settings pane's structured editor (a nested value as an indented list of its items and
fields: add, remove and move items, edit a leaf) and its small dialogs: a value to type, and
the shot (or project) to apply settings from."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, OptionList
from textual.widgets.option_list import Option

from workbench.tui.screens.dialogs import DIALOG_CSS, EditValue
from workbench.tui.threads import RendersModel
from workbench.views.settings import SettingsState, Source
from workbench.views.settings_structure import Node, nested_key

if TYPE_CHECKING:
    from workbench.views.settings import SettingsModel


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _summary(node: Node) -> str:
    """A leaf's JSON, or how many items (fields) a list (object) holds."""
    if node.leaf:
        return _short(node.shown, 40)
    size = len(node.value)
    if isinstance(node.value, list):
        return f"[{size} item{'' if size == 1 else 's'}]"
    return f"{{{size} field{'' if size == 1 else 's'}}}"


class AskValue(ModalScreen[str | None]):
    """Asks for one value as text (JSON when it parses, else the text itself): a leaf of a
    nested value, or the new item of a list of scalars. Dismissed with the text, or None.

    | Key(s) | Description |
    | :- | :- |
    | escape | Cancel. |
    """

    DEFAULT_CSS = DIALOG_CSS.format(name="AskValue")
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, text: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield Input(self.text, id="value")

    def on_mount(self) -> None:
        self.query_one("#value", Input).focus()

    @on(Input.Submitted, "#value")
    def submitted(self, event: Input.Submitted) -> None:
        """Dismiss with the typed text: the model checks it (a refusal shows in the editor)."""
        self.dismiss(event.value)


class PickSource(ModalScreen[str | None]):
    """Chooses the shot (or project) to apply settings from, among the model's ``sources``.
    Dismissed with the chosen source's key, or None.

    | Key(s) | Description |
    | :- | :- |
    | escape | Cancel. |
    """

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="PickSource")
        + """
    PickSource OptionList { max-height: 16; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, sources: tuple[Source, ...]) -> None:
        super().__init__()
        self.title_text = title
        self.sources = sources

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]{escape(self.title_text)}[/]: from which?")
            if not self.sources:
                yield Label("(there is nothing else to apply settings from)")
            yield OptionList(
                *[Option(escape(s.label), id=s.key) for s in self.sources], id="sources"
            )

    def on_mount(self) -> None:
        self.query_one("#sources", OptionList).focus()

    @on(OptionList.OptionSelected, "#sources")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        """Dismiss with the chosen source's key."""
        if event.option.id is not None:
            self.dismiss(event.option.id)


KEYS_HINT = (
    "[b]enter[/] edit · [b]a[/] add item · [b]x[/] remove · [b]K[/]/[b]J[/] move up/down · "
    "[b]v[/] raw JSON · [b]esc[/] back"
)
"""The editor's keys, shown under its lines (a modal screen has no footer of its own)."""


class StructuredEditor(RendersModel[SettingsState], ModalScreen[None]):
    """One nested field of the settings pane (a list such as ``loras`` or ``pairConfigs``, an
    object) as an indented list of its items and fields, each with its value, type and
    default (the view model's words). Every command is one validated write at the pane's
    "edit at" scope (a list is written whole): a refusal shows under the list, nothing is
    written. The raw JSON of the whole field can still be edited (``v``).

    | Key(s) | Description |
    | :- | :- |
    | escape, q | Back to the settings. |
    | enter | Edit the value under the cursor (a leaf). |
    | a | Add an item to the list under the cursor (or the list holding it). |
    | x, delete | Remove the list item under the cursor. |
    | K, shift+up | Move the list item under the cursor up. |
    | J, shift+down | Move the list item under the cursor down. |
    | v | Edit the whole field as raw JSON. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back"),
        Binding("enter", "edit", "Edit"),
        Binding("a", "add", "Add item"),
        Binding("x,delete", "remove", "Remove item"),
        Binding("K,shift+up", "move(-1)", "Up"),
        Binding("J,shift+down", "move(1)", "Down"),
        Binding("v", "raw", "Raw JSON"),
    ]
    DEFAULT_CSS = """
    StructuredEditor { align: center middle; }
    StructuredEditor > Vertical {
        width: 90%; height: 80%; padding: 1 2; border: thick $accent; background: $surface;
    }
    StructuredEditor #title { text-style: bold; }
    StructuredEditor #where { color: $text-muted; }
    StructuredEditor DataTable { height: 1fr; }
    StructuredEditor #problem { color: $error; height: auto; }
    StructuredEditor #remark { color: $text-muted; height: auto; }
    StructuredEditor #keys { color: $text-muted; height: auto; }
    """
    WORKERS = "settings-editor"

    def __init__(self, model: SettingsModel, path: str) -> None:
        super().__init__()
        self.model: SettingsModel = model
        self.path = path
        self.nodes: tuple[Node, ...] = ()
        self._follow: str | None = None  # the key of an item being moved

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("", id="title")
            yield Label("", id="where")
            table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True, id="nodes")
            table.add_columns("field", "value", "type", "default")
            yield table
            yield Label("", id="problem")
            yield Label("", id="remark")
            yield Label(KEYS_HINT, id="keys")

    def on_mount(self) -> None:
        self.query_one("#nodes", DataTable).focus()

    def render_state(self, state: SettingsState) -> None:
        """Redraw the lines from the value shown now (edits in flight included), keeping the
        cursor's line; the refusals of this field's places under them."""
        row = next((r for r in state.rows if r.path == self.path), None)
        status = row.status if row is not None else "saved"
        self.query_one("#title", Label).update(
            f"{escape(state.tool_id)} · {escape(self.path)} · {status}"
        )
        self.query_one("#where", Label).update(
            f"for this [b]{state.scope}[/] · edits go to [b]{state.edit_scope}[/] scope "
            "(a list is written whole)"
        )
        mine = [
            message
            for key, message in state.field_errors.items()
            if key == self.path or key.startswith((f"{self.path}[", f"{self.path}."))
        ]
        self.query_one("#problem", Label).update(escape("⚠ " + "; ".join(mine)) if mine else "")
        self.query_one("#remark", Label).update(escape(state.notice or ""))
        nodes = self.model.nodes(self.path)
        if nodes == self.nodes:
            return
        table = self.query_one("#nodes", DataTable)
        cursor = table.cursor_row
        self.nodes = nodes
        table.clear()
        for node in nodes:
            table.add_row(
                escape("  " * node.depth + node.label), escape(_summary(node)),
                escape(node.kind), escape(_short(node.default, 20)), key=node.key,
            )  # fmt: skip
        keys = [node.key for node in nodes]
        if self._follow in keys:  # an item just moved: the cursor goes with it
            cursor, self._follow = keys.index(self._follow), None
        if nodes:
            table.move_cursor(row=min(max(cursor, 0), len(nodes) - 1))

    def selected(self) -> Node | None:
        """The line under the cursor (None in an empty editor)."""
        row = self.query_one("#nodes", DataTable).cursor_row
        return self.nodes[row] if 0 <= row < len(self.nodes) else None

    def _item(self) -> Node | None:
        """The list item under the cursor, or the one holding the line under it."""
        node = self.selected()
        if node is None:
            return None
        for candidate in reversed(self.nodes[: self.nodes.index(node) + 1]):
            if candidate.index is not None and candidate.path == node.path[: len(candidate.path)]:
                return candidate
        return None

    def _list(self) -> Node | None:
        """The list under the cursor, or the nearest list holding the line under it."""
        node = self.selected()
        if node is None:
            return None
        for candidate in reversed(self.nodes[: self.nodes.index(node) + 1]):
            if candidate.adds is not None and candidate.path == node.path[: len(candidate.path)]:
                return candidate
        return None

    @on(DataTable.RowSelected, "#nodes")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter (or a click) on a line edits it, as the ``enter`` binding does."""
        self.action_edit()

    def action_close(self) -> None:
        """Back to the settings pane."""
        self.dismiss(None)

    def action_edit(self) -> None:
        """Ask for the leaf's new value; the model checks it and writes it at "edit at"."""
        node = self.selected()
        if node is None or not node.leaf:
            return
        path = node.path

        def typed(text: str | None) -> None:
            if text is not None:
                self.in_worker(partial(self.model.set_nested_typed, path, text))

        title = f"[b]{escape(node.key)}[/] ({escape(node.kind)}; default {escape(node.default)})"
        self.app.push_screen(AskValue(title, node.shown if node.present else ""), typed)

    def action_add(self) -> None:
        """Add an item to the list: made from its known shape, or typed (a list of scalars)."""
        target = self._list()
        if target is None:
            return
        path = target.path
        if target.adds == "item":
            self.in_worker(partial(self.model.add_item, path))
            return

        def typed(text: str | None) -> None:
            if text is not None:
                self.in_worker(partial(self.model.add_item, path, text, typed=True))

        self.app.push_screen(AskValue(f"New item of [b]{escape(target.key)}[/]:"), typed)

    def action_remove(self) -> None:
        """Remove the list item under the cursor (the whole list is written without it)."""
        item = self._item()
        if item is not None:
            self.in_worker(partial(self.model.remove_item, item.path))

    def action_move(self, offset: int) -> None:
        """Move the list item under the cursor up (-1) or down (+1), and the cursor with it."""
        item = self._item()
        if item is None:
            return
        self.in_worker(partial(self.model.move_item, item.path, offset))
        if item.index is not None and 0 <= item.index + offset < item.count:
            self._follow = nested_key((*item.path[:-1], item.index + offset))

    def action_raw(self) -> None:
        """Edit the whole field's value as JSON text, as the pane's edit dialog does."""
        row = next((r for r in self.model.state.rows if r.path == self.path), None)
        if row is None:
            return

        def edited(result: tuple[object, str] | None) -> None:
            if result is not None:
                value, scope = result
                self.in_worker(partial(self.model.set_field, self.path, value, scope=scope))

        state = self.model.state
        dialog = EditValue(row, state.scopes, scope=state.edit_scope, check=self.model.check)
        self.app.push_screen(dialog, edited)
