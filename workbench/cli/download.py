"""``workbench download``: the originals of a gallery (or of chosen generations) to a folder
or a zip, with a manifest.

A progress line is drawn on stderr only when stderr is a terminal; the summary goes to
stdout, ``--json`` prints the whole result. Exit status: 0 when every file is in the
destination, 1 when any failed or could not be fetched (they are listed), 130 on Ctrl-C
(complete files stay: run the same command again to resume).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, TextIO

from workbench.cli.generations import FILTER_OPTIONS, add_gallery_arguments, filters_from
from workbench.cli.output import connect, print_json, safe

if TYPE_CHECKING:
    from workbench.downloads import DownloadProgress, DownloadResult


class ProgressLine:
    """The line "12/40 files · 3.1/10.2 MB · 45.0 MB/s", redrawn in place (at most ten times
    a second, and whenever a file settles); thread-safe."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._drawn = False
        self._last = (0.0, -1)  # when it was drawn, and at how many files settled

    def __call__(self, snap: DownloadProgress) -> None:
        from workbench.views.downloads import size_text

        with self._lock:
            now = time.monotonic()
            settled = snap.files_done + snap.files_failed
            if settled == self._last[1] and now - self._last[0] < 0.1:
                return
            self._last = (now, settled)
            elapsed = max(now - self._started, 1e-6)
            failed = f" · {snap.files_failed} failed" if snap.files_failed else ""
            text = (
                f"{snap.files_done}/{snap.files_total} files · {size_text(snap.bytes_done)} of "
                f"{size_text(snap.bytes_total)}{failed} · "
                f"{snap.bytes_done / elapsed / 1e6:.1f} MB/s"
            )
            columns = shutil.get_terminal_size((100, 20)).columns
            self._stream.write("\r" + text[: columns - 1] + "\x1b[K")
            self._stream.flush()
            self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()


def _summary(result: DownloadResult, out: TextIO) -> None:
    from workbench.views.downloads import size_text

    for item in result.failed:
        out.write(f"{item.status:<11} #{item.index} {item.id}: {safe(item.error)}\n")
    there = f", {result.already_there} already there" if result.already_there else ""
    failed = f", {len(result.failed)} not downloaded" if result.failed else ""
    out.write(
        f"{result.downloaded} downloaded{there}{failed} of {result.files_total} files "
        f"({size_text(result.bytes_total)}) in {result.seconds:.1f} s -> "
        f"{safe(result.destination)}\n"
    )
    if result.cancelled:
        out.write("cancelled: run the same command again to resume\n")
    elif result.manifest:
        out.write(f"manifest: {safe(', '.join(result.manifest))}\n")


def run(args: argparse.Namespace) -> int:
    from workbench.downloads.destination import check_request
    from workbench.errors import ValidationError

    # Refused before the database is started (that may take a while), and nothing written.
    check_request(args.to, args.zip, args.variants, args.concurrency)
    filtered = [name for name in FILTER_OPTIONS if getattr(args, name)]
    target: dict[str, Any]
    if args.ids:
        if args.project or args.shot or filtered:
            raise ValidationError(
                "--ids names the generations themselves: leave out --project, --shot and the "
                "filters"
            )
        target = {"ids": list(args.ids)}
    elif not args.project and not args.shot:
        raise ValidationError("name a --project (and optionally a --shot), or --ids")
    else:
        if args.shot and args.oldest:
            raise ValidationError("--oldest orders a project's gallery; a shot's is its timeline")
        target = {"filters": filters_from(args)}
    with connect() as wb:
        if not args.ids:
            place = wb.find(args.project, args.shot)
            target["project"] = place.project.id
            target["shot"] = place.shot.id if place.shot is not None else None
        show = not args.json and sys.stderr.isatty()
        line = ProgressLine(sys.stderr) if show else None
        cancel = threading.Event()
        try:
            result = wb.download(
                **target, to=args.to, zip=args.zip, variants=args.variants, progress=line,
                concurrency=args.concurrency, cancel=cancel,
            )  # fmt: skip
        except KeyboardInterrupt:
            cancel.set()
            raise
        finally:
            if line is not None:
                line.finish()
    if args.json:
        print_json(result.as_json())
    else:
        _summary(result, sys.stdout)
    return 0 if result.complete else 1


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "download", help="download originals (a gallery, or --ids) to a folder or a zip"
    )
    add_gallery_arguments(p)
    p.add_argument("--ids", nargs="+", metavar="ID", help="these generations (yours) instead")
    p.add_argument("--to", metavar="DIR", help="into this folder (made if missing)")
    p.add_argument("--zip", metavar="FILE", help="into this zip file (its folder must exist)")
    p.add_argument("--variants", default="primary", metavar="primary|all",
                   help="the primary variant's file (default) or every variant's")  # fmt: skip
    p.add_argument("--concurrency", type=int, default=8, metavar="N",
                   help="files in flight at once (1-64, default 8)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)
