"""Undoing a recorded change: one function per kind, each one transaction.

Every undo first reads, under row locks, what it is about to overwrite, and refuses with a
``ConflictError`` (changing nothing) when a newer change made elsewhere would be lost: the star
was changed again, a settings field holds a third value, a deleted id exists again, a link
moved. ``force=True`` undoes anyway. Each runs in pipeline mode: the check is one round trip
(BEGIN travels with it) and the writes with the COMMIT are another, however many statements
the restore needs.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from workbench.changes import undo_structure
from workbench.changes.record import Change
from workbench.changes.rows import conflict, insert_rows, update_rows
from workbench.db.schema import SchemaInfo
from workbench.errors import NotFoundError, PermissionDenied, ValidationError
from workbench.generations import mutations
from workbench.settings import store
from workbench.settings.resolve import get_path
from workbench.settings.service import SettingsService
from workbench.settings.store import SettingsTarget, SettingsWrite

if TYPE_CHECKING:
    from workbench.uploads.uploader import UploadResult


@dataclass(frozen=True)
class Undone:
    """What an undo touched, for the caches: a project's and shots' galleries, one settings
    row."""

    project_id: uuid.UUID | None = None
    shot_ids: tuple[uuid.UUID, ...] = ()
    settings: tuple[str, uuid.UUID] | None = None  # (scope, id)
    more_settings: tuple[tuple[str, uuid.UUID], ...] = ()  # a batch's other rows


@dataclass(frozen=True)
class UndoContext:
    """What undoing needs from a workbench. ``quiet`` wraps the undo's own settings
    announcement so that the journal does not record it as a new change."""

    pool: ConnectionPool
    schema: SchemaInfo
    user_id: uuid.UUID
    settings: SettingsService
    quiet: Callable[[], Any]


def undo_change(change: Change, ctx: UndoContext, *, force: bool = False) -> Undone:
    """Undo ``change``; raises ``ConflictError`` (nothing changed) unless ``force``."""
    if change.user_id != str(ctx.user_id):
        raise PermissionDenied(
            f"cannot undo {change.description!r}: it was made by another user (data of "
            f"user {change.user_id})"
        )
    if change.data.get("too_large"):
        raise ValidationError(
            f"cannot undo {change.description!r} from this device: what undoes it was too "
            "large to keep here; undo it in the session that made it"
        )
    if change.kind in ("settings", "settings-batch"):
        return _settings(change, ctx, force)
    handler = _HANDLERS.get(change.kind)
    if handler is None:
        raise ValidationError(f"cannot undo a change of kind {change.kind!r}")
    with ctx.pool.connection() as conn, _transaction(conn):
        return handler(conn, ctx, change, force)


@contextmanager
def _transaction(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """One transaction in pipeline mode: statements whose results nobody reads wait and go
    together with the COMMIT."""
    with conn.pipeline(), conn.transaction():
        yield


def _owned(
    conn: psycopg.Connection[Any], ctx: UndoContext, change: Change, generation_id: str
) -> tuple[uuid.UUID, tuple[uuid.UUID, ...], str, bool]:
    try:
        return mutations.owned_generation(conn, uuid.UUID(generation_id), ctx.user_id)
    except NotFoundError:
        raise NotFoundError(
            f"cannot undo {change.description!r}: the generation was deleted since"
        ) from None


# -- generations -----------------------------------------------------------------------------
def _star(conn: psycopg.Connection[Any], ctx: UndoContext, change: Change, force: bool) -> Undone:
    """Put each generation's star back as it was (a batch: each its own), unless one was
    starred or unstarred again since."""
    data = change.data
    if not isinstance(data["before"], dict):  # one generation, as recorded before batches
        data = {"before": {data["generation_id"]: data["before"]}, "after": data["after"]}
    before: dict[str, bool] = data["before"]
    rows = conn.execute(
        "SELECT g.id::text, g.starred, g.project_id, ARRAY(SELECT DISTINCT x.shot_id "
        "FROM shot_generations x WHERE x.generation_id = g.id) FROM generations g "
        "JOIN projects p ON p.id = g.project_id AND p.user_id = %s "
        "WHERE g.id = ANY(%s::uuid[]) FOR UPDATE OF g",
        (ctx.user_id, list(before)),
    ).fetchall()
    if not rows:
        raise NotFoundError(f"cannot undo {change.description!r}: the generation was deleted since")
    again = [row for row in rows if row[1] != data["after"]]
    if again and not force:
        what = "it was" if len(before) == 1 else f"{len(again)} of them were"
        raise conflict(change, f"{what} {'starred' if again[0][1] else 'unstarred'} again since")
    ids = [row[0] for row in rows]
    conn.execute(
        "UPDATE generations g SET starred = u.starred, updated_at = now() "
        "FROM unnest(%s::uuid[], %s::bool[]) AS u(id, starred) WHERE g.id = u.id",
        (ids, [bool(before[i]) for i in ids]),
    )
    return Undone(rows[0][2], tuple({shot for row in rows for shot in row[3]}))


def _star_variant(
    conn: psycopg.Connection[Any], ctx: UndoContext, change: Change, force: bool
) -> Undone:
    """Put each variant's star back, unless one was changed again since."""
    before: dict[str, bool] = change.data["before"]
    rows = conn.execute(
        "SELECT v.id::text, v.starred, g.project_id FROM generation_variants v "
        "JOIN generations g ON g.id = v.generation_id "
        "JOIN projects p ON p.id = g.project_id AND p.user_id = %s "
        "WHERE v.id = ANY(%s::uuid[]) FOR UPDATE OF v",
        (ctx.user_id, list(before)),
    ).fetchall()
    if not rows:
        raise NotFoundError(f"cannot undo {change.description!r}: the variant was deleted since")
    if any(row[1] != change.data["after"] for row in rows) and not force:
        raise conflict(change, "it was starred or unstarred again since")
    ids = [row[0] for row in rows]
    conn.execute(
        "UPDATE generation_variants v SET starred = u.starred "
        "FROM unnest(%s::uuid[], %s::bool[]) AS u(id, starred) WHERE v.id = u.id",
        (ids, [bool(before[i]) for i in ids]),
    )
    return Undone(rows[0][2])


