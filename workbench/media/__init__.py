"""Media: thumbnails and probes of images and videos, and thumbnails by URL for front ends.

Sizes and qualities follow Reigh, so thumbnails made here are interchangeable with the ones the
web app makes: images get a JPEG of at most 300 px on the long side at quality 80, videos get
their first frame as a JPEG of at most 1280 px wide at quality 85.

- ``images``: image sizes and thumbnails (Pillow);
- ``video``: video probes and first-frame thumbnails (PyAV);
- ``thumbnail_cache``: ``Thumbnails``, small JPEGs fetched by URL and kept in a byte-bounded
  LRU cache, which the TUI and the notebook widgets draw their tiles from.

Pillow and PyAV are imported inside the functions that use them, so importing this package
stays cheap.
"""

from __future__ import annotations

from workbench.media.images import image_size, image_thumbnail
from workbench.media.thumbnail_cache import Thumbnails
from workbench.media.video import VideoInfo, probe_video, video_thumbnail

__all__ = [
    "Thumbnails",
    "VideoInfo",
    "image_size",
    "image_thumbnail",
    "probe_video",
    "video_thumbnail",
]
