"""The REPL API: projects, shots, the current user, ownership and bad ids."""

from __future__ import annotations

import uuid
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
