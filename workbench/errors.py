"""The workbench's exceptions.

Every error the workbench raises on purpose is a ``WorkbenchError``, so front ends can catch
one type and show its message, which is written to be shown as is: it names the problem and,
where there is one, the thing to do about it.

    WorkbenchError
    ├── ConfigError              bad or missing configuration (a setting, a file, a DSN)
    │   └── PostgresNotFound     no PostgreSQL binaries for the embedded database
    ├── WorkbenchConnectionError the database (or the embedded server) cannot be reached
    ├── SchemaError              the database schema is not one the workbench can use
    ├── NotFoundError            a row (project, shot, user, ...) does not exist
    ├── PermissionDenied         the current user does not own the target
    ├── ConflictError            a change made elsewhere would be overwritten (undo, restore)
    └── ValidationError          bad input, refused before anything is stored
        └── MediaError           a file that is not the media it claims to be
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base of every error the workbench raises on purpose."""


class ConfigError(WorkbenchError):
    """A setting is missing or malformed."""


class PostgresNotFound(ConfigError):
    """Neither the bundled nor a system PostgreSQL installation could be found."""


class WorkbenchConnectionError(WorkbenchError):
    """The database could not be reached (named so it does not shadow the builtin)."""


class SchemaError(WorkbenchError):
    """The database holds a schema the workbench cannot work with (yet)."""


class NotFoundError(WorkbenchError):
    """The row an operation targets does not exist."""


class PermissionDenied(WorkbenchError):
    """The configured user does not own the target of a write."""


class ConflictError(WorkbenchError):
    """Doing this would overwrite a newer change made elsewhere; nothing was changed."""


class ValidationError(WorkbenchError):
    """Input was refused before anything was stored."""


class MediaError(ValidationError):
    """A file's content is not a supported, decodable image or video."""


def echo(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for messages that quote bad input: a
    1 MB id must not come back as a 1 MB error message."""
    shown = repr(value)
    if len(shown) <= limit:
        return shown
    return f"{shown[:limit]}… ({len(shown):,} characters)"


def first_line(exc: BaseException) -> str:
    """An error's message as a one-line report shows it (its class name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
