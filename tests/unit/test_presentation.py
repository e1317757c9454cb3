"""Decisions every front end shares, pinned where each front end renders them: a scope's and a
save status's colour and word, a gallery tile's caption, how typed paths are split, which
uploaded files count as done, and the tool a settings view opens."""

from __future__ import annotations

import inspect
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from rich.style import Style
from rich.text import Text

from workbench.errors import ValidationError
from workbench.models import Generation
from workbench.settings import resolve
from workbench.settings.registry import DEFAULT_TOOL
from workbench.settings.scopes import SCOPE_BADGES, SCOPES, Scope
from workbench.tui.components import gallery as tui_gallery
from workbench.tui.components import settings as tui_settings
from workbench.views import SettingsState
from workbench.views import uploads as upload_view
from workbench.views.cards import (
    CAPTION_TEXT,
    NEW_BADGE,
    SELECTED,
    SHOT_BADGE,
    UNPOSITIONED_BADGE,
    VARIANTS_BADGE,
    card,
)
from workbench.views.downloads import size_text
from workbench.views.gallery import caption
from workbench.views.settings import FieldRow, FieldStatus
from workbench.views.uploads import FileRow, UploadState, count_done, split_paths
from workbench.widgets import grid as nb_grid
from workbench.widgets import settings as nb_settings
from workbench.widgets import workbench as nb_workbench

STATUSES: tuple[FieldStatus, ...] = ("saved", "saving", "failed")
HTML_BADGE = re.compile(r"wb-badge-(\w+)' style='background:(#[0-9a-f]{6});[^>]*>([^<]*)</span>")


def markup(rich: str) -> tuple[str, str]:
    """(colour, word) of a one-style Rich markup string, as the TUI draws it."""
    text = Text.from_markup(rich)
    (span,) = text.spans
    colour = Style.parse(str(span.style)).color
    assert colour is not None
    assert colour.triplet is not None
    return colour.triplet.hex, text.plain


def html_text(value: str) -> tuple[str, str]:
    """(colour, word) of a ``<span style='color:…'>word</span>``."""
    found = re.fullmatch(
        r"<span style='color:(?:var\(--jp-[a-z0-9-]+, )?(#[0-9a-f]{6})\)?'>([^<]*)</span>", value
    )
    assert found, value
    return found.group(1), found.group(2)


def notebook_badge(scope: Scope) -> tuple[str, str]:
    """(colour, word) of the badge the settings widget shows for a field set at ``scope``."""
    row = nb_settings.FieldWidgets("prompt")
    try:
        row.show(FieldRow("prompt", "dusk", scope, ()), ("user", "project"))
        (found,) = HTML_BADGE.findall(row.scope.value)
    finally:
        row.close()
    assert found[0] == scope
    return found[1], found[2]


def repl_badges() -> dict[str, tuple[str, str]]:
    """(colour, word) per scope, from the REPL's HTML table of resolved settings."""
    layers: dict[Scope, Any] = {"user": {"a": 1}, "project": {"b": 2}, "shot": {"c": 3}}
    html = resolve(DEFAULT_TOOL, layers)._repr_html_()
    return {scope: (colour, word) for scope, colour, word in HTML_BADGE.findall(html)}


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scope", SCOPES)
def test_a_scope_has_one_colour_and_label_in_the_tui_the_notebook_and_the_repl(
    scope: Scope,
) -> None:
    badge = SCOPE_BADGES[scope]
    shared = (badge.colour, badge.label)
    assert markup(tui_settings.BADGES[scope]) == shared
    assert tui_settings.BADGES[scope].startswith("[b ")  # bold, as a badge
    assert notebook_badge(scope) == shared
    assert repl_badges()[scope] == shared


def test_the_scope_palette_is_distinct_and_reads_on_light_and_dark_backgrounds() -> None:
    colours = [SCOPE_BADGES[s].colour for s in SCOPES]
    assert len(set(colours)) == len(colours)
    assert [SCOPE_BADGES[s].label for s in SCOPES] == list(SCOPES)
    for colour in colours:
        # as text on a light or a dark theme, and under the badge's white text
        assert contrast(colour, "#ffffff") >= 3.5, colour
        assert contrast(colour, "#121212") >= 3.5, colour


@pytest.mark.parametrize("status", STATUSES)
def test_a_save_status_has_one_word_and_colour_in_the_tui_and_the_notebook(
    status: FieldStatus,
) -> None:
    assert markup(tui_settings.STATUS[status]) == html_text(nb_settings.status_html(status))


def item(**changes: Any) -> Generation:
    fields: dict[str, Any] = {
        "id": uuid.uuid4(), "project_id": uuid.uuid4(), "type": "image", "location": None,
        "thumbnail_url": None, "params": {}, "name": None, "starred": False,
        "created_at": datetime(2024, 5, 1, tzinfo=UTC), "updated_at": None, "based_on": None,
        "parent_generation_id": None, "primary_variant_id": None, "task_id": None,
        "prompt": "a lighthouse at dusk", "tool_type": DEFAULT_TOOL, "variant_count": 1,
        "unviewed_variant_count": 0, "shot_ids": (),
    }  # fmt: skip
    fields.update(changes)
    return Generation(**fields)


