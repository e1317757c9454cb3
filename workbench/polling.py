"""Live updates without our triggers: poll a high-water mark of everything shown.

A Reigh database we may not change has no NOTIFY triggers (the extras), so nothing tells us
about another client's change. Instead a daemon thread asks, every ``realtime.poll_interval``
seconds (3 by default; Reigh itself polls every 15-60 s when its realtime is down), one
question for everything views follow (``Workbench.follow``/``subscribe``): a small *mark* per
shown gallery, shot list and settings row. A mark that moved since the last poll becomes the
invalidation the NOTIFY path would have made for that change (``realtime.prefixes_for``), so
views refresh through the one path they already follow. Nothing followed: no query at all,
the thread waits until something is.

Why these marks: Reigh's core schema maintains no ``updated_at`` by trigger (only the primary
variant's sync touches ``generations.updated_at``, and a client that stars with a plain
``UPDATE ... SET starred`` moves nothing else), and a delete moves no maximum; so each mark
counts rows and sums what identifies them, read where possible from indexes Reigh has (no
index of ours may be added):

- a project's gallery: index-only reads of its newest ``WINDOW`` (10,000: the bound under
  which gallery totals are exact) generations (``idx_generations_project_created``) and newest
  ``WINDOW`` starred ones (``idx_generations_project_starred``): how many, and the sum of
  their creation times (an insert, a delete, a star moved from one item to another); plus a
  hash of the newest 100 rows (an edit there: a new primary variant, a rename). Its cost is
  bounded whatever the project's size. Every ``FULL_EVERY``-th poll also counts each shown
  project in full: a delete further back than the newest 10,000 shows within ten polls.
  ``benchmarks/realtime_bench.py --big 1000000`` times both.
- a shot's gallery: a hash of every link and its generation (a shot holds hundreds at most).
- a project's list of shots: a hash of its shots' ids, names and positions.
- settings: a hash of the user's settings, of a project's name and settings, of a shot's row
  (what the NOTIFY triggers fire on).
- the navigator (a follower of every project gallery): per project of the user, its name,
  newest generation and number of shots, each an index probe. Deletes and stars in projects
  nobody shows reach the navigator at its next reload, not by polling.

Not polled: a new non-primary variant, a variant's star, a task's progress, edits to items
past the newest 100 of a project (a star there is polled), links of shots nobody shows (the
project's gallery shows them in its shot filter; they refresh when it next reloads).

A failed poll tells the workbench's ``ConnectionHealth`` (the status line says "offline");
marks survive an outage, so whatever changed meanwhile is found by the first poll after it.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from workbench import keys
from workbench.cache import QueryCache
from workbench.db import connection
from workbench.db.health import ConnectionHealth, short_reason
from workbench.errors import WorkbenchConnectionError
from workbench.realtime import prefixes_for

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 3.0
Key = tuple[Hashable, ...]
Mark = tuple[uuid.UUID | None, str | None]  # (the target's project, its mark)


def status_word(interval: float) -> str:
    """What front ends say while polling: "polling every 3 s"."""
    return f"polling every {interval:g} s"


@dataclass(frozen=True)
class Targets:
    """What the followed prefixes show, as the poll asks about it."""

    project_galleries: frozenset[uuid.UUID] = frozenset()
    shot_galleries: frozenset[uuid.UUID] = frozenset()
    shot_lists: frozenset[uuid.UUID] = frozenset()  # keys.shots(project)
    settings: frozenset[tuple[str, uuid.UUID]] = frozenset()  # (scope, row id)
    navigator: bool = False  # every project gallery of the user is followed

    def __bool__(self) -> bool:
        return bool(
            self.project_galleries
            or self.shot_galleries
            or self.shot_lists
            or self.settings
            or self.navigator
        )

    def kinds(self) -> set[str]:
        """The mark kinds this set of targets asks for (a poll compares only those kinds
        that the previous poll asked for too)."""
        found = {f"settings-{scope}" for scope, _ in self.settings}
        for kind, present in (
            ("gallery-project", self.project_galleries),
            ("gallery-shot", self.shot_galleries),
            ("shots", self.shot_lists),
            ("projects", self.navigator),
        ):
            if present:
                found.add(kind)
        return found


def _uuid(value: Hashable) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def targets_for(prefixes: list[Key]) -> Targets:
    """What to poll for these followed prefixes (``workbench.keys``); others are ignored."""
    projects: set[uuid.UUID] = set()
    shots: set[uuid.UUID] = set()
    lists: set[uuid.UUID] = set()
    settings: set[tuple[str, uuid.UUID]] = set()
    navigator = False
    for prefix in prefixes:
        family = prefix[0] if prefix else None
        if family is None or (family == keys.GALLERY and len(prefix) < 3):
            navigator = True  # every gallery (a navigator's counts)
        elif family == keys.GALLERY and prefix[1] in ("project", "shot"):
            target = _uuid(prefix[2])
            if target is not None:
                (projects if prefix[1] == "project" else shots).add(target)
        elif (
            family == keys.SETTINGS
            and len(prefix) >= 3
            and prefix[1] in ("user", "project", "shot")
        ):
            target = _uuid(prefix[2])
            if target is not None:
                settings.add((str(prefix[1]), target))
        elif family == keys.SHOTS and len(prefix) >= 2:
            target = _uuid(prefix[1])
            if target is not None:
                lists.add(target)
    return Targets(
        frozenset(projects), frozenset(shots), frozenset(lists), frozenset(settings), navigator
    )


class Watched:
    """The prefixes views follow through the workbench, each counted (two views may follow
    one gallery); ``changed`` wakes the poller when one is added or dropped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[Key, int] = {}
        self.changed = threading.Event()

    def add(self, prefix: Key) -> Callable[[], None]:
        """Count ``prefix`` as followed; returns the function that stops counting it (safe to
        call twice)."""
        with self._lock:
            self._counts[prefix] = self._counts.get(prefix, 0) + 1
        self.changed.set()
        done = threading.Event()

        def remove() -> None:
            if done.is_set():
                return
            done.set()
            with self._lock:
                left = self._counts.get(prefix, 0) - 1
                if left > 0:
                    self._counts[prefix] = left
                else:
                    self._counts.pop(prefix, None)
            self.changed.set()

        return remove

    def prefixes(self) -> list[Key]:
        """The prefixes followed now (each once)."""
        with self._lock:
            return list(self._counts)


