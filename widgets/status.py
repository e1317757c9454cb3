"""The status line every widget shows: what it shows, then the connection's word in its
tone ("loading…", "live", "reconnecting…", "offline"), in JupyterLab's theme colours.

The words and the state come from the core (``workbench.views.connection``), so the TUI, the
CLI and every widget say the same. The element carries ``data-state`` for tests and styling.
"""

from __future__ import annotations

import html

from workbench.views.connection import ConnectionStatus, Tone

# JupyterLab's theme variables, with a fallback for front ends without them (VS Code, Colab).
# The tone is the dot's colour, never the text's: no one of JupyterLab's status colours reads
# as text in both themes (--jp-success-color1 is 4.1:1 on the light theme's white,
# --jp-success-color0 3.6:1 on the dark theme's grey; the warn colours are worse), while the
# theme's own font colour always does. A dot is not text: it needs 3:1 (WCAG 1.4.11), which
# these colours have in both themes.
TONE_COLOURS: dict[Tone, str] = {
    "muted": "var(--jp-ui-font-color3, #9e9e9e)",
    "ok": "var(--jp-success-color1, #388e3c)",
    "warn": "var(--jp-warn-color1, #f57c00)",
    "error": "var(--jp-error-color1, #d32f2f)",
}
TEXT_COLOURS: dict[Tone, str] = {
    "muted": "var(--jp-ui-font-color2, #616161)",
    "ok": "var(--jp-ui-font-color1, #212121)",
    "warn": "var(--jp-ui-font-color1, #212121)",
    "error": "var(--jp-ui-font-color1, #212121)",
}


def connection_html(status: ConnectionStatus) -> str:
    """The connection's word after a dot in its tone (its reason, if any, as the tooltip);
    bold when something is wrong."""
    title = f" title='{html.escape(status.reason)}'" if status.reason else ""
    weight = "normal" if status.connected else "bold"
    dot = (
        "<span class='wb-connection-dot' aria-hidden='true' style='display:inline-block;"
        "width:0.6em;height:0.6em;border-radius:50%;margin-right:0.3em;"
        f"background:{TONE_COLOURS[status.tone]}'></span>"
    )
    return (
        f"<span class='wb-connection' data-state='{status.state}'{title} "
        f"style='color:{TEXT_COLOURS[status.tone]};font-weight:{weight};white-space:nowrap'>"
        f"{dot}{html.escape(status.words)}</span>"
    )


def status_html(text: str, status: ConnectionStatus) -> str:
    """A widget's whole status line: ``text`` in bold, then the connection."""
    shown = f"<b>{html.escape(text)}</b> · " if text else ""
    return shown + connection_html(status)
