"""Smoke test: the real `workbench` command, in a real terminal (tmux), on the demo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")


@pytest.mark.skipif(
    TMUX is None and os.environ.get("CI") != "true",
    reason="tmux is not installed here (.ci/run installs it)",
)
def test_workbench_command_shows_the_demo_gallery(tmp_path: Path) -> None:
    assert TMUX is not None, "CI must provide tmux (see .ci/run)"
    home = tmp_path / "home"
    session = f"wb-{os.getpid()}"
    command = f"WORKBENCH_HOME={home} {Path(sys.executable).parent / 'workbench'}; sleep 30"
    subprocess.run([TMUX, "new-session", "-d", "-s", session, "-x", "150", "-y", "45", command],
                   check=True)  # fmt: skip
    try:
        screen = ""
        deadline = time.monotonic() + 120  # the first start creates the demo
        while time.monotonic() < deadline:
            screen = subprocess.run(
                [TMUX, "capture-pane", "-p", "-t", session], capture_output=True, text=True,
                check=True,
            ).stdout  # fmt: skip
            if "page 1/" in screen and "image" in screen:
                break
            time.sleep(0.5)
        assert "Neon Coastline" in screen, screen
        assert "Harbour Lights" in screen
        assert "Gallery" in screen
        assert "Settings" in screen
        assert "page 1/8 · 360" in screen
        subprocess.run([TMUX, "send-keys", "-t", session, "s"], check=True)
        time.sleep(1.5)
        screen = subprocess.run([TMUX, "capture-pane", "-p", "-t", session],
                                capture_output=True, text=True, check=True).stdout  # fmt: skip
        assert "amountOfMotion" in screen, screen
        subprocess.run([TMUX, "send-keys", "-t", session, "q"], check=True)
    finally:
        subprocess.run([TMUX, "kill-session", "-t", session], check=False)
        subprocess.run([str(Path(sys.executable).parent / "workbench"), "db", "stop"],
                       env={**os.environ, "WORKBENCH_HOME": str(home)}, check=False,
                       capture_output=True)  # fmt: skip
