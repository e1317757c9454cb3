"""Managing shots and projects for the current user: input checks, the database work
(``shots``, ``timeline``, ``projects``), the caches to refresh and the change to record.

Every action is one transaction and one recorded change (``workbench undo`` reverts it), and
every refusal happens before anything is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from workbench import keys
from workbench.cache import QueryCache
from workbench.db.schema import SchemaInfo
from workbench.errors import ValidationError, echo
from workbench.generations import bulk
from workbench.generations.mutations import Touched
from workbench.generations.service import GenerationsService
from workbench.ids import as_uuid, as_uuids
from workbench.inputs import MAX_NAME_LENGTH, check_text
from workbench.manage import projects, shots, timeline
from workbench.models import Project, Shot
from workbench.projects import ProjectsService

# What a new shot's settings start from (``SettingsService.inherited``).
Inherited = Callable[[psycopg.Connection[Any], uuid.UUID], dict[str, Any]]
Record = Callable[[str, str, dict[str, Any]], object]


def check_name(name: object, what: str) -> str:
    """A shot's or project's name: trimmed, not empty (Reigh: "Shot name cannot be empty.")."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(f"{what} cannot be empty (got {echo(name)})")
    return check_text(name.strip(), what, MAX_NAME_LENGTH)


class ManageService:
    """Shots and projects as a creator manages them."""

    def __init__(
        self,
        pool: ConnectionPool,
        schema: SchemaInfo,
        user_id: Callable[[], uuid.UUID],
        *,
        generations: GenerationsService,
        projects_service: ProjectsService,
        cache: QueryCache,
        inherited: Inherited,
    ) -> None:
        self._pool = pool
        self._schema = schema
        self._user_id = user_id
        self._generations = generations
        self._inherited = inherited
        self._projects = projects_service
        self._cache = cache
        # Told about every change that landed (the change journal), as the generations are.
        self.record: Record | None = None

    # -- shots -----------------------------------------------------------------------------
    def create_shot(
        self,
        project: object,
        name: str | None = None,
        *,
        generation_ids: Sequence[object] | None = None,
        aspect_ratio: str | None = None,
    ) -> Shot:
        """A shot at the end of the project ("Shot N" when unnamed, N = its shots + 1, as
        Reigh names them), from inherited settings; with ``generation_ids``, those items at
        frames 0, 50, 100 ... in the order given."""
        ids = (
            []
            if generation_ids is None
            else bulk.check_batch(as_uuids(generation_ids, "generation id"))
        )
        shot_name = None if name is None else check_name(name, "shot name")
        ratio = None if aspect_ratio is None else projects.check_aspect_ratio(aspect_ratio)
        project_id = self._project_id(project)
        with self._pool.connection() as conn, conn.pipeline(), conn.transaction():
            if shot_name is None:
                row = conn.execute(
                    "SELECT count(*) FROM shots WHERE project_id = %s", (project_id,)
                ).fetchone()
                shot_name = f"Shot {(row[0] if row else 0) + 1}"
            change = shots.create(
                conn, self._schema, self._user_id(), project_id, shot_name,
                settings=self._inherited(conn, project_id), generation_ids=ids,
                aspect_ratio=ratio,
            )  # fmt: skip
        assert change.shot is not None
        items = f" with {len(ids)} items" if ids else ""
        self._done(change.project_id, change.shot_ids, "create-shot",
                   f"create shot '{change.shot.name}'{items}", change.undo)  # fmt: skip
        return change.shot

    def duplicate_shot(self, shot: object, name: str | None = None) -> Shot:
        """A copy at the end of the project (Reigh's ``duplicate_shot``)."""
        shot_id = as_uuid(shot, "shot id")
        copy_name = None if name is None else check_name(name, "shot name")
        with self._pool.connection() as conn:
            change = shots.duplicate(conn, self._schema, self._user_id(), shot_id, copy_name)
        assert change.shot is not None
        links = len(change.undo["links"])
        what = f"duplicate shot as '{change.shot.name}' ({links} items)"
        self._done(change.project_id, change.shot_ids, "create-shot", what, change.undo)
        return change.shot

    def rename_shot(self, shot: object, name: str) -> Shot:
        """Rename a shot (names may repeat, as in Reigh)."""
        shot_id = as_uuid(shot, "shot id")
        new_name = check_name(name, "shot name")
        with self._pool.connection() as conn:
            change = shots.rename(conn, self._schema, self._user_id(), shot_id, new_name)
        before = change.undo["before"]["name"]
        self._done(change.project_id, change.shot_ids, "rename",
                   f"rename shot '{before}' to '{new_name}'", change.undo)  # fmt: skip
        assert change.shot is not None
        return change.shot

    def reorder_shots(self, project: object, shot_ids: Sequence[object]) -> None:
        """The listed shots first, in that order; the others after them, as they were."""
        ids = as_uuids(shot_ids, "shot id")
        if not ids:
            raise ValidationError("no shots given: name the shots in their new order")
        project_id = self._project_id(project)
        with self._pool.connection() as conn:
            change = shots.reorder(conn, self._user_id(), project_id, ids)
        moved = len(change.undo["positions"])
        if moved:
            what = f"reorder the shots of project '{change.undo['project']}' ({moved} moved)"
            self._done(project_id, (), "reorder-shots", what, change.undo)

    def delete_shot(self, shot: object) -> None:
        """Delete a shot and its links (its items stay); undo brings it all back."""
        shot_id = as_uuid(shot, "shot id")
        with self._pool.connection() as conn:
            change = shots.delete(conn, self._schema, self._user_id(), shot_id)
        assert change.shot is not None
        items = sum(1 for link in change.undo["links"] if link.get("timeline_frame") is not None)
        self._done(change.project_id, change.shot_ids, "delete-shot",
                   f"delete shot '{change.shot.name}' ({items} on its timeline)",
                   change.undo)  # fmt: skip

    # -- timelines -------------------------------------------------------------------------
    def position_in_shot(
        self, shot: object, generation_id: object, *, before: object = None, after: object = None
    ) -> int:
        """Place an item on the shot's timeline (the end, or before/after another item)."""
        shot_id = as_uuid(shot, "shot id")
        gid = as_uuid(generation_id, "generation id")
        anchor_before = None if before is None else as_uuid(before, "generation id")
        anchor_after = None if after is None else as_uuid(after, "generation id")
        with self._pool.connection() as conn:
            touched, frame = timeline.position(
                conn, self._user_id(), shot_id, gid, before=anchor_before, after=anchor_after
            )
        if touched.undo["frames"]:
            self._recorded(
                touched, "reorder", f"place {touched.label} in shot '{touched.undo['shot']}'"
            )
        return frame

    def move_to_shot(
        self,
        generation_ids: Sequence[object],
        from_shot: object,
        to_shot: object,
        *,
        positioned: bool = True,
    ) -> None:
        """Out of one shot and onto the end of another's timeline: one transaction."""
        ids = bulk.check_batch(as_uuids(generation_ids, "generation id"))
        source, target = as_uuid(from_shot, "shot id"), as_uuid(to_shot, "shot id")
        with self._pool.connection() as conn:
            touched = timeline.move(
                conn, self._user_id(), ids, source, target, positioned=bool(positioned)
            )
        names = touched.undo["from"]["shot"], touched.undo["to"]["shot"]
        self._recorded(
            touched, "move", f"move {touched.label} from shot '{names[0]}' to '{names[1]}'"
        )

    # -- projects --------------------------------------------------------------------------
    def create_project(
        self, name: str, *, aspect_ratio: str | None = None, like: object = None
    ) -> Project:
        """A project with its "Default Shot" (Reigh's ``addNewProject``)."""
        project_name = check_name(name, "project name")
        ratio = None if aspect_ratio is None else projects.check_aspect_ratio(aspect_ratio)
        model = None if like is None else self._projects.project(like)
        ratio = ratio or (model.aspect_ratio if model else None) or projects.DEFAULT_ASPECT_RATIO
        user_id = self._user_id()
        with self._pool.connection() as conn, conn.pipeline(), conn.transaction():
            source = None
            if model is not None:
                row = conn.execute(
                    "SELECT settings FROM projects WHERE id = %s", (model.id,)
                ).fetchone()
                settings = row[0] if row and isinstance(row[0], dict) else {}
                source = (settings, self._inherited(conn, model.id))
            project, shot_id, undo = projects.create(
                conn, self._schema, user_id, project_name, ratio, like=source
            )
        self._generations.invalidate(project.id, (shot_id,))  # the navigator follows it
        self._cache.invalidate(keys.shots(project.id))
        self._record("create-project", f"create project '{project.name}'", undo)
        return project

    def update_project(
        self, project: object, *, name: str | None = None, aspect_ratio: str | None = None
    ) -> Project:
        """Rename a project and/or set its aspect ratio: one statement, one undo."""
        changes: dict[str, str] = {}
        if name is not None:
            changes["name"] = check_name(name, "project name")
        if aspect_ratio is not None:
            changes["aspect_ratio"] = projects.check_aspect_ratio(aspect_ratio)
        if not changes:
            raise ValidationError("nothing to change: give a name or an aspect ratio")
        project_id = self._project_id(project)
        with self._pool.connection() as conn:
            updated, undo = projects.update(
                conn, self._schema, self._user_id(), project_id, changes
            )
        self._done(project_id, (), "rename", _describe_project(updated.name, undo), undo)
        return updated

    # -- internals -------------------------------------------------------------------------
    def _project_id(self, project: object) -> uuid.UUID:
        """A project's id from a record, an id or a name (``ProjectsService.project_id``: a
        name costs a look-up)."""
        return as_uuid(self._projects.project_id(project), "project id")

    def _recorded(self, touched: Touched, kind: str, description: str) -> None:
        self._done(touched.project_id, touched.shot_ids, kind, description, touched.undo)

    def _done(
        self,
        project_id: uuid.UUID,
        shot_ids: Sequence[uuid.UUID],
        kind: str,
        description: str,
        undo: dict[str, Any],
    ) -> None:
        """Refresh the galleries (and the navigator, which follows the project prefix) and
        record the change."""
        self._generations.invalidate(project_id, shot_ids)
        if kind not in {"move", "reorder"}:  # those change timelines, not the shot list
            self._cache.invalidate(keys.shots(project_id))
        self._record(kind, description, undo)

    def _record(self, kind: str, description: str, undo: dict[str, Any]) -> None:
        if self.record is not None:
            self.record(kind, description, undo)


def _describe_project(name: str, undo: dict[str, Any]) -> str:
    """ "rename project 'A' to 'B'", "set the aspect ratio of project 'B' to 9:16"."""
    after: dict[str, str] = undo["after"]
    parts = []
    if "name" in after:
        parts.append(f"rename project '{undo['before']['name']}' to '{name}'")
    if "aspect_ratio" in after:
        parts.append(f"set the aspect ratio of project '{name}' to {after['aspect_ratio']}")
    return "; ".join(parts)
