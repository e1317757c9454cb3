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

import nbformat
import psycopg
import pytest
from browser.lab import LabServer, run_notebook
from waiting import wait_until

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow
PROJECT = "Neon Coastline"
TOOL = "travel-between-images"
MINIMUM = 4.5  # WCAG AA for normal text

# Each visible element with text of its own (or a form control's value) inside ``root``: its
# colour and the background it is drawn on (ancestors' colours composed), and their contrast.
# Scope badges are left out: white on the TUI's mid-tones, shared by every front end.
CONTRAST_JS = """root => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, bottom) => { const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    return [0, 1, 2].map(i => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a)
      .concat([a]); };
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05); };
  const found = [];
  for (const el of [root, ...root.querySelectorAll('*')]) {
    const control = ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName);
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    if (!(own || (control && (el.value || '').trim())) || !r.width || !r.height
        || s.visibility === 'hidden' || el.closest(':disabled, .wb-badge')) continue;
    if (el.tagName === 'INPUT' && ['checkbox', 'radio'].includes(el.type)) continue;
    let layers = [], opacity = 1;
    for (let node = el; node; node = node.parentElement) {
      const ns = getComputedStyle(node);
      opacity *= Number(ns.opacity);
      const bg = parse(ns.backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
    }
    let background = [255, 255, 255, 1];
    for (const layer of layers.reverse()) background = over(layer, background);
    const fg = parse(s.color);
    fg[3] *= opacity;
    found.push({name: el.tagName.toLowerCase() + [...el.classList].map(c => '.' + c).join(''),
      text: (own ? el.textContent : el.value).trim().slice(0, 30),
      ratio: Math.round(ratio(over(fg, background), background) * 100) / 100,
      color: s.color});
  }
  return found.sort((a, b) => a.ratio - b.ratio);
}"""


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
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}  # fmt: skip
    nbformat.write(notebook, lab.root_dir / "settings.ipynb")
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
    page.get_by_role("menuitem", name="Settings", exact=True).click()
    page.locator(".lm-Menu-item", has_text="Theme").first.hover()
    page.locator(".lm-Menu-item", has_text="JupyterLab Dark").first.click()
    page.wait_for_function("() => document.body.dataset.jpThemeName === 'JupyterLab Dark'")
    page.wait_for_timeout(500)  # the theme's stylesheet applied
    found: list[dict[str, Any]] = settings.evaluate(CONTRAST_JS)
    names = {item["name"] for item in found}  # headers (b), values, field names, status
    for kind in ("b", "input.widget-input", "select", "code", "span.wb-connection"):
        assert kind in names, f"no {kind} text measured in the dark theme: {names}"
    failing = [item for item in found if item["ratio"] < MINIMUM]
    assert not failing, "below 4.5:1 in the dark theme: " + "; ".join(
        f"{item['ratio']}:1 {item['name']} {item['text']!r} ({item['color']})"
        for item in failing[:10]
    )
