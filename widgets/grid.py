"""The gallery's grid: one front-end component (anywidget) for a whole page of tiles.

The Python side is a thin renderer of ``GalleryModel``'s state: ``show(state)`` syncs a small
JSON list of the page's tiles (each the model's ``Card`` in JSON: caption, badges and their
colours, video duration, variant counts), and small traits for the cursor, the selection and
the stars, so a star or a tick sends a few bytes, never the page again. Thumbnails go as
binary buffers in custom messages, one message per picture as soon as it is made (a few
threads make them; the first tiles reach the browser before the last), and again only when
an item's picture changes. What the front end has is remembered per grid. Pictures wait for
the front end's "ready" (sent once its code has loaded: a message before that would be lost,
bytes and all); a front end that starts again (a reloaded browser tab) says "ready" again
and gets the page's pictures anew. Views of one front end share its pictures.

The front end (``static/grid.js``) lays the tiles out in justified rows, handles the mouse
and the keyboard, and sends commands back (``handle`` lists them); they run on a worker
thread of their own, because model commands block while they talk to the database.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

import anywidget
import traitlets as T
from cachetools import LRUCache

from workbench.errors import MediaError, ValidationError, WorkbenchError
from workbench.media import Thumbnails, image_size
from workbench.models import Generation
from workbench.views import GalleryModel, GalleryState
from workbench.views.cards import SELECTED, Card, empty_message

from .render import Renderer

log = logging.getLogger("workbench.widgets.grid")

STATIC = Path(__file__).parent / "static"
ROW_HEIGHT = 180  # CSS pixels: the height a justified row aims at
# Thumbnails at the screen's pixel density: twice the CSS size on a HiDPI screen (sharp),
# once on a standard one (a quarter of the pixels to make and send). The browser says which
# in its "ready"; until one has, a grid makes its pictures ahead at the density the last
# browser of this kernel reported.
WIDEST = 2.0  # a thumbnail is at most this many rows' heights wide (a panorama: lower)
THREADS = 4  # Pillow decodes and encodes without the GIL
BATCH = 25  # pictures a message at most (about 0.2-0.6 MB): the first rows need not wait
SIZES_KEPT = 20_000  # thumbnail sizes remembered (a few MB at most)
COMMANDS = ("open", "star", "mark", "cursor", "extend", "step", "limit", "close", "ready")


def tile_source(item: Generation) -> str | None:
    """Where a tile's picture is made from. Stored thumbnails are about 300 px wide (Reigh's),
    1x for a row: an image whose original is on this machine (a ``file://`` URL, cheap to
    read) is made from the original, sharp at 2x; anything remote from its thumbnail, so a
    page never downloads a hundred originals. A video: its thumbnail (a still)."""
    if not item.is_video and (item.location or "").startswith("file://"):
        return item.location
    return item.thumbnail_url or item.location


def image_key(item: Generation) -> str:
    """What an item's picture depends on: a new key means a new thumbnail to send. The
    source is hashed: short, and no file path goes to the browser."""
    source = hashlib.blake2s(str(tile_source(item)).encode(), digest_size=6).hexdigest()
    return f"{item.id}:{source}"


def tile_json(index: int, item: Generation, shown: Card) -> dict[str, Any]:
    """One tile as the front end reads it (the card's words, counts and colours). Nothing in
    it depends on the star, the cursor or the selection (traits of their own): a star sends
    the starred ids, not the page's tiles again."""
    return {
        "index": index,
        "id": str(item.id),
        "key": image_key(item),
        "kind": shown.kind,
        "text": shown.text,
        "summary": replace(shown, starred=False).summary,  # the star is its own trait
        "badges": [{"label": b.label, "colour": b.colour} for b in shown.badges],
        "video": shown.is_video,
        "duration": shown.duration,
        "variants": shown.variants,
        "new": shown.new,
    }


class GalleryGrid(anywidget.AnyWidget):
    """``GalleryGrid(model, thumbnails, on_open=..., on_close=...)``: the page of
    ``model`` as tiles. ``on_open(index)`` runs when a tile is clicked or Enter pressed
    (the gallery opens its viewer), ``on_close()`` on Esc (it closes the viewer)."""

    _esm = STATIC / "grid.js"
    _css = STATIC / "grid.css"

    grid_id = T.Unicode().tag(sync=True)  # keys the front end's pictures (see grid.js)
    tiles = T.List(T.Dict()).tag(sync=True)
    cursor = T.Int(-1).tag(sync=True)  # the index under the cursor; -1 on an empty page
    marked = T.List(T.Unicode()).tag(sync=True)  # ids selected for bulk actions
    starred = T.List(T.Unicode()).tag(sync=True)  # ids starred
    sizes = T.Dict().tag(sync=True)  # image key -> [w, h] of thumbnails known in advance
    empty = T.Unicode("").tag(sync=True)  # the empty state's words ("" when not empty)
    row_height = T.Int(ROW_HEIGHT).tag(sync=True)
    aspect = T.Float(1.0).tag(sync=True)  # a placeholder's shape before its picture is known
    marked_colour = T.Unicode(SELECTED).tag(sync=True)
    last_scale = 1  # the pixel density the last browser reported (grids made ahead at it)

    def __init__(
        self,
        model: GalleryModel,
        thumbnails: Thumbnails,
        *,
        on_open: Callable[[int], None],
        on_close: Callable[[], None] | None = None,
        row_height: int = ROW_HEIGHT,
    ) -> None:
        super().__init__(
            row_height=row_height, grid_id=uuid.uuid4().hex, _dom_classes=("wb-grid-widget",)
        )
        self.model = model
        self.thumbnails = thumbnails
        self._on_open = on_open
        self._on_close = on_close
        self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="workbench-grid")
        self._commands = ThreadPoolExecutor(1, thread_name_prefix="workbench-grid-commands")
        self._lock = threading.Lock()
        self._page: dict[str, str] = {}  # id -> image key of the tiles shown
        self._delivered: dict[str, str] = {}  # id -> image key the front end has
        self._making: set[str] = set()  # image keys being made now
        self._ready = False  # whether a front end has said it can take pictures
        self._scale = GalleryGrid.last_scale  # thumbnail pixels per CSS pixel (1 or 2)
        # image key -> thumbnail [w, h], once made (bounded: a long session pages a lot)
        self._sizes: LRUCache[str, list[int]] = LRUCache(maxsize=SIZES_KEPT)
        self.bytes_sent = 0  # picture bytes sent (for tests and the benchmark)
        self._outbox: list[tuple[dict[str, Any], bytes | None]] = []  # pictures to send
        self._outbox_lock = threading.Lock()
        self._sending = False  # whether a thread is sending the outbox (see _post)
        self._rendering = Renderer()
        self.on_msg(self._received)
        self.observe(self._cursor_moved, "cursor")

    # -- rendering -------------------------------------------------------------------------
    def show(self, state: GalleryState) -> None:
        """Render ``state``: the tiles (when they changed), cursor, selection and stars, then
        send the thumbnails the front end does not have yet."""
        self._rendering(self._show, state)

    def _show(self, state: GalleryState) -> None:
        items, cards = state.items, state.cards
        tiles = [
            tile_json(i, item, shown)
            for i, (item, shown) in enumerate(zip(items, cards, strict=True))
        ]
        page = {tile["id"]: tile["key"] for tile in tiles}
        with self._lock:
            self._page = page
            self._delivered = {i: k for i, k in self._delivered.items() if page.get(i) == k}
            sizes = {key: self._sizes[key] for key in page.values() if key in self._sizes}
        place = "shot" if state.mode == "shot" else "project"
        with self.hold_sync():
            self.sizes = sizes
            self.tiles = tiles
            self.cursor = state.selected if items else -1
            self.marked = [str(item.id) for item in state.marked]
            self.starred = [str(item.id) for item in items if item.starred]
            self.empty = (
                empty_message(state.filters, place) if state.page is not None and not items else ""
            )
        for item in items:
            self._deliver(item)

    def _deliver(self, item: Generation) -> None:
        """Make and send ``item``'s thumbnail on the pool, unless the front end has it (or it
        is being made). Before a front end is ready it is only made (and cached): the page's
        pictures are ready to go by the time the browser has loaded the grid's code."""
        ident, key = str(item.id), image_key(item)
        with self._lock:
            if key in self._making or self._delivered.get(ident) == key:
                return
            self._making.add(key)
            scale = self._scale
        self._pool.submit(self._make_and_send, ident, key, tile_source(item), scale)

    def _make_and_send(self, ident: str, key: str, url: str | None, scale: int) -> None:
        again = False
        try:
            height = self.row_height * scale
            data = self.thumbnails.tile(url, round(height * WIDEST), height)
            size: list[int] | None = None
            if data is not None:
                try:
                    size = list(image_size(data))
                except MediaError:
                    data = None
            with self._lock:
                if size is not None:
                    self._sizes[key] = size
                again = self._ready and scale != self._scale  # made for another screen
                if again or not self._ready or self._page.get(ident) != key:
                    # No front end yet (made ahead: "ready" sends it from the cache), or the
                    # page moved on. Let go of the key under this lock, so a "ready" arriving
                    # now finds it free and sends it.
                    self._making.discard(key)
                    return
                self._delivered[ident] = key
            picture: dict[str, Any] = {"id": ident, "key": key}
            if data is None or size is None:
                picture["missing"] = True
            else:
                mime = "image/webp" if data[:4] == b"RIFF" else "image/jpeg"
                picture.update(w=size[0], h=size[1], mime=mime)
            self._post(picture, data if size is not None else None)
        except Exception:  # a pool thread: nobody else would see it
            log.exception("sending the thumbnail of %s failed", ident)
        finally:
            with self._lock:
                self._making.discard(key)
                again = again and self._page.get(ident) == key
                if again:
                    self._making.add(key)
                    scale = self._scale
            if again:  # at the density the browser asked for
                with suppress(RuntimeError):  # closed meanwhile
                    self._pool.submit(self._make_and_send, ident, key, url, scale)

    def _post(self, picture: dict[str, Any], data: bytes | None) -> None:
        """Send a picture, together with any made while the last message was being sent.

        Each message costs the kernel, the server and JupyterLab a few milliseconds whatever
        its size, so a page whose pictures are ready (made ahead, or cached) goes in a few
        messages instead of one per tile: the first thread to find nobody sending sends what
        is waiting, then whatever arrived meanwhile, until nothing waits (no timer, no delay
        for the first picture)."""
        with self._outbox_lock:
            self._outbox.append((picture, data))
            if self._sending:
                return
            self._sending = True
        while True:
            with self._outbox_lock:
                batch, self._outbox = self._outbox[:BATCH], self._outbox[BATCH:]
                if not batch:
                    self._sending = False
                    return
            pictures: list[dict[str, Any]] = []
            buffers: list[bytes] = []
            for shown, image in batch:  # each picture names its buffer's index
                if image is not None:
                    shown = {**shown, "buffer": len(buffers)}  # noqa: PLW2901
                    buffers.append(image)
                pictures.append(shown)
            self.send({"type": "thumbs", "pictures": pictures}, buffers=buffers)
            self.bytes_sent += sum(len(data) for data in buffers)

    @property
    def delivered(self) -> dict[str, str]:
        """Item id -> image key of the thumbnails the front end has (a copy)."""
        with self._lock:
            return dict(self._delivered)

    @property
    def busy(self) -> bool:
        """Whether thumbnails are still being made."""
        with self._lock:
            return bool(self._making)

    # -- commands from the front end ---------------------------------------------------------
    def _cursor_moved(self, change: dict[str, Any]) -> None:
        """The browser moved the cursor (arrows, a click): the cursor is a two-way trait, so
        keys held down move it at the browser's pace; the model follows on the command
        thread (its listeners, the viewer among them, may read the database)."""
        if not self._rendering.active and isinstance(change["new"], int) and change["new"] >= 0:
            self._commands.submit(self._safely, {"type": "cursor", "index": change["new"]})

    def _received(self, _widget: Any, content: Any, _buffers: Any) -> None:
        """A message from the browser: run it on the command thread (in order), since model
        commands block while they talk to the database and the kernel must keep answering."""
        if isinstance(content, dict) and content.get("type") == "ready":
            self._safely(content)  # no database work: answer at once
        else:
            self._commands.submit(self._safely, content)

    def _safely(self, content: Any) -> None:
        try:
            self.handle(content)
        except WorkbenchError as exc:
            log.warning("the gallery refused a command from the browser: %s", exc)
        except Exception:
            log.exception("a command from the browser failed: %r", content)

    def handle(self, message: Mapping[str, Any]) -> None:
        """Do what the front end asked, on this thread (tests call it directly):

        - ``{"type": "open", "index": i}``: the cursor to tile i, then ``on_open(i)``;
        - ``{"type": "star", "index": i}``: star or unstar that item alone;
        - ``{"type": "mark", "index": i, "shift": bool}``: select or unselect it for bulk
          actions; with shift, select every item from the cursor to it (the cursor moves);
        - ``{"type": "cursor", "index": i}``: move the cursor;
        - ``{"type": "extend", "delta": d}``: shift+arrow: select the cursor's item and the
          one ``d`` away, moving the cursor there;
        - ``{"type": "step", "delta": ±1}``: past the last/first tile, across pages;
        - ``{"type": "limit", "value": n}``: items a page;
        - ``{"type": "close"}``: Esc (``on_close``);
        - ``{"type": "ready"}``: a front end loaded (again) and has no pictures: send the
          page's.

        An ``"id"`` beside ``"index"`` names the item the user saw there: when the page
        changed meanwhile, the command goes to that item's new place, or nowhere. A malformed
        message is a ``ValidationError`` and changes nothing.
        """
        if not isinstance(message, Mapping) or message.get("type") not in COMMANDS:
            raise ValidationError(f"unknown grid command: {str(message)[:80]!r}")
        kind = message["type"]
        model = self.model
        if kind == "ready":
            scale = _number(message.get("scale", 2), "scale", 1, 2)
            with self._lock:
                self._ready = True
                self._scale = GalleryGrid.last_scale = scale
                self._delivered.clear()
            for item in model.state.items:
                self._deliver(item)
        elif kind == "close":
            if self._on_close is not None:
                self._on_close()
        elif kind in ("extend", "step"):
            delta = _number(message.get("delta"), "delta", -10_000, 10_000)
            if kind == "extend":
                model.extend_mark(delta)
            else:
                model.step(1 if delta > 0 else -1)
        elif kind == "limit":
            model.set_limit(_number(message.get("value"), "page size", 1, 10_000))
        else:
            index = self._index(message)
            if index is None:
                return
            if kind == "open":
                model.select(index)
                self._on_open(index)
            elif kind == "cursor":
                model.select(index)
            elif kind == "star":
                model.select(index)
                chosen = model.state.selection
                if chosen is not None:
                    model.toggle_star(chosen)
            elif message.get("shift"):
                self._mark_run(index)
            else:
                model.toggle_mark(index)

    def _index(self, message: Mapping[str, Any]) -> int | None:
        """The page index a command is about (None: that item is no longer on the page)."""
        items = self.model.state.items
        index = _number(message.get("index"), "index", 0, max(len(items) - 1, 0))
        wanted = message.get("id")
        if wanted is None:
            return index if index < len(items) else None
        ids = [str(item.id) for item in items]
        if index < len(ids) and ids[index] == wanted:
            return index
        return ids.index(wanted) if wanted in ids else None

    def _mark_run(self, index: int) -> None:
        """Shift+click: select every item between the cursor and ``index``; cursor there."""
        state = self.model.state
        low, high = sorted((state.selected, index))
        chosen = state.marked_ids
        for i in range(low, high + 1):
            if state.items[i].id not in chosen:
                self.model.toggle_mark(i)
        self.model.select(index)

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        """Stop making thumbnails and running commands, then remove the component."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._commands.shutdown(wait=False, cancel_futures=True)
        super().close()


def _number(value: Any, what: str, low: int, high: int) -> int:
    """An int from the browser within [low, high], else a ``ValidationError``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(
            f"{what} must be a whole number from {low} to {high}, got {str(value)[:40]!r}"
        )
    return value
