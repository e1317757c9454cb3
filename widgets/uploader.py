"""The uploader widget: pick files in the browser (or name paths on the kernel's machine),
then upload them with per-file status and overall progress; it renders ``UploadModel``.

Files picked in the browser arrive in the kernel's memory and are uploaded from there as
``UploadData`` (named bytes), never written to the kernel's disk. While a ``.safetensors``
file is queued, the fields of Reigh's LoRA form show (name, trigger word, base model,
description); they go into the LoRA's resource row.

A typed path is checked when "add" queues it (``check_path``): a missing file, a NUL byte or
an empty folder is refused at once, the reason beside the box and the text kept. The summary
says sizes in the unit that fits (the view model's words); colours are JupyterLab's theme
variables, and the status line ends with the connection's word.
"""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

import ipywidgets as W

from workbench.client import Workbench
from workbench.resources import BASE_MODELS
from workbench.uploads.sources import UploadData
from workbench.views.connection import workbench_connection
from workbench.views.navigator import starting_point
from workbench.views.presentation import FILE_BADGES
from workbench.views.uploads import (
    LORA_HINT,
    LORA_LABELS,
    PATHS_HINT,
    PICKER_TOOLTIP,
    FileStatus,
    UploadModel,
    UploadState,
)

from .render import MUTED, Renderer, error_line, themed
from .session import resolve
from .status import status_html

RENDER_INTERVAL_S = 0.1  # progress arrives per chunk; the browser needs ten frames a second
FILE_THEME: dict[FileStatus, str] = {
    "queued": "--jp-ui-font-color2",
    "uploading": "--jp-warn-color1",
    "uploaded": "--jp-success-color1",
    "duplicate": "--jp-brand-color1",
    "failed": "--jp-error-color1",
}
"""The theme variable of each file status (the TUI's colour, ``FILE_BADGES``, as fallback)."""


def file_status_html(status: FileStatus) -> str:
    """A file's status word in its theme colour."""
    badge = FILE_BADGES[status]
    return f"<span style='color:{themed(FILE_THEME[status], badge.colour)}'>{badge.label}</span>"


