"""The layering of DESIGN §2 at run time: the core, the views and the CLI load no UI toolkit,
and the core stays light to import. (The import linter checks the layers statically.)"""

from __future__ import annotations

import json
import subprocess
import sys

UI = ("textual", "ipywidgets", "rich", "IPython")
HEAVY = ("boto3", "botocore", "PIL", "av", "psycopg")
# Everything but the two UI front ends: the core, the view models and the CLI.
NO_TOOLKIT = (
    "workbench",
    "workbench.cache",
    "workbench.client",
    "workbench.config",
    "workbench.db.embedded",
    "workbench.db.migrate",
    "workbench.demo",
    "workbench.doctor",
    "workbench.generations.service",
    "workbench.keys",
    "workbench.media",
    "workbench.media.thumbnail_cache",
    "workbench.projects",
    "workbench.realtime",
    "workbench.settings.service",
    "workbench.startup",
    "workbench.storage",
    "workbench.views",
    "workbench.views.uploads",
    "workbench.cli",
)


def loaded_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return {name.split(".")[0] for name in json.loads(out)}


def test_core_views_and_cli_load_no_ui_toolkit() -> None:
    """What the import linter's contracts say, checked at run time: importing them pulls in
    no UI toolkit (a contract sees imports; this also sees what they import in turn)."""
    loaded = loaded_after("; ".join(f"import {m}" for m in NO_TOOLKIT))
    assert not loaded & set(UI), f"core, views or CLI pulled in UI modules: {loaded & set(UI)}"


def test_import_workbench_is_light() -> None:
    loaded = loaded_after("import workbench")
    assert not loaded & set(HEAVY), f"`import workbench` loaded {loaded & set(HEAVY)}"


def test_connect_is_reachable_lazily() -> None:
    loaded = loaded_after("import workbench; workbench.connect")
    assert "psycopg" in loaded  # the lazy attribute really resolves


def imported_names(folder: str) -> dict[str, set[str]]:
    """Absolute module names each file under ``folder`` imports (from its source)."""
    import ast
    from pathlib import Path

    found: dict[str, set[str]] = {}
    for path in (Path(__file__).resolve().parents[2] / folder).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
        found[str(path)] = names
    return found


def test_widgets_are_only_workbench_widgets() -> None:
    """The import linter sees widgets/ as `widgets`, so it cannot see `workbench.widgets` being
    imported: the core and the TUI must not, and widgets/ must never name itself bare."""
    for path, names in imported_names("workbench").items():
        assert not {n for n in names if n.startswith("workbench.widgets")}, path
    for path, names in imported_names("widgets").items():
        bad = {n for n in names if n.split(".")[0] == "widgets" or n.startswith("workbench.tui")}
        assert not bad, f"{path} imports {bad}"
