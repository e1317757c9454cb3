"""`workbench upload` end to end: real database, local store, JSON and human output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import upload_samples as samples
from upload_setup import Setup

from workbench.cli import main
from workbench.cli.output import ProgressBar
from workbench.cli.upload import parse_size
from workbench.errors import ValidationError
from workbench.uploads import UploadProgress


def test_upload_json_for_scripts(
    cli_setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.png").write_bytes(samples.image("png", (40, 40), seed=1))
    (folder / "b.mp4").write_bytes(samples.video("mp4"))
    code = main(["upload", str(folder), "--project", str(cli_setup.project),
                 "--shot", str(cli_setup.shot), "--json"])  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (out["uploaded"], out["duplicate"], out["failed"]) == (2, 0, 0)
    assert [r["kind"] for r in out["results"]] == ["image", "video"]
    assert all(r["location"].startswith("file://") for r in out["results"])
    assert [r["shot_link"]["shot_id"] for r in out["results"]] == [str(cli_setup.shot)] * 2
    assert (tmp_path / "assets" / str(cli_setup.user) / "uploads").is_dir()

    code = main(["upload", str(folder / "a.png"), "--project", str(cli_setup.project), "--json"])
    assert code == 0
    again = json.loads(capsys.readouterr().out)["results"][0]
    assert (again["status"], again["shot_link"]) == ("duplicate", None)  # no shot: no link


def test_upload_summary_and_exit_status(
    cli_setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = tmp_path / "good.jpg", tmp_path / "bad.png"
    good.write_bytes(samples.image("jpg", (40, 40)))
    bad.write_bytes(b"definitely not a png file " * 3)
    code = main(
        ["upload", str(good), str(bad), "--project", str(cli_setup.project), "--no-progress"]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert f"uploaded   {good} -> generation " in out
    assert f"failed     {bad}: not a supported file" in out  # the path once
    assert "1 uploaded, 0 already there, 1 failed" in out


def test_unknown_project_is_one_line_on_stderr(
    cli_setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["upload", str(tmp_path), "--project", "No Such Project"])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("workbench: error: ")
    assert "'No Such Project'" in err
    assert err.count("\n") == 1


def test_progress_bar_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setenv("COLUMNS", "200")
    bar = ProgressBar(io.StringIO())
    snap = UploadProgress(50 * 1024**2, 200 * 1024**2, 3, 10, "x.png", files_failed=1)
    line = bar.line(snap, 65)
    assert line.startswith("[######..................]  25%")
    assert "50.0 MiB / 200.0 MiB" in line
    # 3 files finished, 1 of them failed: 2 are done (views.uploads.count_done, everywhere)
    assert "2/10 files, 1 failed" in line
    assert "(0:01:05)" in line


def test_parse_size() -> None:
    assert parse_size("500MB") == 500_000_000
    assert parse_size("2GiB") == 2 * 1024**3
    assert parse_size("1048576") == 1048576
    with pytest.raises(ValidationError, match="expected a size"):
        parse_size("lots")
