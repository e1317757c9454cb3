"""Device-local state: a JSON file, safe against concurrent writers and crashes."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from workbench.errors import ValidationError
from workbench.settings.local_state import MAX_VALUE_BYTES, LocalState


def test_round_trip(tmp_path: Path) -> None:
    state = LocalState(tmp_path / "state" / "state.json")
    assert state.get("missing", "default") == "default"
    state.set("panels.settings.collapsed", True)
    state.set("last", {"project": "p1", "tab": "gallery"})
    assert LocalState(state.path).get("last") == {"project": "p1", "tab": "gallery"}
    state.delete("last")
    assert state.items() == {"panels.settings.collapsed": True}
    state.clear()
    assert state.items() == {}


def _writer(path: str, worker: int) -> None:
    state = LocalState(Path(path))
    for n in range(40):
        state.set(f"w{worker}.k{n}", n)


def test_concurrent_processes_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_writer, args=(str(path), w)) for w in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(30)
        assert process.exitcode == 0
    assert len(LocalState(path).items()) == 160


def test_a_failed_write_leaves_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = LocalState(tmp_path / "state.json")
    state.set("kept", 1)

    def crash(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        state.set("lost", 2)
    monkeypatch.undo()
    assert json.loads(state.path.read_text()) == {"kept": 1}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".state-")] == []


def test_a_hand_broken_file_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("{not json")
    state = LocalState(path)
    assert state.items() == {}
    assert (tmp_path / "state.json.corrupt").read_text() == "{not json"
    state.set("fresh", True)
    assert state.get("fresh") is True


@pytest.mark.parametrize("value", [object(), {1, 2}, float("nan"), b"bytes"])
def test_non_json_values_are_refused(tmp_path: Path, value: object) -> None:
    state = LocalState(tmp_path / "state.json")
    with pytest.raises(ValidationError, match="not a JSON value"):
        state.set("k", value)
    assert not state.path.exists()


def test_oversized_values_and_bad_keys_are_refused(tmp_path: Path) -> None:
    state = LocalState(tmp_path / "state.json")
    with pytest.raises(ValidationError, match="the limit is"):
        state.set("big", "x" * (MAX_VALUE_BYTES + 1))
    with pytest.raises(ValidationError, match="non-empty strings"):
        state.set("", 1)


def _appender(path: str, worker: int) -> None:
    state = LocalState(Path(path))
    for i in range(20):
        state.update("log", lambda entries, i=i: [*(entries or []), f"{worker}-{i}"])


def test_update_is_a_locked_read_modify_write(tmp_path: Path) -> None:
    """Four processes appending to one list (as the recorded changes are) lose no entry."""
    path = tmp_path / "state.json"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_appender, args=(str(path), w)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    entries = LocalState(path).get("log")
    assert sorted(entries) == sorted(f"{w}-{i}" for w in range(4) for i in range(20))


def test_an_update_that_fails_changes_nothing(tmp_path: Path) -> None:
    state = LocalState(tmp_path / "state.json")
    state.set("log", ["kept"])
    with pytest.raises(ValidationError):
        state.update("log", lambda _: ["x" * (MAX_VALUE_BYTES + 1)])
    assert state.get("log") == ["kept"]
