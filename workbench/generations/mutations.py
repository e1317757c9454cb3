"""Changes to generations and shot timelines, each checked against the current user.

Every function takes a connection and the user, does its work in one transaction with the
ownership test inside the statements, and returns what the cache needs to invalidate: the
project and the shots that were touched.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import psycopg

from workbench.errors import NotFoundError, PermissionDenied, ValidationError

FRAME_SPACING = 50  # Reigh spaces new timeline items 50 frames apart


@dataclass(frozen=True)
class Touched:
    """What a mutation changed: the cache invalidates these."""

    project_id: uuid.UUID
    shot_ids: tuple[uuid.UUID, ...] = ()


def _owned_generation(
    conn: psycopg.Connection[Any], generation_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[uuid.UUID, tuple[uuid.UUID, ...]]:
    """(project id, shots containing it), locking the generation; refuses others' rows."""
    row = conn.execute(
        "SELECT g.project_id, p.user_id, "
        "ARRAY(SELECT DISTINCT shot_id FROM shot_generations WHERE generation_id = g.id) "
        "FROM generations g JOIN projects p ON p.id = g.project_id WHERE g.id = %s "
        "FOR UPDATE OF g",
        (generation_id,),
    ).fetchone()
    if row is None:
        raise NotFoundError(f"generation {generation_id} does not exist")
    if row[1] != user_id:
        raise PermissionDenied(f"generation {generation_id} belongs to another user's project")
    return row[0], tuple(row[2])


def owned_shot(conn: psycopg.Connection[Any], shot_id: uuid.UUID, user_id: uuid.UUID) -> uuid.UUID:
    """The shot's project id; refuses a missing shot or another user's."""
    row = conn.execute(
        "SELECT s.project_id, p.user_id FROM shots s JOIN projects p ON p.id = s.project_id "
        "WHERE s.id = %s",
        (shot_id,),
    ).fetchone()
    if row is None:
        raise NotFoundError(f"shot {shot_id} does not exist")
    if row[1] != user_id:
        raise PermissionDenied(f"shot {shot_id} belongs to another user's project")
    return uuid.UUID(str(row[0]))


def set_starred(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, generation_id: uuid.UUID, starred: bool
) -> Touched:
    with conn.transaction():
        project_id, shots = _owned_generation(conn, generation_id, user_id)
        conn.execute(
            "UPDATE generations SET starred = %s, updated_at = now() WHERE id = %s",
            (starred, generation_id),
        )
    return Touched(project_id, shots)


def append_to_shot(
    conn: psycopg.Connection[Any],
    shot_id: uuid.UUID,
    generation_id: uuid.UUID,
    *,
    positioned: bool = True,
    only_if_absent: bool = False,
) -> None:
    """Link the generation into the shot: at the end of its timeline (the last frame + 50, or 0)
    when ``positioned``, else unpositioned; with ``only_if_absent``, not if it is already there.

    Call inside a transaction: a per-shot advisory lock, held until it ends, keeps concurrent
    appends from reading the same last frame.
    """
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"workbench-shot:{shot_id}",)
    )
    if (
        only_if_absent
        and conn.execute(
            "SELECT 1 FROM shot_generations WHERE shot_id = %s AND generation_id = %s",
            (shot_id, generation_id),
        ).fetchone()
    ):
        return
    conn.execute(
        "INSERT INTO shot_generations (shot_id, generation_id, timeline_frame) "
        "SELECT %s, %s, CASE WHEN %s THEN (SELECT coalesce(max(timeline_frame) + %s, 0) "
        "FROM shot_generations WHERE shot_id = %s) END",
        (shot_id, generation_id, positioned, FRAME_SPACING, shot_id),
    )


