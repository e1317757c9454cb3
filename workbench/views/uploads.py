"""An upload batch as a front end shows it: the queue, per-file and overall progress, errors.

Also the rules every front end applies to uploads, decided once here: how typed paths are
split (``split_paths``), which paths may be queued (``check_path``: a missing file, a NUL byte
or a folder with nothing in it is refused when it is added, not when the upload runs), which
files count as done (``count_done``) and how a batch's size is said (``UploadState.summary``).
"""

from __future__ import annotations

import os
import shlex
import stat
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from workbench.errors import NotFoundError, ValidationError, WorkbenchError, echo, first_line
from workbench.ids import Ref
from workbench.resources import DEFAULT_BASE_MODEL, LoraFields
from workbench.uploads import UploadProgress, UploadResult
from workbench.uploads.sources import UploadData
from workbench.views.base import ViewModel
from workbench.views.downloads import size_text

if TYPE_CHECKING:
    from workbench.client import Workbench

FileStatus = Literal["queued", "uploading", "uploaded", "duplicate", "failed"]
DONE: frozenset[str] = frozenset({"uploaded", "duplicate"})
PATHS_HINT = "paths or folders, separated by spaces or commas ('quote' a path with either)"
LORA_EXTENSION = ".safetensors"
# The LoRA form's fields as every front end labels them (with Reigh's base models and default).
LORA_LABELS = {"lora_name": "LoRA name", "trigger_word": "trigger word",
               "base_model": "base model", "description": "description"}  # fmt: skip
LORA_HINT = "for the LoRA files of this upload (name: the file's, if left empty)"
# On Windows a backslash separates folders; elsewhere it escapes (a terminal's dragged 'a\ b').
_ESCAPE = "" if os.name == "nt" else "\\"


def count_done(statuses: Iterable[str]) -> int:
    """How many files are done: uploaded, or already there (a duplicate is in the project all
    the same). A failed file is not done, so "2/3 files" never hides a failure. The one count
    behind every "N/M files" (``UploadState.files_done``), for the CLI too: over its results'
    statuses, and through ``done_so_far`` for a batch still running."""
    return sum(status in DONE for status in statuses)


def done_so_far(progress: UploadProgress) -> int:
    """``count_done`` of a batch still running: the files finished, less those that failed."""
    return progress.files_done - progress.files_failed


def split_paths(text: str) -> list[str]:
    """The paths in what a user typed (``PATHS_HINT``), by one rule for every front end: spaces
    or commas separate them, quotes keep either inside a path, and a ``#`` is just a character.
    Raises ``ValidationError`` on an unclosed quote."""
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace += ","
    lexer.whitespace_split = True
    lexer.commenters = ""
    lexer.escape = _ESCAPE
    try:
        return [path for path in lexer if path]
    except ValueError as exc:
        raise ValidationError(f"cannot read the paths ({exc}): {text}") from None


PICKER_TOOLTIP = "choose images, videos or LoRA (.safetensors) files from this computer"
"""What the file picker says when hovered (a notebook's button, a TUI's hint)."""
MAX_PATH_CHARS = 4096
"""A typed path longer than this is refused (no file system has longer ones)."""


def check_path(path: str | os.PathLike[str]) -> str:
    """The path to queue (``~`` expanded), or a ``WorkbenchError`` saying why it cannot be
    uploaded: a NUL byte or a character no file name can hold (a lone surrogate), no such
    file or folder, not a regular file or folder (a FIFO, a device), a folder holding no
    file. Checked when a path is added to the queue, so the user hears at once, beside the
    box they typed it in, not when the batch runs. One ``stat`` (a folder: one walk until
    its first file)."""
    text = os.fspath(path) if isinstance(path, os.PathLike) else path
    if not isinstance(text, str):
        raise ValidationError(f"a path to upload is text, not {echo(text)}")
    if "\x00" in text:
        raise ValidationError(f"{echo(text)}: a path cannot hold a NUL byte")
    if len(text) > MAX_PATH_CHARS:
        raise ValidationError(f"{echo(text)}: longer than any path ({MAX_PATH_CHARS:,} chars)")
    try:
        os.fsencode(text)
    except UnicodeError:
        raise ValidationError(
            f"{echo(text)}: holds a character no file name can (a lone surrogate)"
        ) from None
    full = Path(text).expanduser()
    try:
        info = full.stat()
    except FileNotFoundError:
        raise NotFoundError(f"{text}: no such file or folder") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise ValidationError(f"{echo(text)}: cannot be read ({reason})") from None
    if stat.S_ISDIR(info.st_mode):
        if not _holds_a_file(full):
            raise ValidationError(f"{text}: a folder with no file in it; nothing to upload")
    elif not stat.S_ISREG(info.st_mode):
        raise ValidationError(f"{text}: not a file or a folder (a device, a FIFO?)")
    return str(full)


