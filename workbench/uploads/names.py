"""File names (and other text from files) in a form the database can store.

Python hands out undecodable bytes of a file name from disk as lone surrogates
(``surrogateescape``: byte 0xE9 becomes ``"\\udce9"``), and a notebook can pass any ``str``,
lone surrogates included. Neither can be encoded as UTF-8, so PostgreSQL refuses the JSON
holding them ("invalid input syntax for type json") after the object was already stored.
Recorded text is therefore made safe first: bytes that came from disk are decoded as UTF-8
with U+FFFD for what is not, other lone surrogates and NULs (which ``jsonb`` refuses too)
become U+FFFD. The upload's label, shown in messages, keeps the original (``printable``
escapes it for a terminal).
"""

from __future__ import annotations

import re

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def safe_text(text: str) -> str:
    """``text`` with undecodable bytes, lone surrogates and NULs replaced by U+FFFD."""
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate surrogateescape did not make (not \udc80-\udcff)
        text = _LONE_SURROGATE.sub(REPLACEMENT, text)
    return text.replace("\0", REPLACEMENT)
