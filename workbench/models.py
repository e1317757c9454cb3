"""Typed records filled straight from rows (psycopg ``class_row``).

Frozen so they can be cached and shared between threads and front ends without copying; their
reprs are short, because ids are long and a REPL user wants to see names.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any


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


@dataclass(frozen=True, repr=False)
class Task:
    """The job that produced a generation (``generations.tasks->>0``)."""

    id: uuid.UUID
    task_type: str
    status: str
    error_message: str | None
    params: dict[str, Any] | None
    created_at: datetime | None
    updated_at: datetime | None

    def __repr__(self) -> str:
        return f"<Task {self.task_type} {self.status} id={short_id(self.id)}>"


@dataclass(frozen=True, repr=False)
class Generation:
    """One gallery item: its media, what made it, and where it sits.

    ``thumbnail_url`` is the primary variant's thumbnail, else the generation's, else the
    media itself, as Reigh shows it. ``shot_generation_id`` and ``timeline_frame`` are set in
    shot mode (the link the item came through); ``task`` only when tasks were asked for.
    """

    id: uuid.UUID
    project_id: uuid.UUID
    type: str | None
    location: str | None
    thumbnail_url: str | None
    params: dict[str, Any]
    name: str | None
    starred: bool
    created_at: datetime
    updated_at: datetime | None
    based_on: uuid.UUID | None
    parent_generation_id: uuid.UUID | None
    primary_variant_id: uuid.UUID | None
    task_id: str | None
    prompt: str | None
    tool_type: str | None
    variant_count: int
    unviewed_variant_count: int
    shot_ids: tuple[uuid.UUID, ...]
    # The shots whose timeline it has a frame on; in the others of ``shot_ids`` it is
    # unpositioned (Reigh's badge tells the two apart).
    positioned_shot_ids: tuple[uuid.UUID, ...] = ()
    shot_generation_id: uuid.UUID | None = None
    timeline_frame: int | None = None
    task: Task | None = None

    @property
    def is_video(self) -> bool:
        return "video" in (self.type or "")

    def __repr__(self) -> str:
        star = " ★" if self.starred else ""
        prompt = (self.prompt or "")[:40]
        return f"<Generation {self.type}{star} {prompt!r} id={short_id(self.id)}>"

    def _repr_html_(self) -> str:
        from workbench.html_repr import generation_html

        return generation_html(self)


@dataclass(frozen=True, repr=False)
class ShotGeneration:
    """A shot's link to a generation, with the generation (for streaming whole timelines)."""

    id: uuid.UUID
    shot_id: uuid.UUID
    generation_id: uuid.UUID
    timeline_frame: int | None
    metadata: dict[str, Any] | None
    generation: Generation

    def __repr__(self) -> str:
        return f"<ShotGeneration frame={self.timeline_frame} {self.generation!r}>"


@dataclass(frozen=True)
class ShotCounts:
    """Reigh's per-shot counts: unfinished rows and placeholders never count."""

    shot_id: uuid.UUID
    total: int
    positioned: int
    unpositioned: int  # images without a timeline frame (videos are not "unpositioned")
    videos: int


@dataclass(frozen=True)
class ProjectCounts:
    total: int
    images: int
    videos: int
    starred: int
    in_no_shot: int


@dataclass(frozen=True, repr=False)
class Variant:
    """One version of a generation (original, upscaled, edit, ...); the primary is shown."""

    id: uuid.UUID
    generation_id: uuid.UUID
    location: str
    thumbnail_url: str | None
    variant_type: str | None
    name: str | None
    is_primary: bool
    params: dict[str, Any] | None
    created_at: datetime
    viewed_at: datetime | None
    starred: bool = False

    def __repr__(self) -> str:
        primary = " primary" if self.is_primary else ""
        return f"<Variant {self.variant_type or '?'}{primary} id={short_id(self.id)}>"
