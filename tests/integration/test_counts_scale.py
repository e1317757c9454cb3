"""Counts kept up to date from the changes, and prompt search: the same numbers and the same
rows as a plain recount and a plain ILIKE, with or without the extras' indexes."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.types.json import Jsonb
from waiting import wait_until

from workbench import keys
from workbench.client import Workbench
from workbench.generations import aggregates
from workbench.models import ProjectCounts


@contextmanager
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, Any]]]:
    """Every (statement, parameters) this thread sent meanwhile through a cursor (background
    refreshes are not the caller's wait)."""
    sent: list[tuple[str, Any]] = []
    real = psycopg.Cursor.execute
    caller = threading.get_ident()

    def execute(self: psycopg.Cursor[Any], statement: Any, *args: Any, **kwargs: Any) -> Any:
        if threading.get_ident() == caller:
            text = statement.as_string(self) if isinstance(statement, sql.Composable) else statement
            sent.append((str(text), args[0] if args else kwargs.get("params")))
        return real(self, statement, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(psycopg.Cursor, "execute", execute)
        yield sent


def recount(dsn: str, project: uuid.UUID) -> tuple[ProjectCounts, list[Any], ProjectCounts]:
    """From scratch on a new connection: the new one-pass project counts, the shot counts and
    the navigator's per-row definition (``PROJECT_COUNTS``), which must agree."""
    old = sql.SQL("SELECT {} FROM generations g WHERE g.project_id = %s AND {}").format(
        sql.SQL(aggregates.PROJECT_COUNTS), sql.SQL(aggregates.FINISHED)
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(old, (project,)).fetchone()
        assert row is not None
        return (
            aggregates.project_counts(conn, project),
            aggregates.shot_counts(conn, project),
            ProjectCounts(*row),
        )


def test_counts_follow_changes_made_here_and_elsewhere(
    demo_wb: Workbench, demo_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    wb = demo_wb
    project = wb.projects()[0].id

    def exact() -> None:
        counted, shots, navigator = recount(demo_dsn, project)
        assert counted == navigator  # the one-pass query means what the per-row one does
        assert wb.project_counts(project) == counted
        assert wb.shot_counts(project) == shots

    exact()
    shots = wb.shot_counts(project)
    shot, other = shots[0].shot_id, shots[1].shot_id
    in_shot = wb.generations(project, filters={"in_shot": shot}).items
    loose = wb.generations(project, filters={"in_no_shot": True}).items
    assert in_shot
    assert len(loose) >= 3

    # A star made here: the project's counts are recounted in one statement, and only the
    # shots holding the starred generation are recounted (one statement naming them alone).
    wb.star([in_shot[0].id], not in_shot[0].starred)
    with statements(monkeypatch) as sent:
        wb.project_counts(project)
        wb.shot_counts(project)
    assert len(sent) == 2, sent
    recounted = sent[1][1]["only"]
    assert shot in recounted
    assert len(recounted) < len(shots)
    exact()
    with statements(monkeypatch) as sent:  # nothing changed since: nothing is sent
        wb.project_counts(project)
        wb.shot_counts(project)
    assert sent == []

    # Adding to a shot, removing from one, deleting a linked generation, undoing: exact.
    wb.add_to_shot([loose[0].id, loose[1].id], other, frame="end")
    exact()
    wb.add_to_shot([loose[2].id], other, frame=None)  # unpositioned
    exact()
    wb.remove_from_shot(other, [loose[1].id])
    exact()
    wb.delete_generation([in_shot[0].id])
    exact()
    wb.undo()
    exact()

    # Changes made by another client, heard as invalidations (live updates or polling).
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        conn.execute("UPDATE generations SET starred = NOT starred WHERE id = %s", (loose[0].id,))
        conn.execute(
            "INSERT INTO shot_generations (shot_id, generation_id, timeline_frame) "
            "VALUES (%s, %s, NULL)",
            (shot, loose[2].id),
        )
        conn.execute("UPDATE generations SET type = 'video' WHERE id = %s", (loose[2].id,))
        new_shot = conn.execute(
            "INSERT INTO shots (name, project_id, position) VALUES ('elsewhere', %s, 99) "
            "RETURNING id",
            (project,),
        ).fetchone()
    assert new_shot is not None
    wb.cache.invalidate(keys.gallery("project", project))
    wb.cache.invalidate(keys.gallery("shot", shot))
    wb.cache.invalidate(keys.gallery("shot", other))
    wb.cache.invalidate(keys.shots(project))  # a shot was created
    exact()
    assert new_shot[0] in {c.shot_id for c in wb.shot_counts(project)}
    # A poll that saw only "the project moved" (no shot named): the kept shot counts are
    # served at once and recounted whole in the background.
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM shot_generations WHERE shot_id = %s", (other,))
    wb.cache.invalidate(keys.gallery("project", project))
    wb.shot_counts(project)
    wait_until(
        lambda: wb.shot_counts(project) == recount(demo_dsn, project)[1],
        what="the shot counts recounted in the background",
    )
    exact()
    wb.cache.invalidate(())  # everything (as after a reconnect): recounted whole, still exact
    exact()


PROMPTS = [
    "Harbour at dusk, 35mm (f/1.8)",
    "the HARBOURMASTER's lantern",
    "café crème on the Straße",
    "CAFÉ NOIR at night",
    "50% off_sale \\ backslash",
    "naïve robot; lighthouse-keeper",
    "ΣΊΣΥΦΟΣ pushing a boulder",
    "line one\nline two harbour",
]
SEARCHES = [
    "harbour", "HARBOUR", "arbou", "dusk, 35", "(f/1.8)", "café", "CAFÉ", "straße", "STRASSE",
    "50%", "off_sale", "_", "%", "\\ back", "naïve", "-keeper", "σίσυφος", "e\nline", "ur a",
    "the", "zz", "ha", "at night", "harbourmaster's",
]  # fmt: skip


def test_search_keeps_ilike_meaning_with_and_without_the_extras(
    demo_wb: Workbench, demo_dsn: str
) -> None:
    wb = demo_wb
    project = wb.projects()[0].id
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        for n, prompt in enumerate(PROMPTS):  # half in the plain prompt, half orchestrated
            params = (
                {"prompt": prompt}
                if n % 2
                else {"originalParams": {"orchestrator_details": {"prompt": prompt}}}
            )
            conn.execute(
                "INSERT INTO generations (project_id, type, location, params) "
                "VALUES (%s, 'image', 'https://x/' || %s, %s)",
                (project, n, Jsonb(params)),
            )

    def reference(term: str) -> set[uuid.UUID]:
        """Reigh's meaning: the prompt contains the text, case-insensitively (ILIKE)."""
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with psycopg.connect(demo_dsn, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT id FROM generations WHERE project_id = %(p)s AND location IS NOT NULL "
                "AND NOT is_child AND (params #>> '{originalParams,orchestrator_details,prompt}' "
                "ILIKE %(s)s OR params ->> 'prompt' ILIKE %(s)s)",
                {"p": project, "s": pattern},
            ).fetchall()
        return {row[0] for row in rows}

    def found(term: str) -> set[uuid.UUID]:
        page = wb.generations(project, filters={"search": term}, limit=200)
        assert page.total == len(page.items)
        assert page.total_exact
        return {item.id for item in page.items}

    def same_as_ilike() -> None:
        wb.cache.clear()
        for term in SEARCHES:
            assert found(term) == reference(term), term
        assert found("harbour")
        assert found("straße")
        assert found("ΣΊΣΥΦΟΣ")  # (lowercase Greek matches only where the collation folds it)

    same_as_ilike()
    # A Reigh database without the extras' indexes: the same rows.
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        conn.execute("DROP INDEX workbench_generations_counts")
    same_as_ilike()
