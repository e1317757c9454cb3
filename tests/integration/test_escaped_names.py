"""Names with terminal escape sequences are printed escaped (issue 14, point 5): a file, a
project or a shot named to retitle or clear the terminal shows as ``\\x1b...`` instead."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
import upload_samples as samples
from upload_setup import Setup

from workbench.cli import main

TITLE = "\x1b]0;pwned\x07"  # sets the terminal's title
CLEAR = "\x1b[2J"  # clears the screen
RAW = ("\x1b", "\x07", "\x9b", "\r")


def no_raw_controls(text: str) -> bool:
    return not any(c in text for c in RAW)


def test_safe_escapes_controls_and_keeps_unicode() -> None:
    from workbench.cli.output import safe  # (here: the other tests run on a CLI without it)

    assert safe(f"{TITLE}evil.png") == "\\x1b]0;pwned\\x07evil.png"
    assert safe(CLEAR) == "\\x1b[2J"
    assert safe("a\nb\tc\rd\x00e\x7ff\x9bg") == "a\\x0ab\\x09c\\x0dd\\x00e\\x7ff\\x9bg"
    assert safe("lone \udc80 surrogate") == "lone \\udc80 surrogate"
    assert safe("right-to-left \u202eoverride") == "right-to-left \\u202eoverride"
    assert safe("Café 日本 🎬 [b]bold[/] \\x1b") == "Café 日本 🎬 [b]bold[/] \\x1b"
    assert safe(42) == "42"


def test_error_lines_are_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    from workbench.cli.output import print_error

    print_error(f"no project {TITLE!s}x")
    err = capsys.readouterr().err
    assert no_raw_controls(err)
    assert "\\x1b]0;pwned\\x07x" in err


def test_upload_prints_escaped_file_names(
    cli_setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    good = folder / f"{TITLE}evil.png"
    good.write_bytes(samples.image("png", (40, 40), seed=7))
    bad = folder / f"{CLEAR}bad.png"
    bad.write_bytes(b"not a png at all " * 4)
    code = main(
        ["upload", str(good), str(bad), "--project", str(cli_setup.project), "--no-progress"]
    )
    out, err = capsys.readouterr()
    assert code == 1
    assert no_raw_controls(out)
    assert no_raw_controls(err)
    assert f"uploaded   {folder}/\\x1b]0;pwned\\x07evil.png -> generation " in out
    assert f"failed     {folder}/\\x1b[2Jbad.png: " in out

    main(["upload", str(good), "--project", str(cli_setup.project), "--json"])
    result = json.loads(capsys.readouterr().out)["results"][0]  # JSON escapes them itself
    assert result["path"] == str(good)
    assert result["status"] == "duplicate"


def test_unknown_project_error_is_escaped(
    cli_setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["upload", "x.png", "--project", f"{TITLE}nope"]) == 1
    err = capsys.readouterr().err
    assert no_raw_controls(err)
    assert "\\x1b]0;pwned\\x07nope" in err


def test_projects_prints_escaped_names(
    cli_setup: Setup, db_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "UPDATE projects SET name = %s WHERE id = %s", (f"{CLEAR}proj", cli_setup.project)
        )
        conn.execute(
            "UPDATE shots SET name = %s WHERE id = %s", (f"{TITLE}shot\x9b", cli_setup.shot)
        )
    assert main(["projects"]) == 0
    out = capsys.readouterr().out
    assert no_raw_controls(out)
    assert "\\x1b[2Jproj  (" in out
    assert f"\\x1b]0;pwned\\x07shot\\x9b  {cli_setup.shot}" in out
    assert main(["projects", "--json"]) == 0
    names = {p["name"] for p in json.loads(capsys.readouterr().out)}
    assert f"{CLEAR}proj" in names


def test_generations_prints_escaped_prompts(
    cli_setup: Setup, tmp_path: Path, db_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(samples.image("png", (40, 40), seed=9))
    assert main(["upload", str(image), "--project", str(cli_setup.project), "--no-progress"]) == 0
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "UPDATE generations SET params = params || jsonb_build_object('prompt', %s::text) "
            "WHERE project_id = %s",
            (f"{TITLE}a prompt", cli_setup.project),
        )
    capsys.readouterr()
    assert main(["generations", "--project", str(cli_setup.project)]) == 0
    out = capsys.readouterr().out
    assert no_raw_controls(out)
    assert "\\x1b]0;pwned\\x07a prompt" in out
