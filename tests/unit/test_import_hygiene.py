"""The layering of DESIGN §2: the core imports no UI toolkit, and stays light to import."""

from __future__ import annotations

import json
import subprocess
import sys

UI = ("textual", "ipywidgets", "rich", "IPython")
HEAVY = ("boto3", "botocore", "PIL", "av", "psycopg")
CORE = (
    "workbench",
    "workbench.cache",
    "workbench.client",
    "workbench.generations.service",
    "workbench.realtime",
    "workbench.settings.service",
    "workbench.startup",
    "workbench.views",
    "workbench.views.thumbnails",
    "workbench.views.uploads",
    "workbench.config",
    "workbench.db.embedded",
    "workbench.db.migrate",
    "workbench.demo",
    "workbench.doctor",
    "workbench.storage",
    "workbench.media",
    "workbench.cli",
)


def loaded_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return {name.split(".")[0] for name in json.loads(out)}


def test_core_loads_no_ui_toolkit() -> None:
    loaded = loaded_after("; ".join(f"import {m}" for m in CORE))
    assert not loaded & set(UI), f"core pulled in UI modules: {loaded & set(UI)}"


def test_import_workbench_is_light() -> None:
    loaded = loaded_after("import workbench")
    assert not loaded & set(HEAVY), f"`import workbench` loaded {loaded & set(HEAVY)}"


def test_connect_is_reachable_lazily() -> None:
    loaded = loaded_after("import workbench; workbench.connect")
    assert "psycopg" in loaded  # the lazy attribute really resolves
