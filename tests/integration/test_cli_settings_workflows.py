"""``workbench settings copy|reset-overrides|promote`` on the demo: the plan printed first, the
question (refused in a script without ``--yes``, "n" on a terminal), ``--json``, undo, and bad
input as one line on stderr with nothing written."""

from __future__ import annotations

import io
import json
from typing import Any

import psycopg
import pytest
from settings_cli import SettingsCli

from workbench.cli import main

TRAVEL = "travel-between-images"


@pytest.fixture
def cli(settings_cli: SettingsCli) -> SettingsCli:
    """``workbench settings ...`` in this process (the shared ``settings_cli``)."""
    return settings_cli


NEON = ["--project", "Neon Coastline"]


def settings_of(dsn: str) -> list[Any]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(
            "SELECT id, settings FROM projects UNION ALL SELECT id, settings FROM shots ORDER BY 1"
        ).fetchall()


def shot_travel(dsn: str, name: str) -> Any:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT settings -> %s FROM shots WHERE name = %s",
                           (TRAVEL, name)).fetchone()  # fmt: skip
    assert row is not None
    return row[0]


def test_workflows_print_the_plan_ask_and_apply(
    cli: Any, demo_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = settings_of(demo_dsn)
    copy = ["copy", "--tool", TRAVEL, "--from-shot", "Harbour Lights", "--to-shot",
            "Night Market", *NEON]  # fmt: skip
    status, out, err = cli(*copy)  # a script without --yes: the plan, then a refusal
    assert status == 1
    assert out.splitlines()[:3] == [
        "copy 3 fields of travel-between-images from shot 'Harbour Lights' to shot 'Night Market'",
        "  batchVideoSteps: 6 (defaults) → 6 (shot)",
        '  generationMode: "timeline" (defaults) → "batch" (shot)',
    ]
    assert err.strip() == (
        "workbench: error: this needs confirmation: add --yes to go ahead (nothing was written)"
    )
    with monkeypatch.context() as patch:  # a terminal: asked, and "n" changes nothing
        patch.setattr("sys.stdin", _Terminal())
        patch.setattr("builtins.input", lambda prompt: "n" if prompt == "Apply? [y/N] " else "")
        assert cli(*copy)[0] == 1
    assert settings_of(demo_dsn) == before

    status, out, _ = cli(*copy, "--field", "generationMode", "--yes")
    assert status == 0, out
    assert out.splitlines()[-1] == (
        "applied: copy 1 field of travel-between-images from shot 'Harbour Lights' to shot "
        "'Night Market' (undo with: workbench undo)"
    )
    assert shot_travel(demo_dsn, "Night Market") == {"generationMode": "batch"}

    projects = ["--from-project", "Neon Coastline", "--to-project", "Paper Garden"]
    status, out, _ = cli(
        "copy", "--tool", TRAVEL, *projects, "--field", "prompt", "--json", "--yes"
    )
    shown = json.loads(out)
    assert (status, shown["applied"], shown["action"]) == (0, True, "copy")
    assert shown["changes"] == [{
        "field": "prompt",
        "before": {"value": "papercraft, soft light", "scope": "project"},
        "after": {"value": "cinematic, anamorphic", "scope": "project"},
    }]  # fmt: skip

    status, out, _ = cli("promote", "--tool", TRAVEL, "--shot", "Cliff Road", *NEON,
                         "batchVideoSteps", "--yes")  # fmt: skip
    assert status == 0
    assert out.splitlines()[1] == "  batchVideoSteps: 8 (shot) → 8 (project)"
    assert "batchVideoSteps" not in shot_travel(demo_dsn, "Cliff Road")
    assert main(["undo"]) == 0  # one undo: the project's write and the shot's
    assert shot_travel(demo_dsn, "Cliff Road")["batchVideoSteps"] == 8

    status, out, _ = cli("reset-overrides", "--tool", TRAVEL, "--shot", "Night Market", *NEON,
                         "--json", "--yes")  # fmt: skip
    assert (status, json.loads(out)["applied"]) == (0, True)
    assert shot_travel(demo_dsn, "Night Market") is None
    status, out, _ = cli("reset-overrides", "--tool", TRAVEL, "--shot", "Night Market", *NEON)
    assert (status, out.strip()) == (0, "nothing to change: shot 'Night Market' has no "
                                        "override of travel-between-images")  # fmt: skip

    # Bad input: one line on stderr, exit 1, nothing written.
    now = settings_of(demo_dsn)
    for args, words in [
        (["copy", "--tool", TRAVEL, "--from-shot", "Harbour Lights", "--to-project",
          "Paper Garden", "--yes"], "--from-shot A --to-shot B"),
        (["copy", "--tool", TRAVEL, "--from-shot", "Lighthouse", "--to-shot", "Night Market",
          *NEON, "--yes"], "Source shot has no settings"),
        (["copy", "--tool", "travel-between-image", "--from-shot", "Harbour Lights",
          "--to-shot", "Night Market", *NEON, "--yes"], "did you mean"),
        (["promote", "--tool", TRAVEL, "--shot", "Night Market", *NEON, "steps", "--yes"],
         "does not override"),
        (["promote", "--tool", TRAVEL, "--shot", "Nowhere", *NEON, "steps", "--yes"],
         "Nowhere"),
        (["reset-overrides", "--tool", TRAVEL, "--yes"], "needs --shot"),
    ]:  # fmt: skip
        status, out, err = cli(*args)
        assert status == 1, (args, out, err)
        assert len(err.strip().splitlines()) == 1, (args, err)
        assert words in err, (args, err)
    assert settings_of(demo_dsn) == now


class _Terminal(io.StringIO):
    """Standard input that says it is a terminal."""

    def isatty(self) -> bool:
        return True
