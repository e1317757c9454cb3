"""SQL for the unified generations query: both modes, every filter, keyset pages.

Project mode lists a project's finished top-level generations, newest first, ordered by
``(created_at, id)``. Shot mode lists a shot's links in timeline order, unpositioned last,
ordered by ``(frame IS NULL, frame, link id)``. Either way a page is "the next ``limit`` rows
after this sort key", so page 1000 costs what page 1 costs. The one OFFSET is the jump to a
page nobody walked to, and it skips sort keys alone (``_start_key``), never whole rows.

Every value travels as a named parameter; the only text spliced in is fixed SQL from this
module.

Ownership is part of every query, not only of the check on the gallery named: a database role
bypasses Reigh's row-level security, and rows may point across users (another user's shot
linking one of ours, another user's generation linked into our shot). So every generation
shown, every shot id listed and every shot a filter tests is joined to ``projects`` with
``user_id = %(user)s``: the current user's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from psycopg import sql

from workbench.errors import ValidationError
from workbench.generations import aggregates
from workbench.generations.filters import GenerationFilters

Mode = Literal["project", "shot"]
Direction = Literal["after", "before"]
COUNT_CAP = 10_000  # exact counts up to here; beyond, the planner's estimate (then exact later)

_PROMPT = (
    "COALESCE(g.params #>> '{originalParams,orchestrator_details,prompt}', "
    "g.params ->> 'prompt', g.params #>> '{metadata,prompt}')"
)

# The current user's rows: conditions over ``generations g`` and a ``shot_generations x`` link,
# with the user as the named parameter ``%(user)s``.
MINE = "EXISTS (SELECT 1 FROM projects gp WHERE gp.id = g.project_id AND gp.user_id = %(user)s)"
MY_SHOT = (
    "EXISTS (SELECT 1 FROM shots xs JOIN projects xp ON xp.id = xs.project_id "
    "WHERE xs.id = x.shot_id AND xp.user_id = %(user)s)"
)

# The Generation record's columns, in order (see workbench.models.Generation); they need
# ``%(user)s``.
ITEM_COLUMNS = """
    g.id, g.project_id, g.type, g.location,
    COALESCE(pv.thumbnail_url, g.thumbnail_url, g.location) AS thumbnail_url,
    COALESCE(g.params, '{}'::jsonb) AS params, g.name, g.starred, g.created_at, g.updated_at,
    (SELECT b.id FROM generations b JOIN projects bp ON bp.id = b.project_id
      WHERE b.id = g.based_on AND bp.user_id = %(user)s) AS based_on,
    g.parent_generation_id, g.primary_variant_id,
    g.tasks ->> 0 AS task_id,
    PROMPT AS prompt,
    g.params ->> 'tool_type' AS tool_type,
    (SELECT count(*) FROM generation_variants v WHERE v.generation_id = g.id)::int
        AS variant_count,
    (SELECT count(*) FROM generation_variants v
      WHERE v.generation_id = g.id AND v.viewed_at IS NULL)::int AS unviewed_variant_count,
    ARRAY(SELECT DISTINCT x.shot_id FROM shot_generations x
      WHERE x.generation_id = g.id AND MY_SHOT ORDER BY 1) AS shot_ids,
    ARRAY(SELECT DISTINCT x.shot_id FROM shot_generations x
      WHERE x.generation_id = g.id AND x.timeline_frame IS NOT NULL AND MY_SHOT
      ORDER BY 1) AS positioned_shot_ids
