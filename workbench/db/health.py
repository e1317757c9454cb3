"""Whether the database answers: one connection state that every front end shows.

Several parts find out that the database went away or came back (the pool, when a request
times out or a connection is lost; its background reconnection; the live-updates listener;
the poller). They all report here, so a front end reads one state (the word in its status
line) and hears one change per transition, and the log gets one line per outage instead of
one per failed attempt (psycopg's pool warns on every reconnection attempt, which, with no
logging configured, Python prints to stderr: a flood during an outage).

Three states, as a user reads them:

- "online": the last thing that talked to the database got an answer;
- "reconnecting": a failure was just seen and the workbench is trying again (one connection
  attempt, at once): a dropped connection on a healthy server ends here, back online a moment
  later, and nobody is told "offline" for it;
- "offline": that retry failed too. Actions fail at once instead of waiting for a pool
  timeout (``WorkbenchPool`` asks ``state`` before waiting), and a probe keeps trying one
  connection every ``PROBE_EVERY_S`` seconds until the database answers: "back online" does
  not depend on a view polling or a user clicking.

The probe is one plain connection attempt (``probe``, given by ``open_pool``), never the
pool: a pool asked for connections during an outage would start a reconnection loop per
request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Literal

from workbench.listeners import Listeners

log = logging.getLogger(__name__)
State = Literal["online", "reconnecting", "offline"]
PROBE_EVERY_S = 2.0  # between connection attempts while offline


class ConnectionHealth:
    """The database's reachability as last seen, for one workbench (one pool).

    ``changed`` hears ``online`` (a bool) on every transition (online → reconnecting,
    reconnecting → offline, either → online), on a thread of its own: reports come from
    inside the pool (its worker threads, its logging), where a listener that queried the
    database again could deadlock. Listeners read ``state`` for the word; the bool keeps
    "back online: reload" a one-line test.

    ``probe``: one connection attempt that raises when the database does not answer; without
    one (a pool that is not the workbench's) a failure means "offline" at once and only the
    next successful call brings it back.
    """

    def __init__(
        self,
        where: str,
        probe: Callable[[], None] | None = None,
        *,
        every: float = PROBE_EVERY_S,
    ) -> None:
        self.where = where  # the masked DSN, for messages
        self._probe = probe
        self._every = every
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)  # "reconnecting" ended
        self._notify_lock = threading.Lock()
        self._state: State = "online"
        self._closed = threading.Event()
        self._wake = threading.Event()  # a recheck asks the probe to try now
        self._attempts = 0  # the probe's finished attempts (a recheck waits for the next)
        self._trying = False  # an attempt is under way (its answer may predate the recheck)
        self._prober: threading.Thread | None = None
        self.last_error: str | None = None  # the most recent failure's one-line reason
        self.changed: Listeners[bool] = Listeners("connection state")

    @property
    def online(self) -> bool:
        """Whether the database answered last time (calls are tried normally)."""
        return self._state == "online"

    @property
    def state(self) -> State:
        """The word a status line shows: "online", "reconnecting" or "offline"."""
        return self._state

    def failed(self, reason: str) -> None:
        """Something could not reach the database (``reason``: one line)."""
        with self._lock:
            self.last_error = reason
            if self._state != "online":
                return
            self._state = "reconnecting" if self._probe is not None else "offline"
            if self._state == "offline":
                self._settled.notify_all()
            self._start_probing()
        log.warning(
            "workbench: the database %s is unreachable (%s); retrying in the background",
            self.where, reason,
        )  # fmt: skip
        self._tell()

    def succeeded(self) -> None:
        """The database answered."""
        if self._state == "online":  # the common case, without the lock
            return
        with self._lock:
            if self.online:  # another thread was first (re-read under the lock)
                return
            self._state = "online"
            self.last_error = None  # a later timeout must not quote this outage's reason
            self._settled.notify_all()
        log.warning("workbench: the database %s is reachable again", self.where)
        self._tell()

    def settle(self, timeout: float) -> State:
        """The state once "reconnecting" has been decided (online or offline), waiting at
        most ``timeout`` seconds for the retry under way: an action taken just after a
        failure gets the retry's verdict instead of a guess."""
        deadline = time.monotonic() + timeout
        with self._settled:
            while self._state == "reconnecting" and not self._closed.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._settled.wait(left)
            return self._state

    def recheck(self, timeout: float) -> State:
        """Offline, an action asks whether the database answers again: the probe tries now
        instead of at its next tick, and this waits at most ``timeout`` for that attempt. A
        server that is down refuses at once (the action fails at once); one that came back
        a moment ago answers (the first action after a restart works). Concurrent actions
        share the one attempt."""
        deadline = time.monotonic() + timeout
        with self._settled:
            if self._state == "online" or self._prober is None or self._closed.is_set():
                return self._state
            # An attempt under way may have started before the database came back: wait
            # for the one after it.
            needed = self._attempts + (2 if self._trying else 1)
            self._wake.set()
            while not self.online and self._attempts < needed:  # re-read: other threads
                left = deadline - time.monotonic()
                if left <= 0 or self._closed.is_set():
                    break
                self._settled.wait(left)
            return self._state

    def close(self) -> None:
        """Stop probing (the workbench is closing); the state stays as it was."""
        self._closed.set()
        self._wake.set()
        with self._settled:
            self._settled.notify_all()

    # -- the probe -------------------------------------------------------------------------
    def _start_probing(self) -> None:
        """Under ``_lock``: one probe thread while not online (it clears ``_prober`` under
        the same lock as it ends, so a failure right then starts another)."""
        if self._probe is None or self._closed.is_set() or self._prober is not None:
            return
        self._prober = threading.Thread(
            target=self._probing, name=f"workbench-probe {self.where}", daemon=True
        )
        self._prober.start()

    def _probing(self) -> None:
        """Try at once (the "reconnecting" retry), then every ``every`` seconds while
        offline; stop when online or closed."""
        assert self._probe is not None
        while True:
            with self._lock:
                if self._state == "online" or self._closed.is_set():
                    self._prober = None
                    self._settled.notify_all()
                    return
                self._trying = True
            try:
                self._probe()
            except Exception as exc:  # any failure to connect: still unreachable
                self._gave_up(short_reason(str(exc)) or type(exc).__name__)
            else:
                self.succeeded()
                self._attempted()
                continue  # online: the check above ends the probe
            self._attempted()
            self._wake.wait(self._every)
            self._wake.clear()

    def _attempted(self) -> None:
        with self._settled:
            self._trying = False
            self._attempts += 1
            self._settled.notify_all()

    def _gave_up(self, reason: str) -> None:
        """The retry failed too: "reconnecting" becomes "offline"."""
        with self._lock:
            self.last_error = reason
            if self._state != "reconnecting":
                return
            self._state = "offline"
            self._settled.notify_all()
        self._tell()

    def _tell(self) -> None:
        threading.Thread(target=self._notify, name="workbench-health", daemon=True).start()

    def _notify(self) -> None:
        # The state as it is now, one thread at a time: two quick transitions must not
        # reach listeners in the wrong order.
        with self._notify_lock:
            self.changed.notify(self.online)


def short_reason(message: str) -> str:
    """libpq's "connection failed: connection to server on socket "/…/.s.PGSQL.5432" failed:
    No such file or directory" (and a hint on the next line) as its telling part: "No such
    file or directory"."""
    text = message.strip()
    line = text.splitlines()[0] if text else message
    return line.rsplit("failed: ", 1)[-1] if "failed: " in line else line
