"""The four settings scopes, lowest first, and the one badge each is shown with.

The badges live here, beside the scopes and not in a front end, so the TUI (Rich markup), the
notebook widgets and the REPL's HTML (both CSS) cannot disagree about a scope's colour or
name. This module imports nothing of the workbench: the records' HTML (``html_repr``) uses it,
and the records render through ``html_repr``, so any import back would close a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Scope = Literal["defaults", "user", "project", "shot"]
SCOPES: tuple[Scope, ...] = ("defaults", "user", "project", "shot")
WRITABLE_SCOPES: tuple[Scope, ...] = ("user", "project", "shot")


@dataclass(frozen=True)
class Badge:
    """A word and its colour (``#rrggbb``, valid in Rich markup and in CSS).

    Every colour is a mid-tone (relative luminance about 0.2): as text it reads on a light
    and on a dark background (about 4:1 against white and against #121212), and white text
    on it reads as well, so one palette serves light and dark themes, as text or as a badge.
    """

    label: str
    colour: str


SCOPE_BADGES: Mapping[Scope, Badge] = {
    "defaults": Badge("defaults", "#767e8a"),  # grey: nobody set it
    "user": Badge("user", "#8b5cf6"),  # violet
    "project": Badge("project", "#2f7ed8"),  # blue
    "shot": Badge("shot", "#d4500f"),  # orange: blue and orange stay apart for colour-blind eyes
}
