"""Notebook gallery in JupyterLab + Chromium: from ``display()`` to the first tile painted and
to all 100 painted, and the bytes the kernel's websocket carried, against the "originals
grid" (what a hand-written notebook does: each original in an ``ipywidgets.Image``) in the
same run, on the same 100 photo-sized uploads.

Run: python benchmarks/notebook_bench.py [--repeat 3] [--scale 2]
(own embedded PostgreSQL in a temp dir; Debian's Chromium and Playwright; ~2 minutes)

Each display is a button click in the notebook (the kernel runs ``display(...)``); the page
is polled on every animation frame for the first tile whose picture is painted (an
``<img>`` complete with a natural width) and for all 100. Bytes: what the page received on
kernel websockets from the click until the last picture, plus 300 ms of trailing frames.
Figures are medians over ``--repeat`` displays of each grid, interleaved, after one warm-up
display of each (reported as "cold": the gallery's thumbnails are made then); they go to
``benchmarks/results/notebook-*.json``. Goal (issue 18): all painted no slower than the
originals grid, within 3 MB.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import ipywidgets as W
from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import results  # noqa: E402  (a script: benchmarks/ is not a package)

ITEMS = 100
SIZE = (1344, 768)  # a common SDXL output size
PROJECT = "Photos"
BUDGET_BYTES = 3_000_000


def photo(seed: int) -> bytes:
    """A photo-like JPEG: gradient sky, soft shapes, sensor-like noise (so it compresses like
    a real picture, not like flat demo art)."""
    rng = random.Random(seed)
    w, h = SIZE
    top = tuple(rng.randrange(256) for _ in range(3))
    bottom = tuple(rng.randrange(256) for _ in range(3))
    sky = Image.linear_gradient("L").resize((w, h))
    img = Image.composite(Image.new("RGB", SIZE, bottom), Image.new("RGB", SIZE, top), sky)
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y, r = rng.randrange(w), rng.randrange(h), rng.randrange(30, 260)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in "rgb"))
    img = img.filter(ImageFilter.GaussianBlur(3))
    noise = Image.effect_noise(SIZE, 28).convert("RGB")
    img = Image.blend(img, noise, 0.12)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def prepare(home: Path) -> int:
    """A workbench home with an embedded database holding one project of ``ITEMS`` uploads;
    returns the originals' total size."""
    os.environ["WORKBENCH_HOME"] = str(home)
    import workbench

    with workbench.connect() as wb:
        with wb.pool.connection() as conn:
            conn.execute(
                "INSERT INTO projects (name, user_id) VALUES (%s, %s)", (PROJECT, wb.user_id)
            )
        folder = home / "photos"
        folder.mkdir()
        for n in range(ITEMS):
            (folder / f"photo-{n:03d}.jpg").write_bytes(photo(n))
        uploaded = wb.upload(folder, project_id=wb.project(PROJECT).id)
        assert all(r.status == "uploaded" for r in uploaded), uploaded
    originals = sum(p.stat().st_size for p in folder.iterdir())
    print(f"{ITEMS} uploads of {SIZE[0]}x{SIZE[1]} JPEG, {originals / 1e6:.1f} MB of originals")
    return originals


# -- the two galleries (also the browser notebook's code) --------------------------------------
def ours(wb: Any) -> W.Widget:
    from workbench.widgets import Gallery

    return Gallery(wb, project=PROJECT, limit=ITEMS)


def naive(wb: Any) -> W.Widget:
    """What one writes by hand: each item's image file into an ipywidgets.Image."""
    page = wb.generations(wb.project(PROJECT).id, limit=ITEMS)
    images = [
        W.Image(value=Path(unquote(urlparse(g.location).path)).read_bytes(), format="jpeg",
                layout=W.Layout(width="160px"))
        for g in page
    ]  # fmt: skip
    return W.GridBox(images, layout=W.Layout(grid_template_columns="repeat(auto-fill, 170px)"))


