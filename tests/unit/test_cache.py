"""The query cache with real threads and a real asyncio loop; time comes from a fake clock."""

from __future__ import annotations

import asyncio
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from waiting import wait_until, wait_until_async

from workbench.cache import CacheEvent, CacheKey, FamilyOptions, QueryCache
from workbench.errors import ValidationError

WAIT = 5.0  # seconds any test waits for a thread before failing instead of hanging


@dataclass(frozen=True)
class Filters:
    media_type: str | None = None
    starred: bool | None = None


def page_key(project: str, page: int = 0, filters: Filters = Filters()) -> CacheKey:
    return ("unified-generations", "project", project, page, 50, filters)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Fetcher:
    """A fetch function that counts its calls and can be held until released."""

    def __init__(self, result: Any = "rows", *, hold: bool = False) -> None:
        self.result = result
        self.error: BaseException | None = None
        self.calls = 0
        self.started = threading.Event()
        self.release = threading.Event()
        self.finished = threading.Event()
        if not hold:
            self.release.set()
        self._lock = threading.Lock()

    def __call__(self) -> Any:
        with self._lock:
            self.calls += 1
        self.started.set()
        try:
            assert self.release.wait(WAIT), "the test never released the fetch"
            if self.error is not None:
                raise self.error
            return self.result
        finally:
            self.finished.set()


class Recorder:
    def __init__(self) -> None:
        self.events: list[CacheEvent] = []
        self.changed = threading.Event()

    def __call__(self, event: CacheEvent) -> None:
        self.events.append(event)
        self.changed.set()

    def kinds(self) -> list[tuple[CacheKey, str]]:
        return [(event.key, event.kind) for event in self.events]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(clock: Clock) -> QueryCache:
    return QueryCache(clock=clock)


def in_threads(count: int, target: Callable[[], Any]) -> tuple[list[Any], list[BaseException]]:
    """Run ``target`` on ``count`` threads released together; their results and errors."""
    barrier = threading.Barrier(count)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            value = target()
        except BaseException as exc:
            with lock:
                errors.append(exc)
        else:
            with lock:
                results.append(value)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
        assert not thread.is_alive()
    return results, errors


def release_when_joined(cache: QueryCache, fetch: Fetcher, waiters: int) -> threading.Thread:
    """A started thread that releases ``fetch`` once ``waiters`` callers have joined it."""

    def release() -> None:
        wait_until(lambda: cache.stats.dedupes == waiters, what=f"{waiters} callers to join",
                   timeout=WAIT, poll=0.001)  # fmt: skip
        fetch.release.set()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


# -- hits, misses, fetching ------------------------------------------------------------------


def test_get_never_fetches_and_counts_hits_and_misses(cache: QueryCache, clock: Clock) -> None:
    key = page_key("p1")
    assert cache.get(key) is None
    assert cache.get_or_fetch(key, Fetcher(["a"])) == ["a"]
    assert cache.get(key) == ["a"]
    clock.advance(31)
    assert cache.get(key) == ["a"]  # stale data is still data
    assert (cache.stats.misses, cache.stats.hits, cache.stats.stale_hits) == (2, 1, 1)
    assert len(cache) == 1
    assert cache.keys() == [key]


def test_fresh_data_is_served_without_fetching(cache: QueryCache, clock: Clock) -> None:
    fetch = Fetcher("rows")
    key = page_key("p1")
    assert cache.get_or_fetch(key, fetch) == "rows"
    clock.advance(29.9)
    assert cache.is_fresh(key)
    assert cache.get_or_fetch(key, fetch) == "rows"
    assert fetch.calls == 1
    assert cache.get_or_fetch(key, fetch, force=True) == "rows"
    assert fetch.calls == 2


