"""Configuration precedence, provenance, validation and masking."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from workbench.config import SETTINGS, Config, Paths, mask_dsn
from workbench.errors import ConfigError

USER = "6513270e-269e-4d37-b2a7-4de452e6b438"


def write_config(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(text)
    return path


def test_defaults_use_embedded_database_and_local_assets(isolated_env: Path) -> None:
    config = Config.load()
    assert config.embedded
    assert config.dsn is None
    assert config.storage_backend == "local"
    assert config.assets_dir == isolated_env.resolve() / "assets"
    assert config.paths.postgres_dir == isolated_env.resolve() / "postgres"
    assert config.paths.state_dir == isolated_env.resolve() / "state"
    assert all(source == "default" for _, _, source in config.describe())


def test_precedence_argument_over_env_over_file(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(
        isolated_env,
        '[database]\ndsn = "postgresql://file/db"\n[storage]\nbucket = "from-file"\n'
        f'[user]\nid = "{USER}"\n',
    )
    monkeypatch.setenv("WORKBENCH_DSN", "postgresql://env/db")
    config = Config.load({"database.dsn": "postgresql://arg/db", "user.id": None})
    assert config.dsn == "postgresql://arg/db"
    assert config.sources["database.dsn"] == "argument"
    assert config.get("storage.bucket") == "from-file"
    assert config.sources["storage.bucket"] == f"file {path}"
    assert config.user_id == uuid.UUID(USER)  # None override means "not given"

    config = Config.load()
    assert config.dsn == "postgresql://env/db"
    assert config.sources["database.dsn"] == "env WORKBENCH_DSN"


def test_workbench_config_env_points_at_another_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = write_config(tmp_path / "elsewhere", '[storage]\nbackend = "local"\n')
    monkeypatch.setenv("WORKBENCH_CONFIG", str(other))
    assert Config.load().paths.config_file == other


def test_platform_dirs_without_workbench_home() -> None:
    paths = Paths.from_env({})
    assert paths.home is None
    assert "workbench" in str(paths.data_dir)
    assert paths.config_file.name == "config.toml"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[database]\ndnss = "x"\n', "unknown setting 'database.dnss'"),
        ("[database\n", "is not valid TOML"),
        ('dsn = "x"\n', "must be a [section]"),
        ('[user]\nid = "nope"\n', "expected a UUID"),
        ('[storage]\nbackend = "ftp"\n', "expected 'local' or 's3'"),
        ('[storage]\nbackend = "s3"\n', "no bucket is set"),
        ('[database]\ndsn = ""\n', "non-empty string"),
    ],
)
def test_bad_config_file_names_the_problem(isolated_env: Path, text: str, message: str) -> None:
    write_config(isolated_env, text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        Config.load()


def test_bad_env_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_USER_ID", "42")
    with pytest.raises(ConfigError, match=r"\$WORKBENCH_USER_ID: setting 'user.id'"):
        Config.load()


def test_unknown_override_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"unknown setting 'database\.url'"):
        Config.load({"database.url": "x"})


def test_secrets_are_masked_in_describe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_DSN", "postgresql://me:hunter2@db.example:5432/app")
    monkeypatch.setenv("WORKBENCH_STORAGE", "s3")
    monkeypatch.setenv("WORKBENCH_S3_BUCKET", "media")
    monkeypatch.setenv("WORKBENCH_S3_ACCESS_KEY_ID", "AKIAEXAMPLE123")
    monkeypatch.setenv("WORKBENCH_S3_SECRET_ACCESS_KEY", "s3cr3t-value")
    shown = {key: value for key, value, _ in Config.load().describe()}
    text = repr(shown)
    assert "hunter2" not in text
    assert "s3cr3t" not in text
    assert "EXAMPLE123" not in text
    assert shown["database.dsn"] == "postgresql://me:********@db.example:5432/app"
    assert shown["storage.access_key_id"] == "AKIA…"
    assert len(shown) == len(SETTINGS)


@pytest.mark.parametrize(
    ("dsn", "masked"),
    [
        ("postgresql://u:p%40ss@h/db", "postgresql://u:********@h/db"),
        ("host=h password=secret dbname=x", "host=h password=******** dbname=x"),
        ("host=h password='a b' dbname=x", "host=h password=******** dbname=x"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
    ],
)
def test_mask_dsn(dsn: str, masked: str) -> None:
    assert mask_dsn(dsn) == masked
