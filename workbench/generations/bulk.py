"""Changes to many generations at once, each one database round trip however many there are.

A selection of a thousand items starred one by one is four thousand round trips (BEGIN, the
ownership check, the UPDATE, COMMIT): forty seconds over a 40 ms link. Here every action is a
single statement, or a few sent together in pipeline mode, so it costs one round trip. The
pool's connections are in autocommit mode, and in that mode the statements of a pipeline up
to its one Sync are one implicit transaction: all or nothing, and a transaction-level lock
is held until the last of them ends. (``conn.transaction()`` would add a Sync for BEGIN and
one for COMMIT: three round trips more.)

The ownership test is part of the statement: when any id is missing, another user's or (for
a shot) in another project, the statement changes nothing and says which, and the whole
batch is refused (``NotFoundError``), so a refusal never leaves half a batch done.

Every function returns a ``mutations.Touched`` whose ``undo`` is the JSON data that undoes the
whole batch in one step (``workbench.changes.undo``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

from workbench.errors import NotFoundError, ValidationError
from workbench.generations.mutations import FRAME_SPACING, LABEL, Touched, lock_shot, snapshot
from workbench.inputs import MAX_BATCH

# The requested ids with their order, and those of them that are the current user's: every
# statement below starts with these, parameters ``%(ids)s`` and ``%(user)s``.
_WANTED = sql.SQL("""
wanted AS (SELECT DISTINCT ON (id) id, n FROM unnest(%(ids)s::uuid[]) WITH ORDINALITY AS w(id, n)
           ORDER BY id, n),
owned AS (SELECT g.id, w.n, g.project_id, g.starred, {label} AS label
          FROM generations g JOIN wanted w ON w.id = g.id
          JOIN projects p ON p.id = g.project_id AND p.user_id = %(user)s
          FOR UPDATE OF g),
ok AS (SELECT (SELECT count(*) FROM owned) = (SELECT count(*) FROM wanted)
          AND (SELECT count(DISTINCT project_id) FROM owned) <= 1 AS ok)""").format(label=LABEL)
# What every statement returns besides its own columns: whether the batch went ahead, the ids
# refused (missing or another user's), the projects seen, and the first item's label.
_VERDICT = sql.SQL("""(SELECT ok FROM ok),
    ARRAY(SELECT id FROM wanted EXCEPT SELECT id FROM owned),
    ARRAY(SELECT DISTINCT project_id FROM owned),
    (SELECT label FROM owned ORDER BY n LIMIT 1)""")


def check_batch(ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """The ids in order without repeats; an empty or oversized batch is refused."""
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise ValidationError("no generations given: select at least one")
    if len(unique) > MAX_BATCH:
        raise ValidationError(
            f"{len(unique):,} generations in one action; at most {MAX_BATCH:,} at a time"
        )
    return unique


def _refuse(missing: Sequence[Any], projects: Sequence[Any], asked: int) -> NotFoundError:
    if missing and asked == 1:  # the words a single change has always used
        return NotFoundError(f"generation {missing[0]} not found among the current user's")
    if missing:
        shown = ", ".join(str(i) for i in missing[:3]) + (" …" if len(missing) > 3 else "")
        return NotFoundError(
            f"{len(missing)} of the generations not found among the current user's ({shown}); "
            "nothing was changed"
        )
    return NotFoundError(
        f"the generations belong to {len(projects)} different projects; act on one project's "
        "at a time (nothing was changed)"
    )


def _label(count: int, first: str | None) -> str:
    return f"'{first or ''}'" if count == 1 else f"{count} generations"


def star_many(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, ids: Sequence[uuid.UUID], starred: bool
) -> Touched:
    """Star or unstar every one: one statement. Undo puts each one's own star back."""
    ids = check_batch(ids)
    statement = sql.SQL(
        """WITH {wanted},
        changed AS (UPDATE generations g SET starred = %(starred)s, updated_at = now()
                    FROM owned o, ok WHERE g.id = o.id AND ok.ok RETURNING g.id)
        SELECT {verdict},
            (SELECT coalesce(jsonb_object_agg(id, starred), '{{}}') FROM owned),
            ARRAY(SELECT DISTINCT x.shot_id FROM shot_generations x
                  WHERE x.generation_id IN (SELECT id FROM owned)),
            (SELECT count(*) FROM changed)"""
    ).format(wanted=_WANTED, verdict=_VERDICT)
    row = conn.execute(statement, {"ids": ids, "user": user_id, "starred": starred}).fetchone()
    assert row is not None  # a SELECT without FROM always returns its row
    ok, missing, projects, first, before, shots, _ = row
    if not ok:
        raise _refuse(missing, projects, len(ids))
    undo = {"generation_ids": [str(i) for i in ids], "before": before, "after": starred}
    return Touched(projects[0], tuple(shots), _label(len(ids), first), undo)


