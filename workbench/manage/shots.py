"""Creating, renaming, reordering, duplicating and deleting shots, as Reigh's app does them.

Each function is one statement (one round trip, its own implicit transaction: the pool's
connections are in autocommit mode) with the ownership test inside it, and returns what the
cache must refresh and the JSON data that undoes it (``workbench.changes.undo_structure``).
Reigh's rules (../shared/reigh-operations.md §1, §2, §4): a new shot goes to the end of the
project (the highest ``position`` + 1) and gets its hidden placeholder parent from the shots
trigger; a shot made from a selection holds its items at frames 0, 50, 100 ... in selection
order with ``{"auto_positioned": true}``; a duplicate is "<name> (copy)" at the end with the
settings, aspect ratio and the positioned, non-video links of the original (same frames and
metadata; the items are linked, not copied); a delete takes the links with it and leaves the
items (and the placeholder) in the project.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from workbench.db.schema import SchemaInfo
from workbench.errors import NotFoundError, ValidationError
from workbench.generations.mutations import FRAME_SPACING
from workbench.models import Shot
from workbench.projects import SHOT_COLUMNS

# Reigh's duplicate copies no video links: the placeholder parent, travel outputs, finals.
_VIDEO = "%video%"


@dataclass(frozen=True)
class ShotChange:
    """A shot that was created or changed, the shots whose galleries changed with it, and the
    JSON data that undoes it."""

    shot: Shot | None
    project_id: uuid.UUID
    undo: dict[str, Any] = field(default_factory=dict)
    shot_ids: tuple[uuid.UUID, ...] = ()


def _shot(row: Mapping[str, Any]) -> Shot:
    return Shot(**{name: row[name] for name in SHOT_COLUMNS})


def _returning(schema: SchemaInfo, alias: str) -> sql.Composed:
    return schema.select_list("shots", alias, SHOT_COLUMNS)


def create(
    conn: psycopg.Connection[Any],
    schema: SchemaInfo,
    user_id: uuid.UUID,
    project_id: uuid.UUID,
    name: str,
    *,
    settings: Mapping[str, Any],
    generation_ids: Sequence[uuid.UUID] = (),
    aspect_ratio: str | None = None,
) -> ShotChange:
    """A shot at the end of the project; with ``generation_ids``, those items on its timeline
    in that order. Nothing is created when one of them is missing or in another project."""
    columns = ["name", "project_id", "position"]
    values: list[sql.Composable] = [
        sql.Placeholder("name"),
        sql.SQL("p.id"),
        sql.SQL("(SELECT coalesce(max(x.position), 0) + 1 FROM shots x WHERE x.project_id = p.id)"),
    ]
    if schema.has("shots", "settings"):
        columns.append("settings")
        values.append(sql.Placeholder("settings"))
    if aspect_ratio is not None and schema.has("shots", "aspect_ratio"):
        columns.append("aspect_ratio")
        values.append(sql.Placeholder("aspect"))
    statement = sql.SQL(
        """WITH p AS (SELECT id FROM projects WHERE id = %(project)s AND user_id = %(user)s),
        found AS (SELECT count(*) AS n FROM generations
                  WHERE id = ANY(%(ids)s::uuid[]) AND project_id = %(project)s),
        s AS (INSERT INTO shots ({columns}) SELECT {values} FROM p, found
              WHERE found.n = cardinality(%(ids)s::uuid[]) RETURNING *),
        l AS (INSERT INTO shot_generations (shot_id, generation_id, timeline_frame, metadata)
              SELECT s.id, u.id, (u.n - 1) * %(spacing)s, '{{"auto_positioned": true}}'::jsonb
              FROM s CROSS JOIN unnest(%(ids)s::uuid[]) WITH ORDINALITY AS u(id, n)
              ORDER BY u.n RETURNING id, timeline_frame)
        SELECT {shot}, (SELECT count(*) FROM p) AS owned, (SELECT n FROM found) AS found,
               (SELECT coalesce(jsonb_object_agg(id, timeline_frame), '{{}}') FROM l) AS links
        FROM (SELECT 1) AS one LEFT JOIN s ON true"""
    ).format(
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        values=sql.SQL(", ").join(values),
        shot=_returning(schema, "s"),
    )
    params = {
        "project": project_id, "user": user_id, "ids": list(generation_ids), "name": name,
        "settings": Jsonb(dict(settings)), "aspect": aspect_ratio, "spacing": FRAME_SPACING,
    }  # fmt: skip
    row = conn.cursor(row_factory=dict_row).execute(statement, params).fetchone()
    assert row is not None  # the LEFT JOIN from one row always returns it
    if not row["owned"]:
        raise NotFoundError(f"project {project_id} not found among the current user's")
    if row["id"] is None:
        missing = len(generation_ids) - int(row["found"])
        raise NotFoundError(
            f"{missing} of the {len(generation_ids)} items are not in this project; "
            "no shot was created"
        )
    shot = _shot(row)
    undo = {
        "shot_id": str(shot.id), "project_id": str(project_id), "shot": shot.name,
        "links": row["links"],
    }  # fmt: skip
    return ShotChange(shot, project_id, undo, (shot.id,))


def duplicate(
    conn: psycopg.Connection[Any],
    schema: SchemaInfo,
    user_id: uuid.UUID,
    shot_id: uuid.UUID,
    name: str | None,
) -> ShotChange:
    """Reigh's ``duplicate_shot``: the copy goes to the end of the project."""
    copied = [c for c in ("settings", "aspect_ratio") if schema.has("shots", c)]
    statement = sql.SQL(
        """WITH src AS (SELECT s.* FROM shots s JOIN projects p ON p.id = s.project_id
                        WHERE s.id = %(shot)s AND p.user_id = %(user)s),
        n AS (INSERT INTO shots (name, project_id, position{extra})
              SELECT coalesce(%(name)s, src.name || ' (copy)'), src.project_id,
                     (SELECT coalesce(max(x.position), 0) + 1 FROM shots x
                      WHERE x.project_id = src.project_id){copied}
              FROM src RETURNING *),
        l AS (INSERT INTO shot_generations (shot_id, generation_id, timeline_frame, metadata)
              SELECT n.id, sg.generation_id, sg.timeline_frame, sg.metadata
              FROM n, shot_generations sg JOIN generations g ON g.id = sg.generation_id
              WHERE sg.shot_id = %(shot)s AND sg.timeline_frame >= 0
                AND (g.type IS NULL OR g.type NOT LIKE %(video)s)
              ORDER BY sg.timeline_frame, sg.id RETURNING id, timeline_frame)
        SELECT {shot}, (SELECT coalesce(jsonb_object_agg(id, timeline_frame), '{{}}') FROM l)
               AS links
        FROM n AS s"""
    ).format(
        extra=sql.SQL("").join(sql.SQL(", {}").format(sql.Identifier(c)) for c in copied),
        copied=sql.SQL("").join(sql.SQL(", src.{}").format(sql.Identifier(c)) for c in copied),
        shot=_returning(schema, "s"),
    )
    params = {"shot": shot_id, "user": user_id, "name": name, "video": _VIDEO}
    row = conn.cursor(row_factory=dict_row).execute(statement, params).fetchone()
    if row is None:
        raise NotFoundError(f"shot {shot_id} not found among the current user's")
    shot = _shot(row)
    undo = {
        "shot_id": str(shot.id), "project_id": str(shot.project_id), "shot": shot.name,
        "links": row["links"],
    }  # fmt: skip
    return ShotChange(shot, shot.project_id, undo, (shot.id,))


