"""Gallery filters: a frozen, hashable value, so it can be part of a cache key.

Validation happens when a filter is made, so a bad value is refused with a clear message
before any SQL is built, and two equal filters always map to the same cached page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any, Literal, Self

from workbench.errors import ValidationError, echo
from workbench.ids import as_uuid
from workbench.inputs import MAX_SEARCH_LENGTH, MAX_TOOL_TYPE_LENGTH, check_text

MediaType = Literal["image", "video"]
Sort = Literal["newest", "oldest"]
DATE_TIME_FORMAT = (
    "an ISO date or date-time, e.g. 2026-09-05 or 2026-09-05T14:30 (local time unless it "
    "ends in an offset such as +02:00 or Z)"
)


def parse_date_time(text: str, name: str = "date") -> datetime:
    """``2026-09-05``, ``2026-09-05T14:30``, ``2026-09-05 14:30:00+02:00`` -> an aware datetime.

    A typed date (``--after 2026-09-05``, a filter box) is read the way the user reads a
    clock: without an offset it is local time. Anything else is refused with the format that
    is expected, instead of the ``ValueError`` that ``fromisoformat`` raises.
    """
    if not isinstance(text, str):
        raise ValidationError(f"{name} must be text in ISO format, not {echo(text)}")
    check_text(text, name, 64)
    try:
        value = datetime.fromisoformat(text.strip())
        return value if value.tzinfo else value.astimezone()
    except (ValueError, OverflowError):  # OverflowError: a local time past year 9999
        raise ValidationError(f"{name} {echo(text)}: expected {DATE_TIME_FORMAT}") from None


@dataclass(frozen=True)
class GenerationFilters:
    """What to show. ``None`` (or False) means "no restriction" for every field."""

    media_type: MediaType | None = None
    tool_type: str | None = None  # "X" also matches "X-reconstructed-client", as in Reigh
    starred: bool | None = None  # True: only starred; False: only not starred
    search: str | None = None  # text in the prompt (case-insensitive)
    in_shot: uuid.UUID | None = None  # project mode: only generations in this shot
    in_no_shot: bool = False  # project mode: only generations in no shot
    # Only images linked without a timeline frame: Reigh's "unpositioned", the same rows the
    # navigator counts (videos are never unpositioned; see ``aggregates.unpositioned``).
    unpositioned: bool = False
    edits_only: bool = False  # only generations edited from another (based_on set)
    created_after: datetime | None = None
    created_before: datetime | None = None
    sort: Sort = "newest"  # a project's gallery only: a shot's is in timeline order

    def __post_init__(self) -> None:
        if self.media_type not in (None, "image", "video"):
            raise ValidationError(
                f"media_type must be 'image' or 'video', not {echo(self.media_type)}"
            )
        if self.sort not in ("newest", "oldest"):
            raise ValidationError(f"sort must be 'newest' or 'oldest', not {echo(self.sort)}")
        if self.starred not in (None, True, False):
            raise ValidationError(f"starred must be True, False or None, not {echo(self.starred)}")
        for name in ("in_no_shot", "unpositioned", "edits_only"):
            if not isinstance(getattr(self, name), bool):
                raise ValidationError(f"{name} must be True or False")
        if self.tool_type is not None:
            check_text(self.tool_type, "tool_type", MAX_TOOL_TYPE_LENGTH, empty=False)
        if self.search is not None:
            check_text(self.search, "search", MAX_SEARCH_LENGTH)
            object.__setattr__(self, "search", self.search.strip() or None)
        if self.in_shot is not None:
            object.__setattr__(self, "in_shot", as_uuid(self.in_shot, "shot id"))
            if self.in_no_shot:
                raise ValidationError("in_shot and in_no_shot cannot both be set")
        for name in ("created_after", "created_before"):
            value = getattr(self, name)
            if isinstance(value, str):  # typed by a person: "2026-09-05"
                value = parse_date_time(value, name)
                object.__setattr__(self, name, value)
            if value is not None and not isinstance(value, datetime):
                raise ValidationError(f"{name} must be a datetime, not {echo(value)}")
            if value is not None and value.tzinfo is None:
                raise ValidationError(f"{name} must be timezone-aware (e.g. datetime.now(UTC))")

    @classmethod
    def of(cls, value: GenerationFilters | dict[str, Any] | None = None, **kwargs: Any) -> Self:
        """Filters from an instance, a dict and/or keywords; unknown names are refused."""
        given = (
            dict(kwargs) if isinstance(value, GenerationFilters) else {**(value or {}), **kwargs}
        )
        known = {f.name for f in fields(cls)}
        unknown = set(given) - known
        if unknown:
            shown = sorted(str(name)[:40] for name in unknown)[:5]  # cut: a name may be 1 MB
            names = ", ".join(shown) + (", ..." if len(unknown) > 5 else "")
            valid = ", ".join(sorted(known))
            raise ValidationError(f"unknown filter(s) {names}; known: {valid}")
        if isinstance(value, GenerationFilters):
            return replace(value, **given) if given else value  # type: ignore[return-value]
        return cls(**given)

    def describe(self) -> str:
        """A short human summary, e.g. for a status line: "videos · starred · 'dusk'"."""
        parts = []
        if self.media_type:
            parts.append(f"{self.media_type}s")
        if self.tool_type:
            parts.append(self.tool_type)
        if self.starred is not None:
            parts.append("starred" if self.starred else "not starred")
        if self.search:
            parts.append(repr(self.search))
        if self.in_no_shot:
            parts.append("in no shot")
        if self.unpositioned:
            parts.append("unpositioned")
        if self.edits_only:
            parts.append("edits")
        if self.created_after is not None:
            parts.append(f"from {_when(self.created_after)}")
        if self.created_before is not None:
            parts.append(f"before {_when(self.created_before)}")
        if self.sort == "oldest":
            parts.append("oldest first")
        return " · ".join(parts) or "all"


def _when(value: datetime) -> str:
    """A bound as the user typed it: the date alone at midnight, else to the minute."""
    local = value.astimezone()
    midnight = (local.hour, local.minute, local.second) == (0, 0, 0)
    return f"{local:%Y-%m-%d}" if midnight else f"{local:%Y-%m-%d %H:%M}"
