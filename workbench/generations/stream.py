"""Streaming thousands of rows: one server-side query, read as binary COPY, turned into records.

The seed fetched shot generations 1000 rows at a time with OFFSET, re-running the query and
re-skipping every earlier row on each batch. Here one ``COPY (query) TO STDOUT (FORMAT
BINARY)`` streams every row once; psycopg decodes it in C and we build records as rows
arrive, so memory stays flat however many rows there are.

Three things keep a whole gallery (200k rows) close to the cost of copying its plain columns:

- **A set-based query.** A gallery page computes each item's variant counts, shots and
  ``based_on`` with correlated subqueries: five index probes per row, cheap for 50 rows and
  most of the server's time for 200k. The stream gathers the same values with one grouped
  pass over the variants and one over the shot links of the matching generations, joined by
  hash (which keeps the generations' index order, so nothing is sorted again).
- **A faster JSON decoder.** ``params`` is decoded by orjson (about 4x the standard library),
  set on the stream's own cursor only. orjson reads integers beyond 64 bits as floats,
  so a document with a run of 19 or more digits (the only way jsonb writes such a number)
  goes to the standard library instead, as does anything orjson refuses: the values are
  the standard library's, always.
- **Records built without ``__init__``.** A frozen dataclass sets its 25 fields one
  ``object.__setattr__`` at a time; filling the instance dict at once gives the same object
  (same class, same values, equal) in a fraction of the time.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import set_json_loads

from workbench.generations.filters import GenerationFilters
from workbench.generations.query import ITEM_COLUMNS, MINE, GalleryTarget, check_order, where_clause
from workbench.models import Generation, ShotGeneration

try:  # a runtime dependency; the standard library still works (slower) without it
    import orjson
except ImportError:  # pragma: no cover - orjson ships wheels for every supported platform
    orjson = None  # type: ignore[assignment]

# Binary COPY needs each column's type, in the order of ITEM_COLUMNS + the link columns.
GENERATION_TYPES = [
    "uuid", "uuid", "text", "text", "text", "jsonb", "text", "bool", "timestamptz",
    "timestamptz", "uuid", "uuid", "uuid", "text", "text", "text", "int4", "int4", "uuid[]",
    "uuid[]", "uuid", "int4",
]  # fmt: skip
_SORT_TYPES = {"project": ["timestamptz", "uuid"], "shot": ["bool", "int4", "uuid"]}
_FIELDS = len(GENERATION_TYPES)
# The record's fields the columns fill, in column order; the rest keep their defaults.
_NAMES = tuple(f.name for f in fields(Generation))[:_FIELDS]
_DEFAULTS = {f.name: f.default for f in fields(Generation)[_FIELDS:]}
_SHOT_IDS, _POSITIONED = _NAMES.index("shot_ids"), _NAMES.index("positioned_shot_ids")
_new = object.__new__

# jsonb writes every number in plain decimals; one of 19 or more digits may not fit 64 bits.
_LONG_NUMBER = re.compile(rb"\d{19}")


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """``json.loads``'s value for a JSON document, computed by orjson where that is the same.

    orjson turns integers beyond 64 bits into floats (``json`` keeps them exact), so any
    document with a long digit run goes to ``json``; so does one orjson refuses (``json``
    then says why, as it always did)."""
    if isinstance(data, str):
        data = data.encode()
    if orjson is not None and _LONG_NUMBER.search(data) is None:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(bytes(data))


def generation(row: Sequence[Any]) -> Generation:
    """A record from the first ``_FIELDS`` columns of a row (arrays become tuples).

    The instance dict is filled at once rather than through the frozen dataclass's
    ``__init__`` (25 ``object.__setattr__`` calls): the same record, several times faster."""
    item: Generation = _new(Generation)
    values = item.__dict__
    values.update(zip(_NAMES, row, strict=False))
    values.update(_DEFAULTS)
    values["shot_ids"] = tuple(row[_SHOT_IDS] or ())
    values["positioned_shot_ids"] = tuple(row[_POSITIONED] or ())
    return item


def _shot_generation(row: Sequence[Any]) -> ShotGeneration:
    """A shot link with its generation, from the shot-links query's row (see ``generation``)."""
    link: ShotGeneration = _new(ShotGeneration)
    link.__dict__.update(
        id=row[0],
        shot_id=row[1],
        generation_id=row[2],
        timeline_frame=row[3],
        metadata=row[4],
        generation=generation(row[5:]),
    )
    return link


def _copy_rows(
    conn: psycopg.Connection[Any], query: sql.Composable, params: Any, types: list[str]
) -> Iterator[tuple[Any, ...]]:
    copy_statement = sql.SQL("COPY ({}) TO STDOUT (FORMAT BINARY)").format(query)
    with conn.cursor() as cur:
        set_json_loads(loads, cur)  # this cursor only: the pooled connection keeps its own
        with cur.copy(copy_statement, params) as copy:
            copy.set_types(types)
            yield from copy.rows()


