"""The gallery's text is readable in JupyterLab's light and dark themes (issue 18): every
visible piece of text inside ``.wb-gallery`` (captions, buttons, the status line, badges,
also under the pointer) has a WCAG contrast of at least 4.5:1 against the background it is
drawn on, as the browser computes both (the theme's variables resolved, ancestors' colours
and opacities composed)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import nbformat
import pytest
from browser.lab import LabServer, run_notebook

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow
PROJECT = "Neon Coastline"
MINIMUM = 4.5  # WCAG AA for normal text

# For each visible element under ``root`` with text of its own (or a form control's value):
# its text colour and the background it sits on, both as the browser resolved them, and
# their contrast. The background is the first ancestor-or-self layers composed from the
# bottom up (a translucent hover colour over the tile over the notebook); opacity multiplies
# down the chain. Disabled controls are exempt (WCAG 1.4.3), as is text over a picture
# (a background image: no single colour to measure against) and text faded out (opacity
# near 0: a hover overlay not shown; it is measured while hovered).
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
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const found = [];
  for (const el of [root, ...root.querySelectorAll('*')]) {
    const control = ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName);
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!(own || (control && (el.value || '').trim())) || !visible(el)) continue;
    if (el.closest(':disabled, [aria-disabled=true], .wb-viewer:not(.wb-open)')) continue;
    if (el.tagName === 'INPUT' && ['checkbox', 'radio', 'range'].includes(el.type)) continue;
    let layers = [], opacity = 1, picture = false;
    for (let node = el; node; node = node.parentElement) {
      const s = getComputedStyle(node);
      opacity *= Number(s.opacity);
      if (s.backgroundImage && s.backgroundImage !== 'none' && node !== document.body
          && !s.backgroundImage.startsWith('linear-gradient')) picture = true;
      const bg = parse(s.backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
    }
    if (picture || opacity < 0.1) continue;  // over a picture, or not shown (a hover overlay)
    let background = [255, 255, 255, 1];
    for (const layer of layers.reverse()) background = over(layer, background);
    const fg = parse(getComputedStyle(el).color);
    fg[3] *= opacity;
    const text = over(fg, background);
    const name = el.tagName.toLowerCase() + [...el.classList].map(c => '.' + c).join('');
    found.push({name, text: (own ? el.textContent : el.value).trim().slice(0, 30),
      ratio: Math.round(ratio(text, background) * 100) / 100,
      color: getComputedStyle(el).color, background: 'rgb(' + background.slice(0, 3)
        .map(Math.round).join(',') + ')'});
  }
  return found;
}"""


def worst(page: Page, what: str) -> list[dict[str, Any]]:
    """Every text element of the first gallery, worst contrast first (``what`` names the
    situation in a failure message)."""
    gallery = page.locator(".wb-gallery").first
    found: list[dict[str, Any]] = gallery.evaluate(CONTRAST_JS)
    assert found, f"{what}: no text in the gallery"
    # Enough of each kind the issue names: captions, buttons, the status line.
    names = " ".join(item["name"] for item in found)
    assert "button" in names, f"{what}: no button text measured: {names}"
    for item in found:
        item["situation"] = what
    return sorted(found, key=lambda item: item["ratio"])


def measure(page: Page, theme: str) -> list[dict[str, Any]]:
    """The gallery as shown, then with the pointer on the first tile (a hover style)."""
    found = worst(page, f"{theme}")
    page.locator(".wb-tile").first.hover()
    page.wait_for_timeout(300)  # CSS transitions
    found += worst(page, f"{theme}, hovering the first tile")
    tile = page.locator(".wb-tile .wb-tile-caption, .wb-tile .wb-details").first
    tile.hover(force=True)  # the new grid overlays its caption: the tile takes the pointer
    page.wait_for_timeout(300)
    found += worst(page, f"{theme}, hovering the first caption")
    page.mouse.move(0, 0)
    return sorted(found, key=lambda item: item["ratio"])


def test_gallery_text_is_readable_in_the_light_and_dark_themes(
    start_lab: Callable[..., LabServer], page: Page, demo_dsn: str, demo_assets: Any
) -> None:
    lab = start_lab(
        {**os.environ, "WORKBENCH_DSN": demo_dsn, "WORKBENCH_ASSETS_DIR": str(demo_assets)}
    )
    cell = (
        "import workbench\nfrom workbench.widgets import Gallery\n"
        f"Gallery(workbench.connect(), project={PROJECT!r}, limit=12)"
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}  # fmt: skip
    nbformat.write(notebook, lab.root_dir / "theme.ipynb")
    run_notebook(page, lab.url, "theme.ipynb", timeout=120)
    page.locator(".wb-gallery .wb-tile").first.wait_for()
    assert page.evaluate("document.body.dataset.jpThemeLight") == "true"
    found = measure(page, "JupyterLab Light")

    # The dark theme, as a user picks it: Settings → Theme → JupyterLab Dark.
    page.get_by_role("menuitem", name="Settings", exact=True).click()
    page.locator(".lm-Menu-item", has_text="Theme").first.hover()
    page.locator(".lm-Menu-item", has_text="JupyterLab Dark").first.click()
    page.wait_for_function("() => document.body.dataset.jpThemeName === 'JupyterLab Dark'")
    page.wait_for_timeout(500)  # the theme's stylesheet applied
    found += measure(page, "JupyterLab Dark")

    for theme in ("JupyterLab Light", "JupyterLab Dark"):
        measured = [item for item in found if item["situation"].startswith(theme)]
        least = min(measured, key=lambda item: item["ratio"])
        print(
            f"{theme}: {len(measured)} texts measured, the least contrast {least['ratio']}:1 "
            f"({least['name']} {least['text']!r}, {least['situation']})"
        )
    # The worst element of each kind (tag and classes) in each theme, worst first.
    failing: dict[tuple[str, str], dict[str, Any]] = {}
    for item in found:
        kind = (item["name"], item["situation"].partition(",")[0])
        if item["ratio"] < MINIMUM and kind not in failing:
            failing[kind] = item
    shown = "\n".join(
        f"  {item['ratio']:5.2f}:1 {item['name']} {item['text']!r} ({item['color']} on "
        f"{item['background']}; {item['situation']})"
        for item in failing.values()
    )
    assert not failing, f"text below {MINIMUM}:1, the worst of each kind:\n{shown}"
