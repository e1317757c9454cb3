"""The limits on what the workbench accepts, and the checks that enforce them.

Every value that comes from a person or a program (a search box, a shot name, a settings
patch typed in a terminal or passed to the API) goes through one of these checks before it
reaches SQL, so bad input is a ``ValidationError`` naming the argument and the problem, never
a ``psycopg.DataError``, a ``UnicodeEncodeError`` or a ``RecursionError`` from deep inside.
The API, the CLI, the TUI and the notebook share these functions, so a limit is the same
everywhere (README, "Limits").

Why each rule:

- **NUL** (``"\\x00"``): PostgreSQL text and jsonb cannot hold it.
- **Lone surrogates** (``"\\udcff"``, what Python makes of a non-UTF-8 command-line byte): they
  cannot be encoded as UTF-8, so they cannot be sent to the database at all.
- **Depth**: code that walks JSON recursively (ours, ``json``, ``copy.deepcopy``) fails with a
  ``RecursionError`` near 1000 levels; settings are a few levels deep, so 32 is plenty.
- **Integers** within ±(2**53 - 1): what Reigh's JavaScript reads exactly (and what ``json``
  can print: ``10**5000`` is a ``ValueError`` there).
- **Size**: a tool's settings are small; a 100 MB patch is a mistake, refused before it is
  serialised and sent.

The JSON walk is iterative (an explicit stack), so however deep the input, checking it cannot
itself raise ``RecursionError``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from workbench.errors import ValidationError, echo

MAX_NAME_LENGTH = 200  # a project or shot name (Reigh sets none; 200 is a long title)
MAX_SEARCH_LENGTH = 200  # the gallery's prompt search
MAX_TOOL_TYPE_LENGTH = 100  # the gallery's tool filter, like a settings tool id
MAX_KEY_LENGTH = 200  # one key of a settings object, one segment of a settings path
MAX_JSON_DEPTH = 32  # nesting of a settings value (an object or list is one level)
MAX_JSON_KEYS = 10_000  # keys and list items in one settings value, all levels together
MAX_JSON_BYTES = 1_000_000  # one settings value (a patch), serialised as UTF-8 JSON
MAX_SAFE_INTEGER = 2**53 - 1  # JavaScript's Number.MAX_SAFE_INTEGER
MAX_PAGE_LIMIT = 500  # items in one gallery page (a larger limit is cut to this)
MAX_FRAME = 2**31 - 1  # a timeline frame: a PostgreSQL integer
MAX_BATCH = 10_000  # generations in one bulk action (star, add to or remove from a shot, delete)
MAX_PAGE_NUMBER = 10_000_000  # a gallery page number (500 a page: 5 billion generations)


def check_text(value: object, what: str, max_length: int, *, empty: bool = True) -> str:
    """``value`` if it is a ``str`` that PostgreSQL can store and is at most ``max_length``
    characters (and not blank, unless ``empty``); else a ``ValidationError`` naming ``what``."""
    if not isinstance(value, str):
        raise ValidationError(f"{what} must be text, not {type(value).__name__} {echo(value)}")
    if len(value) > max_length:
        raise ValidationError(
            f"{what} is limited to {max_length:,} characters, not {len(value):,} ({echo(value)})"
        )
    problem = text_problem(value)
    if problem is not None:
        raise ValidationError(f"{what} {problem}: {echo(value)}")
    if not empty and not value.strip():
        raise ValidationError(f"{what} must not be empty")
    return value


def text_problem(value: str) -> str | None:
    """Why PostgreSQL cannot store ``value`` (a NUL, a lone surrogate), or None."""
    if "\x00" in value:
        return "contains a NUL character (\\x00)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = value[exc.start]
        return (
            f"contains {bad!a}, which is not a character (is it from a name or argument "
            f"that is not valid UTF-8?)"
        )
    return None


def check_int(
    value: object, what: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """``value`` if it is a whole number (not a bool) within the bounds given."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{what} must be a whole number, not {echo(value)}")
    if minimum is not None and value < minimum:
        raise ValidationError(f"{what} must be at least {minimum:,}, not {_number(value)}")
    if maximum is not None and value > maximum:
        raise ValidationError(f"{what} must be at most {maximum:,}, not {_number(value)}")
    return value