def _holds_a_file(folder: Path) -> bool:
    """Whether a folder holds a file the uploader would take (hidden ones are skipped)."""
    for _, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        if any(not name.startswith(".") for name in filenames):
            return True
    return False


@dataclass(frozen=True)
class FileRow:
    """One file of a batch: its ``path`` (or in-memory name), its ``status``, and the
    ``error`` that failed it."""

    path: str
    status: FileStatus = "queued"
    error: str | None = None


@dataclass(frozen=True)
class UploadState:
    """What an upload view shows.

    ``project_id`` and ``shot_id`` say where files go (a shot: onto its timeline too);
    ``path_error`` says why the paths last typed were not queued (shown beside the box);
    ``lora_name``, ``trigger_word``, ``base_model`` and ``description`` are the LoRA form's
    fields as typed (checked when the upload starts, sent only when ``has_lora``);
    ``files`` are the queued and finished files; ``bytes_done`` and ``bytes_total`` measure the
    running batch and ``running_done`` counts its files done so far; ``running`` is true while
    it runs; ``loading`` is not used by uploads; ``error`` is the last failure's one-line
    message.
    """

    project_id: Ref | None = None
    shot_id: Ref | None = None
    files: tuple[FileRow, ...] = ()
    bytes_done: int = 0
    bytes_total: int = 0
    running_done: int = 0  # done so far in the running batch, whose rows settle when it ends
    running: bool = False
    loading: bool = False
    error: str | None = None
    path_error: str | None = None
    lora_name: str = ""
    trigger_word: str = ""
    base_model: str = DEFAULT_BASE_MODEL
    description: str = ""

    @property
    def has_lora(self) -> bool:
        """Whether a queued file is named like LoRA weights (``.safetensors``): front ends
        then show the LoRA fields, and the upload sends them (the upload itself decides by
        content, and refuses fields when no file is a LoRA)."""
        return any(
            f.status == "queued" and f.path.lower().endswith(LORA_EXTENSION) for f in self.files
        )

    @property
    def files_done(self) -> int:
        """Files done (``count_done``): settled rows, and the running batch's so far."""
        return count_done(f.status for f in self.files) + self.running_done

    @property
    def fraction(self) -> float:
        """Overall progress from 0 to 1: by bytes while a batch runs, else by files."""
        if self.bytes_total:
            return min(1.0, self.bytes_done / self.bytes_total)
        return self.files_done / len(self.files) if self.files else 0.0

    @property
    def summary(self) -> str:
        """The batch in words: "1/3 files", then its size while one runs or has run, each in
        the unit that fits ("4.6 kB of 12 kB", not "0.0 of 0.0 MB"; ``size_text``)."""
        words = f"{self.files_done}/{len(self.files)} files"
        if self.bytes_total:
            words += f" · {size_text(self.bytes_done)} of {size_text(self.bytes_total)}"
        return words

    @property
    def failed(self) -> tuple[FileRow, ...]:
        """The files that failed, to list with their errors."""
        return tuple(f for f in self.files if f.status == "failed")


