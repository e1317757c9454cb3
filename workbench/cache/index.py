"""Finding keys by prefix without a scan: the prefix index and the subscriber registry."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Generic, TypeVar

from workbench.cache.types import CacheKey, Subscriber

V = TypeVar("V")


class PrefixIndex(Generic[V]):
    """Every proper, non-empty prefix of a key → the keys under it, each with its value.

    Adding or dropping a key costs one small dict operation per element of the key; finding
    the keys under a prefix costs one lookup plus the matches, however many keys there are.
    """

    __slots__ = ("_under",)

    def __init__(self) -> None:
        self._under: dict[CacheKey, dict[CacheKey, V]] = {}

    def add(self, key: CacheKey, value: V) -> None:
        under = self._under
        for n in range(1, len(key)):
            keys = under.get(key[:n])
            if keys is None:
                under[key[:n]] = {key: value}
            else:
                keys[key] = value

    def discard(self, key: CacheKey) -> None:
        under = self._under
        for n in range(1, len(key)):
            keys = under.get(key[:n])
            if keys is not None:
                keys.pop(key, None)
                if not keys:
                    del under[key[:n]]

    def below(self, prefix: CacheKey) -> dict[CacheKey, V]:
        """The keys strictly longer than ``prefix`` that start with it (do not mutate)."""
        return self._under.get(prefix, {})

    def clear(self) -> None:
        self._under.clear()


class Subscribers:
    """Callbacks registered on key prefixes (the empty prefix watches every key)."""

    __slots__ = ("_by_prefix", "_ids", "_lengths")

    def __init__(self) -> None:
        self._by_prefix: dict[CacheKey, dict[int, Subscriber]] = {}
        self._lengths: list[int] = []  # the distinct prefix lengths in use, ascending
        self._ids = itertools.count()

    def __bool__(self) -> bool:
        return bool(self._by_prefix)

    def add(self, prefix: CacheKey, callback: Subscriber) -> int:
        token = next(self._ids)
        self._by_prefix.setdefault(prefix, {})[token] = callback
        self._update_lengths()
        return token

    def remove(self, prefix: CacheKey, token: int) -> bool:
        """Drop one registration; whether it was still there."""
        callbacks = self._by_prefix.get(prefix)
        if callbacks is None or callbacks.pop(token, None) is None:
            return False
        if not callbacks:
            del self._by_prefix[prefix]
            self._update_lengths()
        return True

    def watches(self, key: CacheKey) -> bool:
        """Whether some subscription's prefix is a prefix of ``key``."""
        return any(True for _ in self._matching(key))

    def for_key(self, key: CacheKey) -> list[Subscriber]:
        return [callback for callbacks in self._matching(key) for callback in callbacks.values()]

    def _matching(self, key: CacheKey) -> Iterator[dict[int, Subscriber]]:
        by_prefix = self._by_prefix
        for n in self._lengths:
            if n > len(key):
                return
            callbacks = by_prefix.get(key[:n])
            if callbacks:
                yield callbacks

    def _update_lengths(self) -> None:
        self._lengths = sorted({len(prefix) for prefix in self._by_prefix})
