"""The status line: where we are connected, whether updates are live, the cache, the gallery."""

from __future__ import annotations

from textual.widgets import Static

from workbench.cache import QueryCache


class StatusLine(Static):
    """One line docked at the bottom: the server and schema, live or not, the query cache's
    size and hit rate, and the gallery's status. The app refreshes it every second."""

    DEFAULT_CSS = """
    StatusLine { dock: bottom; width: 100%; height: 1; background: $panel; color: $text-muted;
                 padding: 0 1; }
    """

    def show(
        self,
        *,
        where: str,
        live: bool,
        cache: QueryCache,
        gallery: str,
        connection: str = "online",
    ) -> None:
        """Show the connection (``where``), whether updates are ``live``, the ``cache``'s
        numbers and the ``gallery``'s status line. A ``connection`` of "offline" (the
        database is unreachable; the workbench keeps retrying) replaces the live dot."""
        if connection != "online":
            dot = f"[bold red]● {connection}[/] [dim]reconnecting…[/]"
        else:
            dot = "[green]●[/] live" if live else "[dim]○ not live[/]"
        stats = cache.stats
        lookups = stats.hits + stats.stale_hits + stats.misses
        rate = f"{100 * (stats.hits + stats.stale_hits) / lookups:.0f}%" if lookups else "n/a"
        self.update(f"{where}  {dot}  cache {len(cache)} keys, {rate} hits  │  {gallery}")
