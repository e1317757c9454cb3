"""Undoing changes to shots and projects (``workbench.manage``): a created or duplicated shot
goes, a deleted shot comes back with its links and settings under the same ids, a rename or
an aspect ratio goes back, shots return to their old positions, a new empty project goes.

Like every undo (``workbench.changes.undo``) each first reads, under row locks, what it would
overwrite, and refuses with a ``ConflictError`` (changing nothing) when a newer change would be
lost, unless ``force``. Nothing here ever deletes an item a user made.
"""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from workbench.changes.record import Change
from workbench.changes.rows import conflict, insert_rows
from workbench.errors import ConflictError, NotFoundError

# The hidden placeholder parent every new shot gets (Reigh's trigger; ours in 0002): a video
# without media whose params name the shot. Undoing a shot's creation removes it with the shot.
_PLACEHOLDERS = """
SELECT g.id FROM shot_generations sg JOIN generations g ON g.id = sg.generation_id
WHERE sg.shot_id = %(shot)s AND g.location IS NULL
  AND g.params ->> 'created_from' = 'shot_parent_generation'
  AND NOT EXISTS (SELECT 1 FROM shot_generations o
                  WHERE o.generation_id = g.id AND o.shot_id <> %(shot)s)
  AND NOT EXISTS (SELECT 1 FROM generations c WHERE c.parent_generation_id = g.id)"""


def create_shot(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, change: Change, force: bool
) -> tuple[uuid.UUID, tuple[uuid.UUID, ...]]:
    """Delete the shot the change created (or duplicated) with its placeholder parent, unless
    items were placed in it since (``force``: their links go too; the items stay)."""
    data = change.data
    shot_id = uuid.UUID(data["shot_id"])
    row = conn.execute(
        "SELECT s.project_id, ARRAY(SELECT sg.id::text FROM shot_generations sg "
        "JOIN generations g ON g.id = sg.generation_id "
        "WHERE sg.shot_id = s.id AND g.location IS NOT NULL) "
        "FROM shots s JOIN projects p ON p.id = s.project_id "
        "WHERE s.id = %s AND p.user_id = %s FOR UPDATE OF s",
        (shot_id, user_id),
    ).fetchone()
    if row is None:
        raise NotFoundError(f"cannot undo {change.description!r}: the shot was deleted since")
    added = set(row[1]) - set(data.get("links", {}))
    if added and not force:
        raise conflict(change, f"{len(added)} items were added to the shot since")
    placeholders = conn.execute(_PLACEHOLDERS, {"shot": shot_id}).fetchall()
    conn.execute("DELETE FROM shots WHERE id = %s", (shot_id,))
    if placeholders:
        conn.execute(
            "DELETE FROM generations WHERE id = ANY(%s::uuid[])", ([r[0] for r in placeholders],)
        )
    return row[0], (shot_id,)


def delete_shot(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, change: Change, force: bool
) -> tuple[uuid.UUID, tuple[uuid.UUID, ...]]:
    """Put the deleted shot back with its id, settings and position, then its links (ids,
    frames, metadata) to the items still there, and the segment videos' pointers to them.
    The insert makes the shots trigger add a new placeholder parent; the old one (which the
    delete left in the project, as Reigh does) comes back with the links, so the new one goes.
    """
    data = change.data
    shot: dict[str, Any] = data["shot"]
    project_id = uuid.UUID(data["project_id"])
    owner = conn.execute(
        "SELECT user_id, EXISTS (SELECT 1 FROM shots WHERE id = %s) FROM projects WHERE id = %s",
        (shot["id"], project_id),
    ).fetchone()
    if owner is None or owner[0] != user_id:
        raise NotFoundError(f"cannot undo {change.description!r}: the project was deleted since")
    if owner[1]:
        raise ConflictError(f"cannot undo {change.description!r}: the shot exists again")
    insert_rows(conn, "shots", [shot])
    shot_id = uuid.UUID(shot["id"])
    links: list[dict[str, Any]] = data["links"]
    # Reigh's trigger may have reused the old placeholder (its params name the shot): it is
    # one of the kept links' items, and stays.
    kept = {link["generation_id"] for link in links}
    fresh = [
        r[0]
        for r in conn.execute(_PLACEHOLDERS, {"shot": shot_id}).fetchall()
        if str(r[0]) not in kept
    ]
    conn.execute("DELETE FROM shot_generations WHERE shot_id = %s", (shot_id,))
    if fresh:
        conn.execute("DELETE FROM generations WHERE id = ANY(%s::uuid[])", (fresh,))
    if links:  # links to items deleted since cannot come back; the rest do
        conn.execute(
            sql.SQL(
                "INSERT INTO shot_generations SELECT r.* FROM jsonb_populate_recordset("
                "NULL::shot_generations, %s::jsonb) AS r "
                "WHERE EXISTS (SELECT 1 FROM generations g WHERE g.id = r.generation_id) "
                "ON CONFLICT DO NOTHING"
            ),
            (Jsonb(links),),
        )
    pairs: list[list[str]] = data.get("pairs") or []
    if pairs:
        conn.execute(
            "UPDATE generations g SET pair_shot_generation_id = u.link FROM "
            "unnest(%s::uuid[], %s::uuid[]) AS u(id, link) WHERE g.id = u.id "
            "AND g.pair_shot_generation_id IS NULL "
            "AND EXISTS (SELECT 1 FROM shot_generations WHERE id = u.link)",
            ([p[0] for p in pairs], [p[1] for p in pairs]),
        )
    return project_id, (shot_id,)


