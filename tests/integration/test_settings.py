"""Settings on a real PostgreSQL: resolution, atomic writes, the queue, ownership, failures."""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import subprocess
import sys
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

import psycopg
import pytest

from workbench.client import Workbench
from workbench.db import connection, migrate
from workbench.db.embedded import EmbeddedPostgres
from workbench.errors import NotFoundError, ValidationError
from workbench.settings.resolve import merge, remove_path
from workbench.settings.validate import ForcedSettingWarning
from workbench.startup import connect
from workbench.storage import LocalStorage

TRAVEL = "travel-between-images"


def ids(wb: Workbench) -> tuple[uuid.UUID, uuid.UUID]:
    project = wb.project("Neon Coastline")
    return project.id, wb.shots(project)[0].id  # Harbour Lights: has shot-level settings


def stored(dsn: str, table: str, row_id: uuid.UUID, tool: str = TRAVEL) -> Any:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            f"SELECT settings -> %s FROM {table} WHERE id = %s",
            (tool, row_id),
        ).fetchone()
    return row[0] if row else None


def test_resolution_across_the_four_scopes(demo_wb: Workbench) -> None:
    project_id, shot_id = ids(demo_wb)
    resolved = demo_wb.settings(TRAVEL, shot_id=shot_id)
    assert resolved.provenance["loras"] == "defaults"
    assert resolved.provenance["enhancePrompt"] == "user"
    assert resolved.provenance["amountOfMotion"] == "project"
    assert resolved.provenance["generationMode"] == "shot"
    assert resolved.explain("amountOfMotion") == (
        "amountOfMotion = 65 from project (overrides user 40, defaults 50)"
    )
    project_level = demo_wb.settings(TRAVEL, project_id=project_id)
    assert "shot" not in project_level.provenance.values()
    assert demo_wb.settings(TRAVEL).values["amountOfMotion"] == 40  # the user's own


OPERATIONS: list[tuple[str, Any]] = [
    ("set", {"a": {"b": 1, "c": [1, 2]}, "x": 5}),
    ("set", {"a": {"d": None}, "x": {"y": 1}}),
    ("reset", ("a", "b")),
    ("set", {"a": {"b": {"deep": {"er": True}}}}),
    ("set", {"a": {}}),
    ("reset", ("x", "y")),
    ("set", {"list": [{"k": "v"}], "s": "text with 'quotes' and \"double\" and %s"}),
    ("reset", ("missing", "path")),
    ("reset", ()),
    ("set", {"fresh": 1}),
]


@pytest.mark.filterwarnings("ignore::workbench.settings.validate.ForcedSettingWarning")
def test_database_writes_follow_the_merge_rules(demo_wb: Workbench, demo_dsn: str) -> None:
    project_id, _ = ids(demo_wb)
    model: dict[str, Any] = stored(demo_dsn, "projects", project_id)
    for op, arg in OPERATIONS:
        if op == "set":
            result = demo_wb.update_settings("project", project_id, TRAVEL, arg, force=True)
            model = merge(model, arg)
        else:
            result = demo_wb.reset_setting(
                "project", project_id, TRAVEL, list(arg) or None, force=True
            )
            model = remove_path(model, arg)
        assert result == model, (op, arg)
        assert (stored(demo_dsn, "projects", project_id) or {}) == model  # absent reads as {}


def test_other_tools_and_keys_are_untouched(demo_wb: Workbench, demo_dsn: str) -> None:
    project_id, _ = ids(demo_wb)
    before = stored(demo_dsn, "projects", project_id, "image-generation")
    demo_wb.update_settings("project", project_id, TRAVEL, {"amountOfMotion": 1})
    demo_wb.reset_setting("project", project_id, TRAVEL)
    assert stored(demo_dsn, "projects", project_id, "image-generation") == before
    assert stored(demo_dsn, "projects", project_id) is None


def _write_fields(dsn: str, user: str, project: str, worker: int) -> None:
    with connect(dsn, user_id=user, storage=LocalStorage(Path("/nonexistent"))) as wb:
        for n in range(100):
            patch = {f"w{worker}": {f"f{n}": n}}
            with warnings.catch_warnings():  # made-up fields, written anyway
                warnings.simplefilter("ignore", ForcedSettingWarning)
                wb.update_settings("project", project, TRAVEL, patch, force=True)


