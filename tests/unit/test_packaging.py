"""widgets/ is `workbench.widgets` in the wheel and in an editable install, never `widgets`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import importlib.util, workbench.widgets as w\n"
    "print(w.__file__)\n"
    "print(importlib.util.find_spec('widgets'))\n"
)


def probe(cwd: Path, pythonpath: str = "") -> list[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": pythonpath}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=cwd, env=env, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_editable_install_maps_widgets(tmp_path: Path) -> None:
    widgets_file, bare = probe(tmp_path)  # outside the checkout: only the install can answer
    assert Path(widgets_file) == ROOT / "widgets" / "__init__.py"
    assert bare == "None", "a bare `widgets` must not be importable"


def test_wheel_holds_workbench_widgets(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    for folder in ("workbench", "widgets"):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    expected = {f"workbench/widgets/{p.name}" for p in (ROOT / "widgets").glob("*.py")}
    assert expected <= set(names)
    assert not [n for n in names if n.startswith("widgets/")]
    assert "workbench/db/migrations/core/0001_reigh_tables.sql" in names
    packages = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "workbench").rglob("__init__.py")}
    assert {f"{p}/__init__.py" for p in packages} <= set(names), "a package left out of the list"

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    widgets_file, bare = probe(tmp_path, str(site))
    assert Path(widgets_file) == site / "workbench" / "widgets" / "__init__.py"
    assert bare == "None"
