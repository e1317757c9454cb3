"""The ``Workbench`` object: one database, one storage, one user; the REPL API.

Everything lives on the instance (pool, schema info, storage), never in module globals, so
two workbenches attached to two databases can coexist in one process.
"""

from __future__ import annotations

import contextlib
import math
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from psycopg_pool import ConnectionPool

from workbench import keys
from workbench.cache import CacheEvent, FamilyOptions, QueryCache
from workbench.changes import Change, ChangeJournal
from workbench.changes.journal import DEVICE_KEY
from workbench.changes.undo import UndoContext, Undone, record_upload
from workbench.config import Config, mask_dsn
from workbench.db import connection
from workbench.db.embedded import EmbeddedPostgres
from workbench.db.health import ConnectionHealth, State
from workbench.db.schema import SchemaInfo
from workbench.errors import ConfigError, WorkbenchError
from workbench.generations import bulk
from workbench.generations.detail import (
    GenerationDetail,
    load_many,
    load_variant,
    open_detail,
)
from workbench.generations.filters import GenerationFilters
from workbench.generations.page import NO_CURSOR, GenerationPage, NoCursor
from workbench.generations.query import GalleryTarget
from workbench.generations.service import GenerationsService
from workbench.generations.tools import tool_types
from workbench.ids import as_uuid, as_uuids
from workbench.manage import ManageService
from workbench.models import (
    Generation,
    Project,
    ProjectCounts,
    Shot,
    ShotCounts,
    ShotGeneration,
    User,
    Variant,
)
from workbench.polling import Poller, Watched, status_word
from workbench.projects import Place, ProjectsService, ProjectSummary
from workbench.realtime import RealtimeListener, triggers_installed
from workbench.resources import LoraFields, Resource, add_lora, find_resource, list_resources
from workbench.settings.diff import SettingsDiff, as_target, compare
from workbench.settings.handle import SettingsHandle
from workbench.settings.history import DEFAULT_LIMIT, HistoryEntry, Restore, SettingsHistory
from workbench.settings.local_state import LocalState
from workbench.settings.pending import DIRECTORY as PENDING_SETTINGS
from workbench.settings.pending import ReplaySummary
from workbench.settings.resolve import ResolvedSettings, parse_path
from workbench.settings.service import SettingsService, target_for
from workbench.settings.store import check_tool_id
from workbench.settings.workflows import SettingsPlan, SettingsWorkflows
from workbench.storage import Storage

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable

    from workbench.demo import DemoSummary
    from workbench.downloads import DownloadProgress, DownloadResult
    from workbench.media.thumbnail_cache import Thumbnails
    from workbench.storage.base import TransferOptions
    from workbench.uploads import UploadProgress, UploadResult
    from workbench.uploads.sources import PathInput


