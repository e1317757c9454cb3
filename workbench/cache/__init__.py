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
- ``gc()`` drops unobserved entries past their gc time; it also runs every few writes.
"""

from __future__ import annotations

from workbench.cache.core import QueryCache
from workbench.cache.types import CacheEvent, CacheKey, CacheStats, FamilyOptions

__all__ = ["CacheEvent", "CacheKey", "CacheStats", "FamilyOptions", "QueryCache"]
