"""The filters bar: search text, media type, starred, unpositioned, order."""

from __future__ import annotations

from typing import Any, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Checkbox, Input, Select
from textual.widgets.select import NoSelection

from workbench.generations.filters import GenerationFilters
from workbench.views.gallery import FilterValue


class FilterBar(Horizontal):
    """The gallery's filters as controls: a search box (applied on enter), media type,
    starred, unpositioned (a shot's items without a frame) and order.

    It only announces what the user changed (``Changed``); the app applies it to the gallery
    model and ``show`` puts the model's filters back into the controls.
    """

    DEFAULT_CSS = """
    FilterBar { height: 3; padding: 0 1; }
    FilterBar > Input { width: 1fr; min-width: 16; max-width: 48; }
    FilterBar > Select { width: 18; }
    FilterBar > #sort { width: 14; }
    FilterBar > Checkbox { width: auto; height: 3; }
    """

    class Changed(Message):
        """The user changed a filter: ``changes`` are the ``GenerationFilters`` fields to set
        (None: no restriction). Handled by the app, which calls ``set_filters``."""

        def __init__(self, changes: dict[str, FilterValue]) -> None:
            super().__init__()
            self.changes = changes

    def __init__(self, **kwargs: Any) -> None:  # Textual's widget options, passed through
        super().__init__(**kwargs)
        self._search_shown = ""  # the model's search text when the box last showed it

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search prompts…", id="search")
        yield Select([("images", "image"), ("videos", "video")], prompt="all media",
                     id="media")  # fmt: skip
        yield Checkbox("starred", id="starred")
        yield Checkbox("unpositioned", id="unpositioned")
        yield Select([("newest", "newest"), ("oldest", "oldest")], value="newest",
                     allow_blank=False, id="sort")  # fmt: skip

    def show(self, filters: GenerationFilters, *, sortable: bool = True) -> None:
        """Reflect the model's filters without announcing a change; the order choice shows
        only where the gallery can be ordered by date (a shot's gallery is its timeline).

        The app calls this on every gallery change (a page, a star, a live update), so a
        control is only written when the model's value differs from it; the search box keeps
        what the user is typing (see ``_show_search``).
        """
        with self.prevent(Input.Changed, Select.Changed, Checkbox.Changed):
            self._show_search(filters.search or "")
            media = self.query_one("#media", Select)
            _set(media, filters.media_type if filters.media_type else Select.NULL)
            _set(self.query_one("#starred", Checkbox), bool(filters.starred))
            _set(self.query_one("#unpositioned", Checkbox), filters.unpositioned)
            order = self.query_one("#sort", Select)
            _set(order, filters.sort)
            order.display = sortable

    def _show_search(self, wanted: str) -> None:
        """Put the model's search text in the box only when the model's search changed since
        the box last showed it (a filter cleared elsewhere) and the user has not edited the box
        since; then the cursor goes to the end. Writing it on every change put the cursor at
        the start after each search, so "night" refined to "night fog" searched " fognight"."""
        if wanted == self._search_shown:
            return  # not a new search: whatever is in the box is the user's
        box = self.query_one("#search", Input)
        edited = box.value != self._search_shown
        self._search_shown = wanted
        if box.value == wanted or (edited and box.has_focus):
            return  # already shown, or the user is typing something else: never overwrite
        box.value = wanted
        box.cursor_position = len(wanted)

    @on(Input.Submitted, "#search")
    def search(self, event: Input.Submitted) -> None:
        """Search prompts for the submitted text (empty: stop searching)."""
        self.post_message(self.Changed({"search": event.value or None}))

    @on(Select.Changed, "#media")
    def media(self, event: Select.Changed) -> None:
        """Show only images or only videos, or both (the blank choice)."""
        # Both selects hold text options; Textual's Select.Changed does not say so (not generic).
        value = None if event.value is Select.NULL else cast(str, event.value)
        self.post_message(self.Changed({"media_type": value}))

    @on(Select.Changed, "#sort")
    def sort(self, event: Select.Changed) -> None:
        """Order by creation, newest or oldest first."""
        self.post_message(self.Changed({"sort": cast(str, event.value)}))

    @on(Checkbox.Changed, "#starred")
    def starred(self, event: Checkbox.Changed) -> None:
        """Show only starred generations, or all of them."""
        self.post_message(self.Changed({"starred": True if event.value else None}))

    @on(Checkbox.Changed, "#unpositioned")
    def unpositioned(self, event: Checkbox.Changed) -> None:
        """In a shot, show only the items without a timeline frame."""
        self.post_message(self.Changed({"unpositioned": event.value}))


def _set(control: Select[str] | Checkbox, value: str | NoSelection | bool) -> None:
    """Write ``value`` into a control only when it differs, so that a redraw does not disturb a
    control the user is working in (an open dropdown, a focused checkbox)."""
    if control.value != value:
        control.value = value
