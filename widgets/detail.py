"""The gallery's detail: the item under the cursor in full (the prompt, params, lineage and
shots, its variants with their actions: view, make primary, star, delete) beside its media on
a ``Stage``; it renders ``DetailModel``. Previous/next walk the gallery, across its pages.
Deleting (the item or a variant) asks in a confirm row first, as the gallery's does; the Undo
button brings it back. The ``Viewer`` (widgets/viewer.py) lays the stage and this panel out
over the grid.

The stage shows each item at its own aspect ratio. An image comes as the thumbnail at once
(a placeholder), then as a large rendition (``STAGE_PX`` on its long side, a JPEG made on a
worker thread, never on the thread that handles the browser's messages). A video reaches the
browser as the browser can load it: an http(s) URL (public, or presigned for this workbench's
bucket), else the file's bytes as a binary buffer that the browser turns into a Blob URL, up
to ``VIDEO_BYTES``; a larger local file shows its poster frame and its path instead of going
through the kernel's websocket.
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import anywidget
import ipywidgets as W
import traitlets as T
from ipywidgets.widgets.widget_string import HTMLStyle

from workbench.client import Workbench
from workbench.errors import WorkbenchError
from workbench.media import Thumbnails
from workbench.models import Generation, Variant
from workbench.views import DetailModel, DetailState, GalleryModel
from workbench.views.cards import NEW_BADGE
from workbench.views.downloads import size_text
from workbench.views.gallery import caption

from .confirm import ConfirmRow
from .render import Renderer, classes, error_line

STATIC = Path(__file__).parent / "static"
STAGE_PX = 2048  # the large rendition's long side: sharp on a HiDPI screen, ~0.3-0.6 MB
PLACEHOLDER_PX = 320  # the thumbnail shown at once, scaled up until the rendition arrives
VIDEO_BYTES = 64 * 1024 * 1024  # a larger local video is not sent through the websocket
VIDEO_TYPES = {".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/mp4",
               ".webm": "video/webm", ".ogv": "video/ogg"}  # fmt: skip


def local_path(url: str | None) -> Path | None:
    """The file of a ``file://`` URL (LocalStorage's), else None."""
    if not url:
        return None
    parsed = urlparse(url)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


def file_size(url: str | None) -> int | None:
    """The size of a local file (a stat: cheap); None for remote media (a request: not)."""
    path = local_path(url)
    try:
        return path.stat().st_size if path is not None else None
    except OSError:
        return None


def browser_url(wb: Workbench, location: str) -> str | None:
    """An http(s) URL the browser can load for a media location (presigned for an object of
    a private bucket: ``wb.viewable``); None for a local file, which a browser cannot load."""
    try:
        link = wb.viewable(location)
    except WorkbenchError:
        return None
    return link if urlparse(link).scheme in ("http", "https") else None


@dataclass(frozen=True)
class VideoSource:
    """How a video reaches the browser: ``url`` (http(s): the browser streams it), else
    ``path`` (a local file of ``size`` bytes, sent as a buffer), else neither, and ``note``
    says why it cannot be played here and where it is."""

    url: str | None = None
    path: Path | None = None
    mime: str = "video/mp4"
    note: str = ""


def video_source(wb: Workbench, location: str | None, limit: int = VIDEO_BYTES) -> VideoSource:
    """Decide how a video is shown (see the module's doc); a stat and a URL, no reading."""
    url = browser_url(wb, location) if location else None
    if url is not None:
        return VideoSource(url=url)
    path = local_path(location)
    size = file_size(location)
    if path is not None and size is not None and size <= limit:
        return VideoSource(path=path, mime=VIDEO_TYPES.get(path.suffix.lower(), "video/mp4"))
    where = str(path) if path is not None else (location or "")
    why = f"{size_text(size)}: too large to play here" if size else "cannot be played here"
    return VideoSource(note=f"video ({why}): {where}")


