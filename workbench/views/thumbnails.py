"""Small JPEG thumbnails by URL, for front ends: the TUI's tiles and the notebook's gallery.

Thumbnails are read from wherever the row points (a ``file://`` URL, this workbench's storage,
or a public http(s) URL), shrunk to what a tile needs, and kept in a least-recently-used cache
bounded in bytes, so scrolling through thousands of items keeps memory flat. Never the
originals: a 300 px JPEG is about 20 kB.
"""

from __future__ import annotations

import threading
import urllib.request
from collections import OrderedDict
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from workbench.errors import MediaError

_TIMEOUT_S = 10


class Thumbnails:
    def __init__(self, storage: Any, *, max_bytes: int = 48 * 1024 * 1024) -> None:
        self._storage = storage
        self._max_bytes = max_bytes
        self._cache: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._cache)

    @property
    def size(self) -> int:
        return self._size

    def jpeg(self, url: str | None, max_side: int = 256) -> bytes | None:
        """A JPEG at most ``max_side`` px on its long side, or None when it cannot be read."""
        if not url:
            return None
        key = (url, max_side)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        try:
            from workbench.media import image_thumbnail

            data = image_thumbnail(self._read(url), max_side=max_side)
        except (OSError, MediaError, ValueError):
            return None
        with self._lock:
            if key not in self._cache:
                self._cache[key] = data
                self._size += len(data)
            while self._size > self._max_bytes and self._cache:
                _, dropped = self._cache.popitem(last=False)
                self._size -= len(dropped)
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
            with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as response:  # http(s) only
                body: bytes = response.read()
                return body
        raise ValueError(f"cannot read {url!r}")

    def _storage_key(self, url: str) -> str | None:
        """The object key when ``url`` is one of this storage's own URLs."""
        make = getattr(self._storage, "url", None)
        if make is None or not hasattr(self._storage, "get_bytes"):
            return None
        base = make("k")[:-1]
        return url[len(base) :] if url.startswith(base) and len(url) > len(base) else None
