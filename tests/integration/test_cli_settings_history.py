"""``workbench settings history|restore|diff`` on the demo: text and ``--json``, the confirm
(``--yes``), conflicts (``--force``) and the ways to name the two sides of a diff."""

from __future__ import annotations

import json
from typing import Any

import pytest
from settings_cli import SettingsCli

from workbench.client import Workbench

TRAVEL = "travel-between-images"


@pytest.fixture
def cli(settings_cli: SettingsCli) -> SettingsCli:
    """``workbench settings ...`` in this process (the shared ``settings_cli``)."""
    return settings_cli


WHERE = ["--project", "Neon Coastline", "--shot", "Harbour Lights"]


def test_history_lists_the_writes_newest_first(cli: Any, demo_wb: Workbench) -> None:
    assert cli("set", TRAVEL, "amountOfMotion", "33", *WHERE, "--scope", "shot")[0] == 0
    assert cli("set", TRAVEL, "motionMode", "advanced", *WHERE, "--scope", "project")[0] == 0
    status, out, _ = cli("history", TRAVEL, *WHERE)
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == (
        f"{TRAVEL}: 2 entries, newest first (history kept in the database: every device sees it)"
    )
    assert "[project Neon Coastline]" in lines[1]
    assert lines[2].strip() == 'motionMode: not set → "advanced"'  # not set at project scope
    assert "[shot Harbour Lights]" in lines[3]
    assert lines[4].strip() == "amountOfMotion: not set → 33"

    status, out, _ = cli("history", TRAVEL, *WHERE, "--json", "--own")
    (entry,) = json.loads(out)
    assert entry["scope"] == "shot"
    assert entry["changes"] == [{"field": "amountOfMotion", "new": 33}]  # old: absent
    assert len(json.loads(cli("history", TRAVEL, *WHERE, "--json", "--limit", "1")[1])) == 1
    _, out, _ = cli("history", TRAVEL, "--project", "Neon Coastline", "--json")
    assert [e["scope"] for e in json.loads(out)] == ["project"]


def test_restore_asks_refuses_conflicts_and_is_recorded(cli: Any, demo_wb: Workbench) -> None:
    cli("set", TRAVEL, "amountOfMotion", "33", *WHERE, "--scope", "shot")
    (entry,) = json.loads(cli("history", TRAVEL, *WHERE, "--json", "--own")[1])
    number = str(entry["id"])

    status, _, err = cli("restore", number)  # no terminal, no --yes: refused, nothing changes
    assert status == 1
    assert "Restore 1 field of travel-between-images at shot" in err
    assert "add --yes" in err
    assert len(json.loads(cli("history", TRAVEL, *WHERE, "--json", "--own")[1])) == 1

    cli("set", TRAVEL, "amountOfMotion", "44", *WHERE, "--scope", "shot")
    status, _, err = cli("restore", number, "--yes")
    assert status == 1
    assert "amountOfMotion changed since entry" in err
    assert "--force" in err
    shown = json.loads(cli("show", TRAVEL, *WHERE, "--json")[1])
    assert shown["values"]["amountOfMotion"] == 44

    status, out, _ = cli("restore", number, "--yes", "--force", "--json")
    assert status == 0
    done = json.loads(out)
    assert done["written"] is True
    assert done["restored"] == [{"field": "amountOfMotion", "old": 44}]  # back to not set
    assert done["overwritten"] == [{"field": "amountOfMotion", "old": 33, "new": 44}]
    shown = json.loads(cli("show", TRAVEL, *WHERE, "--json")[1])
    assert shown["provenance"]["amountOfMotion"] == "project"
    newest = json.loads(cli("history", TRAVEL, *WHERE, "--json", "--own")[1])[0]
    assert newest["note"] == f"restore of entry {number}"

    status, out, _ = cli("restore", number, "--yes")
    assert status == 0
    assert "nothing to restore" in out
    assert cli("restore", "nine")[0] == 1


def test_diff_names_its_sides_in_three_ways(cli: Any, demo_wb: Workbench) -> None:
    status, out, _ = cli("diff", TRAVEL, *WHERE, "--project")  # a shot against its project
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"{TRAVEL}: ")
    assert lines[0].endswith("between shot Harbour Lights and project Neon Coastline")
    assert lines[1].split() == ["field", "Harbour", "Lights", "Neon", "Coastline"]
    assert any(line.startswith("generationMode") and "[shot]" in line for line in lines[2:])
    same = json.loads(cli("diff", TRAVEL, "--shot", "Harbour Lights", "--json")[1])
    assert same == json.loads(cli("diff", TRAVEL, *WHERE, "--project", "--json")[1])

    project = demo_wb.project("Neon Coastline")
    second = demo_wb.shots(project)[1].name
    cli("set", TRAVEL, "amountOfMotion", "5", "--project", "Neon Coastline", "--shot", second,
        "--scope", "shot")  # fmt: skip
    _, out, _ = cli("diff", TRAVEL, "--shot", "Harbour Lights", "--shot", second, "--json")
    diff = json.loads(out)
    assert (diff["a"]["name"], diff["b"]["name"]) == ("Harbour Lights", second)
    motion = next(f for f in diff["fields"] if f["field"] == "amountOfMotion")
    assert motion["b"] == {"value": 5, "scope": "shot"}
    assert motion["a"]["scope"] == "project"

    cli("set", TRAVEL, "motionMode", "advanced", "--project", "Paper Garden", "--scope",
        "project")  # fmt: skip
    _, out, _ = cli("diff", TRAVEL, "--project", "Neon Coastline", "--project", "Paper Garden",
                    "--json")  # fmt: skip
    diff = json.loads(out)
    mode = next(f for f in diff["fields"] if f["field"] == "motionMode")
    assert mode["b"] == {"value": "advanced", "scope": "project"}

    status, _, err = cli("diff", TRAVEL)
    assert status == 1
    assert "needs --shot or --project" in err
