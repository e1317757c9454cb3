"""Pytest plugin for end-to-end tests of notebook widgets: real JupyterLab, real Chromium.

Register it with ``pytest_plugins = ["browser.lab"]`` (``tests/`` is on ``sys.path``). It gives:

- ``start_lab(env=None)``: a fixture returning a factory that starts JupyterLab in a subprocess
  (the kernel inherits ``env``) and returns a :class:`LabServer`; stopped at teardown.
- ``browser`` / ``page``: Playwright's sync API on Debian's ``/usr/bin/chromium``. Missing
  browser or playwright: skip, or fail when ``CI=true`` so CI never silently skips them.
- ``ws_bytes``: a :class:`WebSocketBytes` counting what the page receives from kernels.
- :func:`run_notebook`: open a notebook, run all cells from the Run menu, wait for them.

Why function-scoped Playwright: between its sync calls Playwright leaves its event loop marked
as *running* on the main thread (``asyncio._set_running_loop``). A longer-lived instance would
break every later asyncio test in the same worker (pytest-asyncio, Textual) with "Cannot run
the event loop while another loop is running". Stopping it clears that again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest
from preconditions import unavailable
from waiting import WaitTimeout, wait_until

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page, WebSocket

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]

# JupyterLab user settings (the user-settings dir is inside the test's tmp dir): no news/update
# toasts (they cover the notebook and ask to be clicked), no autosave (the file on disk stays
# what the test wrote), every cell attached to the DOM (run_notebook reads all prompts).
LAB_SETTINGS: dict[str, dict[str, Any]] = {
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


def _unavailable(reason: str) -> NoReturn:
    """Skip a browser test on a developer's machine; fail it in CI, where it must run."""
    unavailable(reason)


# --- what a user sees ---------------------------------------------------------------------

# For each visible element under ``root`` with text of its own (or a form control's value):
# its text colour and the background it sits on, both as the browser resolved them, and
# their contrast. The background is the first ancestor-or-self layers composed from the
# bottom up (a translucent hover colour over the tile over the notebook); opacity multiplies
# down the chain. Disabled controls are exempt (WCAG 1.4.3), as is text over a picture
# (a background image: no single colour to measure against) and text faded out (opacity
# near 0: a hover overlay not shown; it is measured while hovered), and whatever ``exempt``
# (a selector) matches.
CONTRAST_JS = """(root, exempt) => {
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
    if (el.closest(':disabled, [aria-disabled=true]' + (exempt ? ', ' + exempt : ''))) continue;
    if (el.tagName === 'INPUT' && ['checkbox', 'radio', 'range'].includes(el.type)) continue;
    let layers = [], opacity = 1, picture = false;
    for (let node = el; node; node = node.parentElement) {
      const s = getComputedStyle(node);
      opacity *= Number(s.opacity);
      // A picture behind the text, not the element's own icon (a <select>'s arrow).
      if (node !== el && s.backgroundImage && s.backgroundImage !== 'none' && node !== document.body
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


def text_contrast(root: Locator, exempt: str = "") -> list[dict[str, Any]]:
    """Every text under ``root`` with its contrast (WCAG) against what it is drawn on,
    worst first: ``name`` (tag and classes), ``text``, ``ratio``, ``color``, ``background``.
    ``exempt``: a selector for text not to measure (with its descendants)."""
    found: list[dict[str, Any]] = root.evaluate(CONTRAST_JS, exempt)
    return sorted(found, key=lambda item: item["ratio"])


def choose_theme(page: Page, theme: str = "JupyterLab Dark") -> None:
    """Choose a JupyterLab theme as a user does (Settings → Theme → ``theme``) and wait until
    it is applied."""
    page.get_by_role("menuitem", name="Settings", exact=True).click()
    page.locator(".lm-Menu-item", has_text="Theme").first.hover()
    page.locator(".lm-Menu-item", has_text=theme).first.click()
    page.wait_for_function("name => document.body.dataset.jpThemeName === name", arg=theme)
    page.wait_for_timeout(500)  # the theme's stylesheet applied


# --- JupyterLab ---------------------------------------------------------------------------


@dataclass
class LabServer:
    """A running JupyterLab: write notebooks into ``root_dir``, open them under ``url``."""

    url: str  # base URL, no trailing slash
    root_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log (kernel start-up errors land here), for failures."""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])