class Uploader(W.VBox):
    """``Uploader(wb, project=..., shot=...)``; uploads go to that project (and shot)."""

    _built = False  # ipywidgets closes a widget when collected, also one whose __init__ failed

    def __init__(
        self,
        wb: Workbench | None = None,
        *,
        project: Any = None,
        shot: Any = None,
        model: UploadModel | None = None,
    ) -> None:
        self.wb = resolve(wb)
        if model is None:
            project_id, shot_id = starting_point(self.wb, project, shot)
            model = UploadModel(self.wb, project_id=project_id, shot_id=shot_id)
        self.model = model
        self._unsubscribe: Any = lambda: None
        self._rendering = Renderer()
        self._last_render = 0.0

        self.picker = W.FileUpload(accept="image/*,video/*,.safetensors", multiple=True,
                                   description="choose files", tooltip=PICKER_TOOLTIP)  # fmt: skip
        self.paths = W.Text(placeholder=f"or on the kernel's machine: {PATHS_HINT}",
                            layout=W.Layout(width="420px"))  # fmt: skip
        self.add_paths = W.Button(description="add", tooltip="queue the paths typed beside")
        self.path_error = W.HTML()  # why the typed paths were not queued, beside the box
        self.status = W.HTML()  # the batch in words, then the connection
        self.upload = W.Button(description="upload", button_style="primary")
        self.cancel = W.Button(description="cancel")
        self.progress = W.FloatProgress(min=0.0, max=1.0, layout=W.Layout(width="420px"))
        self.summary = W.HTML()
        self.files = W.HTML()
        wide = W.Layout(width="420px")
        self.lora_name = W.Text(placeholder=LORA_LABELS["lora_name"], layout=wide)
        self.trigger_word = W.Text(placeholder=LORA_LABELS["trigger_word"], layout=wide)
        self.base_model = W.Dropdown(options=BASE_MODELS, value=model.state.base_model,
                                     description=LORA_LABELS["base_model"])  # fmt: skip
        self.description = W.Textarea(placeholder=LORA_LABELS["description"], layout=wide)
        self.lora = W.VBox(
            [W.HTML(f"<b>LoRA</b> <span style='font-size:12px'>{html.escape(LORA_HINT)}</span>"),
             self.lora_name, self.trigger_word, self.base_model, self.description],
            layout=W.Layout(display="none"),
        )  # fmt: skip
        for name in ("picker", "paths", "add_paths", "path_error", "upload", "cancel",
                     "progress", "summary", "files", "lora", "lora_name", "trigger_word",
                     "base_model", "description", "status"):  # fmt: skip
            getattr(self, name).add_class(f"wb-upload-{name.replace('_', '-')}")
        for name in ("lora_name", "trigger_word", "base_model", "description"):
            getattr(self, name).observe(lambda change, n=name: self._lora_field(n, change),
                                        "value")  # fmt: skip
        self.picker.observe(self._picked, "value")
        self.add_paths.on_click(lambda _: self._add_typed())
        self.upload.on_click(lambda _: self.model.start())
        self.cancel.on_click(lambda _: self.model.cancel())
        super().__init__([
            self.status,
            W.HBox([self.picker, self.paths, self.add_paths, self.path_error]),
            self.lora,
            W.HBox([self.upload, self.cancel, self.progress, self.summary]),
            self.files,
        ])  # fmt: skip
        self.add_class("wb-uploader")
        self._bind(model)
        # The connection's word follows the workbench's health (told on a thread of its own).
        self._unhealthy = self.wb.health.changed.add(
            lambda _: self._rendering(self._show_status, self.model.state)
        )
        self._built = True

    def retarget(self, *, project_id: Any, shot_id: Any = None) -> None:
        """Send later uploads elsewhere (a batch already running finishes where it started)."""
        if self.model.state.running:
            return
        self.model.close()
        self._bind(UploadModel(self.wb, project_id=project_id, shot_id=shot_id))

    def wait(self, timeout: float | None = None) -> bool:
        return self.model.wait(timeout)

    # -- user actions ----------------------------------------------------------------------
    def _picked(self, change: dict[str, Any]) -> None:
        files = change["new"]
        if files:
            # A browser sends bare names; should a name carry folders, only its last part is
            # kept (the uploader refuses names with folders in them).
            names = (str(f.get("name") or "").replace("\\", "/").rsplit("/", 1)[-1] for f in files)
            data = [UploadData(n, bytes(f["content"])) for n, f in zip(names, files, strict=True)]
            self.model.add(*data)
            self.picker.value = ()

    def _lora_field(self, name: str, change: dict[str, Any]) -> None:
        """Keep what the user typed or chose in a LoRA field (checked when the upload starts)."""
        if not self._rendering.active:
            self.model.set_lora(**{name: change["new"]})

    def _add_typed(self) -> None:
        if self.model.add_typed(self.paths.value):
            self.paths.value = ""

    # -- rendering -------------------------------------------------------------------------
    def _bind(self, model: UploadModel) -> None:
        self._unsubscribe()
        self.model = model
        self._unsubscribe = model.subscribe(self._render)
        self._render(model.state, force=True)

    def _render(self, state: UploadState, force: bool = False) -> None:
        now = time.monotonic()
        if state.running and not force and now - self._last_render < RENDER_INTERVAL_S:
            return
        self._last_render = now
        self._rendering(self._show, state)

    def _show(self, state: UploadState) -> None:
        self.lora.layout.display = "" if state.has_lora else "none"
        for name in ("lora_name", "trigger_word", "base_model", "description"):
            widget = getattr(self, name)
            if widget.value != getattr(state, name):
                widget.value = getattr(state, name)
        self.progress.value = state.fraction
        self.upload.disabled = state.running or not any(f.status == "queued" for f in state.files)
        self.cancel.disabled = not state.running
        parts = [html.escape(state.summary)]
        if state.error:
            parts.append(error_line(state.error))
        self.summary.value = " · ".join(parts)
        self.path_error.value = error_line(state.path_error)
        rows = "".join(
            f"<tr class='wb-upload-row'><td>{html.escape(Path(f.path).name)}</td>"
            f"<td>{file_status_html(f.status)}</td>"
            f"<td style='color:{MUTED}'>{html.escape(f.error or '')}</td></tr>"
            for f in state.files
        )
        self.files.value = f"<table style='font-size:12px'>{rows}</table>" if rows else ""
        self._show_status(state)

    def _show_status(self, state: UploadState) -> None:
        """The status line: the connection's word (the summary beside the buttons says how
        the batch goes)."""
        connection = workbench_connection(self.wb, loading=state.loading)
        self.status.value = status_html("", connection)

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        if self._built:
            self._unsubscribe()
            self._unhealthy()
            self.model.cancel()
            self.model.close()
        super().close()

    def __repr__(self) -> str:
        state = self.model.state
        running = " · uploading" if state.running else ""
        return f"<Uploader {state.files_done}/{len(state.files)} files uploaded{running}>"
