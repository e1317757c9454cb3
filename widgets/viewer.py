"""The gallery's viewer (placeholder: the viewer helper replaces this with the overlay viewer).

Contract the gallery relies on: ``Viewer(wb, thumbnails, gallery=model)``; ``.detail`` is the
``DetailPanel`` inside it; ``open(item_id)`` shows an item and makes the viewer visible;
``close()`` hides it (``shutdown()`` releases it); ``is_open``. The viewer follows the gallery
model by itself (it subscribes): a page change, a filter change or a delete updates or closes it.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from workbench.client import Workbench
from workbench.media import Thumbnails
from workbench.views import GalleryModel, GalleryState

from .detail import DetailPanel
from .render import classes


class Viewer(W.VBox):
    def __init__(self, wb: Workbench, thumbnails: Thumbnails, *, gallery: GalleryModel) -> None:
        self.detail = DetailPanel(wb, thumbnails, gallery=gallery)
        self.gallery = gallery
        super().__init__([self.detail], **classes("wb-viewer"))
        self._unsubscribe = gallery.subscribe(self._follow)

    @property
    def is_open(self) -> bool:
        return self.detail.model is not None and self.detail.layout.display != "none"

    def open(self, item_id: Any) -> None:
        self.detail.show_item(item_id)

    def _follow(self, state: GalleryState) -> None:
        self.detail.follow(state.items)

    def shutdown(self) -> None:
        self._unsubscribe()
        self.detail.close()

    def close(self) -> None:
        self.shutdown()
        super().close()
