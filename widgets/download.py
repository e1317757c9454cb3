"""The gallery's download row: the targets (the selection, else the gallery shown with its
filters) as one ZIP in a folder of the kernel's machine, then a link the browser can fetch.

The download runs ``DownloadModel`` on a thread of its own: the kernel keeps handling widget
messages meanwhile, so the progress line moves and Cancel works.

How the link reaches the browser (JupyterLab 4): a plain ``W.HTML`` is set as ``innerHTML``,
so a relative ``href`` resolves against the page's URL (``/lab/tree/...``), which says
nothing about where files are served. HTML shown in an ``Output`` widget goes through
JupyterLab's rendermime instead: a relative ``href`` is resolved against the notebook's
folder and rewritten to the server's ``files/`` URL (base URL and all), and an anchor with
the ``download`` attribute keeps the browser's own download behaviour. So the link is
written relative to the notebook's folder (which the kernel knows from ``JPY_SESSION_NAME``,
even after an ``os.chdir``). A small ZIP also gets a ``data:`` link, which needs no server
at all (another front end, a ZIP outside the server's root).
"""

from __future__ import annotations

import base64
import html
import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import ipywidgets as W

from workbench.client import Workbench
from workbench.views.downloads import size_text

from .render import Renderer, classes, error_line

if TYPE_CHECKING:
    from workbench.views.downloads import DownloadModel, DownloadState

DEFAULT_FOLDER = "downloads/"
INLINE_BYTES = 2 * 1024 * 1024  # a larger ZIP gets no data: link (it would go over the comm)


def notebook_dir() -> Path:
    """The folder of the notebook this kernel serves: JupyterLab resolves a relative link in
    an output against it. ``JPY_SESSION_NAME`` is the notebook's absolute path (Jupyter
    Server 2); without it, the kernel's working directory (where a kernel starts)."""
    session = os.environ.get("JPY_SESSION_NAME", "")
    return Path(session).parent if session and os.path.isabs(session) else Path.cwd()


def relative_href(path: Path, base: Path) -> str:
    """``path`` as a URL path relative to ``base`` (what rendermime resolves)."""
    return quote(Path(os.path.relpath(path, base)).as_posix())


def zip_name(folder: Path, now: datetime) -> Path:
    """A new file name in ``folder``: never overwrite an earlier download."""
    stem = f"workbench-{now:%Y%m%d-%H%M%S}"
    candidate, n = folder / f"{stem}.zip", 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{stem}-{n}.zip"
    return candidate


class DownloadPanel(W.VBox):
    """``DownloadPanel(wb, targets)``: ``targets()`` gives ``wb.download``'s target keywords
    (``GalleryModel.download_options``) at the moment Download is clicked."""

    def __init__(
        self,
        wb: Workbench,
        targets: Callable[[], dict[str, object]],
        *,
        folder: str = DEFAULT_FOLDER,
        variants: str = "primary",
    ) -> None:
        self.wb = wb
        self._targets = targets
        self._variants = variants
        self._rendering = Renderer()
        self.model: DownloadModel | None = None
        self.thread: threading.Thread | None = None
        self.zip_path: Path | None = None
        style = W.ButtonStyle()
        self.folder = W.Text(value=folder, description="to folder",
                             layout=W.Layout(width="260px"),
                             **classes("wb-download-folder"))  # fmt: skip
        self.button = W.Button(description="Download", icon="download", style=style,
                               tooltip="the selection, else the whole gallery with its filters, "
                               "as one ZIP", layout=W.Layout(width="130px"),
                               **classes("wb-download-button"))  # fmt: skip
        self.cancel = W.Button(description="Cancel", layout=W.Layout(width="80px", display="none"),
                               style=style, **classes("wb-download-cancel"))  # fmt: skip
        self.status = W.HTML(**classes("wb-download-status"))
        self.link = W.Output(**classes("wb-download-output"))  # rendered by JupyterLab's rendermime
        self.where = W.HTML(**classes("wb-download-where"))
        self.button.on_click(lambda _: self.start())
        self.cancel.on_click(lambda _: self.model.cancel() if self.model else None)
        super().__init__(
            [W.HBox([self.button, self.folder, self.cancel, self.status]), self.link, self.where],
            **classes("wb-download"),
        )

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def destination(self) -> Path:
        """The folder typed, relative to the kernel's working directory unless absolute."""
        folder = Path(self.folder.value.strip() or DEFAULT_FOLDER).expanduser()
        return folder if folder.is_absolute() else Path.cwd() / folder

    def start(self) -> threading.Thread | None:
        """Start downloading the targets on a thread (None when one is running already)."""
        from workbench.views.downloads import DownloadModel  # the first download pays for it

        if self.running:
            return None
        options = self._targets()
        folder = self.destination()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.status.value = error_line(f"cannot make {folder}: {exc.strerror or exc}")
            return None
        self.zip_path = zip_name(folder, datetime.now())
        self.model = DownloadModel(self.wb)
        self.link.outputs = ()
        self.where.value = ""
        self.thread = threading.Thread(
            target=self._run, args=(self.model, self.zip_path, options),
            name="workbench-download", daemon=True,
        )  # fmt: skip
        self.button.disabled = True
        self.cancel.layout.display = None
        self.thread.start()
        return self.thread

    def _run(self, model: DownloadModel, zip_path: Path, options: dict[str, Any]) -> None:
        stop = model.subscribe(lambda state: self._rendering(self._progress, state))
        try:
            model.start(zip=zip_path, variants=self._variants, **options)
        finally:
            stop()
            self._rendering(self._finished, model.state)

    def _progress(self, state: DownloadState) -> None:
        self.status.value = html.escape(state.status)

    def _finished(self, state: DownloadState) -> None:
        self.button.disabled = False
        self.cancel.layout.display = "none"
        zip_path = self.zip_path
        if state.error or zip_path is None or not zip_path.exists():
            self.status.value = error_line(state.error or "the download made no ZIP")
            return
        self.status.value = html.escape(state.status)
        size = zip_path.stat().st_size
        name = html.escape(zip_path.name)
        href = html.escape(relative_href(zip_path, notebook_dir()))
        link = (
            f"<a href='{href}' download='{name}' class='wb-download-link'>⬇ {name}</a> "
            f"({size_text(size)})"
        )
        self.link.outputs = (
            {
                "output_type": "display_data",
                "data": {"text/html": link, "text/plain": str(zip_path)},
                "metadata": {},
            },
        )
        inline = ""
        if size <= INLINE_BYTES:
            data = base64.b64encode(zip_path.read_bytes()).decode("ascii")
            inline = (
                f" · <a href='data:application/zip;base64,{data}' download='{name}' "
                "class='wb-download-inline'>inline copy</a>"
            )
        self.where.value = (
            f"<span style='font-size:12px'>saved as <code>{html.escape(str(zip_path))}</code>"
            f"</span>{inline}"
        )

    def close(self) -> None:
        if self.model is not None:
            self.model.cancel()
        super().close()
