"""Upload files or a folder into the current project (and shot), with progress."""

from __future__ import annotations

import shlex
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, ProgressBar

from workbench.tui.threads import RendersModel
from workbench.views.uploads import UploadModel, UploadState

ICONS = {"queued": "·", "uploading": "↑", "uploaded": "[green]✓[/]",
         "duplicate": "[blue]=[/]", "failed": "[red]✗[/]"}  # fmt: skip


class UploadScreen(RendersModel, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("ctrl+c", "cancel", "Cancel upload", show=False),
    ]
    DEFAULT_CSS = """
    UploadScreen > Vertical { padding: 1 2; }
    UploadScreen Horizontal { height: auto; }
    UploadScreen Input { width: 1fr; }
    UploadScreen ProgressBar { padding: 1 0; }
    UploadScreen DataTable { height: 1fr; }
    """

    def __init__(self, model: UploadModel, where: str) -> None:
        super().__init__()
        self.model = model
        self.where = where

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Upload images, videos or LoRA files to [b]{self.where}[/]")
            with Horizontal():
                yield Input(placeholder="paths or folders (space separated; quote spaces)",
                            id="paths")  # fmt: skip
                yield Button("Add", id="add")
                yield Button("Upload", variant="primary", id="start")
            yield ProgressBar(total=1.0, show_eta=True, id="progress")
            yield Label("", id="summary")
            table: DataTable[str] = DataTable(id="files")
            table.add_columns("", "file", "result")
            yield table
        yield Footer()

    def render_state(self, state: UploadState) -> None:
        self.query_one(ProgressBar).update(progress=state.fraction)
        failed = len(state.failed)
        mb = f"{state.bytes_done / 1e6:.1f} of {state.bytes_total / 1e6:.1f} MB"
        note = f" · [red]{failed} failed[/]" if failed else ""
        error = f" · [red]{state.error}[/]" if state.error else ""
        self.query_one("#summary", Label).update(
            f"{state.files_done}/{len(state.files)} files · {mb}{note}{error}"
        )
        table = self.query_one(DataTable)
        table.clear()
        for row in state.files:
            table.add_row(ICONS[row.status], row.path, row.error or row.status)

    @on(Input.Submitted, "#paths")
    @on(Button.Pressed, "#add")
    def add(self) -> None:
        field = self.query_one("#paths", Input)
        self.model.add(*shlex.split(field.value))
        field.value = ""

    @on(Button.Pressed, "#start")
    def start(self) -> None:
        self.add()
        self.model.start()

    def action_cancel(self) -> None:
        self.model.cancel()