def add_many_to_shot(
    conn: psycopg.Connection[Any],
    user_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    shot_id: uuid.UUID,
    *,
    positioned: bool,
) -> Touched:
    """Link every one into the shot, in the order given: at the end of its timeline, 50
    frames apart (``positioned``), or unpositioned. Two statements in one round trip: the
    shot's advisory lock (so a concurrent append cannot read the same last frame), then the
    insert, whose snapshot is taken after the lock is held."""
    ids = check_batch(ids)
    statement = sql.SQL(
        """WITH {wanted},
        shot AS (SELECT s.id, s.project_id, s.name FROM shots s
                 JOIN projects p ON p.id = s.project_id AND p.user_id = %(user)s
                 WHERE s.id = %(shot)s),
        last AS (SELECT coalesce(max(timeline_frame) + %(spacing)s, 0) AS frame
                 FROM shot_generations WHERE shot_id = %(shot)s),
        fits AS (SELECT (SELECT ok FROM ok) AND EXISTS (SELECT 1 FROM shot)
                   AND NOT EXISTS (SELECT 1 FROM owned o, shot
                                   WHERE o.project_id <> shot.project_id) AS fits),
        added AS (INSERT INTO shot_generations (shot_id, generation_id, timeline_frame)
                  SELECT %(shot)s, o.id, CASE WHEN %(positioned)s
                      THEN last.frame + %(spacing)s * (row_number() OVER (ORDER BY o.n) - 1)
                      END
                  FROM owned o, last, fits WHERE fits.fits ORDER BY o.n
                  RETURNING id, timeline_frame, generation_id)
        SELECT {verdict},
            (SELECT name FROM shot), (SELECT project_id FROM shot), (SELECT fits FROM fits),
            (SELECT coalesce(jsonb_object_agg(id, timeline_frame), '{{}}') FROM added),
            ARRAY(SELECT DISTINCT x.shot_id FROM shot_generations x
                  WHERE x.generation_id IN (SELECT id FROM owned))"""
    ).format(wanted=_WANTED, verdict=_VERDICT)
    params = {
        "ids": ids, "user": user_id, "shot": shot_id, "positioned": positioned,
        "spacing": FRAME_SPACING,
    }  # fmt: skip
    with conn.pipeline():  # autocommit: one implicit transaction up to the one Sync
        lock_shot(conn, shot_id)
        cursor = conn.execute(statement, params)
    row = cursor.fetchone()
    assert row is not None
    ok, missing, projects, first, shot_name, shot_project, fits, links, shots = row
    if not ok:
        raise _refuse(missing, projects, len(ids))
    if shot_project is None:
        raise NotFoundError(f"shot {shot_id} not found among the current user's")
    if not fits:
        raise ValidationError(
            "the shot and the generations belong to different projects (nothing was changed)"
        )
    undo = {"shot_id": str(shot_id), "shot": shot_name, "links": links}
    return Touched(shot_project, (*shots, shot_id), _label(len(ids), first), undo)


