"""The ``workbench`` command, in-process (``workbench.cli.main(argv)``), with hostile
arguments: ids, names, search text, settings paths and values, page numbers, dates, sizes,
files that are not what they claim.

Every run ends with an exit status (0, 1 for a refusal, 2 for a usage error from argparse)
and never a traceback; a non-zero exit changes nothing (database and asset store by checksum).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fuzz_support import TRAVEL, Env, _diff, file_contents, nasty_text
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.cli import main

# Real argv holds no NUL; lone surrogates it can (undecodable bytes, surrogateescape).
ARG = nasty_text(30).map(lambda s: s.replace("\0", ""))


def _opt(flag: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return st.one_of(st.just([]), values.map(lambda v: [flag, v]))


def _flag(flag: str) -> st.SearchStrategy[list[str]]:
    return st.sampled_from([[], [flag]])


def argvs(env: Env, upload_path: str) -> st.SearchStrategy[list[str]]:
    project = st.one_of(st.sampled_from(["Neon Coastline", str(env.project),
                                         str(env.foreign_project)]), ARG)  # fmt: skip
    shot = st.one_of(st.sampled_from([str(env.shot), str(env.foreign_shot)]), ARG)
    gid = st.one_of(st.sampled_from([str(env.generations[-1]), str(env.foreign_generation)]), ARG)
    number = st.one_of(
        st.integers(-3, 100).map(str),
        st.sampled_from(["0", "-1", "9" * 30, "1e3", "", "NaN", "0x10", "1_000", "9" * 5001]),
    )
    tool = st.one_of(st.sampled_from([TRAVEL, "ui"]), ARG)
    value = st.one_of(
        st.sampled_from(["80", "null", "true", '"text"', "[1,2]", '{"a": {"b": 1}}', "1e999",
                         "NaN", "Infinity", "9" * 5000, "[" * 200 + "]" * 200, '"\\u0000"',
                         '"\\ud800"', '{"\\u0000": 1}', "{", ""]),
        ARG,
    )  # fmt: skip
    path = st.one_of(st.sampled_from(["amountOfMotion", "generationMode", "a.b.c", "", "."]), ARG)

    def cat(*parts: list[str]) -> list[str]:
        return [a for part in parts for a in part]

    settings_cmd = st.builds(
        lambda sub, t, p, v, proj, sh, scope, flags, limit: cat(
            ["settings", sub, t], p, v, proj, sh, scope, flags, limit
        ),
        st.sampled_from(["show", "set", "reset", "history", "diff", "restore"]),
        tool,
        st.one_of(st.just([]), path.map(lambda x: [x])),
        st.one_of(st.just([]), value.map(lambda x: [x])),
        _opt("--project", project),
        _opt("--shot", shot),
        _opt("--scope", st.sampled_from(["user", "project", "shot", "nope"])),
        st.sampled_from([["--yes"], ["--yes", "--force"], ["--json", "--yes"], []]),
        _opt("--limit", number),
    )
    generations_cmd = st.builds(
        lambda exp, proj, sh, search, limit, page, after, flags: cat(
            ["generations"], exp, proj, sh, search, limit, page, after, flags
        ),
        st.sampled_from([[], ["export"], ["export", "--jsonl"]]),
        _opt("--project", project),
        _opt("--shot", shot),
        _opt("--search", ARG),
        _opt("--limit", number),
        _opt("--page", number),
        _opt("--after", st.one_of(st.sampled_from(["2026-09-05", "2026-02-30", "yesterday"]), ARG)),
        st.sampled_from([[], ["--json"], ["--starred", "--unpositioned"], ["--type", "video"]]),
    )
    edit_cmd = st.one_of(
        st.builds(lambda c, g, y: [c, g, *y], st.sampled_from(["delete", "star", "unstar"]), gid,
                  st.sampled_from([["--yes"], ["--json", "--yes"]])),
        st.builds(lambda g, s, p: ["remove", g, "--shot", s, *p, "--yes"], gid, shot,
                  _opt("--project", project)),
    )  # fmt: skip
    upload_cmd = st.builds(
        lambda proj, sh, kind, size, flags: cat(
            ["upload", upload_path, "--project"], proj, sh, kind, size, flags
        ),
        project.map(lambda p: [p]),
        _opt("--shot", shot),
        _opt("--kind", st.sampled_from(["auto", "image", "video", "lora", "nope"])),
        _opt(
            "--max-size",
            st.one_of(
                st.sampled_from(["1", "0", "-1", "1KB", "5GB", "1e9", "", "9" * 5000 + "MB"]), ARG
            ),
        ),
        st.sampled_from([["--no-progress"], ["--json"], []]),
    )
    other = st.one_of(
        st.builds(lambda j: ["projects", *j], _flag("--json")),
        st.builds(lambda f: ["undo", *f], st.sampled_from([[], ["--force"], ["--json"]])),
        st.builds(lambda n: ["history", "--limit", n], number),
        st.just(["config", "--json"]),
    )
    return st.one_of(settings_cmd, generations_cmd, edit_cmd, upload_cmd, other)


@pytest.fixture
def cli_env(fuzz_env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Env:
    monkeypatch.setenv("WORKBENCH_DSN", fuzz_env.dsn)
    monkeypatch.setenv("WORKBENCH_USER_ID", str(fuzz_env.wb.user_id))
    monkeypatch.setenv("WORKBENCH_ASSETS_DIR", str(fuzz_env.assets))
    monkeypatch.setenv("COLUMNS", "120")
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    return fuzz_env


def _run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        code: Any = exc.code
        assert code in (0, 2, None), f"SystemExit({code!r})"
        return 0 if code is None else int(code)


@settings(max_examples=35)
@given(data=st.data())
def test_cli(cli_env: Env, tmp_path: Path, capsys: pytest.CaptureFixture[str], data: Any) -> None:
    env = cli_env
    upload = tmp_path / "upload.png"
    upload.write_bytes(data.draw(file_contents(), label="upload content"))
    argv = data.draw(argvs(env, str(upload)), label="argv")
    capsys.readouterr()
    before = env.state()
    code = _run(argv)
    out, err = capsys.readouterr()
    assert isinstance(code, int), f"exit status {code!r}"
    assert "Traceback" not in err + out, err[-2000:]
    if code != 0:
        assert err.strip(), "a refusal says why on stderr"
        after = env.state()
        assert _diff(before, after) == [], f"exit {code} changed {_diff(before, after)}: {err}"
