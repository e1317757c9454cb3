"""Whether the database answers: one online/offline state that front ends show.

Several parts find out that the database went away or came back (the pool, when a request
times out or a connection is lost; its background reconnection; the live-updates listener).
They all report here, so a front end reads one state ("offline" in its status line) and
hears one change per transition, and the log gets one line per transition instead of one
per failed attempt (psycopg's pool warns on every reconnection attempt, which, with no
logging configured, Python prints to stderr: a flood during an outage).
"""

from __future__ import annotations

import logging
import threading
from typing import Literal

from workbench.listeners import Listeners

log = logging.getLogger(__name__)
State = Literal["online", "offline"]


class ConnectionHealth:
    """The database's reachability as last seen, for one workbench (one pool).

    ``changed`` hears ``True`` (back online) or ``False`` (offline) once per transition, on a
    thread of its own: reports come from inside the pool (its worker threads, its logging),
    where a listener that queried the database again could deadlock.
    """

    def __init__(self, where: str) -> None:
        self.where = where  # the masked DSN, for messages
        self._lock = threading.Lock()
        self._notify_lock = threading.Lock()
        self._online = True
        self.last_error: str | None = None  # the most recent failure's one-line reason
        self.changed: Listeners[bool] = Listeners("connection state")

    @property
    def online(self) -> bool:
        return self._online

    @property
    def state(self) -> State:
        """The word a status line shows: "online" or "offline"."""
        return "online" if self._online else "offline"

    def failed(self, reason: str) -> None:
        """Something could not reach the database (``reason``: one line)."""
        with self._lock:
            self.last_error = reason
            if not self._online:
                return
            self._online = False
        log.warning(
            "workbench: the database %s is unreachable (%s); retrying in the background",
            self.where, reason,
        )  # fmt: skip
        self._tell()

    def succeeded(self) -> None:
        """The database answered."""
        if self._online:  # the common case, without the lock
            return
        with self._lock:
            if self._online:
                return
            self._online = True
            self.last_error = None  # a later timeout must not quote this outage's reason
        log.warning("workbench: the database %s is reachable again", self.where)
        self._tell()

    def _tell(self) -> None:
        threading.Thread(target=self._notify, name="workbench-health", daemon=True).start()

    def _notify(self) -> None:
        # The state as it is now, one thread at a time: two quick transitions must not
        # reach listeners in the wrong order.
        with self._notify_lock:
            self.changed.notify(self._online)


def short_reason(message: str) -> str:
    """libpq's "connection failed: connection to server on socket "/…/.s.PGSQL.5432" failed:
    No such file or directory" (and a hint on the next line) as its telling part: "No such
    file or directory"."""
    text = message.strip()
    line = text.splitlines()[0] if text else message
    return line.rsplit("failed: ", 1)[-1] if "failed: " in line else line
