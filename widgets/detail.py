"""The gallery's detail panel: a larger preview (a resized JPEG; a video plays), the prompt,
params, lineage and shots of the item under the cursor, and its variants with their actions
(view, make primary, star, delete); it renders ``DetailModel``. Previous/next walk the
gallery, across its pages. Deleting (the item or a variant) asks in a confirm row first, as
the gallery's does; the Undo button brings it back.

Videos reach the browser as the browser can load them: a ``<video>`` pointing at an http(s)
URL (a presigned one for this workbench's bucket), else the file's bytes in an
``ipywidgets.Video`` up to ``VIDEO_BYTES``; a larger local file shows its poster frame and
its path instead of going through the kernel's websocket.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import ipywidgets as W
from ipywidgets.widgets.widget_string import HTMLStyle

from workbench.client import Workbench
from workbench.media import Thumbnails
from workbench.models import Generation, Variant
from workbench.views import DetailModel, DetailState, GalleryModel
from workbench.views.downloads import size_text
from workbench.views.gallery import caption

from .confirm import ConfirmRow
from .render import Renderer, classes, error_line, ratio_box

PREVIEW_PX = 480
VIDEO_BYTES = 64 * 1024 * 1024  # a larger local video is not sent through the websocket
VIDEO_FORMATS = {".mp4": "mp4", ".webm": "webm", ".mov": "mp4", ".m4v": "mp4", ".ogv": "ogg"}


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
    link = wb.viewable(location)
    return link if urlparse(link).scheme in ("http", "https") else None


class RowParts:
    """Layouts and styles the variant rows share (each would be a widget of its own)."""

    def __init__(self) -> None:
        self.label = W.Layout(width="440px")
        self.auto = W.Layout(width="auto")
        self.star = W.Layout(width="36px")
        self.row = W.Layout()
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
        kind = html.escape(variant.variant_type or "variant")
        name = f" · {html.escape(variant.name)}" if variant.name else ""
        size = size_text(file_size(variant.location))
        marks = [
            "<b>primary</b>" if variant.is_primary else "",
            "<span style='color:#a8730b'>new</span>" if variant.viewed_at is None else "",
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
    they move the gallery's cursor (loading the next page when needed) and show that item."""

    def __init__(
        self, wb: Workbench, thumbnails: Thumbnails, *, gallery: GalleryModel | None = None
    ) -> None:
        self.wb = wb
        self.thumbnails = thumbnails
        self.gallery = gallery
        self.model: DetailModel | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._rendering = Renderer()
        self._viewing: Any = None  # the variant shown in the preview (None: the primary)
        self._media_key: str | None = None  # what the preview shows, so it is sent once
        self._ratio: float | None = None  # the preview's shape (see ``set_aspect_ratio``)
        self.parts = RowParts()
        self.image = W.Image(format="jpeg", layout=W.Layout(max_width=f"{PREVIEW_PX}px"),
                             **classes("wb-detail-image"))  # fmt: skip
        # The video players are made when a video is first shown (see ``video``, ``player``).
        self._video: W.Video | None = None
        self._player: W.HTML | None = None
        self._media_note: W.HTML | None = None
        self.preview = W.VBox([self.image])
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
                                    style=style)  # fmt: skip
        # Deleting asks first, in the panel's own row: the question is about the item shown.
        self.delete = W.Button(description="Delete…", icon="trash", layout=W.Layout(width="100px"),
                               style=style, **classes("wb-detail-delete"))  # fmt: skip
        self.confirm = ConfirmRow()
        self.star.on_click(lambda _: self.model.toggle_star() if self.model else None)
        self.delete.on_click(lambda _: self._ask_delete())
        self.hide_button.on_click(lambda _: self.hide())
        self.prev.on_click(lambda _: self.step(-1))
        self.next.on_click(lambda _: self.step(1))
        bar = W.HBox([self.prev, self.next, self.star, self.delete, self.hide_button])
        super().__init__(
            [bar, self.error, self.confirm, W.HBox([self.preview, self.info]), self.variants],
            layout=W.Layout(display="none", border="1px solid #d0d7de", padding="6px"),
            **classes("wb-detail"),
        )

    def set_aspect_ratio(self, ratio: float | None) -> None:
        """Shape the preview as the project's aspect ratio (width over height): a box of that
        shape, the picture inside it at its own aspect (``object-fit: contain``); None: the
        picture's own size, up to ``PREVIEW_PX`` wide."""
        width, height = ratio_box(PREVIEW_PX, ratio) if ratio else (None, None)
        for part in (self.image, self._video):
            if part is not None:
                part.layout.width = f"{width}px" if width else None
                part.layout.height = f"{height}px" if height else None
                part.layout.object_fit = "contain" if ratio else None
        self._ratio = ratio

    def _media_part(self, widget: Any) -> Any:
        self.preview.children = (*self.preview.children, widget)
        return widget

    @property
    def video(self) -> W.Video:
        """The player of a local video's bytes (made when first needed)."""
        if self._video is None:
            self._video = self._media_part(W.Video(
                format="mp4", autoplay=False, loop=False, controls=True,
                layout=W.Layout(max_width=f"{PREVIEW_PX}px"), **classes("wb-detail-video"),
            ))  # fmt: skip
            self.set_aspect_ratio(self._ratio)  # shaped as the image is
        return self._video

    @property
    def player(self) -> W.HTML:
        """A ``<video>`` element for media at an http(s) URL (made when first needed)."""
        if self._player is None:
            self._player = self._media_part(W.HTML(**classes("wb-detail-player")))
        return self._player

    @property
    def media_note(self) -> W.HTML:
        """Why a video does not play here, and where it is (made when first needed)."""
        if self._media_note is None:
            self._media_note = self._media_part(W.HTML())
        return self._media_note

    @property
    def showing(self) -> Any:
        """The id of the generation shown, or None when the panel is closed."""
        return self.model.state.generation_id if self.model is not None else None

    def show_item(self, generation_id: Any) -> None:
        """Open a generation (its primary variant counts as viewed, as in Reigh)."""
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

    def step(self, delta: int) -> None:
        """Previous (-1) or next (1) item of the gallery, across its pages."""
        if self.gallery is None:
            return
        item = self.gallery.step(delta)
        if item is not None and item.id != self.showing:
            self.show_item(item.id)

    def hide(self) -> None:
        self.close_model()
        self.layout.display = "none"

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
        """Show a variant in the preview; the model marks it viewed."""
        if self.model is not None:
            self._viewing = variant_id
            self.model.view_variant(variant_id)
            self._render(self.model.state)

    def make_primary(self, variant_id: Any) -> None:
        if self.model is not None:
            self._viewing = None
            self.model.set_primary_variant(variant_id)

    def star_variant(self, variant_id: Any) -> None:
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
        gallery drops its tile by itself), and the actions go: there is nothing left to act
        on until Undo brings it back. A refusal stays on the panel as the model's error."""
        detail = model.state.detail
        if model is not self.model or detail is None or not model.delete():
            return
        self.close_model()
        name = " · ".join(part for part in caption(detail.generation) if part)
        self.star.layout.display = self.delete.layout.display = "none"
        self._show_media(None, None, None)
        self._set_rows(())
        self.info.value = (
            f"<i>deleted: {html.escape(name)}</i> · "
            "<span style='color:#6b7280'>Undo brings it back</span>"
        )

    def close_model(self) -> None:
        self.confirm.dismiss()
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self.model is not None:
            self.model.close()
        self.model, self._unsubscribe = None, None

    def close(self) -> None:
        self.close_model()
        super().close()

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

    def _show_media(self, location: str | None, thumbnail: str | None, video: bool | None) -> None:
        """The preview: a JPEG of an image; a player for a video (see the module's doc)."""
        key = f"{location}|{thumbnail}|{video}"
        if key == self._media_key:
            return
        self._media_key = key
        self.image.layout.display = "none"
        for part in (self._video, self._player, self._media_note):
            if part is not None:
                part.layout.display = "none"
                part.value = b"" if part is self._video else ""
        if location is None and thumbnail is None:
            self.image.value = b""
            return
        if not video:
            self.image.value = self.thumbnails.jpeg(location or thumbnail, PREVIEW_PX) or b""
            self.image.layout.display = None
            return
        self._show_video(location, thumbnail)

    def _show_video(self, location: str | None, thumbnail: str | None) -> None:
        url = browser_url(self.wb, location) if location else None
        if url is not None:
            poster = browser_url(self.wb, thumbnail) if thumbnail else None
            poster_attr = f" poster='{html.escape(poster)}'" if poster else ""
            self.player.value = (
                f"<video controls preload='metadata' src='{html.escape(url)}'{poster_attr} "
                f"style='max-width:{PREVIEW_PX}px'></video>"
            )
            self.player.layout.display = None
            return
        path = local_path(location)
        size = file_size(location)
        if path is not None and size is not None and size <= VIDEO_BYTES:
            self.video.format = VIDEO_FORMATS.get(path.suffix.lower(), "mp4")
            self.video.value = path.read_bytes()
            self.video.layout.display = None
            return
        # Too large to send (or unreadable): its poster frame and where it is.
        self.image.value = self.thumbnails.jpeg(thumbnail, PREVIEW_PX) or b""
        self.image.layout.display = None
        where = str(path) if path is not None else (location or "")
        why = f"{size_text(size)}: too large to play here" if size else "cannot be played here"
        self.media_note.value = (
            f"<span style='font-size:12px'>video ({html.escape(why)}): "
            f"<code>{html.escape(where)}</code></span>"
        )
        self.media_note.layout.display = None


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