def _delete_variant(
    conn: psycopg.Connection[Any], ctx: UndoContext, change: Change, force: bool
) -> Undone:
    """Put the deleted variant back with its id, if its generation is still there."""
    project_id, shots, _, _ = _owned(conn, ctx, change, change.data["generation_id"])
    rows: list[dict[str, Any]] = change.data["rows"]
    back = conn.execute(
        "SELECT count(*) FROM generation_variants WHERE id = ANY(%s::uuid[])",
        ([r["id"] for r in rows],),
    ).fetchone()
    if back and back[0] and not force:
        raise conflict(change, "the variant exists again")
    if not (back and back[0]):
        insert_rows(conn, "generation_variants", rows)
        update_rows(conn, "generation_variants", rows)  # every column as it was
    return Undone(project_id, shots)


def _set_primary(
    conn: psycopg.Connection[Any], ctx: UndoContext, change: Change, force: bool
) -> Undone:
    data = change.data
    gid = data["generation_id"]
    project_id, shots, _, _ = _owned(conn, ctx, change, gid)
    row = conn.execute(
        "SELECT (SELECT id FROM generation_variants WHERE generation_id = %s AND is_primary), "
        "EXISTS (SELECT 1 FROM generation_variants WHERE id = %s AND generation_id = %s)",
        (gid, data["before"], gid),
    ).fetchone()
    assert row is not None
    now = None if row[0] is None else str(row[0])
    if now != data["after"] and not force:
        raise conflict(change, "another variant was made primary since")
    if data["before"] is None:  # there was no primary: demote the one we made
        conn.execute(
            "UPDATE generation_variants SET is_primary = false WHERE generation_id = %s "
            "AND is_primary",
            (gid,),
        )
        conn.execute("UPDATE generations SET primary_variant_id = NULL WHERE id = %s", (gid,))
    elif not row[1]:
        raise NotFoundError(
            f"cannot undo {change.description!r}: the variant that was primary was deleted"
        )
    else:  # Reigh's trigger demotes the other one and copies its media to the generation
        conn.execute(
            "UPDATE generation_variants SET is_primary = false "
            "WHERE generation_id = %s AND is_primary AND id <> %s",
            (gid, data["before"]),
        )
        conn.execute(
            "UPDATE generation_variants SET is_primary = true WHERE id = %s", (data["before"],)
        )
    return Undone(project_id, shots)


