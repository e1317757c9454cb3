"""Where a location's bytes come from: this workbench's store, or another web host.

* A URL of this workbench's store (a ``file://`` URL under the local folder, an S3 URL of
  the bucket, public or path-style) is read through the store (``Storage.open_object``),
  streamed.
* An ``http(s)`` URL of any other host (a public bucket elsewhere, a CDN) is fetched over
  HTTP, streamed, and refused above ``REMOTE_MAX_BYTES`` (by its Content-Length, and while
  reading when it sends none): a URL in the data must not fill the disk.
* Anything else (a ``file://`` path outside the store, another scheme, no location at all)
  is not fetched: the item is reported as ``unavailable`` with the reason, the rest goes on.
  A download never reads arbitrary local paths named by rows of the database.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from workbench.errors import WorkbenchConnectionError
from workbench.storage.base import ObjectStream

REMOTE_MAX_BYTES = 2 * 1024**3  # the upload limit of videos: nothing larger was ours
_REMOTE_TIMEOUT_S = 30


class Unavailable(Exception):  # a reason, not a failure
    """The location is not one a download reads; the message says why."""


def open_location(
    storage: Any,
    location: str | None,
    *,
    connections: int,
    offset: int = 0,
    etag: str | None = None,
) -> tuple[ObjectStream, int | None]:
    """The stream of ``location`` and the most bytes it may yield (None: no bound).

    ``offset`` and ``etag`` continue a read of the store's object that stopped there (the
    stream's ``offset`` says where it really starts; another host's file always starts at
    0). Raises ``Unavailable`` when it is not fetched at all, the store's ``WorkbenchError``
    when the store fails (a missing object is ``NotFoundError``, a changed one
    ``ConflictError``)."""
    if not location:
        raise Unavailable("no media yet (the generation has no location)")
    key = storage.key_for_url(location)
    if key is not None:
        stream = storage.open_object(key, connections=connections, offset=offset, etag=etag)
        return stream, None
    scheme = urlparse(location).scheme.lower()
    if scheme in ("http", "https"):
        return _open_remote(location), REMOTE_MAX_BYTES
    if scheme == "file":
        raise Unavailable("a local file outside this workbench's store: not read")
    shown = f"{scheme}: URL" if scheme else "location that is not a URL"
    raise Unavailable(f"a {shown}: not fetched")


def _open_remote(url: str) -> ObjectStream:
    import urllib.error
    import urllib.request  # ~50 ms (http.client, ssl): only for other hosts

    request = urllib.request.Request(url, headers={"User-Agent": "reigh-workbench download"})
    try:
        response = urllib.request.urlopen(request, timeout=_REMOTE_TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        raise WorkbenchConnectionError(f"{_host(url)} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise WorkbenchConnectionError(f"cannot fetch from {_host(url)}: {exc}") from None
    length = response.headers.get("Content-Length")
    size = int(length) if length and length.isdigit() else None
    if size is not None and size > REMOTE_MAX_BYTES:
        response.close()
        raise Unavailable(
            f"{size:,} bytes at {_host(url)}: above the {REMOTE_MAX_BYTES:,}-byte limit for "
            "files from other hosts"
        )
    return ObjectStream(response, size, response.headers.get("Content-Type"))


def _host(url: str) -> str:
    return urlparse(url).netloc or "the remote host"