def remove_many_from_shot(
    conn: psycopg.Connection[Any],
    user_id: uuid.UUID,
    shot_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    link_id: uuid.UUID | None = None,
) -> Touched:
    """Remove every one's links from the shot (just ``link_id`` with a single generation):
    one statement. Refused, changing nothing, when one of them is not in the shot. The
    removed rows, whole, are what undo puts back."""
    ids = check_batch(ids)
    if link_id is not None and len(ids) != 1:
        raise ValidationError("a link id names one generation's link: give one generation")
    statement = sql.SQL(
        """WITH {wanted},
        shot AS (SELECT s.id, s.project_id, s.name FROM shots s
                 JOIN projects p ON p.id = s.project_id AND p.user_id = %(user)s
                 WHERE s.id = %(shot)s),
        links AS (SELECT sg.id, sg.generation_id FROM shot_generations sg
                  WHERE sg.shot_id = (SELECT id FROM shot)
                    AND sg.generation_id IN (SELECT id FROM owned)
                    AND (%(link)s::uuid IS NULL OR sg.id = %(link)s::uuid)),
        absent AS (SELECT id FROM owned EXCEPT SELECT generation_id FROM links),
        gone AS (DELETE FROM shot_generations sg USING links, ok
                 WHERE sg.id = links.id AND ok.ok AND NOT EXISTS (SELECT 1 FROM absent)
                 RETURNING to_jsonb(sg) AS row)
        SELECT {verdict},
            (SELECT name FROM shot), (SELECT project_id FROM shot),
            ARRAY(SELECT id FROM absent),
            (SELECT coalesce(jsonb_agg(row ORDER BY row->>'id'), '[]') FROM gone)"""
    ).format(wanted=_WANTED, verdict=_VERDICT)
    params = {"ids": ids, "user": user_id, "shot": shot_id, "link": link_id}
    row = conn.execute(statement, params).fetchone()
    assert row is not None
    ok, missing, projects, first, shot_name, shot_project, absent, rows = row
    if shot_project is None:
        raise NotFoundError(f"shot {shot_id} not found among the current user's")
    if not ok:
        raise _refuse(missing, projects, len(ids))
    if absent:
        what = f"generation {absent[0]} is" if len(absent) == 1 else f"{len(absent)} are"
        raise NotFoundError(f"{what} not in shot {shot_id}; nothing was changed")
    undo = {"shot_id": str(shot_id), "shot": shot_name, "rows": rows}
    return Touched(shot_project, (shot_id,), _label(len(ids), first), undo)


_DELETE_CHECK = sql.SQL(
    """WITH {wanted}
    SELECT {verdict},
        ARRAY(SELECT DISTINCT x.shot_id FROM shot_generations x
              WHERE x.generation_id IN (SELECT id FROM owned))"""
).format(wanted=_WANTED, verdict=_VERDICT)
# The later statements of a delete act only when the check passed: the same condition again
# (the rows it locked cannot have changed owner since).
_ALL_OWNED = """(SELECT count(*) FROM generations g JOIN projects p ON p.id = g.project_id
    WHERE g.id = ANY(%(ids)s::uuid[]) AND p.user_id = %(user)s) = cardinality(%(ids)s::uuid[])
    AND (SELECT count(DISTINCT g.project_id) FROM generations g
         WHERE g.id = ANY(%(ids)s::uuid[])) = 1"""


def delete_many(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> Touched:
    """Delete every one with its children, variants and shot links, keeping all of it for one
    undo: the check (locking them), the snapshot (which clears the ``original`` marks Reigh's
    trigger would refuse to cascade over) and the DELETE go together in one round trip, and
    the last two do nothing unless the check passed."""
    ids = check_batch(ids)
    params = {"ids": ids, "user": user_id}
    with conn.pipeline():  # autocommit: one implicit transaction up to the one Sync
        check = conn.execute(_DELETE_CHECK, params)
        kept = snapshot(conn, ids, clear=True, only_if=_ALL_OWNED, params=params)
        conn.execute(
            sql.SQL("DELETE FROM generations WHERE id = ANY(%(ids)s::uuid[]) AND {}").format(
                sql.SQL(_ALL_OWNED)
            ),
            params,
        )
    row = check.fetchone()
    assert row is not None
    ok, missing, projects, first, shots = row
    if not ok:
        raise _refuse(missing, projects, len(ids))
    data = kept()
    data["project_id"] = str(projects[0])
    return Touched(projects[0], tuple(shots), _label(len(ids), first), data)