def _shot(
    conn: psycopg.Connection[Any], ctx: UndoContext, change: Change
) -> tuple[uuid.UUID, uuid.UUID]:
    shot_id = uuid.UUID(change.data["shot_id"])
    try:
        return mutations.owned_shot(conn, shot_id, ctx.user_id), shot_id
    except NotFoundError:
        raise NotFoundError(
            f"cannot undo {change.description!r}: the shot was deleted since"
        ) from None


def _add_to_shot(
    conn: psycopg.Connection[Any], ctx: UndoContext, change: Change, force: bool
) -> Undone:
    """Remove the links the change made, if they are still where it put them."""
    project_id, shot_id = _shot(conn, ctx, change)
    links: dict[str, int | None] = change.data["links"]
    rows = conn.execute(
        "SELECT id, timeline_frame FROM shot_generations WHERE id = ANY(%s::uuid[]) FOR UPDATE",
        (list(links),),
    ).fetchall()
    now = {str(row[0]): row[1] for row in rows}
    if not force:
        if len(now) < len(links):
            raise conflict(change, "the item was removed from the shot since")
        moved = [i for i, frame in links.items() if now[i] != frame]
        if moved:
            raise conflict(change, f"it was moved on the timeline since (now at {now[moved[0]]})")
    conn.execute("DELETE FROM shot_generations WHERE id = ANY(%s::uuid[])", (list(now),))
    return Undone(project_id, (shot_id,))


def _remove_from_shot(
    conn: psycopg.Connection[Any], ctx: UndoContext, change: Change, force: bool
) -> Undone:
    """Put the removed links back with their ids, frames and metadata."""
    project_id, shot_id = _shot(conn, ctx, change)
    rows: list[dict[str, Any]] = change.data["rows"]
    found = conn.execute(
        "SELECT ARRAY(SELECT id::text FROM shot_generations WHERE id = ANY(%s::uuid[])), "
        "ARRAY(SELECT id::text FROM generations WHERE id = ANY(%s::uuid[]))",
        ([r["id"] for r in rows], list({r["generation_id"] for r in rows})),
    ).fetchone()
    assert found is not None
    back, generations = set(found[0]), set(found[1])
    if back and not force:
        raise conflict(change, "the link exists again")
    if not generations:
        raise NotFoundError(f"cannot undo {change.description!r}: the generation was deleted")
    wanted = [r for r in rows if r["id"] not in back and r["generation_id"] in generations]
    insert_rows(conn, "shot_generations", wanted)
    return Undone(project_id, (shot_id,))


def _reorder(
    conn: psycopg.Connection[Any], ctx: UndoContext, change: Change, force: bool
) -> Undone:
    """Put each moved link back at its old frame, if it is still where the reorder put it."""
    project_id, shot_id = _shot(conn, ctx, change)
    frames: dict[str, list[int | None]] = change.data["frames"]
    rows = conn.execute(
        "SELECT id::text, timeline_frame FROM shot_generations WHERE id = ANY(%s::uuid[]) "
        "AND shot_id = %s FOR UPDATE",
        (list(frames), shot_id),
    ).fetchall()
    now = dict(rows)
    moved = [i for i, (_, after) in frames.items() if i in now and now[i] != after]
    if not force and (len(now) < len(frames) or moved):
        what = "items were removed from the shot since" if len(now) < len(frames) else ""
        raise conflict(change, what or "items were moved on the timeline since")
    ids = [i for i in frames if i in now]
    conn.execute(
        "UPDATE shot_generations sg SET timeline_frame = u.frame, updated_at = now() "
        "FROM unnest(%s::uuid[], %s::int[]) AS u(id, frame) WHERE sg.id = u.id",
        (ids, [frames[i][0] for i in ids]),
    )
    return Undone(project_id, (shot_id,))


def _move(conn: psycopg.Connection[Any], ctx: UndoContext, change: Change, force: bool) -> Undone:
    """Take the items off the shot they were moved to and put their old links back: the two
    halves of the move, undone in one transaction."""
    data = change.data
    added = _add_to_shot(conn, ctx, replace(change, data=data["to"]), force)
    removed = _remove_from_shot(conn, ctx, replace(change, data=data["from"]), force)
    return Undone(added.project_id, (*added.shot_ids, *removed.shot_ids))


