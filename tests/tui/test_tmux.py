"""Smoke test: the real `workbench` command, in a real terminal (tmux), on the demo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from preconditions import unavailable
from waiting import wait_until

TMUX = shutil.which("tmux")


def test_workbench_command_shows_the_demo_gallery(tmp_path: Path) -> None:
    if TMUX is None:
        unavailable("tmux is not installed here (.ci/run installs it)")
    home = tmp_path / "home"
    session = f"wb-{os.getpid()}"
    command = f"WORKBENCH_HOME={home} {Path(sys.executable).parent / 'workbench'}; sleep 30"
    subprocess.run([TMUX, "new-session", "-d", "-s", session, "-x", "150", "-y", "45", command],
                   check=True)  # fmt: skip

    def capture() -> str:
        assert TMUX is not None
        return subprocess.run([TMUX, "capture-pane", "-p", "-t", session],
                              capture_output=True, text=True, check=True).stdout  # fmt: skip

    def first_page() -> str:
        screen = capture()
        return screen if "page 1/" in screen and "image" in screen else ""

    try:  # the first start creates the demo
        screen = wait_until(first_page, what="the demo gallery's first page in tmux",
                            timeout=120, poll=0.2, show=capture)  # fmt: skip
        assert "Neon Coastline" in screen, screen
        assert "Harbour Lights" in screen
        assert "Gallery" in screen
        assert "Settings" in screen
        assert "page 1/8 · 360" in screen
        subprocess.run([TMUX, "send-keys", "-t", session, "s"], check=True)
        wait_until(lambda: "amountOfMotion" in capture(), what="the settings tab in tmux",
                   timeout=30, poll=0.2, show=capture)  # fmt: skip
        subprocess.run([TMUX, "send-keys", "-t", session, "q"], check=True)
    finally:
        subprocess.run([TMUX, "kill-session", "-t", session], check=False)
        subprocess.run([str(Path(sys.executable).parent / "workbench"), "db", "stop"],
                       env={**os.environ, "WORKBENCH_HOME": str(home)}, check=False,
                       capture_output=True)  # fmt: skip
