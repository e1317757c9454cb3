"""`workbench doctor`: check each layer in order and say the one thing to do when one fails.

Checks run in dependency order (configuration, then the database server, then the schema, the
current user, then storage); a check whose prerequisite failed is reported as skipped rather
than failing with a confusing second error.
"""

from __future__ import annotations

import shlex
import stat
from dataclasses import asdict, dataclass
from typing import Literal

from workbench.config import Config, mask_dsn, secrets_in_file
from workbench.errors import WorkbenchError

Status = Literal["ok", "warn", "fail", "skip"]


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _fix_for(exc: WorkbenchError) -> str:
    """The errors already end in advice; split it off when it is in parentheses or after ':'."""
    text = str(exc)
    if text.endswith(")") and "(" in text:
        return text[text.rindex("(") + 1 : -1]
    return text.rsplit(": ", 1)[-1] if ": " in text else ""


def run_checks(overrides: dict[str, object | None] | None = None) -> list[Check]:
    try:
        config = Config.load(overrides)
    except WorkbenchError as exc:
        skipped = [Check(n, "skip", "configuration failed") for n in _LAYERS[1:]]
        return [Check("configuration", "fail", str(exc), _fix_for(exc)), *skipped]
    return [_config_check(config), *_database_checks(config), _storage_check(config)]


def _config_check(config: Config) -> Check:
    """The file loaded; a warning when it holds a secret that other users can read."""
    path = config.paths.config_file
    if not path.is_file():
        return Check("configuration", "ok", f"config file {path} (not present)")
    mode = stat.S_IMODE(path.stat().st_mode)
    secrets = secrets_in_file(path)
    if secrets and mode & 0o077:
        return Check(
            "configuration",
            "warn",
            f"config file {path} holds {', '.join(secrets)} and other users can read it "
            f"(mode {mode:04o})",
            f"chmod 600 {shlex.quote(str(path))}",
        )
    return Check("configuration", "ok", f"config file {path} (found)")


_LAYERS = ("configuration", "database", "schema", "user", "storage")


def _database_checks(config: Config) -> list[Check]:
    """The server, then the schema on it, then the current user in it."""
    from workbench.db import connection, migrate
    from workbench.db.schema import inspect
    from workbench.startup import resolve_dsn, resolve_user

    try:
        dsn, server = resolve_dsn(config)
        pool = connection.open_pool(dsn, max_size=1, timeout=config.db_timeout)
    except WorkbenchError as exc:
        return [
            Check("database", "fail", str(exc), _fix_for(exc)),
            Check("schema", "skip", "database unreachable"),
            Check("user", "skip", "database unreachable"),
        ]
    with pool, pool.connection() as conn:
        version = conn.execute("SHOW server_version").fetchone()
        where = (
            f"embedded ({server.binaries.source}, {server.data_dir})" if server else (mask_dsn(dsn))
        )
        checks = [
            Check("database", "ok", f"PostgreSQL {version[0] if version else '?'} at {where}")
        ]
        info = inspect(conn)
        behind = [t for t in migrate.TRACKS if info.applied.get(t, 0) < migrate.latest(t)]
        if info.kind == "unknown":
            fix = "point WORKBENCH_DSN at a Reigh database or an empty one"
            checks.append(Check("schema", "fail", info.describe(), fix))
        elif info.kind == "empty":
            checks.append(Check("schema", "fail", info.describe(), "run `workbench db migrate`"))
        elif info.kind == "ours" and behind:
            checks.append(
                Check("schema", "warn", f"{info.describe()} (behind)", "run `workbench db migrate`")
            )
        elif info.kind == "reigh" and "extras" in behind:
            fix = "optional: `workbench db install-extras` adds faster indexes"
            checks.append(Check("schema", "ok", info.describe(), fix))
        else:
            checks.append(Check("schema", "ok", info.describe()))
        if info.kind not in ("ours", "reigh"):
            return [*checks, Check("user", "skip", "no usable schema")]
        try:
            user = resolve_user(conn, config.user_id)
        except WorkbenchError as exc:
            return [*checks, Check("user", "fail", str(exc), "fix WORKBENCH_USER_ID")]
    if user is None:
        fix = "set WORKBENCH_USER_ID to your users.id"
        return [*checks, Check("user", "warn", "no current user (several or none)", fix)]
    return [*checks, Check("user", "ok", f"current user {user}")]


def _storage_check(config: Config) -> Check:
    from workbench.storage import from_config

    try:
        return Check("storage", "ok", from_config(config).check())
    except WorkbenchError as exc:
        return Check("storage", "fail", str(exc), _fix_for(exc))
    except OSError as exc:
        fix = "make the folder writable or set WORKBENCH_ASSETS_DIR"
        return Check("storage", "fail", f"storage folder: {exc}", fix)
