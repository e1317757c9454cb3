"""``workbench upload``: files and folders into a project, with a progress bar and a summary.

The bar (bytes, files, rate, time left) is drawn on stderr only when stderr is a terminal,
so pipes and logs get the summary alone; ``--json`` prints one JSON object for scripts.
Exit status: 0 when every file was uploaded or already there, 1 when any failed.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from workbench.cli.output import ProgressBar, connect, mib, print_json, safe
from workbench.resources import BASE_MODELS, DEFAULT_BASE_MODEL

if TYPE_CHECKING:
    from workbench.uploads import UploadResult

_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1024, "m": 1000**2, "mb": 1000**2,
          "mib": 1024**2, "g": 1000**3, "gb": 1000**3, "gib": 1024**3}  # fmt: skip
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str) -> int:
    """``500MB``, ``2GiB``, ``1048576`` -> bytes."""
    from workbench.errors import ValidationError

    match = _SIZE.match(text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise ValidationError(f"--max-size {text!r}: expected a size like 500MB, 2GiB or 1048576")
    return int(float(match.group(1)) * _UNITS[unit])


def _as_json(result: UploadResult) -> dict[str, Any]:
    return {
        "path": result.path,
        "status": result.status,
        "kind": result.kind,
        "bytes": result.bytes,
        "generation_id": str(result.generation_id) if result.generation_id else None,
        "resource_id": str(result.resource_id) if result.resource_id else None,
        "location": result.location,
        "shot_link": (
            {"id": str(link.id), "shot_id": str(link.shot_id), "frame": link.frame}
            if (link := result.shot_link)
            else None
        ),
        "error": result.error,
    }


def _counts(results: list[UploadResult]) -> dict[str, int]:
    return {s: sum(r.status == s for r in results) for s in ("uploaded", "duplicate", "failed")}


def _summary(results: list[UploadResult], seconds: float, out: TextIO) -> None:
    for r in results:
        row = r.generation_id or r.resource_id
        target = f"-> {'resource' if r.resource_id else 'generation'} {row}" if row else ""
        if r.status == "failed":
            out.write(f"failed     {safe(r.path)}: {safe(r.error)}\n")
        else:
            out.write(f"{r.status:<10} {safe(r.path)} {target}\n")
    counts = _counts(results)
    moved = sum(r.bytes for r in results if r.status == "uploaded")
    rate = f", {mib(moved / seconds)}/s" if seconds > 0 and moved else ""
    out.write(
        f"{counts['uploaded']} uploaded, {counts['duplicate']} already there, "
        f"{counts['failed']} failed in {seconds:.1f} s ({mib(moved)}{rate})\n"
    )


def _lora_fields(args: argparse.Namespace) -> dict[str, str] | None:
    """The LoRA form's fields given on the command line (None: none given), checked by the
    upload before anything is stored."""
    given = {"name": args.lora_name, "trigger_word": args.trigger_word,
             "base_model": args.base_model, "description": args.description}  # fmt: skip
    fields = {key: value for key, value in given.items() if value is not None}
    return fields or None


def run(args: argparse.Namespace) -> int:
    max_bytes = parse_size(args.max_size) if args.max_size else None
    lora = _lora_fields(args)
    with connect() as wb:
        place = wb.find(args.project, args.shot)
        project, shot_id = place.project, place.shot and place.shot.id
        show_bar = not args.json and not args.no_progress and sys.stderr.isatty()
        bar = ProgressBar(sys.stderr) if show_bar else None
        started = time.monotonic()
        try:
            results = wb.upload(
                list(args.paths), project_id=project.id, shot_id=shot_id, kind=args.kind,
                progress=bar, max_bytes=max_bytes, workers=args.workers, lora=lora,
            )  # fmt: skip
        finally:
            if bar is not None:
                bar.finish()
        seconds = time.monotonic() - started
    if args.json:
        rows = [_as_json(r) for r in results]
        print_json({"results": rows, **_counts(results), "seconds": round(seconds, 3)})
    else:
        _summary(results, seconds, sys.stdout)
    return 1 if any(r.status == "failed" for r in results) else 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("upload", help="upload images, videos or LoRA files to a project")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (recursively)")
    p.add_argument("--project", required=True, help="project name or id")
    p.add_argument("--shot", help="shot name or id (within --project): add the uploads to it")
    p.add_argument("--kind", choices=["auto", "image", "video", "lora"], default="auto")
    p.add_argument(
        "--max-size", help="refuse files above this size (e.g. 500MB; default 50 MiB for "
        "images, 2 GiB for videos and LoRAs)"
    )  # fmt: skip
    p.add_argument("--workers", type=int, help="files in flight at once (default: 2 per core)")
    lora = p.add_argument_group(
        "LoRA fields", "Reigh's LoRA form, for the .safetensors files of the upload"
    )
    lora.add_argument("--lora-name", help="the LoRA's name (default: the file's)")
    lora.add_argument("--trigger-word", help="the word that calls up the LoRA in a prompt")
    lora.add_argument(
        "--base-model", help=f"one of: {', '.join(BASE_MODELS)} (default: {DEFAULT_BASE_MODEL})"
    )
    lora.add_argument("--description", help="what the LoRA does")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print one JSON object for scripts")
    p.set_defaults(func=run)
