"""`workbench download` in process: real database, local store; refusals, JSON, summary."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
import upload_samples as samples
from upload_setup import Setup

from workbench.cli import main
from workbench.cli.download import ProgressLine
from workbench.downloads import DownloadProgress
from workbench.startup import connect
from workbench.storage import LocalStorage


@pytest.fixture
def uploaded(cli_setup: Setup, db_dsn: str, tmp_path: Path) -> list[str]:
    """Three images in the project, the last one also in the shot: their locations."""
    folder = tmp_path / "src"
    folder.mkdir()
    paths = []
    for n in range(3):
        paths.append(folder / f"i{n}.png")
        paths[-1].write_bytes(samples.image("png", (40, 30), seed=n))
    store = LocalStorage(tmp_path / "assets")
    with connect(db_dsn, storage=store, user_id=cli_setup.user) as wb:
        results = wb.upload(paths[:2], project_id=cli_setup.project)
        results += wb.upload(paths[2:], project_id=cli_setup.project, shot_id=cli_setup.shot)
    return [r.location or "" for r in results]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--project", "P"], "give one destination"),
        (["--project", "P", "--to", "A", "--zip", "B.zip"], "give one destination"),
        (["--project", "P", "--to", "FILE"], "is a file, not a folder"),
        (["--project", "P", "--zip", "nowhere/x.zip"], "does not exist"),
        (["--project", "P", "--zip", "FILE"], "not a download made by workbench"),
        (["--project", "P", "--to", "A", "--variants", "every"], "variants must be"),
        (["--project", "P", "--to", "A", "--concurrency", "0"], "between 1 and 64"),
        (["--project", "P", "--to", "A", "--concurrency", "500"], "between 1 and 64"),
        (["--to", "A"], "name a --project"),
        (["--project", "P", "--ids", "x", "--to", "A"], "leave out --project"),
        (["--ids", "x", "--starred", "--to", "A"], "leave out --project"),
        (["--ids", "not-an-id", "--to", "A"], "malformed generation id"),
        (["--ids", "00000000-0000-0000-0000-000000000001", "--to", "A"], "not found"),
        (["--project", "no such project", "--to", "A"], "no such project"),
        (["--project", "P", "--to", "A", "--after", "yesterday"], "--after"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    cli_setup: Setup, uploaded: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, args: list[str], message: str,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    (tmp_path / "FILE").write_text("not a zip")
    args = [str(cli_setup.project) if a == "P" else a for a in args]
    before = sorted(tmp_path.rglob("*"))
    assert main(["download", *args]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    error = captured.err.strip()
    assert error.startswith("workbench: error: "), error
    assert "\n" not in error, error
    assert message in error
    assert sorted(tmp_path.rglob("*")) == before


def test_json_result_and_human_summary(
    cli_setup: Setup, uploaded: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(["download", "--project", str(cli_setup.project), "--to", str(out), "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["files_total"], report["downloaded"], report["complete"]) == (3, 3, True)
    assert report["destination"] == str(out)
    assert report["manifest"] == [str(out / "manifest.jsonl"), str(out / "manifest.csv")]
    for item in report["files"]:
        data = (out / item["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == item["sha256"]
    assert {item["location"] for item in report["files"]} == set(uploaded)

    code = main(["download", "--project", str(cli_setup.project), "--shot", "Shot", "--zip",
                 str(tmp_path / "shot.zip")])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0
    assert "1 downloaded of 1 files" in captured.out
    assert f"-> {tmp_path / 'shot.zip'}" in captured.out
    assert captured.err == ""  # stderr is not a terminal: no progress line
    with zipfile.ZipFile(tmp_path / "shot.zip") as zf:
        assert len(zf.namelist()) == 3  # the image and both manifests

    code = main(["download", "--project", str(cli_setup.project), "--to", str(out)])
    assert code == 0
    assert "0 downloaded, 3 already there of 3 files" in capsys.readouterr().out


def test_progress_line_fits_the_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COLUMNS", "30")
    target = tmp_path / "err.txt"
    with open(target, "w") as stream:
        line = ProgressLine(stream)
        line(DownloadProgress(40, 12, 3, 1, 10_200_000, 3_100_000, "0001_x.png"))
        line.finish()
    text = target.read_bytes().decode()
    assert text.startswith("\r12/40 files · 3.1 MB of 1")  # cut at the width
    assert len(text.split("\r")[1].split("\x1b[K")[0]) <= 29
