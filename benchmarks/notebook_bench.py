"""Notebook gallery: bytes sent to the browser for a 100-item page, and time from display to
every image shown, against a baseline that sends the originals (what a hand-written ipywidgets
grid does). Both run in the same process, on the same 100 photo-sized uploads.

Run: python benchmarks/notebook_bench.py   (own embedded PostgreSQL in a temp dir; ~1 minute)

Two measurements:
- in process: the widgets' state and binary buffers a display sends (no browser needed);
- in a real browser, when Debian's Chromium and Playwright are installed: JupyterLab on
  127.0.0.1, bytes received on the kernel websocket and time from the click that displays the
  gallery to the last <img> decoded.
"""

from __future__ import annotations

import io
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import ipywidgets as W
from ipywidgets.widgets import widget as widget_module
from ipywidgets.widgets.widget import _remove_buffers
from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
ITEMS = 100
SIZE = (1344, 768)  # a common SDXL output size
PROJECT = "Photos"


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


def prepare(home: Path) -> None:
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
        results = wb.upload(folder, project_id=wb.project(PROJECT).id)
        assert all(r.status == "uploaded" for r in results), results
    originals = sum(p.stat().st_size for p in folder.iterdir())
    print(f"{ITEMS} uploads of {SIZE[0]}x{SIZE[1]} JPEG, {originals / 1e6:.1f} MB of originals")


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


# -- in process -------------------------------------------------------------------------------
def state_bytes(make: Any, wb: Any) -> tuple[int, int, float]:
    """(widgets, bytes of state + buffers, seconds to build) for a fresh widget tree."""
    before = set(widget_module._instances)
    started = time.perf_counter()
    root = make(wb)
    elapsed = time.perf_counter() - started
    created = [widget_module._instances[k] for k in set(widget_module._instances) - before]
    total = 0
    for widget in created:
        state, _, buffers = _remove_buffers(widget.get_state())
        total += len(json.dumps(state)) + sum(len(b) for b in buffers)
    root.close()
    return len(created), total, elapsed


def in_process() -> None:
    import workbench

    with workbench.connect() as wb:
        wb.generations(wb.project(PROJECT).id, limit=ITEMS)  # warm the query cache for both
        base = state_bytes(naive, wb)
        mine = state_bytes(ours, wb)
    print("\nin process (state + binary buffers a display sends):")
    print(f"  originals grid : {base[0]:4d} widgets {base[1] / 1e6:7.2f} MB  built in "
          f"{base[2] * 1000:6.0f} ms")  # fmt: skip
    print(f"  workbench      : {mine[0]:4d} widgets {mine[1] / 1e6:7.2f} MB  built in "
          f"{mine[2] * 1000:6.0f} ms")  # fmt: skip
    print(f"  bytes ratio {mine[1] / base[1]:.3f}x  build-time ratio {mine[2] / base[2]:.2f}x")


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
def show(make):
    def click(_):
        out.clear_output()
        with out:
            display(make(wb))
    return click
buttons[0].on_click(show(ours))
buttons[1].on_click(show(naive))
buttons[2].on_click(lambda _: out.clear_output())
W.VBox([W.HBox(buttons), out])
"""

# n images decoded (the gallery's hidden detail preview is an empty image: not counted).
ALL_SHOWN = """n => [...document.querySelectorAll('.jp-OutputArea-output img.widget-image')]
  .filter(i => i.complete && i.naturalWidth > 0).length >= n"""


def in_browser(home: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from browser.lab import CHROMIUM, CHROMIUM_ARGS, WebSocketBytes, run_notebook, running_lab

    try:
        import nbformat
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        print(f"\nin a browser: skipped ({exc})")
        return
    if not CHROMIUM.exists():
        print(f"\nin a browser: skipped ({CHROMIUM} is missing)")
        return
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(NOTEBOOK_SETUP)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}  # fmt: skip
    results: dict[str, list[tuple[int, float]]] = {"naive": [], "ours": []}
    with running_lab(home / "lab", dict(os.environ)) as lab, sync_playwright() as playwright:
        nbformat.write(notebook, lab.root_dir / "bench.ipynb")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(120_000)
        counter = WebSocketBytes()
        page.on("websocket", counter.attach)
        run_notebook(page, lab.url, "bench.ipynb", timeout=120)
        for _ in range(3):
            for name in ("naive", "ours"):
                page.get_by_role("button", name="clear").click()
                page.wait_for_function(
                    "() => !document.querySelector('.jp-OutputArea-output img.widget-image')"
                )
                counter.reset()
                started = time.perf_counter()
                page.get_by_role("button", name=name, exact=True).click()
                page.wait_for_function(ALL_SHOWN, arg=ITEMS, polling="raf")
                elapsed = time.perf_counter() - started
                page.wait_for_timeout(300)  # let trailing frames (after the images) arrive
                results[name].append((counter.received, elapsed))
        browser.close()
    print("\nin JupyterLab + Chromium (kernel websocket bytes; click → all images decoded):")
    for name, runs in results.items():
        label = "originals grid" if name == "naive" else "workbench"
        shown = ", ".join(f"{b / 1e6:.2f} MB {t * 1000:.0f} ms" for b, t in runs)
        print(f"  {label:<14} : {shown}")
    (nb, nt), (ob, ot) = results["naive"][-1], results["ours"][-1]
    print(
        f"  bytes ratio {ob / nb:.3f}x  time ratio {ot / nt:.2f}x (last of 3 runs; first "
        f"display of ours {results['ours'][0][1] * 1000:.0f} ms with cold thumbnails)"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        started = time.perf_counter()
        prepare(home)
        print(f"prepared in {time.perf_counter() - started:.1f} s")
        try:
            in_process()
            in_browser(home)
        finally:
            from workbench.config import Config
            from workbench.db.embedded import EmbeddedPostgres

            EmbeddedPostgres(Config.load().paths.postgres_dir).stop()


if __name__ == "__main__":
    main()
