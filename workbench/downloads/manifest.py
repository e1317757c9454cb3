"""The manifest of a download: ``manifest.jsonl`` and ``manifest.csv``, one row per file.

Columns, in order: ``index`` (the item's position in the listing), ``file`` (its name in the
folder or zip; empty when it was not written), ``id`` (the generation), ``variant_id``,
``variant_type`` and ``is_primary`` (the variant the file is; with the primary only,
``variant_id`` is the primary's), ``type``, ``prompt``, ``tool_type``, ``seed``, ``params``
(every parameter: an object in JSON lines, JSON text in the CSV), ``shots`` (each shot the
generation is in, with its ``timeline_frame`` there: ``[{"id", "name", "frame"}]``, JSON text
in the CSV), ``created_at``, ``location``, ``size``, ``sha256``, ``status`` (downloaded,
already_there, unavailable, failed) and ``error``.

Both files are written next to the media as ``.part`` files and renamed into place, so a
manifest is either the whole one or absent.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from workbench.downloads.destination import MANIFEST_CSV, MANIFEST_JSONL, PART
from workbench.downloads.plan import Task
from workbench.downloads.results import DownloadedFile

COLUMNS = (
    "index", "file", "id", "variant_id", "variant_type", "is_primary", "type", "prompt",
    "tool_type", "seed", "params", "shots", "created_at", "location", "size", "sha256",
    "status", "error",
)  # fmt: skip


def row(task: Task, outcome: DownloadedFile) -> dict[str, Any]:
    return {
        "index": task.index, "file": outcome.name, "id": task.id,
        "variant_id": task.variant_id, "variant_type": task.variant_type,
        "is_primary": task.is_primary, "type": task.type, "prompt": task.prompt,
        "tool_type": task.tool_type, "seed": task.seed, "params": task.params,
        "shots": task.shots, "created_at": task.created_at, "location": task.location,
        "size": outcome.size, "sha256": outcome.sha256, "status": outcome.status,
        "error": outcome.error,
    }  # fmt: skip


def _csv_value(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else value


def write(folder: Path, rows: Iterable[dict[str, Any]]) -> tuple[Path, Path]:
    """Write both manifests from ``rows`` (streamed: each row is written as it comes)."""
    jsonl, table = folder / MANIFEST_JSONL, folder / MANIFEST_CSV
    jsonl_part, table_part = (p.with_name(p.name + PART) for p in (jsonl, table))
    with (
        open(jsonl_part, "w", encoding="utf-8") as lines,
        open(table_part, "w", encoding="utf-8", newline="") as sheet,
    ):
        writer = csv.DictWriter(sheet, fieldnames=COLUMNS)
        writer.writeheader()
        for item in rows:
            lines.write(json.dumps(item, ensure_ascii=False, default=str) + "\n")
            writer.writerow({k: _csv_value(v) for k, v in item.items()})
    os.replace(jsonl_part, jsonl)
    os.replace(table_part, table)
    return jsonl, table
