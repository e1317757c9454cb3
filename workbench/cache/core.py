"""QueryCache: the public API, its lock, and fetching (shared, versioned, in the background).

See the package docstring for the semantics.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Literal, TypeVar, cast

from workbench.cache.flight import MISSING, Entry, Flight, start_daemon
from workbench.cache.store import Calls, EntryStore, notify
from workbench.cache.types import (
    CacheEvent,
    CacheKey,
    CacheStats,
    EventKind,
    FamilyOptions,
    Subscriber,
    check_key,
)
from workbench.errors import ValidationError

log = logging.getLogger("workbench.cache")

T = TypeVar("T")
_Role = Literal["served", "refresh", "run", "wait"]
_NO_FLIGHT = cast(Flight, None)


class QueryCache:
    """A thread-safe cache of query results keyed by tuples, shared by sync and async callers."""

    GC_EVERY_WRITES = 1000  # writes between opportunistic gc runs (more in a bigger cache)

    def __init__(
        self,
        *,
        default: FamilyOptions = FamilyOptions(),  # noqa: B008 - frozen, so sharing it is safe
        clock: Callable[[], float] = time.monotonic,
        max_unobserved: int | None = 10_000,
    ) -> None:
        """``max_unobserved``: how many entries nobody observes (no subscriber, no fetch in
        flight) are kept at most, the least recently used evicted first; None for no bound."""
        if not isinstance(default, FamilyOptions):
            raise ValidationError(f"default must be FamilyOptions, not {type(default).__name__}")
        if max_unobserved is not None and (
            not isinstance(max_unobserved, int)
            or isinstance(max_unobserved, bool)
            or max_unobserved < 1
        ):
            raise ValidationError(
                f"max_unobserved must be a count >= 1 (None for no bound), not {max_unobserved!r}"
            )
        self.stats = CacheStats()
        self._clock = clock
        self._lock = threading.RLock()
        self._store = EntryStore(default, max_unobserved, self.stats)
        self._entries = self._store.entries  # the same dict, read without the lock by `get`
        self._writes = 0
        self._followers: dict[int, tuple[CacheKey, Subscriber]] = {}

    # -- reading -------------------------------------------------------------------------------

    def get(self, key: CacheKey) -> Any | None:
        """The cached data for ``key`` (fresh or stale), else None. Never fetches."""
        try:
            entry = self._entries.get(key)
        except TypeError:
            raise ValidationError(f"cache key {key!r} is not hashable") from None
        if entry is None or (data := entry.data) is MISSING:
            self.stats.misses += 1
            return None
        entry.last_used = now = self._clock()
        if now < entry.stale_at:
            self.stats.hits += 1
        else:
            self.stats.stale_hits += 1
        return data

    def is_fresh(self, key: CacheKey) -> bool:
        entry = self._entries.get(key)
        return entry is not None and entry.data is not MISSING and self._clock() < entry.stale_at

    def get_or_fetch(self, key: CacheKey, fetch: Callable[[], T], *, force: bool = False) -> T:
        """Fresh data at once; data stale by age at once plus one background refresh;
        otherwise (missing, invalidated, or ``force``) the result of ``fetch()``, run once
        however many threads ask at a time.
        """
        if not force:
            try:
                entry = self._entries.get(key)
            except TypeError:
                raise ValidationError(f"cache key {key!r} is not hashable") from None
            if entry is not None and (data := entry.data) is not MISSING:
                entry.last_used = now = self._clock()
                if now < entry.stale_at:
                    self.stats.hits += 1
                    return cast(T, data)
        data, flight, role = self._plan(key, force)
        if role == "run":
            return cast(T, self._execute(flight, fetch))
        if role == "wait":
            return cast(T, flight.wait())
        if role == "refresh":
            self._start(flight, fetch, refresh=True)
        return cast(T, data)

    async def aget_or_fetch(
        self, key: CacheKey, fetch: Callable[[], T], *, force: bool = False
    ) -> T:
        """``get_or_fetch`` for asyncio code: the fetch runs on a thread, the loop never blocks,
        and callers of either kind asking for the same key share one fetch."""
        data, flight, role = self._plan(key, force)
        if role == "run":
            self._start(flight, fetch, refresh=False)
            role = "wait"
        if role == "wait":
            return cast(T, await flight.wait_async())
        if role == "refresh":
            self._start(flight, fetch, refresh=True)
        return cast(T, data)

    def keys(self, prefix: CacheKey = ()) -> list[CacheKey]:
        """The keys holding data that start with ``prefix``."""
        check_key(prefix, prefix=True)
        with self._lock:
            return [e.key for e in self._store.matching(prefix) if e.data is not MISSING]

    def __len__(self) -> int:
        return self._store.filled

    def __repr__(self) -> str:
        return f"<QueryCache {len(self)} entries, {self.stats}>"

    # -- writing -------------------------------------------------------------------------------

    def configure(self, family: str, options: FamilyOptions) -> None:
        """Options for keys whose first element is ``family``; applies to cached entries too."""
        if not isinstance(options, FamilyOptions):
            raise ValidationError(f"options must be FamilyOptions, not {type(options).__name__}")
        check_key((family,))
        with self._lock:
            self._store.configure(family, options)

    def set_query_data(self, key: CacheKey, data: Any | Callable[[Any | None], Any]) -> Any | None:
        """Store ``data`` (or ``data(previous)`` when callable) as fresh, and return the previous
        data (None if there was none) so a failed mutation can restore it the same way.

        Setting None drops the key's data (so restoring "nothing" works). Either way the key's
        version moves: a fetch that started earlier will not overwrite this when it lands.
        """
        check_key(key)
        store = self._store
        with self._lock:
            now = self._clock()
            entry = self._entries.get(key)
            previous = None if entry is None or entry.data is MISSING else entry.data
            value = data(previous) if callable(data) else data
            if entry is None:
                if value is None:
                    return None
                entry = store.create(key, now)
            entry.version += 1
            calls: Calls = []
            if value is not None:
                store.store(entry, value, now)
                calls = store.calls(key, "updated")
            elif entry.data is not MISSING:
                store.drop_data(entry)
                calls = store.calls(key, "removed")
            store.track(entry)
            gc_due = self._count_write()
        self._after_write(calls, gc_due)
        return previous

    def invalidate(self, prefix: CacheKey = ()) -> int:
        """Mark every entry under ``prefix`` stale and move its version (fetches in flight for
        it will not be stored); returns how many entries holding data were marked."""
        check_key(prefix, prefix=True)
        with self._lock:
            calls, count = self._store.invalidate(self._store.matching(prefix))
            self.stats.invalidations += count
            calls += self._following(prefix, "invalidated")
        notify(calls)
        return count

    def remove(self, prefix: CacheKey) -> int:
        """Drop every entry under ``prefix`` (``()``: all); fetches in flight for them are not
        stored. Returns how many entries holding data were removed."""
        check_key(prefix, prefix=True)
        with self._lock:
            calls, count = self._store.remove(self._store.matching(prefix))
            calls += self._following(prefix, "removed")
        notify(calls)
        return count

    def clear(self) -> None:
        """Drop every entry (subscribers hear "removed"); options and subscriptions stay."""
        self.remove(())

    def subscribe(self, prefix: CacheKey, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every event on a key under ``prefix``, now or later.

        Returns the unsubscribe function. Entries under a subscribed prefix are never
        garbage-collected; after the last unsubscribe their gc time counts from then.
        Callbacks run on the thread that caused the event; one that raises is logged.
        """
        check_key(prefix, prefix=True)
        if not callable(callback):
            raise ValidationError(f"a cache subscriber must be callable, not {callback!r}")
        with self._lock:
            token = self._store.subscribers.add(prefix, callback)
            self._store.observe(prefix)

        def unsubscribe() -> None:
            with self._lock:
                if self._store.subscribers.remove(prefix, token):
                    now = self._clock()
                    for entry in self._store.matching(prefix):
                        entry.last_used = max(entry.last_used, now)
                        self._store.track(entry)  # unobserved now, unless watched otherwise

        return unsubscribe

    def follow(self, prefix: CacheKey, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` once per ``invalidate`` or ``remove`` whose prefix overlaps
        ``prefix`` (either one starts with the other), whether or not anything is cached there.

        For views that show data they did not fetch through this cache (a settings handle, a
        navigator's overview): they hear that it may have changed without keeping an entry
        under the prefix only for that. The event's key is the prefix that was invalidated.
        Returns the unfollow function.
        """
        check_key(prefix, prefix=True)
        if not callable(callback):
            raise ValidationError(f"a cache follower must be callable, not {callback!r}")
        with self._lock:
            token = max(self._followers, default=0) + 1
            self._followers[token] = (prefix, callback)

        def unfollow() -> None:
            with self._lock:
                self._followers.pop(token, None)

        return unfollow

    def _following(self, prefix: CacheKey, kind: EventKind) -> Calls:
        """The followers an invalidation or removal of ``prefix`` reaches (under the lock)."""
        event = CacheEvent(prefix, kind)
        return [
            (callback, event)
            for followed, callback in self._followers.values()
            if followed[: len(prefix)] == prefix or prefix[: len(followed)] == followed
        ]

    def gc(self) -> int:
        """Remove entries nobody subscribes to, with no fetch in flight, whose last use is at
        least their family's gc time ago. Returns how many were removed."""
        with self._lock:
            victims = self._store.expired(self._clock())
            self._store.remove(victims)  # unobserved, so nobody to notify
        return len(victims)

    # -- fetching ------------------------------------------------------------------------------

    def _plan(self, key: CacheKey, force: bool) -> tuple[Any, Flight, _Role]:
        """Decide under the lock what a get_or_fetch call does (its fresh-hit fast path is the
        caller's): serve cached data (maybe starting a refresh), wait for a fetch, or run one."""
        check_key(key)
        with self._lock:
            now = self._clock()
            entry = self._entries.get(key) or self._store.create(key, now)
            entry.last_used = now
            plan = self._decide(entry, now, force)
            self._store.track(entry)  # a use, or a flight that now keeps it from eviction
            return plan

    def _decide(self, entry: Entry, now: float, force: bool) -> tuple[Any, Flight, _Role]:
        """``_plan``'s decision for ``entry``, under the lock; starts no thread."""
        flight = entry.flight
        running = flight is not None and flight.current
        # Data that is only old is served while it refreshes; data an invalidation said is
        # wrong (a mutation, another client's change) is refetched before it is served:
        # a script that reads after its own write must see that write.
        if not force and entry.data is not MISSING and not entry.invalidated:
            if now < entry.stale_at:
                self.stats.hits += 1
                return entry.data, _NO_FLIGHT, "served"
            self.stats.stale_hits += 1
            if running:
                return entry.data, _NO_FLIGHT, "served"
            self.stats.refreshes += 1
            entry.flight = Flight(entry)
            return entry.data, entry.flight, "refresh"
        self.stats.misses += 1
        if running:
            self.stats.dedupes += 1
            return None, cast(Flight, flight), "wait"
        entry.flight = Flight(entry)
        return None, entry.flight, "run"

    def _start(self, flight: Flight, fetch: Callable[[], Any], *, refresh: bool) -> None:
        """Run ``flight`` on a daemon thread; a failed refresh (nobody waits for it) is logged."""

        def run() -> None:
            try:
                self._execute(flight, fetch)
            except BaseException:
                if refresh:
                    log.warning("refreshing cache key %r failed", flight.entry.key, exc_info=True)

        try:
            start_daemon(f"workbench-cache-{'refresh' if refresh else 'fetch'}", run)
        except BaseException as error:  # no thread (e.g. at shutdown): fail the flight, not hang
            self._land(flight, MISSING, error)
            if not refresh:
                raise
            log.warning("could not start refreshing cache key %r", flight.entry.key, exc_info=True)

    def _execute(self, flight: Flight, fetch: Callable[[], Any]) -> Any:
        """Run ``fetch`` on this thread for ``flight``: store its result unless a mutation came
        first, hand the outcome to every waiter, and return or raise it."""
        flight.owner = threading.get_ident()
        try:
            result = fetch()
        except BaseException as error:
            self._land(flight, MISSING, error)
            raise
        self._land(flight, result, None)
        return result

    def _land(self, flight: Flight, result: Any, error: BaseException | None) -> None:
        calls: Calls = []
        gc_due = False
        try:
            with self._lock:
                entry = flight.entry
                if entry.flight is flight:
                    entry.flight = None
                if error is None:
                    if flight.current and self._entries.get(entry.key) is entry:
                        self._store.store(entry, result, self._clock())
                        calls = self._store.calls(entry.key, "updated")
                        gc_due = self._count_write()
                    else:
                        self.stats.discarded += 1
                self._store.track(entry)  # no fetch in flight any more: maybe unobserved
        finally:  # waiters must wake whatever happened above
            if error is None:
                flight.future.set_result(result)
            else:
                flight.future.set_exception(error)
        self._after_write(calls, gc_due)

    def _count_write(self) -> bool:
        """Whether an opportunistic gc is due: every GC_EVERY_WRITES writes, or every len(self)
        writes when larger, so a scan costs O(1) per write however big the cache grows."""
        self._writes += 1
        if self._writes < max(self.GC_EVERY_WRITES, len(self._entries)):
            return False
        self._writes = 0
        return True

    def _after_write(self, calls: Calls, gc_due: bool) -> None:
        notify(calls)
        if gc_due:
            self.gc()