def test_none_is_valid_fetched_data(cache: QueryCache) -> None:
    fetch = Fetcher(None)
    assert cache.get_or_fetch(("settings", "shot", 1), fetch) is None
    assert cache.get_or_fetch(("settings", "shot", 1), fetch) is None
    assert fetch.calls == 1
    assert len(cache) == 1
    cache.set_query_data(("settings", "shot", 1), None)  # setting None drops the data
    assert len(cache) == 0


# -- de-duplication ----------------------------------------------------------------------------


def test_twenty_threads_share_one_fetch(cache: QueryCache) -> None:
    fetch = Fetcher(["row"], hold=True)
    key = page_key("p1")
    releaser = release_when_joined(cache, fetch, waiters=19)
    results, errors = in_threads(20, lambda: cache.get_or_fetch(key, fetch))
    releaser.join(WAIT)
    assert errors == []
    assert fetch.calls == 1
    assert len(results) == 20
    assert all(result is results[0] for result in results)
    assert cache.stats.dedupes == 19
    assert cache.stats.misses == 20


def test_threads_and_tasks_share_one_fetch(cache: QueryCache) -> None:
    fetch = Fetcher("rows", hold=True)
    key = page_key("p1")
    thread_results: list[Any] = []
    threads = [
        threading.Thread(target=lambda: thread_results.append(cache.get_or_fetch(key, fetch)))
        for _ in range(5)
    ]

    async def main() -> list[Any]:
        tasks = [asyncio.create_task(cache.aget_or_fetch(key, fetch)) for _ in range(5)]
        for thread in threads:
            thread.start()
        await wait_until_async(lambda: cache.stats.dedupes == 9, timeout=WAIT, poll=0.001,
                               what="every caller but the first to join the fetch")  # fmt: skip
        fetch.release.set()
        return await asyncio.gather(*tasks)

    task_results = asyncio.run(main())
    for thread in threads:
        thread.join(WAIT)
    assert fetch.calls == 1
    assert task_results == ["rows"] * 5
    assert thread_results == ["rows"] * 5


def test_a_sync_caller_waits_for_an_async_fetch(cache: QueryCache) -> None:
    fetch = Fetcher("rows", hold=True)
    key = page_key("p1")

    async def main() -> tuple[Any, Any]:
        task = asyncio.create_task(cache.aget_or_fetch(key, fetch))
        await asyncio.to_thread(fetch.started.wait, WAIT)
        waiter = asyncio.create_task(asyncio.to_thread(cache.get_or_fetch, key, Fetcher("other")))
        await wait_until_async(lambda: cache.stats.dedupes == 1, timeout=WAIT, poll=0.001,
                               what="the sync caller to join the fetch")  # fmt: skip
        fetch.release.set()
        return await task, await waiter

    assert asyncio.run(main()) == ("rows", "rows")
    assert fetch.calls == 1


def test_cancelling_one_awaiting_task_leaves_the_shared_fetch_running(cache: QueryCache) -> None:
    fetch = Fetcher("rows", hold=True)
    key = page_key("p1")

    async def main() -> Any:
        first = asyncio.create_task(cache.aget_or_fetch(key, fetch))
        second = asyncio.create_task(cache.aget_or_fetch(key, fetch))
        await wait_until_async(lambda: cache.stats.dedupes == 1, timeout=WAIT, poll=0.001,
                               what="the second task to join the fetch")  # fmt: skip
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        fetch.release.set()
        return await second

    assert asyncio.run(main()) == "rows"
    assert cache.get(key) == "rows"
    assert fetch.calls == 1


def test_aget_or_fetch_does_not_block_the_loop(cache: QueryCache) -> None:
    """The fetch finishes only once the loop has run a callback for it: a fetch that blocked
    the loop (or ran on the loop's thread) would wait for that callback in vain."""
    fetch_threads: list[int] = []

    async def main() -> Any:
        loop = asyncio.get_running_loop()

        def fetch_needing_the_loop() -> str:
            fetch_threads.append(threading.get_ident())
            answered = threading.Event()
            loop.call_soon_threadsafe(answered.set)
            assert answered.wait(WAIT), "the event loop was blocked while the fetch ran"
            return "rows"

        return await cache.aget_or_fetch(page_key("p1"), fetch_needing_the_loop), (
            threading.get_ident()
        )

    result, loop_thread = asyncio.run(main())
    assert result == "rows"
    assert fetch_threads
    assert loop_thread not in fetch_threads


