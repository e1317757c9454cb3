"""The gallery's detail panel: a larger preview (still a resized JPEG), the prompt, params,
variants, lineage and shots of the selected item; it renders ``DetailModel``. Its Delete…
asks in a confirm row first, as the gallery's does; the Undo button brings the item back."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from typing import Any

import ipywidgets as W

from workbench.client import Workbench
from workbench.media import Thumbnails
from workbench.models import Generation
from workbench.views import DetailModel, DetailState
from workbench.views.gallery import caption

from .confirm import ConfirmRow
from .render import error_line

PREVIEW_PX = 480


class DetailPanel(W.VBox):
    def __init__(self, wb: Workbench, thumbnails: Thumbnails) -> None:
        self.wb = wb
        self.thumbnails = thumbnails
        self.model: DetailModel | None = None
        self._unsubscribe: Any = None
        self.image = W.Image(format="jpeg", layout=W.Layout(max_width=f"{PREVIEW_PX}px"))
        self.info = W.HTML()
        self.star = W.Button(description="☆ star", layout=W.Layout(width="90px"))
        self.hide_button = W.Button(description="close", layout=W.Layout(width="70px"))
        # Deleting asks first, in the panel's own row: the question is about the item shown.
        self.delete = W.Button(description="Delete…", icon="trash", layout=W.Layout(width="100px"))
        self.confirm = ConfirmRow()
        self.star.on_click(lambda _: self.model.toggle_star() if self.model else None)
        self.delete.on_click(lambda _: self._ask_delete())
        self.hide_button.on_click(lambda _: self.hide())
        for name in ("image", "info", "star", "delete"):
            getattr(self, name).add_class(f"wb-detail-{name}")
        super().__init__(
            [W.HBox([self.star, self.delete, self.hide_button]), self.confirm,
             W.HBox([self.image, self.info])],
            layout=W.Layout(display="none", border="1px solid #d0d7de", padding="6px"),
        )  # fmt: skip
        self.add_class("wb-detail")

    @property
    def showing(self) -> Any:
        """The id of the generation shown, or None when the panel is closed."""
        return self.model.state.generation_id if self.model is not None else None

    def show_item(self, generation_id: Any) -> None:
        self.close_model()
        self.star.layout.display = self.delete.layout.display = None  # hidden once deleted
        self.model = DetailModel(self.wb, generation_id)
        self._unsubscribe = self.model.subscribe(self._render)
        self._render(self.model.state)
        self.layout.display = None

    def hide(self) -> None:
        self.close_model()
        self.layout.display = "none"

    def follow(self, items: Iterable[Generation]) -> None:
        """The gallery reloaded: reload too if the shown item changed there (a star, say)."""
        model = self.model
        if model is None or model.state.detail is None:
            return
        shown = model.state.detail.generation
        before = (shown.starred, shown.primary_variant_id)
        if any(i.id == shown.id and (i.starred, i.primary_variant_id) != before for i in items):
            model.load()

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
        self.image.value = b""
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

    def _render(self, state: DetailState) -> None:
        if state.error:
            self.info.value = error_line(state.error)
            return
        detail = state.detail
        if detail is None:
            self.info.value = "loading…"
            return
        item = detail.generation
        # The primary variant's media, resized: a video shows its poster frame.
        source = item.thumbnail_url if item.is_video else (item.location or item.thumbnail_url)
        self.image.value = self.thumbnails.jpeg(source, PREVIEW_PX) or b""
        self.star.description = "★ starred" if item.starred else "☆ star"
        self.info.value = describe(detail)


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
