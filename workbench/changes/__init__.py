"""Every change made through a Workbench, recorded with what undoes it.

``record`` holds the ``Change`` (plain JSON data, so the device can keep it for ``workbench
undo`` in another process), ``journal`` the session's list, its copy on the device and the
listeners that enable an Undo button, ``undo`` one function per kind of change.
"""

from __future__ import annotations

from workbench.changes.journal import ChangeJournal
from workbench.changes.record import Change

__all__ = ["Change", "ChangeJournal"]