StructureUndo = Callable[
    [psycopg.Connection[Any], uuid.UUID, Change, bool], tuple[uuid.UUID, tuple[uuid.UUID, ...]]
]


def _structure(
    undo: StructureUndo,
) -> Callable[[psycopg.Connection[Any], UndoContext, Change, bool], Undone]:
    """An undo of ``workbench.changes.undo_structure`` as a handler: what it returns is what
    the caches refresh."""

    def handler(
        conn: psycopg.Connection[Any], ctx: UndoContext, change: Change, force: bool
    ) -> Undone:
        project_id, shot_ids = undo(conn, ctx.user_id, change, force)
        return Undone(project_id, shot_ids)

    return handler


def _delete(conn: psycopg.Connection[Any], ctx: UndoContext, change: Change, force: bool) -> Undone:
    """Put back the deleted generations, their variants, shot links and ``based_on``
    references, with the same ids (see ``restore``)."""
    project_id, shots = restore(conn, ctx.user_id, change, change.data, force)
    return Undone(project_id, shots)


def _upload(conn: psycopg.Connection[Any], ctx: UndoContext, change: Change, force: bool) -> Undone:
    """Delete what an upload created, if nobody changed it since (the rows are compared with
    the ones recorded right after the upload): its new generations and LoRA resources, and
    the links it made to join existing generations (duplicates) into the shot."""
    data = change.data
    ids = [uuid.UUID(i) for i in data.get("generation_ids", [])]
    # The links first: a new generation's delete would take a link to it along unchecked.
    project_id, shots = _unlink_duplicates(conn, ctx, change, force)
    if ids:
        deleted_from, in_shots, snapshot = mutations.delete_uploaded(conn, ctx.user_id, ids)
        project_id = deleted_from or project_id
        shots = tuple({*shots, *in_shots})
        recorded = data.get("snapshot")
        if snapshot and recorded and not force:
            changed = _differences(recorded, snapshot)
            if changed:
                raise conflict(change, f"what it added was changed since ({changed})")
    resources = data.get("resource_ids", [])
    if resources:
        conn.execute(
            "DELETE FROM resources WHERE id = ANY(%s::uuid[]) AND user_id = %s",
            (resources, ctx.user_id),
        )
    return Undone(project_id, shots)


def _unlink_duplicates(
    conn: psycopg.Connection[Any], ctx: UndoContext, change: Change, force: bool
) -> tuple[uuid.UUID | None, tuple[uuid.UUID, ...]]:
    """Delete the shot links an upload made for duplicates (the generations are someone's
    earlier uploads and stay), as undoing an add-to-shot does: a link that is gone or was
    moved (another frame or shot) since is a conflict unless ``force``, and with it only the
    links still in their shot go. Returns (project id, shot) for the caches."""
    links: dict[str, int | None] = change.data.get("links") or {}
    if not links:
        return None, ()
    shot_id = uuid.UUID(change.data["shot_id"])
    rows = conn.execute(
        "SELECT sg.id::text, sg.shot_id, sg.timeline_frame, s.project_id "
        "FROM shot_generations sg JOIN shots s ON s.id = sg.shot_id "
        "JOIN projects p ON p.id = s.project_id "
        "WHERE sg.id = ANY(%s::uuid[]) AND p.user_id = %s FOR UPDATE OF sg",
        (list(links), ctx.user_id),
    ).fetchall()
    now = {row[0]: (row[1], row[2]) for row in rows}
    if not force:
        if len(now) < len(links):
            raise conflict(change, "an item it linked into the shot was removed from it since")
        moved = [i for i, frame in links.items() if now[i] != (shot_id, frame)]
        if moved:
            where = now[moved[0]]
            at = "in another shot" if where[0] != shot_id else f"at frame {where[1]}"
            raise conflict(change, f"an item it linked into the shot was moved since (now {at})")
    stay = [i for i, (shot, _) in now.items() if shot == shot_id]
    if stay:
        conn.execute("DELETE FROM shot_generations WHERE id = ANY(%s::uuid[])", (stay,))
    project_id = rows[0][3] if rows else None
    return project_id, (shot_id,)


