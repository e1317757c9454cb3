"""Small modal dialogs: confirm a destructive change, edit a settings value at a scope, pick a
shot (and where in it), choose where a download goes; ask a name, one of a few choices, a new
project's name and aspect ratio, and where on a timeline an item goes."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList, RadioButton, RadioSet
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


class PickShot(ModalScreen[tuple[str, str | None] | None]):
    """Choose one of the project's ``shots`` (id, name) and where the items go in it: at the
    end of its timeline, or unpositioned (in the shot without a frame, as Reigh's
    "unpositioned"). Dismissed with (the shot's id as text, "end" or None), or None when
    cancelled. ``count`` is how many items are being added (said in the question), ``verb``
    what happens to them ("Add", or "Move" out of the shot shown).

    | Key(s) | Description |
    | :- | :- |
    | escape | Cancel. |
    """

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="PickShot")
        + """
    PickShot RadioSet { width: 100%; margin-bottom: 1; }
    PickShot OptionList { max-height: 16; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss(None)", "Cancel")]

    def __init__(
        self, shots: list[tuple[uuid.UUID, str]], count: int = 1, verb: str = "Add"
    ) -> None:
        super().__init__()
        self.shots = shots
        self.count = count
        self.verb = verb

    def compose(self) -> ComposeResult:
        what = "it" if self.count == 1 else f"these {self.count}"
        with Vertical():
            yield Label(f"{escape(self.verb)} {what} to which shot? ([b]tab[/]: where in it)")
            with RadioSet(id="where"):
                yield RadioButton("at the end of its timeline", value=True, name="end")
                yield RadioButton("unpositioned (no frame)", name="unpositioned")
            yield OptionList(*[Option(escape(name), id=str(shot_id))
                               for shot_id, name in self.shots], id="shots")  # fmt: skip

    def on_mount(self) -> None:
        self.query_one("#shots", OptionList).focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        """Dismiss with the selected shot's id and the chosen place in it."""
        pressed = self.query_one("#where", RadioSet).pressed_button
        frame = None if pressed is not None and pressed.name == "unpositioned" else "end"
        if event.option.id is not None:
            self.dismiss((event.option.id, frame))


class AskName(ModalScreen[str | None]):
    """Asks for a name (a new shot's, a rename): ``question`` over a box holding ``value``;
    enter or OK dismisses with the text as typed (the view model judges it: an empty new
    shot's name means Reigh's next "Shot N"), escape or Cancel with None.

    | Key(s) | Description |
    | :- | :- |
    | escape | Cancel. |
    """

    DEFAULT_CSS = DIALOG_CSS.format(name="AskName")
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss(None)", "Cancel")]

    def __init__(self, question: str, value: str = "", *, placeholder: str = "") -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]{escape(self.question)}[/]")
            yield Input(self.value, placeholder=self.placeholder, id="name")
            with Horizontal():
                yield Button("OK", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    @on(Input.Submitted, "#name")
    @on(Button.Pressed, "#ok")
    def ok(self) -> None:
        """Dismiss with the typed name."""
        self.dismiss(self.query_one("#name", Input).value)

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        """Dismiss with None: nothing changes."""
        self.dismiss(None)


class PickOne(ModalScreen[str | None]):
    """Choose one of a few ``choices`` (an aspect ratio): ``question`` over a list, the
    cursor on ``current``. Dismissed with the chosen one, or None when cancelled.

    | Key(s) | Description |
    | :- | :- |
    | escape | Cancel. |
    """

    DEFAULT_CSS = DIALOG_CSS.format(name="PickOne") + "PickOne OptionList { max-height: 16; }"
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss(None)", "Cancel")]

    def __init__(self, question: str, choices: Sequence[str], current: str | None = None) -> None:
        super().__init__()
        self.question = question
        self.choices = list(choices)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]{escape(self.question)}[/]")
            yield OptionList(*[Option(escape(c), id=c) for c in self.choices], id="choices")

    def on_mount(self) -> None:
        options = self.query_one("#choices", OptionList)
        if self.current in self.choices:
            options.highlighted = self.choices.index(self.current)
        options.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        """Dismiss with the selected choice."""
        self.dismiss(event.option.id)


class NewProject(ModalScreen[tuple[str, str] | None]):
    """A new project's name and aspect ratio (one of ``ratios``; ``current``, the chosen
    project's, is pressed first, as a new project is made like it). Dismissed with
    (name, ratio), or None when cancelled; the view model judges the name.

    | Key(s) | Description |
    | :- | :- |
    | escape | Cancel. |
    """

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="NewProject")
        + """
    NewProject RadioSet { width: 100%; layout: grid; grid-size: 4; height: auto; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss(None)", "Cancel")]

    def __init__(self, ratios: Sequence[str], current: str | None = None) -> None:
        super().__init__()
        self.ratios = list(ratios)
        self.current = current if current in self.ratios else self.ratios[0]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]New project[/] (its settings are the chosen project's, no prompts)")
            yield Input(placeholder="name", id="name")
            yield Label("aspect ratio ([b]tab[/], then arrows and space):")
            with RadioSet(id="ratio"):
                for ratio in self.ratios:
                    yield RadioButton(ratio, value=ratio == self.current, name=ratio)
            with Horizontal():
                yield Button("Create", variant="primary", id="create")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    @on(Input.Submitted, "#name")
    @on(Button.Pressed, "#create")
    def create(self) -> None:
        """Dismiss with the typed name and the pressed ratio."""
        pressed = self.query_one("#ratio", RadioSet).pressed_button
        ratio = pressed.name if pressed is not None and pressed.name else self.current
        self.dismiss((self.query_one("#name", Input).value, ratio))

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        """Dismiss with None: nothing is made."""
        self.dismiss(None)


class PickPlace(ModalScreen[tuple[str, str | None] | None]):
    """Where on the shot's timeline an item goes: at the end (the first choice), or before or
    after one of ``others`` (generation id as text, label), the side chosen above the list
    (``side`` first, "after" unless given; given, the list starts on the first item).
    Dismissed with ("end", None) or ("before" | "after", the other's id),
    or None when cancelled.

    | Key(s) | Description |
    | :- | :- |
    | escape | Cancel. |
    """

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="PickPlace")
        + """
    PickPlace RadioSet { width: 100%; margin-bottom: 1; }
    PickPlace OptionList { max-height: 16; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss(None)", "Cancel")]
    END = "end"  # the id of the "at the end" choice

    def __init__(self, others: list[tuple[str, str]], side: str | None = None) -> None:
        super().__init__()
        self.others = others
        self.asked = side in ("before", "after")  # the list starts on an item, not the end
        self.side = side if side in ("before", "after") else "after"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Place it where on the timeline? ([b]tab[/]: before or after)")
            with RadioSet(id="side"):
                yield RadioButton("before", value=self.side == "before", name="before")
                yield RadioButton("after", value=self.side == "after", name="after")
            options = [Option("at the end of the timeline", id=self.END)]
            options += [Option(escape(label), id=other) for other, label in self.others]
            yield OptionList(*options, id="places")

    def on_mount(self) -> None:
        places = self.query_one("#places", OptionList)
        if self.asked and self.others:  # asked for before/after: start on the first item
            places.highlighted = 1
        places.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        """Dismiss with the end, or the side and the item chosen."""
        if event.option.id == self.END or event.option.id is None:
            self.dismiss((self.END, None))
            return
        pressed = self.query_one("#side", RadioSet).pressed_button
        side = pressed.name if pressed is not None and pressed.name else self.side
        self.dismiss((side, event.option.id))


def default_download_path(title: str, now: datetime | None = None) -> Path:
    """Where a download of the gallery ``title`` goes unless the user says otherwise:
    ``~/Downloads/<title>-<YYYYMMDD-HHMM>.zip``, the title made safe as a file name."""
    safe = re.sub(r"[^\w.-]+", "-", title, flags=re.UNICODE).strip("-.") or "gallery"
    when = (now or datetime.now()).strftime("%Y%m%d-%H%M")
    return Path("~/Downloads").expanduser() / f"{safe[:80]}-{when}.zip"


def download_destination(text: str) -> dict[str, Path]:
    """``{"zip": path}`` for a typed path ending in ``.zip``, else ``{"to": folder}``: the
    keyword ``DownloadModel.start`` takes. Refused with a clear ``ValidationError``: an empty
    path, a zip that exists already or whose folder does not, a folder that is a file."""
    text = text.strip()
    if not text:
        raise ValidationError("type a folder, or a file name ending in .zip")
    path = Path(text).expanduser()
    if path.suffix.lower() == ".zip":
        if path.exists():
            raise ValidationError(f"{path} exists already: choose another name")
        if not path.parent.is_dir():
            raise ValidationError(f"no folder {path.parent} to write the zip into")
        return {"zip": path}
    if path.exists() and not path.is_dir():
        raise ValidationError(f"{path} is a file, not a folder")
    if not path.exists() and not path.parent.is_dir():
        raise ValidationError(f"no folder {path.parent} to make {path.name} in")
    return {"to": path}


class AskDownload(ModalScreen[tuple[dict[str, Path], str] | None]):
    """Where to download ``what`` (a description: "3 selected", "the gallery 'x'"): a zip
    file or a folder (the default: ``default_download_path``; the radio buttons switch
    between the zip and a folder of the same name), and whether every variant or only the
    primary ones. A path ``download_destination`` refuses is not returned: the reason shows
    under it. Dismissed with (the destination keyword, "primary" or "all"), or None.

    | Key(s) | Description |
    | :- | :- |
    | escape | Cancel. |
    """

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="AskDownload")
        + """
    AskDownload #path-error { color: $error; height: auto; }
    AskDownload RadioSet { width: 100%; }
    AskDownload Checkbox { width: 100%; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss(None)", "Cancel")]

    def __init__(self, what: str, default: Path) -> None:
        super().__init__()
        self.what = what
        self.default = default
        self.error = ""  # the refusal shown under the path, if any

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Download [b]{escape(self.what)}[/] to:")
            yield Input(str(self.default), id="path")
            yield Label("", id="path-error")
            with RadioSet(id="kind"):
                yield RadioButton("a zip file", value=True, name="zip")
                yield RadioButton("a folder", name="folder")
            yield Checkbox("every variant (not only the primary)", id="all-variants")
            with Horizontal():
                yield Button("Download", variant="primary", id="go")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(RadioSet.Changed, "#kind")
    def kind(self, event: RadioSet.Changed) -> None:
        """Make the typed path a zip file's name, or the folder of the same name."""
        box = self.query_one("#path", Input)
        path = box.value.strip()
        zipped = path.lower().endswith(".zip")
        if event.pressed.name == "zip" and not zipped and path:
            box.value = path.rstrip("/") + ".zip"
        elif event.pressed.name == "folder" and zipped:
            box.value = path[:-4]

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#go")
    def go(self) -> None:
        """Dismiss with the destination, unless the typed path is refused (then say why)."""
        try:
            destination = download_destination(self.query_one("#path", Input).value)
        except ValidationError as exc:
            self.error = str(exc)
            self.query_one("#path-error", Label).update(f"⚠ {escape(self.error)}")
            return
        every = self.query_one("#all-variants", Checkbox).value
        self.dismiss((destination, "all" if every else "primary"))

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        """Dismiss with None: nothing is downloaded."""
        self.dismiss(None)
