"""The real ``workbench`` command, run in a child process against a test's database.

A child process is what a user runs: its own interpreter, its own start-up, argv as bytes
(so arguments that are not UTF-8 reach it as they would from a shell), exit status and output
as a terminal would see them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

Run = Callable[..., subprocess.CompletedProcess[str]]


def workbench_process(dsn: str, assets: Path, *command: str) -> Run:
    """``run(*args)`` runs ``workbench *command *args`` on ``dsn`` with ``assets`` as the asset
    folder, a fresh home, and none of the developer's ``WORKBENCH_*`` settings. Arguments may
    be bytes; output that is not UTF-8 shows as backslash escapes."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")},
        "WORKBENCH_DSN": dsn,
        "WORKBENCH_ASSETS_DIR": str(assets),
        "WORKBENCH_HOME": str(assets.parent / f"cli-home-{uuid.uuid4().hex[:6]}"),
    }
    workbench = str(Path(sys.executable).parent / "workbench")

    def run(*args: str | bytes) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [workbench, *command, *args], env=env, capture_output=True, text=True, check=False,
            stdin=subprocess.DEVNULL, errors="backslashreplace",
        )  # fmt: skip

    return run
