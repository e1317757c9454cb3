"""``QueryCache.follow`` and ``workbench.keys``: how views hear that what they show changed,
without keeping a cache entry for it."""

from __future__ import annotations

import uuid

import pytest

from workbench import keys
from workbench.cache import CacheEvent, QueryCache
from workbench.errors import ValidationError


def test_a_follower_hears_overlapping_invalidations_with_nothing_cached() -> None:
    cache = QueryCache()
    project, other = uuid.uuid4(), uuid.uuid4()
    heard: list[CacheEvent] = []
    cache.follow(keys.gallery("project", project), heard.append)

    cache.invalidate(keys.gallery("project", project, "count", None))  # below what we follow
    cache.invalidate(keys.gallery("project"))  # above it: every project gallery
    cache.invalidate(())  # everything (live updates reconnected)
    cache.invalidate(keys.gallery("project", other))  # another project: not ours
    cache.invalidate(keys.settings("project", project))  # another family: not ours
    cache.remove(keys.gallery("project", project))

    assert [(e.key, e.kind) for e in heard] == [
        (keys.gallery("project", project, "count", None), "invalidated"),
        (keys.gallery("project"), "invalidated"),
        ((), "invalidated"),
        (keys.gallery("project", project), "removed"),
    ]
    assert len(cache) == 0  # nothing was cached for the follower's sake


def test_a_follower_hears_once_per_invalidation_however_many_entries() -> None:
    cache = QueryCache()
    shot = uuid.uuid4()
    for page in range(1, 6):
        cache.set_query_data(keys.gallery("shot", shot, page), f"page {page}")
    heard: list[CacheEvent] = []
    cache.follow(keys.gallery("shot", shot), heard.append)
    assert cache.invalidate(keys.gallery("shot", shot)) == 5
    assert len(heard) == 1


def test_unfollow_stops_and_a_bad_follower_is_refused() -> None:
    cache = QueryCache()
    heard: list[CacheEvent] = []
    unfollow = cache.follow(keys.settings("user"), heard.append)
    cache.invalidate(keys.settings("user", uuid.uuid4()))
    unfollow()
    unfollow()  # twice is harmless
    cache.invalidate(keys.settings("user", uuid.uuid4()))
    assert len(heard) == 1
    with pytest.raises(ValidationError, match="callable"):
        cache.follow(keys.settings(), "not a function")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="tuple"):
        cache.follow(["settings"], heard.append)  # type: ignore[arg-type]


def test_keys_are_built_one_way_per_family() -> None:
    target = uuid.uuid4()
    assert keys.gallery() == ("unified-generations",)
    assert keys.gallery("shot", target, 3, 50) == ("unified-generations", "shot", target, 3, 50)
    assert keys.settings("shot", target, "travel-between-images") == (
        "settings", "shot", target, "travel-between-images",
    )  # fmt: skip
    assert keys.settings("project", target) == ("settings", "project", target)
    assert keys.ownership("project", target) == ("ownership", "project", target)
    with pytest.raises(ValueError, match="after a None part"):
        keys.settings(None, target)  # a key no prefix invalidation could reach
