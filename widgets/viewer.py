"""The gallery's viewer: the item under the cursor, large and at its own aspect ratio, over
the grid and in the viewport wherever the notebook is scrolled (Reigh's lightbox, FiftyOne's
modal), with its prompt, params, variants and lineage beside it.

It is a box (``.wb-viewer``, ``.wb-open`` while shown) holding the detail panel's ``Stage``
(the media, drawn by widgets/static/viewer.js) and the ``DetailPanel`` (the words and the
actions). Keys, taken before JupyterLab's while the viewer has the focus: ← and → previous
and next item across pages, Esc closes (the focus goes back to the grid), ``f`` stars.

Contract the gallery relies on: ``Viewer(wb, thumbnails, gallery=model)``; ``.detail`` is the
``DetailPanel`` inside it; ``open(item_id)`` shows an item and makes the viewer visible;
``close()`` hides it (``shutdown()`` releases it); ``is_open``. The viewer follows the gallery
model by itself (it subscribes): a page change or a filter change shows the item now under
the gallery's cursor (an empty page closes it), a delete of the item shown shows the next,
a star on its tile shows on the viewer's star.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as W

from workbench.client import Workbench
from workbench.media import Thumbnails
from workbench.views import GalleryModel, GalleryState

from .detail import DetailPanel
from .render import classes


class Viewer(W.Box):
    """``Viewer(wb, thumbnails, gallery=model)``: hidden until ``open(item_id)``."""

    _built = False

    def __init__(self, wb: Workbench, thumbnails: Thumbnails, *, gallery: GalleryModel) -> None:
        self.gallery = gallery
        self.detail = DetailPanel(
            wb, thumbnails, gallery=gallery, on_step=self.step, on_hide=self._hidden
        )
        self.stage = self.detail.stage
        self._lock = self.detail.lock  # one lock: see DetailPanel.lock
        self._quiet = 0  # >0 while the viewer itself moves the gallery's cursor
        self._shown: Any = None  # the item the viewer shows (the detail may say "deleted")
        self.stage.on_msg(self._message)
        super().__init__([self.stage, self.detail], **classes("wb-viewer"))
        self._unsubscribe = gallery.subscribe(self._follow)
        self._built = True

    @property
    def is_open(self) -> bool:
        """Whether the viewer is shown."""
        return "wb-open" in self._dom_classes

    @property
    def showing(self) -> Any:
        """The id of the item shown (None while closed)."""
        return self._shown if self.is_open else None

    def open(self, item_id: Any = None) -> None:
        """Show ``item_id`` (the gallery's cursor moves onto it when it is on the page) and
        make the viewer visible; the browser moves the focus into it. Without an id it is
        ipywidgets' own ``Widget.open`` (opening the widget's comm, as its constructor does)."""
        if item_id is None:
            super().open()
            return
        with self._lock, self._quietly():
            items = self.gallery.state.items
            wanted = str(item_id)  # a UUID or its text
            index = next((i for i, item in enumerate(items) if str(item.id) == wanted), None)
            if index is not None:
                item_id = items[index].id
                if index != self.gallery.state.selected:
                    self.gallery.select(index)
            self._show(item_id)
            if not self.is_open:
                self.add_class("wb-open")
            self.stage.shown = True

    def step(self, delta: int) -> None:
        """Previous (-1) or next (1) item, across the gallery's pages (its cursor moves)."""
        with self._lock, self._quietly():
            item = self.gallery.step(delta)
            if item is not None and item.id != self.detail.showing:
                self._show(item.id)
            else:
                self._position(self.gallery.state)

    def star(self) -> None:
        """Star or unstar the item shown (its tile follows)."""
        self.detail.toggle_star()

    def close(self) -> None:
        """Hide the viewer (``shutdown`` releases it)."""
        if self._built:
            self.detail.hide()  # which tells ``_hidden``

    def shutdown(self) -> None:
        """Stop following the gallery and release the widgets (the gallery's close)."""
        if self._built:
            self._unsubscribe()
            self.detail.close()
        super().close()

    # -- internals -------------------------------------------------------------------------
    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """While the viewer moves the cursor, the gallery's intermediate states (a new page
        with the old cursor index, say) are not followed: the viewer shows where it ends."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _show(self, item_id: Any) -> None:
        self._shown = item_id
        state = self.gallery.state
        self._position(state)  # first: the browser may get the media before
        self.detail.show_item(item_id)
        items, after = state.items, state.selected + 1
        if state.selection is not None and state.selection.id == item_id and after < len(items):
            self.detail.prefetch(items[after])  # → is the likely next key

    def _position(self, state: GalleryState) -> None:
        """Where the item is in the gallery ("3 / 24 · page 1/2")."""
        page = state.page
        if page is None or state.selection is None or state.selection.id != self._shown:
            self.stage.position = ""
        else:
            self.stage.position = (
                f"{state.selected + 1} / {len(state.items)} · page {page.page}/{page.pages}"
            )

    def _hidden(self) -> None:
        """The detail panel closed (its close button, or ``close``): the viewer goes too."""
        self._shown = None
        self.stage.shown = False
        self.remove_class("wb-open")

    def _follow(self, state: GalleryState) -> None:
        """The gallery changed (on any thread): show the item under its cursor, or close on
        an empty page; the same item: refresh it if its tile changed (a star)."""
        if self._quiet or not self.is_open or state.loading or state.page is None:
            return
        with self._lock:
            if not self.is_open:
                return
            item = state.selection
            if item is None:
                self.close()
            elif str(item.id) != str(self._shown):
                self._show(item.id)
            else:
                self.detail.follow(state.items)
                self._position(state)

    def _message(self, _: Any, content: Any, buffers: Any) -> None:
        """A button or a key in the browser."""
        action = content.get("action") if isinstance(content, dict) else None
        if action == "prev":
            self.step(-1)
        elif action == "next":
            self.step(1)
        elif action == "close":
            self.close()
        elif action == "star":
            self.star()
