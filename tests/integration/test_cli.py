"""The `workbench` command end to end, on the zero-configuration embedded default."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from preconditions import unavailable

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
TESTER = "wb-tester"


def run(
    *args: str, home: Path, user: pwd.struct_passwd | None = None, check: bool = True, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("WORKBENCH_", "PG"))}
    environment.update(WORKBENCH_HOME=str(home), **env)
    if user is not None:
        environment["HOME"] = str(home)
    # Drop root's groups too: a process that keeps them is refused exec on some systems.
    as_user = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []} if user else {}
    done = subprocess.run(
        list(args),
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=home if user is not None else None,
        check=False,
        **as_user,  # type: ignore[arg-type]
    )
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "wbhome"
    yield path
    if (path / "postgres" / "data").exists():
        run(str(BIN / "workbench"), "db", "stop", home=path, check=False)


def test_demo_then_repl_on_a_fresh_home(home: Path) -> None:
    """The issue's first 'done when': demo, then connect() sees 2 projects."""
    demo = run(str(BIN / "workbench"), "demo", home=home)
    assert "demo ready" in demo.stdout
    assert "600 generations" in demo.stdout
    again = run(str(BIN / "workbench"), "demo", home=home)
    assert "already there" in again.stdout
    repl = run(
        sys.executable,
        "-c",
        "import workbench; wb = workbench.connect(); print(len(wb.projects()))",
        home=home,
    )
    assert repl.stdout.strip() == "2"
    url = run(str(BIN / "workbench"), "db", "url", home=home).stdout.strip()
    assert "dbname=workbench" in url
    with psycopg.connect(url) as conn:  # what `psql "$(workbench db url)"` would open
        assert conn.execute("SELECT count(*) FROM projects").fetchone() == (2,)

    status = json.loads(run(str(BIN / "workbench"), "db", "status", "--json", home=home).stdout)
    assert status["kind"] == "ours"
    assert all(m["applied_at"] for m in status["migrations"])

    listing = run(str(BIN / "workbench"), "projects", home=home).stdout
    assert "Neon Coastline  (16:9, 7 shots)" in listing
    assert "Koi Pond" in listing

    config = run(str(BIN / "workbench"), "config", home=home).stdout
    assert "(embedded PostgreSQL)" in config
    assert str(home) in config


def test_errors_are_one_line_with_exit_status_1(home: Path) -> None:
    done = run(
        str(BIN / "workbench"),
        "projects",
        home=home,
        check=False,
        WORKBENCH_DSN="postgresql://u:secret@127.0.0.1:1/x",
    )
    assert done.returncode == 1
    assert done.stderr.startswith("workbench: error: cannot connect to postgresql://u:********@")
    assert "secret" not in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_python_m_workbench_is_the_workbench_command(home: Path) -> None:
    """Where the console script is not on PATH, `python -m workbench` must behave the same."""
    outputs = []
    for args in (["--help"], ["config", "--json"]):
        module = run(sys.executable, "-m", "workbench", *args, home=home)
        script = run(str(BIN / "workbench"), *args, home=home)
        assert (module.stdout, module.stderr) == (script.stdout, script.stderr)
        outputs.append(module.stdout)
    assert outputs[0].startswith("usage: workbench ")
    assert json.loads(outputs[1])["home"] == str(home)
    bad = run(sys.executable, "-m", "workbench", "db", "nonsense", home=home, check=False)
    assert bad.returncode == 2
    assert "invalid choice: 'nonsense'" in bad.stderr


def _ensure_tester() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(TESTER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--user-group",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                TESTER,
            ],
            check=True,
        )
        return pwd.getpwnam(TESTER)


def _let_others_reach(path: Path) -> None:
    """The tester must be able to run this checkout's interpreter and read its source."""
    for folder in (path, *path.parents):
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)


def test_demo_as_an_ordinary_user(home: Path) -> None:
    if os.geteuid() != 0:
        unavailable("needs root to act as another user")
    tester = _ensure_tester()
    _let_others_reach(ROOT)
    _let_others_reach(Path(sys.prefix))
    _let_others_reach(Path(os.path.realpath(sys.executable)).parent)
    _let_others_reach(home.parent)
    home.mkdir()
    shutil.chown(home, tester.pw_uid, tester.pw_gid)
    try:
        run(str(BIN / "workbench"), "demo", home=home, user=tester)
        repl = run(
            sys.executable,
            "-c",
            "import workbench; wb = workbench.connect(); print(len(wb.projects()))",
            home=home,
            user=tester,
        )
        assert repl.stdout.strip() == "2"
        assert (home / "postgres" / "data").stat().st_uid == tester.pw_uid  # no service user needed
    finally:
        run(str(BIN / "workbench"), "db", "stop", home=home, user=tester, check=False)
