"""The rows an upload makes, written the way Reigh writes them, and the checks before.

A generation takes two inserts (Reigh no longer makes the variant itself): ``generations``,
then its primary ``original`` variant, whose triggers copy location, thumbnail and params onto
the generation. LoRA weights become a ``resources`` row instead. Rows are written only after
the objects are stored, inside one transaction that first takes an advisory lock on (owner,
content hash) and looks again for the same bytes, so two uploaders racing with the same file
make one row, and the loser removes its objects.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.types.json import Jsonb

from workbench.errors import (
    SchemaError,
    ValidationError,
    WorkbenchConnectionError,
    first_line,
    not_found,
)
from workbench.generations.mutations import FRAME_SPACING, append_to_shot, lock_shot, owned_shot
from workbench.ids import as_uuid

if TYPE_CHECKING:
    from workbench.uploads.host import UploadHost


@dataclass(frozen=True)
class UploadTarget:
    """Where uploads go, checked to belong to the current user."""

    user_id: uuid.UUID
    project_id: uuid.UUID
    shot_id: uuid.UUID | None


@dataclass(frozen=True)
class ShotLink:
    """A ``shot_generations`` row an upload made: its id, shot and timeline frame as written
    (None: unpositioned). Undo deletes exactly these rows, and only while they are still
    where the upload put them."""

    id: uuid.UUID
    shot_id: uuid.UUID
    frame: int | None


def _project_uuid(wb: UploadHost, ref: Any) -> uuid.UUID:
    if isinstance(ref, str):
        try:
            return uuid.UUID(ref.strip())
        except ValueError:
            return wb.project(ref).id  # a project name
    return as_uuid(ref, "project id")


def check_target(wb: UploadHost, project: Any, shot: Any) -> UploadTarget:
    """The project (and the shot within it) must exist and belong to the current user."""
    user_id = wb.user_id
    project_id = _project_uuid(wb, project)
    shot_id = None if shot is None else as_uuid(shot, "shot id")
    with wb.pool.connection() as conn:
        row = conn.execute(
            "SELECT 1 FROM projects WHERE id = %s AND user_id = %s", (project_id, user_id)
        ).fetchone()
        if row is None:  # missing or another user's: the same answer
            raise not_found("project", project_id)
        if shot_id is not None and owned_shot(conn, shot_id, user_id) != project_id:
            raise ValidationError(f"shot {shot_id} is not in project {project_id}")
    return UploadTarget(user_id, project_id, shot_id)


def _lock(conn: psycopg.Connection[Any], *parts: object) -> None:
    """A transaction-scoped advisory lock named by ``parts``; released at commit."""
    name = "workbench-upload:" + ":".join(str(p) for p in parts)
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (name,))


def find_generation(
    conn: psycopg.Connection[Any], project_id: uuid.UUID, sha: str
) -> uuid.UUID | None:
    """A finished generation of the project holding exactly these bytes."""
    row = conn.execute(
        "SELECT id FROM generations WHERE project_id = %s AND params ->> 'content_sha256' = %s "
        "AND location IS NOT NULL ORDER BY created_at LIMIT 1",
        (project_id, sha),
    ).fetchone()
    return row[0] if row else None


def find_lora(conn: psycopg.Connection[Any], user_id: uuid.UUID, sha: str) -> uuid.UUID | None:
    row = conn.execute(
        "SELECT id FROM resources WHERE user_id = %s AND type = 'lora' "
        "AND metadata ->> 'content_sha256' = %s ORDER BY created_at LIMIT 1",
        (user_id, sha),
    ).fetchone()
    return row[0] if row else None


def link_duplicate(
    wb: UploadHost, target: UploadTarget, generation_id: uuid.UUID, kind: str
) -> ShotLink | None:
    """A re-uploaded file still joins the shot it was uploaded to, once; returns the link made
    (None when there is no shot or it was there already), so that undoing the upload can
    remove it: the generation is someone's earlier upload and stays.

    Images go on the end of the timeline; videos join unpositioned, as in Reigh, whose
    timelines hold images.
    """
    if target.shot_id is None:
        return None
    with wb.pool.connection() as conn, conn.transaction():
        link = append_to_shot(
            conn, target.shot_id, generation_id, positioned=kind == "image", only_if_absent=True
        )
    return None if link is None else ShotLink(link[0], target.shot_id, link[1])


@dataclass(frozen=True)
class NewGeneration:
    """A stored upload waiting for its rows: what ``generations`` and its variant get."""

    kind: str
    location: str
    thumbnail_url: str | None
    params: dict[str, Any]


Recorded = tuple[uuid.UUID, bool, ShotLink | None]
"""(generation id, whether this upload made it, its link into the shot)."""

# Takes the advisory locks named, in the order given (sorted by the caller, so that two
# batches never wait on each other in a cycle); ``_lock`` names them the same way.
_LOCKS = "SELECT pg_advisory_xact_lock(hashtextextended(name, 0)) FROM unnest(%s::text[]) AS name"

# One statement records a whole batch: every input row (``n`` its place in the batch) whose
# bytes the project does not hold yet becomes a generation, its primary ``original`` variant
# and, with a shot, a link (images on the timeline's end in batch order, videos unpositioned);
# the first of identical files wins. One row comes back per input row, in order.
_BATCH = """
WITH input AS (
    SELECT * FROM unnest(%(n)s::int[], %(kind)s::text[], %(location)s::text[],
        %(thumbnail)s::text[], %(params)s::jsonb[]) AS i(n, kind, location, thumbnail_url, params)
), existing AS (
    SELECT DISTINCT ON (i.n) i.n, g.id FROM input i
    JOIN generations g ON g.project_id = %(project)s AND g.location IS NOT NULL
        AND g.params ->> 'content_sha256' = i.params ->> 'content_sha256'
    ORDER BY i.n, g.created_at
), fresh AS (
    SELECT DISTINCT ON (i.params ->> 'content_sha256') i.* FROM input i
    WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.n = i.n)
    ORDER BY i.params ->> 'content_sha256', i.n
), made AS (
    INSERT INTO generations (project_id, type, location, thumbnail_url, params)
    SELECT %(project)s, f.kind, f.location, f.thumbnail_url, f.params FROM fresh f ORDER BY f.n
    RETURNING id, location
), born AS (
    SELECT f.n, f.kind, f.location, f.thumbnail_url, f.params, m.id
    FROM fresh f JOIN made m ON m.location = f.location
){variants}, links AS (
    INSERT INTO shot_generations (shot_id, generation_id, timeline_frame)
    SELECT %(shot)s, b.id, CASE WHEN b.kind = 'image' THEN
        (SELECT coalesce(max(s.timeline_frame) + %(spacing)s, 0) FROM shot_generations s
         WHERE s.shot_id = %(shot)s)
        + %(spacing)s * (row_number() OVER (PARTITION BY b.kind = 'image' ORDER BY b.n) - 1) END
    FROM born b WHERE %(shot)s::uuid IS NOT NULL ORDER BY b.n
    RETURNING id, generation_id, timeline_frame
)
SELECT i.n, COALESCE(b.id, e.id, w.id), b.id IS NOT NULL, l.id, l.timeline_frame
FROM input i
LEFT JOIN born b ON b.n = i.n
LEFT JOIN existing e ON e.n = i.n
LEFT JOIN born w ON w.params ->> 'content_sha256' = i.params ->> 'content_sha256'
LEFT JOIN links l ON l.generation_id = b.id
ORDER BY i.n
"""
_VARIANTS = """, variants AS (
    INSERT INTO generation_variants (generation_id, location, thumbnail_url, params, is_primary,
        variant_type, name)
    SELECT b.id, b.location, b.thumbnail_url, b.params, true, 'original', 'Original'
    FROM born b ORDER BY b.n
    RETURNING id
)"""


def insert_generations(
    wb: UploadHost, target: UploadTarget, batch: Sequence[NewGeneration]
) -> list[Recorded]:
    """Record a batch of stored uploads in one transaction and one round trip (a pipeline:
    BEGIN, the locks, one statement, COMMIT, then one Sync); returns one ``Recorded`` per
    upload, in order.

    Each upload's rows are written as ``insert_generation`` writes them, under the same
    advisory locks on (project, content hash), taken in a fixed order, and then the shot's
    timeline lock; an upload whose bytes the project holds by then (another upload won the
    race, or an earlier file of this batch has the same bytes) writes nothing and gets
    ``created`` False with the holder's id. The statement succeeds or fails as a whole."""
    if not batch:
        return []
    project = target.project_id
    names = sorted({f"workbench-upload:{project}:{b.params['content_sha256']}" for b in batch})
    statement = _BATCH.format(variants=_VARIANTS if wb.schema.has("generation_variants") else "")
    params = {
        "n": list(range(len(batch))),
        "kind": [b.kind for b in batch],
        "location": [b.location for b in batch],
        "thumbnail": [b.thumbnail_url for b in batch],
        "params": [Jsonb(b.params) for b in batch],
        "project": project,
        "shot": target.shot_id,
        "spacing": FRAME_SPACING,
    }
    with wb.pool.connection() as conn:
        try:
            with conn.pipeline():  # one Sync at the end: all of it in one round trip
                conn.execute("BEGIN")
                conn.execute(_LOCKS, (names,))
                if target.shot_id is not None:
                    lock_shot(conn, target.shot_id)  # as append_to_shot: frames are given out
                cursor = conn.execute(statement, params)
                conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(psycopg.Error):  # a failed statement skipped the COMMIT
                conn.rollback()
            raise
        rows = cursor.fetchall()
    recorded: list[Recorded] = []
    for _, generation_id, created, link_id, frame in rows:
        link = None
        if link_id is not None and target.shot_id is not None:
            link = ShotLink(link_id, target.shot_id, frame)
        recorded.append((generation_id, created, link))
    return recorded


