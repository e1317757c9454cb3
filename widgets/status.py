"""The status line every widget shows: what it shows, then the connection's word in its
tone ("loading…", "live", "reconnecting…", "offline"), in JupyterLab's theme colours.

The words and the state come from the core (``workbench.views.connection``), so the TUI, the
CLI and every widget say the same. The element carries ``data-state`` for tests and styling.
"""

from __future__ import annotations

import html

from workbench.views.connection import ConnectionStatus, Tone

# JupyterLab's theme variables, with a fallback for front ends without them (VS Code, Colab).
TONE_COLOURS: dict[Tone, str] = {
    "muted": "var(--jp-ui-font-color2, #616161)",
    "ok": "var(--jp-success-color1, #388e3c)",
    "warn": "var(--jp-warn-color1, #f57c00)",
    "error": "var(--jp-error-color1, #d32f2f)",
}


def connection_html(status: ConnectionStatus) -> str:
    """The connection's word as a coloured span (its reason, if any, as the tooltip)."""
    title = f" title='{html.escape(status.reason)}'" if status.reason else ""
    weight = "bold" if status.tone == "error" else "normal"
    return (
        f"<span class='wb-connection' data-state='{status.state}'{title} "
        f"style='color:{TONE_COLOURS[status.tone]};font-weight:{weight}'>"
        f"{html.escape(status.words)}</span>"
    )


def status_html(text: str, status: ConnectionStatus) -> str:
    """A widget's whole status line: ``text`` in bold, then the connection."""
    shown = f"<b>{html.escape(text)}</b> · " if text else ""
    return shown + connection_html(status)
