"""A download's progress: the selection (or the gallery) into a folder or a zip file."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Button, Footer, Label, ProgressBar

from workbench.errors import printable
from workbench.tui.threads import RendersModel
from workbench.views.downloads import DownloadModel, DownloadState


class DownloadScreen(RendersModel[DownloadState], Screen[None]):
    """Renders a ``DownloadModel`` while it downloads ``what`` to ``destination`` (the
    ``to=``/``zip=`` keyword of ``DownloadModel.start``): a progress bar (bytes when known,
    else files) over the model's one-line status, which ends saying where the files went, or
    why it stopped (in red). The download runs in a thread worker started on mount, so the
    screen stays responsive; leaving the screen does not stop it, cancelling does (the files
    complete so far stay: downloading again resumes).

    | Key(s) | Description |
    | :- | :- |
    | escape | Back to the workbench (the download goes on). |
    | ctrl+c | Cancel the running download. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("ctrl+c", "cancel", "Cancel download"),
    ]
    DEFAULT_CSS = """
    DownloadScreen > Vertical { padding: 1 2; height: auto; }
    DownloadScreen Label { width: 100%; }
    DownloadScreen ProgressBar { padding: 1 0; }
    DownloadScreen Horizontal { height: auto; }
    DownloadScreen #download-status { color: $text-muted; }
    """

    def __init__(
        self,
        model: DownloadModel,
        what: str,
        destination: dict[str, Path],
        *,
        variants: str = "primary",
        target: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.model: DownloadModel = model
        self.what = what
        self.destination = destination
        self.variants = variants
        self.target = target or {}  # ``GalleryModel.download_options()``

    def compose(self) -> ComposeResult:
        where = next(iter(self.destination.values()), Path())
        with Vertical():
            yield Label(f"Downloading [b]{escape(printable(self.what))}[/] to "
                        f"[b]{escape(printable(str(where)))}[/]")  # fmt: skip
            yield ProgressBar(total=None, show_eta=False, id="download-progress")
            yield Label("starting…", id="download-status")
            with Horizontal():
                yield Button("Cancel", variant="error", id="cancel-download")
                yield Button("Back", id="back")
        yield Footer()

    def on_mount(self) -> None:
        self.run_download()

    @work(thread=True, group="download", exit_on_error=False)
    def run_download(self) -> None:
        """Run the (blocking) download; its progress arrives as new states."""
        self.model.start(variants=self.variants, **self.destination, **self.target)

    def render_state(self, state: DownloadState) -> None:
        """Show the model's status line, the progress, and the outcome once it stopped."""
        bar = self.query_one(ProgressBar)
        if state.bytes_total:
            bar.update(total=state.bytes_total, progress=state.bytes_done)
        elif state.files_total or state.result is not None:
            bar.update(total=1.0, progress=state.fraction)
        status = escape(printable(state.status))
        if state.error is not None or state.files_failed:
            status = f"[b red]{status}[/]"
        elif state.result is not None and not state.result.cancelled:
            status = f"[green]✓[/] {status}"
        self.query_one("#download-status", Label).update(status)
        self.query_one("#cancel-download", Button).disabled = not state.running

    def action_cancel(self) -> None:
        """Stop the running download (what is written so far stays)."""
        self.model.cancel()

    @on(Button.Pressed, "#cancel-download")
    def cancel_pressed(self) -> None:
        """Stop the running download."""
        self.action_cancel()

    @on(Button.Pressed, "#back")
    def back(self) -> None:
        """Back to the workbench."""
        self.app.pop_screen()
