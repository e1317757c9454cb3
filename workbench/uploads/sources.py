"""What ``wb.upload`` accepts, turned into a flat list of items: files, folders, named bytes.

Folders are walked recursively in name order, skipping hidden files and folders (``.git``,
``.DS_Store``); paths that do not exist become failed entries rather than stopping the batch.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from workbench.errors import NotFoundError, ValidationError, WorkbenchError, echo
from workbench.uploads.keys import plain_name
from workbench.uploads.prepare import Item


@dataclass(frozen=True, repr=False)
class UploadData:
    """Named bytes to upload, as a notebook or browser upload widget delivers them.

    The name must be a plain file name: it is recorded as ``original_filename`` only.
    """

    name: str
    data: bytes

    def __post_init__(self) -> None:
        # Checked here, where the mistake is made, rather than after a batch has started.
        if not isinstance(self.name, str):
            raise ValidationError(
                f"UploadData name must be a str, got {echo(self.name)} "
                f"(a {type(self.name).__name__})"
            )
        if not isinstance(self.data, (bytes, bytearray, memoryview)):
            raise ValidationError(
                f"UploadData data must be bytes, got {echo(self.data)} "
                f"(a {type(self.data).__name__})"
            )

    def __repr__(self) -> str:
        return f"UploadData({self.name!r}, {len(self.data)} bytes)"


PathInput = Union[str, "os.PathLike[str]", UploadData]
Refused = tuple[str, WorkbenchError]
Entry = Item | Refused
_SPECIAL = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device",
            stat.S_IFBLK: "a device"}  # fmt: skip


def _file(path: Path, label: str) -> Entry:
    """An item for a regular file (a symlink is followed), else a refused entry.

    A FIFO, socket or device is refused before it is opened: opening a FIFO would wait for a
    writer forever, and ``/dev/zero`` would be read without end.
    """
    try:
        info = path.stat()
    except OSError as exc:
        return label, WorkbenchError(f"{label}: cannot be read ({exc.strerror or exc})")
    if not stat.S_ISREG(info.st_mode):
        what = _SPECIAL.get(stat.S_IFMT(info.st_mode), "not a regular file")
        return label, ValidationError(f"{label}: not a regular file ({what}); not uploaded")
    return Item(label=label, name=path.name, size=info.st_size, path=path)


def _folder(root: Path) -> list[Entry]:
    found: list[Entry] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                path = Path(dirpath) / name
                found.append(_file(path, str(path)))
    return found


def _one(entry: PathInput) -> tuple[list[Entry], bool]:
    """Items of one input, and whether it was a folder."""
    if isinstance(entry, UploadData):
        try:
            name = plain_name(entry.name)
        except ValidationError as exc:
            return [(str(entry.name), exc)], False
        data = bytes(entry.data)
        return [Item(label=name, name=name, size=len(data), data=data)], False
    if not isinstance(entry, (str, os.PathLike)):
        raise ValidationError(f"cannot upload {echo(entry)}: expected a path or UploadData")
    path = Path(entry).expanduser()
    try:
        if path.is_dir():
            return _folder(path), True
        if path.exists():
            return [_file(path, str(entry))], False
    except OSError as exc:  # a name too long for the file system, a folder we may not read
        reason = exc.strerror or type(exc).__name__
        return [(str(entry), ValidationError(f"{echo(entry)}: {reason}"))], False
    return [(str(entry), NotFoundError(f"{entry}: no such file or folder"))], False


def expand(paths: PathInput | Iterable[PathInput]) -> tuple[list[Entry], bool]:
    """All items to upload, and whether this is a single-file call (which raises on failure)."""
    if isinstance(paths, (str, os.PathLike, UploadData)):
        entries, was_folder = _one(paths)
        return entries, not was_folder
    if isinstance(paths, (bytes, bytearray, memoryview)) or not isinstance(paths, Iterable):
        hint = "; wrap bytes as UploadData(name, data)" if isinstance(paths, bytes) else ""
        raise ValidationError(
            f"paths must be a path, an UploadData or a list of them, got {echo(paths)} "
            f"(a {type(paths).__name__}){hint}"
        )
    entries = []
    for entry in paths:
        entries.extend(_one(entry)[0])
    return entries, False
