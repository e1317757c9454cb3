"""The query cache's keys, one function per family, so that every reader, writer and
invalidator of a family builds its keys the same way.

Keys follow Reigh's (``('unified-generations', mode, target_id, page, limit, filters)``).
Everything derived from one gallery (pages, counts, cursors, task data) lives under
``gallery(mode, target_id)``; a row's settings live under ``settings(scope, target_id)``; so one
prefix invalidation refreshes all of either. A function called with fewer parts gives the
prefix that covers the rest: ``gallery("project")`` is every project gallery.
"""

from __future__ import annotations

from collections.abc import Hashable

GALLERY = "unified-generations"
SETTINGS = "settings"
OWNERSHIP = "ownership"
SHOTS = "shots"

Key = tuple[Hashable, ...]


def gallery(mode: str | None = None, target_id: Hashable = None, *parts: Hashable) -> Key:
    """A gallery's prefix (``mode`` "project" or "shot"), or a key under it with ``parts``
    (``"count", filters`` ...)."""
    return _key(GALLERY, mode, target_id, *parts)


def settings(
    scope: str | None = None, target_id: Hashable = None, tool_id: str | None = None
) -> Key:
    """The settings of one row (``scope`` "user", "project" or "shot") for one tool, or the
    prefix of all its tools (or of every row of a scope)."""
    return _key(SETTINGS, scope, target_id, tool_id)


def shots(project_id: Hashable = None) -> Key:
    """A project's shots as lists show them (names, order): changed by creating, renaming,
    reordering or deleting a shot, not by changes to items."""
    return _key(SHOTS, project_id)


def ownership(mode: str, target_id: Hashable) -> Key:
    """That the current user owns a project or shot (checked once, then remembered)."""
    return (OWNERSHIP, mode, target_id)


def _key(family: str, *parts: Hashable) -> Key:
    """``(family, *parts)`` up to the first part left out (None); parts after a None would
    make a key no invalidation could find, so they are a mistake."""
    given: list[Hashable] = [family]
    for index, part in enumerate(parts):
        if part is None:
            if any(p is not None for p in parts[index + 1 :]):
                raise ValueError(f"{family} key: {parts[index + 1 :]!r} given after a None part")
            break
        given.append(part)
    return tuple(given)
