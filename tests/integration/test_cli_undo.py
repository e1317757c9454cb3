"""``workbench undo``, ``history`` and the gallery's changes from the shell, each command in a
process of its own: the undo finds the change in the device-local state."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from test_undo import Scene, all_rows, build_scene


@pytest.fixture
def scene(db_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Scene:
    monkeypatch.setenv("WORKBENCH_DSN", db_dsn)
    monkeypatch.setenv("WORKBENCH_ASSETS_DIR", str(tmp_path / "assets"))
    return build_scene(db_dsn)


def workbench(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m workbench ARGS`` in a new process, stdin not a terminal (as in a script)."""
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        env=dict(os.environ), capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip


def test_delete_needs_yes_and_undo_in_another_process_brings_it_back(
    db_dsn: str, scene: Scene
) -> None:
    before = all_rows(db_dsn)
    refused = workbench("delete", str(scene.generation))
    assert refused.returncode == 1
    assert refused.stderr.startswith("workbench: error: Delete the image 'harbour at dusk'?")
    assert "--yes" in refused.stderr
    assert all_rows(db_dsn) == before

    done = workbench("delete", str(scene.generation), "--yes")
    assert done.returncode == 0, done.stderr
    assert "delete generation 'harbour at dusk'" in done.stdout
    assert all_rows(db_dsn) != before

    undone = workbench("undo")
    assert undone.returncode == 0, undone.stderr
    assert undone.stdout.strip() == "undid: delete generation 'harbour at dusk'"
    assert all_rows(db_dsn) == before

    history = workbench("history", "--json")
    assert [(c["kind"], c["undone"]) for c in json.loads(history.stdout)] == [("delete", True)]
    again = workbench("undo")
    assert again.returncode == 1
    assert again.stderr.startswith("workbench: error: nothing to undo")


def test_undo_conflict_exits_1_and_force_goes_ahead(db_dsn: str, scene: Scene) -> None:
    assert workbench("star", str(scene.generation)).returncode == 0
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("UPDATE generations SET starred = false WHERE id = %s", (scene.generation,))
    conflict = workbench("undo")
    assert conflict.returncode == 1
    assert (
        "cannot undo \"star 'harbour at dusk'\"" in conflict.stderr
        or "cannot undo" in conflict.stderr
    )
    assert "--force" in conflict.stderr
    forced = workbench("undo", "--force", "--json")
    assert forced.returncode == 0, forced.stderr
    out = json.loads(forced.stdout)
    assert (out["kind"], out["undone"], out["message"]) == (
        "star", True, "undid: star 'harbour at dusk'",
    )  # fmt: skip


def test_remove_from_shot_by_shot_name_and_undo(db_dsn: str, scene: Scene) -> None:
    before = all_rows(db_dsn)
    done = workbench(
        "remove-from-shot", str(scene.generation), "--shot", "Night Market", "--yes", "--json"
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["description"] == (
        "remove 'harbour at dusk' from shot 'Night Market'"
    )
    text = workbench("history")
    assert "remove-from-shot" in text.stdout
    assert workbench("undo").returncode == 0
    assert all_rows(db_dsn) == before
