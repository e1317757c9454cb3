"""Upload files or a folder into the current project (and shot), with progress; the fields of
Reigh's LoRA form show while a ``.safetensors`` file is queued."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, ProgressBar, Select

from workbench.errors import printable
from workbench.resources import BASE_MODELS
from workbench.tui.threads import RendersModel
from workbench.views.presentation import FILE_BADGES
from workbench.views.uploads import LORA_HINT, LORA_LABELS, PATHS_HINT, UploadModel, UploadState

STATUS = {status: f"[{badge.colour}]{badge.label}[/]" for status, badge in FILE_BADGES.items()}


class UploadScreen(RendersModel[UploadState], Screen[None]):
    """Renders an ``UploadModel`` for the place named ``where``: a box for typed paths
    (``PATHS_HINT``), the LoRA form's fields (name, trigger word, base model, description;
    shown while a ``.safetensors`` file is queued), the overall progress, a summary (files
    done, megabytes, failures, the error) and a table of the files with their status. The
    batch uploads on its own thread, so the screen stays responsive; leaving it does not stop
    the upload.

    | Key(s) | Description |
    | :- | :- |
    | escape | Back to the workbench. |
    | ctrl+c | Cancel the running upload. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("ctrl+c", "cancel", "Cancel upload", show=False),
    ]
    DEFAULT_CSS = """
    UploadScreen > Vertical { padding: 1 2; }
    UploadScreen Horizontal { height: auto; }
    UploadScreen Input { width: 1fr; }
    UploadScreen #lora { display: none; }
    UploadScreen #lora.shown { display: block; }
    UploadScreen #lora Select { width: 28; }
    UploadScreen ProgressBar { padding: 1 0; }
    UploadScreen DataTable { height: 1fr; }
    """

    def __init__(self, model: UploadModel, where: str) -> None:
        super().__init__()
        self.model: UploadModel = model
        self.where = where

    def compose(self) -> ComposeResult:
        with Vertical():
            where = escape(printable(self.where))
            yield Label(f"Upload images, videos or LoRA files to [b]{where}[/]")
            with Horizontal():
                yield Input(placeholder=PATHS_HINT, id="paths")
                yield Button("Add", id="add")
                yield Button("Upload", variant="primary", id="start")
            with Vertical(id="lora"):
                yield Label(LORA_HINT)
                with Horizontal():
                    yield Input(placeholder=LORA_LABELS["lora_name"], id="lora_name")
                    yield Input(placeholder=LORA_LABELS["trigger_word"], id="trigger_word")
                    yield Select([(m, m) for m in BASE_MODELS], value=self.model.state.base_model,
                                 allow_blank=False, id="base_model")  # fmt: skip
                yield Input(placeholder=LORA_LABELS["description"], id="description")
            yield ProgressBar(total=1.0, show_eta=True, id="progress")
            yield Label("", id="summary")
            table: DataTable[str] = DataTable(id="files")
            table.add_columns("status", "file", "error")
            yield table
        yield Footer()

    def render_state(self, state: UploadState) -> None:
        """Update the progress bar and summary, and refill the files table."""
        self.query_one("#lora").set_class(state.has_lora, "shown")
        self.query_one(ProgressBar).update(progress=state.fraction)
        failed = len(state.failed)
        note = f" · [red]{failed} failed[/]" if failed else ""
        problem = state.error or state.path_error
        error = f" · [red]{escape(printable(problem))}[/]" if problem else ""
        self.query_one("#summary", Label).update(f"{escape(state.summary)}{note}{error}")
        table = self.query_one(DataTable)
        table.clear()
        for row in state.files:
            table.add_row(
                STATUS[row.status], escape(printable(row.path)), escape(printable(row.error or ""))
            )

    @on(Input.Submitted, "#paths")
    @on(Button.Pressed, "#add")
    def add(self) -> None:
        """Queue the typed paths and clear the box; an unreadable text stays, with the error."""
        field = self.query_one("#paths", Input)
        if self.model.add_typed(field.value):
            field.value = ""

    @on(Input.Changed, "#lora_name, #trigger_word, #description")
    def lora_field(self, event: Input.Changed) -> None:
        """Keep what is typed in a LoRA field (checked when the upload starts)."""
        if event.input.id is not None:
            self.model.set_lora(**{event.input.id: event.value})

    @on(Select.Changed, "#base_model")
    def base_model(self, event: Select.Changed) -> None:
        """Keep the base model chosen."""
        if isinstance(event.value, str):
            self.model.set_lora(base_model=event.value)

    @on(Button.Pressed, "#start")
    def start(self) -> None:
        """Queue what is typed, then upload everything queued."""
        self.add()
        self.model.start()

    def action_cancel(self) -> None:
        """Cancel the running upload."""
        self.model.cancel()
