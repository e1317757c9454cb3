"""What every subcommand prints the same way: JSON for scripts, aligned columns, the upload
progress bar and the one-line error, so that the commands cannot drift apart in format."""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO

from workbench.errors import ValidationError, printable

if TYPE_CHECKING:
    from workbench.client import Workbench
    from workbench.startup import StartupProgress
    from workbench.uploads import UploadProgress
    from workbench.views.confirm import Confirmation


# Every name, path, prompt or error the CLI prints goes through ``safe``: a file named
# "\x1b]0;pwned\x07.png" must not retitle the terminal or clear the screen. (``--json``
# needs nothing: ``json.dumps`` escapes the same characters.) The TUI uses the same function.
safe = printable


def print_json(data: Any) -> None:
    """``default=str`` so that ids, dates and paths need no conversion by each command."""
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def print_error(message: str) -> None:
    """One line on stderr, prefixed like argparse's own usage errors, for scripts to grep."""
    lines = "\n".join(safe(line) for line in message.split("\n"))
    print(f"workbench: error: {lines}", file=sys.stderr)


def confirm(confirmation: Confirmation, yes: bool) -> None:
    """Go ahead with a destructive change: ``--yes`` says so, else a terminal asks, else (a
    script without ``--yes``) refuse, naming the flag, before anything is changed."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise ValidationError(
            f"{confirmation.question} This needs confirmation: add --yes to go ahead"
        )
    text = "\n".join(safe(line) for line in confirmation.text().split("\n"))
    answer = input(f"{text}\n{safe(confirmation.verb)}? [y/N] ")
    if answer.strip().lower() not in ("y", "yes"):
        raise ValidationError("cancelled: nothing was changed")


def print_aligned(rows: Iterable[tuple[str, str]]) -> None:
    """A key column padded to the widest key, so the values line up whatever the keys are."""
    rows = list(rows)
    width = max((len(safe(key)) for key, _ in rows), default=0)
    for key, rest in rows:
        print(f"{safe(key):<{width}}  {safe(rest)}")


def mib(n: float) -> str:
    """Binary megabytes, so that the bar and the upload summary speak the same unit."""
    return f"{n / 1024**2:,.1f} MiB"


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ProgressBar:
    """One status line, redrawn in place; safe to call from the uploader's worker threads."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._rate = 0.0
        self._last: tuple[float, int] | None = None
        self._drawn = False

    def __call__(self, snap: UploadProgress) -> None:
        with self._lock:
            now = time.monotonic()
            if self._last is not None and now > self._last[0]:
                instant = (snap.bytes_done - self._last[1]) / (now - self._last[0])
                # A smoothed rate: a bar whose time left jumps around is worse than none.
                self._rate = instant if self._rate == 0 else 0.8 * self._rate + 0.2 * instant
            self._last = (now, snap.bytes_done)
            self._stream.write("\r" + self.line(snap, now - self._started) + "\x1b[K")
            self._stream.flush()
            self._drawn = True

    def line(self, snap: UploadProgress, elapsed: float) -> str:
        """Cut to the terminal's width: a wrapped line could not be redrawn in place."""
        from workbench.views.uploads import done_so_far  # what "N/M files" means, everywhere

        width = 24
        filled = int(snap.fraction * width)
        left = snap.bytes_total - snap.bytes_done
        eta = _clock(left / self._rate) if self._rate > 0 else "-:--:--"
        failed = f", {snap.files_failed} failed" if snap.files_failed else ""
        text = (
            f"[{'#' * filled}{'.' * (width - filled)}] {snap.fraction:4.0%}  "
            f"{mib(snap.bytes_done)} / {mib(snap.bytes_total)}  "
            f"{done_so_far(snap)}/{snap.files_total} files{failed}  "
            f"{self._rate / 1024**2:6.1f} MiB/s  left {eta}  ({_clock(elapsed)})"
        )
        columns = shutil.get_terminal_size((100, 20)).columns
        return text[: columns - 1]

    def finish(self) -> None:
        """End the bar's line, so that what is printed next does not overwrite it."""
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()


class StartupLines:
    """What ``connect()`` is doing, on stderr, while a first start sets everything up.

    On a terminal each step is one line, redrawn in place as its count grows ("creating the
    demo: 120 of 600" with a bar); elsewhere (a log, a pipe) each step is printed once, and a
    count every ``every`` items, so a log shows progress without 600 lines. stdout is never
    touched: ``psql "$(workbench db url)"`` and ``--json`` stay clean.
    """

    def __init__(self, stream: TextIO, *, every: int = 100) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._every = every
        self._step: str | None = None
        self._open = False  # a redrawn line is on the screen, not yet ended

    def __call__(self, progress: StartupProgress) -> None:
        new_step = progress.step != self._step
        self._step = progress.step
        if self._tty:
            if new_step:
                self.finish()
            fraction = progress.fraction
            bar = "" if fraction is None else f"[{'#' * int(fraction * 24):.<24}] "
            text = f"workbench: {bar}{progress}"
            columns = shutil.get_terminal_size((100, 20)).columns
            self._stream.write("\r" + text[: columns - 1] + "\x1b[K")
            self._open = True
        else:
            counted = progress.total > 0
            milestone = progress.done % self._every == 0 or progress.done == progress.total
            if new_step or (counted and milestone):
                self._stream.write(f"workbench: {progress}\n")
        self._stream.flush()

    def finish(self) -> None:
        """End a redrawn line, so that what is printed next starts on a line of its own."""
        if self._open:
            self._stream.write("\n")
            self._stream.flush()
            self._open = False


def connect() -> Workbench:
    """``workbench.connect()`` for a command: a first start says on stderr what it is doing
    (starting PostgreSQL, creating the schema, the demo's count) instead of hanging silently
    for half a minute."""
    from workbench.startup import connect as start

    lines = StartupLines(sys.stderr)
    try:
        return start(progress=lines)
    finally:
        lines.finish()