""".replace("PROMPT", _PROMPT).replace("MY_SHOT", MY_SHOT)


@dataclass(frozen=True)
class GalleryTarget:
    """Which gallery: a project's (all its generations) or a shot's (its timeline)."""

    mode: Mode
    id: uuid.UUID


@dataclass(frozen=True)
class Seek:
    """Where a page starts: strictly after (or before) this sort key."""

    key: tuple[Any, ...]
    direction: Direction = "after"


_IN_SHOT = (
    "EXISTS (SELECT 1 FROM shot_generations x WHERE x.generation_id = g.id "
    "AND x.shot_id = %(in_shot)s AND MY_SHOT)"
).replace("MY_SHOT", MY_SHOT)
# A project's gallery, "unpositioned": the items some shot (or the one named) lists among its
# unpositioned, by the navigator's own definition.
_IN_SHOT_UNPOSITIONED = (
    (
        "EXISTS (SELECT 1 FROM shot_generations x WHERE x.generation_id = g.id "
        "AND x.shot_id = %(in_shot)s AND UNPOSITIONED AND MY_SHOT)"
    )
    .replace("UNPOSITIONED", aggregates.unpositioned("x"))
    .replace("MY_SHOT", MY_SHOT)
)
_IN_ANY_SHOT_UNPOSITIONED = (
    (
        "EXISTS (SELECT 1 FROM shot_generations x WHERE x.generation_id = g.id AND UNPOSITIONED "
        "AND MY_SHOT)"
    )
    .replace("UNPOSITIONED", aggregates.unpositioned("x"))
    .replace("MY_SHOT", MY_SHOT)
)
_IN_NO_SHOT = (
    "NOT EXISTS (SELECT 1 FROM shot_generations x WHERE x.generation_id = g.id AND MY_SHOT)"
).replace("MY_SHOT", MY_SHOT)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def where_clause(
    target: GalleryTarget, filters: GenerationFilters, user_id: uuid.UUID
) -> tuple[sql.Composed, dict[str, Any]]:
    """Conditions (and their parameters) shared by pages, counts, indexes and streams: only
    the current user's generations, whatever the gallery named."""
    params: dict[str, Any] = {"target": target.id, "user": user_id}
    parts: list[str] = [aggregates.FINISHED, MINE]
    if target.mode == "project":
        parts.append("g.project_id = %(target)s")
    else:
        parts.append("sg.shot_id = %(target)s")
    if filters.media_type == "video":
        parts.append(aggregates.VIDEO)
    elif filters.media_type == "image":
        parts.append(aggregates.IMAGE)
    if filters.tool_type:
        params["tools"] = [filters.tool_type, f"{filters.tool_type}-reconstructed-client"]
        parts.append("(g.params -> 'tool_type') ?| %(tools)s::text[]")  # Reigh's GIN index
    if filters.starred is not None:
        params["starred"] = filters.starred
        parts.append("g.starred = %(starred)s")
    if filters.search:
        params["search"] = f"%{_escape_like(filters.search)}%"
        # Reigh's meaning, "contains" (case-insensitive). Written as Reigh's trigram
        # index on the orchestrator prompt (and extras/0004's on the plain one) are, so that
        # where pg_trgm exists the planner can use them (``#>>`` would not match them).
        parts.append(
            "(g.params -> 'originalParams' -> 'orchestrator_details' ->> 'prompt' "
            "ILIKE %(search)s OR g.params ->> 'prompt' ILIKE %(search)s)"
        )
    if filters.edits_only:
        parts.append("g.based_on IS NOT NULL")
    if filters.created_after is not None:
        params["after"] = filters.created_after
        parts.append("g.created_at >= %(after)s")
    if filters.created_before is not None:
        params["before"] = filters.created_before
        parts.append("g.created_at < %(before)s")
    if target.mode == "shot":
        if filters.unpositioned:
            parts.append(aggregates.unpositioned("sg"))  # what the navigator counts
    else:
        if filters.in_shot is not None:
            params["in_shot"] = filters.in_shot
            parts.append(_IN_SHOT_UNPOSITIONED if filters.unpositioned else _IN_SHOT)
        elif filters.unpositioned:
            parts.append(_IN_ANY_SHOT_UNPOSITIONED)
        if filters.in_no_shot:
            parts.append(_IN_NO_SHOT)
    return sql.Composed([sql.SQL(" AND ".join(parts))]), params


def _source(target: GalleryTarget) -> sql.SQL:
    if target.mode == "project":
        return sql.SQL("generations g")
    return sql.SQL("shot_generations sg JOIN generations g ON g.id = sg.generation_id")


def _sort_key(target: GalleryTarget) -> list[str]:
    if target.mode == "project":
        return ["g.created_at", "g.id"]
    return ["(sg.timeline_frame IS NULL)", "COALESCE(sg.timeline_frame, 0)", "sg.id"]


SHOT_ORDER = (
    "a shot's gallery is its timeline (in frame order, unpositioned last), so it has no "
    "newest/oldest order; sort='oldest' orders a project's gallery"
)


def check_order(target: GalleryTarget, filters: GenerationFilters) -> None:
    """Refuse an order the gallery cannot have, rather than show another one under its name.

    A shot lists its timeline: the order the creator arranged, which the move-earlier/later
    actions act on; sorting it by date would hide exactly that, so it is not offered there.
    """
    if target.mode == "shot" and filters.sort != "newest":
        raise ValidationError(SHOT_ORDER)


def _ascending(target: GalleryTarget, filters: GenerationFilters, direction: Direction) -> bool:
    check_order(target, filters)
    forward = target.mode == "shot" or filters.sort == "oldest"
    return forward if direction == "after" else not forward