WINDOW = 10_000  # the newest rows a project's mark reads on every poll (exact totals' bound)
FULL_EVERY = 10  # every 10th poll also counts each shown project in full

_PARTS: dict[str, str] = {
    # Index-only reads of the newest WINDOW rows (idx_generations_project_created) and the
    # newest WINDOW starred ones (idx_generations_project_starred): how many, and the sum of
    # their creation times (an insert, a delete or a star anywhere in a project of up to
    # WINDOW items moves it); then a hash of the newest 100 rows themselves (an edit there).
    "gallery-project": """
SELECT 'gallery-project', t.id, t.id, concat_ws(':',
    (SELECT concat_ws(':', count(*), sum((date_part('epoch', r.created_at) * 1e6)::bigint))
       FROM (SELECT g.created_at FROM generations g WHERE g.project_id = t.id
             ORDER BY g.created_at DESC LIMIT {window}) r),
    (SELECT concat_ws(':', count(*), sum((date_part('epoch', r.created_at) * 1e6)::bigint))
       FROM (SELECT g.created_at FROM generations g WHERE g.project_id = t.id AND g.starred
             ORDER BY g.created_at DESC LIMIT {window}) r),
    (SELECT sum(hashtext(r.g::text))
       FROM (SELECT g FROM generations g WHERE g.project_id = t.id
             ORDER BY g.created_at DESC LIMIT 100) r))
FROM unnest({ids}::uuid[]) AS t(id)""",
    # Every FULL_EVERY polls: a delete beyond the newest WINDOW rows of a bigger project.
    "project-total": """
SELECT 'project-total', t.id, t.id,
    (SELECT count(*) FROM generations g WHERE g.project_id = t.id)::text
FROM unnest({ids}::uuid[]) AS t(id)""",
    "gallery-shot": """
SELECT 'gallery-shot', t.id, s.project_id, concat_ws(':', s.id,
    (SELECT concat_ws(':', count(*), sum(hashtext(sg::text || g::text)))
       FROM shot_generations sg JOIN generations g ON g.id = sg.generation_id
      WHERE sg.shot_id = t.id))
FROM unnest({ids}::uuid[]) AS t(id) LEFT JOIN shots s ON s.id = t.id""",
    "shots": """
SELECT 'shots', t.id, t.id,
    (SELECT concat_ws(':', count(*), sum(hashtext(concat_ws(',', s.id, s.name, s.position))))
       FROM shots s WHERE s.project_id = t.id)
FROM unnest({ids}::uuid[]) AS t(id)""",
    "settings-user": """
SELECT 'settings-user', t.id, NULL::uuid, md5(coalesce(u.settings::text, '-'))
FROM unnest({ids}::uuid[]) AS t(id) LEFT JOIN users u ON u.id = t.id""",
    "settings-project": """
SELECT 'settings-project', t.id, t.id, md5(concat_ws(',', p.id, p.name, p.settings))
FROM unnest({ids}::uuid[]) AS t(id) LEFT JOIN projects p ON p.id = t.id""",
    "settings-shot": """
SELECT 'settings-shot', t.id, s.project_id, md5(s::text)
FROM unnest({ids}::uuid[]) AS t(id) LEFT JOIN shots s ON s.id = t.id""",
    # One index probe per project (idx_generations_project_created, idx_shots_project_id).
    "projects": """
SELECT 'projects', p.id, p.id, concat_ws(':', p.name,
    (SELECT max(g.created_at) FROM generations g WHERE g.project_id = p.id),
    (SELECT count(*) FROM shots s WHERE s.project_id = p.id))
FROM projects p WHERE p.user_id = {ids}""",
}


