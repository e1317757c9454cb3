"""What ``wb.upload`` accepts, turned into a flat list of items: files, folders, named bytes.

Folders are walked recursively in name order, skipping hidden files and folders (``.git``,
``.DS_Store``); paths that do not exist become failed entries rather than stopping the batch.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from workbench.errors import NotFoundError, ValidationError, WorkbenchError
from workbench.uploads.keys import plain_name
from workbench.uploads.prepare import Item


@dataclass(frozen=True, repr=False)
class UploadData:
    """Named bytes to upload, as a notebook or browser upload widget delivers them.

    The name must be a plain file name: it is recorded as ``original_filename`` only.
    """

    name: str
    data: bytes

    def __repr__(self) -> str:
        return f"UploadData({self.name!r}, {len(self.data)} bytes)"


PathInput = Union[str, "os.PathLike[str]", UploadData]
Refused = tuple[str, WorkbenchError]
Entry = Item | Refused


def _file(path: Path, label: str) -> Entry:
    try:
        size = path.stat().st_size
    except OSError as exc:
        return label, WorkbenchError(f"{label}: cannot be read ({exc.strerror or exc})")
    return Item(label=label, name=path.name, size=size, path=path)


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
        raise ValidationError(f"cannot upload {entry!r}: expected a path or UploadData")
    path = Path(entry).expanduser()
    if path.is_dir():
        return _folder(path), True
    if path.exists():
        return [_file(path, str(entry))], False
    return [(str(entry), NotFoundError(f"{entry}: no such file or folder"))], False


def expand(paths: PathInput | Iterable[PathInput]) -> tuple[list[Entry], bool]:
    """All items to upload, and whether this is a single-file call (which raises on failure)."""
    if isinstance(paths, (str, os.PathLike, UploadData)):
        entries, was_folder = _one(paths)
        return entries, not was_folder
    entries = []
    for entry in paths:
        entries.extend(_one(entry)[0])
    return entries, False