def rename(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, change: Change, force: bool
) -> tuple[uuid.UUID, tuple[uuid.UUID, ...]]:
    """Put a shot's name, or a project's name and aspect ratio, back, unless changed since."""
    data = change.data
    table = {"shots": "shots", "projects": "projects"}[data["table"]]
    before: dict[str, Any] = data["before"]
    after: dict[str, Any] = data["after"]
    columns = sorted(before)
    owned = (
        sql.SQL("t.user_id = %(user)s")
        if table == "projects"
        else sql.SQL(
            "EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id AND p.user_id = %(user)s)"
        )
    )
    row = conn.execute(
        sql.SQL("SELECT {} FROM {} t WHERE t.id = %(id)s AND {} FOR UPDATE").format(
            sql.SQL(", ").join(sql.Identifier("t", c) for c in columns),
            sql.Identifier(table),
            owned,
        ),
        {"id": data["id"], "user": user_id},
    ).fetchone()
    what = "shot" if table == "shots" else "project"
    if row is None:
        raise NotFoundError(f"cannot undo {change.description!r}: the {what} was deleted since")
    now = dict(zip(columns, row, strict=True))
    changed = [c for c in columns if now[c] != after[c]]
    if changed and not force:
        raise conflict(change, f"its {changed[0].replace('_', ' ')} was changed since")
    conn.execute(
        sql.SQL("UPDATE {} SET {} WHERE id = %(id)s").format(
            sql.Identifier(table),
            sql.SQL(", ").join(
                sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c)) for c in columns
            ),
        ),
        {"id": data["id"], **before},
    )
    shots = (uuid.UUID(data["id"]),) if table == "shots" else ()
    return uuid.UUID(data["project_id"]), shots


def reorder_shots(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, change: Change, force: bool
) -> tuple[uuid.UUID, tuple[uuid.UUID, ...]]:
    """Put each moved shot back at its old position, unless one was moved again since."""
    data = change.data
    positions: dict[str, list[int]] = data["positions"]
    rows = conn.execute(
        "SELECT s.id::text, s.position FROM shots s JOIN projects p ON p.id = s.project_id "
        "WHERE s.id = ANY(%s::uuid[]) AND p.user_id = %s FOR UPDATE OF s",
        (list(positions), user_id),
    ).fetchall()
    now = dict(rows)
    if not force and any(now[i] != positions[i][1] for i in now):
        raise conflict(change, "the shots were reordered again since")
    ids = list(now)
    conn.execute(
        "UPDATE shots s SET position = u.position "
        "FROM unnest(%s::uuid[], %s::int[]) AS u(id, position) WHERE s.id = u.id",
        (ids, [positions[i][0] for i in ids]),
    )
    return uuid.UUID(data["project_id"]), ()


def create_project(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, change: Change, force: bool
) -> tuple[uuid.UUID, tuple[uuid.UUID, ...]]:
    """Delete the project the change created, only while it holds nothing made since: no
    item with media, no other shot. ``force`` does not override this: this tool never
    deletes a user's work (delete such a project in Reigh)."""
    data = change.data
    project_id = uuid.UUID(data["project_id"])
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM generations WHERE project_id = p.id "
        "AND location IS NOT NULL), "
        "ARRAY(SELECT id::text FROM shots WHERE project_id = p.id) "
        "FROM projects p WHERE p.id = %s AND p.user_id = %s FOR UPDATE",
        (project_id, user_id),
    ).fetchone()
    if row is None:
        raise NotFoundError(f"cannot undo {change.description!r}: the project was deleted since")
    if row[0] or set(row[1]) - set(data.get("shot_ids", [])):
        raise ConflictError(
            f"cannot undo {change.description!r}: it now holds items or shots made since; "
            "nothing was changed (this tool does not delete a project with work in it)"
        )
    conn.execute("DELETE FROM projects WHERE id = %s", (project_id,))
    return project_id, ()
