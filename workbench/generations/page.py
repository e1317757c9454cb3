"""A page of the gallery, and the opaque cursors that lead to its neighbours.

A cursor names the sort key of a page boundary and the page number it leads to; it also
records which gallery it belongs to (mode, target, limit and filters, order included). So
``wb.generations(project, cursor=page.next_cursor)`` continues the same filtered gallery
without repeating its filters, and a cursor used with another gallery is refused instead of
silently showing the wrong rows.
"""

from __future__ import annotations

import base64
import enum
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from workbench.errors import ValidationError, WorkbenchError
from workbench.generations.filters import GenerationFilters
from workbench.generations.query import GalleryTarget, Seek
from workbench.models import Generation


class NoCursor(enum.Enum):
    """The type of ``NO_CURSOR``: "no cursor given", as opposed to a cursor that is None.

    ``page.next_cursor`` is None on the last page; following it must not quietly mean "the
    first page" (of another gallery, when the filters are left to the cursor), so None is
    refused and only an omitted cursor starts at page 1.
    """

    NO_CURSOR = "no cursor"


NO_CURSOR = NoCursor.NO_CURSOR


def _plain(value: Any) -> Any:
    """A key or filter value as JSON can hold it (read back by ``GenerationFilters`` and
    ``Cursor.decode``)."""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value) if isinstance(value, uuid.UUID) else value


@dataclass(frozen=True)
class Cursor:
    target: GalleryTarget
    limit: int
    filters: GenerationFilters  # the gallery's filters: a cursor continues them
    page: int  # the page this cursor leads to
    seek: Seek

    def encode(self) -> str:
        key = [_plain(v) for v in self.seek.key]
        default = GenerationFilters()
        wanted = {  # only what differs from "no restriction": short cursors
            f.name: _plain(getattr(self.filters, f.name))
            for f in fields(GenerationFilters)
            if getattr(self.filters, f.name) != getattr(default, f.name)
        }
        body = {
            "m": self.target.mode, "t": str(self.target.id), "l": self.limit, "f": wanted,
            "p": self.page, "d": self.seek.direction, "k": key,
        }  # fmt: skip
        raw = json.dumps(body, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(
        cls,
        text: object,
        target: GalleryTarget,
        limit: int | None,
        filters: GenerationFilters | None,
    ) -> Cursor:
        """The cursor in ``text``, checked against the gallery it is used with: ``limit`` and
        ``filters`` given must be the cursor's own; None takes the cursor's."""
        if text is None:
            raise ValidationError(
                "cursor is None: the page it came from has no next (or previous) page; "
                "check page.next_cursor before following it, or leave cursor out for page 1"
            )
        if not isinstance(text, str):
            raise ValidationError(f"a cursor is the text of page.next_cursor, not {text!r}")
        try:
            body = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            mode, raw_key, direction = body["m"], body["k"], body["d"]
            if direction not in ("after", "before"):
                raise ValueError(direction)
            if mode == "project":
                key: tuple[Any, ...] = (datetime.fromisoformat(raw_key[0]), uuid.UUID(raw_key[1]))
            else:
                key = (bool(raw_key[0]), int(raw_key[1]), uuid.UUID(raw_key[2]))
            cursor = cls(
                GalleryTarget(mode, uuid.UUID(body["t"])), int(body["l"]),
                GenerationFilters.of(dict(body["f"])), int(body["p"]), Seek(key, direction),
            )  # fmt: skip
        except (ValueError, KeyError, IndexError, TypeError, WorkbenchError) as exc:
            raise ValidationError(f"malformed cursor {text[:24]!r}…: {exc}") from None
        if (cursor.target, cursor.limit) != (target, cursor.limit if limit is None else limit):
            raise ValidationError(
                "this cursor belongs to another gallery (different project/shot or limit); "
                "start again from page 1"
            )
        if filters is not None and filters != cursor.filters:
            raise ValidationError(
                f"this cursor continues a gallery with other filters ({cursor.filters.describe()}"
                f", not {filters.describe()}); pass no filters to continue it, or start again "
                f"from page 1"
            )
        return cursor


@dataclass(frozen=True)
class GenerationPage:
    """One page of generations, with how to reach its neighbours and the total."""

    items: tuple[Generation, ...]
    page: int
    limit: int
    total: int
    total_exact: bool
    mode: str
    target_id: uuid.UUID
    filters: GenerationFilters
    next_cursor: str | None = None
    prev_cursor: str | None = None
    fetched_at: datetime | None = field(default=None, compare=False)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Generation]:
        return iter(self.items)

    def __getitem__(self, index: int) -> Generation:
        return self.items[index]

    @property
    def pages(self) -> int:
        """How many pages there are (approximate when the total is an estimate)."""
        return max(1, -(-self.total // self.limit))

    @property
    def total_label(self) -> str:
        return f"{self.total:,}" if self.total_exact else f"~{self.total:,}"

    def __repr__(self) -> str:
        return (
            f"<GenerationPage {self.mode} page {self.page}/{self.pages}: {len(self.items)} of "
            f"{self.total_label} ({self.filters.describe()})>"
        )

    def _repr_html_(self) -> str:
        from workbench.html_repr import page_html

        return page_html(self)

    def to_pandas(self) -> Any:
        """The page as a ``pandas.DataFrame``, one row per item (pandas is optional)."""
        try:
            import pandas as pd
        except ImportError:
            raise WorkbenchError(
                "GenerationPage.to_pandas() needs pandas: pip install pandas"
            ) from None
        columns = [f.name for f in fields(Generation) if f.name != "task"]
        rows = [[getattr(item, name) for name in columns] for item in self.items]
        return pd.DataFrame(rows, columns=columns)

    def replace_item(self, item: Generation) -> GenerationPage:
        """The same page with one item swapped (optimistic updates)."""
        return replace(self, items=tuple(item if i.id == item.id else i for i in self.items))
