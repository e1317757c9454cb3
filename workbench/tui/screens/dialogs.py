"""Small modal dialogs: confirm a destructive change, edit a settings value at a scope, pick a
shot."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, RadioButton, RadioSet
from textual.widgets.option_list import Option

from workbench.errors import ValidationError
from workbench.settings.resolve import parse_value
from workbench.views import FieldRow
from workbench.views.confirm import Confirmation

# A settings value is JSON, so the value a dialog returns is typed Any.

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 70; height: auto; padding: 1 2; border: thick $accent; background: $surface;
}}
{name} Label {{ width: 100%; }}
{name} Horizontal {{ height: auto; }}
{name} Button {{ margin: 1 1 0 0; }}
"""


class Confirm(ModalScreen[bool]):
    """Asks a view model's ``Confirmation`` before a destructive change; dismissed with True
    to go ahead. The safe answer has the focus, so an Enter typed by habit changes nothing.

    | Key(s) | Description |
    | :- | :- |
    | escape | Cancel. |
    """

    DEFAULT_CSS = DIALOG_CSS.format(name="Confirm")
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss(False)", "Cancel")]

    def __init__(self, confirmation: Confirmation) -> None:
        super().__init__()
        self.confirmation = confirmation

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]{escape(self.confirmation.question)}[/]")
            for line in self.confirmation.details:
                yield Label(escape(line))
            with Horizontal():
                yield Button(self.confirmation.verb, variant="error", id="yes")
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed, "#yes")
    def go_ahead(self) -> None:
        """Dismiss with True: the change goes ahead."""
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def cancel(self) -> None:
        """Dismiss with False: nothing changes."""
        self.dismiss(False)


class EditValue(ModalScreen[tuple[Any, str] | None]):
    """Asks for a field's new value (JSON, else text) and the scope to write it at, among the
    ``scopes`` edits may go to (``scope``, the pane's "edit at", is chosen first). With a
    ``check`` (the view model's ``SettingsModel.check``), a value it refuses is not returned:
    the reason shows under the value and the dialog stays open. Dismissed with
    ``(value, scope)``, or None when cancelled.

    | Key(s) | Description |
    | :- | :- |
    | escape | Cancel. |
    """

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="EditValue")
        + """
    EditValue #field-error { color: $error; height: auto; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss(None)", "Cancel")]

    def __init__(
        self,
        row: FieldRow,
        scopes: tuple[str, ...],
        *,
        scope: str | None = None,
        check: Callable[[str, Any, str], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.row = row
        self.scopes = scopes
        self.scope = scope if scope in scopes else scopes[-1]
        self.check = check
        self.error = ""  # the refusal shown under the value, if any

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]{escape(self.row.path)}[/]  now {escape(json.dumps(self.row.value))} "
                        f"from {self.row.scope}")  # fmt: skip
            yield Input(json.dumps(self.row.value), id="value")
            yield Label("", id="field-error")
            with RadioSet(id="scope"):
                for scope in self.scopes:
                    yield RadioButton(f"at {scope} scope", value=scope == self.scope, name=scope)
            with Horizontal():
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def save(self) -> None:
        """Check the typed value (read as JSON if it parses) at the chosen scope, off the UI
        thread (the check may read the database once); dismiss with it when accepted."""
        pressed = self.query_one("#scope", RadioSet).pressed_button
        scope = pressed.name if pressed is not None and pressed.name else self.scopes[-1]
        try:
            value = parse_value(self.query_one("#value", Input).value)
        except ValidationError as exc:  # JSON too deep or a number too long to read
            self._checked(None, scope, str(exc))
            return
        if self.check is None:
            self.dismiss((value, scope))
            return
        check = self.check
        path = self.row.path

        def work() -> None:
            message = check(path, value, scope)
            self.app.call_from_thread(self._checked, value, scope, message)

        self.run_worker(work, thread=True, group="check", exclusive=True)

    def _checked(self, value: Any, scope: str, message: str | None) -> None:
        if message is None:
            self.dismiss((value, scope))
        else:
            self.error = message
            self.query_one("#field-error", Label).update(f"⚠ {escape(message)}")
            self.query_one("#value", Input).focus()

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        """Dismiss with None: nothing changes."""
        self.dismiss(None)


class PickShot(ModalScreen[str | None]):
    """Choose one of the project's ``shots`` (id, name); dismissed with the chosen shot's id
    as text, or None when cancelled.

    | Key(s) | Description |
    | :- | :- |
    | escape | Cancel. |
    """

    DEFAULT_CSS = DIALOG_CSS.format(name="PickShot")
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss(None)", "Cancel")]

    def __init__(self, shots: list[tuple[uuid.UUID, str]]) -> None:
        super().__init__()
        self.shots = shots

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Add to which shot? (at the end of its timeline)")
            yield OptionList(*[Option(name, id=str(shot_id)) for shot_id, name in self.shots])

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        """Dismiss with the selected shot's id."""
        self.dismiss(event.option.id)
