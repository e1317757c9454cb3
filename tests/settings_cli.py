"""A pytest plugin (registered in ``tests/conftest.py``): ``settings_cli``, which runs
``workbench settings ...`` in this process on the demo, for the settings CLI tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.client import Workbench

SettingsCli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def settings_cli(
    demo_wb: Workbench,
    demo_dsn: str,
    demo_assets: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> SettingsCli:
    """Run ``workbench settings ...`` in this process; returns (exit status, stdout, stderr)."""
    monkeypatch.setenv("WORKBENCH_DSN", demo_dsn)
    monkeypatch.setenv("WORKBENCH_ASSETS_DIR", str(demo_assets))

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = main(["settings", *args])
        out, err = capsys.readouterr()
        return status, out, err

    return run