def _lab_env(base: Mapping[str, str], jupyter_dir: Path) -> dict[str, str]:
    """``base`` with Jupyter's own folders inside ``jupyter_dir``: nothing of ``~`` leaks in.

    The kernelspec ``python3`` still comes from this interpreter's environment:
    JUPYTER_PREFER_ENV_PATH puts ``sys.prefix/share/jupyter`` ahead of the (empty) user data
    dir and of system-wide dirs, where ipykernel installed ``kernels/python3`` with argv
    ``python -m ipykernel_launcher``; jupyter_client runs argv ``python`` as the *server's*
    ``sys.executable``, which is ours. Without that file ipykernel's built-in spec (also
    ``sys.executable``) is used. test_lab_smoke checks both ends.
    """
    env = {k: v for k, v in base.items() if k not in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH")}
    dirs = {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "IPYTHONDIR": "ipython",
    }
    for var, name in dirs.items():
        env[var] = str(jupyter_dir / name)
        (jupyter_dir / name).mkdir(parents=True, exist_ok=True)
    env["JUPYTER_PREFER_ENV_PATH"] = "1"
    env["JUPYTER_PLATFORM_DIRS"] = "1"  # the future default; silences a deprecation warning
    env["PYTHONUNBUFFERED"] = "1"
    settings = jupyter_dir / "config" / "lab" / "user-settings"
    for plugin, values in LAB_SETTINGS.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    return env


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@contextmanager
def running_lab(
    tmp_dir: Path, env: Mapping[str, str] | None = None, timeout: float = 60
) -> Iterator[LabServer]:
    """Run JupyterLab on a free port of 127.0.0.1 with notebooks in ``tmp_dir/notebooks``.

    ``python -m jupyterlab`` rather than ``python -m jupyter lab``: the ``jupyter`` launcher
    looks ``jupyter-lab`` up on PATH first and appends this environment's scripts dir *last*,
    so another environment's JupyterLab could answer. ``--port=0`` lets the OS pick the port
    and the server writes it to its info file (in our runtime dir): no race between two xdist
    workers choosing the same "free" port, where one would silently talk to the other's server.
    """
    root_dir = tmp_dir / "notebooks"
    root_dir.mkdir(parents=True, exist_ok=True)
    lab_env = _lab_env(os.environ if env is None else env, tmp_dir / "jupyter")
    log_path = tmp_dir / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        "--port=0",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--allow-root",
        f"--ServerApp.root_dir={root_dir}",
        # Offline and quiet: no news feed, no update check, no PyPI extension manager.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--ServerApp.log_level=INFO",
    ]
    with log_path.open("wb") as log:
        # Own process group: Ctrl+C in pytest does not hit the server before teardown does.
        process = subprocess.Popen(
            command,
            env=lab_env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LabServer("", root_dir, log_path, process)
    try:
        server.url = _wait_until_up(server, Path(lab_env["JUPYTER_RUNTIME_DIR"]), timeout)
        yield server
    finally:
        _stop(process)


def _wait_until_up(server: LabServer, runtime_dir: Path, timeout: float) -> str:
    """Base URL once ``/api/status`` answers; raise with the log's tail if it never does."""
    info_file = runtime_dir / f"jpserver-{server.process.pid}.json"
    url = ""

    def answering() -> str:
        nonlocal url
        if server.process.poll() is not None:
            return "exited"
        try:
            if not url and info_file.exists():
                url = f"http://127.0.0.1:{json.loads(info_file.read_text())['port']}"
            if url:
                _get_json(f"{url}/api/status")
                return "up"
        except (OSError, ValueError, KeyError):
            pass  # info file half-written or server not answering yet
        return ""

    with suppress(WaitTimeout):
        if wait_until(answering, what="JupyterLab", timeout=timeout, poll=0.1) == "up":
            return url
    code = server.process.poll()
    state = "timed out" if code is None else f"exited with {code}"
    raise RuntimeError(f"JupyterLab did not come up ({state}); log tail:\n{server.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets the server shut its kernels down; then kill whatever is left.

    Kernels run in sessions of their own (jupyter_client starts them with
    ``start_new_session``), so killing the server's process group would miss them: collect
    the whole process tree first.
    """
    import psutil  # ipykernel depends on it

    try:
        tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        tree = []
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    for proc in tree:
        with suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(tree, timeout=5)
    process.wait(timeout=5)


@pytest.fixture
def start_lab(tmp_path: Path) -> Iterator[Callable[..., LabServer]]:
    """Factory: ``start_lab(env=None)`` starts a JupyterLab whose kernels get ``env``.

    ``env`` defaults to ``os.environ`` at call time (including monkeypatched variables); pass
    e.g. ``{**os.environ, "WORKBENCH_DSN": dsn}`` to hand the kernel a database.
    """
    with ExitStack() as stack:
        count = 0

        def start(env: Mapping[str, str] | None = None, timeout: float = 60) -> LabServer:
            nonlocal count
            count += 1
            return stack.enter_context(running_lab(tmp_path / f"lab{count}", env, timeout))

        yield start


# --- Browser --------------------------------------------------------------------------------


@dataclass
class WebSocketBytes:
    """Bytes (and frames) the page received over kernel websockets since the last reset.

    Counts payloads as Playwright reports them (``str`` frames as UTF-8): the application
    data, after any permessage-deflate decompression. Events are delivered only while a
    Playwright call is in progress, so wait on something in the page (e.g. a locator) before
    reading the counter.
    """

    received: int = 0
    frames: int = 0

    def reset(self) -> None:
        self.received = self.frames = 0

    def attach(self, ws: WebSocket) -> None:
        """``page.on("websocket", ...)`` hook: count frames of kernel channels only."""
        if "/api/kernels/" in ws.url:
            ws.on("framereceived", self._on_frame)

    def _on_frame(self, payload: str | bytes) -> None:
        self.frames += 1
        self.received += len(payload.encode() if isinstance(payload, str) else payload)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    """Headless Debian Chromium driven by Playwright (which cannot download its own here).

    Its crash reports and dconf cache go to the test's tmp dir instead of ``~/.config`` and
    ``~/.cache``.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install playwright)")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        env = {
            **os.environ,
            "XDG_CONFIG_HOME": str(tmp_path / "chromium" / "config"),
            "XDG_CACHE_HOME": str(tmp_path / "chromium" / "cache"),
        }
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=env)
        yield browser
        browser.close()