def record_upload(
    conn: psycopg.Connection[Any], results: Sequence[UploadResult]
) -> tuple[str, dict[str, Any]] | None:
    """(description, undo data) of an upload that created rows, else None: the new
    generations' and LoRA resources' ids, and the generations' rows as they are now (one
    query), against which undo checks that nobody changed them since; and the links it made
    to join duplicates (existing generations) into the shot, ``{link id: frame}`` with the
    shot's id, as an add-to-shot keeps them (a new generation's link goes with it)."""
    created = [r for r in results if r.status == "uploaded"]
    linked = [r for r in results if r.status == "duplicate" and r.shot_link is not None]
    generations = [r.generation_id for r in created if r.generation_id is not None]
    resources = [str(r.resource_id) for r in created if r.resource_id is not None]
    if not created and not linked:
        return None
    rows = mutations.snapshot(conn, generations)() if generations else {}
    changed = created + linked
    name = changed[0].path.rsplit("/", 1)[-1]
    what = f"'{name}'" if len(changed) == 1 else f"{len(changed)} files"
    data: dict[str, Any] = {
        "generation_ids": [str(g) for g in generations],
        "resource_ids": resources,
        "snapshot": rows,
    }
    links = [r.shot_link for r in linked if r.shot_link is not None]
    if links:  # one upload goes to one shot
        data["shot_id"] = str(links[0].shot_id)
        data["links"] = {str(link.id): link.frame for link in links}
    return f"upload {what}", data


# Columns that change without anyone changing the item (looking at a variant marks it viewed).
_VOLATILE = {"updated_at", "viewed_at"}


