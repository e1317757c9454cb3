"""The unified generations query for a connected workbench, behind the query cache.

Cache keys follow Reigh's: ``('unified-generations', mode, target_id, page, limit, filters)``.
Everything derived from one gallery (its pages, counts, remembered cursors, page index, task
data) lives under the prefix ``('unified-generations', mode, target_id)``, so one prefix
invalidation refreshes all of it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

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
        """The gallery named (a shot wins over a project), after checking the user owns it."""
        if shot_id is not None:
            target = GalleryTarget("shot", as_uuid(shot_id, "shot id"))
        elif project_id is not None:
            target = GalleryTarget("project", as_uuid(project_id, "project id"))
        else:
            raise ValidationError("name a project_id or a shot_id")
        self._cache.get_or_fetch(keys.ownership(target.mode, target.id), lambda: self._own(target))
        return target

    def _own(self, target: GalleryTarget) -> bool:
        sql_text = (
            "SELECT p.user_id FROM projects p WHERE p.id = %s"
            if target.mode == "project"
            else "SELECT p.user_id FROM shots s JOIN projects p ON p.id = s.project_id "
            "WHERE s.id = %s"
        )
        row = run_idempotent(self._pool, lambda c: c.execute(sql_text, (target.id,)).fetchone())
        if row is None or row[0] != self._user_id():
            raise NotFoundError(f"{target.mode} {target.id} not found among the current user's")
        return True

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
    ) -> GenerationPage:
        """One page. With a cursor, ``filters`` and ``limit`` left as None are the cursor's
        (given, they must match it); without, no filters and 50 a page. A cursor that is
        None (``next_cursor`` of a last page) is refused, never read as "page 1"."""
        limit = None if limit is None else check_limit(limit)
        if cursor is not NO_CURSOR and page is not None:
            raise ValidationError("give a cursor or a page number, not both")
        seek: Seek | None
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
                number, seek = page, self._seek_for_page(target, wanted, size, page)
        key = (
            self._key(target, number, size, wanted)
            if earned
            else self._key(target, "from", seek, number, size, wanted)
        )
        result: GenerationPage = self._cache.get_or_fetch(
            key,
            (lambda: self._fetch_page(target, wanted, size, number, seek))
            if earned
            else (lambda: self._fetch_page(target, wanted, size, number, seek, remember=False)),
            force=fresh,
        )
        return self._with_tasks(result) if include_tasks else result

    @staticmethod
    def _key(target: GalleryTarget, *parts: Hashable) -> keys.Key:
        return keys.gallery(target.mode, target.id, *parts)

    def _seek_for_page(
        self, target: GalleryTarget, filters: GenerationFilters, limit: int, number: int
    ) -> Seek | None:
        """A remembered cursor when we have one, else one look-up in the page index."""
        if number == 1:
            return None
        known = self._remembered(target, number, limit, filters)
        if known is not None:
            return known
        index: list[tuple[Any, ...]] = self._cache.get_or_fetch(
            self._key(target, "page-index", limit, filters),
            lambda: self._fetch_index(target, filters, limit),
        )
        if number - 2 >= len(index):
            last = max(1, len(index) + 1)
            raise ValidationError(f"page {number} is past the last page ({last})")
        return Seek(index[number - 2], "after")

    def _remembered(
        self, target: GalleryTarget, number: int, limit: int, filters: GenerationFilters
    ) -> Seek | None:
        """Where page ``number`` starts, as the page before it found, while that is fresh: a
        change since (an invalidation) or age may have moved the page's start."""
        key = self._key(target, "cursor", number, limit, filters)
        known = self._cache.get(key) if self._cache.is_fresh(key) else None
        return known if isinstance(known, Seek) else None

    def _fetch_index(
        self, target: GalleryTarget, filters: GenerationFilters, limit: int
    ) -> list[tuple[Any, ...]]:
        statement, params = query.page_index_query(target, filters, limit, self._user_id())
        rows = run_idempotent(self._pool, lambda c: c.execute(statement, params).fetchall())
        if rows:  # the index also yields the exact total
            self._cache.set_query_data(self._key(target, "count-exact", filters), rows[0][-1])
        return [tuple(row[:-1]) for row in rows]

    def _fetch_page(
        self,
        target: GalleryTarget,
        filters: GenerationFilters,
        limit: int,
        number: int,
        seek: Seek | None,
        *,
        remember: bool = True,
    ) -> GenerationPage:
        """One page; with ``remember``, where the next page starts is remembered for a jump to
        page ``number + 1`` (only when this page is page ``number``: see ``page``)."""
        statement, params = query.page_query(target, filters, limit, seek, self._user_id())
        rows = run_idempotent(self._pool, lambda c: c.execute(statement, params).fetchall())
        more = len(rows) > limit
        rows = rows[:limit]
        backwards = seek is not None and seek.direction == "before"
        if backwards:
            rows.reverse()
        items = tuple(stream.generation(row) for row in rows)
        keys = [tuple(row[len(stream.GENERATION_TYPES) :]) for row in rows]
        total, exact = self.total(target, filters)

        def cursor(page: int, key: tuple[Any, ...], direction: str) -> str:
            seek = Seek(key, "after" if direction == "after" else "before")
            return Cursor(target, limit, filters, page, seek).encode(self._cursor_key)

        next_cursor = prev_cursor = None
        if items and (more or backwards):
            next_cursor = cursor(number + 1, keys[-1], "after")
            if remember:
                self._cache.set_query_data(
                    self._key(target, "cursor", number + 1, limit, filters),
                    Seek(keys[-1], "after"),
                )
        if items and number > 1:
            prev_cursor = cursor(number - 1, keys[0], "before")
        return GenerationPage(
            items, number, limit, max(total, len(items)), exact, target.mode, target.id,
            filters, next_cursor, prev_cursor, datetime.now(UTC),
        )  # fmt: skip

    def total(self, target: GalleryTarget, filters: GenerationFilters) -> tuple[int, bool]:
        """(count, exact): exact up to COUNT_CAP; beyond, the planner's estimate at once and
        the exact count computed in the background (subscribers hear when it lands).

        A remembered exact count (from the background or a page index) is only used while it
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
        target = self.target(project_id=project_id)
        return self._cache.get_or_fetch(
            self._key(target, "shot-counts"),
            lambda: run_idempotent(self._pool, lambda c: aggregates.shot_counts(c, target.id)),
        )

    def project_counts(self, project_id: object) -> ProjectCounts:
        target = self.target(project_id=project_id)
        return self._cache.get_or_fetch(
            self._key(target, "project-counts"),
            lambda: run_idempotent(self._pool, lambda c: aggregates.project_counts(c, target.id)),
        )

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