class UploadModel(ViewModel[UploadState]):
    """An upload batch: queue files, start, follow the progress, cancel.

    Nothing here blocks except ``wait``: ``start`` uploads on its own thread, which reports
    progress (and the final statuses) as state changes, so listeners are told on that thread.
    """

    def __init__(
        self, wb: Workbench, *, project_id: Ref | None, shot_id: Ref | None = None
    ) -> None:
        super().__init__(UploadState(project_id=project_id, shot_id=shot_id))
        self._wb = wb
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._data: dict[str, UploadData] = {}  # queued in-memory files, by their row's name

    def add(self, *items: str | Path | UploadData) -> None:
        """Queue files or folders (a folder is expanded by the uploader), or named bytes (a
        browser's file picker): those stay in memory, never written to the kernel's disk.
        Each path is checked first (``check_path``): one that cannot be uploaded raises its
        ``WorkbenchError`` and nothing of this call is queued."""
        rows, data = [], {}
        for item in items:
            if isinstance(item, UploadData):
                data[item.name] = item
                rows.append(FileRow(item.name))
            elif isinstance(item, (str, os.PathLike)):
                if str(item).strip():
                    rows.append(FileRow(check_path(item)))
            else:
                raise ValidationError(f"cannot upload {echo(item)}: a path or UploadData")
        self._data.update(data)
        self._update(files=self.state.files + tuple(rows), error=None, path_error=None)

    def add_typed(self, text: str) -> bool:
        """Queue the paths a user typed (``split_paths``); False, with the reason in
        ``path_error`` (nothing queued), when they cannot be read or one of them cannot be
        uploaded, so the front end keeps the text for the user to fix."""
        try:
            if not isinstance(text, str):
                raise ValidationError(f"type the paths as text, not {echo(text)}")
            self.add(*split_paths(text))
        except WorkbenchError as exc:
            self._update(path_error=first_line(exc))
            return False
        return True

    def set_lora(
        self,
        *,
        lora_name: str | None = None,
        trigger_word: str | None = None,
        base_model: str | None = None,
        description: str | None = None,
    ) -> None:
        """Keep what was typed in the LoRA fields (those given); checked when the upload
        starts, so a half-typed value is never an error."""
        given = {"lora_name": lora_name, "trigger_word": trigger_word,
                 "base_model": base_model, "description": description}  # fmt: skip
        self._update(**{k: v for k, v in given.items() if v is not None})

    def lora_fields(self) -> LoraFields | None:
        """The LoRA fields to send: None when no queued file is a LoRA; a
        ``ValidationError`` when a field is refused."""
        state = self.state
        if not state.has_lora:
            return None
        return LoraFields(
            name=state.lora_name or None, trigger_word=state.trigger_word,
            base_model=state.base_model, description=state.description,
        )  # fmt: skip

    def start(self) -> None:
        """Upload the queue on a background thread; progress arrives as state changes. LoRA
        fields that are refused stop it before it starts (the error says why)."""
        if self.state.running or not self.state.files:
            return
        try:
            fields = self.lora_fields()
        except ValidationError as exc:
            self._update(error=first_line(exc))
            return
        self._cancel.clear()
        queued = [row.path for row in self.state.files if row.status == "queued"]
        inputs = [self._data.pop(path) if path in self._data else path for path in queued]
        self._update(running=True, error=None, bytes_done=0, running_done=0)
        self._thread = threading.Thread(target=self._run, args=(inputs, fields), daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the running batch to stop: files not started fail, transfers under way abort."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the batch ends; False if it still runs after ``timeout`` seconds."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.state.running

    def _run(self, paths: list[str | UploadData], fields: LoraFields | None) -> None:
        results: list[UploadResult] = []
        try:
            results = self._wb.upload(
                paths, project_id=self.state.project_id, shot_id=self.state.shot_id,
                progress=self._progress, cancel=self._cancel, lora=fields,
            )  # fmt: skip
        except WorkbenchError as exc:
            self._update(error=first_line(exc))
        by_path = {r.path: r for r in results}
        rows = []
        for row in self.state.files:
            result = by_path.get(row.path)
            if result is not None:
                rows.append(FileRow(row.path, result.status, result.error))
            elif row.status == "uploading":
                rows.append(FileRow(row.path, "failed", self.state.error or "not uploaded"))
            else:
                rows.append(row)
        queued = {row.path for row in self.state.files}
        extra = tuple(FileRow(r.path, r.status, r.error) for r in results if r.path not in queued)
        self._update(files=tuple(rows) + extra, running=False, running_done=0)

    def _progress(self, progress: UploadProgress) -> None:
        files = self.state.files
        if progress.current:
            files = tuple(
                FileRow(f.path, "uploading") if f.path == progress.current and f.status == "queued"
                else f
                for f in files
            )  # fmt: skip
        self._update(
            files=files, bytes_done=progress.bytes_done, bytes_total=progress.bytes_total,
            running_done=done_so_far(progress),
        )  # fmt: skip