def insert_generation(
    wb: UploadHost,
    target: UploadTarget,
    *,
    kind: str,
    location: str,
    thumbnail_url: str | None,
    params: dict[str, Any],
) -> Recorded:
    """Record one upload; returns (generation id, whether it is new, its link into the shot).

    ``False`` means another upload of the same bytes won the race: nothing was written. The
    batch statement with one row (see ``insert_generations``): one round trip."""
    (recorded,) = insert_generations(
        wb, target, [NewGeneration(kind, location, thumbnail_url, params)]
    )
    return recorded


def find_generations(
    conn: psycopg.Connection[Any], project_id: uuid.UUID, shas: Sequence[str]
) -> dict[str, uuid.UUID]:
    """The project's finished generations holding exactly these bytes, by hash (the oldest
    when several do): one query for a whole batch of files."""
    rows = conn.execute(
        "SELECT DISTINCT ON (params ->> 'content_sha256') params ->> 'content_sha256', id "
        "FROM generations WHERE project_id = %s AND params ->> 'content_sha256' = ANY(%s) "
        "AND location IS NOT NULL ORDER BY params ->> 'content_sha256', created_at",
        (project_id, list(shas)),
    ).fetchall()
    return {sha: generation_id for sha, generation_id in rows}


def insert_lora(
    wb: UploadHost, target: UploadTarget, *, metadata: dict[str, Any]
) -> tuple[uuid.UUID, bool]:
    """Record LoRA weights as a ``resources`` row; returns (resource id, whether it is new)."""
    if not wb.schema.has("resources"):
        raise SchemaError("this database has no resources table: LoRA files cannot be recorded")
    sha = metadata["content_sha256"]
    with wb.pool.connection() as conn, conn.transaction():
        _lock(conn, target.user_id, sha)
        existing = find_lora(conn, target.user_id, sha)
        if existing is not None:
            return existing, False
        row = conn.execute(
            "INSERT INTO resources (user_id, type, metadata, is_public) "
            "VALUES (%s, 'lora', %s, false) RETURNING id",
            (target.user_id, Jsonb(metadata)),
        ).fetchone()
        assert row is not None
    return row[0], True


