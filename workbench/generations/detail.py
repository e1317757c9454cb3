"""Everything the detail view shows about one generation, in one round trip, and only
the current user's rows.

Lineage follows ``based_on`` both ways: the chain of generations this one was edited from
(nearest first) and the generations edited from it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import class_row

from workbench.errors import NotFoundError
from workbench.generations.query import ITEM_COLUMNS
from workbench.generations.stream import generation
from workbench.models import Generation, Shot, Variant


@dataclass(frozen=True)
class GenerationDetail:
    generation: Generation
    variants: tuple[Variant, ...]
    ancestors: tuple[Generation, ...]  # what it was edited from, nearest first
    derived: tuple[Generation, ...]  # edits made from it, newest first
    shots: tuple[Shot, ...]  # the shots it is in, in the project's shot order


_COLUMNS = sql.SQL(ITEM_COLUMNS + ", NULL::uuid, NULL::integer")
# Every statement joins through projects.user_id on its own: rows may point across users
# (a generation of theirs based on one of ours, one of ours based on theirs, their shot linking
# ours), and a database role is not held back by Reigh's row-level security.
_ONE = sql.SQL(
    "SELECT {} FROM generations g "
    "LEFT JOIN generation_variants pv ON pv.id = g.primary_variant_id "
    "JOIN projects p ON p.id = g.project_id WHERE g.id = %(id)s AND p.user_id = %(user)s"
).format(_COLUMNS)
# The chain stops at the first generation that is not the user's.
_ANCESTORS = sql.SQL(
    "WITH RECURSIVE chain(id, depth) AS ("
    " SELECT g.id, 0 FROM generations g JOIN projects p ON p.id = g.project_id"
    " WHERE g.id = %(id)s AND p.user_id = %(user)s"
    " UNION ALL SELECT a.id, c.depth + 1 FROM chain c"
    " JOIN generations cur ON cur.id = c.id JOIN generations a ON a.id = cur.based_on"
    " JOIN projects ap ON ap.id = a.project_id"
    " WHERE ap.user_id = %(user)s AND c.depth < 50) "
    "SELECT {} FROM chain "
    "JOIN generations g ON g.id = chain.id "
    "LEFT JOIN generation_variants pv ON pv.id = g.primary_variant_id "
    "WHERE chain.depth > 0 ORDER BY chain.depth"
).format(_COLUMNS)
_DERIVED = sql.SQL(
    "SELECT {} FROM generations g "
    "LEFT JOIN generation_variants pv ON pv.id = g.primary_variant_id "
    "JOIN projects p ON p.id = g.project_id "
    "WHERE g.based_on = %(id)s AND g.location IS NOT NULL AND p.user_id = %(user)s "
    "ORDER BY g.created_at DESC LIMIT 100"
).format(_COLUMNS)
_VARIANTS = (
    "SELECT v.id, v.generation_id, v.location, v.thumbnail_url, v.variant_type, v.name, "
    "v.is_primary, v.params, v.created_at, v.viewed_at, "
    # Reigh added the variant star in 2026-02; an older database has no such column.
    "coalesce((to_jsonb(v) ->> 'starred')::bool, false) AS starred FROM generation_variants v "
    "JOIN generations g ON g.id = v.generation_id JOIN projects p ON p.id = g.project_id "
    "WHERE v.generation_id = %(id)s AND p.user_id = %(user)s "
    "ORDER BY v.is_primary DESC, v.created_at DESC"
)
_SHOTS = (
    "SELECT DISTINCT s.id, s.project_id, s.name, s.position, s.aspect_ratio, s.created_at, "
    "s.updated_at FROM shots s JOIN shot_generations sg ON sg.shot_id = s.id "
    "JOIN projects p ON p.id = s.project_id "
    "WHERE sg.generation_id = %(id)s AND p.user_id = %(user)s ORDER BY s.position, s.name"
)


def open_detail(
    conn: psycopg.Connection[Any],
    user_id: uuid.UUID,
    generation_id: uuid.UUID,
    *,
    mark_viewed: bool = True,
) -> tuple[GenerationDetail, tuple[uuid.UUID, tuple[uuid.UUID, ...], int] | None]:
    """Everything the detail view shows, in one round trip (five statements, one pipeline);
    with ``mark_viewed`` its primary variant is marked viewed in the same round trip, as
    Reigh's lightbox does on opening. The mark comes last, so the detail still says the
    primary was new. Returns the detail and what ``mark_viewed``
    (``workbench.generations.variants``) returns: (project, shots, how many) or None."""
    params = {"id": generation_id, "user": user_id}
    with conn.pipeline():  # five statements (six with the mark), one round trip
        one = conn.execute(_ONE, params)
        ancestors = conn.execute(_ANCESTORS, params)
        derived = conn.execute(_DERIVED, params)
        variants = conn.cursor(row_factory=class_row(Variant)).execute(_VARIANTS, params)
        shots = conn.cursor(row_factory=class_row(Shot)).execute(_SHOTS, params)
        marked = conn.execute(_MARK_PRIMARY_VIEWED, params) if mark_viewed else None
    row = one.fetchone()
    if row is None:
        raise NotFoundError(f"generation {generation_id} not found among the current user's")
    detail = GenerationDetail(
        generation(row),
        tuple(variants.fetchall()),
        tuple(generation(r) for r in ancestors.fetchall()),
        tuple(generation(r) for r in derived.fetchall()),
        tuple(shots.fetchall()),
    )
    rows = marked.fetchall() if marked is not None else []
    return detail, ((rows[0][1], tuple(rows[0][2]), len(rows)) if rows else None)


# Reigh's lightbox marks the variant it shows (the primary) viewed; only the current user's.
_MARK_PRIMARY_VIEWED = (
    "UPDATE generation_variants v SET viewed_at = now() FROM generations g "
    "JOIN projects p ON p.id = g.project_id AND p.user_id = %(user)s "
    "WHERE g.id = v.generation_id AND v.generation_id = %(id)s AND v.is_primary "
    "AND v.viewed_at IS NULL RETURNING v.id, g.project_id, "
    "ARRAY(SELECT DISTINCT x.shot_id FROM shot_generations x WHERE x.generation_id = g.id)"
)


# Several generations by id, in the order given; with %(shot)s, each with its first link in
# that shot (link id and frame, as the shot's gallery shows them), else NULL ones.
_MANY = sql.SQL(
    "SELECT {} FROM unnest(%(ids)s::uuid[]) WITH ORDINALITY AS w(id, n) "
    "JOIN generations g ON g.id = w.id "
    "LEFT JOIN generation_variants pv ON pv.id = g.primary_variant_id "
    "JOIN projects p ON p.id = g.project_id AND p.user_id = %(user)s "
    "LEFT JOIN LATERAL (SELECT x.id, x.timeline_frame FROM shot_generations x "
    "  WHERE x.shot_id = %(shot)s::uuid AND x.generation_id = g.id "
    "  ORDER BY x.timeline_frame NULLS LAST, x.id LIMIT 1) sg ON true "
    "ORDER BY w.n"
).format(sql.SQL(ITEM_COLUMNS + ", sg.id, sg.timeline_frame"))
_ONE_VARIANT = (
    "SELECT v.id, v.generation_id, v.location, v.thumbnail_url, v.variant_type, v.name, "
    "v.is_primary, v.params, v.created_at, v.viewed_at, "
    "coalesce((to_jsonb(v) ->> 'starred')::bool, false) AS starred FROM generation_variants v "
    "JOIN generations g ON g.id = v.generation_id JOIN projects p ON p.id = g.project_id "
    "WHERE v.id = %(id)s AND p.user_id = %(user)s"
)


def load_many(
    conn: psycopg.Connection[Any],
    user_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    shot_id: uuid.UUID | None = None,
) -> tuple[Generation, ...]:
    """The generations named (no repeats), in the order given, in one statement: what a
    confirmation for a batch shows. One missing or another user's is refused, named."""
    rows = conn.execute(_MANY, {"ids": list(ids), "user": user_id, "shot": shot_id}).fetchall()
    items = tuple(generation(row) for row in rows)
    found = {item.id for item in items}
    missing = [gid for gid in ids if gid not in found]
    if missing:
        raise NotFoundError(f"generation {missing[0]} not found among the current user's")
    return items


def load_variant(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, variant_id: uuid.UUID
) -> Variant:
    """One variant by its id alone (a CLI names only the variant)."""
    found = (
        conn.cursor(row_factory=class_row(Variant))
        .execute(_ONE_VARIANT, {"id": variant_id, "user": user_id})
        .fetchone()
    )
    if found is None:
        raise NotFoundError(f"variant {variant_id} not found among the current user's")
    return found
