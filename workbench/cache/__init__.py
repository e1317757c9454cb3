"""The query cache in front of database queries, with TanStack Query's semantics.

Keys are tuples whose first element names a family, e.g. ``('unified-generations', 'project',
project_id, page, limit, filters)`` or ``('settings', 'shot', shot_id)``; each family has its
own ``FamilyOptions`` (``stale_time``: how long a result counts as fresh; ``gc_time``: how
long an entry nobody subscribes to is kept after its last use).

- ``get(key)`` is the hot path: a dict lookup, no lock, no fetch.
- ``get_or_fetch(key, fetch)`` (and ``await aget_or_fetch(...)`` for asyncio code, whose fetch
  runs on a thread) returns fresh data at once; data stale by age at once while one
  background refresh runs (stale-while-revalidate); otherwise (missing, or invalidated: known
  to be wrong) runs ``fetch`` once for all the threads and tasks asking for that key at the
  same time, which all get its result or its exception. ``get`` still returns invalidated
  data, so a view can keep showing it until the refetch lands.
- ``set_query_data`` (optimistic updates, returning the previous data for rollback),
  ``invalidate(prefix)`` and ``remove(prefix)`` move the versions of the keys they touch: a
  fetch that started before is not stored when it lands (its caller still gets its result),
  so a slow read never overwrites a newer write. Prefix lookups use an index, never a scan.
- ``subscribe(prefix, callback)`` reports "updated" / "invalidated" / "removed" events, on the
  thread that caused them; subscribed entries are never garbage-collected.
- ``follow(prefix, callback)`` hears every invalidation or removal that overlaps ``prefix``,
  once per call and whether or not anything is cached there: for views that show data they
  did not fetch through the cache.
- ``gc()`` drops unobserved entries past their gc time; it also runs every few writes.
- Unobserved entries (no subscriber, no fetch in flight) are also bounded by count, so a
  script paging through a huge project cannot grow the cache without limit inside one gc
  time: past ``QueryCache(max_unobserved=...)`` (10,000 by default; None for no bound) the
  least recently used is evicted, exactly as ``remove`` drops it (a fetch still running for
  it is not stored; nobody is notified, as nobody observes it). Observed entries are never
  evicted and do not count. The bound is a cachetools ``LRUCache`` of the unobserved keys,
  kept under the lock; the lock-free hit path cannot reorder it, so an entry read since it
  was last ordered gets a second chance at eviction time instead (CLOCK-style), which keeps
  the hit path a plain dict lookup.
"""

from __future__ import annotations

from workbench.cache.core import QueryCache
from workbench.cache.types import CacheEvent, CacheKey, CacheStats, FamilyOptions

__all__ = ["CacheEvent", "CacheKey", "CacheStats", "FamilyOptions", "QueryCache"]
