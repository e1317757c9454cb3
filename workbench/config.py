"""Configuration: explicit arguments > environment > TOML file > defaults, with provenance.

Every setting is declared once in ``SETTINGS`` (its TOML key, its environment variable, how to
parse it, whether it is a secret), so loading, validating, masking and explaining where a value
came from (`workbench config`) all read the same table and cannot drift apart.

``WORKBENCH_HOME`` moves every file the workbench writes (config, embedded database, local
assets, device-local state) under one directory; without it the platform's usual directories
are used.
"""

from __future__ import annotations

import os
import re
import tomllib
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from workbench.errors import ConfigError

APP_NAME = "workbench"
# How long a call waits for the database before saying it is unreachable (``database.timeout``).
DEFAULT_DB_TIMEOUT_S = 5.0
# How often shown galleries and settings are polled on a database without our NOTIFY triggers
# (``realtime.poll_interval``; 0 = never). Reigh polls every 15-60 s when its realtime is down.
DEFAULT_POLL_INTERVAL_S = 3.0
StorageBackend = Literal["local", "s3"]


def _parse_str(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string")
    return value.strip()


def _parse_uuid(value: object) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise ValueError(f"expected a UUID, got {value!r}") from None


def _parse_backend(value: object) -> str:
    text = _parse_str(value).lower()
    if text not in ("local", "s3"):
        raise ValueError(f"expected 'local' or 's3', got {value!r}")
    return text


def _parse_seconds(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError(f"expected a number of seconds, got {value!r}")
    try:
        seconds = float(str(value).strip().removesuffix("s").strip())
    except ValueError:
        raise ValueError(f"expected a number of seconds, got {value!r}") from None
    if not 0 < seconds <= 300:
        raise ValueError(f"expected between 0 and 300 seconds, got {value!r}")
    return seconds


def _parse_interval(value: object) -> float:
    """Seconds between polls: 0 (off) up to an hour."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number of seconds (0 = off), got {value!r}")
    try:
        seconds = float(str(value).strip().removesuffix("s").strip())
    except ValueError:
        raise ValueError(f"expected a number of seconds (0 = off), got {value!r}") from None
    if not 0 <= seconds <= 3600:  # also refuses nan
        raise ValueError(f"expected between 0 (off) and 3600 seconds, got {value!r}")
    return seconds


def _parse_path(value: object) -> Path:
    return Path(_parse_str(value) if not isinstance(value, Path) else value).expanduser()


@dataclass(frozen=True)
class Setting:
    key: str  # dotted TOML key, e.g. "database.dsn"
    env: str
    parse: Callable[[object], object]
    secret: Literal["no", "partial", "full", "dsn"] = "no"
    help: str = ""


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database.dsn",
        "WORKBENCH_DSN",
        _parse_str,
        "dsn",
        "PostgreSQL connection string; unset = the embedded database",
    ),
    Setting(
        "database.pg_bin",
        "WORKBENCH_PG_BIN",
        _parse_path,
        "no",
        "folder with initdb/pg_ctl/postgres for the embedded database",
    ),
    Setting(
        "database.timeout",
        "WORKBENCH_DB_TIMEOUT",
        _parse_seconds,
        "no",
        f"seconds a call waits for an unreachable database before failing "
        f"(default {DEFAULT_DB_TIMEOUT_S:g})",
    ),
    Setting(
        "realtime.poll_interval",
        "WORKBENCH_POLL_INTERVAL",
        _parse_interval,
        "no",
        f"seconds between checks for other clients' changes on a database without the "
        f"workbench's triggers (default {DEFAULT_POLL_INTERVAL_S:g}; 0 = off)",
    ),
    Setting(
        "user.id",
        "WORKBENCH_USER_ID",
        _parse_uuid,
        "no",
        "the user whose projects you see and edit (users.id)",
    ),
    Setting("storage.backend", "WORKBENCH_STORAGE", _parse_backend, "no", "'local' or 's3'"),
    Setting(
        "storage.local_dir",
        "WORKBENCH_ASSETS_DIR",
        _parse_path,
        "no",
        "folder of the local asset store",
    ),
    Setting("storage.bucket", "WORKBENCH_S3_BUCKET", _parse_str, "no", "S3 bucket"),
    Setting(
        "storage.endpoint_url",
        "WORKBENCH_S3_ENDPOINT_URL",
        _parse_str,
        "no",
        "S3 endpoint (Supabase: https://<ref>.supabase.co/storage/v1/s3)",
    ),
    Setting("storage.region", "WORKBENCH_S3_REGION", _parse_str, "no", "S3 region"),
    Setting(
        "storage.public_url",
        "WORKBENCH_S3_PUBLIC_URL",
        _parse_str,
        "no",
        "URL prefix under which stored objects are public",
    ),
    Setting(
        "storage.access_key_id",
        "WORKBENCH_S3_ACCESS_KEY_ID",
        _parse_str,
        "partial",
        "S3 key id (else boto3's usual credential chain)",
    ),
    Setting(
        "storage.secret_access_key",
        "WORKBENCH_S3_SECRET_ACCESS_KEY",
        _parse_str,
        "full",
        "S3 secret key (else boto3's usual credential chain)",
    ),
)
_BY_KEY = {s.key: s for s in SETTINGS}


@dataclass(frozen=True)
class Paths:
    """Where the workbench keeps its own files."""

    home: Path | None  # WORKBENCH_HOME, when set
    data_dir: Path
    config_file: Path
    state_dir: Path

    @property
    def postgres_dir(self) -> Path:
        return self.data_dir / "postgres"

    @property
    def assets_dir(self) -> Path:
        return self.data_dir / "assets"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Paths:
        home_text = env.get("WORKBENCH_HOME", "").strip()
        config_override = env.get("WORKBENCH_CONFIG", "").strip()
        if home_text:
            home = Path(home_text).expanduser().resolve()
            paths = cls(home, home, home / "config.toml", home / "state")
        else:
            import platformdirs

            dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
            paths = cls(
                None,
                Path(dirs.user_data_dir),
                Path(dirs.user_config_dir) / "config.toml",
                Path(dirs.user_state_dir),
            )
        if config_override:
            paths = Paths(
                paths.home, paths.data_dir, Path(config_override).expanduser(), paths.state_dir
            )
        return paths


@dataclass(frozen=True)
class Config:
    """The effective configuration and where each value came from."""

    paths: Paths
    values: Mapping[str, object]
    sources: Mapping[str, str] = field(default_factory=dict)

    # -- typed accessors -------------------------------------------------------------------
    @property
    def dsn(self) -> str | None:
        value = self.values.get("database.dsn")
        return value if isinstance(value, str) else None

    @property
    def embedded(self) -> bool:
        """True when no DSN is configured: the workbench runs its own PostgreSQL."""
        return self.dsn is None

    @property
    def pg_bin(self) -> Path | None:
        value = self.values.get("database.pg_bin")
        return value if isinstance(value, Path) else None

    @property
    def db_timeout(self) -> float:
        """Seconds a call waits for the database before raising ``WorkbenchConnectionError``."""
        value = self.values.get("database.timeout")
        return value if isinstance(value, float) else DEFAULT_DB_TIMEOUT_S

    @property
    def poll_interval(self) -> float:
        """Seconds between polls for other clients' changes where the database cannot notify
        (no workbench triggers); 0: never poll."""
        value = self.values.get("realtime.poll_interval")
        return value if isinstance(value, float) else DEFAULT_POLL_INTERVAL_S

    @property
    def user_id(self) -> uuid.UUID | None:
        value = self.values.get("user.id")
        return value if isinstance(value, uuid.UUID) else None

    @property
    def storage_backend(self) -> StorageBackend:
        return "s3" if self.values.get("storage.backend") == "s3" else "local"

    @property
    def assets_dir(self) -> Path:
        value = self.values.get("storage.local_dir")
        return value if isinstance(value, Path) else self.paths.assets_dir

    def get(self, key: str) -> object | None:
        if key not in _BY_KEY:
            raise KeyError(key)
        return self.values.get(key)

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        overrides: Mapping[str, object | None] | None = None,
        *,
        env: Mapping[str, str] | None = None,
    ) -> Config:
        """Build the configuration; ``None`` overrides mean "not given"."""
        env = os.environ if env is None else env
        paths = Paths.from_env(env)
        values: dict[str, object] = {}
        sources: dict[str, str] = {}

        for key, value in _read_toml(paths.config_file).items():
            values[key] = _parse(key, value, f"{paths.config_file}")
            sources[key] = f"file {paths.config_file}"
        for setting in SETTINGS:
            raw = env.get(setting.env, "")
            if raw.strip():
                values[setting.key] = _parse(setting.key, raw, f"${setting.env}")
                sources[setting.key] = f"env {setting.env}"
        for key, value in (overrides or {}).items():
            if key not in _BY_KEY:
                raise ConfigError(f"unknown setting {key!r}; known: {', '.join(_BY_KEY)}")
            if value is not None:
                values[key] = _parse(key, value, "argument")
                sources[key] = "argument"
        if values.get("storage.backend") == "s3" and not values.get("storage.bucket"):
            raise ConfigError(
                "storage.backend is 's3' but no bucket is set: set WORKBENCH_S3_BUCKET "
                "or storage.bucket in the config file"
            )
        return cls(paths, values, sources)

    def describe(self) -> Iterator[tuple[str, str, str]]:
        """(key, masked value, source) for every setting, for `workbench config`."""
        derived = {
            "storage.backend": self.storage_backend,
            "storage.local_dir": str(self.assets_dir),
            "database.timeout": f"{DEFAULT_DB_TIMEOUT_S:g}",
            "realtime.poll_interval": f"{DEFAULT_POLL_INTERVAL_S:g}",
        }
        for setting in SETTINGS:
            value = self.values.get(setting.key)
            if value is None:
                if setting.key in derived:
                    yield setting.key, derived[setting.key], "default"
                elif setting.key == "database.dsn":
                    yield setting.key, "(embedded PostgreSQL)", "default"
                else:
                    yield setting.key, "(not set)", "default"
                continue
            yield setting.key, mask(setting, value), self.sources.get(setting.key, "default")


def _parse(key: str, value: object, origin: str) -> object:
    setting = _BY_KEY.get(key)
    if setting is None:
        raise ConfigError(f"{origin}: unknown setting {key!r}; known: {', '.join(_BY_KEY)}")
    try:
        return setting.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{origin}: setting {key!r}: {exc}") from None


def _read_toml(path: Path) -> dict[str, object]:
    """Flatten the config file to dotted keys; a missing file is an empty config."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    flat: dict[str, object] = {}
    for section, body in data.items():
        if not isinstance(body, dict):
            raise ConfigError(
                f"config file {path}: {section!r} must be a [section], e.g. [database]"
            )
        for name, value in body.items():
            flat[f"{section}.{name}"] = value
    return flat


_DSN_PASSWORD = (
    re.compile(r"(?P<pre>://[^:/@]*:)(?P<secret>[^@]*)(?P<post>@)"),
    re.compile(r"(?P<pre>password\s*=\s*)(?P<secret>'[^']*'|\S+)(?P<post>)"),
)


def secrets_in_file(path: Path) -> list[str]:
    """The settings in the config file at ``path`` that hold a secret: the S3 secret key, a DSN
    with a password (the key id alone is not one). A missing or unreadable file has none."""
    try:
        found = _read_toml(path)
    except ConfigError:
        return []
    secret = []
    for key, value in found.items():
        setting = _BY_KEY.get(key)
        if setting is None or setting.secret in ("no", "partial"):
            continue
        if setting.secret == "full" or mask(setting, value) != str(value):
            secret.append(key)
    return secret


def private_dir(path: Path) -> Path:
    """Make the folder ``path`` (and its missing parents) readable by this user alone (0700);
    folders that exist already keep their mode. Returns ``path``."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)  # (another process may have made it meanwhile)
    if not path.is_dir():
        path.mkdir(mode=0o700)  # a file in the way: the usual FileExistsError
    return path


def private_opener(path: str, flags: int) -> int:
    """``open(..., opener=private_opener)``: a file it creates is this user's alone (0600)."""
    return os.open(path, flags, 0o600)


def mask(setting: Setting, value: object) -> str:
    text = str(value)
    if setting.secret == "full":
        return "********"
    if setting.secret == "partial":
        return text[:4] + "…" if len(text) > 4 else "****"
    if setting.secret == "dsn":
        for pattern in _DSN_PASSWORD:
            text = pattern.sub(lambda m: f"{m['pre']}********{m['post']}", text)
    return text


def mask_dsn(dsn: str) -> str:
    return mask(_BY_KEY["database.dsn"], dsn)
