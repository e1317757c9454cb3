"""workbench: Reigh-style AI image/video projects from a terminal, a notebook or a REPL.

``wb = workbench.connect()`` gives a :class:`Workbench`; with no configuration it runs an
embedded PostgreSQL and a local asset folder holding a demo project.

Attributes load lazily so ``import workbench`` stays fast: psycopg, boto3 and Pillow are only
imported when something needs them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from workbench.errors import (
    ConfigError,
    MediaError,
    NotFoundError,
    PermissionDenied,
    PostgresNotFound,
    SchemaError,
    ValidationError,
    WorkbenchConnectionError,
    WorkbenchError,
)

# The database cannot be reached: ``except workbench.ConnectionError`` (the class is named
# ``WorkbenchConnectionError`` so that importing it never shadows the builtin).
ConnectionError = WorkbenchConnectionError

if TYPE_CHECKING:
    from workbench.client import Workbench
    from workbench.config import Config
    from workbench.startup import connect

__version__ = "0.1.0"
__all__ = [
    "Config",
    "ConfigError",
    "ConnectionError",
    "MediaError",
    "NotFoundError",
    "PermissionDenied",
    "PostgresNotFound",
    "SchemaError",
    "ValidationError",
    "Workbench",
    "WorkbenchConnectionError",
    "WorkbenchError",
    "connect",
]
_LAZY = {
    "connect": "workbench.startup",
    "Workbench": "workbench.client",
    "Config": "workbench.config",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}")
    return getattr(import_module(module), name)
