"""The local-folder asset store: the embedded default, laid out like Reigh's bucket.

Keys are Reigh's object keys (``{user_id}/uploads/...``); the URL stored in the database is a
``file://`` URL, which any viewer, the TUI and the notebook can open directly.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath

from workbench.errors import ValidationError


def check_key(key: str) -> PurePosixPath:
    """Refuse keys that could leave the store: absolute, ``..``, empty or odd segments."""
    path = PurePosixPath(key)
    if not key or path.is_absolute() or "\\" in key or "\0" in key:
        raise ValidationError(f"invalid storage key {key!r}")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise ValidationError(f"invalid storage key {key!r}")
    return path


class LocalStorage:
    """Objects as files under ``root``; writes are atomic (temp file, then rename)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).parts)

    def url(self, key: str) -> str:
        return self.path(key).as_uri()

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> str:
        """Store ``data`` under ``key``; returns its URL (the name implies the type)."""
        del content_type
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return self.url(key)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def check(self) -> str:
        """Prove the folder is writable; returns a one-line description for `doctor`."""
        self.root.mkdir(parents=True, exist_ok=True)
        probe = self.root / ".workbench-write-check"
        probe.write_bytes(b"ok")
        probe.unlink()
        return f"local folder {self.root} is writable"