def test_a_fetch_asking_for_its_own_key_fails_instead_of_hanging(cache: QueryCache) -> None:
    key = page_key("p1")

    def reentrant() -> Any:
        return cache.get_or_fetch(key, reentrant, force=True)

    with pytest.raises(ValidationError, match="wait for itself"):
        cache.get_or_fetch(key, reentrant)


# -- stale-while-revalidate ----------------------------------------------------------------


def test_stale_data_is_served_at_once_while_one_refresh_runs(
    cache: QueryCache, clock: Clock
) -> None:
    key = page_key("p1")
    cache.get_or_fetch(key, Fetcher("old"))
    events = Recorder()
    cache.subscribe(("unified-generations",), events)
    clock.advance(31)
    refresh = Fetcher("new", hold=True)

    assert cache.get_or_fetch(key, refresh) == "old"
    assert cache.get_or_fetch(key, refresh) == "old"  # the refresh is in flight: no second one
    assert not refresh.finished.is_set()  # both calls returned while the refresh was held
    assert refresh.started.wait(WAIT)
    assert cache.stats.refreshes == 1
    assert cache.stats.stale_hits == 2

    refresh.release.set()
    assert events.changed.wait(WAIT)
    assert events.kinds() == [(key, "updated")]
    assert refresh.calls == 1
    assert cache.get(key) == "new"
    assert cache.is_fresh(key)


def test_async_callers_get_stale_data_and_one_refresh(cache: QueryCache, clock: Clock) -> None:
    key = page_key("p1")
    cache.set_query_data(key, "old")
    clock.advance(31)
    refresh = Fetcher("new", hold=True)

    async def main() -> list[Any]:
        return [await cache.aget_or_fetch(key, refresh) for _ in range(3)]

    assert asyncio.run(main()) == ["old", "old", "old"]
    refresh.release.set()
    wait_until(lambda: cache.get(key) == "new", what="the refreshed data", timeout=WAIT)
    assert refresh.calls == 1