# -- in a browser -----------------------------------------------------------------------------
NOTEBOOK_SETUP = f"""\
import sys
sys.path.insert(0, {str(ROOT / "benchmarks")!r})
import ipywidgets as W
import workbench
from notebook_bench import naive, ours
wb = workbench.connect()
wb.generations(wb.project({PROJECT!r}).id, limit={ITEMS})
out = W.Output()
buttons = [W.Button(description=name) for name in ("ours", "naive", "clear")]
shown = []
def show(make):
    def click(_):
        for widget in shown:
            widget.close()
        shown.clear()
        out.clear_output()
        with out:
            shown.append(make(wb))
            display(shown[-1])
    return click
def clear(_):
    for widget in shown:
        widget.close()
    shown.clear()
    out.clear_output()
buttons[0].on_click(show(ours))
buttons[1].on_click(show(naive))
buttons[2].on_click(clear)
W.VBox([W.HBox(buttons), out])
"""

# The pictures of each grid as the page shows them: the gallery's thumbnails, or the
# originals grid's images (the only images in the output area).
PICTURES = {
    "ours": ".jp-OutputArea-output .wb-tile img.wb-thumb",
    "naive": ".jp-OutputArea-output img.widget-image",
}
PAINTED_JS = """([selector, n]) => {
  const painted = [...document.querySelectorAll(selector)]
    .filter(i => i.complete && i.naturalWidth > 0).length;
  return n === 1 ? painted >= 1 : painted >= n;
}"""
EMPTY_JS = """selector => !document.querySelector(selector)"""
COUNT_JS = """selector => [...document.querySelectorAll(selector)]
  .filter(i => i.complete && i.naturalWidth > 0).length + ' (of ' +
  document.querySelectorAll(selector).length + ' img)'"""


