"""Uploads: named bytes and files on disk that are not what they claim (wrong magic,
truncated, decompression bombs), odd names (non-UTF-8, surrogates, paths), FIFOs, symlinks,
folders, and odd arguments (kind, limits, workers, shot).

A single item ends in success or a ``WorkbenchError`` (a refusal changes nothing: database
and asset store by checksum); a batch returns one result per file, and a batch in which every
file failed changes nothing either. Nothing may block on a FIFO.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fuzz_support import (
    FILE_NAMES,
    UPLOAD_DATA_NAMES,
    Env,
    _diff,
    file_contents,
    id_strategy,
    junk_values,
    nasty_text,
    raw_names,
    real_png,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.uploads import UploadData

KINDS = st.one_of(
    st.sampled_from(["auto", "image", "video", "lora"]),
    st.sampled_from(["", "AUTO", "png", "image\0", "\ud800"]),
    junk_values(),
)
MAX_BYTES = st.one_of(
    st.none(),
    st.sampled_from([0, 1, -1, 100, 10**6, 2**63, 10**5000]),
    st.dictionaries(st.sampled_from(["image", "video", "lora", "nope", ""]), st.integers(-5, 10**6),
                    max_size=3),
    st.floats(allow_nan=True),
    junk_values(),
)  # fmt: skip
WORKERS = st.one_of(
    st.none(), st.integers(-2, 4), st.sampled_from([10**6, 10**5000]), junk_values()
)


@pytest.fixture
def drop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder for the files one example writes (emptied between examples). The working
    folder and HOME are empty ones too: a fuzzed relative path ("." or "~") must not upload
    the checkout or the home folder."""
    folder = tmp_path / "drop"
    folder.mkdir()
    (tmp_path / "cwd").mkdir()
    (tmp_path / "fake-home").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    monkeypatch.setenv("HOME", str(tmp_path / "fake-home"))
    return folder


def _clear(folder: Path) -> None:
    for entry in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if entry.is_dir() and not entry.is_symlink():
            entry.rmdir()
        else:
            entry.unlink()


def _upload_checked(env: Env, call: Callable[[], object], single: bool) -> object:
    """A single item: success or a refusal that changed nothing. A batch: a list of results,
    and when every one failed, nothing changed."""
    before = env.state()
    outcome = env.check(call)
    if not single and isinstance(outcome, list) and outcome and all(not r.ok for r in outcome):
        assert _diff(before, env.state()) == [], "a batch whose files all failed changed things"
    return outcome


@settings(max_examples=40)
@given(data=st.data())
def test_upload_data(fuzz_env: Env, data: st.DataObject) -> None:
    env, wb = fuzz_env, fuzz_env.wb
    name = data.draw(UPLOAD_DATA_NAMES, label="name")
    content = data.draw(file_contents(), label="content")
    kind = data.draw(st.one_of(st.just("auto"), KINDS), label="kind")
    max_bytes = data.draw(st.one_of(st.none(), MAX_BYTES), label="max_bytes")
    shot = data.draw(
        st.one_of(st.none(), st.just(env.shot), id_strategy([env.foreign_shot, env.shot])),
        label="shot",
    )
    project = data.draw(
        st.one_of(st.just(env.project), id_strategy([env.foreign_project, env.project])),
        label="project",
    )
    many = data.draw(st.booleans(), label="as a list")

    def call() -> object:
        item = UploadData(name, content)  # may itself refuse a name that is no name
        paths: Any = [item, UploadData("fine.png", real_png(seed=7))] if many else item
        return wb.upload(paths, project_id=project, shot_id=shot, kind=kind, max_bytes=max_bytes)

    _upload_checked(env, call, single=not many)


def _fifo_guard(fifo: Path, done: threading.Event, blocked: list[bool]) -> None:
    """If the upload opens the FIFO for reading, it blocks until a writer comes: after 2 s,
    open it for writing (and close it at once) so the reader sees end of file and the test
    goes on, and remember that it blocked."""
    deadline = time.monotonic() + 2.0
    while not done.wait(0.05):
        if time.monotonic() < deadline:
            continue
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            continue  # nobody is reading it
        blocked.append(True)
        os.close(fd)


