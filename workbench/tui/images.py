"""Pictures in the terminal: kitty or sixel where the terminal speaks them, colour half-blocks
otherwise (and in tests, where output must be deterministic).

textual-image asks the terminal what it supports when imported, which is impossible once
Textual owns the screen, so this module is imported before the app starts.
"""

from __future__ import annotations

import io
import os
from typing import Any

from textual.widget import Widget
from textual_image.renderable import Image as AutoRenderable
from textual_image.renderable.sixel import Image as SixelRenderable
from textual_image.renderable.tgp import Image as TGPRenderable
from textual_image.widget import HalfcellImage
from textual_image.widget import Image as BestImage


def protocol() -> str:
    """The image protocol in use: 'kitty', 'sixel' or 'halfcell' (WORKBENCH_IMAGES overrides)."""
    wanted = os.environ.get("WORKBENCH_IMAGES", "auto").lower()
    if wanted in ("halfcell", "none"):
        return wanted
    if AutoRenderable is TGPRenderable:
        return "kitty"
    if AutoRenderable is SixelRenderable:
        return "sixel"
    return "halfcell"


def image_widget(**kwargs: Any) -> Widget:
    """An empty image widget of the best kind; fill it with ``show(widget, jpeg_bytes)``.

    ``kwargs`` are Textual's widget options (``id``, ``classes``, ...), passed through as is.
    """
    if protocol() in ("kitty", "sixel"):
        return BestImage(**kwargs)
    return HalfcellImage(**kwargs)


def show(widget: Widget, jpeg: bytes | None) -> None:
    """Put a JPEG into a widget made by ``image_widget``; None empties it (no picture)."""
    from PIL import Image

    widget.image = Image.open(io.BytesIO(jpeg)) if jpeg else None  # type: ignore[attr-defined]