def find_existing(wb: UploadHost, target: UploadTarget, kind: str, sha: str) -> uuid.UUID | None:
    """The row already holding these bytes: a generation of the project, or the user's LoRA."""
    with wb.pool.connection() as conn:
        if kind == "lora":
            return find_lora(conn, target.user_id, sha) if wb.schema.has("resources") else None
        return find_generation(conn, target.project_id, sha)


def is_recorded(wb: UploadHost, entry: Mapping[str, Any]) -> bool:
    """Whether a journaled object (``entry``: its ``url`` and ``row``) is referenced by the row
    its upload would have written: a generation of the project (location or thumbnail), or
    the user's LoRA resource. Raises ``WorkbenchConnectionError`` when the database cannot
    say, so the journal keeps the entry rather than deleting a recorded object."""
    row = entry.get("row") or {}
    urls = [u for u in {entry.get("url"), wb.storage.url(entry["key"])} if isinstance(u, str) and u]
    try:
        owner = uuid.UUID(str(row.get("owner")))
    except ValueError:
        return False
    try:
        with wb.pool.connection() as conn:
            if row.get("table") == "resources":
                if not wb.schema.has("resources"):
                    return False
                found = conn.execute(
                    "SELECT EXISTS (SELECT 1 FROM resources WHERE user_id = %s AND type = 'lora' "
                    "AND metadata -> 'Model Files' @> ANY(%s))",
                    (owner, [Jsonb([{"url": u}]) for u in urls]),
                ).fetchone()
            else:
                found = conn.execute(
                    "SELECT EXISTS (SELECT 1 FROM generations WHERE project_id = %s "
                    "AND (location = ANY(%s) OR thumbnail_url = ANY(%s)))",
                    (owner, urls, urls),
                ).fetchone()
    except psycopg.Error as exc:
        raise WorkbenchConnectionError(
            f"looking up the row of {entry['key']}: {first_line(exc)}"
        ) from None
    return bool(found and found[0])