def page_query(
    target: GalleryTarget,
    filters: GenerationFilters,
    limit: int | None,
    seek: Seek | None,
    user_id: uuid.UUID,
    *,
    skip: int = 0,
) -> tuple[sql.Composed, dict[str, Any]]:
    """One page (``limit + 1`` rows, to know whether another page follows); every row when
    ``limit`` is None.

    ``skip`` starts the page at the ``skip``-th matching row (after the seek, when there is
    one, which must then lead forwards): the jump to a page nobody walked to. The database
    finds that row's sort key itself, over the keys alone (an index-only scan for the common
    filters, see ``_start_key``), so one round trip jumps to page 20,000 of a million rows
    without shipping an index of every page boundary.
    """
    if skip > 0 and seek is not None and seek.direction != "after":
        raise ValueError("a skip follows a forward seek only")
    where, params = where_clause(target, filters, user_id)
    key = _sort_key(target)
    ascending = _ascending(target, filters, seek.direction if seek else "after")
    if seek is not None:
        names = [f"k{i}" for i in range(len(key))]
        params.update(zip(names, seek.key, strict=True))
        operator = ">" if ascending else "<"
        where += sql.SQL(
            f" AND ({', '.join(key)}) {operator} ({', '.join(f'%({n})s' for n in names)})"
        )
    if skip > 0:  # after the seek, if any: skipping from the nearest page known
        params["skip"] = skip
        where += sql.SQL(" AND ({}) {} ({})").format(
            sql.SQL(", ".join(key)),
            sql.SQL(">=" if ascending else "<="),
            _start_key(target, filters, where),
        )
    order = ", ".join(f"{k} {'ASC' if ascending else 'DESC'}" for k in key)
    link = (
        "sg.id AS shot_generation_id, sg.timeline_frame"
        if target.mode == "shot"
        else "NULL::uuid AS shot_generation_id, NULL::integer AS timeline_frame"
    )
    sort_columns = ", ".join(f"{k} AS sort_{i}" for i, k in enumerate(key))
    bounded = sql.SQL("")
    if limit is not None:
        params["limit"] = limit + 1
        bounded = sql.SQL(" LIMIT %(limit)s")
    query = sql.SQL(
        "SELECT {columns}, {link}, {sort} FROM {source} "
        "LEFT JOIN generation_variants pv ON pv.id = g.primary_variant_id "
        "WHERE {where} ORDER BY {order}{bounded}"
    ).format(
        bounded=bounded,
        columns=sql.SQL(ITEM_COLUMNS),
        link=sql.SQL(link),
        sort=sql.SQL(sort_columns),
        source=_source(target),
        where=where,
        order=sql.SQL(order),
    )
    return query, params


def count_query(
    target: GalleryTarget, filters: GenerationFilters, user_id: uuid.UUID
) -> tuple[sql.Composed, dict[str, Any]]:
    """An exact count, stopping at ``COUNT_CAP + 1`` rows so it stays cheap."""
    where, params = where_clause(target, filters, user_id)
    params["cap"] = COUNT_CAP + 1
    return sql.SQL("SELECT count(*) FROM (SELECT 1 FROM {} WHERE {} LIMIT %(cap)s) capped").format(
        _source(target), where
    ), params


def full_count_query(
    target: GalleryTarget, filters: GenerationFilters, user_id: uuid.UUID
) -> tuple[sql.Composed, dict[str, Any]]:
    where, params = where_clause(target, filters, user_id)
    return sql.SQL("SELECT count(*) FROM {} WHERE {}").format(_source(target), where), params


def estimate_query(
    target: GalleryTarget, filters: GenerationFilters, user_id: uuid.UUID
) -> tuple[sql.Composed, dict[str, Any]]:
    """The planner's row estimate: instant, approximate; shown as such."""
    where, params = where_clause(target, filters, user_id)
    return sql.SQL("EXPLAIN (FORMAT JSON) SELECT 1 FROM {} WHERE {}").format(
        _source(target), where
    ), params


def _start_key(
    target: GalleryTarget, filters: GenerationFilters, where: sql.Composed
) -> sql.Composed:
    """The sort key of the ``%(skip)s``-th matching row (counting from 0): a sub-select of the
    sort key columns alone, so the planner can answer it from the keyset index without
    touching the rows' data (and without the item columns' sub-selects for every skipped
    row, which a plain OFFSET page would evaluate). No such row: NULL, and the page is empty.
    """
    key = _sort_key(target)
    ascending = _ascending(target, filters, "after")
    order = ", ".join(f"{k} {'ASC' if ascending else 'DESC'}" for k in key)
    if target.mode == "project":
        where = _owner_tested_once(where)
    return sql.SQL(
        "SELECT {key} FROM {source} WHERE {where} ORDER BY {order} OFFSET %(skip)s LIMIT 1"
    ).format(
        key=sql.SQL(", ".join(key)),
        source=_source(target),
        where=where,
        order=sql.SQL(order),
    )


# A project's rows all have ``g.project_id = %(target)s``, so "the row's project is the user's"
# (``MINE``) is one fact about the target: tested once (an InitPlan), not once per skipped row,
# which is a third of the skip's time at a million rows. The page around it still tests every
# row it shows with ``MINE`` (a shot's rows may be other users', so a shot keeps it).
_TARGET_MINE = (
    "EXISTS (SELECT 1 FROM projects gp WHERE gp.id = %(target)s AND gp.user_id = %(user)s)"
)


def _owner_tested_once(where: sql.Composed) -> sql.Composed:
    """``where`` (a project's, from ``where_clause``) with ``MINE`` tested on the target."""
    return sql.Composed(
        [
            sql.SQL(part.as_string(None).replace(MINE, _TARGET_MINE))
            if isinstance(part, sql.SQL)
            else part
            for part in where
        ]
    )