def test_a_failed_refresh_is_logged_and_keeps_the_stale_data(
    cache: QueryCache, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    key = page_key("p1")
    cache.set_query_data(key, "old")
    clock.advance(31)
    refresh = Fetcher()
    refresh.error = RuntimeError("database is down")
    with caplog.at_level(logging.WARNING, logger="workbench.cache"):
        assert cache.get_or_fetch(key, refresh) == "old"
        wait_until(lambda: "refreshing cache key" in caplog.text, timeout=WAIT,
                   what="the failed refresh's log line")  # fmt: skip
    assert cache.get(key) == "old"
    assert not cache.is_fresh(key)


# -- invalidation and versions -------------------------------------------------------------


def test_invalidate_by_prefix_marks_only_matching_keys(cache: QueryCache) -> None:
    a_pages = [page_key("a", n) for n in range(3)]
    b_page = page_key("b")
    shot_page = ("unified-generations", "shot", "s1", 0, 50, Filters())
    settings = ("settings", "shot", "s1")
    for key in [*a_pages, b_page, shot_page, settings]:
        cache.set_query_data(key, key)

    assert cache.invalidate(("unified-generations", "project", "a")) == 3
    assert [cache.is_fresh(key) for key in a_pages] == [False, False, False]
    assert cache.is_fresh(b_page)
    assert cache.is_fresh(shot_page)
    assert cache.is_fresh(settings)
    assert [cache.get(key) for key in a_pages] == a_pages  # stale data stays until refetched
    assert cache.stats.invalidations == 3

    assert cache.invalidate(("unified-generations",)) == 5
    assert cache.is_fresh(settings)
    assert cache.invalidate(("nothing-here",)) == 0
    assert cache.invalidate() == 6
    assert cache.stats.invalidations == 14
    assert sorted(map(str, cache.keys(("unified-generations", "project")))) == sorted(
        map(str, [*a_pages, b_page])
    )


def test_a_full_key_as_prefix_matches_itself_and_longer_keys(cache: QueryCache) -> None:
    cache.set_query_data(("settings", "shot", 1), "shot")
    cache.set_query_data(("settings", "shot", 1, "tool"), "tool")
    cache.set_query_data(("settings", "shot", 10), "other")
    assert cache.invalidate(("settings", "shot", 1)) == 2
    assert cache.is_fresh(("settings", "shot", 10))


def test_after_invalidation_the_next_call_fetches_again(cache: QueryCache) -> None:
    """Unlike data stale by age (served while it refreshes), invalidated data is known to be
    wrong: the next call waits for the refetch; ``get`` still shows the old data meanwhile."""
    key = page_key("a")
    cache.get_or_fetch(key, Fetcher("v1"))
    cache.invalidate(("unified-generations", "project", "a"))
    assert cache.get(key) == "v1"
    refresh = Fetcher("v2")
    assert cache.get_or_fetch(key, refresh) == "v2"
    assert refresh.calls == 1
    assert cache.is_fresh(key)


def test_invalidation_moves_versions_of_matching_keys_only(cache: QueryCache) -> None:
    """A fetch in flight under the invalidated prefix is discarded; one outside is stored."""
    inside, outside = page_key("a"), page_key("b")
    slow_inside, slow_outside = Fetcher("a-rows", hold=True), Fetcher("b-rows", hold=True)
    results: dict[str, Any] = {}
    threads = [
        threading.Thread(target=lambda: results.update(a=cache.get_or_fetch(inside, slow_inside))),
        threading.Thread(
            target=lambda: results.update(b=cache.get_or_fetch(outside, slow_outside))
        ),
    ]
    for thread in threads:
        thread.start()
    assert slow_inside.started.wait(WAIT)
    assert slow_outside.started.wait(WAIT)

    assert cache.invalidate(("unified-generations", "project", "a")) == 0  # no data yet
    slow_inside.release.set()
    slow_outside.release.set()
    for thread in threads:
        thread.join(WAIT)

    assert results == {"a": "a-rows", "b": "b-rows"}  # callers get what they fetched
    assert cache.get(inside) is None
    assert cache.get(outside) == "b-rows"
    assert cache.stats.discarded == 1
    again = Fetcher("a-rows-2")
    assert cache.get_or_fetch(inside, again) == "a-rows-2"
    assert again.calls == 1


def test_new_callers_do_not_join_a_fetch_that_started_before_an_invalidation(
    cache: QueryCache,
) -> None:
    key = page_key("a")
    old = Fetcher("before", hold=True)
    thread = threading.Thread(target=cache.get_or_fetch, args=(key, old))
    thread.start()
    assert old.started.wait(WAIT)
    cache.invalidate(("unified-generations",))
    assert cache.get_or_fetch(key, Fetcher("after")) == "after"
    old.release.set()
    thread.join(WAIT)
    assert cache.get(key) == "after"


# -- optimistic updates and the race rule --------------------------------------------------


def test_optimistic_update_and_rollback(cache: QueryCache) -> None:
    key = page_key("a")
    cache.set_query_data(key, ("g1", "g2"))
    previous = cache.set_query_data(key, lambda rows: (*rows, "g3") if rows else ("g3",))
    assert previous == ("g1", "g2")
    assert cache.get(key) == ("g1", "g2", "g3")
    assert cache.set_query_data(key, previous) == ("g1", "g2", "g3")  # the mutation failed
    assert cache.get(key) == ("g1", "g2")


def test_rolling_back_an_update_of_a_missing_key_drops_its_data(cache: QueryCache) -> None:
    key = page_key("a")
    events = Recorder()
    cache.subscribe(key, events)
    previous = cache.set_query_data(key, ["optimistic"])
    assert previous is None
    cache.set_query_data(key, previous)
    assert cache.get(key) is None
    assert len(cache) == 0
    assert events.kinds() == [(key, "updated"), (key, "removed")]
    assert cache.get_or_fetch(key, Fetcher("server")) == "server"
    assert cache.set_query_data(("settings", "shot", 9), None) is None
    assert len(cache) == 1


def test_a_slow_fetch_does_not_overwrite_an_optimistic_update(cache: QueryCache) -> None:
    key = page_key("a")
    cache.set_query_data(key, ["g1"])
    slow = Fetcher(["g1 (server, before the star)"], hold=True)
    result: list[Any] = []
    thread = threading.Thread(
        target=lambda: result.append(cache.get_or_fetch(key, slow, force=True))
    )
    thread.start()
    assert slow.started.wait(WAIT)

    cache.set_query_data(key, ["g1 starred"])
    slow.release.set()
    thread.join(WAIT)

    assert result == [["g1 (server, before the star)"]]  # the caller still gets its data
    assert cache.get(key) == ["g1 starred"]
    assert cache.stats.discarded == 1


def test_a_slow_async_fetch_does_not_overwrite_a_newer_write(cache: QueryCache) -> None:
    key = page_key("a")
    slow = Fetcher("old", hold=True)

    async def main() -> Any:
        task = asyncio.create_task(cache.aget_or_fetch(key, slow))
        await asyncio.to_thread(slow.started.wait, WAIT)
        cache.set_query_data(key, "new")
        slow.release.set()
        return await task

    assert asyncio.run(main()) == "old"
    assert cache.get(key) == "new"


def test_a_fetch_landing_after_remove_is_not_stored(cache: QueryCache) -> None:
    key = page_key("a")
    slow = Fetcher("rows", hold=True)
    thread = threading.Thread(target=cache.get_or_fetch, args=(key, slow))
    thread.start()
    assert slow.started.wait(WAIT)
    cache.remove(("unified-generations",))
    slow.release.set()
    thread.join(WAIT)
    assert cache.get(key) is None
    assert cache.stats.discarded == 1


# -- failures --------------------------------------------------------------------------------


def test_a_failed_fetch_reaches_every_waiter_and_stores_nothing(cache: QueryCache) -> None:
    fetch = Fetcher(hold=True)
    fetch.error = RuntimeError("database is down")
    key = page_key("a")
    releaser = release_when_joined(cache, fetch, waiters=9)
    results, errors = in_threads(10, lambda: cache.get_or_fetch(key, fetch))
    releaser.join(WAIT)
    assert results == []
    assert len(errors) == 10
    assert all(isinstance(error, RuntimeError) for error in errors)
    assert fetch.calls == 1
    assert cache.get(key) is None
    assert len(cache) == 0
    assert cache.get_or_fetch(key, Fetcher("recovered")) == "recovered"


def test_a_failed_fetch_keeps_the_stale_data(cache: QueryCache, clock: Clock) -> None:
    key = page_key("a")
    cache.set_query_data(key, "stale")
    clock.advance(60)
    fetch = Fetcher()
    fetch.error = RuntimeError("database is down")
    with pytest.raises(RuntimeError, match="down"):
        cache.get_or_fetch(key, fetch, force=True)
    assert cache.get(key) == "stale"


def test_a_failed_async_fetch_raises_in_the_awaiting_task(cache: QueryCache) -> None:
    fetch = Fetcher()
    fetch.error = KeyError("gone")
    with pytest.raises(KeyError):
        asyncio.run(cache.aget_or_fetch(page_key("a"), fetch))


# -- subscriptions -------------------------------------------------------------------------


def test_subscribers_hear_about_keys_created_later_under_their_prefix(cache: QueryCache) -> None:
    project = Recorder()
    everything = Recorder()
    unsubscribe = cache.subscribe(("unified-generations", "project", "a"), project)
    cache.subscribe((), everything)
    key_a, key_b = page_key("a"), page_key("b")
    cache.get_or_fetch(key_a, Fetcher(1))
    cache.set_query_data(key_b, 2)
    cache.invalidate(("unified-generations",))
    cache.remove(("unified-generations", "project", "a"))
    assert project.kinds() == [(key_a, "updated"), (key_a, "invalidated"), (key_a, "removed")]
    assert len(everything.events) == 5

    unsubscribe()
    unsubscribe()  # twice is harmless
    cache.set_query_data(key_a, 3)
    assert len(project.events) == 3


def test_a_raising_subscriber_is_logged_and_others_still_run(
    cache: QueryCache, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: CacheEvent) -> None:
        raise RuntimeError("view crashed")

    good = Recorder()
    cache.subscribe(("settings",), broken)
    cache.subscribe(("settings",), good)
    with caplog.at_level(logging.ERROR, logger="workbench.cache"):
        cache.set_query_data(("settings", "shot", 1), {"a": 1})
    assert cache.get(("settings", "shot", 1)) == {"a": 1}
    assert good.kinds() == [(("settings", "shot", 1), "updated")]
    assert "view crashed" in caplog.text


def test_subscribers_run_on_the_thread_that_caused_the_event(cache: QueryCache) -> None:
    threads: list[str] = []
    cache.subscribe((), lambda event: threads.append(threading.current_thread().name))
    worker = threading.Thread(target=cache.set_query_data, args=(("k",), 1), name="writer")
    worker.start()
    worker.join(WAIT)
    assert threads == ["writer"]


# -- garbage collection --------------------------------------------------------------------


def test_gc_removes_unobserved_entries_after_gc_time(cache: QueryCache, clock: Clock) -> None:
    old, used, watched = page_key("old"), page_key("used"), ("settings", "shot", 1)
    for key in (old, used, watched):
        cache.set_query_data(key, key)
    unsubscribe = cache.subscribe(("settings",), lambda event: None)

    clock.advance(599)
    assert cache.get(used) == used  # a use restarts the countdown
    assert cache.gc() == 0
    clock.advance(1)
    assert cache.gc() == 1
    assert cache.keys() == [used, watched]

    clock.advance(10_000)
    assert cache.gc() == 1  # `used` goes; the subscribed entry stays
    assert cache.keys() == [watched]

    unsubscribe()  # gc time counts from when the entry stopped being observed
    clock.advance(599)
    assert cache.gc() == 0
    clock.advance(1)
    assert cache.gc() == 1
    assert len(cache) == 0


def test_gc_keeps_entries_with_a_fetch_in_flight(cache: QueryCache, clock: Clock) -> None:
    key = page_key("a")
    slow = Fetcher("rows", hold=True)
    thread = threading.Thread(target=cache.get_or_fetch, args=(key, slow))
    thread.start()
    assert slow.started.wait(WAIT)
    clock.advance(10_000)
    assert cache.gc() == 0
    slow.release.set()
    thread.join(WAIT)
    assert cache.get(key) == "rows"


def test_gc_runs_every_few_writes(cache: QueryCache, clock: Clock) -> None:
    cache.GC_EVERY_WRITES = 10
    for n in range(5):
        cache.set_query_data(("old", n), n)
    clock.advance(601)
    for n in range(5):
        cache.set_query_data(("new", n), n)
    assert cache.keys() == [("new", n) for n in range(5)]


# -- per-family options --------------------------------------------------------------------


def test_each_family_has_its_own_stale_and_gc_times(clock: Clock) -> None:
    cache = QueryCache(default=FamilyOptions(stale_time=30, gc_time=600), clock=clock)
    cache.configure("settings", FamilyOptions(stale_time=5, gc_time=60))
    cache.configure("projects", FamilyOptions(stale_time=math.inf, gc_time=math.inf))
    gallery, settings, projects = page_key("a"), ("settings", "shot", 1), ("projects",)
    for key in (gallery, settings, projects):
        cache.set_query_data(key, key)

    clock.advance(10)
    assert cache.is_fresh(gallery)
    assert not cache.is_fresh(settings)
    clock.advance(100)
    assert cache.gc() == 1  # settings, after 60 s
    assert cache.keys() == [gallery, projects]
    clock.advance(1_000_000)
    assert cache.is_fresh(projects)
    assert cache.gc() == 1
    assert cache.keys() == [projects]


def test_configure_applies_to_cached_entries(cache: QueryCache, clock: Clock) -> None:
    key = ("settings", "shot", 1)
    cache.set_query_data(key, 1)
    clock.advance(10)
    assert cache.is_fresh(key)
    cache.configure("settings", FamilyOptions(stale_time=5))
    assert not cache.is_fresh(key)


# -- stats and validation ------------------------------------------------------------------


def test_stats_count_what_happened(cache: QueryCache, clock: Clock) -> None:
    key = page_key("a")
    cache.get(key)  # miss
    cache.get_or_fetch(key, Fetcher(1))  # miss, fetched
    cache.get_or_fetch(key, Fetcher(1))  # hit
    cache.get(key)  # hit
    clock.advance(31)
    cache.get_or_fetch(key, Fetcher(2))  # stale hit + refresh
    wait_until(lambda: cache.is_fresh(key), what="the refreshed entry", timeout=WAIT)
    cache.invalidate()  # 1 invalidation
    stats = cache.stats
    assert (stats.hits, stats.misses, stats.stale_hits) == (2, 2, 1)
    assert (stats.refreshes, stats.dedupes, stats.invalidations, stats.discarded) == (1, 0, 1, 0)


@pytest.mark.parametrize(
    "key",
    [[1, 2], (), "settings", ("settings", [1])],
    ids=["list", "empty", "string", "unhashable-part"],
)
def test_bad_keys_are_refused(cache: QueryCache, key: Any) -> None:
    with pytest.raises(ValidationError):
        cache.get_or_fetch(key, Fetcher())
    with pytest.raises(ValidationError):
        cache.set_query_data(key, 1)


def test_bad_prefixes_and_options_are_refused(cache: QueryCache) -> None:
    with pytest.raises(ValidationError):
        cache.invalidate(["settings"])  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        cache.subscribe(("settings",), "not callable")  # type: ignore[arg-type]
    for bad in (-1, math.nan, "30"):
        with pytest.raises(ValidationError):
            FamilyOptions(stale_time=bad)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        cache.configure("settings", {"stale_time": 5})  # type: ignore[arg-type]


def test_clear_drops_everything_and_tells_subscribers(cache: QueryCache) -> None:
    events = Recorder()
    cache.subscribe((), events)
    cache.set_query_data(("a", 1), 1)
    cache.set_query_data(("b", 1), 2)
    cache.clear()
    assert len(cache) == 0
    assert cache.keys() == []
    assert [kind for _, kind in events.kinds()] == ["updated", "updated", "removed", "removed"]


def test_a_fetch_thread_that_cannot_start_fails_the_fetch_instead_of_hanging(
    cache: QueryCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_threads(name: str, target: Callable[[], object]) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr("workbench.cache.core.start_daemon", no_threads)
    key = page_key("a")
    with pytest.raises(RuntimeError, match="new thread"):
        asyncio.run(cache.aget_or_fetch(key, Fetcher("rows")))
    monkeypatch.undo()
    assert asyncio.run(cache.aget_or_fetch(key, Fetcher("rows"))) == "rows"