def rename(
    conn: psycopg.Connection[Any],
    schema: SchemaInfo,
    user_id: uuid.UUID,
    shot_id: uuid.UUID,
    name: str,
) -> ShotChange:
    """Rename; the old name (read in the same statement) is what undo puts back."""
    statement = sql.SQL(
        """WITH old AS (SELECT s.id, s.name FROM shots s JOIN projects p ON p.id = s.project_id
                        WHERE s.id = %(shot)s AND p.user_id = %(user)s FOR UPDATE OF s)
        UPDATE shots AS s SET name = %(name)s FROM old WHERE s.id = old.id
        RETURNING {shot}, old.name AS before"""
    ).format(shot=_returning(schema, "s"))
    params = {"shot": shot_id, "user": user_id, "name": name}
    row = conn.cursor(row_factory=dict_row).execute(statement, params).fetchone()
    if row is None:
        raise NotFoundError(f"shot {shot_id} not found among the current user's")
    shot = _shot(row)
    undo = {
        "table": "shots", "id": str(shot.id), "project_id": str(shot.project_id),
        "before": {"name": row["before"]}, "after": {"name": name},
    }  # fmt: skip
    return ShotChange(shot, shot.project_id, undo, (shot.id,))


def reorder(
    conn: psycopg.Connection[Any],
    user_id: uuid.UUID,
    project_id: uuid.UUID,
    shot_ids: Sequence[uuid.UUID],
) -> ShotChange:
    """Positions 1..N over the whole project, as Reigh renumbers: the listed shots first, in
    that order, then the others in their current order. Only shots whose position changes are
    written. Nothing changes when a listed shot is not one of the project's."""
    if len(set(shot_ids)) != len(shot_ids):
        raise ValidationError("a shot appears twice in the new order")
    statement = """
    WITH locked AS (SELECT s.id, s.position, s.name FROM shots s
                    JOIN projects p ON p.id = s.project_id AND p.user_id = %(user)s
                    WHERE s.project_id = %(project)s FOR UPDATE OF s),
    unknown AS (SELECT u.id FROM unnest(%(ids)s::uuid[]) AS u(id)
                WHERE u.id NOT IN (SELECT id FROM locked)),
    ranked AS (SELECT id, position AS before,
                      row_number() OVER (ORDER BY array_position(%(ids)s::uuid[], id) NULLS LAST,
                                         position, name, id)::int AS after
               FROM locked),
    changed AS (UPDATE shots s SET position = r.after FROM ranked r
                WHERE s.id = r.id AND s.position IS DISTINCT FROM r.after
                  AND NOT EXISTS (SELECT 1 FROM unknown) RETURNING s.id)
    SELECT (SELECT count(*) FROM locked),
           (SELECT name FROM projects WHERE id = %(project)s),
           ARRAY(SELECT id FROM unknown),
           (SELECT coalesce(jsonb_object_agg(id, jsonb_build_array(before, after)), '{}')
            FROM ranked WHERE before IS DISTINCT FROM after)"""
    params = {"user": user_id, "project": project_id, "ids": list(shot_ids)}
    row = conn.execute(statement, params).fetchone()
    assert row is not None
    count, project_name, unknown, moved = row
    if not count:
        raise NotFoundError(f"project {project_id} has no shots, or is not the current user's")
    if unknown:
        raise NotFoundError(
            f"not shots of project {project_id}: {', '.join(str(u) for u in unknown[:3])}; "
            "nothing was changed"
        )
    undo = {"project_id": str(project_id), "project": project_name, "positions": moved}
    return ShotChange(None, project_id, undo)


