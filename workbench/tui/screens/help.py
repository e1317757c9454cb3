"""Every key binding, from every pane, on one screen, each key shown as the footer shows it."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

# ``App[Any]``: any app, whatever its ``run()`` returns (Textual's own wildcard for it).


def as_binding(binding: BindingType) -> Binding:
    """A ``Binding`` from any of the forms a ``BINDINGS`` list allows (tuples included)."""
    if isinstance(binding, Binding):
        return binding
    key, action, *rest = binding
    return Binding(key, action, rest[0] if rest else action)


def keys_as_typed(app: App[Any], binding: BindingType) -> str:
    """The binding's keys as a user types them (``?``, ``/``, ``[``, ``^r``), not Textual's
    names for them (``question_mark``, ``slash``, ``left_square_bracket``): each key is
    formatted by ``App.get_key_display``, as the footer formats it, so the two agree."""
    binding = as_binding(binding)
    shown: list[str] = []
    for key in binding.key.split(","):
        text = app.get_key_display(dataclasses.replace(binding, key=key.strip()))
        if text not in shown:  # a ``key_display`` names every key of the binding alike
            shown.append(text)
    return ", ".join(f"`{text}`" for text in shown)


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
        lines = ["# workbench keys", "",
                 "`tab` and `shift+tab` move the focus between panes and controls; the focused "
                 "one is outlined in the accent colour and the footer lists its keys. `^p` "
                 "opens the command palette: every action is there by name, and \"Go to\" "
                 "any project or shot. In the gallery, `space`, `shift`+arrows and `*` select "
                 "items: star, add to shot, remove, delete and download act on the selection "
                 "(else the item under the cursor). The navigator's keys manage the shot or "
                 "project under its cursor; the palette's \"New shot\", \"Rename shot\" and "
                 "the like act on the one shown.", ""]  # fmt: skip
        for title, bindings in self.sections:
            lines += [f"## {title}", "", "| key | action |", "|---|---|"]
            for binding in bindings:
                found = as_binding(binding)
                text = found.description or found.action
                lines.append(f"| {keys_as_typed(self.app, found)} | {text} |")
            lines.append("")
        with VerticalScroll():
            yield Markdown("\n".join(lines))
