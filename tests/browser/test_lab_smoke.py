"""The browser harness works end to end: widgets rendered by JupyterLab in Chromium call back
into the kernel, and the websocket counter sees the bytes of a displayed image.

Kept as the harness's own proof so a failing widget test can be told apart from a broken
harness (JupyterLab, Chromium, Playwright or the kernelspec).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from browser.lab import LabServer, WebSocketBytes, run_notebook, write_notebook
from waiting import wait_until

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow

CELLS = [
    """\
import json, os, pathlib, sys, threading
import ipywidgets as widgets
out = pathlib.Path(os.environ["SMOKE_OUT"])
kernel = {"executable": sys.executable, "ipython_dir": get_ipython().profile_dir.location}
(out / "kernel.json").write_text(json.dumps(kernel))""",
    """\
button = widgets.Button(description="Press me")
label = widgets.Label("waiting")

def on_click(_):
    (out / "clicked.txt").write_text("clicked")
    # Widget updates from another thread reach the browser too.
    threading.Timer(0.1, lambda: setattr(label, "value", "set from a thread")).start()

button.on_click(on_click)
widgets.HBox([button, label])""",
    """\
text = widgets.Text(placeholder="type here", continuous_update=False)
text.observe(lambda change: (out / "text.txt").write_text(change["new"]), names="value")
text""",
    "",  # an empty cell never runs; run_notebook must not wait for it
    """\
import io
from PIL import Image
image = widgets.Image(format="png")
show = widgets.Button(description="Show image")

def on_show(_):
    noise = Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, format="png")
    (out / "png_size.txt").write_text(str(buffer.tell()))
    image.value = buffer.getvalue()

show.on_click(on_show)
widgets.VBox([show, image])""",
]


def _wait_for_file(path: Path, timeout: float = 15) -> str:
    """The file's text once a kernel-side handler has written it (handlers run async)."""
    return wait_until(  # empty: being written
        lambda: path.exists() and path.read_text(), what=f"{path.name} to be written",
        timeout=timeout, poll=0.05,
    )  # fmt: skip


def test_widgets_round_trip_in_a_real_browser(
    start_lab: Callable[..., LabServer], page: Page, ws_bytes: WebSocketBytes, tmp_path: Path
) -> None:
    from playwright.sync_api import expect  # here: the page fixture skips without playwright

    out = tmp_path / "out"
    out.mkdir()
    started = time.monotonic()
    lab = start_lab({**os.environ, "SMOKE_OUT": str(out)})
    up = time.monotonic()
    write_notebook(lab.root_dir / "smoke.ipynb", CELLS)

    run_notebook(page, lab.url, "smoke.ipynb", ws_bytes=ws_bytes)
    ran = time.monotonic()
    run_all_bytes = ws_bytes.received

    # The kernel runs this interpreter, with Jupyter's dirs inside the test's tmp dir.
    kernel = json.loads((out / "kernel.json").read_text())
    assert kernel["executable"] == sys.executable
    assert Path(kernel["ipython_dir"]).is_relative_to(tmp_path)

    page.get_by_role("button", name="Press me").click()
    assert _wait_for_file(out / "clicked.txt") == "clicked"
    expect(page.get_by_text("set from a thread", exact=True)).to_be_visible()  # not the cell source

    # Typed key by key: JupyterLab's command-mode shortcuts (b, d d, z, x) must not fire.
    field = page.get_by_placeholder("type here")
    field.press_sequentially("bad dd zx")
    field.press("Enter")
    assert _wait_for_file(out / "text.txt") == "bad dd zx"
    expect(page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell")).to_have_count(
        len(CELLS)
    )

    ws_bytes.reset()
    page.get_by_role("button", name="Show image").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.widget-image')]"
        ".some(img => img.complete && img.naturalWidth === 200)"
    )
    png_size = int((out / "png_size.txt").read_text())
    assert png_size >= 100_000
    assert ws_bytes.received >= png_size, (ws_bytes, png_size)

    print(
        f"\nlab up {up - started:.2f} s, run-all {ran - up:.2f} s, "
        f"test {time.monotonic() - started:.2f} s; run-all sent {run_all_bytes} B; "
        f"image: {png_size} B png, {ws_bytes.received} B in {ws_bytes.frames} frames"
    )


def test_run_notebook_reports_what_went_wrong(
    start_lab: Callable[..., LabServer], page: Page
) -> None:
    lab = start_lab()
    write_notebook(lab.root_dir / "fails.ipynb", ["x = 1", "1 / 0", "print('never runs')"])
    with pytest.raises(AssertionError, match=r"(?s)ZeroDivisionError.*never runs"):
        run_notebook(page, lab.url, "fails.ipynb", timeout=30)

    broken_widget = """\
from ipywidgets import DOMWidget
from traitlets import Unicode

class Broken(DOMWidget):
    _model_module = _view_module = Unicode("no-such-module").tag(sync=True)
    _view_name = Unicode("BrokenView").tag(sync=True)

Broken()"""
    write_notebook(lab.root_dir / "broken-widget.ipynb", [broken_widget])
    with pytest.raises(AssertionError, match=r"(?s)\[widget\].*no-such-module"):
        run_notebook(page, lab.url, "broken-widget.ipynb", timeout=30)

    write_notebook(lab.root_dir / "no-kernelspec.ipynb", ["x = 1"], kernelspec=False)
    with pytest.raises(AssertionError, match="Select Kernel"):
        run_notebook(page, lab.url, "no-kernelspec.ipynb", timeout=30)
