"""Download the originals of a gallery (or of chosen generations) to a folder or a zip.

``wb.download(project, shot, ids=..., filters=..., variants="primary"|"all", to=DIR |
zip=FILE)`` and ``workbench download`` fetch each item's media as stored (the primary
variant's file, which ``generations.location`` holds; with ``variants="all"`` every
variant's file), streamed in chunks on a thread pool, with a manifest (``manifest.jsonl``
and ``manifest.csv``: see ``workbench.downloads.manifest``).

File names (``workbench.downloads.names``): ``0001_1a2b3c4d.png`` (the position in the
listing from 1, at least 4 digits; the first 8 hex digits of the generation id; the media's
extension), and ``0001_1a2b3c4d_v2_upscaled.png`` with every variant. Nothing from the data
(prompts, file names, locations) reaches a name, and no two files share one.

Resume (``workbench.downloads.destination``): every file is written as ``name.part`` and
renamed when complete, then recorded in the folder's journal; a re-run keeps each recorded
file whose location is unchanged and whose bytes still have the recorded size and sha256,
and fetches the rest; a store file a kill interrupted is continued from where it stopped (a
ranged read of the same object version, by its ETag). A zip is assembled from a sidecar
folder once every file is in (``workbench.downloads.archive``); re-running onto a finished
zip copies its matching entries instead of fetching them. Locations outside this workbench's
store are fetched over http(s) up to a size bound, or reported as unavailable
(``workbench.downloads.sources``).
"""

from workbench.downloads.results import (
    DownloadedFile,
    DownloadProgress,
    DownloadResult,
    FileStatus,
)
from workbench.downloads.run import download

__all__ = ["DownloadProgress", "DownloadResult", "DownloadedFile", "FileStatus", "download"]
