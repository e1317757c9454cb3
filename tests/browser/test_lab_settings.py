"""The Settings widget in a real JupyterLab, in Debian's Chromium (issue 18): each field has
the control of its type (a number box, a checkbox, a dropdown of the known choices, text
without JSON quotes) under column headers; a refused value says "failed" with its reason and
writes nothing (the database is read to check); a valid edit says "saved" while untouched
rows say nothing; in JupyterLab's dark theme its text stays readable.

The dark theme is chosen as a user does: Settings menu → Theme → JupyterLab Dark (then
``document.body.dataset.jpThemeName`` says so)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from browser.lab import LabServer, choose_theme, run_notebook, text_contrast, write_notebook
from waiting import wait_until

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow
PROJECT = "Neon Coastline"
TOOL = "travel-between-images"
MINIMUM = 4.5  # WCAG AA for normal text


def stored(dsn: str) -> list[Any]:
    """Every settings column of the demo (users, projects, shots)."""
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT 'p', id, settings FROM projects UNION ALL SELECT 's', id, settings FROM shots"
            " UNION ALL SELECT 'u', id, settings FROM users ORDER BY 1, 2"
        ).fetchall()


def project_value(dsn: str, field: str) -> Any:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT settings -> %s -> %s FROM projects WHERE name = %s", (TOOL, field, PROJECT)
        ).fetchone()
    return row[0] if row else None


def test_typed_settings_editors_refusal_save_and_dark_theme(
    start_lab: Callable[..., LabServer], page: Page, demo_dsn: str, demo_assets: Path
) -> None:
    from playwright.sync_api import expect

    lab = start_lab(
        {**os.environ, "WORKBENCH_DSN": demo_dsn, "WORKBENCH_ASSETS_DIR": str(demo_assets)}
    )
    cell = (
        "import workbench\nfrom workbench.widgets import Settings\n"
        f"Settings(workbench.connect(), {TOOL!r}, project={PROJECT!r})"
    )
    write_notebook(lab.root_dir / "settings.ipynb", [cell])
    run_notebook(page, lab.url, "settings.ipynb", timeout=120)
    settings = page.locator(".wb-settings").first

    # Column headers, typed controls, and the connection's word in the status line.
    expect(settings.locator(".wb-settings-header")).to_have_text(
        ["field", "value", "type / default", "scope", "overrides", "status", "actions"]
    )
    expect(settings.locator(".wb-status .wb-connection[data-state=live]")).to_be_visible()
    motion = settings.locator(".wb-field-value-amountOfMotion input[type=number]")
    expect(motion).to_have_value("65")
    expect(settings.locator(".wb-field-value-enhancePrompt input[type=checkbox]")).to_be_visible()
    mode = settings.locator(".wb-field-value-generationMode select")
    expect(mode.locator("option")).to_have_text(["batch", "timeline", "by-pair"])
    prompt = settings.locator(".wb-field-value-prompt input[type=text]")
    assert not prompt.input_value().startswith('"'), "text shows without JSON quotes"
    expect(settings.locator(".wb-field-status-amountOfMotion")).to_have_text("")  # untouched

    # A refused value: "failed" and its reason beside the field; nothing written.
    before = stored(demo_dsn)
    motion.fill("99999999999999999999")
    motion.press("Enter")
    expect(settings.locator(".wb-field-status-amountOfMotion")).to_have_text("failed")
    expect(settings.locator(".wb-field-error-amountOfMotion")).to_contain_text(
        "9,007,199,254,740,991"
    )
    expect(settings.locator(".wb-status")).to_contain_text("1 failed")
    assert stored(demo_dsn) == before, "a refused value wrote something"

    # Valid edits: a number and a choice reach the database; their rows say "saved".
    motion.fill("33")
    motion.press("Enter")
    mode.select_option("batch")
    wait_until(lambda: (project_value(demo_dsn, "amountOfMotion"),
                        project_value(demo_dsn, "generationMode")) == (33, "batch"),
               what="the edits in the database", timeout=15, poll=0.1)  # fmt: skip
    expect(settings.locator(".wb-field-status-amountOfMotion")).to_have_text("saved")
    expect(settings.locator(".wb-field-status-generationMode")).to_have_text("saved")
    expect(settings.locator(".wb-field-error-amountOfMotion")).to_have_text("")
    expect(settings.locator(".wb-field-status-batchVideoSteps")).to_have_text("")

    # JupyterLab Dark, chosen as a user does: the settings' text stays readable.
    choose_theme(page, "JupyterLab Dark")
    # Scope badges are left out: white on the TUI's mid-tones, shared by every front end.
    found = text_contrast(settings, exempt=".wb-badge")
    names = {item["name"] for item in found}  # headers (b), values, field names, status
    for kind in ("b", "input.widget-input", "select", "code", "span.wb-connection"):
        assert kind in names, f"no {kind} text measured in the dark theme: {names}"
    failing = [item for item in found if item["ratio"] < MINIMUM]
    assert not failing, "below 4.5:1 in the dark theme: " + "; ".join(
        f"{item['ratio']}:1 {item['name']} {item['text']!r} ({item['color']})"
        for item in failing[:10]
    )
