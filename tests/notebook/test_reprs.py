"""The REPL records' notebook HTML and ``GenerationPage.to_pandas()``."""

from __future__ import annotations

import dataclasses
import sys

import pytest

from workbench.client import Workbench
from workbench.errors import WorkbenchError


def test_generation_html_is_escaped_and_shows_http_thumbnails_only(demo_wb: Workbench) -> None:
    item = demo_wb.generations(demo_wb.projects()[0].id, limit=1)[0]
    hostile = dataclasses.replace(item, prompt="<script>alert(1)</script> & co")
    html = hostile._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert str(item.id) in html
    assert "<img" not in html, "a file:// thumbnail cannot load in a browser"
    public = dataclasses.replace(item, thumbnail_url="https://cdn.example/t.jpg")
    assert "<img src='https://cdn.example/t.jpg'" in public._repr_html_()


def test_page_html_has_one_row_per_item(demo_wb: Workbench) -> None:
    page = demo_wb.generations(demo_wb.projects()[0].id, media_type="image", limit=7)
    html = page._repr_html_()
    assert html.count("<tr>") == 1 + len(page) == 8
    assert f"page 1 of {page.pages}" in html
    assert "images" in html  # the filters, described


def test_settings_html_shows_scope_and_what_it_overrides(demo_wb: Workbench) -> None:
    project = demo_wb.projects()[0]
    resolved = demo_wb.settings("travel-between-images", project_id=project.id)
    html = resolved._repr_html_()
    row = html[html.index("amountOfMotion") :].split("</tr>")[0]
    assert "wb-badge-project" in row
    assert "user 40, defaults 50" in row
    assert html.count("<tr>") == 1 + len(list(resolved))


def test_to_pandas(demo_wb: Workbench) -> None:
    page = demo_wb.generations(demo_wb.projects()[0].id, limit=9)
    frame = page.to_pandas()
    assert len(frame) == 9
    assert list(frame["id"]) == [item.id for item in page]
    assert {"type", "starred", "prompt", "created_at", "location", "shot_ids"} <= set(frame)
    assert frame["starred"].dtype == bool


def test_to_pandas_without_pandas_says_what_to_install(
    demo_wb: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    page = demo_wb.generations(demo_wb.projects()[0].id, limit=2)
    with pytest.raises(WorkbenchError, match="pip install pandas"):
        page.to_pandas()
