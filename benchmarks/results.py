"""Where every benchmark leaves its figures: one JSON file per run in ``benchmarks/results/``.

A ratio printed to a terminal is gone when the terminal is; two runs (before and after a
change, this machine and another) can only be compared when both wrote down what they
measured and on what: the machine's cores, its load while the benchmark ran, the commit.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def median_ms(run: Callable[[], Any], repeat: int = 7) -> float:
    """The median of ``repeat`` timed runs, in milliseconds (after one untimed warm-up run).

    A median, not a best: the best of seven flatters whoever had one lucky run; the median is
    what a user sees on a typical try."""
    run()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def machine() -> dict[str, Any]:
    """What the figures were measured on: cores, load, Python, platform, commit."""
    try:
        load = list(os.getloadavg())
    except OSError:  # not on Windows
        load = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True, cwd=Path(__file__).parent, timeout=5,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {
        "cores": os.cpu_count(),
        "load_1_5_15": load,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "commit": commit,
    }


def write(name: str, figures: Mapping[str, Any], *, directory: Path | None = None) -> Path:
    """Save one run's ``figures`` (JSON-able) as ``<directory>/<name>-<UTC time>.json`` with
    the machine's description, and say where on stderr; returns the file."""
    folder = (
        directory
        if directory is not None
        else Path(os.environ.get("WORKBENCH_BENCH_RESULTS", RESULTS))
    )
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC)
    path = folder / f"{name}-{stamp:%Y%m%dT%H%M%SZ}.json"
    body = {"benchmark": name, "at": stamp.isoformat(), "machine": machine(), "figures": figures}
    path.write_text(json.dumps(body, indent=2, default=str) + "\n")
    print(f"figures written to {path}", file=sys.stderr)
    return path
