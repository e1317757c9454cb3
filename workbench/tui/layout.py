"""The shapes a project's aspect ratio gives the TUI: its tiles' picture boxes and the detail
view's picture column.

Reigh lays a project's media out at the project's aspect ratio (a 9:16 project's thumbnails
are tall); the TUI does the same, so a project's pictures fill their boxes instead of sitting
in wide letterbox bars. The ratio itself is the view model's (``NavigatorState.aspect_ratio``
made a number by ``ratio_value``); only the cells it becomes are decided here.
"""

from __future__ import annotations

from workbench.tui.images import cell_size

THUMB_COLUMNS = 20  # a tile's picture box is always this wide: the grid's columns never move
THUMB_ROWS = (5, 18)  # its height follows the ratio within these bounds (21:9 … 9:16)
THUMB_BOX = (THUMB_COLUMNS, 9)  # before the ratio is known (about 1:1 on 1:2 cells)
TILE_CHROME = 5  # rows a tile adds around its picture: border (2), caption (2), badges (1)

# The detail view's picture column by shape (columns, the picture's box two fewer): a tall
# picture needs less width, which goes to the params and variants beside it.
DETAIL_CLASSES = ("-portrait", "-square", "-landscape")


def thumb_box(ratio: float, cell: tuple[int, int] | None = None) -> tuple[int, int]:
    """A tile's picture box, (columns, rows), for pictures ``ratio`` (width / height) wide,
    on cells of ``cell`` pixels (default: this terminal's): ``THUMB_COLUMNS`` wide and as
    tall as the ratio makes that, within ``THUMB_ROWS``."""
    cell_width, cell_height = cell or cell_size()
    low, high = THUMB_ROWS
    if ratio <= 0:
        return THUMB_BOX
    rows = round(THUMB_COLUMNS * cell_width / (ratio * cell_height))
    return THUMB_COLUMNS, max(low, min(high, rows))


def detail_class(ratio: float) -> str:
    """The detail screen's shape class for pictures ``ratio`` wide (the app's CSS sizes the
    picture column by it): "-portrait" below 0.9, "-square" up to 1.25, else "-landscape"."""
    if ratio < 0.9:
        return "-portrait"
    if ratio <= 1.25:
        return "-square"
    return "-landscape"
