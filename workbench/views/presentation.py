"""How a scope and a save status look: decided here once, so the front ends only map a
``Badge`` to their toolkit (Rich markup in the TUI, HTML in the notebook).

The scope badges are the core's (``workbench.settings.scopes``), because the REPL's HTML is
core and shows them too; ``scope_badge`` is that same HTML badge, for the notebook widgets.
The save statuses belong to the settings view, so their badges are defined here.
"""

from __future__ import annotations

from collections.abc import Mapping

from workbench.html_repr import scope_badge
from workbench.settings.scopes import SCOPE_BADGES, Badge, Scope
from workbench.views.settings import FieldStatus
from workbench.views.uploads import FileStatus

# Mid-tones like the scope badges, so they read on light and dark backgrounds alike.
STATUS_BADGES: Mapping[FieldStatus, Badge] = {
    "saved": Badge("saved", "#1e8e3e"),  # green
    "saving": Badge("saving…", "#a8730b"),  # amber; the ellipsis says it is under way
    "failed": Badge("failed", "#dc3545"),  # red
}

# An uploaded file's status, the same words as the CLI's summary ("already there").
FILE_BADGES: Mapping[FileStatus, Badge] = {
    "queued": Badge("queued", "#767e8a"),  # grey, as a scope nobody set
    "uploading": Badge("uploading…", "#a8730b"),  # amber, as "saving…"
    "uploaded": Badge("uploaded", "#1e8e3e"),  # green, as "saved"
    "duplicate": Badge("already there", "#2f7ed8"),  # blue: nothing new, nothing wrong
    "failed": Badge("failed", "#dc3545"),  # red, as a failed save
}

__all__ = ["FILE_BADGES", "SCOPE_BADGES", "STATUS_BADGES", "Badge", "Scope", "scope_badge"]
