"""Turning user-supplied ids into UUIDs before they reach SQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Protocol, TypeAlias

from workbench.errors import ValidationError, echo


class HasId(Protocol):
    """A record (``Project``, ``Shot``, ``Generation`` ...): anything with a UUID ``id``."""

    @property
    def id(self) -> uuid.UUID: ...


Ref: TypeAlias = uuid.UUID | str | HasId
"""How callers name a project, shot or generation: its record, its id (or the id's text),
or, for projects and shots, its exact name."""


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
    raise ValidationError(f"malformed {what}: {echo(value)} is not a UUID")


def as_uuids(values: object, what: str = "id") -> list[uuid.UUID]:
    """UUIDs from a list (a tuple, a set, any iterable but text) of ids or records; else a
    clear error rather than the ``TypeError`` of iterating over a number."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValidationError(
            f"expected a list of {what}s, not {type(values).__name__} {echo(values)}"
        )
    return [as_uuid(value, what) for value in values]


def is_uuid(text: str) -> bool:
    """Whether ``text`` is a UUID (a project name is not)."""
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
