"""The cache's data: entries, their prefix index, family options and subscribers.

Nothing here locks: the QueryCache holds its lock around every call (its lock-free hot path
only reads ``entries``). Subscribers are collected here and called by ``notify`` after the
lock is released.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable
from typing import Any

from workbench.cache.flight import MISSING, Entry
from workbench.cache.index import PrefixIndex, Subscribers
from workbench.cache.types import CacheEvent, CacheKey, EventKind, FamilyOptions, Subscriber

log = logging.getLogger("workbench.cache")

Calls = list[tuple[Subscriber, CacheEvent]]


class EntryStore:
    def __init__(self, default: FamilyOptions) -> None:
        self.default = default
        self.options: dict[Hashable, FamilyOptions] = {}
        self.entries: dict[CacheKey, Entry] = {}
        self.index: PrefixIndex[Entry] = PrefixIndex()
        self.subscribers = Subscribers()
        self.filled = 0  # entries holding data

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


def notify(calls: Calls) -> None:
    """Call subscribers (without the lock); one that raises is logged, the rest still run."""
    for callback, event in calls:
        try:
            callback(event)
        except Exception:
            log.exception("cache subscriber %r failed on %s", callback, event)
