"""Small thumbnails by URL, for front ends: JPEGs for the TUI's tiles and the detail views,
WebP tiles at the picture's own aspect for the notebook's grid (``tile``).

Thumbnails are read from wherever the row points (a ``file://`` URL, this workbench's storage,
or a public http(s) URL), shrunk to what a tile needs, and kept in a least-recently-used cache
bounded in bytes, so scrolling through thousands of items keeps memory flat. Never the
originals: a 300 px JPEG is about 20 kB.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from cachetools import LRUCache

from workbench.errors import MediaError
from workbench.media.images import image_preview, image_thumbnail
from workbench.media.links import storage_key

__all__ = ["Thumbnails"]

_TIMEOUT_S = 10


class Thumbnails:
    """Thumbnails by (URL, size), made once and kept while they fit in ``max_bytes``.

    The lock guards the cache only (cachetools' caches are not thread-safe); reading and
    shrinking run outside it, so tiles load in parallel. A JPEG larger than the whole budget
    is returned but not kept.
    """

    def __init__(self, storage: Any, *, max_bytes: int = 48 * 1024 * 1024) -> None:
        self._storage = storage
        self._cache: LRUCache[tuple[str, int, int], bytes] = LRUCache(
            maxsize=max_bytes, getsizeof=len
        )
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._cache)

    @property
    def size(self) -> int:
        """Bytes of thumbnails held."""
        return int(self._cache.currsize)

    def jpeg(self, url: str | None, max_side: int = 256) -> bytes | None:
        """A JPEG at most ``max_side`` px on its long side, or None when it cannot be read."""
        if not url:
            return None
        return self._made(
            (url, max_side, 0), lambda: image_thumbnail(self._read(url), max_side=max_side)
        )

    def tile(self, url: str | None, max_width: int, max_height: int) -> bytes | None:
        """A WebP fitting ``max_width`` x ``max_height`` at the picture's own aspect (the
        notebook grid's 2x tiles: a row's height is fixed, a tile's width follows its
        picture), or None when it cannot be read."""
        if not url:
            return None
        return self._made(
            (url, max_width, max_height),
            lambda: image_preview(self._read(url), max_width=max_width, max_height=max_height),
        )

    def _made(self, key: tuple[str, int, int], make: Callable[[], bytes]) -> bytes | None:
        """The cached picture under ``key``, else ``make()`` it and keep it when it fits."""
        with self._lock:
            found = self._cache.get(key)  # a hit also makes it the most recently used
        if found is not None:
            return found
        try:
            data = make()
        except (OSError, MediaError, ValueError):
            return None
        with self._lock:
            if key not in self._cache and len(data) <= self._cache.maxsize:
                self._cache[key] = data  # evicts the least recently used past the budget
        return data

    def _read(self, url: str) -> bytes:
        parsed = urlparse(url)
        if parsed.scheme == "file":
            return Path(unquote(parsed.path)).read_bytes()
        key = self._storage_key(url)
        if key is not None:
            data: bytes = self._storage.get_bytes(key)
            return data
        if parsed.scheme in ("http", "https"):
            import urllib.request  # ~50 ms (http.client, ssl): only for remote thumbnails

            with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as response:  # http(s) only
                body: bytes = response.read()
                return body
        raise ValueError(f"cannot read {url!r}")

    def _storage_key(self, url: str) -> str | None:
        """The object key when ``url`` is one of this storage's own URLs."""
        if not hasattr(self._storage, "get_bytes"):
            return None
        return storage_key(self._storage, url)
