"""Everything the detail view shows about one generation, in one round trip, and only
the current user's rows.

Lineage follows ``based_on`` both ways: the chain of generations this one was edited from
(nearest first) and the generations edited from it.
"""

from __future__ import annotations

import uuid
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
    "v.is_primary, v.params, v.created_at, v.viewed_at FROM generation_variants v "
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


def load_detail(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, generation_id: uuid.UUID
) -> GenerationDetail:
    params = {"id": generation_id, "user": user_id}
    with conn.pipeline():  # five statements, one round trip
        one = conn.execute(_ONE, params)
        ancestors = conn.execute(_ANCESTORS, params)
        derived = conn.execute(_DERIVED, params)
        variants = conn.cursor(row_factory=class_row(Variant)).execute(_VARIANTS, params)
        shots = conn.cursor(row_factory=class_row(Shot)).execute(_SHOTS, params)
    row = one.fetchone()
    if row is None:
        raise NotFoundError(f"generation {generation_id} not found among the current user's")
    return GenerationDetail(
        generation(row),
        tuple(variants.fetchall()),
        tuple(generation(r) for r in ancestors.fetchall()),
        tuple(generation(r) for r in derived.fetchall()),
        tuple(shots.fetchall()),
    )
