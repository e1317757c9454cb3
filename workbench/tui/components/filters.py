"""The filters bar: search text, media type, starred, unpositioned, order."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Checkbox, Input, Select

from workbench.generations.filters import GenerationFilters


class FilterBar(Horizontal):
    DEFAULT_CSS = """
    FilterBar { height: 3; padding: 0 1; }
    FilterBar > Input { width: 1fr; min-width: 16; max-width: 48; }
    FilterBar > Select { width: 18; }
    FilterBar > #sort { width: 14; }
    FilterBar > Checkbox { width: auto; height: 3; }
    """

    class Changed(Message):
        def __init__(self, changes: dict[str, Any]) -> None:
            super().__init__()
            self.changes = changes

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search prompts…", id="search")
        yield Select([("images", "image"), ("videos", "video")], prompt="all media",
                     id="media")  # fmt: skip
        yield Checkbox("starred", id="starred")
        yield Checkbox("unpositioned", id="unpositioned")
        yield Select([("newest", "newest"), ("oldest", "oldest")], value="newest",
                     allow_blank=False, id="sort")  # fmt: skip

    def show(self, filters: GenerationFilters) -> None:
        """Reflect the model's filters without announcing a change."""
        with self.prevent(Input.Changed, Select.Changed, Checkbox.Changed):
            self.query_one("#search", Input).value = filters.search or ""
            media = self.query_one("#media", Select)
            media.value = filters.media_type if filters.media_type else Select.NULL
            self.query_one("#starred", Checkbox).value = bool(filters.starred)
            self.query_one("#unpositioned", Checkbox).value = filters.unpositioned
            self.query_one("#sort", Select).value = filters.sort

    @on(Input.Submitted, "#search")
    def search(self, event: Input.Submitted) -> None:
        self.post_message(self.Changed({"search": event.value or None}))

    @on(Select.Changed, "#media")
    def media(self, event: Select.Changed) -> None:
        value = None if event.value is Select.NULL else event.value
        self.post_message(self.Changed({"media_type": value}))

    @on(Select.Changed, "#sort")
    def sort(self, event: Select.Changed) -> None:
        self.post_message(self.Changed({"sort": event.value}))

    @on(Checkbox.Changed, "#starred")
    def starred(self, event: Checkbox.Changed) -> None:
        self.post_message(self.Changed({"starred": True if event.value else None}))

    @on(Checkbox.Changed, "#unpositioned")
    def unpositioned(self, event: Checkbox.Changed) -> None:
        self.post_message(self.Changed({"unpositioned": event.value}))
