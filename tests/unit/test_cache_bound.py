"""The query cache's bound on unobserved entries: least recently used evicted first, observed
entries (subscribed, or with a fetch in flight) never, and an eviction acts like a removal."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest

from workbench.cache import CacheKey, QueryCache
from workbench.errors import ValidationError

WAIT = 5.0  # seconds any test waits for a thread before failing instead of hanging


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float = 1.0) -> None:
        self.now += seconds


class HeldFetch:
    """A fetch that returns ``result`` once the test releases it."""

    def __init__(self, result: Any) -> None:
        self.result = result
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> Any:
        self.started.set()
        assert self.release.wait(WAIT), "the test never released the fetch"
        return self.result


def key(name: str) -> CacheKey:
    return ("unified-generations", "project", name)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def bounded(clock: Clock, size: int) -> QueryCache:
    return QueryCache(clock=clock, max_unobserved=size)


def fill(cache: QueryCache, clock: Clock, *names: str) -> None:
    for name in names:
        clock.advance()
        cache.set_query_data(key(name), name)


def cached(cache: QueryCache) -> set[CacheKey]:
    return set(cache.keys())


def test_the_least_recently_written_goes_first(clock: Clock) -> None:
    cache = bounded(clock, 3)
    fill(cache, clock, "a", "b", "c", "d")
    assert cached(cache) == {key("b"), key("c"), key("d")}
    fill(cache, clock, "b")  # a write is a use: c is now the oldest
    fill(cache, clock, "e")
    assert cached(cache) == {key("b"), key("d"), key("e")}
    assert cache.stats.evictions == 2
    assert len(cache) == 3


@pytest.mark.parametrize("read", ["get", "get_or_fetch"])
def test_a_lock_free_read_counts_as_a_use(clock: Clock, read: str) -> None:
    cache = bounded(clock, 3)
    fill(cache, clock, "a", "b", "c")
    clock.advance()
    if read == "get":
        assert cache.get(key("a")) == "a"
    else:
        assert cache.get_or_fetch(key("a"), lambda: "refetched") == "a"  # fresh: no fetch
    fill(cache, clock, "d")
    assert cached(cache) == {key("a"), key("c"), key("d")}  # b, not a, was least recent


def test_a_slow_path_get_or_fetch_counts_as_a_use(clock: Clock) -> None:
    cache = bounded(clock, 2)
    cache.get_or_fetch(key("a"), lambda: "a")  # a miss: fetched and stored
    fill(cache, clock, "b")
    clock.advance()
    cache.invalidate(key("a"))
    assert cache.get_or_fetch(key("a"), lambda: "a2") == "a2"  # invalidated: refetched
    fill(cache, clock, "c")
    assert cached(cache) == {key("a"), key("c")}


def test_subscribed_entries_are_never_evicted_and_do_not_count(clock: Clock) -> None:
    cache = bounded(clock, 2)
    watched = ("settings",)
    cache.subscribe(watched, lambda event: None)
    for shot in range(5):
        cache.set_query_data(("settings", "shot", shot), shot)
    fill(cache, clock, "a", "b", "c")
    assert cached(cache) == {("settings", "shot", n) for n in range(5)} | {key("b"), key("c")}
    assert cache.stats.evictions == 1


def test_subscribing_protects_entries_already_cached(clock: Clock) -> None:
    cache = bounded(clock, 2)
    fill(cache, clock, "a", "b")
    cache.subscribe(key("a"), lambda event: None)
    fill(cache, clock, "c", "d")
    assert cached(cache) == {key("a"), key("c"), key("d")}


def test_after_the_last_unsubscribe_entries_count_again(clock: Clock) -> None:
    cache = bounded(clock, 2)
    unsubscribe = cache.subscribe(("unified-generations",), lambda event: None)
    also = cache.subscribe(key("a"), lambda event: None)
    fill(cache, clock, "a", "b", "c")
    unsubscribe()  # b and c are unobserved now; a is still watched by its own subscription
    assert cached(cache) == {key("a"), key("b"), key("c")}
    fill(cache, clock, "d")
    assert cached(cache) == {key("a"), key("c"), key("d")}
    also()
    assert len(cache) == 2  # a joined the unobserved, as the most recent: c went
    assert cached(cache) == {key("a"), key("d")}


def test_an_entry_with_a_fetch_in_flight_is_never_evicted(clock: Clock) -> None:
    cache = bounded(clock, 1)
    fetch = HeldFetch("slow rows")
    results: list[Any] = []
    worker = threading.Thread(target=lambda: results.append(cache.get_or_fetch(key("k"), fetch)))
    worker.start()
    assert fetch.started.wait(WAIT)
    fill(cache, clock, "x", "y")  # each evicts the other, never k
    assert cached(cache) == {key("y")}
    fetch.release.set()
    worker.join(WAIT)
    assert results == ["slow rows"]
    assert cache.get(key("k")) == "slow rows"  # stored when it landed...
    assert cached(cache) == {key("k")}  # ...and, now unobserved and most recent, y went


def test_an_evicted_key_is_not_brought_back_by_a_fetch_that_started_before(
    clock: Clock,
) -> None:
    cache = bounded(clock, 1)
    old = HeldFetch("old rows")
    worker = threading.Thread(target=cache.get_or_fetch, args=(key("k"), old))
    worker.start()
    assert old.started.wait(WAIT)
    cache.invalidate(key("k"))  # the old fetch is outdated; a new one may start
    assert cache.get_or_fetch(key("k"), lambda: "new rows") == "new rows"
    fill(cache, clock, "x")  # k has no current fetch in flight, so it can be evicted
    assert cache.get(key("k")) is None
    assert cache.stats.evictions == 1

    assert cache.get_or_fetch(key("k"), lambda: "newest rows") == "newest rows"  # a new entry
    old.release.set()
    worker.join(WAIT)
    assert cache.get(key("k")) == "newest rows"  # the old fetch's result was not stored
    assert cache.stats.discarded == 1


def test_an_evicted_entry_is_removed_silently(clock: Clock) -> None:
    """Nobody observes an evicted entry, so nobody hears of it; a subscriber elsewhere
    hears only about its own keys."""
    cache = bounded(clock, 1)
    events: list[Any] = []
    cache.subscribe(("settings",), events.append)
    fill(cache, clock, "a", "b")
    assert events == []


def test_the_default_bound_and_no_bound(clock: Clock) -> None:
    default = QueryCache(clock=clock)
    unbounded = QueryCache(clock=clock, max_unobserved=None)
    for cache in (default, unbounded):
        for n in range(10_050):
            cache.set_query_data(("settings", "shot", n), n)
    assert (len(default), default.stats.evictions) == (10_000, 50)
    assert (len(unbounded), unbounded.stats.evictions) == (10_050, 0)


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "10"])
def test_a_bad_bound_is_refused(bad: Any) -> None:
    with pytest.raises(ValidationError):
        QueryCache(max_unobserved=bad)


def test_evicting_while_other_threads_read_and_fetch() -> None:
    """Lock-free readers stamp entries while writers evict: no error, the bound holds."""
    cache = QueryCache(max_unobserved=20)
    errors: list[BaseException] = []
    done = threading.Event()

    def write(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(2000):
                name = str(rng.randrange(200))
                cache.get_or_fetch(key(name), name.upper)
        except BaseException as exc:
            errors.append(exc)

    def read() -> None:
        rng = random.Random(-1)
        try:
            while not done.is_set():
                value = cache.get(key(str(rng.randrange(200))))
                assert value is None or isinstance(value, str)
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(2)]
    writers = [threading.Thread(target=write, args=(seed,)) for seed in range(4)]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join(WAIT * 6)
    done.set()
    for thread in readers:
        thread.join(WAIT)
    assert errors == []
    assert len(cache) <= 20
    assert cache.stats.evictions > 0
