"""The workbench's own files are the user's alone (issue 14, point 4): a config file holding a
secret that others can read is a doctor warning naming the `chmod`; device-local state, the
settings history kept on the device, the upload journal and local assets are 0600 in 0700
folders. (The workbench never writes the config file itself: the user does.)"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import upload_samples as samples
from upload_setup import Setup, make_setup

from workbench.cli import main
from workbench.doctor import run_checks
from workbench.settings.history import DeviceHistory
from workbench.settings.local_state import LocalState
from workbench.settings.store import SettingsTarget, SettingsWrite
from workbench.storage.local import LocalStorage
from workbench.uploads.journal import Journal

SECRET_CONFIG = '[storage]\nsecret_access_key = "s3cr3t"\n'
DSN_CONFIG = '[database]\ndsn = "postgresql://me:hunter2@127.0.0.1:1/x"\n'


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> object:
    """The modes asserted are those a usual umask (022) leaves: what the code asks for."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _config(home: Path, text: str, file_mode: int) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(text)
    path.chmod(file_mode)
    return path


def _configuration(tmp_path: Path) -> tuple[str, str, str]:
    checks = run_checks({"storage.local_dir": str(tmp_path / "assets"),
                         "database.dsn": "postgresql://u@127.0.0.1:1/x"})  # fmt: skip
    found = {c.name: (c.status, c.detail, c.fix) for c in checks}
    return found["configuration"]


@pytest.mark.parametrize("text", [SECRET_CONFIG, DSN_CONFIG], ids=["s3-secret", "dsn-password"])
def test_doctor_warns_on_a_readable_config_with_a_secret(
    isolated_env: Path, tmp_path: Path, text: str
) -> None:
    path = _config(isolated_env, text, 0o644)
    status, detail, fix = _configuration(tmp_path)
    assert status == "warn"
    assert "0644" in detail
    assert str(path) in detail
    assert fix == f"chmod 600 {path}"
    assert "s3cr3t" not in detail
    assert "hunter2" not in detail


def test_doctor_is_quiet_on_a_private_or_secret_free_config(
    isolated_env: Path, tmp_path: Path
) -> None:
    _config(isolated_env, SECRET_CONFIG, 0o600)
    assert _configuration(tmp_path)[0] == "ok"
    _config(isolated_env, '[storage]\nbackend = "local"\n', 0o644)
    assert _configuration(tmp_path)[0] == "ok"
    _config(isolated_env, '[database]\ndsn = "postgresql://me@127.0.0.1:1/x"\n', 0o644)
    assert _configuration(tmp_path)[0] == "ok"


def test_doctor_command_prints_the_chmod(isolated_env: Path, tmp_path: Path) -> None:
    path = _config(isolated_env, SECRET_CONFIG, 0o644)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "workbench"), "doctor"],
        env={"WORKBENCH_HOME": str(isolated_env), "PATH": "/usr/bin:/bin",
             "WORKBENCH_DSN": "postgresql://u@127.0.0.1:1/x"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "[WARN] configuration" in done.stdout
    assert f"-> chmod 600 {path}" in done.stdout
    checks = json.loads(
        subprocess.run(
            [str(Path(sys.executable).parent / "workbench"), "doctor", "--json"],
            env={"WORKBENCH_HOME": str(isolated_env), "PATH": "/usr/bin:/bin",
                 "WORKBENCH_DSN": "postgresql://u@127.0.0.1:1/x"},
            capture_output=True, text=True, check=False,
        ).stdout
    )  # fmt: skip
    assert checks[0]["status"] == "warn"
    assert checks[0]["fix"] == f"chmod 600 {path}"


def test_local_assets_are_private(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "assets")
    store.put_bytes("u/uploads/a/b.png", b"x")
    store.check()
    assert mode(store.path("u/uploads/a/b.png")) == 0o600
    for folder in ("assets", "assets/u", "assets/u/uploads", "assets/u/uploads/a"):
        assert mode(tmp_path / folder) == 0o700, folder


def test_uploaded_assets_are_private(
    db_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup: Setup = make_setup(db_dsn)
    monkeypatch.setenv("WORKBENCH_DSN", db_dsn)
    monkeypatch.setenv("WORKBENCH_USER_ID", str(setup.user))
    monkeypatch.setenv("WORKBENCH_ASSETS_DIR", str(tmp_path / "assets"))
    image = tmp_path / "a.png"
    image.write_bytes(samples.image("png", (40, 40), seed=3))
    assert main(["upload", str(image), "--project", str(setup.project), "--no-progress"]) == 0
    files = [p for p in (tmp_path / "assets").rglob("*") if p.is_file()]
    folders = [p for p in (tmp_path / "assets").rglob("*") if p.is_dir()]
    assert files
    assert folders
    assert {mode(p) for p in files} == {0o600}
    assert {mode(p) for p in [tmp_path / "assets", *folders]} == {0o700}


def test_state_files_are_private(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    LocalState(state_dir / "state.json").set("tui.tab", "gallery-tab")
    write = SettingsWrite(SettingsTarget("project", uuid.uuid4()), "tool", {"a": 1}, {"a": 2})
    history = DeviceHistory(state_dir / "settings-history.jsonl")
    assert history.append(write, None) is not None
    Journal(state_dir / "uploads.json").add("store", ["key"])
    assert mode(state_dir) == 0o700
    names = sorted(p.name for p in state_dir.iterdir())
    assert {"state.json", "settings-history.jsonl", "uploads.json"} <= set(names)
    assert {p.name: mode(p) for p in state_dir.iterdir()} == dict.fromkeys(names, 0o600)


def test_compacted_device_history_stays_private(tmp_path: Path) -> None:
    history = DeviceHistory(tmp_path / "state" / "h.jsonl", max_bytes=400)
    for n in range(8):
        write = SettingsWrite(SettingsTarget("user", uuid.uuid4()), "tool", {"n": n}, {"n": n + 1})
        history.append(write, None)
    assert mode(tmp_path / "state" / "h.jsonl") == 0o600
