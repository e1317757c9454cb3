"""The kernel's default connection, shared by every widget created without one."""

from __future__ import annotations

import threading

from workbench.client import Workbench

_lock = threading.Lock()
_default: list[Workbench] = []  # at most one


def default_workbench() -> Workbench:
    """``workbench.connect()`` once per kernel: ten widgets share one pool and one listener."""
    with _lock:
        if not _default:
            from workbench.startup import connect

            _default.append(connect())
        return _default[0]


def resolve(wb: Workbench | None) -> Workbench:
    return wb if wb is not None else default_workbench()
