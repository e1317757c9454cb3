"""The status line: where we are connected, whether updates are live, the cache, the gallery."""

from __future__ import annotations

from textual.markup import escape
from textual.widgets import Static

from workbench.cache import QueryCache
from workbench.errors import printable
from workbench.views.connection import Tone, connection_status

# The connection's tones in Textual markup (the notebook maps the same tones to JupyterLab's
# theme colours: widgets/status.py).
TONE_MARKUP: dict[Tone, str] = {
    "muted": "dim",
    "ok": "green",
    "warn": "bold yellow",
    "error": "bold red",
}


class StatusLine(Static):
    """One line docked at the bottom: the gallery's status first (where, which page, the
    filters and how many items are selected: never cut off in a narrow terminal), then the
    server and schema, live or not, and the query cache's size and hit rate. The app
    refreshes it every second and after every gallery change."""

    DEFAULT_CSS = """
    StatusLine { dock: bottom; width: 100%; height: 1; background: $panel; color: $text-muted;
                 padding: 0 1; }
    """

    def show(
        self,
        *,
        where: str,
        live: bool,
        live_status: str,
        cache: QueryCache,
        gallery: str,
        connection: str = "online",
    ) -> None:
        """Show the connection (``where``), whether updates are ``live`` (in the core's words,
        ``live_status``: "live", "polling every 3 s", "not live"), the ``cache``'s
        numbers and the ``gallery``'s status line. A ``connection`` other than "online"
        (the workbench's ``connection_state``: "reconnecting" or "offline") replaces the
        live dot with the word every front end shows (``connection_status``), in its tone."""
        status = connection_status(health=connection, live_status=live_status)
        word = escape(status.words)
        if not status.connected:
            dot = f"[{TONE_MARKUP[status.tone]}]● {word}[/]"
        else:
            dot = f"[green]●[/] {word}" if live else f"[dim]○ {word}[/]"
        stats = cache.stats
        lookups = stats.hits + stats.stale_hits + stats.misses
        rate = f"{100 * (stats.hits + stats.stale_hits) / lookups:.0f}%" if lookups else "n/a"
        shown = escape(printable(gallery))
        self.update(f"{shown}  │  {where}  {dot}  cache {len(cache)} keys, {rate} hits")