@pytest.fixture
def ws_bytes() -> WebSocketBytes:
    return WebSocketBytes()


@pytest.fixture
def page(
    browser: Browser, ws_bytes: WebSocketBytes, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Page]:
    """A fresh page (own context: no shared storage) counting kernel bytes into ``ws_bytes``.

    On a failed test its screenshot is saved as ``tmp_path/failure.png``.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    # expect() polls until its condition holds; its own 5 s default is too short for a kernel
    # on 2 busy cores (a widget set from a kernel thread was seen to miss it under -n 2).
    from playwright.sync_api import expect  # here: the browser fixture skips without it

    expect.set_options(timeout=30_000)
    page.on("websocket", ws_bytes.attach)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        with suppress(Exception):  # a crashed page must not hide the test's own error
            page.screenshot(path=tmp_path / "failure.png")
            print(f"screenshot of the failed page: {tmp_path / 'failure.png'}")
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep the call phase's report on the item so ``page`` knows whether the test failed."""
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


# --- Running a notebook ---------------------------------------------------------------------

# The toolbar's execution indicator reads "idle" also before the session has a kernel (kernel
# name "No Kernel"); "Run All Cells" then opens a "Select Kernel" dialog. Any dialog (e.g. that
# one, for a notebook without metadata.kernelspec) ends the wait too, to be reported. The tab's
# tooltip ("Name: …\nPath: …") makes sure the visible notebook is the one asked for.
_KERNEL_READY_JS = """name => {
  if (document.querySelector('.jp-Dialog')) return true;
  const tab = document.querySelector('#jp-main-dock-panel .lm-TabBar-tab.jp-mod-current');
  if (!tab?.title.split('\\n').includes('Path: ' + name)) return false;
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const kernel = panel?.querySelector('.jp-KernelName')?.textContent.trim();
  const status = panel?.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status;
  return status === 'idle' && !!kernel && kernel !== 'No Kernel';
}"""