def _differences(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """Which parts of two snapshots differ, as words ("shot links, variants"); "" if none."""

    def rows(snapshot: Mapping[str, Any], part: str) -> list[str]:
        kept = [
            {k: v for k, v in row.items() if k not in _VOLATILE} if isinstance(row, dict) else row
            for row in snapshot.get(part, [])
        ]
        return sorted(json.dumps(row, sort_keys=True) for row in kept)

    names = {
        "generations": "the items",
        "variants": "variants",
        "links": "shot links",
        "based_on": "items based on them",
    }
    return ", ".join(
        name for part, name in names.items() if rows(before, part) != rows(after, part)
    )


_HANDLERS: dict[str, Callable[[psycopg.Connection[Any], UndoContext, Change, bool], Undone]] = {
    "star": _star,
    "star-variant": _star_variant,
    "delete-variant": _delete_variant,
    "set-primary": _set_primary,
    "add-to-shot": _add_to_shot,
    "remove-from-shot": _remove_from_shot,
    "reorder": _reorder,
    "delete": _delete,
    "upload": _upload,
    "move": _move,
    "create-shot": _structure(undo_structure.create_shot),
    "delete-shot": _structure(undo_structure.delete_shot),
    "rename": _structure(undo_structure.rename),
    "reorder-shots": _structure(undo_structure.reorder_shots),
    "create-project": _structure(undo_structure.create_project),
}


# -- restoring deleted rows ------------------------------------------------------------------
_RESTORE_CHECK = """
SELECT
    (SELECT user_id FROM projects WHERE id = %(project)s),
    ARRAY(SELECT id::text FROM generations WHERE id = ANY(%(generations)s::uuid[])),
    ARRAY(SELECT id::text FROM generation_variants WHERE id = ANY(%(variants)s::uuid[])),
    ARRAY(SELECT id::text FROM shot_generations WHERE id = ANY(%(links)s::uuid[])),
    ARRAY(SELECT id::text FROM shots WHERE id = ANY(%(shots)s::uuid[])),
    ARRAY(SELECT id::text FROM generations WHERE id = ANY(%(outside)s::uuid[])),
    (SELECT coalesce(jsonb_agg(jsonb_build_array(id, based_on)), '[]') FROM generations
      WHERE id = ANY(%(referrers)s::uuid[]))
"""


def restore(
    conn: psycopg.Connection[Any],
    user_id: uuid.UUID,
    change: Change,
    snapshot: Mapping[str, Any],
    force: bool,
) -> tuple[uuid.UUID, tuple[uuid.UUID, ...]]:
    """Insert the rows ``mutations.snapshot_and_delete`` kept, with the same ids: generations
    (without their primary variant, parents first), then variants, then every column of both
    as it was (Reigh's triggers rewrite some on insert), then the shot links, then the
    ``based_on`` references the delete cleared. Returns (project id, shots touched)."""
    generations: list[dict[str, Any]] = list(snapshot["generations"])
    variants: list[dict[str, Any]] = list(snapshot["variants"])
    links: list[dict[str, Any]] = list(snapshot["links"])
    referrers: list[list[str]] = list(snapshot["based_on"])
    project_id = uuid.UUID(snapshot["project_id"])
    ids = {g["id"] for g in generations}
    # Rows outside the restored tree that restored rows point at: a parent, a based_on source.
    outside = (
        {g[column] for g in generations for column in ("parent_generation_id", "based_on")}
        - ids
        - {None}
    )
    shot_ids = {link["shot_id"] for link in links}
    row = conn.execute(
        _RESTORE_CHECK,
        {
            "project": project_id,
            "generations": list(ids),
            "variants": [v["id"] for v in variants],
            "links": [link["id"] for link in links],
            "shots": list(shot_ids),
            "outside": list(outside),
            "referrers": [r[0] for r in referrers],
        },
    ).fetchone()
    assert row is not None
    owner, back, variants_back, links_back, shots_left, outside_left, referred = row
    if owner is None or owner != user_id:  # gone or another user's: the same answer
        raise NotFoundError(
            f"cannot undo {change.description!r}: project {project_id} not found among the "
            "current user's"
        )
    shots_gone = shot_ids - set(shots_left)
    moved = [r for r in referred if r[1] is not None]
    problems = []
    if back or variants_back or links_back:
        problems.append("the deleted item exists again")
    if shots_gone:
        problems.append(f"{len(shots_gone)} of its shots were deleted since")
    if moved:
        problems.append(f"{len(moved)} items based on it now point elsewhere")
    if problems and not force:
        raise conflict(change, "; ".join(problems))
    missing_parent = [
        g for g in generations if g["parent_generation_id"] not in (None, *ids, *outside_left)
    ]
    if missing_parent:
        raise NotFoundError(
            f"cannot undo {change.description!r}: its parent generation was deleted since"
        )
    back_set = set(back)
    generations = [
        {**g, "based_on": g["based_on"] if g["based_on"] in (None, *ids, *outside_left) else None}
        for g in generations
        if g["id"] not in back_set
    ]
    restored = {g["id"] for g in generations}
    variants = [
        v for v in variants if v["id"] not in set(variants_back) and v["generation_id"] in restored
    ]
    links = [
        link
        for link in links
        if link["id"] not in set(links_back)
        and link["shot_id"] in set(shots_left)
        and link["generation_id"] in restored
    ]
    existing_referrers = {r[0] for r in referred if force or r[1] is None}
    insert_rows(
        conn, "generations", [{**g, "primary_variant_id": None} for g in generations], ordered=True
    )
    insert_rows(conn, "generation_variants", variants)
    update_rows(conn, "generation_variants", variants)
    insert_rows(conn, "shot_generations", links)
    update_rows(conn, "generations", generations)
    repoint = [r for r in referrers if r[0] in existing_referrers and r[1] in restored]
    if repoint:
        conn.execute(
            "UPDATE generations g SET based_on = u.source FROM unnest(%s::uuid[], %s::uuid[]) "
            "AS u(id, source) WHERE g.id = u.id",
            ([r[0] for r in repoint], [r[1] for r in repoint]),
        )
    touched = {uuid.UUID(link["shot_id"]) for link in links}
    return project_id, tuple(sorted(touched, key=str))


# -- settings --------------------------------------------------------------------------------
def settings_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The fields a settings write changed, as ``{"path": [...], "before": v, "after": v}``
    (a side without the field has no such key); objects present on both sides are compared
    field by field."""
    fields: list[dict[str, Any]] = []

    def walk(b: Mapping[str, Any], a: Mapping[str, Any], prefix: list[str]) -> None:
        for key in sorted({*b, *a}):
            old, new = b.get(key), a.get(key)
            if key in b and key in a and isinstance(old, dict) and isinstance(new, dict):
                walk(old, new, [*prefix, key])
            elif (key in b, _json(old)) != (key in a, _json(new)):
                entry: dict[str, Any] = {"path": [*prefix, key]}
                if key in b:
                    entry["before"] = old
                if key in a:
                    entry["after"] = new
                fields.append(entry)

    walk(before, after, [])
    return fields


def _json(value: Any) -> str:
    """A value's JSON text: JSON equality (1 and true differ, key order does not)."""
    return json.dumps(value, sort_keys=True)


def describe_settings(write: SettingsWrite, fields: list[dict[str, Any]]) -> str:
    """One line for a settings write: "set travel-between-images.amountOfMotion at shot"."""
    where = f"at {write.target.scope}"
    if len(fields) == 1:
        verb = "set" if "after" in fields[0] else "reset"
        return f"{verb} {write.tool_id}.{'.'.join(fields[0]['path'])} {where}"
    if not write.after:
        return f"reset {write.tool_id} {where}"
    return f"change {len(fields)} fields of {write.tool_id} {where}"


def _settings(change: Change, ctx: UndoContext, force: bool) -> Undone:
    """Write the old values back (a patch and removals) if the fields still hold what the
    change wrote. A "settings-batch" change (several writes that landed in one transaction:
    a promotion to the project) is undone the same way, every write in one transaction."""
    entries: list[dict[str, Any]] = (
        change.data["writes"] if change.kind == "settings-batch" else [change.data]
    )
    ctx.settings.queue.flush()  # an edit still waiting in the queue would land after the undo
    planned = [_settings_plan(entry) for entry in entries]
    done: list[SettingsWrite] = []
    with ctx.pool.connection() as conn, _transaction(conn):
        # Every check before any write: a conflict in the last entry changes nothing.
        for target, tool_id, fields, _, _ in planned:
            _check_settings(
                conn, change, target=target, tool_id=tool_id, fields=fields, force=force
            )
        for target, tool_id, _, patch, removals in planned:
            done.append(
                store.write(
                    conn,
                    ctx.schema,
                    target,
                    tool_id,
                    user_id=ctx.user_id,
                    patch=patch,
                    removals=removals,
                    record=ctx.settings.records_history,
                    note="undo",
                )
            )
    with ctx.quiet():
        for write in done:
            ctx.settings.written.notify(write)
    first = planned[0][0]
    return Undone(
        settings=(first.scope, first.id),
        more_settings=tuple((target.scope, target.id) for target, *_ in planned[1:]),
    )


def _settings_plan(
    entry: Mapping[str, Any],
) -> tuple[SettingsTarget, str, list[dict[str, Any]], dict[str, Any], list[tuple[str, ...]]]:
    """(target, tool id, fields, patch, removals) that put one recorded write's fields back."""
    target = SettingsTarget(store.check_scope(entry["scope"]), uuid.UUID(entry["target_id"]))
    tool_id = store.check_tool_id(entry["tool_id"])
    fields: list[dict[str, Any]] = entry["fields"]
    patch: dict[str, Any] = {}
    removals: list[tuple[str, ...]] = []
    for field_entry in fields:
        path = tuple(field_entry["path"])
        if "before" in field_entry:
            node = patch
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = field_entry["before"]
        else:
            removals.append(path)
    return target, tool_id, fields, patch, removals


def _check_settings(
    conn: psycopg.Connection[Any],
    change: Change,
    *,
    target: SettingsTarget,
    tool_id: str,
    fields: list[dict[str, Any]],
    force: bool,
) -> None:
    """Lock the row; refuse (unless ``force``) when a field no longer holds what was written."""
    table = sql.Identifier({"user": "users", "project": "projects", "shot": "shots"}[target.scope])
    row = conn.execute(
        sql.SQL("SELECT settings -> %s FROM {} WHERE id = %s FOR UPDATE").format(table),
        (tool_id, target.id),
    ).fetchone()
    if row is None:
        raise NotFoundError(f"cannot undo {change.description!r}: the {target.scope} is gone")
    if force:
        return
    current = row[0] if isinstance(row[0], dict) else {}
    for entry in fields:
        found, value = get_path(current, tuple(entry["path"]))
        if (found, _json(value) if found else "") != (
            "after" in entry,
            _json(entry.get("after")) if "after" in entry else "",
        ):
            now = json.dumps(value) if found else "nothing (inherited)"
            name = ".".join(entry["path"])
            raise conflict(change, f"{name} was changed since (it now holds {now})")