class Stage(anywidget.AnyWidget):
    """The media of the item shown, at its true aspect ratio in the box the page gives it
    (``object-fit: contain``, never stretched); widgets/static/viewer.js draws it, with the
    viewer's buttons and keys (they come back as ``{"action": "prev" | "next" | "close" |
    "star"}`` messages). Binary traits travel as websocket buffers, not base64."""

    _esm = STATIC / "viewer.js"
    _css = STATIC / "viewer.css"
    item = T.Int(0).tag(sync=True)  # changes when another item (or variant) is shown
    kind = T.Unicode("").tag(sync=True)  # "image", "video", or "" (nothing)
    placeholder = T.Bytes(b"").tag(sync=True)  # the thumbnail (JPEG), shown at once
    image = T.Bytes(b"").tag(sync=True)  # the large rendition (JPEG), when it is made
    video = T.Bytes(b"").tag(sync=True)  # a local video's bytes (the browser makes a Blob)
    video_type = T.Unicode("video/mp4").tag(sync=True)
    video_url = T.Unicode("").tag(sync=True)  # an http(s) URL the browser streams
    note = T.Unicode("").tag(sync=True)  # why a video does not play here, and where it is
    caption = T.Unicode("").tag(sync=True)
    generation = T.Unicode("").tag(sync=True)  # its id (``data-id`` in the page)
    position = T.Unicode("").tag(sync=True)  # where in the gallery ("3 / 24 · page 1/2")
    starred = T.Bool(False).tag(sync=True)
    shown = T.Bool(False).tag(sync=True)  # the viewer is shown: take the focus and the keys


class RowParts:
    """Layouts and styles the variant rows share (each would be a widget of its own)."""

    def __init__(self) -> None:
        self.label = W.Layout(width="100%")  # its own line, the buttons below it
        self.auto = W.Layout(width="auto")
        self.star = W.Layout(width="36px")
        self.row = W.Layout(flex_flow="row wrap")
        self.button = W.ButtonStyle()
        self.html = HTMLStyle()


class VariantRow(W.HBox):
    """One variant: what it is (type, when, size, primary, new, starred) and its buttons."""

    def __init__(self, variant_id: Any, panel: DetailPanel) -> None:
        self.variant_id = variant_id
        parts = panel.parts
        self.label = W.HTML(layout=parts.label, style=parts.html, **classes("wb-variant-label"))
        self.view = W.Button(description="view", layout=parts.auto, style=parts.button,
                             tooltip="show this variant", **classes("wb-variant-view"))  # fmt: skip
        self.primary = W.Button(description="make primary", layout=parts.auto,
                                style=parts.button, **classes("wb-variant-primary"))  # fmt: skip
        self.star = W.Button(description="☆", layout=parts.star, style=parts.button,
                             **classes("wb-variant-star"))  # fmt: skip
        self.delete = W.Button(description="delete…", layout=parts.auto, style=parts.button,
                               **classes("wb-variant-delete"))  # fmt: skip
        self.view.on_click(lambda _: panel.view_variant(variant_id))
        self.primary.on_click(lambda _: panel.make_primary(variant_id))
        self.star.on_click(lambda _: panel.star_variant(variant_id))
        self.delete.on_click(lambda _: panel.ask_delete_variant(variant_id))
        super().__init__([self.label, self.view, self.primary, self.star, self.delete],
                         layout=parts.row, **classes("wb-variant"))  # fmt: skip

    def show(self, variant: Variant, viewing: bool) -> None:
        """Say what the variant is; ``viewing``: it is the one on the stage."""
        kind = html.escape(variant.variant_type or "variant")
        name = f" · {html.escape(variant.name)}" if variant.name else ""
        size = size_text(file_size(variant.location))
        new = f"<span class='wb-new' style='background:{NEW_BADGE}'>new</span>"
        marks = [
            "<b>primary</b>" if variant.is_primary else "",
            new if variant.viewed_at is None else "",
            "★" if variant.starred else "",
            html.escape(size),
        ]
        when = f"{variant.created_at:%Y-%m-%d %H:%M}"
        pointer = "▸ " if viewing else ""
        self.label.value = (
            f"<span style='font-size:12px'>{pointer}<b>{kind}</b>{name} · {when} "
            f"{' · '.join(m for m in marks if m)}</span>"
        )
        self.primary.disabled = variant.is_primary
        self.star.description = "★" if variant.starred else "☆"
        self.star.tooltip = "unstar this variant" if variant.starred else "star this variant"


