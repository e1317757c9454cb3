"""Changes to generations and shot timelines, each checked against the current user.

Every function takes a connection and the user, does its work in one transaction with the
ownership test inside the statements, and returns what the cache needs to invalidate (the
project and the shots that were touched) and what undoes the change: plain JSON data, because
the change journal keeps it on the device for ``workbench undo`` in another process.

Star, add to a shot, remove from a shot and delete act on any number of generations at once
and live in ``workbench.generations.bulk``; here are the pieces they share and the changes
that act on one generation or one timeline.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from workbench.errors import NotFoundError, ValidationError, not_found
from workbench.inputs import MAX_FRAME, check_int

FRAME_SPACING = 50  # Reigh spaces new timeline items 50 frames apart


@dataclass(frozen=True)
class Touched:
    """What a mutation changed: the cache invalidates ``project_id`` and ``shot_ids``;
    ``label`` names the generation for a history line and ``undo`` is the JSON data that
    undoes the change (see ``workbench.changes.undo``)."""

    project_id: uuid.UUID
    shot_ids: tuple[uuid.UUID, ...] = ()
    label: str = ""
    undo: dict[str, Any] = field(default_factory=dict)


# How a generation is named in a history line, as the front ends' captions name it: the start
# of its prompt, else its file name, else its name (Reigh copies "Original" there), else its id.
LABEL = sql.SQL(
    "left(coalesce(nullif(g.params->>'prompt', ''), "
    "nullif(g.params->>'original_filename', ''), nullif(g.name, ''), g.id::text), 60)"
)


# The generation ``%(id)s`` if it is the user's (``%(user)s``), locked: its project, the
# user's shots containing it, its label and its star.
_OWNED_GENERATION = sql.SQL(
    "SELECT g.project_id, "
    "ARRAY(SELECT DISTINCT x.shot_id FROM shot_generations x "
    "JOIN shots xs ON xs.id = x.shot_id JOIN projects xp ON xp.id = xs.project_id "
    "WHERE x.generation_id = g.id AND xp.user_id = %(user)s), "
    "{label}, g.starred FROM generations g JOIN projects p ON p.id = g.project_id "
    "WHERE g.id = %(id)s AND p.user_id = %(user)s FOR UPDATE OF g"
).format(label=LABEL)


def owned_generation(
    conn: psycopg.Connection[Any], generation_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[uuid.UUID, tuple[uuid.UUID, ...], str, bool]:
    """(project id, the user's shots containing it, label, starred), locking the generation.

    Another user's generation is refused exactly as a missing one is (``not_found``), so a
    write cannot tell whether an id exists."""
    row = conn.execute(_OWNED_GENERATION, {"id": generation_id, "user": user_id}).fetchone()
    return _owned_row(row, generation_id)


def _owned_row(
    row: tuple[Any, ...] | None, generation_id: uuid.UUID
) -> tuple[uuid.UUID, tuple[uuid.UUID, ...], str, bool]:
    if row is None:
        raise not_found("generation", generation_id)
    return row[0], tuple(row[1]), str(row[2]), bool(row[3])


def lock_shot(conn: psycopg.Connection[Any], shot_id: uuid.UUID) -> None:
    """Take the shot's timeline lock, held until the transaction ends: every change that
    gives out frames (append, reorder, place, move) takes it first, so two of them on one
    shot never read the same frames."""
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"workbench-shot:{shot_id}",)
    )


def append_to_shot(
    conn: psycopg.Connection[Any],
    shot_id: uuid.UUID,
    generation_id: uuid.UUID,
    *,
    positioned: bool = True,
    only_if_absent: bool = False,
) -> tuple[uuid.UUID, int | None] | None:
    """Link the generation into the shot: at the end of its timeline (the last frame + 50, or 0)
    when ``positioned``, else unpositioned; with ``only_if_absent``, not if it is already there.
    Returns the new link's (id, frame), or None when nothing was linked.

    Call inside a transaction: a per-shot advisory lock, held until it ends, keeps concurrent
    appends from reading the same last frame.
    """
    lock_shot(conn, shot_id)
    if (
        only_if_absent
        and conn.execute(
            "SELECT 1 FROM shot_generations WHERE shot_id = %s AND generation_id = %s",
            (shot_id, generation_id),
        ).fetchone()
    ):
        return None
    row = conn.execute(
        "INSERT INTO shot_generations (shot_id, generation_id, timeline_frame) "
        "SELECT %s, %s, CASE WHEN %s THEN (SELECT coalesce(max(timeline_frame) + %s, 0) "
        "FROM shot_generations WHERE shot_id = %s) END RETURNING id, timeline_frame",
        (shot_id, generation_id, positioned, FRAME_SPACING, shot_id),
    ).fetchone()
    return None if row is None else (row[0], row[1])


def add_to_shot(
    conn: psycopg.Connection[Any],
    user_id: uuid.UUID,
    generation_id: uuid.UUID,
    shot_id: uuid.UUID,
    frame: int | str | None,
) -> Touched:
    """Link a generation into a shot at ``frame``, unpositioned (None) or at the "end"."""
    if frame != "end" and frame is not None:  # a frame is a PostgreSQL integer
        check_int(frame, "timeline frame", minimum=0, maximum=MAX_FRAME)
    with conn.transaction():
        project_id, shots, label, _ = owned_generation(conn, generation_id, user_id)
        shot_project, shot_name = _owned_shot(conn, shot_id, user_id)
        if shot_project != project_id:
            raise ValidationError("the shot and the generation belong to different projects")
        if frame == "end" or frame is None:
            link = append_to_shot(conn, shot_id, generation_id, positioned=frame == "end")
        else:
            row = conn.execute(
                "INSERT INTO shot_generations (shot_id, generation_id, timeline_frame) "
                "VALUES (%s, %s, %s) RETURNING id, timeline_frame",
                (shot_id, generation_id, frame),
            ).fetchone()
            link = None if row is None else (row[0], row[1])
    links = {} if link is None else {str(link[0]): link[1]}
    undo = {"shot_id": str(shot_id), "shot": shot_name, "links": links}
    return Touched(project_id, (*shots, shot_id), label, undo)


def _owned_shot(
    conn: psycopg.Connection[Any], shot_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[uuid.UUID, str]:
    """(project id, name) of the shot; refuses a missing shot or another user's."""
    row = conn.execute(
        "SELECT s.project_id, s.name FROM shots s "
        "JOIN projects p ON p.id = s.project_id WHERE s.id = %s AND p.user_id = %s",
        (shot_id, user_id),
    ).fetchone()
    if row is None:
        raise not_found("shot", shot_id)
    return uuid.UUID(str(row[0])), str(row[1] or "")


def owned_shot(conn: psycopg.Connection[Any], shot_id: uuid.UUID, user_id: uuid.UUID) -> uuid.UUID:
    """The shot's project id; refuses a missing shot or another user's."""
    return _owned_shot(conn, shot_id, user_id)[0]


def reorder_shot(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, shot_id: uuid.UUID, link_ids: list[uuid.UUID]
) -> Touched:
    """Put the listed links first, in that order, 50 frames apart; other positioned links follow
    in their current order; unpositioned links stay unpositioned."""
    if len(set(link_ids)) != len(link_ids):
        raise ValidationError("a link appears twice in the new order")
    with conn.transaction():
        lock_shot(conn, shot_id)  # an append meanwhile could take a frame given out here
        project_id, shot_name = _owned_shot(conn, shot_id, user_id)
        rows = conn.execute(
            "SELECT id, timeline_frame FROM shot_generations WHERE shot_id = %s "
            "ORDER BY timeline_frame NULLS LAST, id FOR UPDATE",
            (shot_id,),
        ).fetchall()
        known = {row[0] for row in rows}
        unknown = [str(i) for i in link_ids if i not in known]
        if unknown:
            raise NotFoundError(f"not links of shot {shot_id}: {', '.join(unknown[:3])}")
        rest = [row[0] for row in rows if row[1] is not None and row[0] not in set(link_ids)]
        order = [*link_ids, *rest]
        frames = [i * FRAME_SPACING for i in range(len(order))]
        conn.execute(
            "UPDATE shot_generations sg SET timeline_frame = u.frame, updated_at = now() "
            "FROM unnest(%s::uuid[], %s::int[]) AS u(id, frame) WHERE sg.id = u.id",
            (order, frames),
        )
    old = {row[0]: row[1] for row in rows}
    moved = {str(i): [old[i], f] for i, f in zip(order, frames, strict=True) if old[i] != f}
    undo = {"shot_id": str(shot_id), "shot": shot_name, "frames": moved}
    return Touched(project_id, (shot_id,), shot_name, undo)


# One statement keeps everything a delete removes (the generations of the tree, parents first,
# their variants, their shot links, and who was ``based_on`` them) and clears the ``original``
# marks that would stop the delete: the CTE's UPDATE does not change what the SELECT reads,
# since every part of one statement sees the same snapshot.
_TREE = """
WITH RECURSIVE tree AS (
    SELECT g.id, 0 AS depth FROM generations g WHERE g.id = ANY(%(ids)s::uuid[]) AND {only_if}
    UNION ALL
    SELECT g.id, tree.depth + 1 FROM generations g JOIN tree ON g.parent_generation_id = tree.id
)"""
_CLEAR = """, cleared AS (
    UPDATE generation_variants SET variant_type = NULL
    WHERE variant_type = 'original' AND generation_id IN (SELECT id FROM tree) RETURNING 1
)"""
_ROWS = """
SELECT
    (SELECT coalesce(jsonb_agg(to_jsonb(g) ORDER BY t.depth, g.id), '[]')
       FROM generations g JOIN tree t ON t.id = g.id),
    (SELECT coalesce(jsonb_agg(to_jsonb(v) ORDER BY v.created_at, v.id), '[]')
       FROM generation_variants v WHERE v.generation_id IN (SELECT id FROM tree)),
    (SELECT coalesce(jsonb_agg(to_jsonb(sg) ORDER BY sg.id), '[]')
       FROM shot_generations sg WHERE sg.generation_id IN (SELECT id FROM tree)),
    (SELECT coalesce(jsonb_agg(jsonb_build_array(r.id, r.based_on) ORDER BY r.id), '[]')
       FROM generations r WHERE r.based_on IN (SELECT id FROM tree)
        AND r.id NOT IN (SELECT id FROM tree))"""


def snapshot(
    conn: psycopg.Connection[Any],
    ids: list[uuid.UUID],
    *,
    clear: bool = False,
    only_if: str | None = None,
    params: dict[str, Any] | None = None,
) -> Callable[[], dict[str, Any]]:
    """The rows of these generations and their child trees, as ``to_jsonb`` objects, in one
    statement: ``generations`` (parents first), ``variants``, ``links`` (shot links) and
    ``based_on`` ([id, source] of other generations based on them). With ``clear``, the same
    statement also clears the ``original`` marks of their variants (see ``snapshot_and_delete``);
    the rows returned still carry them. ``only_if`` is a condition (over ``params``) without
    which the statement reads and clears nothing.

    Returns a reader of the result rather than the result, so that in pipeline mode the
    statement travels with the ones after it: call it once the pipeline has synced."""
    statement = sql.SQL("{}{}{}{}").format(
        sql.SQL(_TREE).format(only_if=sql.SQL(only_if or "true")),
        sql.SQL(_CLEAR if clear else ""),
        sql.SQL(_ROWS),
        sql.SQL(", (SELECT count(*) FROM cleared)" if clear else ""),
    )
    cursor = conn.execute(statement, {**(params or {}), "ids": ids})

    def read() -> dict[str, Any]:
        row = cursor.fetchone()
        assert row is not None  # an aggregate SELECT always returns its row
        return {
            "ids": [str(i) for i in ids],
            "generations": row[0],
            "variants": row[1],
            "links": row[2],
            "based_on": row[3],
        }

    return read


def snapshot_and_delete(conn: psycopg.Connection[Any], ids: list[uuid.UUID]) -> dict[str, Any]:
    """Delete generations with their children, variants and shot links, and return every row
    that went (as ``to_jsonb`` objects) so that undo can put them back with the same ids.

    Call inside a transaction, with the generations locked and checked. Two statements: the
    snapshot (which also clears the ``original`` marks Reigh's trigger would refuse to cascade
    over; the rows go anyway) and the DELETE.
    """
    kept = snapshot(conn, ids, clear=True)()
    conn.execute("DELETE FROM generations WHERE id = ANY(%s::uuid[])", (ids,))
    return kept


def delete_uploaded(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, generation_ids: list[uuid.UUID]
) -> tuple[uuid.UUID | None, tuple[uuid.UUID, ...], dict[str, Any]]:
    """Delete generations an upload created (the current user's, those that still exist):
    (project id, shots they were in, the snapshot of what went)."""
    with conn.transaction():
        rows = conn.execute(
            "SELECT g.id, g.project_id, ARRAY(SELECT DISTINCT shot_id FROM shot_generations "
            "WHERE generation_id = g.id) FROM generations g "
            "JOIN projects p ON p.id = g.project_id "
            "WHERE g.id = ANY(%s::uuid[]) AND p.user_id = %s FOR UPDATE OF g",
            (generation_ids, user_id),
        ).fetchall()
        if not rows:
            return None, (), {}
        kept = snapshot_and_delete(conn, [row[0] for row in rows])
    kept["project_id"] = str(rows[0][1])
    shots = tuple({shot for row in rows for shot in row[2]})
    return rows[0][1], shots, kept


# The writes of ``set_primary_variant`` act only when the variant is the generation's and
# the generation the user's: the check read before them in the same implicit transaction.
_PRIMARY_FITS = """EXISTS (SELECT 1 FROM generation_variants
        WHERE id = %(variant)s AND generation_id = %(id)s)
    AND EXISTS (SELECT 1 FROM generations g JOIN projects p ON p.id = g.project_id
        WHERE g.id = %(id)s AND p.user_id = %(user)s)"""


def set_primary_variant(
    conn: psycopg.Connection[Any],
    user_id: uuid.UUID,
    generation_id: uuid.UUID,
    variant_id: uuid.UUID,
) -> Touched:
    """Make a variant primary; Reigh's triggers copy its media onto the generation.

    One round trip: the checks (locking the generation) and the two writes go together in a
    pipeline, one implicit transaction (autocommit, one Sync); the writes repeat the checks,
    so a refusal changes nothing."""
    params = {"id": generation_id, "variant": variant_id, "user": user_id}
    with conn.pipeline():
        owner = conn.execute(_OWNED_GENERATION, params)
        found = conn.execute(
            "SELECT (SELECT id FROM generation_variants WHERE generation_id = %(id)s "
            "AND is_primary), EXISTS (SELECT 1 FROM generation_variants "
            "WHERE id = %(variant)s AND generation_id = %(id)s)",
            params,
        )
        conn.execute(
            sql.SQL(
                "UPDATE generation_variants SET is_primary = false "
                "WHERE generation_id = %(id)s AND is_primary AND id <> %(variant)s AND {}"
            ).format(sql.SQL(_PRIMARY_FITS)),
            params,
        )
        conn.execute(
            sql.SQL(
                "UPDATE generation_variants SET is_primary = true WHERE id = %(variant)s AND {}"
            ).format(sql.SQL(_PRIMARY_FITS)),
            params,
        )
    project_id, shots, label, _ = _owned_row(owner.fetchone(), generation_id)
    row = found.fetchone()
    if row is None or not row[1]:
        raise NotFoundError(f"variant {variant_id} is not a variant of {generation_id}")
    before = None if row[0] is None else str(row[0])
    undo = {"generation_id": str(generation_id), "before": before, "after": str(variant_id)}
    return Touched(project_id, shots, label, undo)