# State of the visible notebook's code cells: prompt, source and error outputs each. A cell is
# done when its prompt shows an execution count ("[3]:"; queued and running show "[*]:", never
# run "[ ]:", and empty cells are never run) and its widget views have rendered (they render
# asynchronously: the widget renderer's output element has no mime type and stays empty until
# then). Failed: a cell shows a traceback (later cells then never run) or a widget that could
# not be rendered (ipywidgets' error view, or "Error displaying widget" text), and no cell is
# still running.
_STATE_JS = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const cells = [...(panel?.querySelectorAll('.jp-CodeCell') ?? [])].map(cell => {
    const outputs = [...cell.querySelectorAll('.jp-OutputArea-output')];
    const widgetError = o => o.querySelector('.jupyter-widgets-error-widget')
      || o.textContent.includes('Error displaying widget');
    return {
      prompt: (cell.querySelector('.jp-InputArea-prompt')?.textContent ?? '').trim(),
      source: (cell.querySelector('.cm-content')?.innerText ?? '').trim(),
      pending: outputs.some(o => !o.dataset.mimeType && !o.childElementCount && !o.textContent),
      errors: outputs
        .filter(o => o.dataset.mimeType === 'application/vnd.jupyter.stderr' || widgetError(o))
        .map(o => (widgetError(o) ? '[widget] ' : '') + o.innerText),
    };
  });
  const counted = cell => /^\\[\\d+\\]:$/.test(cell.prompt);
  const broken = /^\\[widget\\]|Traceback \\(most recent call last\\)/;
  return {
    cells,
    counted: cells.filter(counted).map(cell => cell.prompt),
    done: cells.length > 0 && cells.every(cell => (counted(cell) || !cell.source) && !cell.pending),
    failed: cells.some(cell => cell.errors.some(e => broken.test(e)))
      && !cells.some(cell => cell.prompt === '[*]:'),
  };
}"""


def _describe(name: str, state: dict[str, Any]) -> str:
    """Each code cell's prompt and source start, and its error outputs (head and tail)."""
    lines = [f"{name}:"]
    for cell in state["cells"]:
        lines.append(f"  {cell['prompt'] or '[?]:'} {cell['source'][:70]!r}")
        for error in cell["errors"]:
            shown = error.splitlines()
            if len(shown) > 12:
                shown = [*shown[:4], "...", *shown[-7:]]
            lines += [f"      {line}" for line in shown]
    return "\n".join(lines)


def write_notebook(path: Path, cells: list[str], kernelspec: bool = True) -> None:
    """An unexecuted notebook of code cells; with the kernelspec JupyterLab starts its kernel
    without asking (``run_notebook`` needs it)."""
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    if kernelspec:
        notebook.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
        }
    nbformat.write(notebook, path)


def run_notebook(
    page: Page,
    base_url: str,
    name: str,
    timeout: float = 60,
    ws_bytes: WebSocketBytes | None = None,
) -> None:
    """Open ``name`` (relative to the server's root dir), run all cells, wait until done.

    Runs them as a person would: Run menu, "Run All Cells". ``timeout`` covers the kernel's
    start and the run. Raises AssertionError on a timeout or when a cell shows a Python
    traceback, listing each cell's prompt, source and error output. ``ws_bytes`` is reset
    just before the run, so afterwards it holds what running the cells sent to the page.

    The notebook needs ``metadata.kernelspec`` (otherwise a "Select Kernel" dialog blocks
    the page) and no saved execution counts (a cell is done once its prompt shows a count).
    Exceptions in widget callbacks do not show in cells (JupyterLab sends them to its log
    console): assert on the callbacks' effects.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + timeout
    # ?reset: a fresh workspace, so notebooks opened before in this server do not come back.
    page.goto(f"{base_url}/lab/tree/{name}?reset")
    try:
        page.wait_for_function(_KERNEL_READY_JS, arg=name, timeout=timeout * 1000, polling=100)
    except PlaywrightTimeout as exc:
        raise AssertionError(f"{name}: the kernel never became idle") from exc
    dialogs = page.locator(".jp-Dialog").all_inner_texts()
    assert not dialogs, f"{name}: a dialog blocks the page (no metadata.kernelspec?): {dialogs}"
    state = page.evaluate(_STATE_JS)
    assert state["cells"], f"{name}: no code cells"
    assert not state["counted"], f"{name} was saved with execution counts {state['counted']}"

    if ws_bytes is not None:
        ws_bytes.reset()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
    finished = f"() => {{ const state = ({_STATE_JS})(); return state.done || state.failed; }}"
    try:
        left = max(deadline - time.monotonic(), 1)
        page.wait_for_function(finished, timeout=left * 1000, polling=100)
    except PlaywrightTimeout as exc:
        state = page.evaluate(_STATE_JS)
        raise AssertionError(
            f"cells not done after {timeout} s in {_describe(name, state)}"
        ) from exc
    state = page.evaluate(_STATE_JS)
    if state["failed"]:
        for error_view in page.locator(".jupyter-widgets-error-widget").all():
            error_view.click()  # shows the JavaScript error instead of "Click to show..."
        state = page.evaluate(_STATE_JS)
        raise AssertionError(f"a cell failed in {_describe(name, state)}")