@pytest.mark.parametrize(
    ("generation", "lines"),
    [
        (item(), ("image", "a lighthouse at dusk")),
        (item(starred=True, type="video", timeline_frame=9, prompt="dusk"), ("▶ video @9", "dusk")),
        (item(prompt=None, params={"original_filename": "sun.png"}), ("image", "sun.png")),
        (item(prompt="x" * 100), ("image", "x" * (CAPTION_TEXT - 1) + "…")),
    ],
)  # fmt: skip
def test_the_tui_and_the_notebook_caption_a_tile_with_the_same_text(
    generation: Generation, lines: tuple[str, str]
) -> None:
    assert caption(generation) == lines
    tile = nb_grid.tile_json(0, generation, card(generation))  # what the grid's tile shows
    notebook = [tile["kind"], tile["text"]]
    star = "★" if generation.starred else "☆"
    assert notebook == list(lines)
    assert tui_gallery.caption(card(generation)).split("\n") == [f"{star} {lines[0]}", lines[1]]


@pytest.mark.parametrize(
    ("typed", "paths"),
    [
        ("a.png b.png", ["a.png", "b.png"]),
        (" /x/a.png , /x/b.png ", ["/x/a.png", "/x/b.png"]),
        ("a.png,b.png,,", ["a.png", "b.png"]),
        ("'my file.png' \"a, b.png\"", ["my file.png", "a, b.png"]),
        ("my\\ file.png", ["my file.png"]),
        ("take#2.png", ["take#2.png"]),
        ("~/shots/", ["~/shots/"]),
        ("", []),
    ],
)
def test_typed_paths_are_split_by_spaces_or_commas_with_quotes(
    typed: str, paths: list[str]
) -> None:
    assert split_paths(typed) == paths


def test_a_backslash_is_a_folder_separator_on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upload_view, "_ESCAPE", "")
    assert split_paths(r"C:\shots\a.png, 'C:\my shots\b.png'") == [
        r"C:\shots\a.png",
        r"C:\my shots\b.png",
    ]


def test_an_unclosed_quote_is_an_error_not_a_guess() -> None:
    with pytest.raises(ValidationError, match="closing quotation"):
        split_paths("'a.png b.png")


def test_files_done_are_uploaded_or_already_there_never_failed() -> None:
    assert count_done(["uploaded", "duplicate", "failed", "queued", "uploading"]) == 2
    files = (FileRow("a", "uploaded"), FileRow("b", "failed"), FileRow("c", "uploading"))
    assert UploadState(files=files).files_done == 1
    assert UploadState(files=files, running_done=1).files_done == 2  # c, still settling


def test_every_settings_view_opens_the_same_tool_by_default() -> None:
    assert SettingsState().tool_id == DEFAULT_TOOL
    for widget in (nb_settings.Settings, nb_workbench.Workbench):
        assert inspect.signature(widget).parameters["tool"].default == DEFAULT_TOOL


def test_card_badges_say_new_variants_and_shots_in_the_shots_order() -> None:
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    names = {first: "opening", second: "middle", third: "finale"}
    shown = card(
        item(variant_count=3, unviewed_variant_count=2, shot_ids=(third, first),
             positioned_shot_ids=(first,), starred=True, tool_type="image-generation"),
        names,
    )  # fmt: skip
    assert [b.label for b in shown.badges] == [
        "2 new", "3 variants", "opening", "finale (unpositioned)",
    ]  # fmt: skip
    assert shown.summary == (
        "★ image · a lighthouse at dusk · image-generation · 2 new · 3 variants · opening · "
        "finale (unpositioned)"
    )
    # one variant and none new: no badge at all (Reigh shows the count only above 1)
    assert card(item(variant_count=1, unviewed_variant_count=0)).badges == ()


def test_card_colours_read_on_light_and_dark_backgrounds_and_under_white_text() -> None:
    colours = {NEW_BADGE, VARIANTS_BADGE, SHOT_BADGE, UNPOSITIONED_BADGE, SELECTED}
    for colour in colours:
        assert contrast(colour, "#ffffff") >= 3.5, colour
        assert contrast(colour, "#121212") >= 3.5, colour
    for badge in (NEW_BADGE, VARIANTS_BADGE, SHOT_BADGE, UNPOSITIONED_BADGE):
        assert contrast(badge, "#ffffff") >= 4.5, badge  # white 10-11 px text on it
    assert NEW_BADGE != VARIANTS_BADGE
    assert SHOT_BADGE != UNPOSITIONED_BADGE


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (740, "740 B"),
        (48_000, "48 kB"),
        (3_100_000, "3.1 MB"),
        (1_240_000_000, "1.24 GB"),
    ],
)
def test_a_download_size_never_reads_as_zero_megabytes(size: int, text: str) -> None:
    assert size_text(size) == text
