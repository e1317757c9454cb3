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
    ├── PermissionDenied         the current user may not do this (never: "not yours")
    ├── ConflictError            a change made elsewhere would be overwritten (undo, restore)
    └── ValidationError          bad input, refused before anything is stored
        └── MediaError           a file that is not the media it claims to be
"""

from __future__ import annotations

import re


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
    """The configured user may not do this (e.g. undo another user's journal entry).

    Never raised for a row id the user does not own: that is ``not_found(...)``, the same
    answer a missing id gets, so no call tells "exists, not yours" from "does not exist"."""


class ConflictError(WorkbenchError):
    """Doing this would overwrite a newer change made elsewhere; nothing was changed."""


class ValidationError(WorkbenchError):
    """Input was refused before anything was stored."""


class MediaError(ValidationError):
    """A file's content is not a supported, decodable image or video."""


def echo(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for messages that quote bad input: a
    1 MB id must not come back as a 1 MB error message."""
    try:
        shown = repr(value)
    except ValueError:  # an int past Python's 4,300-digit limit for text
        if not isinstance(value, int):
            raise
        digits = int(value.bit_length() * 0.30103) + 1
        return f"a whole number of about {digits:,} digits"
    if len(shown) <= limit:
        return shown
    return f"{shown[:limit]}… ({len(shown):,} characters)"


def not_found(kind: str, row_id: object) -> NotFoundError:
    """The one answer for an id that is missing or another user's, for reads and writes
    alike: "<kind> <id> not found among the current user's"."""
    return NotFoundError(f"{kind} {row_id} not found among the current user's")


def first_line(exc: BaseException) -> str:
    """An error's message as a one-line report shows it (its class name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# C0 controls, DEL, C1 controls, the bidirectional overrides and isolates (which reorder what
# a terminal shows) and lone surrogates (which cannot even be encoded for the terminal).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``text`` as a terminal may show it: control characters (ESC, BEL, CR, newline, ...),
    bidirectional overrides and lone surrogates become visible escapes (``\\x1b``,
    ``\\u202e``, ``\\udc80``); every other character, accented or not, stays as it is.

    Names, paths and prompts come from users and from disk; printed raw, a file named
    ``"\\x1b]0;pwned\\x07.png"`` would retitle the terminal, ``"\\x1b[2J"`` clear it.
    """
    return _UNPRINTABLE.sub(_escape, str(text))
