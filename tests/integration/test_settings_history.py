"""The settings history and diff on a real PostgreSQL: recorded with the write (ours), on the
device (a Reigh database), in the database again once the extras are installed; filtering,
restore (conflicts, force), and diffs of two shots, a shot and its project, two projects."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from workbench.client import Workbench
from workbench.db import migrate
from workbench.db.schema import SETTINGS_HISTORY_TABLE
from workbench.errors import ConflictError, NotFoundError, ValidationError
from workbench.settings.history import ABSENT, DeviceHistory, FieldChange
from workbench.settings.store import SettingsTarget, SettingsWrite
from workbench.startup import connect
from workbench.storage import LocalStorage

TRAVEL = "travel-between-images"


@contextmanager
def counting_statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement sent meanwhile (each is one round trip: the pool runs in autocommit)."""
    sent: list[str] = []
    real = psycopg.Cursor.execute

    def execute(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        text = query.as_string(self) if hasattr(query, "as_string") else str(query)
        if text:  # not the pool's empty liveness check
            sent.append(text)
        return real(self, query, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(psycopg.Cursor, "execute", execute)
        yield sent


def ids(wb: Workbench) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """Neon Coastline, its first shot (Harbour Lights, with shot settings) and its second."""
    project = wb.project("Neon Coastline")
    shots = wb.shots(project)
    return project.id, shots[0].id, shots[1].id


def history_rows(dsn: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            f"SELECT scope, target_id, tool_id, before, after, user_id, note "
            f"FROM {SETTINGS_HISTORY_TABLE} ORDER BY id"
        ).fetchall()


# -- recording -----------------------------------------------------------------------------------
def test_our_schema_records_each_write_in_the_database(demo_wb: Workbench, demo_dsn: str) -> None:
    project_id, shot_id, _ = ids(demo_wb)
    assert demo_wb.settings_history_service.stored == "database"
    before = demo_wb.settings(TRAVEL, project_id=project_id).layers["project"]
    demo_wb.update_settings("project", project_id, TRAVEL, {"amountOfMotion": 70})
    demo_wb.update_settings("shot", shot_id, TRAVEL, {"negativePrompt": None})
    demo_wb.reset_setting("shot", shot_id, TRAVEL, "negativePrompt")
    demo_wb.update_settings("project", project_id, TRAVEL, {"amountOfMotion": 70})  # no change

    rows = history_rows(demo_dsn)
    assert [(r[0], r[1]) for r in rows] == [
        ("project", project_id), ("shot", shot_id), ("shot", shot_id),
    ]  # fmt: skip
    _, _, tool, old, new, user, note = rows[0]
    assert (tool, user, note) == (TRAVEL, demo_wb.user_id, None)
    assert old == before
    assert new == {**before, "amountOfMotion": 70}

    entries = demo_wb.settings_history(TRAVEL, shot_id=shot_id)
    assert [e.scope for e in entries] == ["shot", "shot", "project"]  # newest first
    reset, set_null, motion = entries
    # null is a value; a removed field is absent: the two are told apart.
    assert set_null.changes == (FieldChange("negativePrompt", ABSENT, None),)
    assert reset.changes == (FieldChange("negativePrompt", None, ABSENT),)
    assert reset.changes[0].to_json() == {"field": "negativePrompt", "old": None}
    assert motion.changes == (FieldChange("amountOfMotion", before["amountOfMotion"], 70),)
    assert motion.stored == "database"
    assert motion.at.tzinfo is not None


def test_a_write_and_its_record_are_one_statement(
    demo_wb: Workbench, demo_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id, _, _ = ids(demo_wb)
    service = demo_wb.settings_service
    target = SettingsTarget("project", project_id)
    with counting_statements(monkeypatch) as sent:
        done = service.rewrite(target, TRAVEL, {"amountOfMotion": 71}, [], note="test")
    assert len(sent) == 1, sent
    assert "UPDATE" in sent[0]
    assert f'INSERT INTO "{SETTINGS_HISTORY_TABLE}"' in sent[0]
    assert done.entry_id is not None
    assert done.at is not None
    assert done.note == "test"
    # Through the public API too: the write itself is one statement (validation may read).
    with counting_statements(monkeypatch) as sent:
        demo_wb.update_settings("project", project_id, TRAVEL, {"amountOfMotion": 72})
    writes = [q for q in sent if "UPDATE" in q or SETTINGS_HISTORY_TABLE in q]
    assert len(writes) == 1, sent
    assert len(history_rows(demo_dsn)) == 2


def test_a_refused_write_records_nothing(demo_wb: Workbench, demo_dsn: str) -> None:
    with pytest.raises(NotFoundError):
        demo_wb.settings_service.rewrite(
            SettingsTarget("project", uuid.uuid4()), TRAVEL, {"amountOfMotion": 1}, [], note="x"
        )
    assert history_rows(demo_dsn) == []


def test_queued_edits_are_recorded_as_the_writes_they_became(demo_wb: Workbench) -> None:
    project_id, _, _ = ids(demo_wb)
    handle = demo_wb.settings_handle(TRAVEL, project_id=project_id)
    for n in range(5):
        handle.set("amountOfMotion", 80 + n)
    assert handle.flush(10)
    (entry,) = demo_wb.settings_history(TRAVEL, project_id=project_id)
    assert entry.changes[0].path == "amountOfMotion"
    assert entry.changes[0].new == 84


def test_history_filters_by_tool_target_and_scope(demo_wb: Workbench) -> None:
    project_id, shot_id, other_shot = ids(demo_wb)
    paper = demo_wb.project("Paper Garden").id
    demo_wb.update_settings("user", demo_wb.user_id, TRAVEL, {"enhancePrompt": False})
    demo_wb.update_settings("project", project_id, TRAVEL, {"amountOfMotion": 60})
    demo_wb.update_settings("project", paper, TRAVEL, {"amountOfMotion": 61})
    demo_wb.update_settings("shot", shot_id, TRAVEL, {"amountOfMotion": 62})
    demo_wb.update_settings("shot", other_shot, TRAVEL, {"amountOfMotion": 63})
    demo_wb.update_settings("project", project_id, "image-generation", {"imagesPerPrompt": 2})

    def where(entries: list[Any]) -> list[tuple[str, uuid.UUID]]:
        return [(e.scope, e.target_id) for e in entries]

    shot_history = demo_wb.settings_history(TRAVEL, project_id=project_id, shot_id=shot_id)
    assert where(shot_history) == [
        ("shot", shot_id), ("project", project_id), ("user", demo_wb.user_id),
    ]  # fmt: skip
    assert where(demo_wb.settings_history(TRAVEL, shot_id=shot_id, inherited=False)) == [
        ("shot", shot_id)
    ]
    assert where(demo_wb.settings_history(TRAVEL, project_id=project_id)) == [
        ("project", project_id), ("user", demo_wb.user_id),
    ]  # fmt: skip
    assert where(demo_wb.settings_history(TRAVEL)) == [("user", demo_wb.user_id)]
    assert len(demo_wb.settings_history(TRAVEL, shot_id=shot_id, limit=2)) == 2
    assert len(demo_wb.settings_history("image-generation", project_id=project_id)) == 1
    with pytest.raises(NotFoundError):
        demo_wb.settings_history(TRAVEL, shot_id=uuid.uuid4())
    with pytest.raises(ValidationError):
        demo_wb.settings_history(TRAVEL, shot_id=shot_id, limit=0)


# -- restore -------------------------------------------------------------------------------------
def test_restore_puts_the_fields_back_as_a_new_recorded_write(demo_wb: Workbench) -> None:
    project_id, shot_id, _ = ids(demo_wb)
    stored_before = demo_wb.settings(TRAVEL, shot_id=shot_id).layers["shot"]
    demo_wb.update_settings("shot", shot_id, TRAVEL, {"amountOfMotion": 90, "prompt": "fog"})
    demo_wb.reset_setting("shot", shot_id, TRAVEL, "generationMode")
    change, reset = demo_wb.settings_history(TRAVEL, shot_id=shot_id)[::-1]

    heard: list[SettingsWrite] = []
    stop = demo_wb.settings_service.written.add(heard.append)  # what the undo journal hears
    done = demo_wb.restore_settings(reset.id)
    assert done.written is not None
    assert [c.path for c in done.changes] == ["generationMode"]
    done = demo_wb.restore_settings(str(change.id))
    stop()
    assert demo_wb.settings(TRAVEL, shot_id=shot_id).layers["shot"] == stored_before
    assert len(heard) == 2
    assert heard[-1].note == f"restore of entry {change.id}"
    newest = demo_wb.settings_history(TRAVEL, shot_id=shot_id, inherited=False)[0]
    assert newest.note == f"restore of entry {change.id}"
    assert {c.path for c in newest.changes} == {"amountOfMotion", "prompt"}
    assert done.to_json()["written"] is True
    # Restoring again finds nothing to put back and writes nothing.
    again = demo_wb.restore_settings(change.id)
    assert again.written is None
    assert again.changes == ()
    assert demo_wb.settings_history(TRAVEL, shot_id=shot_id, inherited=False)[0] == newest
    assert project_id  # the project is untouched by a shot's restore


def test_restore_refuses_a_field_changed_since_unless_forced(
    demo_wb: Workbench, demo_dsn: str
) -> None:
    project_id, _, _ = ids(demo_wb)
    original = demo_wb.settings(TRAVEL, project_id=project_id).layers["project"]
    demo_wb.update_settings("project", project_id, TRAVEL, {"amountOfMotion": 10})
    (entry,) = demo_wb.settings_history(TRAVEL, project_id=project_id, inherited=False)
    demo_wb.update_settings("project", project_id, TRAVEL, {"amountOfMotion": 20})
    count = len(history_rows(demo_dsn))

    with pytest.raises(ConflictError, match=r"amountOfMotion \(entry left 10, now 20\)"):
        demo_wb.restore_settings(entry.id)
    assert demo_wb.settings(TRAVEL, project_id=project_id).value("amountOfMotion") == 20
    assert len(history_rows(demo_dsn)) == count  # nothing written, nothing recorded

    plan = demo_wb.settings_history_service.plan(entry.id)
    assert plan.conflicts == (FieldChange("amountOfMotion", 10, 20),)
    done = demo_wb.restore_settings(entry.id, force=True)
    assert done.written is not None
    assert demo_wb.settings(TRAVEL, project_id=project_id).layers["project"] == original
    assert done.to_json()["overwritten"] == [{"field": "amountOfMotion", "old": 10, "new": 20}]


def test_a_write_between_the_restore_plan_and_its_write_is_not_overwritten(
    demo_wb: Workbench, demo_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another client sets the field after the restore read it and before it wrote: the
    restore's write is rolled back, the new plan sees the conflict, nothing is overwritten."""
    project_id, _, _ = ids(demo_wb)
    demo_wb.update_settings("project", project_id, TRAVEL, {"amountOfMotion": 10})
    (entry,) = demo_wb.settings_history(TRAVEL, project_id=project_id, inherited=False)
    service = demo_wb.settings_history_service
    real_plan = type(service).plan
    calls = []

    def plan_then_someone_writes(self: Any, entry_id: object) -> Any:
        planned = real_plan(self, entry_id)
        calls.append(planned)
        if len(calls) == 1:
            with psycopg.connect(demo_dsn, autocommit=True) as other:
                other.execute(
                    "UPDATE projects SET settings = jsonb_set(settings, "
                    "'{travel-between-images,amountOfMotion}', '33') WHERE id = %s",
                    (project_id,),
                )
        return planned

    monkeypatch.setattr(type(service), "plan", plan_then_someone_writes)
    count = len(history_rows(demo_dsn))
    with pytest.raises(ConflictError, match=r"amountOfMotion \(entry left 10, now 33\)"):
        demo_wb.restore_settings(entry.id)
    assert len(calls) == 2  # planned again from what the other write left
    assert demo_wb.settings(TRAVEL, project_id=project_id).value("amountOfMotion") == 33
    assert len(history_rows(demo_dsn)) == count  # the rolled-back write left no record


def test_restore_of_an_unknown_or_malformed_entry(demo_wb: Workbench) -> None:
    with pytest.raises(NotFoundError, match="no settings history entry 999"):
        demo_wb.restore_settings(999)
    with pytest.raises(ValidationError, match="is a number"):
        demo_wb.restore_settings("twelve")


def test_restore_of_nested_and_removed_fields(demo_wb: Workbench) -> None:
    project_id, _, _ = ids(demo_wb)
    service = demo_wb.settings_service
    target = SettingsTarget("project", project_id)
    service.rewrite(target, TRAVEL, {"phaseConfig": {"a": 1, "b": {"c": [1]}}}, [], note="t")
    before = demo_wb.settings(TRAVEL, project_id=project_id).layers["project"]
    service.rewrite(target, TRAVEL, {"phaseConfig": {"a": None, "d": {"e": 2}}},
                    [("phaseConfig", "b")], note="t")  # fmt: skip
    entry = demo_wb.settings_history(TRAVEL, project_id=project_id, inherited=False)[0]
    assert [(c.path, c.old, c.new) for c in entry.changes] == [
        ("phaseConfig.a", 1, None),
        ("phaseConfig.b.c", [1], ABSENT),
        ("phaseConfig.d.e", ABSENT, 2),
    ]  # fmt: skip
    demo_wb.restore_settings(entry.id)
    assert demo_wb.settings(TRAVEL, project_id=project_id).layers["project"] == before
    # An object the entry created goes with it, unless something else was put in it since.
    service.rewrite(target, TRAVEL, {"phaseConfig": {"d": {"e": 2}}}, [], note="t")
    entry = demo_wb.settings_history(TRAVEL, project_id=project_id, inherited=False)[0]
    service.rewrite(target, TRAVEL, {"phaseConfig": {"d": {"f": 3}}}, [], note="t")
    demo_wb.restore_settings(entry.id)
    assert demo_wb.settings(TRAVEL, project_id=project_id).layers["project"]["phaseConfig"] == {
        **before["phaseConfig"],
        "d": {"f": 3},
    }


# -- a Reigh database: on the device, then in the database with the extras -----------------------
def make_reigh_project(dsn: str) -> tuple[uuid.UUID, uuid.UUID]:
    """Reigh's tables (no migrations table of ours) with one user, project and shot."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for m in migrate.available("core"):
            conn.execute(m.sql_text.encode())
        row = conn.execute(
            "WITH u AS (INSERT INTO users DEFAULT VALUES RETURNING id), "
            "p AS (INSERT INTO projects (name, user_id, settings) SELECT 'Reigh', id, "
            '\'{"travel-between-images": {"amountOfMotion": 55}}\' FROM u RETURNING id) '
            "INSERT INTO shots (name, project_id) SELECT 'one', id FROM p "
            "RETURNING project_id, id"
        ).fetchone()
    assert row is not None
    return row[0], row[1]


def table_exists(dsn: str) -> bool:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT to_regclass(%s)", (SETTINGS_HISTORY_TABLE,)).fetchone()
    return row is not None and row[0] is not None


def test_a_reigh_database_keeps_the_history_on_the_device(
    empty_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id, shot_id = make_reigh_project(empty_dsn)
    with connect(empty_dsn, storage=LocalStorage(tmp_path)) as wb:
        assert wb.schema.kind == "reigh"
        assert wb.settings_history_service.stored == "device"
        with counting_statements(monkeypatch) as sent:
            wb.update_settings("project", project_id, TRAVEL, {"amountOfMotion": 70})
        assert not any(SETTINGS_HISTORY_TABLE in q for q in sent)
        wb.update_settings("shot", shot_id, TRAVEL, {"amountOfMotion": 71})
        file = wb.config.paths.state_dir / "settings-history.jsonl"
        assert len(file.read_text().splitlines()) == 2
        entries = wb.settings_history(TRAVEL, shot_id=shot_id)
        assert [(e.scope, e.stored) for e in entries] == [("shot", "device"), ("project", "device")]
        assert entries[1].changes == (FieldChange("amountOfMotion", 55, 70),)
        assert [e.scope for e in wb.settings_history(TRAVEL, project_id=project_id)] == ["project"]

        wb.update_settings("project", project_id, TRAVEL, {"amountOfMotion": 75})
        with pytest.raises(ConflictError):
            wb.restore_settings(entries[1].id)
        wb.restore_settings(entries[1].id, force=True)
        assert wb.settings(TRAVEL, project_id=project_id).value("amountOfMotion") == 55
        assert wb.settings_history(TRAVEL, project_id=project_id)[0].note == (
            f"restore of entry {entries[1].id}"
        )
    assert not table_exists(empty_dsn)  # the Reigh schema was not changed

    # Another process on this device sees the same history (the file is the device's).
    with connect(empty_dsn, storage=LocalStorage(tmp_path)) as again:
        assert len(again.settings_history(TRAVEL, shot_id=shot_id)) == 4

    # With the extras, the database keeps it: every device sees the new writes.
    with psycopg.connect(empty_dsn, autocommit=True) as conn:
        migrate.install_extras(conn)
    with connect(empty_dsn, storage=LocalStorage(tmp_path)) as wb:
        assert wb.schema.kind == "reigh"
        assert wb.settings_history_service.stored == "database"
        wb.update_settings("shot", shot_id, TRAVEL, {"amountOfMotion": 72})
        (entry,) = wb.settings_history(TRAVEL, shot_id=shot_id)
        assert entry.stored == "database"
        assert entry.changes[0].new == 72
    assert len(history_rows(empty_dsn)) == 1
    assert len(file.read_text().splitlines()) == 4  # the device file got nothing new


def test_the_device_file_is_bounded_and_survives_a_torn_line(tmp_path: Path) -> None:
    history = DeviceHistory(tmp_path / "h.jsonl", max_bytes=20_000)
    target = SettingsTarget("project", uuid.uuid4())
    for n in range(300):
        write = SettingsWrite(target, TRAVEL, {"n": n}, {"n": n + 1, "pad": "x" * 50})
        history.append(write, None)
    assert (tmp_path / "h.jsonl").stat().st_size <= 20_000
    kept = history.entries()
    assert kept[0].id == 300
    assert kept[0].changes[0].new == 300  # ids keep growing
    assert [e.id for e in kept] == list(range(300, 300 - len(kept), -1))
    with open(tmp_path / "h.jsonl", "a") as handle:
        handle.write('{"id": 301, "at": "2026-')  # a crash mid-line
    assert history.entries()[0].id == 300
    assert history.append(SettingsWrite(target, TRAVEL, {"n": 1}, {"n": 1}), None) is None
    entry = history.append(SettingsWrite(target, TRAVEL, {}, {"n": 2}), None)
    assert entry is not None
    assert entry.id == 301
    assert history.entries()[0].id == 301


# -- diff ----------------------------------------------------------------------------------------
def test_diff_of_a_shot_and_its_project(
    demo_wb: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id, shot_id, _ = ids(demo_wb)
    shot = demo_wb.settings(TRAVEL, shot_id=shot_id)
    project = demo_wb.settings(TRAVEL, project_id=project_id)
    with counting_statements(monkeypatch) as sent:
        diff = demo_wb.settings_diff(TRAVEL, {"shot_id": shot_id})
    assert len(sent) == 1, sent
    assert (diff.a.target, diff.b.target) == (
        SettingsTarget("shot", shot_id), SettingsTarget("project", project_id),
    )  # fmt: skip
    assert (diff.a.name, diff.b.name) == ("Harbour Lights", "Neon Coastline")
    expected = {p for p, v, _ in shot if project.value(p) != v}
    assert {f.path for f in diff.fields} == expected
    assert expected
    for f in diff.fields:
        assert (f.a, f.a_scope) == (shot.value(f.path), shot.scope_of(f.path))
        assert (f.b, f.b_scope) == (project.value(f.path), project.scope_of(f.path))
        assert f.a_scope == "shot"  # only the shot's own values can differ from its project
    assert demo_wb.settings_diff(TRAVEL, demo_wb.shots(project_id)[0]).fields == diff.fields
    assert json.loads(json.dumps(diff.to_json()))["b"]["name"] == "Neon Coastline"


def test_diff_of_two_shots_and_two_projects(
    demo_wb: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id, shot_a, shot_b = ids(demo_wb)
    demo_wb.update_settings("shot", shot_b, TRAVEL, {"amountOfMotion": 12})
    demo_wb.update_settings("shot", shot_a, TRAVEL, {"amountOfMotion": 12, "loras": ["x"]})
    with counting_statements(monkeypatch) as sent:
        diff = demo_wb.settings_diff(TRAVEL, {"shot_id": shot_a}, {"shot_id": shot_b})
    assert len(sent) == 1, sent
    a = demo_wb.settings(TRAVEL, shot_id=shot_a)
    b = demo_wb.settings(TRAVEL, shot_id=shot_b)
    assert {f.path for f in diff.fields} == {p for p, v, _ in a if b.value(p) != v}
    assert "amountOfMotion" not in {f.path for f in diff.fields}  # same value, both shots
    loras = next(f for f in diff.fields if f.path == "loras")
    assert (loras.a, loras.a_scope, loras.b, loras.b_scope) == (["x"], "shot", [], "defaults")

    paper = demo_wb.project("Paper Garden")
    demo_wb.update_settings("project", paper.id, TRAVEL, {"motionMode": "advanced"})
    projects = demo_wb.settings_diff(TRAVEL, demo_wb.project("Neon Coastline"), paper)
    mode = next(f for f in projects.fields if f.path == "motionMode")
    assert (mode.b, mode.b_scope) == ("advanced", "project")
    assert projects.b.name == "Paper Garden"
    assert len(demo_wb.settings_diff(TRAVEL, paper, paper)) == 0
    # A field only one side has: absent on the other, with no scope.
    demo_wb.update_settings("project", paper.id, TRAVEL, {"randomSeed": 7})
    only = next(
        f for f in demo_wb.settings_diff(TRAVEL, {"project_id": project_id}, paper).fields
        if f.path == "randomSeed"
    )  # fmt: skip
    assert (only.a, only.a_scope, only.b) == (ABSENT, None, 7)
    assert only.to_json() == {"field": "randomSeed", "a": {"scope": None},
                              "b": {"value": 7, "scope": "project"}}  # fmt: skip


def test_diff_refuses_what_it_cannot_compare(demo_wb: Workbench) -> None:
    with pytest.raises(NotFoundError):
        demo_wb.settings_diff(TRAVEL, {"shot_id": uuid.uuid4()})
    with pytest.raises(ValidationError, match="name a second target"):
        demo_wb.settings_diff(TRAVEL, "user")
    with pytest.raises(ValidationError, match="shot_id or project_id"):
        demo_wb.settings_diff(TRAVEL, {"shot": 1})
    project = demo_wb.settings_diff(TRAVEL, {"project_id": ids(demo_wb)[0]})
    assert project.b.target.scope == "user"  # a project against the user's settings
