"""Device-local UI state (collapsed panels, last tab, last project): a small JSON file.

It belongs to this device, never to the database. Two processes may write at once (a TUI and
a notebook): every change is a read-modify-write under an exclusive file lock, and the file is
replaced atomically (write a temporary file, fsync, rename), so a crash mid-write leaves the
previous version intact.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from workbench.config import private_dir, private_opener
from workbench.errors import ValidationError, echo

log = logging.getLogger(__name__)
MAX_VALUE_BYTES = 4 * 1024 * 1024  # Reigh refuses larger values in local storage too


class LocalState:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"LocalState({str(self.path)!r})"

    def get(self, key: str, default: Any = None) -> Any:
        _check_key(key)
        return self._read().get(key, default)

    def items(self) -> dict[str, Any]:
        return self._read()

    def set(self, key: str, value: Any) -> None:
        _check_key(key)
        _check_value(key, value)
        self._change(lambda data: data.__setitem__(key, value))

    def update(self, key: str, edit: Callable[[Any], Any]) -> Any:
        """Replace ``key``'s value with ``edit(current value or None)`` under the file lock, so
        two processes appending to one list (the recorded changes) both keep their entry;
        returns the new value. An ``edit`` that raises, or a refused value, changes nothing."""
        _check_key(key)
        result: list[Any] = []

        def change(data: dict[str, Any]) -> None:
            value = edit(data.get(key))
            _check_value(key, value)
            data[key] = value
            result.append(value)

        self._change(change)
        return result[0]

    def delete(self, key: str) -> None:
        _check_key(key)
        self._change(lambda data: data.pop(key, None))

    def clear(self) -> None:
        self._change(lambda data: data.clear())

    # -- internals -------------------------------------------------------------------------
    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            # Only a hand edit can do this (writes are atomic): keep the file for the user.
            aside = self.path.with_name(self.path.name + ".corrupt")
            with contextlib.suppress(OSError):
                os.replace(self.path, aside)
            log.warning("workbench: %s was not a JSON object; moved it to %s", self.path, aside)
            return {}
        return data

    def _change(self, change: Callable[[dict[str, Any]], object]) -> None:
        with locked(self.path):
            data = self._read()
            change(data)
            # Compact: a file of recorded changes reaches megabytes, rewritten on each change.
            text = json.dumps(data, separators=(",", ":"), sort_keys=True)
            replace_atomically(self.path, text.encode("utf-8"), prefix=".state-")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path``'s own lock file beside it (private), held meanwhile:
    processes on one device (a TUI, a notebook, the CLI) take turns at a device-local file."""
    private_dir(path.parent)
    with open(path.with_name(path.name + ".lock"), "a", opener=private_opener) as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def replace_atomically(path: Path, data: bytes, *, prefix: str) -> None:
    """Replace ``path`` with ``data``: a private temporary file beside it, fsync'd, then
    renamed over it, so a crash mid-write leaves the previous version whole."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix)  # 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _check_value(key: str, value: Any) -> None:
    try:
        size = len(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"local state {key!r}: not a JSON value ({exc})") from None
    if size > MAX_VALUE_BYTES:
        raise ValidationError(
            f"local state {key!r}: {size:,} bytes; the limit is {MAX_VALUE_BYTES:,}"
        )


def _check_key(key: object) -> None:
    if not isinstance(key, str) or not key or len(key) > 200:
        raise ValidationError(
            f"local state keys are non-empty strings up to 200 chars: {echo(key)}"
        )
