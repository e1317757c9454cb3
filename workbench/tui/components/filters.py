"""The filters bar: every gallery filter (search, media, starred, order, tool, shot, edits,
unpositioned), on two rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Checkbox, Input, Select
from textual.widgets.select import NoSelection

from workbench.errors import printable
from workbench.generations.filters import GenerationFilters
from workbench.views.gallery import FilterValue

# The shot filter's choices besides each shot's id: any shot (the blank), in no shot.
NO_SHOT = "none"


class FilterBar(Vertical):
    """The gallery's filters as controls, on two rows so they fit 100 columns: a search box
    (applied on enter), media type, starred and order (a project's gallery only); then,
    behind ``toggle_more`` (the app's ``F``, shown anyway while one of them is set), the
    tool that made it, which shot it is in (any, none, or one by name: a project's gallery
    only), edits only and unpositioned. Every ``GenerationFilters`` field but the dates.

    It only announces what the user changed (``Changed``); the app applies it to the gallery
    model, ``show`` puts the model's filters back into the controls and ``set_choices``
    fills the tool and shot lists.
    """

    DEFAULT_CSS = """
    FilterBar { height: auto; padding: 0 1; }
    FilterBar > Horizontal { height: 3; }
    FilterBar #more.-hidden { display: none; }
    FilterBar Input { width: 1fr; min-width: 16; max-width: 48; }
    FilterBar #media { width: 16; }
    FilterBar #sort { width: 13; }
    FilterBar #tool, FilterBar #shot { width: 1fr; min-width: 16; max-width: 30; }
    /* Narrower than Textual's own, so that a row fits a 100-column terminal beside the
       navigator; a long choice (a shot's name) is cut with "…", never wrapped. */
    FilterBar SelectCurrent { padding: 0 1; }
    FilterBar SelectCurrent Static#label { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    FilterBar Checkbox { width: auto; height: 3; padding: 0; }
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
        self._more = False  # the second row asked for (``toggle_more``)
        self._tools: tuple[str, ...] = ()
        self._shots: tuple[tuple[uuid.UUID, str], ...] = ()
        self._filters = GenerationFilters()

    def compose(self) -> ComposeResult:
        with Horizontal(id="main-filters"):
            yield Input(placeholder="search prompts…", id="search")
            yield Select([("images", "image"), ("videos", "video")], prompt="all media",
                         id="media")  # fmt: skip
            yield Checkbox("starred", id="starred")
            yield Select([("newest", "newest"), ("oldest", "oldest")], value="newest",
                         allow_blank=False, id="sort")  # fmt: skip
        with Horizontal(id="more", classes="-hidden"):
            yield Select([], prompt="any tool", id="tool")
            yield Select([(("in no shot"), NO_SHOT)], prompt="any shot", id="shot")
            yield Checkbox("edits", id="edits", tooltip="only generations edited from another")
            yield Checkbox("unpositioned", id="unpositioned",
                           tooltip="only images in a shot without a frame")  # fmt: skip

    @property
    def more_shown(self) -> bool:
        """Whether the second row (tool, shot, edits, unpositioned) is shown."""
        return not self.query_one("#more").has_class("-hidden")

    def toggle_more(self) -> None:
        """Show or hide the second row (it stays shown while one of its filters is set)."""
        self._more = not self.more_shown
        self._show_more()

    def _show_more(self) -> None:
        f = self._filters
        active = bool(f.tool_type or f.in_shot or f.in_no_shot or f.edits_only or f.unpositioned)
        self.query_one("#more").set_class(not (self._more or active), "-hidden")

    def set_choices(
        self,
        *,
        tools: Sequence[str] | None = None,
        shots: Sequence[tuple[uuid.UUID, str]] | None = None,
    ) -> None:
        """Fill the tool list (the tools that made this project's generations) and the shot
        list (the project's shots: id, name), keeping the filters' current choices."""
        with self.prevent(Select.Changed):
            if tools is not None and tuple(tools) != self._tools:
                self._tools = tuple(tools)
                self._tool_options()
            if shots is not None and tuple(shots) != self._shots:
                self._shots = tuple(shots)
                shot = self.query_one("#shot", Select)
                named = [(printable(name), str(shot_id)) for shot_id, name in self._shots]
                shot.set_options([("in no shot", NO_SHOT), *named])
                _set(shot, _shot_value(self._filters))

    def _tool_options(self) -> None:
        """The tool list, with the filter's tool kept even when no generation has it now."""
        wanted = self._filters.tool_type
        tools = self._tools if not wanted or wanted in self._tools else (*self._tools, wanted)
        tool = self.query_one("#tool", Select)
        tool.set_options([(printable(name), name) for name in tools])
        _set(tool, wanted or Select.NULL)

    def show(self, filters: GenerationFilters, *, sortable: bool = True) -> None:
        """Reflect the model's filters without announcing a change; the order and shot
        choices show only in a project's gallery (a shot's gallery is its timeline, and
        "in which shot" is a project's question).

        The app calls this on every gallery change (a page, a star, a live update), so a
        control is only written when the model's value differs from it; the search box keeps
        what the user is typing (see ``_show_search``).
        """
        self._filters = filters
        with self.prevent(Input.Changed, Select.Changed, Checkbox.Changed):
            self._show_search(filters.search or "")
            media = self.query_one("#media", Select)
            _set(media, filters.media_type if filters.media_type else Select.NULL)
            _set(self.query_one("#starred", Checkbox), bool(filters.starred))
            _set(self.query_one("#unpositioned", Checkbox), filters.unpositioned)
            _set(self.query_one("#edits", Checkbox), filters.edits_only)
            order = self.query_one("#sort", Select)
            _set(order, filters.sort)
            order.display = sortable
            if filters.tool_type and filters.tool_type not in self._tools:
                self._tool_options()
            else:
                _set(self.query_one("#tool", Select), filters.tool_type or Select.NULL)
            shot = self.query_one("#shot", Select)
            _set(shot, _shot_value(filters))
            shot.display = sortable
        self._show_more()

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
        # Every select holds text options; Textual's Select.Changed does not say so (not generic).
        value = None if event.value is Select.NULL else cast(str, event.value)
        self.post_message(self.Changed({"media_type": value}))

    @on(Select.Changed, "#sort")
    def sort(self, event: Select.Changed) -> None:
        """Order by creation, newest or oldest first."""
        self.post_message(self.Changed({"sort": cast(str, event.value)}))

    @on(Select.Changed, "#tool")
    def tool(self, event: Select.Changed) -> None:
        """Show only what one tool made (its reconstructed tasks included), or every tool."""
        value = None if event.value is Select.NULL else cast(str, event.value)
        self.post_message(self.Changed({"tool_type": value}))

    @on(Select.Changed, "#shot")
    def shot(self, event: Select.Changed) -> None:
        """Show only what is in one shot, or in no shot, or anything (the blank choice)."""
        value = event.value
        if value is Select.NULL:
            changes: dict[str, FilterValue] = {"in_shot": None, "in_no_shot": False}
        elif value == NO_SHOT:
            changes = {"in_shot": None, "in_no_shot": True}
        else:
            changes = {"in_no_shot": False, "in_shot": uuid.UUID(cast(str, value))}
        self.post_message(self.Changed(changes))

    @on(Checkbox.Changed, "#starred")
    def starred(self, event: Checkbox.Changed) -> None:
        """Show only starred generations, or all of them."""
        self.post_message(self.Changed({"starred": True if event.value else None}))

    @on(Checkbox.Changed, "#edits")
    def edits(self, event: Checkbox.Changed) -> None:
        """Show only generations edited from another, or all of them."""
        self.post_message(self.Changed({"edits_only": event.value}))

    @on(Checkbox.Changed, "#unpositioned")
    def unpositioned(self, event: Checkbox.Changed) -> None:
        """Show only the images in a shot without a timeline frame."""
        self.post_message(self.Changed({"unpositioned": event.value}))


def _shot_value(filters: GenerationFilters) -> str | NoSelection:
    """The shot list's choice for ``filters``."""
    if filters.in_no_shot:
        return NO_SHOT
    return str(filters.in_shot) if filters.in_shot else Select.NULL


def _set(control: Select[str] | Checkbox, value: str | NoSelection | bool) -> None:
    """Write ``value`` into a control only when it differs, so that a redraw does not disturb a
    control the user is working in (an open dropdown, a focused checkbox). A choice a list
    does not hold (yet: a shot whose list is still loading) leaves the list unchanged."""
    if isinstance(control, Select) and value not in control._legal_values:
        return  # Textual keeps the legal values only privately; setting another one raises
    if control.value != value:
        control.value = value
