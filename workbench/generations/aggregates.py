"""Counts computed in the database, one grouped query each, never by fetching rows.

They follow the web app's numbers: unfinished generations (``location IS NULL``, such as the
placeholder every shot gets) and child segments never count, and videos are never
"unpositioned". Reigh's own SQL function ``count_unpositioned_generations`` counts unfinished
rows too, so it is deliberately not used.
"""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import class_row

from workbench.models import ProjectCounts, ShotCounts

# Reigh's numbers, shared by the per-project queries below and the navigator's overview
# (``projects.ProjectsService.overview``): a finished, top-level generation counts; a video
# is never "unpositioned". Select lists over ``generations g`` (and ``shot_generations sg``).
FINISHED = "g.location IS NOT NULL AND NOT g.is_child"
VIDEO = "g.type LIKE '%%video%%'"  # Reigh's test for a video (NULL type: not a video)
IMAGE = "COALESCE(g.type, '') NOT LIKE '%%video%%'"


def unpositioned(link: str = "sg") -> str:
    """THE definition of "unpositioned", for the navigator's counts and the gallery's filter
    alike (so the badge and the filtered list cannot disagree): an image linked to a shot
    without a timeline frame. A video in a shot has no frame either, but Reigh shows it with
    the shot's videos, never among the unpositioned. ``link`` is the shot_generations alias."""
    return f"{link}.timeline_frame IS NULL AND {IMAGE}"


SHOT_COUNTS = f"""
    count(g.id)::int AS total,
    count(g.id) FILTER (WHERE sg.timeline_frame IS NOT NULL)::int AS positioned,
    count(g.id) FILTER (WHERE {unpositioned("sg")})::int AS unpositioned,
    count(g.id) FILTER (WHERE {VIDEO})::int AS videos
"""
PROJECT_COUNTS = """
    count(*)::int AS total,
    count(*) FILTER (WHERE IS_IMAGE)::int AS images,
    count(*) FILTER (WHERE IS_VIDEO)::int AS videos,
    count(*) FILTER (WHERE g.starred)::int AS starred,
    count(*) FILTER (WHERE NOT EXISTS (
        SELECT 1 FROM shot_generations x
        JOIN shots xs ON xs.id = x.shot_id
        JOIN projects xp ON xp.id = xs.project_id
        JOIN projects gp ON gp.id = g.project_id
        WHERE x.generation_id = g.id AND xp.user_id = gp.user_id))::int AS in_no_shot
""".replace("IS_IMAGE", IMAGE).replace("IS_VIDEO", VIDEO)  # fixed SQL: no value is spliced


# Over a shot ``s`` and a generation ``g`` linked into it: both are the same user's. Another
# user's generation in my shot is not shown in it, so it is not counted either (and their shot
# linking my generation is not one of my shots); no parameter: the owner comes from the rows.
SAME_OWNER = (
    "EXISTS (SELECT 1 FROM projects gp JOIN projects sp ON sp.user_id = gp.user_id "
    "WHERE gp.id = g.project_id AND sp.id = s.project_id)"
)


def shot_counts(conn: psycopg.Connection[Any], project_id: uuid.UUID) -> list[ShotCounts]:
    """Per shot of the project: total, positioned, unpositioned images, videos."""
    query = sql.SQL(
        """
        SELECT s.id AS shot_id, {counts}
        FROM shots s
        LEFT JOIN shot_generations sg ON sg.shot_id = s.id
        LEFT JOIN generations g ON g.id = sg.generation_id AND {finished} AND {same_owner}
        WHERE s.project_id = %s
        GROUP BY s.id
        ORDER BY s.position, s.name
        """
    ).format(
        counts=sql.SQL(SHOT_COUNTS), finished=sql.SQL(FINISHED), same_owner=sql.SQL(SAME_OWNER)
    )
    with conn.cursor(row_factory=class_row(ShotCounts)) as cur:
        return cur.execute(query, (project_id,)).fetchall()


def project_counts(conn: psycopg.Connection[Any], project_id: uuid.UUID) -> ProjectCounts:
    query = sql.SQL(
        "SELECT {counts} FROM generations g WHERE g.project_id = %s AND {finished}"
    ).format(counts=sql.SQL(PROJECT_COUNTS), finished=sql.SQL(FINISHED))
    with conn.cursor(row_factory=class_row(ProjectCounts)) as cur:
        row = cur.execute(query, (project_id,)).fetchone()
    assert row is not None  # an aggregate always returns one row
    return row