def delete(
    conn: psycopg.Connection[Any], schema: SchemaInfo, user_id: uuid.UUID, shot_id: uuid.UUID
) -> ShotChange:
    """Delete the shot (its links go by cascade), keeping for undo the shot's row (settings
    included), its links and, on a Reigh database, the segment videos whose
    ``pair_shot_generation_id`` pointed at its links (the delete sets them to NULL)."""
    pairs = (
        sql.SQL(
            "(SELECT coalesce(jsonb_agg(jsonb_build_array(g.id, g.pair_shot_generation_id)), "
            "'[]') FROM generations g WHERE g.pair_shot_generation_id IN "
            "(SELECT id FROM shot_generations WHERE shot_id IN (SELECT id FROM s)))"
        )
        if schema.has("generations", "pair_shot_generation_id")
        else sql.SQL("'[]'::jsonb")
    )
    statement = sql.SQL(
        """WITH s AS (SELECT s.* FROM shots s JOIN projects p ON p.id = s.project_id
                      WHERE s.id = %(shot)s AND p.user_id = %(user)s FOR UPDATE OF s),
        gone AS (DELETE FROM shots WHERE id IN (SELECT id FROM s) RETURNING id)
        SELECT (SELECT to_jsonb(s) FROM s),
               (SELECT coalesce(jsonb_agg(to_jsonb(sg) ORDER BY sg.timeline_frame NULLS LAST,
                                          sg.id), '[]')
                FROM shot_generations sg WHERE sg.shot_id IN (SELECT id FROM s)),
               {pairs}, (SELECT count(*) FROM gone)"""
    ).format(pairs=pairs)
    row = conn.execute(statement, {"shot": shot_id, "user": user_id}).fetchone()
    assert row is not None
    kept, links, paired, _ = row
    if kept is None:
        raise NotFoundError(f"shot {shot_id} not found among the current user's")
    project_id = uuid.UUID(kept["project_id"])
    shot = Shot(
        id=shot_id, project_id=project_id, name=kept["name"], position=kept.get("position"),
        aspect_ratio=kept.get("aspect_ratio"), created_at=None, updated_at=None,
    )  # fmt: skip
    undo = {"project_id": str(project_id), "shot": kept, "links": links, "pairs": paired}
    return ShotChange(shot, project_id, undo, (shot_id,))