@settings(max_examples=35)
@given(data=st.data())
def test_upload_paths(fuzz_env: Env, drop: Path, data: st.DataObject) -> None:
    env, wb = fuzz_env, fuzz_env.wb
    _clear(drop)
    shape = data.draw(
        st.sampled_from(
            ["file", "raw_name", "fifo", "symlink", "dangling", "loop", "dir_link", "folder",
             "empty_folder", "missing", "dev_null", "unreadable"]
        ),
        label="shape",
    )  # fmt: skip
    content = data.draw(file_contents(), label="content")
    name = data.draw(FILE_NAMES, label="name")
    kind = data.draw(st.one_of(st.just("auto"), KINDS), label="kind")
    workers = data.draw(st.one_of(st.none(), WORKERS), label="workers")
    fifo: Path | None = None
    target: Path
    if shape == "file":
        target = drop / name
        target.write_bytes(content)
    elif shape == "raw_name":
        raw = data.draw(raw_names(), label="raw name")
        target = drop / os.fsdecode(raw)
        with open(os.fsencode(drop) + b"/" + raw, "wb") as out:
            out.write(content)
    elif shape == "fifo":
        target = fifo = drop / "pipe.png"
        os.mkfifo(target)
    elif shape == "symlink":
        real = drop / "real.png"
        real.write_bytes(content)
        target = drop / name
        target.symlink_to(real)
    elif shape == "dangling":
        target = drop / "dangling.png"
        target.symlink_to(drop / "nowhere.png")
    elif shape == "loop":
        target = drop / "loop.png"
        target.symlink_to(target)
    elif shape == "dir_link":
        (drop / "inner").mkdir()
        (drop / "inner" / name).write_bytes(content)
        (drop / "inner" / "up").symlink_to(drop)  # a cycle through a folder link
        target = drop / "inner"
    elif shape == "folder":
        (drop / "sub").mkdir()
        (drop / "sub" / name).write_bytes(content)
        (drop / "sub" / "b.png").write_bytes(real_png(seed=len(content)))
        os.mkfifo(drop / "sub" / "pipe.png")
        fifo = drop / "sub" / "pipe.png"
        target = drop / "sub"
    elif shape == "empty_folder":
        target = drop / "empty"
        target.mkdir()
    elif shape == "missing":
        target = drop / name / "missing.png"
    elif shape == "dev_null":
        target = Path(os.devnull)
    else:
        target = drop / "locked.png"
        target.write_bytes(content)
        target.chmod(0)
    many = data.draw(st.booleans(), label="as a list")
    paths: Any = [target, drop / "absent.png"] if many else target
    done, blocked = threading.Event(), []
    guard = None
    if fifo is not None:
        guard = threading.Thread(target=_fifo_guard, args=(fifo, done, blocked), daemon=True)
        guard.start()
    try:
        _upload_checked(
            env,
            lambda: wb.upload(paths, project_id=env.project, kind=kind, workers=workers),
            single=not many and shape not in ("folder", "dir_link", "empty_folder"),
        )
    finally:
        done.set()
        if guard is not None:
            guard.join()
    assert not blocked, "upload opened a FIFO for reading and blocked until a writer came"


@settings(max_examples=20)
@given(
    paths=st.one_of(
        nasty_text(),
        st.lists(st.one_of(nasty_text(), junk_values()), max_size=3),
        junk_values(),
        st.just(iter([])),
        st.just([]),
    )
)
def test_upload_odd_path_arguments(fuzz_env: Env, drop: Path, paths: Any) -> None:
    env = fuzz_env
    _upload_checked(
        env, lambda: env.wb.upload(paths, project_id=env.project), single=isinstance(paths, str)
    )
