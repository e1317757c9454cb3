"""``workbench settings`` refuses garbage, says which scope it used, and asks before a reset
that reaches beyond the target (real PostgreSQL with the demo, the real command)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cli_process import Run, workbench_process

from workbench.client import Workbench

TRAVEL = "travel-between-images"
WHERE = ["--project", "Neon Coastline", "--shot", "Harbour Lights"]


@pytest.fixture
def cli(demo_wb: Workbench, demo_dsn: str, demo_assets: Path) -> Run:
    return workbench_process(demo_dsn, demo_assets, "settings")


def snapshot(dsn: str) -> list[Any]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT 'u', id, settings FROM users UNION ALL SELECT 'p', id, settings FROM projects "
            "UNION ALL SELECT 's', id, settings FROM shots ORDER BY 1, 2"
        ).fetchall()


def travel(dsn: str, table: str, name: str) -> dict[str, Any]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            f"SELECT settings -> %s FROM {table} WHERE name = %s", (TRAVEL, name)
        ).fetchone()
    return (row[0] if row else None) or {}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["travel-betwen-images", "amountOfMotion", "70"],
            [
                "unknown settings tool 'travel-betwen-images'",
                "did you mean 'travel-between-images'",
            ],
        ),
        ([TRAVEL, "amountOfMotoin", "70"], ["did you mean 'amountOfMotion'"]),
        ([TRAVEL, "amountOfMotion", "lots"], ["amountOfMotion must be a number", '"lots"']),
        ([TRAVEL, "generationMode", "sideways"], ["generationMode must be one of"]),
    ],
)
def test_refused_set_exits_1_and_stores_nothing(
    cli: Any, demo_dsn: str, args: list[str], words: list[str]
) -> None:
    before = snapshot(demo_dsn)
    done = cli("set", *args, "--scope", "project", *WHERE)
    assert done.returncode == 1
    for word in words:
        assert word in done.stderr
    assert "--force writes it anyway" in done.stderr
    assert done.stderr.count("\n") == 1  # one line, no traceback
    assert snapshot(demo_dsn) == before


def test_show_of_an_unknown_tool_is_refused_clearly(cli: Any) -> None:
    done = cli("show", "nosuchtool", *WHERE)
    assert done.returncode == 1
    assert "unknown settings tool 'nosuchtool'" in done.stderr
    assert "invalid settings path" not in done.stderr
    assert cli("show", "upload", *WHERE).returncode == 0  # registered, nothing set: no error


def test_force_writes_an_unknown_field_and_says_so(cli: Any, demo_dsn: str) -> None:
    done = cli("set", TRAVEL, "futureKnob", "3", "--scope", "project", "--force", *WHERE)
    assert done.returncode == 0, done.stderr
    assert "note: written anyway (force)" in done.stderr
    assert "futureKnob" in done.stderr
    assert travel(demo_dsn, "projects", "Neon Coastline")["futureKnob"] == 3


def test_without_scope_the_narrowest_target_is_used_and_named(cli: Any, demo_dsn: str) -> None:
    done = cli("set", TRAVEL, "amountOfMotion", "71", "--project", "Neon Coastline")
    assert done.returncode == 0, done.stderr
    assert "set at project scope (the narrowest target given)" in done.stderr
    assert travel(demo_dsn, "projects", "Neon Coastline")["amountOfMotion"] == 71
    done = cli("set", TRAVEL, "amountOfMotion", "72", *WHERE)
    assert "set at shot scope" in done.stderr
    assert travel(demo_dsn, "shots", "Harbour Lights")["amountOfMotion"] == 72
    done = cli("set", TRAVEL, "amountOfMotion", "41")
    assert "set at user scope" in done.stderr, done.stderr


def test_reset_above_the_target_needs_yes(cli: Any, demo_dsn: str) -> None:
    before = snapshot(demo_dsn)
    done = cli("reset", TRAVEL, "amountOfMotion", "--scope", "project", *WHERE)
    assert done.returncode == 1
    assert "Reset amountOfMotion at project scope?" in done.stderr
    assert "add --yes" in done.stderr
    assert snapshot(demo_dsn) == before
    done = cli("reset", TRAVEL, "amountOfMotion", "--scope", "project", "--yes", *WHERE)
    assert done.returncode == 0, done.stderr
    assert "amountOfMotion" not in travel(demo_dsn, "projects", "Neon Coastline")


def test_reset_of_a_whole_tool_needs_yes(cli: Any, demo_dsn: str) -> None:
    before = snapshot(demo_dsn)
    done = cli("reset", TRAVEL, "--scope", "project", "--project", "Neon Coastline")
    assert done.returncode == 1
    assert "Reset all of travel-between-images at project scope?" in done.stderr
    assert snapshot(demo_dsn) == before
    done = cli("reset", TRAVEL, "--project", "Neon Coastline", "--yes")
    assert done.returncode == 0, done.stderr
    assert travel(demo_dsn, "projects", "Neon Coastline") == {}


def test_reset_at_the_targets_own_scope_needs_no_yes_and_says_when_nothing_is_set(
    cli: Any, demo_dsn: str
) -> None:
    shot = ["--project", "Neon Coastline", "--shot", "Harbour Lights"]
    assert travel(demo_dsn, "shots", "Harbour Lights").get("generationMode") is not None
    done = cli("reset", TRAVEL, "generationMode", *shot)
    assert done.returncode == 0, done.stderr
    assert "generationMode" not in travel(demo_dsn, "shots", "Harbour Lights")
    before = snapshot(demo_dsn)
    done = cli("reset", TRAVEL, "amountOfMotion", *shot)  # set at project scope, not the shot's
    assert done.returncode == 0
    assert "amountOfMotion is not set at shot scope: nothing to reset" in done.stdout
    assert snapshot(demo_dsn) == before
    done = cli("reset", TRAVEL, "amountOfMotoin", *shot)
    assert done.returncode == 1
    assert "did you mean 'amountOfMotion'" in done.stderr
    assert json.loads(cli("show", TRAVEL, *shot, "--json").stdout)["values"]["amountOfMotion"] == 65
