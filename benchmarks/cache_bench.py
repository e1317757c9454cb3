"""Query cache: hit cost against a plain dict (and cachetools), prefix invalidation at 100k keys,
and the cost of a write past the bound on unobserved entries.

Run: python benchmarks/cache_bench.py
Prints medians and ratios measured in this one run; asserts nothing (DESIGN §9 targets: a hit
≤ 10x a dict get with the same key; invalidating one project's keys among 100k ≤ 1 ms).
"""

from __future__ import annotations

import statistics
import timeit
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workbench.cache import CacheKey, QueryCache

PROJECTS = 900  # x PAGES project keys, plus SHOTS x PAGES shot keys: 100k keys in all
SHOTS = 100
PAGES = 100
REPEAT = 15


@dataclass(frozen=True)
class Filters:  # shaped like the gallery's filters: a frozen dataclass inside the key
    media_type: str | None = "image"
    tool_type: str | None = None
    starred: bool | None = True
    search: str | None = None


def page_key(mode: str, owner: str, page: int) -> CacheKey:
    return ("unified-generations", mode, owner, page, 50, Filters())


def per_call_ns(stmt: str | Callable[[], Any], number: int, **names: Any) -> float:
    """Median over REPEAT runs of the time of one execution of ``stmt``, in nanoseconds."""
    runs = timeit.repeat(stmt, number=number, repeat=REPEAT, globals=names)
    return statistics.median(runs) / number * 1e9


def hit_costs(label: str, key: CacheKey) -> None:
    """Each statement is timed as source (no wrapper call), so only the lookup itself counts."""
    cache = QueryCache()
    cache.set_query_data(key, ["rows"])
    plain = {key: ["rows"]}
    number = 200_000
    names = {"key": key, "plain": plain, "cache": cache, "fetch": list}
    dict_ns = per_call_ns("plain.get(key)", number, **names)
    rows = [
        ("dict.get", dict_ns),
        ("QueryCache.get", per_call_ns("cache.get(key)", number, **names)),
        ("QueryCache.get_or_fetch", per_call_ns("cache.get_or_fetch(key, fetch)", number, **names)),
    ]
    try:
        from cachetools import TTLCache
    except ImportError:
        ttl_ns = None
    else:
        ttl: TTLCache[CacheKey, Any] = TTLCache(maxsize=1_000_000, ttl=600)
        ttl[key] = ["rows"]
        ttl_ns = per_call_ns("ttl.get(key)", number, ttl=ttl, key=key)
        rows.insert(1, ("cachetools TTLCache.get", ttl_ns))
    print(f"cache hit, {label}, median of {REPEAT} x {number:,} calls:")
    for name, ns in rows:
        vs_ttl = f"   {ns / ttl_ns:5.2f}x TTLCache.get" if ttl_ns else ""
        print(f"  {name:26} {ns:8.1f} ns   {ns / dict_ns:5.2f}x dict.get{vs_ttl}")


def invalidation_costs() -> None:
    # 100k keys nobody subscribes to: ten times the default bound on unobserved entries.
    cache = QueryCache(max_unobserved=None)
    projects = [str(uuid.uuid4()) for _ in range(PROJECTS)]
    shots = [str(uuid.uuid4()) for _ in range(SHOTS)]
    started = timeit.default_timer()
    for owners, mode in ((projects, "project"), (shots, "shot")):
        for owner in owners:
            for page in range(PAGES):
                cache.set_query_data(page_key(mode, owner, page), ["rows"])
    filled = timeit.default_timer() - started
    print(f"\ninvalidation among {len(cache):,} cached keys (filled in {filled:.2f} s):")
    one_project = ("unified-generations", "project", projects[PROJECTS // 2])
    all_shots = ("unified-generations", "shot")
    assert cache.invalidate(one_project) == PAGES
    assert cache.invalidate(all_shots) == SHOTS * PAGES
    cases = [
        (f"one project ({PAGES} keys)", one_project, 50),
        (f"all shot pages ({SHOTS * PAGES:,} keys)", all_shots, 2),
    ]
    for subscribed in (False, True):
        if subscribed:
            cache.subscribe(("unified-generations",), lambda event: None)
            print("  with a subscriber on ('unified-generations',) receiving every event:")
        for label, prefix, number in cases:
            ms = per_call_ns("cache.invalidate(prefix)", number, cache=cache, prefix=prefix) / 1e6
            print(f"  invalidate {label:30} {ms:8.3f} ms")
    seconds = per_call_ns(cache.gc, 1) / 1e9  # nothing is old enough: a full scan
    print(f"  gc() scanning {len(cache):,} keys, removing none  {seconds * 1000:8.1f} ms")


def eviction_costs() -> None:
    """A write of a new key into a full cache also evicts the least recently used entry."""
    keys = [page_key("project", str(n), 0) for n in range(50_000)]
    print(f"\nwriting {len(keys):,} new keys (none subscribed):")
    for label, cache in (
        ("no bound", QueryCache(max_unobserved=None)),
        ("default bound (10,000 kept)", QueryCache()),
    ):
        started = timeit.default_timer()
        for key in keys:
            cache.set_query_data(key, ["rows"])
        per_write = (timeit.default_timer() - started) / len(keys) * 1e6
        print(f"  {label:30} {per_write:6.2f} us per write, {len(cache):,} kept")


def main() -> None:
    hit_costs("gallery key (6 parts, a frozen dataclass)", page_key("project", "p", 3))
    print()
    hit_costs("settings key (3 parts)", ("settings", "shot", 12345))
    invalidation_costs()
    eviction_costs()


if __name__ == "__main__":
    main()
