"""The unified generations query for a connected workbench, behind the query cache.

Cache keys follow Reigh's: ``('unified-generations', mode, target_id, page, limit, filters)``.
Everything derived from one gallery (its pages, counts, remembered cursors, task data) lives
under the prefix ``('unified-generations', mode, target_id)``, so one prefix
invalidation refreshes all of it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from psycopg import sql
from psycopg.rows import class_row
from psycopg_pool import ConnectionPool

from workbench import keys
from workbench.cache import QueryCache
from workbench.db.connection import run_idempotent, stream_idempotent
from workbench.errors import NotFoundError, ValidationError, echo
from workbench.generations import aggregates, bulk, mutations, query, stream, variants
from workbench.generations.filters import GenerationFilters
from workbench.generations.page import (
    NO_CURSOR,
    Cursor,
    GenerationPage,
    NoCursor,
    new_cursor_key,
)
from workbench.generations.query import COUNT_CAP, GalleryTarget, Seek
from workbench.ids import as_uuid, as_uuids, is_uuid
from workbench.inputs import MAX_BATCH, MAX_PAGE_LIMIT, MAX_PAGE_NUMBER, check_int
from workbench.models import Generation, ProjectCounts, ShotCounts, ShotGeneration, Task

MAX_LIMIT = MAX_PAGE_LIMIT
DEFAULT_LIMIT = 50
# (kind, one-line description, JSON data that undoes it): how a change is recorded.
Record = Callable[[str, str, dict[str, Any]], object]


def check_limit(limit: object) -> int:
    return min(check_int(limit, "limit", minimum=1), MAX_LIMIT)


class GenerationsService:
    def __init__(
        self, pool: ConnectionPool, cache: QueryCache, user_id: Callable[[], uuid.UUID]
    ) -> None:
        self._pool = pool
        self._cache = cache
        self._user_id = user_id
        self._cursor_key = new_cursor_key()  # signs this session's cursors (page.Cursor)
        # Told about every change that landed, with what undoes it (the change journal).
        self.record: Record | None = None

    # -- targets ---------------------------------------------------------------------------
    def target(self, project_id: object = None, shot_id: object = None) -> GalleryTarget:
        """The gallery named (a shot wins over a project), after checking the user owns it.

        Checked once a session: every query is limited to the user's rows anyway, so the check
        only tells "not found" from an empty gallery; re-checking it in the background every
        30 s would cost a round trip on a remote database for nothing."""
        target = self.gallery(project_id, shot_id)
        key = keys.ownership(target.mode, target.id)
        if self._cache.get(key) is not True:
            self._cache.get_or_fetch(key, lambda: self._own(target))
        return target

    def gallery(self, project_id: object = None, shot_id: object = None) -> GalleryTarget:
        """The gallery named (a shot wins over a project), not checked yet: ``page`` checks
        the ownership in the page's own round trip (``target`` checks it at once)."""
        if shot_id is not None:
            return GalleryTarget("shot", as_uuid(shot_id, "shot id"))
        if project_id is not None:
            return GalleryTarget("project", as_uuid(project_id, "project id"))
        raise ValidationError("name a project_id or a shot_id")

    def _own(self, target: GalleryTarget) -> bool:
        statement, params = _owner_query(target)
        row = run_idempotent(self._pool, lambda c: c.execute(statement, params).fetchone())
        return self._owned(target, row)

    def _owned(self, target: GalleryTarget, row: Sequence[Any] | None) -> bool:
        """True when ``row`` (from ``_owner_query``) says the current user owns the target."""
        if row is None or row[0] != self._user_id():
            raise NotFoundError(f"{target.mode} {target.id} not found among the current user's")
        return True

    def shot_names(self, names: ShotNames, *, fresh: bool = False) -> dict[uuid.UUID, str]:
        """A project's shot names in the project's shot order (what galleries name badges and
        offer as destinations), cached under ``keys.shots``, which shot changes invalidate."""
        statement, params = names.query(self._user_id())
        return self._cache.get_or_fetch(
            keys.shots(names.project_id),
            lambda: run_idempotent(self._pool, lambda c: _names(c.execute(statement, params))),
            force=fresh,
        )

    # -- pages -----------------------------------------------------------------------------
    def page(
        self,
        target: GalleryTarget,
        filters: GenerationFilters | None = None,
        *,
        limit: int | None = None,
        cursor: str | NoCursor | None = NO_CURSOR,
        page: int | None = None,
        fresh: bool = False,
        include_tasks: bool = False,
        shot_names: ShotNames | None = None,
    ) -> GenerationPage:
        """One page. With a cursor, ``filters`` and ``limit`` left as None are the cursor's
        (given, they must match it); without, no filters and 50 a page. A cursor that is
        None (``next_cursor`` of a last page) is refused, never read as "page 1".

        A page read from the database costs one round trip, whatever it needs: the ownership
        check (when not known yet), the rows, the count (when not cached) and, with
        ``shot_names``, that project's shot names (when not cached) go together in one
        pipeline. A jump to a page nobody walked to finds its start in the database."""
        limit = None if limit is None else check_limit(limit)
        if cursor is not NO_CURSOR and page is not None:
            raise ValidationError("give a cursor or a page number, not both")
        seek: Seek | None
        skip = 0  # rows to skip after the seek: a jump to a page nobody walked to
        earned = True  # is this page what ``page=number`` shows? Then it is cached as such.
        if cursor is not NO_CURSOR:
            decoded = Cursor.decode(cursor, target, limit, filters, self._cursor_key)
            wanted, size = decoded.filters, decoded.limit
            number, seek = decoded.page, decoded.seek
            # A cursor is ours, but may be old (rows came and went since) or lead backwards:
            # its page is page ``number`` only when it starts where that page now starts.
            earned = self._remembered(target, number, size, wanted) == seek
        else:
            wanted = filters if filters is not None else GenerationFilters()
            size = limit if limit is not None else DEFAULT_LIMIT
            if page is None:
                number, seek = 1, None
            else:
                if isinstance(page, bool) or not isinstance(page, int) or page < 1:
                    raise ValidationError(f"page must be a whole number ≥ 1, not {echo(page)}")
                check_int(page, "page", maximum=MAX_PAGE_NUMBER)
                number = page
                seek, skip = self._nearest(target, page, size, wanted)
        extra: dict[str, Any] = {}  # only what differs from _fetch_page's defaults
        if not earned:
            extra["remember"] = False
        if skip:
            extra["skip"] = skip
        if shot_names is not None:
            extra["shot_names"] = shot_names
        key = (
            self._key(target, number, size, wanted)
            if earned
            else self._key(target, "from", seek, number, size, wanted)
        )
        result: GenerationPage = self._cache.get_or_fetch(
            key,
            lambda: self._fetch_page(target, wanted, size, number, seek, **extra),
            force=fresh,
        )
        if shot_names is not None:  # a page from the cache: the names may still be missing
            self.shot_names(shot_names)
        return self._with_tasks(result) if include_tasks else result

    @staticmethod
    def _key(target: GalleryTarget, *parts: Hashable) -> keys.Key:
        return keys.gallery(target.mode, target.id, *parts)

    def _nearest(
        self, target: GalleryTarget, number: int, limit: int, filters: GenerationFilters
    ) -> tuple[Seek | None, int]:
        """Where a jump to page ``number`` starts: (a seek, rows to skip after it). From the
        nearest page before it whose start is remembered (fresh), else from the first row;
        so a jump near a page seen lately skips a few pages, not the whole gallery."""
        if number == 1:
            return None, 0
        best, seek = 1, None
        for key in self._cache.keys(self._key(target, "cursor")):
            known = key[-3]
            if key[-2:] == (limit, filters) and isinstance(known, int) and best < known <= number:
                found = self._remembered(target, known, limit, filters)
                if found is not None and found.direction == "after":
                    best, seek = known, found
        return seek, (number - best) * limit

    def _remembered(
        self, target: GalleryTarget, number: int, limit: int, filters: GenerationFilters
    ) -> Seek | None:
        """Where page ``number`` starts, as the page before it found, while that is fresh: a
        change since (an invalidation) or age may have moved the page's start."""
        key = self._key(target, "cursor", number, limit, filters)
        known = self._cache.get(key) if self._cache.is_fresh(key) else None
        return known if isinstance(known, Seek) else None

    def _fetch_page(
        self,
        target: GalleryTarget,
        filters: GenerationFilters,
        limit: int,
        number: int,
        seek: Seek | None,
        *,
        skip: int = 0,
        remember: bool = True,
        shot_names: ShotNames | None = None,
    ) -> GenerationPage:
        """One page, in one round trip (see ``page``): ``skip`` rows after the seek (found in
        the database). With ``remember``, where the next page starts is remembered for a jump
        to page ``number + 1`` (only when this page is page ``number``: see ``page``)."""
        user = self._user_id()
        statement, params = query.page_query(target, filters, limit, seek, user, skip=skip)
        owner_key = keys.ownership(target.mode, target.id)
        check = self._cache.get(owner_key) is not True
        counts = self._count_reads(target, filters)
        names = None
        if shot_names is not None and not self._cache.is_fresh(keys.shots(shot_names.project_id)):
            names = shot_names

        def work(conn: Any) -> tuple[Any, list[Any], list[Any], dict[uuid.UUID, str] | None]:
            with conn.pipeline():  # one round trip for everything the page needs
                owner = conn.execute(*_owner_query(target)) if check else None
                page = conn.execute(statement, params)
                counted = [conn.execute(s, p) for _, s, p, _ in counts]
                named = conn.execute(*names.query(user)) if names is not None else None
            return (
                owner.fetchone() if owner is not None else None,
                page.fetchall(),
                [c.fetchone() for c in counted],
                _names(named) if named is not None else None,
            )

        owner, rows, counted, found = run_idempotent(self._pool, work)
        if check:
            self._owned(target, owner)
            self._cache.set_query_data(owner_key, True)
        for (count_key, _, _, read), row in zip(counts, counted, strict=True):
            self._cache.set_query_data(count_key, read(row))
        if names is not None and found is not None:
            self._cache.set_query_data(keys.shots(names.project_id), found)
        if not rows and skip:
            raise self._past_the_end(target, filters, limit, number)
        more = len(rows) > limit
        rows = rows[:limit]
        backwards = seek is not None and seek.direction == "before"
        if backwards:
            rows.reverse()
        items = tuple(stream.generation(row) for row in rows)
        sort_keys = [tuple(row[len(stream.GENERATION_TYPES) :]) for row in rows]
        total, exact = self.total(target, filters)

        def cursor(page: int, key: tuple[Any, ...], direction: str) -> str:
            seek = Seek(key, "after" if direction == "after" else "before")
            return Cursor(target, limit, filters, page, seek).encode(self._cursor_key)

        next_cursor = prev_cursor = None
        if items and (more or backwards):
            next_cursor = cursor(number + 1, sort_keys[-1], "after")
            if remember:
                self._cache.set_query_data(
                    self._key(target, "cursor", number + 1, limit, filters),
                    Seek(sort_keys[-1], "after"),
                )
        if items and number > 1:
            prev_cursor = cursor(number - 1, sort_keys[0], "before")
        return GenerationPage(
            items, number, limit, max(total, len(items)), exact, target.mode, target.id,
            filters, next_cursor, prev_cursor, datetime.now(UTC),
        )  # fmt: skip

    def _past_the_end(
        self, target: GalleryTarget, filters: GenerationFilters, limit: int, number: int
    ) -> ValidationError:
        """The refusal of a jump past the last page, naming the last page (an exact count:
        this is the error path, so it may cost a round trip)."""
        total, exact = self.total(target, filters)
        if not exact:
            total = self._scalar(*query.full_count_query(target, filters, self._user_id()))
        last = max(1, -(-total // limit))
        return ValidationError(f"page {number} is past the last page ({last})")

    def _count_reads(
        self, target: GalleryTarget, filters: GenerationFilters
    ) -> list[tuple[keys.Key, Any, dict[str, Any], Callable[[Any], int]]]:
        """The count statements ``total`` would run now (its cache keys not fresh), to send in
        the page's pipeline: (cache key, statement, parameters, how to read the row). ``total``
        then finds their results in the cache. The capped count and the planner's estimate
        go together, since whether the estimate is needed is known only once the count is."""
        if self._cache.is_fresh(self._key(target, "count-exact", filters)):
            return []
        reads: list[tuple[keys.Key, Any, dict[str, Any], Callable[[Any], int]]] = []
        count_key = self._key(target, "count", filters)
        if not self._cache.is_fresh(count_key):
            statement, params = query.count_query(target, filters, self._user_id())
            reads.append((count_key, statement, params, _scalar_of))
        estimate_key = self._key(target, "count-estimate", filters)
        if not self._cache.is_fresh(estimate_key):
            statement, params = query.estimate_query(target, filters, self._user_id())
            reads.append((estimate_key, statement, params, _estimate_of))
        return reads

    def total(self, target: GalleryTarget, filters: GenerationFilters) -> tuple[int, bool]:
        """(count, exact): exact up to COUNT_CAP; beyond, the planner's estimate at once and
        the exact count computed in the background (subscribers hear when it lands).

        A remembered exact count (from the background count) is only used while it
        is fresh: ``cache.get`` still returns one an invalidation (a mutation, another client's
        change) or age made stale, and that may be wrong, so it must not be reported as exact.
        """
        exact_key = self._key(target, "count-exact", filters)
        fresh = self._cache.is_fresh(exact_key)  # before the read: data only ever lands fresh
        exact = self._cache.get(exact_key)
        if fresh and isinstance(exact, int):
            return exact, True
        capped: int = self._cache.get_or_fetch(
            self._key(target, "count", filters),
            lambda: self._scalar(*query.count_query(target, filters, self._user_id())),
        )
        if capped <= COUNT_CAP:
            return capped, True
        estimate: int = self._cache.get_or_fetch(
            self._key(target, "count-estimate", filters), lambda: self._estimate(target, filters)
        )
        threading.Thread(
            target=self._cache.get_or_fetch,
            args=(
                exact_key,
                lambda: self._scalar(*query.full_count_query(target, filters, self._user_id())),
            ),
            daemon=True,
        ).start()
        return max(estimate, capped), False

    def _scalar(self, statement: Any, params: dict[str, Any]) -> int:
        row = run_idempotent(self._pool, lambda c: c.execute(statement, params).fetchone())
        return int(row[0]) if row else 0

    def _estimate(self, target: GalleryTarget, filters: GenerationFilters) -> int:
        statement, params = query.estimate_query(target, filters, self._user_id())
        row = run_idempotent(self._pool, lambda c: c.execute(statement, params).fetchone())
        return int(row[0][0]["Plan"]["Plan Rows"]) if row else 0

    # -- task data -------------------------------------------------------------------------
    def _with_tasks(self, page: GenerationPage) -> GenerationPage:
        ids = sorted({i.task_id for i in page.items if i.task_id and is_uuid(i.task_id)})
        key = keys.gallery(page.mode, page.target_id, "tasks", page.page, page.limit, page.filters)
        tasks: dict[str, Task] = self._cache.get_or_fetch(key, lambda: self._fetch_tasks(ids))
        items = tuple(replace(i, task=tasks.get(i.task_id or "")) for i in page.items)
        return replace(page, items=items)

    def _fetch_tasks(self, ids: list[str]) -> dict[str, Task]:
        if not ids:
            return {}

        def work(conn: Any) -> list[Task]:
            with conn.cursor(row_factory=class_row(Task)) as cur:
                return list(
                    cur.execute(
                        "SELECT id, task_type, status, error_message, params, created_at, "
                        "updated_at FROM tasks WHERE id = ANY(%s::uuid[])",
                        (ids,),
                    ).fetchall()
                )

        return {str(task.id): task for task in run_idempotent(self._pool, work)}

    # -- streams and aggregates ------------------------------------------------------------
    def iter_generations(
        self, target: GalleryTarget, filters: GenerationFilters
    ) -> Iterator[Generation]:
        user_id = self._user_id()
        yield from stream_idempotent(  # a restart before the first row is retried
            self._pool, lambda c: stream.iter_generations(c, target, filters, user_id)
        )

    def iter_shot_generations(self, shot_ids: Sequence[object]) -> Iterator[ShotGeneration]:
        wanted = as_uuids(shot_ids, "shot id")
        user_id = self._user_id()

        def work(conn: Any) -> Iterator[ShotGeneration]:
            owned = {
                row[0]
                for row in conn.execute(
                    "SELECT s.id FROM shots s JOIN projects p ON p.id = s.project_id "
                    "WHERE s.id = ANY(%s::uuid[]) AND p.user_id = %s",
                    (wanted, user_id),
                ).fetchall()
            }
            missing = [str(s) for s in wanted if s not in owned]
            if missing:
                raise NotFoundError(f"shots not found among the current user's: {missing[:3]}")
            yield from stream.iter_shot_generations(conn, wanted, user_id)

        yield from stream_idempotent(self._pool, work)  # retried until the first row

    def shot_counts(self, project_id: object) -> list[ShotCounts]:
        """Per shot of the project, in the shots' order: counted in one pass, then kept and
        brought up to date shot by shot (a change to a shot recounts that shot alone)."""
        target = self.target(project_id=project_id)
        return self._counts().shots(target.id)

    def project_counts(self, project_id: object) -> ProjectCounts:
        """All, images, videos, starred, in no shot: one pass, kept until the project changes."""
        target = self.target(project_id=project_id)
        return self._counts().project(target.id)

    _counts_made = threading.Lock()

    def _counts(self) -> aggregates.CountKeeper:
        """The keeper of this session's counts, made on first use (see CountKeeper)."""
        keeper: aggregates.CountKeeper | None = getattr(self, "_count_keeper", None)
        if keeper is None:
            with self._counts_made:
                keeper = getattr(self, "_count_keeper", None)
                if keeper is None:
                    keeper = aggregates.CountKeeper(self._cache, self._pool)
                    self._count_keeper = keeper
        return keeper

    # -- mutations -------------------------------------------------------------------------
    def star(self, generation_ids: Sequence[object], starred: bool = True) -> None:
        """Star or unstar generations: one round trip, one undo, however many."""
        ids = bulk.check_batch(as_uuids(generation_ids, "generation id"))
        wanted = set(ids)
        self._mutate(
            lambda c: bulk.star_many(c, self._user_id(), ids, bool(starred)),
            lambda page: _change(page, wanted, lambda item: replace(item, starred=bool(starred))),
            "star", lambda t: f"{'star' if starred else 'unstar'} {t.label}",
        )  # fmt: skip

    def delete(self, generation_ids: Sequence[object]) -> None:
        """Delete generations with their variants and links: one round trip, one undo."""
        ids = bulk.check_batch(as_uuids(generation_ids, "generation id"))
        wanted = set(ids)
        self._mutate(
            lambda c: bulk.delete_many(c, self._user_id(), ids),
            lambda page: _without(page, lambda item: item.id in wanted),
            "delete", lambda t: f"delete {_generation_label(t.label)}",
        )  # fmt: skip

    def add_to_shot(
        self, generation_ids: Sequence[object], shot_id: object, frame: int | str | None
    ) -> None:
        """Link generations into a shot: at its end ("end") or unpositioned (None), in the
        order given; one generation may also go to a given frame."""
        ids = bulk.check_batch(as_uuids(generation_ids, "generation id"))
        sid = as_uuid(shot_id, "shot id")
        wanted = set(ids)

        def optimistic(page: GenerationPage) -> GenerationPage:
            return _change(page, wanted, lambda i: replace(i, shot_ids=tuple({*i.shot_ids, sid})))

        def work(conn: Any) -> mutations.Touched:
            if frame in ("end", None):
                return bulk.add_many_to_shot(
                    conn, self._user_id(), ids, sid, positioned=frame == "end"
                )
            if len(ids) != 1:
                raise ValidationError(
                    "several generations go to the end of the timeline or unpositioned, "
                    "not to one frame"
                )
            return mutations.add_to_shot(conn, self._user_id(), ids[0], sid, frame)

        self._mutate(
            work, optimistic,
            "add-to-shot", lambda t: f"add {t.label} to shot '{t.undo['shot']}'",
        )  # fmt: skip

    def remove_from_shot(
        self, shot_id: object, generation_ids: Sequence[object], link_id: object = None
    ) -> None:
        """Unlink generations from a shot (one round trip, one undo); with ``link_id``, just
        that link of a single generation."""
        ids = bulk.check_batch(as_uuids(generation_ids, "generation id"))
        sid = as_uuid(shot_id, "shot id")
        link = None if link_id is None else as_uuid(link_id, "link id")
        wanted = set(ids)

        def optimistic(page: GenerationPage) -> GenerationPage:
            if page.mode == "shot" and page.target_id == sid:
                return _without(
                    page, lambda i: i.id in wanted and link in (None, i.shot_generation_id)
                )
            return page

        self._mutate(
            lambda c: bulk.remove_many_from_shot(c, self._user_id(), sid, ids, link),
            optimistic,
            "remove-from-shot", lambda t: f"remove {t.label} from shot '{t.undo['shot']}'",
        )  # fmt: skip

    def reorder_shot(self, shot_id: object, link_ids: Sequence[object]) -> None:
        sid = as_uuid(shot_id, "shot id")
        order = as_uuids(link_ids, "link id")
        rank = {link: n for n, link in enumerate(order)}

        def optimistic(page: GenerationPage) -> GenerationPage:
            if page.mode != "shot" or page.target_id != sid:
                return page
            last = len(rank)
            ranked = sorted(
                page.items,
                key=lambda i: (
                    rank.get(i.shot_generation_id, last) if i.shot_generation_id else last
                ),
            )
            return replace(page, items=tuple(ranked))

        self._mutate(
            lambda c: mutations.reorder_shot(c, self._user_id(), sid, order), optimistic,
            "reorder", lambda t: f"reorder shot '{t.label}'",
        )  # fmt: skip

    def set_primary_variant(self, generation_id: object, variant_id: object) -> None:
        gid, vid = as_uuid(generation_id, "generation id"), as_uuid(variant_id, "variant id")
        self._mutate(
            lambda c: mutations.set_primary_variant(c, self._user_id(), gid, vid), None,
            "set-primary", lambda t: f"set the primary variant of '{t.label}'",
        )  # fmt: skip

    def delete_variant(self, variant_id: object) -> None:
        """Delete a variant that is neither the original nor the primary (Reigh's rules)."""
        vid = as_uuid(variant_id, "variant id")
        self._mutate(
            lambda c: variants.delete_variant(c, self._user_id(), vid), None,
            "delete-variant", lambda t: f"delete a variant of '{t.label}'",
        )  # fmt: skip

    def star_variants(self, variant_ids: Sequence[object], starred: bool = True) -> None:
        ids = list(dict.fromkeys(as_uuids(variant_ids, "variant id")))
        if not ids or len(ids) > MAX_BATCH:
            raise ValidationError(f"give 1 to {MAX_BATCH:,} variants, not {len(ids):,}")
        self._mutate(
            lambda c: variants.star_variants(c, self._user_id(), ids, bool(starred)), None,
            "star-variant",
            lambda t: f"{'star' if starred else 'unstar'} a variant of '{t.label}'"
            if len(ids) == 1 else f"{'star' if starred else 'unstar'} {t.label}",
        )  # fmt: skip

    def mark_viewed(self, generation_id: object, variant_ids: Sequence[object] | None) -> int:
        """Mark variants viewed (all of the generation's, or these): how many were new. The
        galleries' "new" badges follow; nothing is recorded, as viewing is not an edit."""
        gid = as_uuid(generation_id, "generation id")
        vids = None if variant_ids is None else as_uuids(variant_ids, "variant id")
        marked = run_idempotent(
            self._pool, lambda c: variants.mark_viewed(c, self._user_id(), gid, vids)
        )
        if marked is None:
            return 0
        project_id, shot_ids, count = marked
        self.invalidate(project_id, shot_ids)
        return count

    def _mutate(
        self,
        work: Callable[[Any], mutations.Touched],
        optimistic: Callable[[GenerationPage], GenerationPage] | None,
        kind: str,
        describe: Callable[[mutations.Touched], str],
    ) -> None:
        """Change cached pages at once, run the change, roll back if it fails, then refetch;
        a change that landed is recorded (``kind``, its description, what undoes it)."""
        previous: list[tuple[Any, Any]] = []
        if optimistic is not None:
            for key in self._cache.keys(keys.gallery()):
                data = self._cache.get(key)
                if isinstance(data, GenerationPage):
                    changed = optimistic(data)
                    if changed is not data:
                        previous.append((key, self._cache.set_query_data(key, changed)))
        try:
            with self._pool.connection() as conn:
                touched = work(conn)
        except BaseException:
            for key, data in previous:
                self._cache.set_query_data(key, data)
            raise
        self.invalidate(touched.project_id, touched.shot_ids)
        if self.record is not None:
            self.record(kind, describe(touched), touched.undo)

    def invalidate(self, project_id: uuid.UUID | None, shot_ids: Sequence[uuid.UUID] = ()) -> None:
        """Refresh everything derived from a project's gallery and these shots' galleries."""
        if project_id is not None:
            self._cache.invalidate(keys.gallery("project", project_id))
        for shot_id in shot_ids:
            self._cache.invalidate(keys.gallery("shot", shot_id))


def _change(
    page: GenerationPage, ids: set[uuid.UUID], change: Callable[[Generation], Generation]
) -> GenerationPage:
    for item in page.items:
        if item.id in ids:
            page = page.replace_item(change(item))
    return page


def _generation_label(label: str) -> str:
    """ "generation 'harbour at dusk'" for one, "12 generations" for many."""
    return f"generation {label}" if label.startswith("'") else label


def _without(page: GenerationPage, drop: Callable[[Generation], bool]) -> GenerationPage:
    kept = tuple(item for item in page.items if not drop(item))
    if len(kept) == len(page.items):
        return page
    return replace(page, items=kept, total=max(0, page.total - (len(page.items) - len(kept))))


@dataclass(frozen=True)
class ShotNames:
    """Which project's shot names a gallery shows, and how its shots are ordered: by
    ``position`` (Reigh's column) then name, or by name where a database lacks ``position``."""

    project_id: uuid.UUID
    by_position: bool = True

    def query(self, user_id: uuid.UUID) -> tuple[sql.Composed, dict[str, Any]]:
        """The names, the current user's project only."""
        order = sql.SQL("s.position, s.name" if self.by_position else "s.name")
        return sql.SQL(
            "SELECT s.id, s.name FROM shots s JOIN projects p ON p.id = s.project_id "
            "WHERE s.project_id = %(project)s AND p.user_id = %(user)s ORDER BY {}, s.name"
        ).format(order), {"project": self.project_id, "user": user_id}


def _names(cursor: Any) -> dict[uuid.UUID, str]:
    return {row[0]: row[1] for row in cursor.fetchall()}


def _owner_query(target: GalleryTarget) -> tuple[str, tuple[uuid.UUID]]:
    """Who owns the target (no row: it does not exist)."""
    if target.mode == "project":
        return "SELECT p.user_id FROM projects p WHERE p.id = %s", (target.id,)
    return (
        "SELECT p.user_id FROM shots s JOIN projects p ON p.id = s.project_id WHERE s.id = %s",
        (target.id,),
    )


def _scalar_of(row: Any) -> int:
    return int(row[0]) if row else 0


def _estimate_of(row: Any) -> int:
    return int(row[0][0]["Plan"]["Plan Rows"]) if row else 0
