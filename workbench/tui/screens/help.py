"""Every key binding, from every pane, on one screen."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown


class HelpScreen(ModalScreen[None]):
    """Every key binding, one table a section: ``sections`` are (title, bindings) pairs.

    | Key(s) | Description |
    | :- | :- |
    | escape, q, question_mark | Close. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 80; height: 80%; border: thick $accent;
                                  background: $surface; padding: 1 2; }
    """

    def __init__(self, sections: list[tuple[str, list[BindingType]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        lines = ["# workbench keys", "", "`ctrl+p` opens the command palette: every action "
                 "is there by name.", ""]  # fmt: skip
        for title, bindings in self.sections:
            lines += [f"## {title}", "", "| key | action |", "|---|---|"]
            for binding in bindings:
                if isinstance(binding, Binding):
                    keys, text = binding.key, binding.description or binding.action
                else:
                    keys, text = binding[0], binding[2] if len(binding) > 2 else binding[1]
                lines.append(f"| `{keys}` | {text} |")
            lines.append("")
        with VerticalScroll():
            yield Markdown("\n".join(lines))