def _number(value: int) -> str:
    """A whole number as a message shows it: ``10**5000`` cannot even be printed in full."""
    if abs(value) < 10**30:
        return f"{value:,}"
    return f"a number of {int(value.bit_length() * 0.30103) + 1:,} digits"


Trail = tuple[Any, ...] | None  # (parent trail, ".key" or "[i]"): a path built only if shown


def check_json(
    value: object,
    what: str,
    *,
    max_depth: int = MAX_JSON_DEPTH,
    max_bytes: int = MAX_JSON_BYTES,
    max_keys: int = MAX_JSON_KEYS,
) -> None:
    """Refuse anything that is not a JSON value PostgreSQL's jsonb and Reigh can hold, naming
    the first offending place (``what.a.b[3]``): a non-JSON type, a non-finite float, an
    integer beyond ±(2**53 - 1), a key that is not a non-empty string, a NUL or a lone
    surrogate in a key or string, more than ``max_depth`` levels, more than ``max_keys`` keys
    and items, more than ``max_bytes`` bytes as JSON. Iterative: cannot recurse too deep."""
    size = 0
    count = 0
    stack: list[tuple[object, Trail, int]] = [(value, None, 0)]

    def refuse(trail: Trail, message: str) -> ValidationError:
        return ValidationError(f"{_place(what, trail)}{message}")

    while stack:
        item, trail, depth = stack.pop()
        if item is None or isinstance(item, bool):
            size += 5
        elif isinstance(item, int):
            if abs(item) > MAX_SAFE_INTEGER:
                raise refuse(
                    trail,
                    f": {_number(item)} is beyond ±{MAX_SAFE_INTEGER:,} (2**53 - 1), the "
                    f"largest whole number JSON readers keep exactly",
                )
            size += 17
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise refuse(trail, f": {item} is not a JSON number")
            size += 24
        elif isinstance(item, str):
            size += _string_size(item, max_bytes, lambda m, t=trail: refuse(t, m))
        elif isinstance(item, (Mapping, list, tuple)):
            if depth >= max_depth:
                raise refuse(trail, f": nested more than {max_depth} levels deep (the limit)")
            count += len(item)
            if count > max_keys:
                raise ValidationError(
                    f"{what} has more than {max_keys:,} keys and list items (the limit)"
                )
            size += 2 + len(item)
            if isinstance(item, Mapping):
                for key, child in item.items():
                    if not isinstance(key, str) or not key:
                        raise refuse(trail, f": keys must be non-empty strings, not {echo(key)}")
                    if len(key) > MAX_KEY_LENGTH:
                        raise refuse(
                            trail,
                            f": a key of {len(key):,} characters ({echo(key)}); the limit is "
                            f"{MAX_KEY_LENGTH}",
                        )
                    size += _string_size(key, max_bytes, lambda m, t=trail: refuse(t, ": key" + m))
                    stack.append((child, (trail, f".{key}"), depth + 1))
            else:
                for index, child in enumerate(item):
                    stack.append((child, (trail, f"[{index}]"), depth + 1))
        else:
            raise refuse(
                trail,
                f": a {type(item).__name__} is not a JSON value (use strings, numbers, "
                f"booleans, null, lists and objects)",
            )
        if size > max_bytes:
            raise ValidationError(
                f"{what} is over {max_bytes:,} bytes as JSON; the limit is {max_bytes:,} bytes"
            )


def _string_size(text: str, max_bytes: int, refuse: Any) -> int:
    """The bytes ``text`` takes as JSON; refused when PostgreSQL cannot store it."""
    if len(text) > max_bytes:  # before encoding a 100 MB string only to refuse it
        raise refuse(f": a text of {len(text):,} characters; the limit is {max_bytes:,} bytes")
    problem = text_problem(text)
    if problem is not None:
        raise refuse(f" {problem}: {echo(text)}")
    return len(text.encode("utf-8")) + 2


def _place(what: str, trail: Trail, limit: int = 80) -> str:
    """Where in the value: ``what.a.b[3]``, cut like ``echo`` cuts input (keys may be long)."""
    steps: list[str] = []
    while trail is not None:
        trail, step = trail
        steps.append(step)
    where = what + "".join(reversed(steps))
    return where if len(where) <= limit else f"{where[: limit - 1]}…"
