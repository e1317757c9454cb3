"""examples/quickstart.ipynb, executed end to end in a real kernel (nbclient), against a demo
database: every cell runs without error and its effects are in the database."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import nbformat
import psycopg
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def kernel_env(monkeypatch: pytest.MonkeyPatch, dsn: str, assets: Path, tmp: Path) -> None:
    """The kernel inherits this process's environment: point it at the test's demo database,
    keep IPython's folder out of the home directory, and make `python3` this interpreter (its
    kernelspec runs `python` from PATH)."""
    monkeypatch.setenv("WORKBENCH_DSN", dsn)
    monkeypatch.setenv("IPYTHONDIR", str(tmp / "ipython"))
    monkeypatch.setenv("WORKBENCH_ASSETS_DIR", str(assets))
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def outputs(cell: Any) -> str:
    text = []
    for out in cell.get("outputs", []):
        text.append(out.get("text", ""))
        data = out.get("data", {})
        text.append(data.get("text/plain", "") + data.get("text/html", ""))
    return "".join(text)


def test_quickstart_runs_end_to_end(
    monkeypatch: pytest.MonkeyPatch, demo_dsn: str, demo_assets: Path, tmp_path: Path
) -> None:
    kernel_env(monkeypatch, demo_dsn, demo_assets, tmp_path)
    before = demo_state(demo_dsn)
    notebook = nbformat.read(QUICKSTART, as_version=4)
    assert notebook.metadata.kernelspec.name == "python3"  # no "Select Kernel" dialog in Lab
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell

    code = [c for c in notebook.cells if c.cell_type == "code"]
    shown = [c for c in code if any(WIDGET_VIEW in o.get("data", {}) for o in c.outputs)]
    assert len(shown) == 4, "Gallery, Settings, Uploader and Workbench each display a widget"
    assert "<Gallery Neon Coastline" in outputs(shown[0])
    everything = "".join(outputs(c) for c in code)
    assert "amountOfMotion = 72 from project" in everything
    assert "starred now: " in everything
    assert "'amountOfMotion = 65 from project" in everything  # put back
    assert "class='wb-page'" in everything  # the page's HTML table
    assert "class='wb-settings-table'" in everything
    assert notebook.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]

    # The notebook put back what it changed: the README's values stay true after it.
    assert demo_state(demo_dsn) == before


def demo_state(dsn: str) -> dict[str, Any]:
    """What the notebook changes to show how, and must put back."""
    with psycopg.connect(dsn) as conn:
        return {
            "starred": conn.execute(
                "SELECT array_agg(id ORDER BY id) FROM generations WHERE starred"
            ).fetchone(),
            "motion": conn.execute(
                "SELECT settings->'travel-between-images'->'amountOfMotion' FROM projects "
                "WHERE name = 'Neon Coastline'"
            ).fetchone(),
            "settings": conn.execute(
                "SELECT array_agg(settings ORDER BY id) FROM projects"
            ).fetchone(),
            "generations": conn.execute("SELECT count(*) FROM generations").fetchone(),
        }