def add_to_shot(
    conn: psycopg.Connection[Any],
    user_id: uuid.UUID,
    generation_id: uuid.UUID,
    shot_id: uuid.UUID,
    frame: int | str | None,
) -> Touched:
    """Link a generation into a shot at ``frame``, unpositioned (None) or at the "end"."""
    with conn.transaction():
        project_id, shots = _owned_generation(conn, generation_id, user_id)
        if owned_shot(conn, shot_id, user_id) != project_id:
            raise ValidationError("the shot and the generation belong to different projects")
        if frame == "end" or frame is None:
            append_to_shot(conn, shot_id, generation_id, positioned=frame == "end")
        elif isinstance(frame, int) and frame >= 0:
            conn.execute(
                "INSERT INTO shot_generations (shot_id, generation_id, timeline_frame) "
                "VALUES (%s, %s, %s)",
                (shot_id, generation_id, frame),
            )
        else:
            raise ValidationError(f"timeline frame must be a whole number ≥ 0, not {frame!r}")
    return Touched(project_id, (*shots, shot_id))


def remove_from_shot(
    conn: psycopg.Connection[Any],
    user_id: uuid.UUID,
    shot_id: uuid.UUID,
    generation_id: uuid.UUID,
    link_id: uuid.UUID | None = None,
) -> Touched:
    """Remove the generation's links from the shot (just ``link_id`` when given)."""
    with conn.transaction():
        project_id = owned_shot(conn, shot_id, user_id)
        deleted = conn.execute(
            "DELETE FROM shot_generations WHERE shot_id = %s AND generation_id = %s "
            "AND (%s::uuid IS NULL OR id = %s::uuid) RETURNING id",
            (shot_id, generation_id, link_id, link_id),
        ).fetchall()
        if not deleted:
            raise NotFoundError(f"generation {generation_id} is not in shot {shot_id}")
    return Touched(project_id, (shot_id,))


def reorder_shot(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, shot_id: uuid.UUID, link_ids: list[uuid.UUID]
) -> Touched:
    """Put the listed links first, in that order, 50 frames apart; other positioned links follow
    in their current order; unpositioned links stay unpositioned."""
    if len(set(link_ids)) != len(link_ids):
        raise ValidationError("a link appears twice in the new order")
    with conn.transaction():
        project_id = owned_shot(conn, shot_id, user_id)
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
        conn.execute(
            "UPDATE shot_generations sg SET timeline_frame = u.frame, updated_at = now() "
            "FROM unnest(%s::uuid[], %s::int[]) AS u(id, frame) WHERE sg.id = u.id",
            (order, [i * FRAME_SPACING for i in range(len(order))]),
        )
    return Touched(project_id, (shot_id,))


def delete_generation(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, generation_id: uuid.UUID
) -> Touched:
    """Delete a generation with its children, variants and shot links.

    Reigh's trigger forbids deleting ``original`` variants, also through a cascade; inside the
    same transaction their type is cleared first, which changes nothing anyone can see since
    the rows go with the generation. Stored media files are left in place.
    """
    with conn.transaction():
        project_id, shots = _owned_generation(conn, generation_id, user_id)
        conn.execute(
            "WITH RECURSIVE tree AS (SELECT %s::uuid AS id UNION ALL "
            "SELECT g.id FROM generations g JOIN tree ON g.parent_generation_id = tree.id) "
            "UPDATE generation_variants SET variant_type = NULL "
            "WHERE variant_type = 'original' AND generation_id IN (SELECT id FROM tree)",
            (generation_id,),
        )
        conn.execute("DELETE FROM generations WHERE id = %s", (generation_id,))
    return Touched(project_id, shots)


def set_primary_variant(
    conn: psycopg.Connection[Any],
    user_id: uuid.UUID,
    generation_id: uuid.UUID,
    variant_id: uuid.UUID,
) -> Touched:
    """Make a variant primary; Reigh's triggers copy its media onto the generation."""
    with conn.transaction():
        project_id, shots = _owned_generation(conn, generation_id, user_id)
        found = conn.execute(
            "SELECT 1 FROM generation_variants WHERE id = %s AND generation_id = %s",
            (variant_id, generation_id),
        ).fetchone()
        if found is None:
            raise NotFoundError(f"variant {variant_id} is not a variant of {generation_id}")
        conn.execute(
            "UPDATE generation_variants SET is_primary = false "
            "WHERE generation_id = %s AND is_primary AND id <> %s",
            (generation_id, variant_id),
        )
        conn.execute(
            "UPDATE generation_variants SET is_primary = true WHERE id = %s", (variant_id,)
        )
    return Touched(project_id, shots)
