"""The asset uploader: validate by content, name like Reigh, thumbnail, upload, record.

``wb.upload(...)`` is the entry point; the modules each do one job: ``sources`` (what to
upload), ``detect`` (what a file is), ``prepare`` (limits, hash, thumbnail, params), ``keys``
(object names), ``names`` (file names made safe to record), ``records`` (rows), ``journal``
(keys written before their transfer, so what a crash leaves is cleaned up), ``progress``
(snapshots for progress bars) and ``uploader`` (the batch runner).
"""

from __future__ import annotations

from workbench.uploads.prepare import DEFAULT_LIMITS
from workbench.uploads.progress import UploadProgress
from workbench.uploads.sources import UploadData
from workbench.uploads.uploader import UploadResult, clean_up, upload

__all__ = ["DEFAULT_LIMITS", "UploadData", "UploadProgress", "UploadResult", "clean_up", "upload"]
