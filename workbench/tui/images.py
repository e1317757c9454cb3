"""Pictures in the terminal: kitty or sixel where the terminal speaks them, colour half-blocks
otherwise (and in tests, where output must be deterministic).

A picture is shown whole, never stretched: a ``Picture`` is a fixed box (a tile's, the detail
view's) and the image inside it is sized to the picture's aspect ratio and centred, with the
terminal's cells counted as they are (about twice as tall as wide; ``cell_size``).

textual-image asks the terminal what it supports, and how many pixels a cell has, when
imported, which is impossible once Textual owns the screen, so this module is imported before
the app starts.
"""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Container
from textual.events import Resize
from textual.widget import Widget
from textual_image.renderable import Image as AutoRenderable
from textual_image.renderable.sixel import Image as SixelRenderable
from textual_image.renderable.tgp import Image as TGPRenderable
from textual_image.widget import HalfcellImage
from textual_image.widget import Image as BestImage

from workbench.models import Generation

if TYPE_CHECKING:
    from PIL import Image

# A cell's size in pixels when the terminal does not say (textual-image's own default, a VT340's):
# half as wide as tall, which is what most terminal fonts are.
DEFAULT_CELL = (10, 20)
# The largest rendition the detail view asks for, in pixels on the long side: more than a
# full-screen picture on a 4K terminal needs, and a bound on what decoding an original costs.
LARGEST_SIDE = 2048
# ``**kwargs: Any`` are Textual's widget options (``id``, ``classes``, ...), passed through.


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


def shows_pixels() -> bool:
    """Whether the terminal draws real pixels (kitty, sixel), so a larger picture looks
    sharper; half-blocks show two coarse pixels a cell, which a thumbnail already fills."""
    return protocol() in ("kitty", "sixel")


def cell_size() -> tuple[int, int]:
    """A terminal cell's (width, height) in pixels, as textual-image measured it before the app
    started (ioctl, or the terminal's answer to an escape sequence); ``DEFAULT_CELL`` (1:2)
    when the terminal did not say, as in tests."""
    from textual_image._terminal import TerminalError, get_cell_size

    try:
        width, height = get_cell_size()
    except TerminalError:  # no stdout: nothing to measure
        return DEFAULT_CELL
    return (width, height) if width > 0 and height > 0 else DEFAULT_CELL


def fit(
    picture: tuple[int, int], box: tuple[int, int], cell: tuple[int, int] | None = None
) -> tuple[int, int]:
    """The largest (columns, rows) within ``box`` (columns, rows) that shows a ``picture`` of
    (width, height) pixels at its own aspect ratio, on cells of ``cell`` pixels (default: this
    terminal's, ``cell_size()``). (0, 0) when there is nothing to show or no room."""
    width, height = picture
    columns, rows = box
    if min(width, height, columns, rows) <= 0:
        return 0, 0
    cell_width, cell_height = cell or cell_size()
    rows_at_full_width = columns * cell_width * height / (width * cell_height)
    if rows_at_full_width <= rows:  # wider than the box: full width, bars above and below
        return columns, max(1, min(rows, round(rows_at_full_width)))
    columns_at_full_height = rows * cell_height * width / (height * cell_width)
    return max(1, min(columns, round(columns_at_full_height))), rows  # taller: bars beside


def rendition_side(box: tuple[int, int], *, least: int) -> int:
    """How many pixels on its long side a picture needs to fill ``box`` (columns, rows)
    sharply: ``least`` for half-blocks (two pixels a cell), the box in the terminal's pixels
    where it draws real ones (never more than ``LARGEST_SIDE``)."""
    if not shows_pixels():
        return least
    cell_width, cell_height = cell_size()
    return min(LARGEST_SIDE, max(least, box[0] * cell_width, box[1] * cell_height))


def detail_sources(item: Generation, box: tuple[int, int]) -> list[tuple[str, int]]:
    """What the detail view shows for ``item`` in ``box`` (columns, rows), as (URL, long side)
    pairs in the order to show them: the 300 px thumbnail at once, then, where the terminal
    draws real pixels, a rendition of the original as large as the box needs (a video's
    thumbnail is its first frame, as large as Reigh makes it). The thumbnail cache decodes
    originals bounded (Pillow's ``draft`` lets a JPEG decode at a fraction of its size)."""
    sources: list[tuple[str, int]] = []
    if item.thumbnail_url:
        sources.append((item.thumbnail_url, 300))
    if shows_pixels():
        side = rendition_side(box, least=300)
        original = item.thumbnail_url if item.is_video else (item.location or item.thumbnail_url)
        if original and side > 300:
            sources.append((original, side))
    return sources


def image_widget(**kwargs: Any) -> Widget:
    """An empty image widget of the best kind; ``Picture`` holds one and sizes it."""
    if shows_pixels():
        return BestImage(**kwargs)
    return HalfcellImage(**kwargs)


class Picture(Container):
    """A box (sized by CSS, like any widget) showing one picture whole: the image inside is
    as large as fits at the picture's aspect ratio and centred, the rest is left empty (a
    letterbox). It fits again when the box is resized. Fill it with ``show(jpeg_bytes)``."""

    DEFAULT_CSS = """
    Picture { align: center middle; }
    Picture > .image { width: 0; height: 0; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.picture: Image.Image | None = None  # what is shown (None: nothing)
        self._image = image_widget(classes="image")

    def compose(self) -> ComposeResult:
        yield self._image

    @property
    def fitted(self) -> tuple[int, int]:
        """The (columns, rows) the picture takes in the box now ((0, 0): none shown)."""
        if self.picture is None:
            return 0, 0
        return fit(self.picture.size, (self.content_size.width, self.content_size.height))

    def show(self, jpeg: bytes | None) -> None:
        """Show a JPEG (or any image Pillow reads); None empties the box (no picture)."""
        from PIL import Image

        self.picture = Image.open(io.BytesIO(jpeg)) if jpeg else None
        self._apply()
        if not self._image.is_mounted:  # a thumbnail can arrive before the box is built
            self.call_after_refresh(self._apply)

    def on_resize(self, event: Resize) -> None:
        """Fit the picture to the box's new size."""
        self._apply()

    def _apply(self) -> None:
        columns, rows = self.fitted
        self._image.styles.width = columns
        self._image.styles.height = rows
        if self._image.is_mounted and self._image.image is not self.picture:  # type: ignore[attr-defined]
            self._image.image = self.picture  # type: ignore[attr-defined]
