"""The navigator's tree and counts (issue 17): the tree without counts is one statement that
reads no generation, every project's counts are one more, and those counts are Reigh's
numbers, the same as each project's own (``project_counts``, ``shot_counts``), with another
user's link into the demo user's generations counted nowhere."""

from __future__ import annotations

import psycopg
import pytest
from test_undo import counting_statements, one

from workbench.client import Workbench
from workbench.views import NavigatorModel


def reads(sent: list[str]) -> list[str]:
    """The statements sent, without the live updates' LISTEN (its own connection, started in
    the background when the navigator first follows the cache, so it may land in either
    count)."""
    return [s for s in sent if "LISTEN" not in s]


def test_the_tree_then_every_count_in_one_statement_each(
    demo_wb: Workbench, demo_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = demo_wb.overview()
    first = mine[0].project.id
    with psycopg.connect(demo_dsn, autocommit=True) as conn:  # another user links my picture
        other = one(conn, "INSERT INTO users (name) VALUES ('other') RETURNING id")
        project = one(conn, "INSERT INTO projects (name, user_id) VALUES ('theirs', %s) "
                            "RETURNING id", (other,))  # fmt: skip
        shot = one(conn, "INSERT INTO shots (name, project_id) VALUES ('s', %s) RETURNING id",
                   (project,))  # fmt: skip
        unlinked = one(conn, "SELECT g.id FROM generations g WHERE g.project_id = %s "
                             "AND g.location IS NOT NULL AND NOT g.is_child AND NOT EXISTS "
                             "(SELECT 1 FROM shot_generations x WHERE x.generation_id = g.id) "
                             "LIMIT 1", (first,))  # fmt: skip
        conn.execute("INSERT INTO shot_generations (shot_id, generation_id) VALUES (%s, %s)",
                     (shot, unlinked))  # fmt: skip
    demo_wb.cache.clear()

    with counting_statements(monkeypatch) as sent:
        navigator = NavigatorModel(demo_wb, counts=False)
    sent = reads(sent)
    assert len(sent) == 1
    assert "generations" not in sent[0]  # the tree reads no generation
    tree = navigator.state.projects
    assert not any(p.counted or any(s.counted for s in p.shots) for p in tree)
    assert navigator.state.project_id == first  # chosen from the tree: no look-up of its own
    with counting_statements(monkeypatch) as sent:
        navigator.load()
    assert len(reads(sent)) == 1
    counted = navigator.state.projects
    navigator.close()

    shape = [(p.project, [s.shot for s in p.shots]) for p in counted]
    assert shape == [(p.project, [s.shot for s in p.shots]) for p in tree]
    assert [p.project.name for p in counted] == ["Neon Coastline", "Paper Garden"]
    for summary in counted:  # each project's own counts, which the gallery shows
        assert summary.counted
        assert summary.counts == demo_wb.project_counts(summary.project.id)
        own = {c.shot_id: c for c in demo_wb.shot_counts(summary.project.id)}
        assert {s.shot.id: s.counts for s in summary.shots} == own
        assert all(s.counted for s in summary.shots)
    # The other user's link puts my picture in none of my shots: still "in no shot".
    assert counted[0].counts == mine[0].counts
    assert counted[0].counts.in_no_shot > 0