def in_browser(home: Path, repeat: int, scale: float = 1) -> dict[str, Any]:
    """Figures of both grids (or the reason there are none): one untimed warm-up display
    of each, then ``repeat`` timed displays of each, interleaved (both grids share the
    machine's noise)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from browser.lab import (
        CHROMIUM,
        CHROMIUM_ARGS,
        WebSocketBytes,
        run_notebook,
        running_lab,
        write_notebook,
    )  # fmt: skip

    try:
        import nbformat  # noqa: F401  (write_notebook needs it: missing, say so here)
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        return {"skipped": str(exc)}
    if not CHROMIUM.exists():
        return {"skipped": f"{CHROMIUM} is missing"}
    samples: dict[str, list[tuple[float, float, int]]] = {"naive": [], "ours": []}
    with running_lab(home / "lab", dict(os.environ)) as lab, sync_playwright() as playwright:
        write_notebook(lab.root_dir / "bench.ipynb", [NOTEBOOK_SETUP])
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, device_scale_factor=scale)
        page.set_default_timeout(120_000)
        counter = WebSocketBytes()
        page.on("websocket", counter.attach)
        run_notebook(page, lab.url, "bench.ipynb", timeout=120)
        for _ in range(repeat + 1):  # the first of each: the warm-up (cold thumbnails)
            for name in ("naive", "ours"):
                samples[name].append(display(page, counter, name))
        browser.close()
    figures: dict[str, Any] = {}
    for name, runs in samples.items():
        (cold_first, cold_all, cold_bytes), timed = runs[0], runs[1:]
        figures[name] = {
            "first_tile_ms": round(statistics.median(r[0] for r in timed), 1),
            "all_painted_ms": round(statistics.median(r[1] for r in timed), 1),
            "bytes": int(statistics.median(r[2] for r in timed)),
            "cold": {
                "first_tile_ms": round(cold_first, 1),
                "all_painted_ms": round(cold_all, 1),
                "bytes": cold_bytes,
            },
            "runs": [[round(f, 1), round(a, 1), b] for f, a, b in timed],
        }
    return figures


def display(page: Any, counter: Any, name: str) -> tuple[float, float, int]:
    """One display of grid ``name`` from an empty output: (ms to the first tile painted, ms
    to all painted, bytes received on the kernel websocket)."""
    selector = PICTURES[name]
    page.get_by_role("button", name="clear").click()
    page.wait_for_function(EMPTY_JS, arg=selector)
    page.wait_for_timeout(300)  # the clear's own frames are not this display's
    counter.reset()
    started = time.perf_counter()
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_function(PAINTED_JS, arg=[selector, 1], polling="raf")
    first = time.perf_counter() - started
    try:
        page.wait_for_function(PAINTED_JS, arg=[selector, ITEMS], polling="raf")
    except Exception as exc:  # say how far it got: a grid that never finishes is a finding
        count = page.evaluate(COUNT_JS, selector)
        raise RuntimeError(f"{name}: {count} of {ITEMS} pictures painted, then no more") from exc
    painted = time.perf_counter() - started
    page.wait_for_timeout(300)  # trailing frames (after the pictures) still count as bytes
    return first * 1000, painted * 1000, counter.received


def report(figures: dict[str, Any]) -> None:
    """Both grids side by side, then the ratios and the goal."""
    if "skipped" in figures:
        print(f"\nin a browser: skipped ({figures['skipped']})")
        return
    print(f"\nJupyterLab + Chromium, {ITEMS} items (medians; kernel websocket bytes):")
    print(f"  {'':<15} {'first tile':>11} {'all painted':>12} {'bytes':>10}")
    for name, label in (("naive", "originals grid"), ("ours", "workbench")):
        f = figures[name]
        print(f"  {label:<15} {f['first_tile_ms']:>8.0f} ms {f['all_painted_ms']:>9.0f} ms "
              f"{f['bytes'] / 1e6:>7.2f} MB")  # fmt: skip
    ours, naive = figures["ours"], figures["naive"]
    cold_ours, cold_naive = ours["cold"]["all_painted_ms"], naive["cold"]["all_painted_ms"]
    print(f"  first display of each (the warm-up; the gallery makes its thumbnails): all "
          f"painted {cold_ours:.0f} ms vs {cold_naive:.0f} ms "
          f"({cold_ours / cold_naive:.2f}x)")  # fmt: skip
    ratios = {
        "first_tile": ours["first_tile_ms"] / naive["first_tile_ms"],
        "all_painted": ours["all_painted_ms"] / naive["all_painted_ms"],
        "bytes": ours["bytes"] / naive["bytes"],
    }
    figures["ratios"] = {k: round(v, 3) for k, v in ratios.items()}
    figures["goal"] = {
        "all_painted_no_slower": ours["all_painted_ms"] <= naive["all_painted_ms"],
        "within_3_mb": ours["bytes"] <= BUDGET_BYTES,
    }
    print(f"  ratios (workbench / originals): first tile {ratios['first_tile']:.2f}x, all "
          f"painted {ratios['all_painted']:.2f}x, bytes {ratios['bytes']:.3f}x")  # fmt: skip
    print(f"  goal: all painted no slower: {figures['goal']['all_painted_no_slower']}; "
          f"≤ 3 MB: {figures['goal']['within_3_mb']}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="displays timed per grid")
    parser.add_argument(
        "--scale", type=float, default=1, help="the browser's devicePixelRatio (2: HiDPI)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        started = time.perf_counter()
        originals = prepare(home)
        print(f"prepared in {time.perf_counter() - started:.1f} s")
        try:
            figures = in_browser(home, args.repeat, args.scale)
        finally:
            from workbench.config import Config
            from workbench.db.embedded import EmbeddedPostgres

            EmbeddedPostgres(Config.load().paths.postgres_dir).stop()
    report(figures)
    figures.update(
        items=ITEMS, size=list(SIZE), originals_bytes=originals, repeat=args.repeat,
        device_pixel_ratio=args.scale,
    )  # fmt: skip
    results.write("notebook", figures)


if __name__ == "__main__":
    main()
