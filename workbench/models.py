"""Typed records filled straight from rows (psycopg ``class_row``).

Frozen so they can be cached and shared between threads and front ends without copying; their
reprs are short, because ids are long and a REPL user wants to see names.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


def short_id(value: uuid.UUID) -> str:
    return str(value)[:8]


@dataclass(frozen=True, repr=False)
class User:
    id: uuid.UUID
    name: str | None
    email: str | None

    def __repr__(self) -> str:
        return f"<User {self.name or self.email or '?'!r} id={short_id(self.id)}>"


@dataclass(frozen=True, repr=False)
class Project:
    id: uuid.UUID
    name: str
    user_id: uuid.UUID
    aspect_ratio: str | None
    created_at: datetime

    def __repr__(self) -> str:
        ratio = f" {self.aspect_ratio}" if self.aspect_ratio else ""
        return f"<Project {self.name!r}{ratio} id={short_id(self.id)}>"


@dataclass(frozen=True, repr=False)
class Shot:
    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    position: int | None
    aspect_ratio: str | None
    created_at: datetime | None
    updated_at: datetime | None

    def __repr__(self) -> str:
        return f"<Shot {self.name!r} #{self.position} id={short_id(self.id)}>"
