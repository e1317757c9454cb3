"""Turning user-supplied ids into UUIDs before they reach SQL."""

from __future__ import annotations

import uuid

from workbench.errors import ValidationError


def as_uuid(value: object, what: str = "id") -> uuid.UUID:
    """A UUID from a UUID, its string form, or a record with an ``id``; else a clear error."""
    if isinstance(value, uuid.UUID):
        return value
    record_id = getattr(value, "id", None)
    if isinstance(record_id, uuid.UUID):
        return record_id
    if isinstance(value, str):
        try:
            return uuid.UUID(value.strip())
        except ValueError:
            pass
    raise ValidationError(f"malformed {what}: {value!r} is not a UUID")


def is_uuid(text: str) -> bool:
    """Whether ``text`` is a UUID (a project name is not)."""
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
