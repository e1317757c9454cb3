"""Live updates without our triggers: on a database built from the core migrations alone (a
Reigh database), what views follow is polled, and another client's star, insert, delete, link
and settings edits (plain SQL, as Reigh writes them: no ``updated_at``) reach the followers
through the same invalidations the NOTIFY path makes. How fast: benchmarks/realtime_bench.py.
"""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo
from test_undo import counting_statements
from waiting import wait_until

from workbench import keys
from workbench.cache import CacheEvent
from workbench.db import migrate
from workbench.polling import Targets, _moved, poll_query, targets_for
from workbench.startup import connect
from workbench.storage import LocalStorage

TRAVEL = "travel-between-images"
INTERVAL = 0.2


def reigh_database(dsn: str) -> dict[str, uuid.UUID]:
    """Core migrations only (no NOTIFY triggers): a user, a project, a shot holding the first
    of three generations."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for m in migrate.available("core"):
            conn.execute(m.sql_text.encode())
        row = conn.execute(
            "WITH u AS (INSERT INTO users DEFAULT VALUES RETURNING id), "
            "p AS (INSERT INTO projects (name, user_id, settings) SELECT 'Reigh', id, "
            '\'{"travel-between-images": {"amountOfMotion": 55}}\' FROM u RETURNING id, user_id), '
            "s AS (INSERT INTO shots (name, project_id) SELECT 'one', id FROM p RETURNING id) "
            "SELECT p.user_id, p.id, s.id FROM p, s"
        ).fetchone()
        assert row is not None
        user, project, shot = row
        ids = [
            conn.execute(
                "INSERT INTO generations (project_id, type, location) "
                "VALUES (%s, 'image', %s) RETURNING id",
                (project, f"https://x/{n}.png"),
            ).fetchone()[0]  # type: ignore[index]
            for n in range(3)
        ]
        conn.execute(
            "INSERT INTO shot_generations (shot_id, generation_id, timeline_frame) "
            "VALUES (%s, %s, 0)",
            (shot, ids[0]),
        )
    return {
        "user": user,
        "project": project,
        "shot": shot,
        **{f"g{n}": g for n, g in enumerate(ids)},
    }


def test_a_database_without_triggers_is_polled_for_what_is_shown(
    empty_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = reigh_database(empty_dsn)
    project, shot, user = ids["project"], ids["shot"], ids["user"]
    monkeypatch.setenv("WORKBENCH_POLL_INTERVAL", str(INTERVAL))
    monkeypatch.setenv("WORKBENCH_DB_TIMEOUT", "2")
    heard: list[tuple[Any, ...]] = []
    lock = threading.Lock()

    def hear(event: CacheEvent) -> None:
        if event.kind == "invalidated":
            with lock:
                heard.append(event.key)

    def wait_for(*prefixes: tuple[Any, ...], what: str) -> None:
        wait_until(lambda: set(prefixes) <= set(heard), what=what, show=lambda: heard)

    with (
        psycopg.connect(empty_dsn, autocommit=True) as other,
        connect(empty_dsn, storage=LocalStorage(tmp_path)) as wb,
    ):
        assert wb.schema.kind == "reigh"
        # Nothing followed: no poller, nothing sent.
        with counting_statements(monkeypatch) as sent:
            assert wb.generations(project).total == 3
        assert wb._poller is None
        assert not any("gallery-project" in q for q in sent)

        followed = [
            keys.gallery("project", project), keys.gallery("shot", shot), keys.shots(project),
            keys.settings("user", user, TRAVEL), keys.settings("shot", shot, TRAVEL),
            keys.gallery("project"),  # as the navigator follows every project's counts
        ]  # fmt: skip
        stops = [wb.follow(prefix, hear) for prefix in followed]
        handle = wb.settings_handle(TRAVEL, project_id=project)  # follows the project's row
        assert wb.start_live() is False
        assert wb.live is False
        assert wb.polling
        assert wb.live_status == "polling every 0.2 s"
        poller = wb._poller
        assert poller is not None
        polls = poller.polls
        wait_until(lambda: poller.polls >= polls + 2, what="a baseline and one more poll")
        assert heard == []  # an unchanged database moves no mark

        # A star by another client (no updated_at): the project's gallery and the shot's.
        other.execute("UPDATE generations SET starred = true WHERE id = %s", (ids["g0"],))
        wait_for(keys.gallery("project", project), keys.gallery("shot", shot), what="the star")
        assert [g.id for g in wb.generations(project, starred=True)] == [ids["g0"]]
        heard.clear()
        other.execute(
            "INSERT INTO generations (project_id, type, location) VALUES (%s, 'image', 'n.png')",
            (project,),
        )
        wait_for(keys.gallery("project", project), what="the insert")
        assert wb.generations(project).total == 4
        heard.clear()
        other.execute("DELETE FROM generations WHERE id = %s", (ids["g2"],))
        wait_for(keys.gallery("project", project), what="the delete")
        assert ids["g2"] not in {g.id for g in wb.generations(project)}
        assert keys.gallery("shot", shot) not in heard  # g2 was in no shot
        heard.clear()
        other.execute(
            "INSERT INTO shot_generations (shot_id, generation_id, timeline_frame) "
            "VALUES (%s, %s, 50)",
            (shot, ids["g1"]),
        )
        wait_for(keys.gallery("shot", shot), keys.gallery("project", project), what="a link")
        heard.clear()

        # Settings edits at each scope, as Reigh writes them (the JSONB column).
        other.execute(
            "UPDATE projects SET settings = %s WHERE id = %s",
            (json.dumps({TRAVEL: {"amountOfMotion": 80}}), project),
        )
        wait_until(lambda: handle.values["amountOfMotion"] == 80, what="the project's edit")
        other.execute(
            "UPDATE shots SET settings = %s WHERE id = %s",
            (json.dumps({TRAVEL: {"amountOfMotion": 20}}), shot),
        )
        other.execute("UPDATE users SET settings = '{}' WHERE id = %s", (user,))
        wait_for(keys.settings("shot", shot), keys.settings("user", user), keys.shots(project),
                 what="the shot's and the user's edits")  # fmt: skip

        heard.clear()
        row = other.execute(
            "INSERT INTO projects (name, user_id) VALUES ('second', %s) RETURNING id", (user,)
        ).fetchone()
        assert row is not None
        wait_for(keys.gallery("project", row[0]), what="the navigator's new project")

        # A failed poll says "offline"; back online, it says so and polls again.
        name = other.info.dbname
        allow = sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format
        server = make_conninfo(empty_dsn, dbname="postgres")
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(allow(sql.Identifier(name), sql.SQL("false")))
            try:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> %s",
                    (name, other.info.backend_pid),
                )
                wait_until(lambda: wb.connection_state == "offline", what="offline", timeout=30)
            finally:
                admin.execute(allow(sql.Identifier(name), sql.SQL("true")))
        polls = poller.polls
        wait_until(lambda: wb.connection_state == "online" and poller.polls > polls,
                   what="online and polling again", timeout=30)  # fmt: skip

        # Nothing followed any more: the poller waits without asking anything.
        handle.close()
        for stop in stops:
            stop()
        wait_until(lambda: poller.paused, what="the poller to pause")
        polls = poller.polls
        with counting_statements(monkeypatch) as sent:
            other.execute("UPDATE generations SET starred = false WHERE id = %s", (ids["g0"],))
            assert wb.generations(project, starred=True).total == 0
        assert poller.polls == polls
        assert not any("gallery-project" in q for q in sent)
        # Followed again: polled at once (a fresh baseline), then every interval.
        stop_again = wb.follow(keys.gallery("project", project), hear)
        wait_until(lambda: poller.polls >= polls + 2, what="polling to resume")
        stop_again()


def test_marks_map_to_the_notify_prefixes_and_ask_one_statement() -> None:
    project, shot, user = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    targets = targets_for([
        keys.gallery("project", project, "page", 1), keys.gallery("shot", shot),
        keys.settings("project", project, TRAVEL), keys.settings("user", user),
        keys.shots(project), keys.gallery("project"), ("ownership", "project", project),
        keys.gallery("shot", "not-a-uuid"),
    ])  # fmt: skip
    assert targets == Targets(
        frozenset({project}), frozenset({shot}), frozenset({project}),
        frozenset({("project", project), ("user", user)}), navigator=True,
    )  # fmt: skip
    assert not targets_for([("ownership", "project", project), keys.settings("user")])
    asked = poll_query(targets, user, full=True)
    assert asked is not None
    _query, params = asked
    assert len(params) == 7  # one statement: seven parts (the full count too), one array each
    assert poll_query(Targets(navigator=True), None) is None  # nobody's projects to ask for

    def moved(kind: str, before: Any, now: Any) -> set[tuple[Any, ...]]:
        return _moved(kind, before, now)

    assert moved("gallery-shot", {shot: (project, "a")}, {shot: (project, "a")}) == set()
    assert moved("gallery-shot", {shot: (project, "a")}, {shot: (None, "b")}) == {
        keys.gallery("shot", shot),
        keys.gallery("project", project),
    }  # a deleted shot: its project as last seen
    assert moved("settings-shot", {shot: (project, "a")}, {shot: (project, "b")}) == {
        keys.settings("shot", shot), keys.gallery("shot", shot),
        keys.gallery("project", project), keys.shots(project),
    }  # fmt: skip
    assert moved("settings-user", {user: (None, "a")}, {user: (None, "b")}) == {
        keys.settings("user", user)
    }
    # The navigator's projects: one appearing or vanishing counts; a new gallery target is a
    # baseline only.
    assert moved("projects", {}, {project: (project, "x")}) == {keys.gallery("project", project)}
    assert moved("gallery-project", {}, {project: (project, "x")}) == set()
