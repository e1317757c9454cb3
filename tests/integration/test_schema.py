"""Attaching to databases: ours, Reigh's (never altered), empty, unknown; migrations."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import psycopg
import pytest

from workbench.db import migrate
from workbench.db.schema import inspect
from workbench.errors import ConfigError, SchemaError, WorkbenchConnectionError
from workbench.startup import connect
from workbench.storage import LocalStorage


def make_reigh_database(dsn: str) -> None:
    """Reigh's tables as its live database has them: no migrations table of ours, a column
    no migration creates (generations.shot_data, users.username), one we may lack."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for m in migrate.available("core"):
            conn.execute(m.sql_text.encode())
        conn.execute("ALTER TABLE generations ADD COLUMN shot_data jsonb")
        conn.execute("ALTER TABLE users ADD COLUMN username text")
        conn.execute("ALTER TABLE shots DROP COLUMN aspect_ratio")


def add_shot(conn: psycopg.Connection[Any]) -> tuple[uuid.UUID, uuid.UUID]:
    """A user with project 'p' holding shot 's'; returns (project id, shot id)."""
    row = conn.execute(
        "WITH u AS (INSERT INTO users DEFAULT VALUES RETURNING id), "
        "p AS (INSERT INTO projects (name, user_id) SELECT 'p', id FROM u RETURNING id) "
        "INSERT INTO shots (name, project_id) SELECT 's', id FROM p RETURNING project_id, id"
    ).fetchone()
    assert row is not None
    return row[0], row[1]


def schema_snapshot(dsn: str) -> list[Any]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            """
            SELECT 'column', table_name || '.' || column_name || ':' || data_type
              FROM information_schema.columns WHERE table_schema = 'public'
            UNION ALL SELECT 'index', indexname FROM pg_indexes WHERE schemaname = 'public'
            UNION ALL SELECT 'trigger', tgname FROM pg_trigger WHERE NOT tgisinternal
            UNION ALL SELECT 'function', proname FROM pg_proc
              WHERE pronamespace = 'public'::regnamespace
            ORDER BY 1, 2
            """
        ).fetchall()


def test_closed_port_fails_fast_with_a_clear_message() -> None:
    started = time.monotonic()
    with pytest.raises(WorkbenchConnectionError, match=r"cannot connect to .*nothing is listening"):
        connect("postgresql://someone:pw@127.0.0.1:1/db")
    assert time.monotonic() - started < 5


def test_malformed_dsn_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="malformed"):
        connect("definitely not a dsn")


def test_password_never_appears_in_errors() -> None:
    with pytest.raises(WorkbenchConnectionError) as info:
        connect("postgresql://someone:hunter2@127.0.0.1:1/db")
    assert "hunter2" not in str(info.value)


def test_empty_external_database_is_not_touched(empty_dsn: str, tmp_path: Any) -> None:
    with pytest.raises(SchemaError, match="workbench db migrate"):
        connect(empty_dsn, storage=LocalStorage(tmp_path))
    assert schema_snapshot(empty_dsn) == []


def test_migrate_creates_the_schema_once(empty_dsn: str) -> None:
    with psycopg.connect(empty_dsn, autocommit=True) as conn:
        applied = migrate.migrate(conn)
        assert applied == [m.label for t in migrate.TRACKS for m in migrate.available(t)]
        assert migrate.migrate(conn) == []
        info = inspect(conn)
    assert info.kind == "ours"
    assert info.applied == {t: migrate.latest(t) for t in migrate.TRACKS}


def test_concurrent_migrators_apply_each_file_once(empty_dsn: str) -> None:
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with psycopg.connect(empty_dsn, autocommit=True) as conn:
                results.append(migrate.migrate(conn))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    applied = sorted(label for result in results for label in result)
    assert applied == sorted(m.label for t in migrate.TRACKS for m in migrate.available(t))


def test_reigh_database_is_used_as_is_and_never_altered(empty_dsn: str, tmp_path: Any) -> None:
    make_reigh_database(empty_dsn)
    with psycopg.connect(empty_dsn, autocommit=True) as conn:
        user = conn.execute("INSERT INTO users (name) VALUES ('r') RETURNING id").fetchone()
        assert user is not None
        conn.execute(
            "INSERT INTO projects (name, user_id) VALUES ('Reigh project', %s)", (user[0],)
        )
    before = schema_snapshot(empty_dsn)
    with connect(empty_dsn, storage=LocalStorage(tmp_path)) as wb:
        assert wb.schema.kind == "reigh"
        assert wb.schema.has("generations", "shot_data")
        (project,) = wb.projects()
        assert project.name == "Reigh project"
        assert wb.shots(project) == []
    with (
        psycopg.connect(empty_dsn, autocommit=True) as conn,
        pytest.raises(SchemaError, match="never alters"),
    ):
        migrate.migrate(conn)
    assert schema_snapshot(empty_dsn) == before