class Workbench:
    """A connected workbench. Use ``workbench.connect()`` to make one."""

    def __init__(
        self,
        *,
        config: Config,
        pool: ConnectionPool,
        schema: SchemaInfo,
        storage: Storage,
        user_id: uuid.UUID | None,
        server: EmbeddedPostgres | None = None,
        live_triggers: bool | None = None,
    ) -> None:
        """``live_triggers``: whether the database has the workbench's NOTIFY triggers, when
        known already (``connect()`` reads it with the schema; None: asked when needed)."""
        self.config = config
        self.pool = pool
        self.schema = schema
        self.storage = storage
        self._user_id = user_id
        self.server = server
        self.seeded_demo: DemoSummary | None = None  # set when connect() created the demo
        # What connect() wrote from settings edits an earlier session queued but never wrote.
        self.replayed = ReplaySummary()
        self._settings: SettingsService | None = None
        self._settings_history: SettingsHistory | None = None
        self._projects: ProjectsService | None = None
        self._manage: ManageService | None = None
        self._workflows: SettingsWorkflows | None = None
        self._local_state: LocalState | None = None
        self._thumbnails: Thumbnails | None = None
        self.cache = QueryCache()
        self.cache.configure(keys.GALLERY, FamilyOptions(stale_time=30.0, gc_time=600.0))
        self._generations: GenerationsService | None = None
        self._changes: ChangeJournal | None = None
        self._listener: RealtimeListener | None = None
        self._poller: Poller | None = None  # without our triggers: polls what is followed
        self._watched = Watched()  # the prefixes followed through subscribe/follow
        self._live_lock = threading.Lock()  # one listener or poller, however many views start
        self._no_triggers = False  # the database cannot send live updates (checked once)
        # Whether the database answers (``connection_state``); told by the pool and the
        # live-updates listener. Back online, everything shown may be stale: refresh it.
        self.health: ConnectionHealth = (
            pool.health
            if isinstance(pool, connection.WorkbenchPool)
            else ConnectionHealth(mask_dsn(str(pool.conninfo)))
        )
        self.health.changed.add(self._reachable)
        # Read by connect() with the schema, so live updates need not ask again.
        self.live_triggers = live_triggers
        if live_triggers is False:
            self._no_triggers = True

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Flush queued settings writes, then close the connection pool. Waits a few seconds
        at most: what the database did not take meanwhile (it is unreachable) is kept on this
        device, said on stderr, and written by the next start."""
        if self._listener is not None:
            self._listener.stop()
        if self._poller is not None:
            self._poller.stop()
        if self._settings is not None:
            self._settings.close()
        self.pool.close()

    def replay_pending_edits(self) -> ReplaySummary:
        """Write the settings edits earlier sessions on this device queued for this database
        but never wrote (a crash, a kill, an outage at exit): ``connect()`` does it. A field
        changed elsewhere since its edit was made is left alone; ``replayed`` says what was
        done. Without a current user nothing is replayed (the edits stay for later)."""
        if self._user_id is not None:
            self.replayed = self.settings_service.replay_pending()
        return self.replayed

    def __enter__(self) -> Workbench:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = "embedded" if self.server else "external"
        return f"<Workbench {where} {self.schema.kind} user={self._user_id} {self.storage!r}>"

    @property
    def dsn(self) -> str:
        return str(self.pool.conninfo)

    @property
    def user_id(self) -> uuid.UUID:
        """The user whose projects this workbench shows and may change."""
        if self._user_id is None:
            raise ConfigError(
                "no current user: the database has several users (or none); set "
                "WORKBENCH_USER_ID or [user] id in the config file"
            )
        return self._user_id

    # -- projects and shots ----------------------------------------------------------------
    @property
    def projects_service(self) -> ProjectsService:
        if self._projects is None:
            self._projects = ProjectsService(
                self.pool, self.schema, lambda: self.user_id,
                inherited=self.settings_service.inherited,
            )  # fmt: skip
        return self._projects

    def user(self) -> User:
        return self.projects_service.user()

    def projects(self) -> list[Project]:
        """The current user's projects, oldest first (as Reigh lists them)."""
        return self.projects_service.projects()

    def project(self, ref: Any) -> Project:
        """One of the current user's projects, by record, id or exact name."""
        return self.projects_service.project(ref)

    def shots(self, project: Any) -> list[Shot]:
        """The shots of one of the current user's projects, in the project's shot order."""
        return self.projects_service.shots(project)

    def find(self, project: Any = None, shot: Any = None) -> Place:
        """The project and shot named (records, ids or exact names; a shot's name alone when
        it is unique among your projects): ``wb.find("Neon Coastline", "Harbour Lights")``."""
        return self.projects_service.find(project, shot)

    def overview(self) -> list[ProjectSummary]:
        """Every project with its shots and their counts (what a navigator lists)."""
        return self.projects_service.overview()

    # -- managing shots and projects (workbench.manage): each one transaction, one undo --------
    @property
    def manage_service(self) -> ManageService:
        if self._manage is None:
            self._manage = ManageService(
                self.pool, self.schema, lambda: self.user_id,
                generations=self.generations_service, projects_service=self.projects_service,
                cache=self.cache, inherited=self.settings_service.inherited,
            )  # fmt: skip
            self._manage.record = self.changes.record
        return self._manage

    def create_shot(
        self,
        project: Any,
        name: str | None = None,
        *,
        generation_ids: Any = None,
        aspect_ratio: str | None = None,
    ) -> Shot:
        """A new shot at the end of the project ("Shot N" unless named), starting from the
        settings Reigh's new shots inherit; with ``generation_ids``, those items placed on
        its timeline in the order given (0, 50, 100 ...), as Reigh's "new shot from
        selection" does."""
        ids = None if generation_ids is None else _many(generation_ids)
        return self.manage_service.create_shot(
            project, name, generation_ids=ids, aspect_ratio=aspect_ratio
        )

    def rename_shot(self, shot: Any, name: str) -> Shot:
        """Rename a shot (names may repeat, as in Reigh)."""
        return self.manage_service.rename_shot(shot, name)

    def reorder_shots(self, project: Any, shot_ids: Sequence[Any]) -> None:
        """New order of a project's shots: these first, in this order; the others follow in
        their current order (positions 1..N, as Reigh numbers them)."""
        self.manage_service.reorder_shots(project, shot_ids)

    def duplicate_shot(self, shot: Any, name: str | None = None) -> Shot:
        """A copy of a shot at the end of the project, as Reigh's ``duplicate_shot`` makes it:
        "<name> (copy)", its settings and aspect ratio, and its positioned non-video items at
        the same frames (the items are linked, not copied)."""
        return self.manage_service.duplicate_shot(shot, name)

    def delete_shot(self, shot: Any) -> None:
        """Delete a shot and its timeline links (its items stay in the project). ``undo``
        brings back the shot, its links with their frames and its settings, with the same
        ids. Front ends ask first; this does not."""
        self.manage_service.delete_shot(shot)

    def position_in_shot(
        self, shot: Any, generation_id: Any, *, before: Any = None, after: Any = None
    ) -> int:
        """Give an item of the shot a place on its timeline: at the end, or just before or
        after another item of the shot (a generation id); an unpositioned item becomes
        positioned, a positioned one moves. Returns its new frame."""
        return self.manage_service.position_in_shot(shot, generation_id, before=before, after=after)

    def move_to_shot(
        self, generation_ids: Any, from_shot: Any, to_shot: Any, *, positioned: bool = True
    ) -> None:
        """Move items from one shot to another of the same project: out of the first, onto
        the end of the second's timeline (or unpositioned); one transaction, one undo."""
        self.manage_service.move_to_shot(
            _many(generation_ids), from_shot, to_shot, positioned=positioned
        )

    def create_project(
        self, name: str, *, aspect_ratio: str | None = None, like: Any = None
    ) -> Project:
        """A new project with a "Default Shot", as Reigh creates one: the aspect ratio given,
        else ``like``'s, else 16:9; its settings are ``like``'s (a project) without prompts
        and references."""
        return self.manage_service.create_project(name, aspect_ratio=aspect_ratio, like=like)

    def rename_project(self, project: Any, name: str) -> Project:
        """Rename a project."""
        return self.manage_service.update_project(project, name=name)

    def set_aspect_ratio(self, project: Any, aspect_ratio: str) -> Project:
        """Set a project's aspect ratio ("16:9", "9:16", "1:1" ...); its shots without one of
        their own follow it, as in Reigh."""
        return self.manage_service.update_project(project, aspect_ratio=aspect_ratio)

    # -- settings workflows (workbench.settings.workflows) ----------------------------------
    @property
    def settings_workflows(self) -> SettingsWorkflows:
        """Copy settings, reset to inherited, promote to project (``workbench.settings.
        workflows``): each planned first, then written, recorded for undo."""
        if self._workflows is None:

            def refresh(target: Any) -> None:
                self.cache.invalidate(keys.settings(target.scope, target.id))

            self._workflows = SettingsWorkflows(
                self.pool, self.schema, lambda: self.user_id, self.settings_service, self.changes,
                invalidate=refresh,
            )  # fmt: skip
        return self._workflows

    def plan_copy_settings(
        self, tool_id: str, source: Any, dest: Any, *, fields: Any = None
    ) -> SettingsPlan:
        """What copying a tool's settings from ``source`` to ``dest`` (two shots, or two
        projects) would change at ``dest``: each field whose resolved value or scope changes,
        before and after. The source's own values are copied (all, or only ``fields``:
        dotted paths), as overrides at the destination; its other overrides stay. Targets as
        ``settings_diff`` takes them. One round trip (two when validating needs the user's
        stored fields); writes nothing."""
        return self.settings_workflows.plan_copy(tool_id, source, dest, fields=fields)

    def copy_settings(
        self, tool_id: str, source: Any, dest: Any, *, fields: Any = None, plan: Any = None
    ) -> SettingsPlan:
        """Copy as ``plan_copy_settings`` shows it: one validated write, undoable. With
        ``plan`` (from ``plan_copy_settings``), exactly that plan, refused with
        ``ConflictError`` (nothing written) when ``dest`` changed since it was made.
        Returns the plan carried out (length 0: nothing to change, nothing written)."""
        return self.settings_workflows.copy(tool_id, source, dest, fields=fields, plan=plan)

    def plan_reset_overrides(self, tool_id: str, target: Any) -> SettingsPlan:
        """What removing every override of a tool at a shot (it then inherits from its
        project, the user and the defaults) or a project (from the user and the defaults)
        would change; writes nothing."""
        return self.settings_workflows.plan_reset(tool_id, target)

    def reset_overrides(self, tool_id: str, target: Any, *, plan: Any = None) -> SettingsPlan:
        """Reset as ``plan_reset_overrides`` shows it: one write, undoable; ``plan`` as for
        ``copy_settings``."""
        return self.settings_workflows.reset(tool_id, target, plan=plan)

    def plan_promote_setting(self, tool_id: str, shot: Any, path: Any) -> SettingsPlan:
        """What making a shot's override of ``path`` its project's value (the shot then
        inherits it) would change at the shot; the summary says what the project's value
        becomes. A field the shot does not override is refused. Writes nothing."""
        return self.settings_workflows.plan_promote(tool_id, shot, path)

    def promote_setting(
        self, tool_id: str, shot: Any, path: Any, *, plan: Any = None
    ) -> SettingsPlan:
        """Promote as ``plan_promote_setting`` shows it: the project's write and the shot's
        in one transaction, one change (one ``undo`` reverts both); ``plan`` as for
        ``copy_settings`` (the shot and the project are both guarded)."""
        return self.settings_workflows.promote(tool_id, shot, path, plan=plan)

    # -- end of settings workflows ----------------------------------------------------------

    # -- resources (LoRAs) (workbench.resources) --------------------------------------------
    def resources(self, kind: str = "lora") -> list[Resource]:
        """Your own resources of ``kind`` (Reigh's types: "lora", "phase-config",
        "style-reference", "structure-video", "effect"), newest first, one query. A
        ``Resource`` has the LoRA form's fields (name, trigger word, base model, description),
        ``path`` (the URL Reigh loads) and the whole ``metadata``."""
        return list_resources(self.pool, self.schema, self.user_id, kind)

    def resource(self, ref: Any) -> Resource:
        """One LoRA by id (yours or a public one), or by the exact name or "Model ID" of one of
        yours."""
        return find_resource(self.pool, self.schema, self.user_id, ref)

    def add_lora(
        self, tool_id: str, target: Any, resource: Any, *, strength: float = 1.0
    ) -> dict[str, Any]:
        """Add a LoRA to a tool's LoRA list (travel-between-images ``loras``, image-generation
        ``selectedLoras``) as Reigh stores the entry (``{id, name, path, strength,
        previewImageUrl?, trigger_word?}``), and return the entry. ``target`` is what
        ``settings_diff`` takes (a ``Shot`` or ``Project``, ``{"shot_id": ...}`` /
        ``{"project_id": ...}``, or ``"user"``): the entry joins the list the target resolves
        to (what it inherits is kept) and is written at the target's scope, one settings write
        that ``undo`` takes back. A LoRA already in the list gets the new ``strength`` (0 to
        2); the same strength again raises ``ConflictError``."""
        where = as_target(target, self.user_id)
        added = add_lora(
            self.pool, self.schema, self.settings_service, self.changes, user_id=self.user_id,
            tool_id=tool_id, target=where, resource=resource, strength=strength,
        )  # fmt: skip
        self.cache.invalidate(keys.settings(where.scope, where.id, tool_id))
        return added.entry

    # -- end of resources -------------------------------------------------------------------

    def upload(
        self,
        paths: PathInput | Iterable[PathInput],
        *,
        project_id: Any,
        shot_id: Any = None,
        kind: str = "auto",
        progress: Callable[[UploadProgress], None] | None = None,
        max_bytes: int | dict[str, int] | None = None,
        workers: int | None = None,
        transfer: TransferOptions | None = None,
        cancel: threading.Event | None = None,
        lora: LoraFields | dict[str, Any] | None = None,
    ) -> list[UploadResult]:
        """Upload images, videos or LoRA weights (files, folders, ``UploadData``) to a project.

        Each file is checked by its content, stored under Reigh's keys with a thumbnail, and
        recorded as a generation (linked to ``shot_id`` when given) or, for LoRAs, a resource;
        identical bytes already in the project come back as "duplicate", so re-running a
        folder resumes it. ``kind`` is "auto", "image", "video" or "lora"; ``max_bytes`` is one
        limit or one per kind (default 50 MiB images, 2 GiB videos and LoRAs). ``progress``
        gets an ``UploadProgress`` snapshot, from worker threads. Returns one ``UploadResult``
        per file; a single path that fails raises its error instead. ``lora`` gives the LoRA
        files the fields of Reigh's LoRA form: ``LoraFields(name=, trigger_word=, base_model=,
        description=)`` (``workbench.resources``) or a dict of them; checked before anything
        is stored, and refused when none of the files is a LoRA.
        """
        from workbench.uploads import upload

        results = upload(
            self, paths, project_id=project_id, shot_id=shot_id, kind=kind, progress=progress,
            max_bytes=max_bytes, workers=workers, transfer=transfer, cancel=cancel, lora=lora,
            on_change=lambda p, s: self.generations_service.invalidate(p, [s] if s else []),
        )  # fmt: skip
        self._record_upload(results)
        return results

    def _record_upload(self, results: Sequence[UploadResult]) -> None:
        """Record what an upload created (so undo deletes it), with its rows as they are now:
        undo refuses when someone changed them since."""
        with self.pool.connection() as conn:
            found = record_upload(conn, results)
        if found is not None:
            self.changes.record("upload", *found)

    # -- generations -----------------------------------------------------------------------
    @property
    def generations_service(self) -> GenerationsService:
        if self._generations is None:
            self._generations = GenerationsService(self.pool, self.cache, lambda: self.user_id)
            self._generations.record = self.changes.record
        return self._generations

    def _gallery(self, project_id: Any, shot_id: Any) -> GalleryTarget:
        project_id = self.projects_service.project_id(project_id) if shot_id is None else project_id
        return self.generations_service.target(project_id, shot_id)

    def generations(
        self,
        project_id: Any = None,
        shot_id: Any = None,
        *,
        filters: GenerationFilters | dict[str, Any] | None = None,
        limit: int | None = None,
        cursor: str | NoCursor | None = NO_CURSOR,
        page: int | None = None,
        fresh: bool = False,
        include_tasks: bool = False,
        **filter_fields: Any,
    ) -> GenerationPage:
        """One page of a project's gallery (newest first) or a shot's (timeline order).

        Filters come as ``filters=GenerationFilters(...)``, a dict, or keywords
        (``media_type="video"``, ``starred=True``, ``search="dusk"``, ...); ``limit`` items a
        page (50). Pages are cached; ``fresh=True`` refetches. Jump with ``page=N``, or walk
        with ``cursor=page.next_cursor``: a cursor carries its gallery's filters and limit, so
        they need not be repeated; it is None on the last page, and following None is refused.
        """
        given = filters is not None or bool(filter_fields)
        wanted = GenerationFilters.of(filters, **filter_fields) if given else None
        if shot_id is None:
            project_id = self.projects_service.project_id(project_id)
        # Not checked here: page() checks ownership in the page's own round trip.
        target = self.generations_service.gallery(project_id, shot_id)
        return self.generations_service.page(
            target, wanted, limit=limit, cursor=cursor, page=page, fresh=fresh,
            include_tasks=include_tasks,
        )  # fmt: skip

    def iter_generations(
        self,
        project_id: Any = None,
        shot_id: Any = None,
        *,
        filters: GenerationFilters | dict[str, Any] | None = None,
        **filter_fields: Any,
    ) -> Iterator[Generation]:
        """Every matching generation, streamed (one query, flat memory), in gallery order."""
        wanted = GenerationFilters.of(filters, **filter_fields)
        return self.generations_service.iter_generations(self._gallery(project_id, shot_id), wanted)

    def shot_generations(self, shot_ids: Any) -> Iterator[ShotGeneration]:
        """Every finished generation of these shots with its link, streamed in timeline order."""
        one = isinstance(shot_ids, (str, uuid.UUID)) or hasattr(shot_ids, "id")
        ids = [shot_ids] if one else shot_ids  # anything else is checked as a list of ids
        return self.generations_service.iter_shot_generations(ids)

    def shot_counts(self, project: Any) -> list[ShotCounts]:
        """Per shot: total, positioned, unpositioned images and videos (Reigh's numbers)."""
        return self.generations_service.shot_counts(self.projects_service.project_id(project))

    def tool_types(self, project: Any) -> tuple[str, ...]:
        """The tools that made the project's generations (the gallery's tool filter offers
        them), cached with its gallery: a new generation or a deletion refreshes them."""
        project_id = as_uuid(self.projects_service.project_id(project), "project id")
        return self.cache.get_or_fetch(
            keys.gallery("project", project_id, "tool-types"),
            lambda: connection.run_idempotent(
                self.pool, lambda conn: tool_types(conn, self.user_id, project_id)
            ),
        )

    def project_counts(self, project: Any) -> ProjectCounts:
        return self.generations_service.project_counts(self.projects_service.project_id(project))

    def generation_detail(
        self, generation_id: Any, *, mark_viewed: bool = False
    ) -> GenerationDetail:
        """One generation with its variants, lineage and shots (one round trip). With
        ``mark_viewed``, opening it marks its primary variant viewed, as Reigh's lightbox
        does (the detail still says which were new)."""
        gid = as_uuid(generation_id, "generation id")
        detail, marked = connection.run_idempotent(
            self.pool, lambda conn: open_detail(conn, self.user_id, gid, mark_viewed=mark_viewed)
        )
        if marked is not None:
            self.generations_service.invalidate(marked[0], marked[1])
        return detail

    def generations_by_id(self, generation_ids: Any, *, shot: Any = None) -> tuple[Generation, ...]:
        """Several generations by id, in the order given, in one round trip (what a batch's
        confirmation shows); with ``shot``, each with its link and frame there (None if not
        in it)."""
        ids = bulk.check_batch(as_uuids(_many(generation_ids), "generation id"))
        sid = None if shot is None else as_uuid(shot, "shot id")
        return connection.run_idempotent(
            self.pool, lambda conn: load_many(conn, self.user_id, ids, sid)
        )

    def variant(self, variant_id: Any) -> Variant:
        """One variant by its id alone (``.generation_id`` names its generation)."""
        vid = as_uuid(variant_id, "variant id")
        return connection.run_idempotent(
            self.pool, lambda conn: load_variant(conn, self.user_id, vid)
        )

    def variants(self, generation_id: Any) -> tuple[Variant, ...]:
        """A generation's variants, the primary first, then the newest."""
        return self.generation_detail(generation_id).variants

    def star(self, generation_ids: Any, starred: bool = True) -> None:
        """Star (or unstar) one generation or a list: one round trip and one undo for all."""
        self.generations_service.star(_many(generation_ids), starred)

    def add_to_shot(
        self, generation_ids: Any, shot_id: Any, *, frame: int | str | None = "end"
    ) -> None:
        """Link one generation or a list into a shot, in the order given: at the "end" of its
        timeline (50 frames apart), or unpositioned (None); one generation may go to a frame."""
        self.generations_service.add_to_shot(_many(generation_ids), shot_id, frame)

    def remove_from_shot(self, shot_id: Any, generation_ids: Any, *, link_id: Any = None) -> None:
        """Unlink one generation or a list from a shot (they stay in the project)."""
        self.generations_service.remove_from_shot(shot_id, _many(generation_ids), link_id)

    def reorder_shot(self, shot_id: Any, link_ids: Sequence[Any]) -> None:
        """New timeline order: these links (``Generation.shot_generation_id``) first, 50 frames
        apart; other positioned links follow in their current order."""
        self.generations_service.reorder_shot(shot_id, link_ids)

    def delete_generation(self, generation_ids: Any) -> None:
        """Delete one generation or a list, with their variants and shot links: one round
        trip, one undo (their media files stay in storage)."""
        self.generations_service.delete(_many(generation_ids))

    def set_primary_variant(self, generation_id: Any, variant_id: Any) -> None:
        self.generations_service.set_primary_variant(generation_id, variant_id)

    def delete_variant(self, variant_id: Any) -> None:
        """Delete a variant; the original and the primary are refused, as in Reigh."""
        self.generations_service.delete_variant(variant_id)

    def star_variant(self, variant_ids: Any, starred: bool = True) -> None:
        """Star (or unstar) one variant or a list."""
        self.generations_service.star_variants(_many(variant_ids), starred)

    def viewable(self, location: str | None) -> str:
        """A path or URL a viewer or a browser can open for a media location: a local file's
        path, a public URL, or a presigned one for a private bucket."""
        from workbench.media.links import viewable

        return viewable(self.storage, location)

    def mark_viewed(self, generation_id: Any, variant_ids: Any = None) -> int:
        """Mark a generation's variants viewed (all, or these): how many were new."""
        ids = None if variant_ids is None else _many(variant_ids)
        return self.generations_service.mark_viewed(generation_id, ids)

    def download(
        self,
        project: Any = None,
        shot: Any = None,
        *,
        ids: Any = None,
        filters: GenerationFilters | dict[str, Any] | None = None,
        variants: str = "primary",
        to: str | os.PathLike[str] | None = None,
        zip: str | os.PathLike[str] | None = None,
        progress: Callable[[DownloadProgress], None] | None = None,
        concurrency: int = 8,
        cancel: threading.Event | None = None,
    ) -> DownloadResult:
        """Download originals to a folder (``to``) or a zip (``zip``), with a manifest.

        What: these generation ``ids`` (yours only: any other refuses the whole download), or
        every item of a project's or shot's gallery matching ``filters``, in gallery order.
        Each file is the primary variant's media (``variants="all"``: every variant's),
        named ``0001_<id8>.<ext>``; ``manifest.jsonl`` and ``manifest.csv`` list each with
        its prompt, tool, seed, params, shots and frames, size and sha256. ``concurrency``
        files at once (1..64); ``progress`` gets a ``DownloadProgress`` from worker threads;
        ``cancel`` (an Event) stops between chunks. A re-run skips files already complete.
        """
        from workbench.downloads import download

        return download(
            self, project, shot, ids=ids, filters=filters, variants=variants, to=to, zip=zip,
            progress=progress, concurrency=concurrency, cancel=cancel,
        )  # fmt: skip

    # -- live updates ----------------------------------------------------------------------
    def subscribe(
        self, prefix: tuple[Any, ...], callback: Callable[[CacheEvent], None]
    ) -> Callable[[], None]:
        """Hear about changes to cached data under ``prefix``, from this process and from any
        other client (told by the database's triggers, or found by polling where it has none);
        starts live updates."""
        self.start_live()
        return self._watching(prefix, self.cache.subscribe(prefix, callback))

    def follow(
        self, prefix: tuple[Any, ...], callback: Callable[[CacheEvent], None]
    ) -> Callable[[], None]:
        """Hear once per invalidation overlapping ``prefix`` (``workbench.keys``), cached or
        not: how views follow what they show. Starts live updates, as ``subscribe`` does."""
        self.start_live()
        return self._watching(prefix, self.cache.follow(prefix, callback))

    def _watching(self, prefix: tuple[Any, ...], stop: Callable[[], None]) -> Callable[[], None]:
        """Count ``prefix`` as shown (what polling asks about) until ``stop`` is called."""
        unwatch = self._watched.add(prefix)

        def stop_both() -> None:
            stop()
            unwatch()

        return stop_both

    def start_live(self) -> bool:
        """Follow other clients' changes: True when the database tells them (the workbench's
        NOTIFY triggers); False when it cannot, and then what views follow is polled every
        ``realtime.poll_interval`` seconds instead (unless that is 0). ``live_status`` says
        which."""
        with self._live_lock:
            if self._listener is not None:
                return True
            if not self._no_triggers:  # asked once: every subscribe would ask again
                installed = self.live_triggers  # read by connect() with the schema
                if installed is None:
                    with self.pool.connection() as conn:
                        installed = triggers_installed(conn)
                if installed:
                    self._listener = RealtimeListener(
                        self.dsn, self.cache, health=self.health,
                        connect_timeout=max(2, math.ceil(self.config.db_timeout)),
                    ).start()  # fmt: skip
                    return True
                self._no_triggers = True
            if self._poller is None and self.config.poll_interval > 0:
                self._poller = Poller(
                    self.pool, self.cache, self._watched, interval=self.config.poll_interval,
                    health=self.health, user_id=lambda: self._user_id,
                ).start()  # fmt: skip
            return False

    @property
    def live(self) -> bool:
        """True while another client's change would reach this workbench within a second
        (told by the database); see ``polling`` for a database that cannot tell."""
        return self._listener is not None and self._listener.live

    @property
    def polling(self) -> bool:
        """True when other clients' changes to what views follow are found by polling every
        ``realtime.poll_interval`` seconds (a database without the workbench's triggers)."""
        return self._poller is not None

    @property
    def live_status(self) -> str:
        """How other clients' changes arrive, in the words front ends show: "live" (told by
        the database), "polling every 3 s" (its interval), or "not live"."""
        if self.live:
            return "live"
        if self._poller is not None:
            return status_word(self._poller.interval)
        return "not live"

    @property
    def thumbnails(self) -> Thumbnails:
        """Small pictures for front ends, made once per workbench: every gallery and viewer
        of this process shares them, so a notebook cell run again or a second gallery of the
        same project shows its tiles without making them again (48 MB at most)."""
        if self._thumbnails is None:
            from workbench.media.thumbnail_cache import Thumbnails

            self._thumbnails = Thumbnails(self.storage)
        return self._thumbnails

    @property
    def connection_state(self) -> State:
        """The database's reachability: "online"; "reconnecting" just after a call (or live
        updates, or a poll) found it unreachable, while one retry is under way; "offline"
        once that retry failed too, until a probe (every 2 s) finds it answering again.
        Offline, calls fail at once. Front ends show it in their status line through
        ``workbench.views.connection.connection_status``; ``health.changed`` tells each
        transition."""
        return self.health.state

    def _reachable(self, online: bool) -> None:
        """Back online: whatever changed during the outage was not heard, so everything
        cached is stale, and views following it reload (a gallery that showed the error
        shows its page again)."""
        if online:
            self.cache.invalidate(())

    # -- settings --------------------------------------------------------------------------
    @property
    def settings_service(self) -> SettingsService:
        if self._settings is None:
            self._settings = SettingsService(
                self.pool, self.schema, lambda: self.user_id,
                follow=self.follow,
                journal_dir=self.config.paths.state_dir / PENDING_SETTINGS,
            )  # fmt: skip
            self._settings.written.add(self.changes.settings_written)
            # Made with the service: on a database without the history table it records
            # every write on this device, from the first one.
            self._settings_history = SettingsHistory(
                self.pool, self._settings, lambda: self.user_id,
                self.config.paths.state_dir / "settings-history.jsonl",
            )  # fmt: skip
        return self._settings

    def settings(
        self, tool_id: str, *, project_id: Any = None, shot_id: Any = None
    ) -> ResolvedSettings:
        """A tool's effective settings for a shot, a project or the user, with provenance."""
        target = target_for(self.user_id, project_id, shot_id)
        return self.settings_service.resolve(tool_id, target)

    def settings_handle(
        self, tool_id: str, *, project_id: Any = None, shot_id: Any = None
    ) -> SettingsHandle:
        """A live, optimistically edited view of one tool's settings (for front ends)."""
        target = target_for(self.user_id, project_id, shot_id)
        return SettingsHandle(self.settings_service, tool_id, target)

    def update_settings(
        self,
        scope: str,
        target_id: Any,
        tool_id: str,
        patch: dict[str, Any],
        *,
        force: bool = False,
    ) -> dict[str, Any]:
        """Merge ``patch`` into the tool's object at one scope, atomically; returns that object.

        Validated first (a known tool, known fields, the default's type, Reigh's choices):
        a refusal is a ``ValidationError`` and nothing is written. ``force=True`` writes it
        anyway and says so with a ``ForcedSettingWarning`` (``workbench.settings.validate``)."""
        return self.settings_service.write(scope, target_id, tool_id, patch, force=force)

    def reset_setting(
        self,
        scope: str,
        target_id: Any,
        tool_id: str,
        path: str | Sequence[str] | None = None,
        *,
        force: bool = False,
    ) -> dict[str, Any]:
        """Remove an override so the value inherits again (``path=None``: the whole tool).
        The tool and field must be known, as for ``update_settings`` (``force`` skips that);
        it asks nothing: front ends confirm a reset that reaches beyond their target."""
        removal = () if path is None else parse_path(path)
        return self.settings_service.write(scope, target_id, tool_id, None, [removal], force=force)

    @property
    def settings_history_service(self) -> SettingsHistory:
        """The settings history: in the database when it has the history table (our schema,
        or Reigh's with the extras), else on this device (``.stored`` says which)."""
        if self._settings_history is None:
            self.settings_service  # noqa: B018  # makes the history with the service
        assert self._settings_history is not None
        return self._settings_history

    def settings_history(
        self,
        tool_id: str,
        *,
        project_id: Any = None,
        shot_id: Any = None,
        limit: int = DEFAULT_LIMIT,
        inherited: bool = True,
    ) -> list[HistoryEntry]:
        """The recorded settings writes of one tool for a shot, a project or the user, newest
        first, each with its field changes (``entry.changes``: path, old, new; ``ABSENT``
        where a field was not set). With ``inherited`` (the default), a shot's history also
        holds its project's and the user's writes (they change what the shot uses) and a
        project's the user's; ``inherited=False`` keeps the target's own writes only."""
        target = target_for(self.user_id, project_id, shot_id)
        return self.settings_history_service.entries(
            tool_id, target, inherited=inherited, limit=limit
        )

    def restore_settings(self, entry_id: int | str, *, force: bool = False) -> Restore:
        """Go back to how the fields of a history entry were before it: a new write at the
        entry's scope and target (recorded, undoable). A field changed since the entry raises
        ``ConflictError`` and nothing changes, unless ``force``."""
        return self.settings_history_service.restore(entry_id, force=force)

    def settings_diff(self, tool_id: str, a: Any, b: Any = None) -> SettingsDiff:
        """The fields of a tool whose resolved values differ between two targets, with each
        side's value and scope, in one round trip. A target is a ``Shot`` or ``Project``,
        ``{"shot_id": ...}`` / ``{"project_id": ...}`` or ``"user"``; without ``b``, ``a``
        is compared with what it inherits from (a shot with its project)."""
        tool = check_tool_id(tool_id)
        user_id = self.user_id
        first = as_target(a, user_id)
        second = None if b is None else as_target(b, user_id)
        return connection.run_idempotent(
            self.pool, lambda conn: compare(conn, tool, first, second, user_id)
        )

    @property
    def local_state(self) -> LocalState:
        """Device-local UI state: never stored in the database."""
        if self._local_state is None:
            self._local_state = LocalState(self.config.paths.state_dir / "state.json")
        return self._local_state

    # -- changes and undo ------------------------------------------------------------------
    @property
    def changes(self) -> ChangeJournal:
        """Every change made through this workbench, with what undoes it; ``changes.changed``
        tells listeners (an Undo button) about each recorded or undone change."""
        if self._changes is None:
            device = self._device_changes()
            self._changes = ChangeJournal(lambda: device, lambda: self.user_id)
        return self._changes

    def _device_changes(self) -> LocalState:
        """The device's recorded changes, in a file of their own: they reach megabytes (an
        upload of 500 files is about 1 MB of undo data), and in the UI state's file every tab
        switch rewrote them (1 s a write seen on a long-used home). Changes an older version
        kept in the UI state's file move over once."""
        changes = LocalState(self.config.paths.state_dir / "changes.json")
        if not changes.path.exists():
            moved = self.local_state.get(DEVICE_KEY)
            if moved is not None:
                with contextlib.suppress(WorkbenchError):
                    changes.set(DEVICE_KEY, moved)
                    self.local_state.delete(DEVICE_KEY)
        return changes

    def undo(self, force: bool = False, *, device: bool = False) -> str:
        """Undo the last change of this session not yet undone (``device=True``: the last one
        recorded on this device, as ``workbench undo`` does) and say what was undone. A newer
        change made elsewhere raises ``ConflictError`` and nothing changes, unless ``force``."""
        if self._settings is not None:  # a queued edit lands first: it is the newest change
            self._settings.queue.flush()
        return self.changes.undo(self._undo_context(), self._undone, force=force, device=device)

    def history(self) -> list[Change]:
        """This session's changes, newest first (``device_history`` on ``changes``: the
        device's)."""
        return self.changes.history()

    def _undo_context(self) -> UndoContext:
        return UndoContext(
            self.pool, self.schema, self.user_id, self.settings_service, self.changes.quiet
        )

    def _undone(self, undone: Undone) -> None:
        """Refresh what an undo changed."""
        if undone.project_id is not None or undone.shot_ids:
            self.generations_service.invalidate(undone.project_id, undone.shot_ids)
        if undone.project_id is not None:  # an undone shot change: the lists of shots
            self.cache.invalidate(keys.shots(undone.project_id))
        for settings in (undone.settings, *undone.more_settings):
            if settings is not None:
                self.cache.invalidate(keys.settings(*settings))


def _many(ids: Any) -> list[Any]:
    """One id (text, a UUID, a record) as a list of one; a list as it is (checked later)."""
    if isinstance(ids, (str, bytes, uuid.UUID)) or hasattr(ids, "id"):
        return [ids]
    return list(ids) if isinstance(ids, Iterable) else [ids]  # [5]: refused as an id
