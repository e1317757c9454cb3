"""The rows an upload makes, written the way Reigh writes them, and the checks before.

A generation takes two inserts (Reigh no longer makes the variant itself): ``generations``,
then its primary ``original`` variant, whose triggers copy location, thumbnail and params onto
the generation. LoRA weights become a ``resources`` row instead. Rows are written only after
the objects are stored, inside one transaction that first takes an advisory lock on (owner,
content hash) and looks again for the same bytes, so two uploaders racing with the same file
make one row, and the loser removes its objects.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
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
from workbench.generations.mutations import append_to_shot, owned_shot
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


def insert_generation(
    wb: UploadHost,
    target: UploadTarget,
    *,
    kind: str,
    location: str,
    thumbnail_url: str | None,
    params: dict[str, Any],
) -> tuple[uuid.UUID, bool, ShotLink | None]:
    """Record an upload; returns (generation id, whether it is new, its link into the shot).

    ``False`` means another upload of the same bytes won the race: nothing was written.
    """
    sha = params["content_sha256"]
    with wb.pool.connection() as conn, conn.transaction():
        _lock(conn, target.project_id, sha)
        existing = find_generation(conn, target.project_id, sha)
        if existing is not None:
            return existing, False, None
        row = conn.execute(
            "INSERT INTO generations (project_id, type, location, thumbnail_url, params) "
            "VALUES (%s, %s, %s, %s, %s) RETURNING id",
            (target.project_id, kind, location, thumbnail_url, Jsonb(params)),
        ).fetchone()
        assert row is not None  # INSERT ... RETURNING always returns the row
        generation_id: uuid.UUID = row[0]
        if wb.schema.has("generation_variants"):
            conn.execute(
                "INSERT INTO generation_variants (generation_id, location, thumbnail_url, params, "
                "is_primary, variant_type, name) VALUES (%s, %s, %s, %s, true, 'original', "
                "'Original')",
                (generation_id, location, thumbnail_url, Jsonb(params)),
            )
        link = None
        if target.shot_id is not None:  # images on the timeline's end, videos unpositioned
            made = append_to_shot(conn, target.shot_id, generation_id, positioned=kind == "image")
            link = None if made is None else ShotLink(made[0], target.shot_id, made[1])
    return generation_id, True, link


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
