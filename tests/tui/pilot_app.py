"""What the app's Pilot tests share: the terminal size and waiting for the first page.

(The fixtures that use these, ``wb`` and ``running``, are in this folder's ``conftest.py``.)
"""

from __future__ import annotations

from typing import Any

from waiting import settle, wait_until_async

from workbench.tui.app import WorkbenchApp

SIZE = (160, 48)


async def started(app: WorkbenchApp, pilot: Any, panes: tuple[str, ...] = ("GalleryGrid",)) -> None:
    """The first page is shown and one of ``panes`` has the focus (the gallery, unless the
    app remembered another tab), so keys reach it."""
    await wait_until_async(lambda: app.first_paint is not None, what="the first gallery page",
                           timeout=30, pilot=pilot)  # fmt: skip
    await wait_until_async(lambda: type(app.focused).__name__ in panes,
                           what=f"the focus on one of {panes}", pilot=pilot)  # fmt: skip
    await settle(pilot)
