"""Changes to a generation's variants: delete one, star some, mark them viewed.

Reigh's rules hold: the original variant can never be deleted (its trigger refuses, and so
do we, first, with a clear message), and neither can the primary (Reigh's lightbox refuses
it: the generation shows the primary's media, so deleting it would change what the gallery
shows). Marking viewed is what Reigh's lightbox does when it shows a variant; it is not an
edit, so it is not recorded for undo.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

from workbench.errors import NotFoundError, ValidationError
from workbench.generations.mutations import LABEL, Touched

# The variant, locked, with its generation's project, shots and label: only the current
# user's (``%(user)s``); ``%(ids)s`` are variant ids.
_OWNED = sql.SQL(
    "SELECT v.id, v.generation_id, g.project_id, v.is_primary, v.variant_type, "
    "coalesce((to_jsonb(v) ->> 'starred')::bool, false), "
    "to_jsonb(v), {label}, ARRAY(SELECT DISTINCT x.shot_id FROM shot_generations x "
    "WHERE x.generation_id = g.id) "
    "FROM generation_variants v JOIN generations g ON g.id = v.generation_id "
    "JOIN projects p ON p.id = g.project_id AND p.user_id = %(user)s "
    "WHERE v.id = ANY(%(ids)s::uuid[]) FOR UPDATE OF v"
).format(label=LABEL)


# Every id given is a variant of the current user's, all in one project: the condition a
# write below needs besides its own, so that a refused batch changes nothing. ``_OWNED`` reads
# (and locks) the same rows first in the same implicit transaction, and says which is missing.
_ALL_MINE = """(SELECT count(*) FROM generation_variants v
    JOIN generations g ON g.id = v.generation_id
    JOIN projects p ON p.id = g.project_id AND p.user_id = %(user)s
    WHERE v.id = ANY(%(ids)s::uuid[])) = cardinality(%(ids)s::uuid[])
    AND (SELECT count(DISTINCT g.project_id) FROM generation_variants v
         JOIN generations g ON g.id = v.generation_id WHERE v.id = ANY(%(ids)s::uuid[])) = 1"""


def _checked(rows: list[tuple[Any, ...]], ids: Sequence[uuid.UUID]) -> list[tuple[Any, ...]]:
    """The rows ``_OWNED`` found, when every one of ``ids`` is there; else the refusal."""
    missing = set(ids) - {row[0] for row in rows}
    if missing:
        raise NotFoundError(
            f"variant {sorted(missing, key=str)[0]} not found among the current user's; "
            "nothing was changed"
        )
    return rows


def delete_variant(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, variant_id: uuid.UUID
) -> Touched:
    """Delete a variant that is neither the original nor the primary; undo puts the row back
    with its id. One round trip: the check (locking the row) and a DELETE that repeats its
    conditions go together, as one implicit transaction (autocommit, one Sync)."""
    params = {"ids": [variant_id], "user": user_id, "id": variant_id}
    with conn.pipeline():
        found = conn.execute(_OWNED, params)
        conn.execute(
            sql.SQL(
                "DELETE FROM generation_variants WHERE id = %(id)s AND NOT is_primary "
                "AND variant_type IS DISTINCT FROM 'original' AND {}"
            ).format(sql.SQL(_ALL_MINE)),
            params,
        )
    (_, generation_id, project_id, primary, kind, _, row, label, shots) = _checked(
        found.fetchall(), [variant_id]
    )[0]
    if kind == "original":
        raise ValidationError("Cannot delete the original variant (Reigh keeps it)")
    if primary:
        raise ValidationError("Cannot delete the primary variant: make another one primary first")
    undo = {"generation_id": str(generation_id), "rows": [row]}
    return Touched(project_id, tuple(shots), str(label), undo)


def star_variants(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, ids: Sequence[uuid.UUID], starred: bool
) -> Touched:
    """Star or unstar variants (``generation_variants.starred``, as Reigh's variant
    selector does); undo puts each one's own star back. One round trip, as ``delete_variant``."""
    params = {"ids": list(ids), "user": user_id, "starred": starred}
    try:
        with conn.pipeline():
            found = conn.execute(_OWNED, params)
            conn.execute(
                sql.SQL(
                    "UPDATE generation_variants SET starred = %(starred)s "
                    "WHERE id = ANY(%(ids)s::uuid[]) AND {}"
                ).format(sql.SQL(_ALL_MINE)),
                params,
            )
    except psycopg.errors.UndefinedColumn:
        raise ValidationError(
            "this database's variants have no star (generation_variants.starred, which "
            "Reigh added in 2026-02)"
        ) from None
    rows = _checked(found.fetchall(), ids)
    if len({row[2] for row in rows}) > 1:
        raise ValidationError("the variants belong to different projects")
    before = {str(row[0]): bool(row[5]) for row in rows}
    undo = {"variant_ids": list(before), "before": before, "after": starred}
    label = str(rows[0][7]) if len(rows) == 1 else f"{len(rows)} variants"
    shots = tuple({shot for row in rows for shot in row[8]})
    return Touched(rows[0][2], shots, label, undo)


MARK_VIEWED = (
    "UPDATE generation_variants v SET viewed_at = now() FROM generations g "
    "JOIN projects p ON p.id = g.project_id AND p.user_id = %(user)s "
    "WHERE g.id = v.generation_id AND v.generation_id = %(generation)s "
    "AND v.viewed_at IS NULL AND (%(variants)s::uuid[] IS NULL OR v.id = ANY(%(variants)s)) "
    "RETURNING v.id, g.project_id, "
    "ARRAY(SELECT DISTINCT x.shot_id FROM shot_generations x WHERE x.generation_id = g.id)"
)


def mark_viewed(
    conn: psycopg.Connection[Any],
    user_id: uuid.UUID,
    generation_id: uuid.UUID,
    variant_ids: Sequence[uuid.UUID] | None = None,
) -> tuple[uuid.UUID, tuple[uuid.UUID, ...], int] | None:
    """Mark the generation's variants (all, or ``variant_ids``) viewed, as Reigh's lightbox
    does (``viewed_at IS NULL`` ones only), in one statement: (project, shots) whose "new"
    badges change and how many were new; None when none was."""
    rows = conn.execute(
        MARK_VIEWED,
        {
            "user": user_id,
            "generation": generation_id,
            "variants": None if variant_ids is None else list(variant_ids),
        },
    ).fetchall()
    if not rows:
        return None
    return rows[0][1], tuple(rows[0][2]), len(rows)
