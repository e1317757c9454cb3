"""Everything the detail view shows about one generation, in one round trip.

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
_ONE = sql.SQL(
    "SELECT {} FROM generations g "
    "LEFT JOIN generation_variants pv ON pv.id = g.primary_variant_id "
    "JOIN projects p ON p.id = g.project_id WHERE g.id = %(id)s AND p.user_id = %(user)s"
).format(_COLUMNS)
_ANCESTORS = sql.SQL(
    "WITH RECURSIVE chain(id, depth) AS ("
    " SELECT based_on, 1 FROM generations WHERE id = %(id)s AND based_on IS NOT NULL"
    " UNION ALL SELECT g.based_on, c.depth + 1 FROM generations g JOIN chain c ON g.id = c.id"
    " WHERE g.based_on IS NOT NULL AND c.depth < 50) "
    "SELECT {} FROM chain "
    "JOIN generations g ON g.id = chain.id "
    "LEFT JOIN generation_variants pv ON pv.id = g.primary_variant_id ORDER BY chain.depth"
).format(_COLUMNS)
_DERIVED = sql.SQL(
    "SELECT {} FROM generations g "
    "LEFT JOIN generation_variants pv ON pv.id = g.primary_variant_id "
    "WHERE g.based_on = %(id)s AND g.location IS NOT NULL ORDER BY g.created_at DESC LIMIT 100"
).format(_COLUMNS)


def load_detail(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, generation_id: uuid.UUID
) -> GenerationDetail:
    params = {"id": generation_id, "user": user_id}
    with conn.pipeline():  # four statements, one round trip
        one = conn.execute(_ONE, params)
        ancestors = conn.execute(_ANCESTORS, params)
        derived = conn.execute(_DERIVED, params)
        variants = conn.cursor(row_factory=class_row(Variant)).execute(
            "SELECT id, generation_id, location, thumbnail_url, variant_type, name, is_primary, "
            "params, created_at, viewed_at FROM generation_variants WHERE generation_id = %(id)s "
            "ORDER BY is_primary DESC, created_at DESC",
            params,
        )
        shots = conn.cursor(row_factory=class_row(Shot)).execute(
            "SELECT DISTINCT s.id, s.project_id, s.name, s.position, s.aspect_ratio, s.created_at, "
            "s.updated_at FROM shots s JOIN shot_generations sg ON sg.shot_id = s.id "
            "WHERE sg.generation_id = %(id)s ORDER BY s.position, s.name",
            params,
        )
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