class DetailPanel(W.VBox):
    """The detail of one generation. ``gallery`` (the gallery's model) enables previous/next:
    they move the gallery's cursor (loading the next page when needed) and show that item.
    ``on_step`` and ``on_hide`` let the viewer take previous/next and close over."""

    _built = False

    def __init__(
        self,
        wb: Workbench,
        thumbnails: Thumbnails,
        *,
        gallery: GalleryModel | None = None,
        on_step: Callable[[int], None] | None = None,
        on_hide: Callable[[], None] | None = None,
    ) -> None:
        self.wb = wb
        self.thumbnails = thumbnails
        self.gallery = gallery
        self.model: DetailModel | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._rendering = Renderer()
        self._on_step, self._on_hide = on_step, on_hide
        self._viewing: Any = None  # the variant shown on the stage (None: the primary)
        self._media_key: str | None = None  # what the stage shows, so it is sent once
        self._media_lock = threading.Lock()
        # Showing, hiding and deleting take turns: a viewer follows the gallery on whichever
        # thread the gallery changed (one lock for both: no lock-order deadlock).
        self.lock = threading.RLock()
        # One worker: the large rendition of the item shown (a newer one supersedes it).
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="workbench-stage")
        self.pending: Future[None] | None = None  # the rendition or video being made
        self.parts = RowParts()
        self.stage = Stage(_dom_classes=("wb-stage",))
        self.info = W.HTML(**classes("wb-detail-info"))
        self.error = W.HTML(**classes("wb-detail-error"))
        self.variants = W.VBox(**classes("wb-detail-variants"))
        self.rows: dict[str, VariantRow] = {}
        style = W.ButtonStyle()
        self.star = W.Button(description="☆ star", layout=W.Layout(width="90px"), style=style,
                             **classes("wb-detail-star"))  # fmt: skip
        hidden = None if gallery is not None else "none"  # previous/next walk a gallery
        steps = W.Layout(width="40px", display=hidden)
        self.prev = W.Button(description="◀", tooltip="previous item", layout=steps, style=style,
                             **classes("wb-detail-prev"))  # fmt: skip
        self.next = W.Button(description="▶", tooltip="next item", layout=steps, style=style,
                             **classes("wb-detail-next"))  # fmt: skip
        self.hide_button = W.Button(description="close", layout=W.Layout(width="70px"),
                                    style=style, **classes("wb-detail-hide"))  # fmt: skip
        # Deleting asks first, in the panel's own row: the question is about the item shown.
        self.delete = W.Button(description="Delete…", icon="trash", layout=W.Layout(width="100px"),
                               style=style, **classes("wb-detail-delete"))  # fmt: skip
        self.confirm = ConfirmRow()
        self.star.on_click(lambda _: self.toggle_star())
        self.delete.on_click(lambda _: self._ask_delete())
        self.hide_button.on_click(lambda _: self.hide())
        self.prev.on_click(lambda _: self._step(-1))
        self.next.on_click(lambda _: self._step(1))
        bar = W.HBox([self.prev, self.next, self.star, self.delete, self.hide_button],
                     **classes("wb-detail-bar"))  # fmt: skip
        super().__init__(
            [bar, self.error, self.confirm, self.info, self.variants],
            layout=W.Layout(display="none"),
            **classes("wb-detail"),
        )
        self._built = True

    @property
    def showing(self) -> Any:
        """The id of the generation shown, or None when the panel is closed."""
        return self.model.state.generation_id if self.model is not None else None

    def show_item(self, generation_id: Any) -> None:
        """Open a generation (its primary variant counts as viewed, as in Reigh)."""
        with self.lock:
            self.confirm.dismiss()
            self._viewing = None
            self.star.layout.display = self.delete.layout.display = None  # hidden once deleted
            if self.model is None:
                self.model = DetailModel(self.wb, generation_id)
                self._unsubscribe = self.model.subscribe(self._render)
            else:
                self.model.show(generation_id)
            self._render(self.model.state)
            self.layout.display = None

    def toggle_star(self) -> None:
        """Star or unstar the generation shown (the gallery's tile follows by itself)."""
        if self.model is not None:
            self.model.toggle_star()

    def _step(self, delta: int) -> None:
        if self._on_step is not None:
            self._on_step(delta)
        else:
            self.step(delta)

    def step(self, delta: int) -> None:
        """Previous (-1) or next (1) item of the gallery, across its pages."""
        if self.gallery is None:
            return
        item = self.gallery.step(delta)
        if item is not None and item.id != self.showing:
            self.show_item(item.id)

    def hide(self) -> None:
        """Let go of the item and hide (the viewer, told by ``on_hide``, closes too)."""
        with self.lock:
            self.close_model()
            self.layout.display = "none"
            self._clear_media()
        if self._on_hide is not None:
            self._on_hide()

    def follow(self, items: Iterable[Generation]) -> None:
        """The gallery reloaded: reload too if the shown item changed there (a star, say)."""
        model = self.model
        if model is None or model.state.detail is None:
            return
        shown = model.state.detail.generation
        before = (shown.starred, shown.primary_variant_id, shown.variant_count)
        if any(
            i.id == shown.id and (i.starred, i.primary_variant_id, i.variant_count) != before
            for i in items
        ):
            model.load()

    # -- variants ------------------------------------------------------------------------------
    def view_variant(self, variant_id: Any) -> None:
        """Show a variant on the stage; the model marks it viewed."""
        if self.model is not None:
            self._viewing = variant_id
            self.model.view_variant(variant_id)
            self._render(self.model.state)

    def make_primary(self, variant_id: Any) -> None:
        """Make a variant the primary (its media becomes the generation's)."""
        if self.model is not None:
            self._viewing = None
            self.model.set_primary_variant(variant_id)

    def star_variant(self, variant_id: Any) -> None:
        """Star or unstar a variant."""
        if self.model is not None:
            self.model.toggle_variant_star(variant_id)

    def ask_delete_variant(self, variant_id: Any) -> None:
        """Ask first; the original and the primary are refused (the model's error shows)."""
        model = self.model
        if model is None:
            return
        confirmation = model.confirm_delete_variant(variant_id)
        if confirmation is not None:
            self.confirm.ask(confirmation, lambda: self._delete_variant(model, variant_id))

    def _delete_variant(self, model: DetailModel, variant_id: Any) -> None:
        if model is self.model and model.delete_variant(variant_id) and self._viewing:
            self._viewing = None
            self._render(model.state)

    # -- the generation ------------------------------------------------------------------------
    def _ask_delete(self) -> None:
        """Ask in the confirm row (the model says what the delete touches, from the detail it
        has loaded: no round trip), then delete."""
        model = self.model
        confirmation = None if model is None else model.confirm_delete()
        if model is not None and confirmation is not None:
            self.confirm.ask(confirmation, lambda: self._delete(model))

    def _delete(self, model: DetailModel) -> None:
        """Delete the item; once it went, the panel says so in place of its details (the
        gallery drops its tile by itself, and a viewer moves on to the next item), and the
        actions go: there is nothing left to act on until Undo brings it back. A refusal
        stays on the panel as the model's error."""
        with self.lock:
            detail = model.state.detail
            if model is not self.model or detail is None or not model.delete():
                return
            if self.model is not model or self.showing != detail.generation.id:
                return  # a viewer following the gallery already shows the next item
            self._deleted(detail.generation)

    def _deleted(self, item: Generation) -> None:
        self.close_model()
        name = " · ".join(part for part in caption(item) if part)
        self.star.layout.display = self.delete.layout.display = "none"
        self._clear_media()
        self._set_rows(())
        self.info.value = (
            f"<i>deleted: {html.escape(name)}</i> · "
            "<span class='wb-muted'>Undo brings it back</span>"
        )

    def close_model(self) -> None:
        """Stop following the generation shown (its model closes)."""
        self.confirm.dismiss()
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self.model is not None:
            self.model.close()
        self.model, self._unsubscribe = None, None

    def close(self) -> None:
        """Release the panel: its model, its worker, its stage and its widgets."""
        if not self._built:  # ipywidgets closes a widget when collected, a half-made one too
            super().close()
            return
        self.close_model()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.stage.close()
        super().close()

    def settle(self, timeout: float = 30) -> None:
        """Wait until the large rendition (or the video's bytes) in the making reached the
        stage: for scripts and tests that look at what the browser got."""
        pending = self.pending
        if pending is not None:
            pending.result(timeout)

    # -- rendering -----------------------------------------------------------------------------
    def _render(self, state: DetailState) -> None:
        self._rendering(self._show, state)

    def _show(self, state: DetailState) -> None:
        self.error.value = error_line(state.error)
        detail = state.detail
        if detail is None:
            self.info.value = "" if state.error else "loading…"
            return
        item = detail.generation
        variants = {str(v.id): v for v in detail.variants}
        viewing = variants.get(str(self._viewing)) if self._viewing is not None else None
        if viewing is None:  # the primary: the generation's own media
            self._viewing = None
            self._show_media(item.location, item.thumbnail_url, item.is_video)
        else:
            self._show_media(viewing.location, viewing.thumbnail_url, item.is_video)
        self.star.description = "★ starred" if item.starred else "☆ star"
        with self.stage.hold_sync():
            self.stage.caption = " · ".join(part for part in caption(item) if part)
            self.stage.generation = str(item.id)
            self.stage.starred = item.starred
        self.info.value = describe(detail)
        self._set_rows(detail.variants)

    def _set_rows(self, variants: Iterable[Variant]) -> None:
        """One row per variant, kept across renders (a star changes a label, not the rows)."""
        shown = list(variants)
        wanted = [str(v.id) for v in shown]
        for key in [k for k in self.rows if k not in wanted]:
            self.rows.pop(key).close()
        for variant in shown:
            key = str(variant.id)
            if key not in self.rows:
                self.rows[key] = VariantRow(variant.id, self)
            self.rows[key].show(variant, viewing=self._viewing is not None
                                and str(self._viewing) == key)  # fmt: skip
        children = tuple(self.rows[k] for k in wanted)
        if self.variants.children != children:
            self.variants.children = children

    def _clear_media(self) -> None:
        """Nothing on the stage (the browser drops its Blob URLs)."""
        with self._media_lock:
            self._media_key = None
            stage = self.stage
            with stage.hold_sync():
                stage.item += 1
                stage.kind, stage.note, stage.video_url, stage.generation = "", "", "", ""
                stage.placeholder = stage.image = stage.video = b""

    def _show_media(self, location: str | None, thumbnail: str | None, video: bool | None) -> None:
        """The stage: the thumbnail at once, then the large rendition or the video (see the
        module's doc). Sent once per item: a star re-renders the panel, not the media."""
        key = f"{location}|{thumbnail}|{video}"
        if key == self._media_key:
            return
        if location is None and thumbnail is None:
            self._clear_media()
            self._media_key = key
            return
        poster = thumbnail if video else (thumbnail or location)
        placeholder = self.thumbnails.jpeg(poster, PLACEHOLDER_PX) or b""
        source = video_source(self.wb, location) if video else None
        with self._media_lock:
            self._media_key = key
            stage = self.stage
            with stage.hold_sync():
                stage.item += 1
                stage.kind = "video" if video else "image"
                stage.placeholder, stage.image, stage.video = placeholder, b"", b""
                stage.video_url = (source.url or "") if source else ""
                stage.video_type = source.mime if source else "video/mp4"
                stage.note = source.note if source else ""
        if source is None:
            image = location or thumbnail
            self._later(key, "image", lambda: self.thumbnails.jpeg(image, STAGE_PX) or b"")
        elif source.path is not None:
            self._later(key, "video", source.path.read_bytes)

    def prefetch(self, item: Generation) -> None:
        """Make ``item``'s large rendition ahead (into the thumbnails' cache), after the one
        shown: the next item then shows sharp at once."""
        if not item.is_video and item.location:
            location = item.location
            with suppress(RuntimeError):  # the panel was closed meanwhile
                self._pool.submit(self.thumbnails.jpeg, location, STAGE_PX)

    def _later(self, key: str, trait: str, make: Callable[[], bytes]) -> None:
        """Make the large payload on the worker, and send it if the item is still shown."""

        def work() -> None:
            try:
                data = make()
            except OSError:
                return
            with self._media_lock:
                if self._media_key == key:
                    setattr(self.stage, trait, data)

        try:
            self.pending = self._pool.submit(work)
        except RuntimeError:  # the panel was closed meanwhile
            self.pending = None


def describe(detail: Any) -> str:
    item = detail.generation
    rows = [
        ("prompt", item.prompt or ""),
        ("type", item.type or ""),
        ("tool", item.tool_type or ""),
        ("created", f"{item.created_at:%Y-%m-%d %H:%M}"),
        ("id", str(item.id)),
        ("variants", ", ".join(
            f"{v.variant_type or '?'}{' (primary)' if v.is_primary else ''}"
            for v in detail.variants) or "none"),
        ("edited from", ", ".join(str(a.id)[:8] for a in detail.ancestors) or "—"),
        ("edits", ", ".join(str(d.id)[:8] for d in detail.derived) or "—"),
        ("shots", ", ".join(s.name for s in detail.shots) or "—"),
    ]  # fmt: skip
    table = "".join(
        f"<tr><th style='text-align:left;padding-right:8px'>{html.escape(k)}</th>"
        f"<td>{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    params = html.escape(json.dumps(item.params, indent=1, default=str)[:4000])
    return (
        f"<table style='font-size:12px'>{table}</table>"
        f"<details><summary>params</summary><pre style='font-size:11px'>{params}</pre></details>"
    )