def poll_query(
    targets: Targets, user_id: uuid.UUID | None, *, full: bool = False
) -> tuple[sql.Composed, list[Any]] | None:
    """The one statement that reads every target's mark: rows of (kind, id, project, mark);
    None when there is nothing to ask (only a navigator, and no current user). ``full`` also
    counts every shown project in full."""
    parts: list[sql.Composable] = []
    params: list[Any] = []

    def add(kind: str, value: Any) -> None:
        parts.append(sql.SQL(_PARTS[kind]).format(ids=sql.Placeholder(), window=WINDOW))
        params.append(value)

    if targets.project_galleries:
        add("gallery-project", sorted(targets.project_galleries))
        if full:
            add("project-total", sorted(targets.project_galleries))
    if targets.shot_galleries:
        add("gallery-shot", sorted(targets.shot_galleries))
    if targets.shot_lists:
        add("shots", sorted(targets.shot_lists))
    for scope in ("user", "project", "shot"):
        ids = sorted(target for kind, target in targets.settings if kind == scope)
        if ids:
            add(f"settings-{scope}", ids)
    if targets.navigator and user_id is not None:
        add("projects", user_id)
    if not parts:
        return None
    return sql.SQL(" UNION ALL ").join(parts), params


def event_for(kind: str, target: uuid.UUID, project: uuid.UUID | None) -> dict[str, Any]:
    """The NOTIFY payload (extras/0003_realtime_notify.sql) a moved mark stands for, so that
    ``prefixes_for`` maps it to the same prefixes a trigger's event would."""
    if kind in ("gallery-project", "project-total", "projects"):
        return {"table": "generations", "project": target, "shots": []}
    if kind == "gallery-shot":
        return {"table": "shot_generations", "project": project, "shots": [target]}
    if kind == "shots":
        return {"table": "shots", "project": target}
    if kind == "settings-project":
        return {"table": "projects", "project": target}
    if kind == "settings-shot":
        return {"table": "shots", "project": project, "shot": target}
    return {"table": "users", "user": target}


