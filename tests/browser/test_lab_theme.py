"""The gallery's text is readable in JupyterLab's light and dark themes (issue 18): every
visible piece of text inside ``.wb-gallery`` (captions, buttons, the status line, badges,
also under the pointer) has a WCAG contrast of at least 4.5:1 against the background it is
drawn on, as the browser computes both (the theme's variables resolved, ancestors' colours
and opacities composed)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from browser.lab import LabServer, choose_theme, run_notebook, text_contrast, write_notebook

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow
PROJECT = "Neon Coastline"
MINIMUM = 4.5  # WCAG AA for normal text


def worst(page: Page, what: str) -> list[dict[str, Any]]:
    """Every text element of the first gallery, worst contrast first (``what`` names the
    situation in a failure message)."""
    found = text_contrast(page.locator(".wb-gallery").first, exempt=".wb-viewer:not(.wb-open)")
    assert found, f"{what}: no text in the gallery"
    # Enough of each kind the issue names: captions, buttons, the status line.
    names = " ".join(item["name"] for item in found)
    assert "button" in names, f"{what}: no button text measured: {names}"
    for item in found:
        item["situation"] = what
    return found


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
    write_notebook(lab.root_dir / "theme.ipynb", [cell])
    run_notebook(page, lab.url, "theme.ipynb", timeout=120)
    page.locator(".wb-gallery .wb-tile").first.wait_for()
    assert page.evaluate("document.body.dataset.jpThemeLight") == "true"
    found = measure(page, "JupyterLab Light")

    # The dark theme, as a user picks it: Settings → Theme → JupyterLab Dark.
    choose_theme(page, "JupyterLab Dark")
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
