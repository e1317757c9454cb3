"""HTML for the REPL records, so a notebook shows them as tables without any widget library.

Plain strings (no toolkit), escaped throughout: prompts and names are user text. An image is
only shown when its URL is http(s), because a browser cannot load the kernel's ``file://``
paths; the widgets send thumbnails themselves.

The records (``Generation``, ``GenerationPage``, ``ResolvedSettings``) render through this
module, so it takes them as the protocols below instead of importing them: an import back
would close a cycle.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from html import escape
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
    thumb = _thumb(item.thumbnail_url, 160)
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
