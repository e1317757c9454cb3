"""Where a generation's media can be opened from, and how to hand it to the user.

The database stores locations as URLs: ``file://`` for the local store, the bucket's URL for
S3. A viewer wants a path for a local file and a URL it can fetch for a bucket: the public URL
when the store has one (``storage.public_url``), else a presigned one (signed locally: no
request), since a private bucket answers 403 to a plain URL.

Whether the original can be opened here (a display and an opener), copied (OSC 52: the
terminal's clipboard, which works over SSH) or only shown is decided by ``share_plan``, a
plain function of the environment, so every front end says the same and tests need no
terminal.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlparse

from workbench.errors import ValidationError, WorkbenchError

__all__ = [
    "PRESIGN_SECONDS",
    "SharePlan",
    "file_size",
    "launch",
    "share_plan",
    "storage_key",
    "terminal_copies",
    "viewable",
]

# How long a presigned URL handed to a viewer or copied stays valid: a working day.
PRESIGN_SECONDS = 12 * 3600


def storage_key(storage: Any, url: str | None) -> str | None:
    """The object key when ``url`` is one of ``storage``'s own URLs (the store's
    ``key_for_url`` decides), else None: another host's URL, a file elsewhere, no store."""
    key_for_url = getattr(storage, "key_for_url", None)
    return key_for_url(url) if callable(key_for_url) and url else None


def viewable(storage: Any, location: str | None) -> str:
    """What a viewer or browser can open for ``location``: a local file's path, a public
    URL as stored, or a presigned URL for an object of a bucket without a public URL.

    ``ValidationError`` when there is no location (a generation still being made)."""
    if not location:
        raise ValidationError("this generation has no media file yet")
    parsed = urlparse(location)
    if parsed.scheme == "file":
        return unquote(parsed.path)
    key = storage_key(storage, location)
    if key is None or getattr(storage, "public_url", None):
        return location  # someone else's URL, or a public bucket: as it is
    path_of = getattr(storage, "path", None)
    if callable(path_of):  # a local store with a non-file URL (not made today, but cheap)
        return str(path_of(key))
    presign = getattr(storage, "presigned_url", None)
    if presign is None:
        return location
    try:
        signed: str = presign(key, PRESIGN_SECONDS)
    except Exception:  # botocore without credentials: the plain URL is all there is
        return location
    return signed


def file_size(location: str | None, params: Mapping[str, Any] | None = None) -> int | None:
    """A media file's size in bytes when it is known without a request: recorded at upload
    (``params['file_size']``), or the local file's. None for an object in a bucket that
    did not record it (a HEAD per file is a round trip a table of variants must not make)."""
    recorded = (params or {}).get("file_size")
    if isinstance(recorded, int) and not isinstance(recorded, bool) and recorded >= 0:
        return recorded
    if location and location.startswith("file:"):
        with contextlib.suppress(OSError):
            return Path(unquote(urlparse(location).path)).stat().st_size
    return None


@dataclass(frozen=True)
class SharePlan:
    """What a front end does with a target (a path or URL) the user asked to open or copy.

    ``kind`` is ``open`` (run ``command``, without waiting), ``copy`` (put ``target`` on the
    terminal's clipboard) or ``show`` (neither works here: the message holds the target so
    the user can copy it by hand); ``message`` is what to tell the user, in every case.
    """

    kind: Literal["open", "copy", "show"]
    target: str
    message: str
    command: tuple[str, ...] = ()


def _opener(
    platform: str, env: Mapping[str, str], which: Callable[[str], str | None]
) -> tuple[str, ...] | None:
    """The command that opens a file or URL in this machine's viewer, when one would show
    on the user's screen: not over SSH on macOS (it would open on the remote Mac), not
    without a display on Linux (X forwarding sets DISPLAY, and then it does show)."""
    if platform == "darwin":
        if env.get("SSH_CONNECTION") or env.get("SSH_TTY"):
            return None
        found = which("open")
    elif platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
            return None
        found = which("xdg-open")
    else:
        return None
    return (found,) if found else None


def terminal_copies(env: Mapping[str, str]) -> bool:
    """Whether the terminal takes OSC 52 (a program setting the clipboard, over SSH too):
    most do; the Linux console, a dumb terminal and macOS's Terminal.app do not."""
    if env.get("TERM", "") in ("dumb", "linux"):
        return False
    return env.get("TERM_PROGRAM", "") != "Apple_Terminal"


def share_plan(
    target: str,
    action: Literal["open", "copy"],
    *,
    can_copy: bool | None = None,
    platform: str = sys.platform,
    env: Mapping[str, str] | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> SharePlan:
    """How to ``open`` (in the system's viewer) or ``copy`` (to the clipboard) ``target``
    here, and what to say. Opening needs an opener and a display (else the message says
    where the file is); copying needs a terminal that takes OSC 52 (``can_copy``: the
    front end may know; by default ``terminal_copies``), else the target is shown to copy
    by hand. The "copied" message names the target too: a terminal may drop OSC 52 silently
    (tmux without ``set-clipboard``), and then it is still there to copy."""
    env = os.environ if env is None else env
    if can_copy is None:
        can_copy = terminal_copies(env)
    if action == "open":
        command = _opener(platform, env, which)
        if command is not None:
            return SharePlan("open", target, f"opening {target}", (*command, target))
        return SharePlan("show", target, f"no viewer on this display; it is at {target}")
    if can_copy:
        return SharePlan("copy", target, f"copied {target}")
    return SharePlan("show", target, f"copy it from here: {target}")


def launch(command: tuple[str, ...]) -> None:
    """Run ``command`` (an opener) detached, without waiting for it: its output goes nowhere
    (it would draw over a TUI), and a thread reaps it so no zombie is left behind."""
    if not command:
        raise ValidationError("nothing to run")
    try:
        process = subprocess.Popen(  # the opener found by share_plan, a list
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise WorkbenchError(f"cannot run {command[0]}: {exc}") from exc
    threading.Thread(target=process.wait, name="workbench-opener", daemon=True).start()