class Poller:
    """Polls the marks of everything ``watched`` shows every ``interval`` seconds and
    invalidates what moved; waits, without a query, while nothing is followed."""

    def __init__(
        self,
        pool: ConnectionPool,
        cache: QueryCache,
        watched: Watched,
        *,
        interval: float = DEFAULT_INTERVAL_S,
        health: ConnectionHealth | None = None,
        user_id: Callable[[], uuid.UUID | None] = lambda: None,
    ) -> None:
        self.interval = interval
        self._pool = pool
        self._cache = cache
        self._watched = watched
        self._health = health
        self._user_id = user_id
        self._stop = threading.Event()
        self._last: dict[str, dict[uuid.UUID, Mark]] = {}  # per kind, as last asked
        self.polls = 0  # polls sent (tests and the benchmark read it)
        self.paused = False  # waiting for something to be followed, sending nothing
        self._failing = False  # a poll failed other than by an outage: logged once
        self._thread = threading.Thread(target=self._run, name="workbench-polling", daemon=True)

    def start(self) -> Poller:
        """Start polling on a daemon thread (it pauses at once while nothing is followed)."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop polling (a poll in flight finishes first; waits 5 s at most)."""
        self._stop.set()
        self._watched.changed.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        changed = self._watched.changed
        while not self._stop.is_set():
            changed.clear()
            targets = targets_for(self._watched.prefixes())
            if not targets:
                self._last = {}  # followed again later: a fresh baseline
                self.paused = True
                changed.wait()  # no timeout: nothing is shown, nothing is asked
                self.paused = False
                continue
            started = time.monotonic()
            try:
                self.poll(targets)
                self._failing = False
            except Exception:  # a poll must never end the thread; said once, not every poll
                if not self._failing:
                    log.warning("workbench: polling for changes failed", exc_info=True)
                self._failing = True
            # Until the next poll is due; a newly followed target is polled at once (its
            # baseline, taken before the view's first read lands as often as not).
            changed.wait(max(0.0, started + self.interval - time.monotonic()))

    def poll(self, targets: Targets) -> set[Key]:
        """Read every target's mark in one statement; invalidate what moved since the last
        poll; return the prefixes invalidated. A failure is reported to the health."""
        full = self.polls % FULL_EVERY == 0
        asked = poll_query(targets, self._user_id(), full=full)
        asked_kinds = targets.kinds() | (
            {"project-total"} if full and targets.project_galleries else set()
        )
        if asked is None:
            return set()
        query, params = asked
        try:
            rows = connection.run_idempotent(
                self._pool, lambda conn: conn.execute(query, params).fetchall()
            )
        except WorkbenchConnectionError:
            return set()  # the pool told the health whether the database is unreachable
        except psycopg.OperationalError as exc:
            if self._health is not None:
                self._health.failed(short_reason(str(exc)) or type(exc).__name__)
            return set()
        self.polls += 1
        if self._health is not None:
            self._health.succeeded()
        found: dict[str, dict[uuid.UUID, Mark]] = {kind: {} for kind in asked_kinds}
        for kind, ident, project, mark in rows:
            found[kind][ident] = (project, mark)
        stale: set[Key] = set()
        for kind, marks in found.items():
            before = self._last.get(kind)
            if before is not None:
                stale |= _moved(kind, before, marks)
            self._last[kind] = marks
        for prefix in stale:
            self._cache.invalidate(prefix)
        return stale


def _moved(kind: str, before: dict[uuid.UUID, Mark], now: dict[uuid.UUID, Mark]) -> set[Key]:
    """The prefixes of the targets whose ``kind`` of mark changed between two polls (for the
    navigator's projects: appeared or vanished too; other targets seen once are a baseline)."""
    stale: set[Key] = set()
    for target in before.keys() | now.keys():
        old, new = before.get(target), now.get(target)
        if old == new or (kind != "projects" and (old is None or new is None)):
            continue
        project = (new and new[0]) or (old and old[0]) or None
        stale |= prefixes_for(event_for(kind, target, project))
    return stale
