"""The cache's data: entries, their prefix index, family options, subscribers, and the bound
on unobserved entries.

Nothing here locks: the QueryCache holds its lock around every call (its lock-free hot path
only reads ``entries`` and writes an entry's ``last_used``). Subscribers are collected here and
called by ``notify`` after the lock is released.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable
from typing import Any

from cachetools import LRUCache

from workbench.cache.flight import MISSING, Entry
from workbench.cache.index import PrefixIndex, Subscribers
from workbench.cache.types import (
    CacheEvent,
    CacheKey,
    CacheStats,
    EventKind,
    FamilyOptions,
    Subscriber,
)

log = logging.getLogger("workbench.cache")

Calls = list[tuple[Subscriber, CacheEvent]]


class EntryStore:
    def __init__(
        self, default: FamilyOptions, max_unobserved: int | None, stats: CacheStats
    ) -> None:
        self.default = default
        self.options: dict[Hashable, FamilyOptions] = {}
        self.entries: dict[CacheKey, Entry] = {}
        self.index: PrefixIndex[Entry] = PrefixIndex()
        self.subscribers = Subscribers()
        self.filled = 0  # entries holding data
        self.stats = stats
        self.unobserved = None if max_unobserved is None else Unobserved(max_unobserved, self)

    def track(self, entry: Entry) -> None:
        """Call after anything that may change whether ``entry`` is observed (a subscriber
        watches it, or a fetch for it is in flight) or that uses it: an unobserved entry
        becomes the most recently used of the bounded set, which may evict the least recently
        used one; an observed entry leaves the set, so it cannot be evicted."""
        unobserved = self.unobserved
        if unobserved is None or self.entries.get(entry.key) is not entry:
            return  # no bound, or an entry that is already gone (evicted, removed)
        watched = self.subscribers
        if entry.flight is None and not (watched and watched.watches(entry.key)):
            unobserved[entry.key] = entry.last_used
        else:
            unobserved.pop(entry.key, None)

    def observe(self, prefix: CacheKey) -> None:
        """A subscriber now watches ``prefix``: the entries under it can no longer be evicted."""
        if self.unobserved is not None:
            for entry in self.matching(prefix):
                self.unobserved.pop(entry.key, None)

    def matching(self, prefix: CacheKey) -> list[Entry]:
        """The entries whose key starts with ``prefix``, found through the index."""
        if not prefix:
            return list(self.entries.values())
        below = self.index.below(prefix)
        exact = self.entries.get(prefix)
        return [exact, *below.values()] if exact is not None else list(below.values())

    def configure(self, family: Hashable, options: FamilyOptions) -> None:
        self.options[family] = options
        for entry in self.matching((family,)):
            if entry.data is not MISSING and not entry.invalidated:
                entry.stale_at = entry.updated_at + options.stale_time

    def create(self, key: CacheKey, now: float) -> Entry:
        entry = self.entries[key] = Entry(key, now)
        self.index.add(key, entry)
        return entry

    def store(self, entry: Entry, value: Any, now: float) -> None:
        """Give ``entry`` fresh data (its family's stale time starts now)."""
        if entry.data is MISSING:
            self.filled += 1
        family = self.options.get(entry.key[0], self.default)
        entry.updated_at = entry.last_used = now
        entry.stale_at = now + family.stale_time
        entry.invalidated = False
        entry.data = value

    def drop_data(self, entry: Entry) -> None:
        if entry.data is not MISSING:
            self.filled -= 1
            entry.data = MISSING
            entry.stale_at = -math.inf

    def invalidate(self, entries: list[Entry]) -> tuple[Calls, int]:
        """Move every entry's version; mark those with data stale."""
        calls: Calls = []
        count = 0
        for entry in entries:
            entry.version += 1
            if entry.data is not MISSING:
                entry.invalidated = True
                entry.stale_at = -math.inf
                count += 1
                if self.subscribers:
                    calls += self.calls(entry.key, "invalidated")
        return calls, count

    def remove(self, entries: list[Entry]) -> tuple[Calls, int]:
        """Drop the entries (a fetch in flight for one finds it gone and is not stored)."""
        calls: Calls = []
        count = 0
        for entry in entries:
            del self.entries[entry.key]
            self.index.discard(entry.key)
            if self.unobserved is not None:
                self.unobserved.pop(entry.key, None)
            if entry.data is not MISSING:
                count += 1
                calls += self.calls(entry.key, "removed")
            self.drop_data(entry)
        return calls, count

    def expired(self, now: float) -> list[Entry]:
        """Entries nobody subscribes to, with no fetch in flight, unused for their gc time."""
        options, default_gc, watched = self.options, self.default.gc_time, self.subscribers
        victims = []
        for key, entry in self.entries.items():
            if entry.flight is not None:
                continue
            family = options.get(key[0])
            gc_time = default_gc if family is None else family.gc_time
            if now - entry.last_used >= gc_time and not (watched and watched.watches(key)):
                victims.append(entry)
        return victims

    def calls(self, key: CacheKey, kind: EventKind) -> Calls:
        if not self.subscribers:
            return []
        event = CacheEvent(key, kind)
        return [(callback, event) for callback in self.subscribers.for_key(key)]


class Unobserved(LRUCache[CacheKey, float]):
    """The keys of entries nobody observes (no subscriber, no fetch in flight), least recently
    used first, each with its entry's ``last_used`` when it was put here. Past ``maxsize``,
    cachetools calls ``popitem``, which evicts the least recently used entry from the store.

    The cache's hit path reads without the lock, so it cannot reorder this LRU; it only stamps
    ``entry.last_used``. An entry read that way since it was put here gets a second chance (it
    goes back in as the most recently used) instead of being evicted, as in the CLOCK
    algorithm, so the order is least recently *used*, not least recently written.
    """

    def __init__(self, maxsize: int, store: EntryStore) -> None:
        super().__init__(maxsize)
        self._store = store

    def popitem(self) -> tuple[CacheKey, float]:
        entries = self._store.entries
        for _ in range(len(self)):  # bounded: readers on other threads keep stamping
            key, stamp = super().popitem()
            if entries[key].last_used <= stamp:
                break
            self[key] = entries[key].last_used  # len is maxsize - 1 here: no nested eviction
        else:
            key, stamp = super().popitem()
        # Evicted as `remove` drops an entry: a fetch still running for it finds it gone and
        # is not stored; nobody observes it, so there is nobody to notify.
        self._store.remove([entries[key]])
        self._store.stats.evictions += 1
        return key, stamp


def notify(calls: Calls) -> None:
    """Call subscribers (without the lock); one that raises is logged, the rest still run."""
    for callback, event in calls:
        try:
            callback(event)
        except Exception:
            log.exception("cache subscriber %r failed on %s", callback, event)
