"""The gallery widget: a grid of thumbnails with star toggles, filters, a pager and details.

It renders ``GalleryModel`` (the TUI's gallery model): clicks become model commands, and every
model change (a page load, a star, another client's change arriving live) re-renders it. A
tile's image is re-sent only when its item changes, so starring one item sends a few bytes, not
the page's images again.
"""

from __future__ import annotations

import html
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import ipywidgets as W
from ipywidgets.widgets.widget_bool import ToggleButtonStyle

from workbench.client import Workbench
from workbench.errors import WorkbenchError, first_line
from workbench.generations.filters import GenerationFilters
from workbench.media import Thumbnails
from workbench.models import Generation
from workbench.views import GalleryModel, GalleryState
from workbench.views.gallery import caption
from workbench.views.navigator import starting_point

from .confirm import ConfirmRow
from .detail import DetailPanel
from .render import Renderer, error_line
from .session import resolve
from .undo import UndoButton

THUMBNAIL_THREADS = 4
MEDIA = (("all media", ""), ("images", "image"), ("videos", "video"))
ORDER = (("newest", "newest"), ("oldest", "oldest"))
# Tiles are styled by class, not by per-tile layouts (each layout is a widget of its own).
CSS = """<style>
.wb-tile { border: 1px solid #d0d7de; border-radius: 4px; padding: 4px; margin: 2px; }
.wb-tile.wb-selected { border: 2px solid #3b82f6; padding: 3px; }
.wb-tile .wb-details { height: auto !important; min-height: 28px; white-space: pre-line;
  text-align: left; font-size: 11px; line-height: 1.3; background: none; padding: 2px 4px; }
.wb-tile .wb-details:hover { background: #eef2ff; }
</style>"""
TILE_AREAS = '"image image" "star details"'


class TileParts:
    """Layouts and styles every tile shares. Each is a widget of its own in the browser, and
    widgets cost bytes and time to create there, so a tile is four widgets (grid, image, star,
    caption button) and shares the rest with every other tile of its gallery."""

    def __init__(self, size: int) -> None:
        self.tile = W.Layout(grid_template_columns="36px 1fr", grid_template_areas=TILE_AREAS,
                             width=f"{size + 10}px", grid_gap="4px")  # fmt: skip
        self.image = W.Layout(width=f"{size}px", height=f"{size}px", object_fit="contain",
                              grid_area="image")  # fmt: skip
        self.star = W.Layout(width="36px", grid_area="star")
        self.details = W.Layout(width="auto", grid_area="details")
        self.toggle_style = ToggleButtonStyle()
        self.button_style = W.ButtonStyle()


class Tile(W.GridBox):
    """One item: its thumbnail, a star toggle, and its caption, which is the button that
    selects it and shows its details. Selection is a CSS class (see ``CSS``)."""

    def __init__(self, index: int, parts: TileParts) -> None:
        self.index = index
        self.item_id: Any = None
        self.image_key: str | None = None
        self.image = W.Image(format="jpeg", layout=parts.image)
        self.star = W.ToggleButton(description="☆", tooltip="star / unstar", layout=parts.star,
                                   style=parts.toggle_style)  # fmt: skip
        self.details = W.Button(layout=parts.details, style=parts.button_style)
        self.image.add_class("wb-thumb")
        self.star.add_class("wb-star")
        self.details.add_class("wb-details")
        super().__init__([self.image, self.star, self.details], layout=parts.tile)
        self.add_class("wb-tile")

    def wants_image(self, item: Generation) -> bool:
        """Whether showing ``item`` needs a new image (a star or a selection does not)."""
        return image_key(item) != self.image_key

    def show(self, item: Generation, jpeg: bytes | None, selected: bool) -> None:
        """Show ``item``; ``jpeg`` is used when ``wants_image`` said so (else it is None)."""
        if self.wants_image(item):
            self.image.value = jpeg or b""
            self.image_key = image_key(item)
        self.item_id = item.id
        self.star.value = item.starred
        self.star.description = "★" if item.starred else "☆"
        self.details.description = "\n".join(caption(item))
        self.details.tooltip = tooltip(item)
        if selected:
            self.add_class("wb-selected")
        else:
            self.remove_class("wb-selected")


def image_key(item: Generation) -> str:
    return f"{item.id}:{item.thumbnail_url}"


def tooltip(item: Generation) -> str:
    return "\n".join(
        p for p in (item.prompt or item.name, item.tool_type, "click for details") if p
    )


