"""The kernel's default connection, shared by every widget created without one, and what the
kernel's log says about the connection.

Log policy in a notebook (decided here because importing ``workbench.widgets`` is what makes
a kernel a notebook front end): every widget's status line shows the connection's state
("reconnecting…", "offline", then "live" again), so nothing about it belongs in stderr,
which a kernel turns into red text under whatever cell ran last or into JupyterLab's log
console. The pool's own records are already kept off stderr by the core
(``workbench.db.connection._quiet_pool_log``); here the workbench's one-line-per-outage
warnings (``workbench.db.health``) are kept off it too, with a ``NullHandler``: Python's
last-resort handler (what prints them when nothing is configured) is then never used for
them, while a notebook that configures logging still receives them. In a REPL or a script,
which has no status line, those warnings still reach stderr, since this module is not
imported there.
"""

from __future__ import annotations

import logging
import threading

from workbench.client import Workbench

_lock = threading.Lock()
_default: list[Workbench] = []  # at most one
CONNECTION_LOGGERS = ("psycopg.pool", "workbench.db.health")
_QUIET = logging.NullHandler()


def quiet_connection_log() -> None:
    """Keep the connection's log records off the kernel's stderr (see the module's
    docstring); idempotent, run when the widgets are imported."""
    for name in CONNECTION_LOGGERS:
        logger = logging.getLogger(name)
        if _QUIET not in logger.handlers:
            logger.addHandler(_QUIET)


quiet_connection_log()


def default_workbench() -> Workbench:
    """``workbench.connect()`` once per kernel: ten widgets share one pool and one listener."""
    with _lock:
        if not _default:
            from workbench.startup import connect

            _default.append(connect())
        return _default[0]


def resolve(wb: Workbench | None) -> Workbench:
    """``wb``, or the kernel's default workbench when None (see ``default_workbench``)."""
    return wb if wb is not None else default_workbench()
