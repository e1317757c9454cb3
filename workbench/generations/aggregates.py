"""Counts computed in the database, one grouped query each, never by fetching rows.

They follow the web app's numbers: unfinished generations (``location IS NULL``, such as the
placeholder every shot gets) and child segments never count, and videos are never
"unpositioned". Reigh's own SQL function ``count_unpositioned_generations`` counts unfinished
rows too, so it is deliberately not used.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import class_row
from psycopg_pool import ConnectionPool

from workbench import keys
from workbench.cache import CacheEvent, QueryCache
from workbench.cache.flight import start_daemon
from workbench.db.connection import run_idempotent
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


# The current user's projects, from the project counted: a generation counts in a shot, and
# a link puts a generation "in a shot", only when both belong to that user (the owner comes
# from the rows, as in SAME_OWNER). A hashed set, looked up once per row.
_OWNERS_PROJECTS = (
    "SELECT mp.id FROM projects mp WHERE mp.user_id = "
    "(SELECT op.user_id FROM projects op WHERE op.id = %(project)s)"
)

# One pass over the project's finished generations (an index-only scan with the extras'
# covering index), each looked up in a hash of the generations the owner's shots link: the
# per-row NOT EXISTS of PROJECT_COUNTS (three index probes per generation) made 1M rows take
# seconds. Same numbers as PROJECT_COUNTS, which the navigator's overview still uses.
_PROJECT_COUNTS_QUERY = sql.SQL(
    """
    WITH linked AS (
        SELECT DISTINCT x.generation_id FROM shot_generations x
        JOIN shots xs ON xs.id = x.shot_id
        WHERE xs.project_id IN ({owners}))
    SELECT count(*)::int AS total,
        count(*) FILTER (WHERE {image})::int AS images,
        count(*) FILTER (WHERE {video})::int AS videos,
        count(*) FILTER (WHERE g.starred)::int AS starred,
        count(*) FILTER (WHERE l.generation_id IS NULL)::int AS in_no_shot
    FROM generations g LEFT JOIN linked l ON l.generation_id = g.id
    WHERE g.project_id = %(project)s AND {finished}
    """
).format(
    owners=sql.SQL(_OWNERS_PROJECTS),
    image=sql.SQL(IMAGE),
    video=sql.SQL(VIDEO),
    finished=sql.SQL(FINISHED),
)

_SHOT_COUNTS_QUERY = sql.SQL(
    """
    SELECT s.id AS shot_id, {counts}
    FROM shots s
    LEFT JOIN shot_generations sg ON sg.shot_id = s.id
    LEFT JOIN generations g ON g.id = sg.generation_id AND {finished}
        AND g.project_id IN ({owners})
    WHERE s.project_id = %(project)s
      AND (%(only)s::uuid[] IS NULL OR s.id = ANY(%(only)s::uuid[]))
    GROUP BY s.id
    ORDER BY s.position, s.name
    """
).format(counts=sql.SQL(SHOT_COUNTS), finished=sql.SQL(FINISHED), owners=sql.SQL(_OWNERS_PROJECTS))


def shot_counts(
    conn: psycopg.Connection[Any],
    project_id: uuid.UUID,
    only: Sequence[uuid.UUID] | None = None,
) -> list[ShotCounts]:
    """Per shot of the project (or only the shots ``only`` names that are still in it):
    total, positioned, unpositioned images, videos; in the shots' order. Recounting a few
    shots after a change costs what those shots hold, not what the project holds."""
    params = {"project": project_id, "only": None if only is None else list(only)}
    with conn.cursor(row_factory=class_row(ShotCounts)) as cur:
        return cur.execute(_SHOT_COUNTS_QUERY, params).fetchall()


def project_counts(conn: psycopg.Connection[Any], project_id: uuid.UUID) -> ProjectCounts:
    """All, images, videos, starred and in no shot, for one project: one statement, one
    pass over its generations."""
    with conn.cursor(row_factory=class_row(ProjectCounts)) as cur:
        row = cur.execute(_PROJECT_COUNTS_QUERY, {"project": project_id}).fetchone()
    assert row is not None  # an aggregate always returns one row
    return row


log = logging.getLogger(__name__)

# The counts' cache family: outside every gallery's prefix, so that a change to a gallery does
# not throw away counts it did not change (CountKeeper decides what it changed).
COUNTS = "generation-counts"
_MAX_DIRTY = 10_000  # shots waiting for a recount; beyond, every project is recounted whole


class CountKeeper:
    """A session's project and shot counts: counted in one pass, kept, and updated from what
    changed rather than recounted whole after every change.

    It hears every cache invalidation (``QueryCache.follow``): the workbench's own changes and
    other clients' (live updates, polling) both arrive as invalidated gallery prefixes.

    - A shot's gallery invalidated (a link added, removed or moved; a linked generation
      starred, finished or deleted): that shot is recounted alone, on the next read, and
      spliced into the project's list; at a million generations in 5,000 shots that is one
      shot's hundred links instead of every link. Every change that can move a shot's counts
      invalidates that shot: our mutations name the shots they touch and the NOTIFY payloads
      name the shots of the rows changed.
    - A project's gallery invalidated: its project counts are recounted (one pass), and its
      shot counts are recounted whole in the background while the kept list is served: a
      poll that only saw "the project moved" (polling.py) may hide a change to a shot nobody
      shows, which no shot invalidation will name.
    - Its shot list changed (``keys.shots``: a shot created, deleted, reordered): its shot
      counts are recounted whole. A wider invalidation (everything, every gallery): all.
    """

    def __init__(self, cache: QueryCache, pool: ConnectionPool) -> None:
        self._cache = cache
        self._pool = pool
        self._lock = threading.Lock()
        self._dirty: set[uuid.UUID] = set()  # shots changed since they were counted
        self._behind: set[uuid.UUID] = set()  # projects changed since their shots were counted
        self._running: set[uuid.UUID] = set()  # projects whose shots are being recounted
        self.unfollow = cache.follow((), self._heard)

    def project(self, project_id: uuid.UUID) -> ProjectCounts:
        """The project's counts, from the cache or one pass over its generations."""
        return self._cache.get_or_fetch(
            (COUNTS, "project", project_id),
            lambda: run_idempotent(self._pool, lambda c: project_counts(c, project_id)),
        )

    def shots(self, project_id: uuid.UUID) -> list[ShotCounts]:
        """The project's shot counts: the kept list, with the shots changed since recounted
        (one small query, only when some did)."""
        key = (COUNTS, "shots", project_id)
        counted: list[ShotCounts] = self._cache.get_or_fetch(key, lambda: self._all(project_id))
        with self._lock:
            dirty = self._dirty.intersection(c.shot_id for c in counted)
            self._dirty -= dirty
        with self._lock:
            behind = project_id in self._behind and project_id not in self._running
        if behind:
            start_daemon("workbench-shot-counts", lambda: self._refresh(project_id))
        if not dirty:
            return counted
        try:
            recounted = run_idempotent(
                self._pool, lambda c: shot_counts(c, project_id, sorted(dirty))
            )
        except BaseException:
            with self._lock:
                self._dirty |= dirty  # still to do
            raise
        fresh = {c.shot_id: c for c in recounted}
        # A changed shot missing from the recount has left the project (deleted): dropped.
        merged = [
            fresh.get(c.shot_id, c) for c in counted if c.shot_id not in dirty or c.shot_id in fresh
        ]
        self._cache.set_query_data(key, merged)
        with self._lock:
            if project_id in self._running:  # that recount will not be stored now: again
                self._behind.add(project_id)
        return merged

    def _refresh(self, project_id: uuid.UUID) -> None:
        """Recount the project's shots whole, on a background thread; stored when it lands."""
        with self._lock:
            self._running.add(project_id)
        try:
            self._cache.get_or_fetch(
                (COUNTS, "shots", project_id), lambda: self._all(project_id), force=True
            )
        except Exception:  # the next read tries again
            with self._lock:
                self._behind.add(project_id)
            log.warning("recounting the shots of project %s failed", project_id, exc_info=True)
        finally:
            with self._lock:
                self._running.discard(project_id)

    def _all(self, project_id: uuid.UUID) -> list[ShotCounts]:
        """Every shot counted: the changes marked before the count began are done."""
        with self._lock:
            before = set(self._dirty)
            self._behind.discard(project_id)
        counted = run_idempotent(self._pool, lambda c: shot_counts(c, project_id))
        with self._lock:
            self._dirty -= before.intersection(c.shot_id for c in counted)
        return counted

    def _heard(self, event: CacheEvent) -> None:
        """What an invalidation (or removal) of ``event.key`` changes among the counts."""
        prefix = event.key
        family = prefix[0] if prefix else None
        if family == COUNTS:
            return  # our own
        if family == keys.GALLERY and len(prefix) >= 3:
            if prefix[1] == "shot" and isinstance(prefix[2], uuid.UUID):
                with self._lock:
                    self._dirty.add(prefix[2])
                    overflow = len(self._dirty) > _MAX_DIRTY
                if overflow:
                    self._recount_all()
            elif prefix[1] == "project" and isinstance(prefix[2], uuid.UUID):
                with self._lock:
                    self._behind.add(prefix[2])
                self._cache.invalidate((COUNTS, "project", prefix[2]))
        elif family == keys.SHOTS and len(prefix) >= 2:
            self._cache.invalidate((COUNTS, "shots", prefix[1]))
        elif family is None or (family in (keys.GALLERY, keys.SHOTS) and len(prefix) < 3):
            self._recount_all()

    def _recount_all(self) -> None:
        with self._lock:
            self._dirty.clear()
            self._behind.clear()
        self._cache.invalidate((COUNTS,))
