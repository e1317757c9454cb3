"""What every front end's status line says about the connection, decided once: the TUI, the
notebook widgets and the CLI show the same word in the same tone.

Four states, as a creator reads them: "loading" (the first answer is on its way), "live"
(connected; the words say how other clients' changes arrive: "live", "polling every 3 s",
"not live"), "reconnecting" (a call just failed and the workbench is trying again) and
"offline" (the database does not answer; actions fail at once instead of waiting).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

ConnectionState = Literal["loading", "live", "reconnecting", "offline"]
# A tone per state, for front ends to map to their theme's colours (a notebook: JupyterLab's
# --jp-success-color1 and kin; the TUI: its success/warning/error colours).
Tone = Literal["muted", "ok", "warn", "error"]
TONES: dict[ConnectionState, Tone] = {
    "loading": "muted",
    "live": "ok",
    "reconnecting": "warn",
    "offline": "error",
}


@dataclass(frozen=True)
class ConnectionStatus:
    """``state`` is one of the four; ``words`` what the status line shows; ``reason`` the
    last failure's one line while not connected (a tooltip)."""

    state: ConnectionState
    words: str
    reason: str | None = None

    @property
    def tone(self) -> Tone:
        """The state's tone ("muted", "ok", "warn", "error"), which each front end maps to
        its theme's colours."""
        return TONES[self.state]

    @property
    def connected(self) -> bool:
        """Whether actions can be tried now (else a front end refuses them at once)."""
        return self.state in ("loading", "live")


def connection_status(
    *,
    health: str = "online",
    loading: bool = False,
    live_status: str = "not live",
    reason: str | None = None,
) -> ConnectionStatus:
    """The status of a view: ``health`` is the workbench's ``connection_state`` ("online",
    "reconnecting", "offline"); ``loading`` whether the view waits for its first answer;
    ``live_status`` the workbench's words for how changes arrive."""
    if health == "offline":
        return ConnectionStatus("offline", "offline", reason)
    if health == "reconnecting":
        return ConnectionStatus("reconnecting", "reconnecting…", reason)
    if loading:
        return ConnectionStatus("loading", "loading…")
    return ConnectionStatus("live", live_status)


class _Reachable(Protocol):
    @property
    def connection_state(self) -> str: ...

    @property
    def live_status(self) -> str: ...


def workbench_connection(wb: _Reachable, *, loading: bool = False) -> ConnectionStatus:
    """The status of a view that keeps no connection state of its own (settings, uploads):
    the workbench's, as it is now. Front ends re-render on ``wb.health.changed``."""
    return connection_status(
        health=wb.connection_state, loading=loading, live_status=wb.live_status
    )
