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
import hmac
import json
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from workbench.errors import ValidationError, WorkbenchError, echo
from workbench.generations.filters import GenerationFilters
from workbench.generations.query import GalleryTarget, Seek
from workbench.inputs import MAX_PAGE_LIMIT, MAX_PAGE_NUMBER, check_int, check_text
from workbench.models import Generation


class NoCursor(enum.Enum):
    """The type of ``NO_CURSOR``: "no cursor given", as opposed to a cursor that is None.

    ``page.next_cursor`` is None on the last page; following it must not quietly mean "the
    first page" (of another gallery, when the filters are left to the cursor), so None is
    refused and only an omitted cursor starts at page 1.
    """

    NO_CURSOR = "no cursor"


NO_CURSOR = NoCursor.NO_CURSOR
MAX_CURSOR_LENGTH = 4096  # a cursor with every filter set is under 1,000 characters


def _plain(value: Any) -> Any:
    """A key or filter value as JSON can hold it (read back by ``GenerationFilters`` and
    ``Cursor.decode``)."""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value) if isinstance(value, uuid.UUID) else value


@dataclass(frozen=True)
class Cursor:
    """Where a page starts, as ``page.next_cursor`` carries it.

    The text is the cursor's JSON, signed with the session's key (an HMAC): a cursor is
    accepted only by the workbench that made it, unchanged. An edited one (another page
    number, another sort key, a limit of "5") cannot lead to a page the session never showed
    and be remembered under that page's number. Decoding still checks every field, so a
    cursor is refused with a message, never a ``KeyError`` or a ``TypeError``."""

    target: GalleryTarget
    limit: int
    filters: GenerationFilters  # the gallery's filters: a cursor continues them
    page: int  # the page this cursor leads to
    seek: Seek

    def encode(self, key: bytes) -> str:
        """The cursor as text, signed with ``key`` (the session's)."""
        sort_key = [_plain(v) for v in self.seek.key]
        default = GenerationFilters()
        wanted = {  # only what differs from "no restriction": short cursors
            f.name: _plain(getattr(self.filters, f.name))
            for f in fields(GenerationFilters)
            if getattr(self.filters, f.name) != getattr(default, f.name)
        }
        body = {
            "m": self.target.mode, "t": str(self.target.id), "l": self.limit, "f": wanted,
            "p": self.page, "d": self.seek.direction, "k": sort_key,
        }  # fmt: skip
        raw = json.dumps(body, separators=(",", ":")).encode()
        return f"{_b64(raw)}.{_b64(_sign(key, raw))}"

    @classmethod
    def decode(
        cls,
        text: object,
        target: GalleryTarget,
        limit: int | None,
        filters: GenerationFilters | None,
        key: bytes,
    ) -> Cursor:
        """The cursor in ``text``, made by the session whose ``key`` is given and checked
        against the gallery it is used with: ``limit`` and ``filters`` given must be the
        cursor's own; None takes the cursor's."""
        if text is None:
            raise ValidationError(
                "cursor is None: the page it came from has no next (or previous) page; "
                "check page.next_cursor before following it, or leave cursor out for page 1"
            )
        if not isinstance(text, str):
            raise ValidationError(
                f"a cursor is the text of page.next_cursor, not {type(text).__name__} {echo(text)}"
            )
        raw = _verified(text, key)
        try:
            cursor = _from_body(json.loads(raw))
        except (ValueError, KeyError, IndexError, TypeError, WorkbenchError) as exc:
            # Signed by us, so only a workbench of another version gets here.
            raise ValidationError(f"malformed cursor {echo(text, 30)}: {exc}") from None
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


def new_cursor_key() -> bytes:
    """A fresh signing key: each workbench makes its own, so cursors never outlive it."""
    return secrets.token_bytes(32)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _sign(key: bytes, raw: bytes) -> bytes:
    return hmac.digest(key, raw, "sha256")[:16]


def _verified(text: str, key: bytes) -> bytes:
    """The cursor's JSON, if ``key`` signed it; else a refusal saying what to do."""
    if len(text) > MAX_CURSOR_LENGTH:
        raise ValidationError(
            f"malformed cursor: {len(text):,} characters, more than a cursor ever has "
            f"({MAX_CURSOR_LENGTH:,})"
        )
    body, dot, signature = text.partition(".")
    try:
        if not dot or not text.isascii():
            raise ValueError(text)
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    except ValueError:  # binascii.Error is one
        raise ValidationError(
            f"malformed cursor {echo(text, 30)}: not the text of a page's next_cursor or "
            f"prev_cursor"
        ) from None
    if not hmac.compare_digest(given, _sign(key, raw)):
        raise ValidationError(
            f"cursor {echo(text, 30)} was not made by this workbench session, or was changed: "
            f"a cursor is valid only, unchanged, in the session whose page gave it; start "
            f"again from page 1"
        )
    return raw


def _from_body(body: Any) -> Cursor:
    """Every field of a decoded cursor checked: no field missing or extra, each its type."""
    if not isinstance(body, dict) or set(body) != {"m", "t", "l", "f", "p", "d", "k"}:
        raise ValueError("not a cursor's fields")
    mode, raw_key, direction = body["m"], body["k"], body["d"]
    if direction not in ("after", "before") or mode not in ("project", "shot"):
        raise ValueError(f"mode {echo(mode)}, direction {echo(direction)}")
    if not isinstance(raw_key, list) or len(raw_key) != (2 if mode == "project" else 3):
        raise ValueError(f"sort key {echo(raw_key)}")
    if mode == "project":
        when = datetime.fromisoformat(check_text(raw_key[0], "sort key", 64))
        if when.tzinfo is None:
            raise ValueError("a sort key without a time zone")
        key: tuple[Any, ...] = (when, uuid.UUID(check_text(raw_key[1], "sort key", 64)))
    else:
        if not isinstance(raw_key[0], bool):
            raise ValueError(f"sort key {echo(raw_key)}")
        frame = check_int(raw_key[1], "frame", minimum=-(2**31), maximum=2**31 - 1)
        key = (raw_key[0], frame, uuid.UUID(check_text(raw_key[2], "sort key", 64)))
    if not isinstance(body["f"], dict):
        raise ValueError(f"filters {echo(body['f'])}")
    return Cursor(
        GalleryTarget(mode, uuid.UUID(check_text(body["t"], "target", 64))),
        check_int(body["l"], "limit", minimum=1, maximum=MAX_PAGE_LIMIT),
        GenerationFilters.of(body["f"]),
        check_int(body["p"], "page", minimum=1, maximum=MAX_PAGE_NUMBER),
        Seek(key, direction),
    )


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
