"""`workbench doctor`: every layer checked in order, with the one thing to do."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from workbench.doctor import run_checks


def by_name(checks: list) -> dict[str, tuple[str, str, str]]:  # type: ignore[type-arg]
    return {c.name: (c.status, c.detail, c.fix) for c in checks}


def test_all_ok_on_a_good_setup(demo_dsn: str, tmp_path: Path) -> None:
    checks = run_checks({"database.dsn": demo_dsn, "storage.local_dir": str(tmp_path)})
    assert [c.name for c in checks] == ["configuration", "database", "schema", "user", "storage"]
    assert all(c.status == "ok" for c in checks), checks
    assert "workbench schema" in by_name(checks)["schema"][1]


def test_unreachable_database_skips_what_depends_on_it(tmp_path: Path) -> None:
    result = by_name(
        run_checks(
            {"database.dsn": "postgresql://u@127.0.0.1:1/x", "storage.local_dir": str(tmp_path)}
        )
    )
    assert result["database"][0] == "fail"
    assert "nothing is listening" in result["database"][2]
    assert result["schema"][0] == result["user"][0] == "skip"
    assert result["storage"][0] == "ok"


def test_bad_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_USER_ID", "not-a-uuid")
    result = by_name(run_checks())
    assert result["configuration"][0] == "fail"
    assert "WORKBENCH_USER_ID" in result["configuration"][1]
    assert {result[n][0] for n in ("database", "schema", "user", "storage")} == {"skip"}


def test_empty_database_and_unwritable_storage(empty_dsn: str, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = by_name(run_checks({"database.dsn": empty_dsn, "storage.local_dir": str(blocker)}))
    assert result["schema"][0] == "fail"
    assert result["schema"][2] == "run `workbench db migrate`"
    assert result["user"][0] == "skip"
    assert result["storage"][0] == "fail"


def test_several_users_warn(demo_dsn: str, tmp_path: Path) -> None:
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO users (name) VALUES ('second')")
    result = by_name(run_checks({"database.dsn": demo_dsn, "storage.local_dir": str(tmp_path)}))
    assert result["user"][0] == "warn"
    assert "WORKBENCH_USER_ID" in result["user"][2]


def test_json_output_and_exit_status(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "workbench"), "doctor", "--json"],
        env={
            "WORKBENCH_HOME": str(tmp_path),
            "WORKBENCH_DSN": "postgresql://u@127.0.0.1:1/x",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    checks = json.loads(done.stdout)
    assert [c["status"] for c in checks] == ["ok", "fail", "skip", "skip", "ok"]
