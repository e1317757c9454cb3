"""One recorded change: what it was, when, and the JSON data that undoes it.

The data is plain JSON (ids as strings, rows as ``to_jsonb`` objects), never a closure: the
device-local state keeps recent changes so that ``workbench undo`` in a later process can undo
what the TUI or a script did.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

# The kinds of change and what their data holds (see ``workbench.changes.undo``).
KINDS = (
    "star",  # generation_ids, before {id: starred}, after (one generation: generation_id, before)
    "add-to-shot",  # shot_id, shot, links {link id: frame}
    "remove-from-shot",  # shot_id, shot, rows [shot_generations rows]
    "reorder",  # shot_id, shot, frames {link id: [before, after]}
    "delete",  # project_id, ids, generations, variants, links, based_on [[id, target]]
    "set-primary",  # generation_id, before (variant id or None), after
    "star-variant",  # variant_ids, before {id: starred}, after
    "delete-variant",  # generation_id, rows [generation_variants rows]
    "settings",  # scope, target_id, tool_id, fields [{path, before?, after?}]
    "settings-batch",  # writes [settings data, ...] that landed in one transaction
    "upload",  # project_id, generation_ids, resource_ids
    "create-shot",  # shot_id, project_id, shot, links {link id: frame} (also a duplicate)
    "delete-shot",  # project_id, shot (its row), links [rows], pairs [[generation, link]]
    "rename",  # table, id, project_id, before {column: value}, after {column: value}
    "reorder-shots",  # project_id, project, positions {shot id: [before, after]}
    "move",  # from (remove-from-shot data), to (add-to-shot data)
    "create-project",  # project_id, name, shot_ids
)


@dataclass(frozen=True)
class Change:
    """A change made through a Workbench. ``description`` is one line ("delete generation
    'harbour at dusk'"); ``data`` undoes it; ``user_id`` is whose data it changed, so that a
    device used with several databases undoes only the current user's changes."""

    kind: str
    description: str
    data: dict[str, Any]
    user_id: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    undone: bool = False

    def as_undone(self) -> Change:
        """The same change, marked undone."""
        return replace(self, undone=True)

    def to_json(self) -> dict[str, Any]:
        """A JSON object (the device-local state stores it)."""
        # Not ``asdict``: it deep-copies ``data``, which for a batch of a thousand deleted rows
        # took longer than the delete itself. The data is plain JSON and never changed.
        return {
            "kind": self.kind,
            "description": self.description,
            "data": self.data,
            "user_id": self.user_id,
            "id": self.id,
            "at": self.at.isoformat(),
            "undone": self.undone,
        }

    @classmethod
    def from_json(cls, value: Any) -> Change | None:
        """The change stored as ``value``; None for anything that is not one (a hand edit or
        an older format is skipped, never fatal)."""
        if not isinstance(value, dict):
            return None
        try:
            return cls(
                kind=str(value["kind"]),
                description=str(value["description"]),
                data=dict(value["data"]),
                user_id=str(value["user_id"]),
                id=str(value["id"]),
                at=datetime.fromisoformat(str(value["at"])),
                undone=bool(value.get("undone", False)),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def summary(self) -> dict[str, Any]:
        """What a history lists: id, when, kind, description, undone (no undo data)."""
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "kind": self.kind,
            "description": self.description,
            "undone": self.undone,
        }
