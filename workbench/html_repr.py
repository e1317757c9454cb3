"""HTML for the REPL records, so a notebook shows them as tables without any widget library.

Plain strings (no toolkit), escaped throughout: prompts and names are user text. An image is
only shown when its URL is http(s), because a browser cannot load the kernel's ``file://``
paths; the widgets send thumbnails themselves. A video shows a poster instead: its first frame,
small, inline (base64), from the frame cache or decoded from a file on this machine (the first
frame only: a repr never decodes a video whole, nor downloads one).

The records (``Generation``, ``GenerationPage``, ``ResolvedSettings``) render through this
module, so it takes them as the protocols below instead of importing them: an import back
would close a cycle.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any, Protocol

from workbench.settings.scopes import SCOPE_BADGES, Scope

TABLE = "<table style='font-size:12px;border-collapse:collapse'>"
CELL = "style='text-align:left;padding:1px 8px;vertical-align:top'"


class GenerationRecord(Protocol):
    """What the HTML shows of a ``workbench.models.Generation``."""

    @property
    def id(self) -> object: ...
    @property
    def type(self) -> str | None: ...
    @property
    def prompt(self) -> str | None: ...
    @property
    def tool_type(self) -> str | None: ...
    @property
    def thumbnail_url(self) -> str | None: ...
    @property
    def location(self) -> str | None: ...
    @property
    def starred(self) -> bool: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def variant_count(self) -> int: ...
    @property
    def shot_ids(self) -> Collection[object]: ...
    @property
    def timeline_frame(self) -> int | None: ...


class Described(Protocol):
    def describe(self) -> str: ...


class PageRecord(Protocol):
    """What the HTML shows of a ``workbench.generations.page.GenerationPage``."""

    @property
    def mode(self) -> str: ...
    @property
    def page(self) -> int: ...
    @property
    def pages(self) -> int: ...
    @property
    def total_label(self) -> str: ...
    @property
    def items(self) -> Sequence[GenerationRecord]: ...
    @property
    def filters(self) -> Described: ...


class SettingsRecord(Protocol):
    """What the HTML shows of a ``workbench.settings.resolve.ResolvedSettings``."""

    @property
    def tool_id(self) -> str: ...
    def __iter__(self) -> Iterator[tuple[str, Any, Scope]]: ...
    def overrides(self, path: str) -> Sequence[tuple[Scope, Any]]: ...


def scope_badge(scope: Scope) -> str:
    """A scope's badge (``SCOPE_BADGES``) as HTML: white text on the scope's colour. The
    notebook widgets show the same badge (through ``workbench.views.presentation``)."""
    badge = SCOPE_BADGES[scope]
    return (
        f"<span class='wb-badge wb-badge-{escape(scope)}' style='background:{badge.colour};"
        f"color:white;border-radius:8px;padding:1px 7px;font-size:11px'>"
        f"{escape(badge.label)}</span>"
    )


def _thumb(url: str | None, size: int) -> str:
    if url and url.startswith(("http://", "https://")):
        return f"<img src='{escape(url)}' style='max-width:{size}px;max-height:{size}px'>"
    return ""


POSTER_SIDE = 160


def _poster(item: GenerationRecord, size: int) -> str:
    """A video's first frame as an inline JPEG (``size`` px on its long side at most), or its
    http(s) thumbnail as a link, or nothing. Only the first frame is ever decoded, and only
    from a file on this machine; a frame cache hit decodes nothing."""
    from workbench.errors import MediaError
    from workbench.media.frames import shared_cache

    jpeg = shared_cache().poster(item.location, max_side=size)
    thumb = item.thumbnail_url or ""
    if jpeg is None and thumb.startswith("file:"):  # Reigh's thumbnail is the first frame too
        from urllib.parse import unquote, urlparse

        from workbench.media.images import image_thumbnail

        try:
            jpeg = image_thumbnail(Path(unquote(urlparse(thumb).path)), max_side=size)
        except (OSError, MediaError, ValueError):
            jpeg = None
    if jpeg is None:
        return _thumb(thumb, size)
    data = base64.b64encode(jpeg).decode("ascii")
    return (
        f"<img class='wb-poster' alt='first frame' src='data:image/jpeg;base64,{data}' "
        f"style='max-width:{size}px;max-height:{size}px'>"
    )


def _rows(rows: list[list[str]], header: list[str]) -> str:
    head = "".join(f"<th {CELL}>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td {CELL}>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"{TABLE}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def generation_html(item: GenerationRecord) -> str:
    star = "★" if item.starred else "☆"
    facts = [
        ["prompt", escape(item.prompt or "")],
        ["type", escape(item.type or "")],
        ["tool", escape(item.tool_type or "")],
        ["created", f"{item.created_at:%Y-%m-%d %H:%M}"],
        ["variants", str(item.variant_count)],
        ["shots", str(len(item.shot_ids))],
        ["id", f"<code>{item.id}</code>"],
    ]
    if item.timeline_frame is not None:
        facts.insert(4, ["frame", str(item.timeline_frame)])
    table = "".join(f"<tr><th {CELL}>{k}</th><td {CELL}>{v}</td></tr>" for k, v in facts)
    is_video = "video" in (item.type or "")
    thumb = _poster(item, POSTER_SIDE) if is_video else _thumb(item.thumbnail_url, 160)
    return (
        f"<div class='wb-generation' style='display:flex;gap:10px'>{thumb}"
        f"<div><b>{star} {escape(item.type or 'generation')}</b>{TABLE}{table}</table></div></div>"
    )


def page_html(page: PageRecord) -> str:
    header = (
        f"<b>{escape(page.mode)} page {page.page} of {page.pages}</b> · {len(page.items)} of "
        f"{escape(page.total_label)} · {escape(page.filters.describe())}"
    )
    rows = [
        [
            str(index),
            _thumb(item.thumbnail_url, 64),
            "★" if item.starred else "☆",
            escape(item.type or ""),
            escape((item.prompt or "")[:80]),
            escape(item.tool_type or ""),
            f"{item.created_at:%Y-%m-%d %H:%M}",
            f"<code>{str(item.id)[:8]}</code>",
        ]
        for index, item in enumerate(page.items)
    ]
    columns = ["#", "", "★", "type", "prompt", "tool", "created", "id"]
    return f"<div class='wb-page'>{header}{_rows(rows, columns)}</div>"


def settings_html(resolved: SettingsRecord) -> str:
    rows = []
    for path, value, scope in resolved:
        overridden = ", ".join(f"{s} {json.dumps(v)}" for s, v in resolved.overrides(path))
        rows.append([
            f"<code>{escape(path)}</code>", escape(_short(value)), scope_badge(scope),
            escape(overridden),
        ])  # fmt: skip
    table = _rows(rows, ["field", "value", "scope", "overrides"])
    return f"<div class='wb-settings-table'><b>{escape(resolved.tool_id)}</b>{table}</div>"


def _short(value: Any, width: int = 80) -> str:
    text = json.dumps(value)
    return text if len(text) <= width else text[: width - 1] + "…"
