"""The query cache's vocabulary: keys, per-family options, events and counters."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Literal

from workbench.errors import ValidationError

CacheKey = tuple[Hashable, ...]
"""A tuple of hashable values; its first element is the key's family, e.g. ``'settings'``."""

EventKind = Literal["updated", "invalidated", "removed"]


@dataclass(frozen=True)
class FamilyOptions:
    """How long a family's results count as fresh, and how long unused ones are kept.

    Either may be ``math.inf``: a result that never goes stale by age (only by invalidation),
    or an entry that is never garbage-collected.
    """

    stale_time: float = 30.0  # seconds a result counts as fresh (Reigh: 30 s)
    gc_time: float = 600.0  # seconds an unobserved entry is kept after its last use (10 min)

    def __post_init__(self) -> None:
        for name in ("stale_time", "gc_time"):
            value = getattr(self, name)
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if not number or not value >= 0:  # `not >=` also refuses NaN
                raise ValidationError(
                    f"FamilyOptions.{name} must be a number of seconds >= 0 "
                    f"(math.inf for never), not {value!r}"
                )


@dataclass(frozen=True)
class CacheEvent:
    """What happened to one key: new data, marked stale, or its data dropped."""

    key: CacheKey
    kind: EventKind


Subscriber = Callable[[CacheEvent], None]


@dataclass
class CacheStats:
    """Counters since the cache was made (read them; only the cache writes them).

    ``hits``/``stale_hits``/``misses`` count lookups by ``get`` and ``get_or_fetch`` that found
    fresh data, stale data, or none (a forced fetch counts as a miss). ``refreshes`` counts
    background (stale-while-revalidate) fetches started, ``dedupes`` callers that joined a fetch
    already in flight instead of starting one, ``invalidations`` entries marked stale, and
    ``discarded`` fetch results not stored because a mutation (or a removal) came after the
    fetch started, and ``evictions`` unobserved entries dropped to keep them within the
    cache's bound (``max_unobserved``). Lookups by ``get`` count without taking the lock, so
    under heavy contention between threads a few of those increments may be lost.
    """

    hits: int = 0
    misses: int = 0
    stale_hits: int = 0
    refreshes: int = 0
    dedupes: int = 0
    invalidations: int = 0
    discarded: int = 0
    evictions: int = 0


def check_key(key: object, *, prefix: bool = False) -> CacheKey:
    """``key`` if it is a usable key (or, with ``prefix``, key prefix); else ValidationError."""
    what = "key prefix" if prefix else "key"
    if not isinstance(key, tuple):
        raise ValidationError(f"a cache {what} must be a tuple, not {type(key).__name__}")
    if not key and not prefix:
        raise ValidationError("a cache key must not be empty: its first element is its family")
    try:
        hash(key)
    except TypeError as exc:
        raise ValidationError(f"cache {what} {key!r} holds an unhashable value ({exc})") from None
    return key