# Where each gallery's rows come from, and its order (as the page query orders it).
_SOURCE = {
    "project": "generations g",
    "shot": "shot_generations sg JOIN generations g ON g.id = sg.generation_id",
}
_SORT_KEY = {
    "project": ["g.created_at", "g.id"],
    "shot": ["(sg.timeline_frame IS NULL)", "COALESCE(sg.timeline_frame, 0)", "sg.id"],
}
_LINK = {
    "project": "NULL::uuid AS shot_generation_id, NULL::integer AS timeline_frame",
    "shot": "sg.id AS shot_generation_id, sg.timeline_frame",
}

# The Generation record's columns, computed set-wise: ``matched`` holds the ids of the rows
# streamed; ``va`` counts their variants and ``sa`` lists their shots (the current user's),
# each in one grouped pass; ``b`` is ``based_on`` when it is one of the user's generations.
# Arrays are built sorted, as the page query's DISTINCT builds them.
_STREAM_COLUMNS = """
    g.id, g.project_id, g.type, g.location,
    COALESCE(pv.thumbnail_url, g.thumbnail_url, g.location) AS thumbnail_url,
    COALESCE(g.params, '{}'::jsonb) AS params, g.name, g.starred, g.created_at, g.updated_at,
    b.id AS based_on, g.parent_generation_id, g.primary_variant_id,
    g.tasks ->> 0 AS task_id,
    COALESCE(g.params #>> '{originalParams,orchestrator_details,prompt}',
             g.params ->> 'prompt', g.params #>> '{metadata,prompt}') AS prompt,
    g.params ->> 'tool_type' AS tool_type,
    COALESCE(va.variant_count, 0) AS variant_count,
    COALESCE(va.unviewed_variant_count, 0) AS unviewed_variant_count,
    COALESCE(sa.shot_ids, '{}') AS shot_ids,
    COALESCE(sa.positioned_shot_ids, '{}') AS positioned_shot_ids
"""
_STREAM = """
WITH matched AS MATERIALIZED (SELECT g.id FROM {source} WHERE {where})
SELECT {columns}, {link}, {sort}
FROM {source}
LEFT JOIN generation_variants pv ON pv.id = g.primary_variant_id
LEFT JOIN (generations b JOIN projects bp ON bp.id = b.project_id AND bp.user_id = %(user)s)
    ON b.id = g.based_on
LEFT JOIN (
    SELECT v.generation_id, count(*)::int AS variant_count,
        (count(*) FILTER (WHERE v.viewed_at IS NULL))::int AS unviewed_variant_count
    FROM generation_variants v WHERE v.generation_id IN (SELECT id FROM matched)
    GROUP BY v.generation_id
) va ON va.generation_id = g.id
LEFT JOIN (
    SELECT x.generation_id, array_agg(DISTINCT x.shot_id) AS shot_ids,
        array_agg(DISTINCT x.shot_id) FILTER (WHERE x.timeline_frame IS NOT NULL)
            AS positioned_shot_ids
    FROM shot_generations x JOIN shots xs ON xs.id = x.shot_id
    JOIN projects xp ON xp.id = xs.project_id AND xp.user_id = %(user)s
    WHERE x.generation_id IN (SELECT id FROM matched)
    GROUP BY x.generation_id
) sa ON sa.generation_id = g.id
WHERE {where}
ORDER BY {order}
"""


def stream_query(
    target: GalleryTarget, filters: GenerationFilters, user_id: uuid.UUID
) -> tuple[sql.Composed, dict[str, Any]]:
    """Every matching generation of the user's in gallery order, with the page query's
    columns (``GENERATION_TYPES`` and the sort key), computed set-wise (see the module)."""
    check_order(target, filters)
    where, params = where_clause(target, filters, user_id)
    key = _SORT_KEY[target.mode]
    ascending = target.mode == "shot" or filters.sort == "oldest"
    order = ", ".join(f"{k} {'ASC' if ascending else 'DESC'}" for k in key)
    source = sql.SQL(_SOURCE[target.mode])
    statement = sql.SQL(_STREAM).format(
        source=source,
        where=where,
        columns=sql.SQL(_STREAM_COLUMNS),
        link=sql.SQL(_LINK[target.mode]),
        sort=sql.SQL(", ".join(f"{k} AS sort_{i}" for i, k in enumerate(key))),
        order=sql.SQL(order),
    )
    return statement, params


def iter_generations(
    conn: psycopg.Connection[Any],
    target: GalleryTarget,
    filters: GenerationFilters,
    user_id: uuid.UUID,
) -> Iterator[Generation]:
    """Every matching generation of the user's in gallery order."""
    query, params = stream_query(target, filters, user_id)
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
    make: Callable[[Sequence[Any]], ShotGeneration] = _shot_generation
    for row in _copy_rows(conn, _SHOT_LINKS, params, types):
        yield make(row)


def shot_links_query() -> sql.Composed:
    """The shot-links query as such (the benchmark compares raw COPY of it with ours)."""
    return _SHOT_LINKS
