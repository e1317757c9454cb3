"""The REPL API: projects, shots, the current user, ownership and bad ids; the projects
service's one resolution of "project and shot, by name or id" and the navigator's overview."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from workbench.client import Workbench
from workbench.errors import ConfigError, NotFoundError, ValidationError
from workbench.startup import connect
from workbench.storage import LocalStorage


def add_user_with_project(dsn: str, name: str) -> tuple[uuid.UUID, uuid.UUID]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        user = conn.execute("INSERT INTO users (name) VALUES (%s) RETURNING id", (name,)).fetchone()
        assert user is not None
        project = conn.execute(
            "INSERT INTO projects (name, user_id) VALUES (%s, %s) RETURNING id",
            (f"{name}'s project", user[0]),
        ).fetchone()
        assert project is not None
        conn.execute("INSERT INTO shots (name, project_id) VALUES ('only', %s)", (project[0],))
    return user[0], project[0]


def test_projects_and_shots_of_the_demo(demo_wb: Workbench) -> None:
    projects = demo_wb.projects()
    assert [p.name for p in projects] == ["Neon Coastline", "Paper Garden"]
    assert [p.aspect_ratio for p in projects] == ["16:9", "1:1"]
    shots = demo_wb.shots(projects[0])
    assert [s.position for s in shots] == list(range(1, 8))
    assert shots[0].name == "Harbour Lights"
    assert demo_wb.shots("Paper Garden") == demo_wb.shots(str(projects[1].id))
    assert demo_wb.project("Neon Coastline") == projects[0]
    assert demo_wb.user().name == "Demo Creator"


def test_reprs_are_short_and_readable(demo_wb: Workbench) -> None:
    project = demo_wb.projects()[0]
    assert repr(project).startswith("<Project 'Neon Coastline' 16:9 id=")
    assert repr(demo_wb.shots(project)[0]).startswith("<Shot 'Harbour Lights' #1 id=")
    assert "embedded" not in repr(demo_wb)
    assert "ours" in repr(demo_wb)


def test_another_users_project_is_not_visible(demo_wb: Workbench, demo_dsn: str) -> None:
    _, foreign_project = add_user_with_project(demo_dsn, "mallory")
    with connect(demo_dsn, user_id=demo_wb.user_id, storage=demo_wb.storage) as wb:
        assert foreign_project not in {p.id for p in wb.projects()}
        with pytest.raises(NotFoundError, match="not found among the current user's projects"):
            wb.shots(foreign_project)


def test_several_users_need_a_configured_user(demo_dsn: str, demo_assets: Path) -> None:
    mallory, project = add_user_with_project(demo_dsn, "mallory")
    with (
        connect(demo_dsn, storage=LocalStorage(demo_assets)) as wb,
        pytest.raises(ConfigError, match="WORKBENCH_USER_ID"),
    ):
        wb.projects()
    with connect(demo_dsn, storage=LocalStorage(demo_assets), user_id=str(mallory)) as wb:
        assert [p.id for p in wb.projects()] == [project]


def test_configured_user_must_exist(demo_dsn: str, demo_assets: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        connect(demo_dsn, storage=LocalStorage(demo_assets), user_id=uuid.uuid4())


@pytest.mark.parametrize("bad", ["nope", "1; DROP TABLE shots", 12])
def test_malformed_ids_are_refused(demo_wb: Workbench, bad: Any) -> None:
    with pytest.raises((ValidationError, NotFoundError)):
        demo_wb.shots(bad)
    with pytest.raises(ValidationError, match="malformed project id"):
        demo_wb.project(12)


def test_unknown_project_id(demo_wb: Workbench) -> None:
    with pytest.raises(NotFoundError):
        demo_wb.shots(uuid.uuid4())


def test_context_manager_closes_the_pool(demo_dsn: str, demo_assets: Path) -> None:
    with connect(demo_dsn, storage=LocalStorage(demo_assets)) as wb:
        pool = wb.pool
    assert pool.closed


def test_two_workbenches_coexist(demo_dsn: str, db_dsn: str, demo_assets: Path) -> None:
    add_user_with_project(db_dsn, "solo")
    with (
        connect(demo_dsn, storage=LocalStorage(demo_assets)) as a,
        connect(db_dsn, storage=LocalStorage(demo_assets)) as b,
    ):
        assert len(a.projects()) == 2
        assert [p.name for p in b.projects()] == ["solo's project"]


@contextmanager
def counting_statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement the workbench's code sends meanwhile (each is one round trip: the pool
    runs in autocommit)."""
    sent: list[str] = []
    real = psycopg.Cursor.execute

    def execute(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        if str(query):  # not the pool's empty liveness check of a connection idle for 2 s
            sent.append(str(query))
        return real(self, query, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(psycopg.Cursor, "execute", execute)
        yield sent


def test_find_by_names_ids_and_records(demo_wb: Workbench) -> None:
    project = demo_wb.project("Neon Coastline")
    shot = demo_wb.shots(project)[0]
    for place in (
        demo_wb.find("Neon Coastline"),
        demo_wb.find(project.id),
        demo_wb.find(str(project.id)),
        demo_wb.find(project),
    ):
        assert (place.project, place.shot, place.title) == (project, None, "Neon Coastline")
    for place in (
        demo_wb.find("Neon Coastline", "Harbour Lights"),
        demo_wb.find(project.id, shot.id),
        demo_wb.find(None, "Harbour Lights"),  # unique among the user's projects
        demo_wb.find(None, str(shot.id)),
        demo_wb.find(shot=shot),
    ):
        assert (place.project, place.shot, place.title) == (project, shot, "Harbour Lights")


def test_find_is_one_round_trip(demo_wb: Workbench, monkeypatch: pytest.MonkeyPatch) -> None:
    with counting_statements(monkeypatch) as sent:
        demo_wb.find("Neon Coastline", "Harbour Lights")
    assert len(sent) == 1, sent


def test_find_says_what_is_missing_or_ambiguous(demo_wb: Workbench) -> None:
    paper = demo_wb.project("Paper Garden")
    demo_wb.create_shot(paper, "Harbour Lights")  # now the name is in both projects
    with pytest.raises(NotFoundError, match="several shots are named 'Harbour Lights'; name the"):
        demo_wb.find(None, "Harbour Lights")
    assert demo_wb.find("Paper Garden", "Harbour Lights").project == paper
    with pytest.raises(NotFoundError, match="no shot 'Nowhere' in project 'Neon Coastline'"):
        demo_wb.find("Neon Coastline", "Nowhere")
    with pytest.raises(NotFoundError, match="project 'Neon Coastlin' not found"):
        demo_wb.find("Neon Coastlin", "Harbour Lights")
    with pytest.raises(NotFoundError, match="no shot 'Nowhere' among the current user's"):
        demo_wb.find(None, "Nowhere")
    with pytest.raises(ValidationError, match="name a project"):
        demo_wb.find()
    with pytest.raises(ValidationError, match="NUL"):
        demo_wb.find("Neon\x00Coastline")


def test_another_users_project_and_shot_read_as_missing(demo_wb: Workbench, demo_dsn: str) -> None:
    _, foreign = add_user_with_project(demo_dsn, "mallory")
    with psycopg.connect(demo_dsn) as conn:
        row = conn.execute("SELECT id FROM shots WHERE project_id = %s", (foreign,)).fetchone()
        assert row is not None
    with pytest.raises(NotFoundError, match="not found among the current user's projects"):
        demo_wb.find(foreign)
    with pytest.raises(NotFoundError, match="no shot"):
        demo_wb.find(None, row[0])
    with pytest.raises(NotFoundError, match="no shot 'only' among"):
        demo_wb.find(None, "only")  # mallory's shot name is not ours to find
    with pytest.raises(NotFoundError, match="not found among the current user's projects"):
        demo_wb.find("mallory's project")


def test_overview_matches_the_per_project_counts_in_one_round_trip(
    demo_wb: Workbench, demo_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user_with_project(demo_dsn, "mallory")  # not listed: another user's
    empty = demo_wb.create_shot("Paper Garden", "Empty shot")
    with counting_statements(monkeypatch) as sent:
        overview = demo_wb.overview()
    assert len(sent) == 1, sent
    assert [s.project for s in overview] == demo_wb.projects()
    for summary in overview:
        assert summary.counts == demo_wb.project_counts(summary.project.id)
        assert [s.shot for s in summary.shots] == demo_wb.shots(summary.project)
        by_shot = {c.shot_id: c for c in demo_wb.shot_counts(summary.project.id)}
        assert {s.shot.id: s.counts for s in summary.shots} == by_shot
    assert any(s.counts.total for p in overview for s in p.shots)  # the demo has linked items
    last = overview[1].shots[-1]
    assert last.shot == empty
    assert (last.counts.total, last.counts.unpositioned) == (0, 0)


def test_create_shot_goes_last_and_inherits_settings(demo_wb: Workbench, demo_dsn: str) -> None:
    project = demo_wb.project("Neon Coastline")
    before = demo_wb.shots(project)
    shot = demo_wb.create_shot(project, "  New idea  ")
    assert shot.name == "New idea"
    assert shot.position == max(s.position or 0 for s in before) + 1
    assert demo_wb.shots(project)[-1] == shot
    with psycopg.connect(demo_dsn) as conn:
        row = conn.execute("SELECT settings FROM shots WHERE id = %s", (shot.id,)).fetchone()
    assert row is not None
    own = row[0]["travel-between-images"]  # copied from the last edited shot (Reigh's rule)
    assert own, own
    assert own.get("prompt", "") == ""  # ... without its prompts
    with pytest.raises(ValidationError, match="cannot be empty"):
        demo_wb.create_shot(project, "   ")
    with pytest.raises(NotFoundError):
        demo_wb.create_shot(uuid.uuid4(), "x")