def test_missing_optional_column_reads_as_none(empty_dsn: str, tmp_path: Any) -> None:
    make_reigh_database(empty_dsn)
    with psycopg.connect(empty_dsn, autocommit=True) as conn:
        add_shot(conn)
    with connect(empty_dsn, storage=LocalStorage(tmp_path)) as wb:
        (shot,) = wb.shots(wb.projects()[0])
    assert shot.name == "s"
    assert shot.aspect_ratio is None  # the column does not exist there


def test_install_extras_adds_only_extras(empty_dsn: str) -> None:
    make_reigh_database(empty_dsn)
    before = set(schema_snapshot(empty_dsn))
    with psycopg.connect(empty_dsn, autocommit=True) as conn:
        applied = migrate.install_extras(conn)
        info = inspect(conn)
    assert applied == [m.label for m in migrate.available("extras")]
    assert info.kind == "reigh"
    assert "core" not in info.applied
    after = set(schema_snapshot(empty_dsn))
    assert before <= after  # nothing removed or changed
    added = {name for _, name in after - before}
    assert all(name.startswith("workbench") for name in added), added


def test_unknown_schema_is_refused(empty_dsn: str, tmp_path: Any) -> None:
    with psycopg.connect(empty_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE users (id integer PRIMARY KEY, nickname text)")
    with pytest.raises(SchemaError, match=r"neither a Reigh database.*users\.settings"):
        connect(empty_dsn, storage=LocalStorage(tmp_path))
    with psycopg.connect(empty_dsn, autocommit=True) as conn, pytest.raises(SchemaError):
        migrate.migrate(conn)


def test_newer_schema_asks_for_an_upgrade(db_dsn: str, tmp_path: Any) -> None:
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO workbench_migrations (track, version, name, checksum) "
            "VALUES ('core', 999, 'future', 'x')"
        )
    with pytest.raises(SchemaError, match=r"newer than this workbench knows.*upgrade"):
        connect(db_dsn, storage=LocalStorage(tmp_path))


def test_changed_migration_is_detected(db_dsn: str) -> None:
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "UPDATE workbench_migrations SET checksum = 'tampered' WHERE track = 'core' "
            "AND version = 1"
        )
        with pytest.raises(SchemaError, match="was changed after it was applied"):
            migrate.migrate(conn)


def test_behind_external_schema_asks_for_migrate(db_dsn: str, tmp_path: Any) -> None:
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM workbench_migrations WHERE track = 'extras'")
    with pytest.raises(SchemaError, match=r"older than this workbench.*workbench db migrate"):
        connect(db_dsn, storage=LocalStorage(tmp_path))


def test_reigh_triggers_behave_like_reigh(conn: psycopg.Connection[Any]) -> None:
    project_id, shot_id = add_shot(conn)
    # A hidden placeholder parent video, linked unpositioned.
    placeholder = conn.execute(
        "SELECT g.type, g.location, g.params->>'created_from', sg.timeline_frame "
        "FROM shot_generations sg JOIN generations g ON g.id = sg.generation_id "
        "WHERE sg.shot_id = %s",
        (shot_id,),
    ).fetchall()
    assert placeholder == [("video", None, "shot_parent_generation", None)]
    # The primary variant is the source of truth; only one is primary.
    gen = uuid.uuid4()
    conn.execute(
        "INSERT INTO generations (id, project_id, type) VALUES (%s, %s, 'image')", (gen, project_id)
    )
    first = conn.execute(
        "INSERT INTO generation_variants (generation_id, location, is_primary, variant_type) "
        "VALUES (%s, 'file:///a.jpg', true, 'original') RETURNING id",
        (gen,),
    ).fetchone()
    second = conn.execute(
        "INSERT INTO generation_variants (generation_id, location, is_primary, variant_type) "
        "VALUES (%s, 'file:///b.jpg', true, 'upscaled') RETURNING id",
        (gen,),
    ).fetchone()
    assert first is not None
    assert second is not None
    row = conn.execute(
        "SELECT location, primary_variant_id FROM generations WHERE id = %s", (gen,)
    ).fetchone()
    assert row == ("file:///b.jpg", second[0])
    # Deleting the primary promotes the newest remaining; originals cannot be deleted.
    conn.execute("DELETE FROM generation_variants WHERE id = %s", (second[0],))
    row = conn.execute("SELECT location FROM generations WHERE id = %s", (gen,)).fetchone()
    assert row == ("file:///a.jpg",)
    with pytest.raises(psycopg.errors.CheckViolation, match="original variant"):
        conn.execute("DELETE FROM generation_variants WHERE id = %s", (first[0],))