def test_eight_processes_writing_different_fields_keep_every_edit(
    demo_wb: Workbench, demo_dsn: str
) -> None:
    project_id, _ = ids(demo_wb)
    context = multiprocessing.get_context("spawn")
    args = (demo_dsn, str(demo_wb.user_id), str(project_id))
    workers = [context.Process(target=_write_fields, args=(*args, w)) for w in range(8)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
        assert process.exitcode == 0
    final = stored(demo_dsn, "projects", project_id)
    assert {f"w{w}": {f"f{n}": n for n in range(100)} for w in range(8)}.items() <= final.items()
    assert sum(len(final[f"w{w}"]) for w in range(8)) == 800
    assert final["amountOfMotion"] == 65  # what was there before is kept too


def count_updates(dsn: str) -> None:
    """A statement-level trigger that counts UPDATE statements on projects."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE update_count (n integer NOT NULL)")
        conn.execute("INSERT INTO update_count VALUES (0)")
        conn.execute(
            "CREATE FUNCTION count_update() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN UPDATE update_count SET n = n + 1; RETURN NULL; END $$"
        )
        conn.execute(
            "CREATE TRIGGER count_update AFTER UPDATE ON projects "
            "FOR EACH STATEMENT EXECUTE FUNCTION count_update()"
        )


def test_a_thousand_edits_take_one_write_per_window(demo_wb: Workbench, demo_dsn: str) -> None:
    project_id, _ = ids(demo_wb)
    count_updates(demo_dsn)
    handle = demo_wb.settings_handle(TRAVEL, project_id=project_id)
    started = time.monotonic()
    with warnings.catch_warnings():  # made-up fields, written anyway
        warnings.simplefilter("ignore", ForcedSettingWarning)
        for n in range(1000):
            handle.set(f"field{n}", n, force=True)
            time.sleep(max(0.0, started + (n + 1) / 1000 - time.monotonic()))  # over 1 s
    # On a busy machine the edits may take longer than the second asked for: the bound is one
    # write per 300 ms window they spanned (4 or 5 on an idle machine), and one to finish.
    windows = math.ceil((time.monotonic() - started) / 0.3)
    assert handle.values["field999"] == 999  # shown at once, before any write landed
    assert handle.flush(10)
    with psycopg.connect(demo_dsn) as conn:
        (updates,) = conn.execute("SELECT n FROM update_count").fetchone() or (None,)
    assert updates is not None
    assert 1 <= updates <= windows + 1, (updates, windows)
    final = stored(demo_dsn, "projects", project_id)
    assert all(final[f"field{n}"] == n for n in range(1000))
    assert handle.status == "saved"
    assert not handle.dirty


def test_another_users_settings_cannot_be_read_or_written(
    demo_wb: Workbench, demo_dsn: str
) -> None:
    project_id, shot_id = ids(demo_wb)
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        row = conn.execute("INSERT INTO users (name) VALUES ('mallory') RETURNING id").fetchone()
        assert row is not None
    before = (stored(demo_dsn, "projects", project_id), stored(demo_dsn, "shots", shot_id))
    with connect(demo_dsn, user_id=row[0], storage=demo_wb.storage) as mallory:
        for scope, target in (("project", project_id), ("shot", shot_id)):
            refusal = f"^{scope} {target} not found among the current user's$"
            with pytest.raises(NotFoundError, match=refusal):
                mallory.update_settings(scope, target, TRAVEL, {"amountOfMotion": 0})
            with pytest.raises(NotFoundError, match=refusal):
                mallory.reset_setting(scope, target, TRAVEL, "amountOfMotion")
        with pytest.raises(NotFoundError, match="not found among the current user's"):
            mallory.update_settings("user", demo_wb.user_id, TRAVEL, {"prompt": "x"})
        with pytest.raises(NotFoundError):
            mallory.settings(TRAVEL, shot_id=shot_id)
    after = (stored(demo_dsn, "projects", project_id), stored(demo_dsn, "shots", shot_id))
    assert after == before


BAD_INPUT: list[tuple[str, Any, Any, Any, str]] = [
    # scope, target id, tool id, patch, message
    ("project", None, TRAVEL, {"a": {1, 2}}, "a: a set is not a JSON value"),
    ("project", None, TRAVEL, {"a": object()}, "is not a JSON value"),
    ("project", None, TRAVEL, {"a": float("nan")}, "is not a JSON number"),
    ("project", None, TRAVEL, {"a": b"bytes"}, "a bytes is not a JSON value"),
    ("project", None, TRAVEL, {1: "x"}, "keys must be non-empty strings"),
    ("project", None, TRAVEL, {"big": "x" * 10_000_000}, "the limit is 1,000,000 bytes"),
    ("project", None, TRAVEL, ["not", "an", "object"], "must be an object"),
    ("galaxy", None, TRAVEL, {"a": 1}, "unknown scope 'galaxy'"),
    ("defaults", None, TRAVEL, {"a": 1}, "unknown scope 'defaults'"),
    ("project", "not-a-uuid", TRAVEL, {"a": 1}, "malformed project id"),
    ("project", None, "", {"a": 1}, "invalid tool id"),
    ("project", None, "bad tool/../x", {"a": 1}, "invalid tool id"),
]


@pytest.mark.parametrize(("scope", "target", "tool", "patch", "message"), BAD_INPUT)
def test_bad_input_is_refused_and_nothing_changes(
    demo_wb: Workbench,
    demo_dsn: str,
    scope: str,
    target: Any,
    tool: str,
    patch: Any,
    message: str,
) -> None:
    project_id, _ = ids(demo_wb)
    before = stored(demo_dsn, "projects", project_id)
    with pytest.raises(ValidationError) as info:
        demo_wb.update_settings(scope, target or project_id, tool, patch)
    assert message in str(info.value)
    assert stored(demo_dsn, "projects", project_id) == before


def test_unknown_target_is_not_found(demo_wb: Workbench) -> None:
    missing = uuid.uuid4()
    with pytest.raises(NotFoundError, match=f"^shot {missing} not found among the current user's$"):
        demo_wb.update_settings("shot", missing, TRAVEL, {"amountOfMotion": 1})


def test_new_shots_inherit_from_the_most_recently_edited_shot(
    demo_wb: Workbench, demo_dsn: str
) -> None:
    project_id, _ = ids(demo_wb)
    source = demo_wb.shots(project_id)[2]
    demo_wb.update_settings(
        "shot", source.id, TRAVEL, {"prompt": "dusk", "pairConfigs": [{"p": 1}], "seed": 9}
    )
    shot = demo_wb.create_shot(project_id, "Encore")
    assert shot.position == 8
    inherited = stored(demo_dsn, "shots", shot.id)
    assert inherited["seed"] == 9
    assert inherited["prompt"] == ""  # prompts and pair configs start empty
    assert inherited["pairConfigs"] == []
    assert demo_wb.settings(TRAVEL, shot_id=shot.id).provenance["seed"] == "shot"


def test_first_shot_inherits_from_the_project(demo_wb: Workbench, demo_dsn: str) -> None:
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO projects (name, user_id, settings) VALUES ('Empty', %s, %s) RETURNING id",
            (demo_wb.user_id, json.dumps({TRAVEL: {"prompt": "p", "amountOfMotion": 12}})),
        ).fetchone()
        assert row is not None
    shot = demo_wb.create_shot(row[0], "First")
    assert shot.position == 1
    assert stored(demo_dsn, "shots", shot.id) == {"prompt": "", "amountOfMotion": 12}
    with pytest.raises(ValidationError):
        demo_wb.create_shot(row[0], "  ")


def test_handle_is_optimistic_and_sees_other_clients(demo_wb: Workbench, demo_dsn: str) -> None:
    _, shot_id = ids(demo_wb)
    handle = demo_wb.settings_handle(TRAVEL, shot_id=shot_id)
    events: list[str] = []
    handle.subscribe(lambda h: events.append(h.status))
    handle.set("amountOfMotion", 99)
    assert handle.values["amountOfMotion"] == 99
    assert handle.provenance["amountOfMotion"] == "shot"
    assert handle.dirty
    handle.set("amountOfMotion", 12, scope="project")
    assert handle.values["amountOfMotion"] == 99  # the shot still wins
    with pytest.raises(ValidationError, match="cannot write shot settings through a project"):
        demo_wb.settings_handle(TRAVEL, project_id=ids(demo_wb)[0]).set("prompt", "x", scope="shot")
    assert handle.flush(5)
    assert handle.status == "saved"
    assert events[0] == "saving"
    assert events[-1] == "saved"
    assert stored(demo_dsn, "shots", shot_id)["amountOfMotion"] == 99
    handle.reset("amountOfMotion")
    assert handle.values["amountOfMotion"] == 12  # inherits from the project at once
    assert handle.provenance["amountOfMotion"] == "project"
    handle.flush(5)
    with connect(demo_dsn, storage=demo_wb.storage) as other:
        other.update_settings("shot", shot_id, TRAVEL, {"motionMode": "advanced"})
    handle.refresh()
    assert handle.values["motionMode"] == "advanced"


@pytest.fixture
def own_server(tmp_path: Path) -> Any:
    server = EmbeddedPostgres(tmp_path / "pg", fast=True)
    dsn = connection.ensure_database(server.ensure_running(), "wb")
    with psycopg.connect(dsn, autocommit=True) as conn:
        migrate.migrate(conn)
        conn.execute(
            "WITH u AS (INSERT INTO users DEFAULT VALUES RETURNING id) "
            "INSERT INTO projects (name, user_id) SELECT 'p', id FROM u"
        )
    yield server, dsn
    server.stop()


def test_database_stopped_mid_queue_rolls_back_then_retry_succeeds(
    own_server: Any, tmp_path: Path
) -> None:
    server, dsn = own_server
    with connect(dsn, storage=LocalStorage(tmp_path)) as wb:
        wb.pool.timeout = 2  # fail fast while the server is down
        project = wb.projects()[0]
        handle = wb.settings_handle(TRAVEL, project_id=project.id)
        handle.set("amountOfMotion", 70)
        assert handle.flush(10)
        assert handle.status == "saved"

        server.stop()
        handle.set("batchVideoFrames", 99)
        assert handle.values["batchVideoFrames"] == 99  # optimistic
        assert handle.flush(30)
        assert handle.status == "failed"
        assert handle.error is not None
        assert handle.values["batchVideoFrames"] == 61  # rolled back to the confirmed value
        assert handle.values["amountOfMotion"] == 70

        server.ensure_running()
        handle.retry()
        assert handle.flush(30)
        assert handle.status == "saved", handle.error
        assert handle.values["batchVideoFrames"] == 99
    assert stored(dsn, "projects", project.id) == {"amountOfMotion": 70, "batchVideoFrames": 99}


def test_settings_cli(demo_wb: Workbench, demo_dsn: str, demo_assets: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")},
        "WORKBENCH_DSN": demo_dsn,
        "WORKBENCH_ASSETS_DIR": str(demo_assets),
        "WORKBENCH_HOME": str(demo_assets.parent / "cli-home"),
    }
    workbench = str(Path(sys.executable).parent / "workbench")
    where = ["--project", "Neon Coastline", "--shot", "Harbour Lights"]

    def run(*args: str) -> str:
        done = subprocess.run(
            [workbench, "settings", *args], env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    shown = json.loads(run("show", TRAVEL, *where, "--json"))
    assert shown["provenance"]["amountOfMotion"] == "project"
    run("set", TRAVEL, "amountOfMotion", "33", *where)
    assert json.loads(run("show", TRAVEL, *where, "--json"))["values"]["amountOfMotion"] == 33
    text = run("show", TRAVEL, *where)
    assert "amountOfMotion" in text
    assert "[shot]  overrides project 65, user 40, defaults 50" in text
    run("set", TRAVEL, "motionMode", "advanced", "--scope", "project", *where)
    run("reset", TRAVEL, "amountOfMotion", *where)
    shown = json.loads(run("show", TRAVEL, *where, "--json"))
    assert shown["values"]["amountOfMotion"] == 65
    assert shown["values"]["motionMode"] == "advanced"