class Gallery(W.VBox):
    """``Gallery(wb, project=..., shot=..., limit=50)``; with no ``wb``, the kernel's default
    connection, and with no project, the one this device used last."""

    _built = False  # ipywidgets closes a widget when collected, also one whose __init__ failed

    def __init__(
        self,
        wb: Workbench | None = None,
        *,
        project: Any = None,
        shot: Any = None,
        limit: int = 50,
        filters: GenerationFilters | dict[str, Any] | None = None,
        tile_size: int = 160,
        model: GalleryModel | None = None,
        thumbnails: Thumbnails | None = None,
        undo: bool = True,
    ) -> None:
        self.wb = resolve(wb)
        if model is None:
            project_id, shot_id = starting_point(self.wb, project, shot)
            model = GalleryModel(
                self.wb, project_id=project_id, shot_id=shot_id, limit=limit,
                filters=GenerationFilters.of(filters),
            )  # fmt: skip
        self.model = model
        self.thumbnails = thumbnails or Thumbnails(self.wb.storage)
        self._pool = ThreadPoolExecutor(THUMBNAIL_THREADS, thread_name_prefix="workbench-tiles")
        self.tile_size = tile_size
        self._rendering = Renderer()

        self.status = W.HTML()
        self.error = W.HTML()
        self.search = W.Text(placeholder="search prompts…", continuous_update=False)
        self.media = W.Dropdown(options=MEDIA, value="", layout=W.Layout(width="130px"))
        self.starred = W.Checkbox(description="starred", indent=False,
                                  layout=W.Layout(width="90px"))  # fmt: skip
        self.unpositioned = W.Checkbox(description="unpositioned", indent=False,
                                       layout=W.Layout(width="120px"))  # fmt: skip
        self.order = W.Dropdown(options=ORDER, value="newest", layout=W.Layout(width="100px"))
        columns = f"repeat(auto-fill, minmax({tile_size + 12}px, 1fr))"
        self.grid = W.GridBox(layout=W.Layout(grid_template_columns=columns))
        self.prev = W.Button(description="◀ prev", layout=W.Layout(width="80px"))
        self.next = W.Button(description="next ▶", layout=W.Layout(width="80px"))
        self.page = W.BoundedIntText(value=1, min=1, max=1, description="page",
                                     layout=W.Layout(width="140px"))  # fmt: skip
        self.pages = W.Label()
        self.detail = DetailPanel(self.wb, self.thumbnails)
        # Destructive actions ask in the confirm row first; the Undo button takes any back.
        self.confirm = ConfirmRow()
        self.delete = W.Button(description="Delete…", icon="trash", layout=W.Layout(width="100px"))
        self.remove = W.Button(description="Remove from shot…", layout=W.Layout(width="150px"))
        self.undo = UndoButton(self.wb) if undo else None
        self.delete.on_click(lambda _: self._ask_delete())
        self.remove.on_click(lambda _: self._ask_remove())
        self.tiles: list[Tile] = []  # kept across pages; only those in the grid are shown
        self.parts = TileParts(tile_size)
        for name in ("status", "error", "search", "media", "starred", "unpositioned", "order",
                     "grid", "prev", "next", "page", "pages", "delete", "remove"):  # fmt: skip
            getattr(self, name).add_class(f"wb-{name}")

        self.search.observe(lambda c: self._filter(search=c["new"].strip() or None), "value")
        self.media.observe(lambda c: self._filter(media_type=c["new"] or None), "value")
        self.starred.observe(lambda c: self._filter(starred=True if c["new"] else None), "value")
        self.unpositioned.observe(lambda c: self._filter(unpositioned=c["new"]), "value")
        self.order.observe(lambda c: self._filter(sort=c["new"]), "value")
        self.prev.on_click(lambda _: self.model.prev_page())
        self.next.on_click(lambda _: self.model.next_page())
        self.page.observe(self._jump, "value")

        filters_bar = W.HBox([self.search, self.media, self.starred, self.unpositioned, self.order])
        pager = W.HBox([self.prev, self.page, self.pages, self.next])
        actions = W.HBox([self.delete, self.remove, *([self.undo] if self.undo else [])])
        children = [W.HTML(CSS), self.status, filters_bar, self.error, self.confirm, self.grid,
                    pager, actions]  # fmt: skip
        super().__init__([*children, self.detail])
        self.add_class("wb-gallery")
        self._unsubscribe = self.model.subscribe(self._render)
        self._render(self.model.state)
        self._built = True

    # -- user actions ----------------------------------------------------------------------
    def _filter(self, **changes: Any) -> None:
        if not self._rendering.active:
            self.model.set_filters(**changes)

    def _jump(self, change: dict[str, Any]) -> None:
        page = self.model.state.page
        if not self._rendering.active and page is not None and change["new"] != page.page:
            self.model.jump(change["new"])

    def _star(self, tile: Tile, change: dict[str, Any]) -> None:
        if self._rendering.active or tile.item_id is None:
            return
        self.model.select(tile.index)
        item = self.model.state.selection
        if item is not None and item.starred != change["new"]:
            self.model.toggle_star()

    def _ask_delete(self) -> None:
        """Ask in the confirm row (the model says what is touched), then delete that item."""
        item = self.model.state.selection
        try:
            confirmation = self.model.confirm_delete()
        except WorkbenchError as exc:
            self.error.value = error_line(first_line(exc))
            return
        if item is not None and confirmation is not None:
            self.confirm.ask(confirmation, partial(self.model.delete, item))

    def _ask_remove(self) -> None:
        """Ask in the confirm row, then remove the item from the shot shown."""
        item = self.model.state.selection
        confirmation = self.model.confirm_remove_from_shot()
        if item is not None and confirmation is not None:
            self.confirm.ask(confirmation, partial(self.model.remove_from_shot, item))

    def _open(self, tile: Tile) -> None:
        if tile.item_id is not None:
            self.model.select(tile.index)
            self.detail.show_item(tile.item_id)

    # -- rendering -------------------------------------------------------------------------
    def _render(self, state: GalleryState) -> None:
        self._rendering(self._show, state)

    def _show(self, state: GalleryState) -> None:
        if state.offline:  # the same word as the TUI's status line
            connection = " · <span style='color:#dc2626'><b>offline</b></span> (reconnecting…)"
        else:
            connection = " · <span style='color:#16a34a'>live</span>" if state.live else ""
        self.status.value = f"<b>{html.escape(state.status)}</b>{connection}"
        self.error.value = error_line(state.error)
        filters = state.filters
        self.search.value = filters.search or ""
        self.media.value = filters.media_type or ""
        self.starred.value = bool(filters.starred)
        self.unpositioned.value = filters.unpositioned
        self.unpositioned.layout.display = None if state.mode == "shot" else "none"  # shots only
        self.remove.layout.display = None if state.mode == "shot" else "none"
        self.delete.disabled = self.remove.disabled = state.selection is None
        self.order.value = filters.sort
        self.order.layout.display = None if state.sortable else "none"  # a shot: its timeline
        items = state.items
        while len(self.tiles) < len(items):
            self.tiles.append(self._new_tile(len(self.tiles)))
        shown = list(zip(self.tiles, items, strict=False))
        jpegs = self._thumbnails([item if tile.wants_image(item) else None for tile, item in shown])
        for index, ((tile, item), jpeg) in enumerate(zip(shown, jpegs, strict=True)):
            tile.show(item, jpeg, index == state.selected)
        for tile in self.tiles[len(items) :]:
            tile.item_id = None
        if len(self.grid.children) != len(items):
            self.grid.children = tuple(self.tiles[: len(items)])
        page = state.page
        self.prev.disabled = page is None or not page.prev_cursor
        self.next.disabled = page is None or not page.next_cursor
        if page is not None:
            self.page.max = max(page.pages, 1)
            self.page.value = page.page
            self.pages.value = f"of {page.pages} · {page.total_label}"
        self.detail.follow(items)

    def _thumbnails(self, items: list[Generation | None]) -> list[bytes | None]:
        """Tile JPEGs for the items given (None: no image wanted), made on a few threads
        (Pillow decodes and encodes without the GIL)."""

        def jpeg(item: Generation | None) -> bytes | None:
            if item is None:
                return None
            return self.thumbnails.jpeg(item.thumbnail_url or item.location, self.tile_size)

        return list(self._pool.map(jpeg, items))

    def _new_tile(self, index: int) -> Tile:
        tile = Tile(index, self.parts)
        tile.star.observe(lambda change: self._star(tile, change), "value")
        tile.details.on_click(lambda _: self._open(tile))
        return tile

    @property
    def selection(self) -> Generation | None:
        """The selected item (the highlighted tile)."""
        return self.model.state.selection

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Stop following the database, then remove the widget from the page."""
        if self._built:
            self._unsubscribe()
            self.model.close()
            self.detail.close()
            if self.undo is not None:
                self.undo.close()
            self._pool.shutdown(wait=False)
        super().close()

    def __repr__(self) -> str:
        return f"<Gallery {self.model.state.status}>"
