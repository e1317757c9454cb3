"""Streaming thousands of rows: one server-side query, read as binary COPY, turned into records.

The seed fetched shot generations 1000 rows at a time with OFFSET, re-running the query and
re-skipping every earlier row on each batch. Here one ``COPY (query) TO STDOUT (FORMAT
BINARY)`` streams every row once; psycopg decodes it in C and we build records as rows
arrive, so memory stays flat however many rows there are.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
from psycopg import sql

from workbench.generations.filters import GenerationFilters
from workbench.generations.query import ITEM_COLUMNS, MINE, GalleryTarget, page_query
from workbench.models import Generation, ShotGeneration

# Binary COPY needs each column's type, in the order of ITEM_COLUMNS + the link columns.
GENERATION_TYPES = [
    "uuid", "uuid", "text", "text", "text", "jsonb", "text", "bool", "timestamptz",
    "timestamptz", "uuid", "uuid", "uuid", "text", "text", "text", "int4", "int4", "uuid[]",
    "uuid[]", "uuid", "int4",
]  # fmt: skip
_SORT_TYPES = {"project": ["timestamptz", "uuid"], "shot": ["bool", "int4", "uuid"]}
_FIELDS = len(GENERATION_TYPES)


def generation(row: Sequence[Any]) -> Generation:
    """A record from the first ``_FIELDS`` columns of a row (arrays become tuples)."""
    values = list(row[:_FIELDS])
    values[18] = tuple(values[18] or ())
    values[19] = tuple(values[19] or ())
    return Generation(*values)


def _copy_rows(
    conn: psycopg.Connection[Any], query: sql.Composable, params: Any, types: list[str]
) -> Iterator[tuple[Any, ...]]:
    copy_statement = sql.SQL("COPY ({}) TO STDOUT (FORMAT BINARY)").format(query)
    with conn.cursor() as cur, cur.copy(copy_statement, params) as copy:
        copy.set_types(types)
        yield from copy.rows()


def iter_generations(
    conn: psycopg.Connection[Any],
    target: GalleryTarget,
    filters: GenerationFilters,
    user_id: uuid.UUID,
) -> Iterator[Generation]:
    """Every matching generation of the user's in gallery order."""
    query, params = page_query(target, filters, None, None, user_id)
    for row in _copy_rows(conn, query, params, GENERATION_TYPES + _SORT_TYPES[target.mode]):
        yield generation(row)


_SHOT_LINKS = sql.SQL(
    "SELECT sg.id, sg.shot_id, sg.generation_id, sg.timeline_frame, sg.metadata, {columns}, "
    "sg.id, sg.timeline_frame "
    "FROM shot_generations sg JOIN generations g ON g.id = sg.generation_id "
    "LEFT JOIN generation_variants pv ON pv.id = g.primary_variant_id "
    "WHERE sg.shot_id = ANY(%(shots)s::uuid[]) AND g.location IS NOT NULL AND {mine} "
    "ORDER BY sg.shot_id, sg.timeline_frame NULLS LAST, sg.id"
).format(columns=sql.SQL(ITEM_COLUMNS), mine=sql.SQL(MINE))


def iter_shot_generations(
    conn: psycopg.Connection[Any], shot_ids: Sequence[uuid.UUID], user_id: uuid.UUID
) -> Iterator[ShotGeneration]:
    """Every finished generation of the user's in the shots with its link, shot by shot in
    timeline order."""
    types = ["uuid", "uuid", "uuid", "int4", "jsonb", *GENERATION_TYPES]
    params = {"shots": list(shot_ids), "user": user_id}
    for row in _copy_rows(conn, _SHOT_LINKS, params, types):
        yield ShotGeneration(row[0], row[1], row[2], row[3], row[4], generation(row[5:]))


def shot_links_query() -> sql.Composed:
    """The shot-links query as such (the benchmark compares raw COPY of it with ours)."""
    return _SHOT_LINKS
