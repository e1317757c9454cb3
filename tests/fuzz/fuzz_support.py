"""What the fuzz tests share: checksums of the database and the asset store, the guard that
runs one call and checks its outcome, and the Hypothesis strategies for hostile input.

A call may succeed (and change things, when it is a write) or be refused with a
``WorkbenchError``; any other exception is a bug. A refused call must leave the database (every
table's rows) and the asset store (every file's name, size and bytes) exactly as they were.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from hypothesis import event, note
from hypothesis import strategies as st
from psycopg import sql

from workbench.client import Workbench
from workbench.errors import WorkbenchError

TRAVEL = "travel-between-images"

# -- checksums -------------------------------------------------------------------------------


def db_checksum(conn: psycopg.Connection[Any]) -> dict[str, str | None]:
    """Every base table of the public schema, its rows hashed as text in a stable order."""
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()
    ]
    sums: dict[str, str | None] = {}
    for table in tables:
        query = sql.SQL(
            "SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, ',' "
            "ORDER BY t::text)), '') FROM {} t"
        ).format(sql.Identifier(table))
        row = conn.execute(query).fetchone()
        sums[table] = None if row is None else str(row[0])
    return sums


@dataclass
class TreeHasher:
    """Hashes a folder: every entry's relative path, type, size and (for files) bytes.

    File digests are kept by (path, inode, size, mtime, ctime), which any write changes, so
    each example does not reread the whole store."""

    root: Path
    _known: dict[tuple[str, int, int, int, int], str] = field(default_factory=dict)

    def _digest(self, path: Path, st_: os.stat_result) -> str:
        key = (str(path), st_.st_ino, st_.st_size, st_.st_mtime_ns, st_.st_ctime_ns)
        known = self._known.get(key)
        if known is None:
            known = hashlib.sha256(path.read_bytes()).hexdigest()
            self._known[key] = known
        return known

    def checksum(self) -> str:
        h = hashlib.sha256()
        if not self.root.exists():
            return "absent"
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=False):
            dirnames.sort()
            for name in sorted([*dirnames, *filenames]):
                path = Path(dirpath) / name
                rel = os.fsencode(path.relative_to(self.root))
                st_ = path.lstat()
                h.update(rel + b"\0")
                if path.is_symlink():
                    h.update(b"L" + os.fsencode(os.readlink(path)))
                elif path.is_dir():
                    h.update(b"D")
                else:
                    h.update(f"F{st_.st_size}:".encode() + self._digest(path, st_).encode())
                h.update(b"\n")
        return h.hexdigest()


# -- the environment --------------------------------------------------------------------------


@dataclass(repr=False)
class Env:
    """A workbench on a fresh copy of the demo, with ids to aim at and checksums to compare."""

    wb: Workbench
    dsn: str
    assets: Path
    conn: psycopg.Connection[Any]  # autocommit, for checksums only
    hasher: TreeHasher
    project: uuid.UUID
    other_project: uuid.UUID
    shot: uuid.UUID
    shots: list[uuid.UUID]
    generations: list[uuid.UUID]
    links: list[uuid.UUID]  # shot_generations ids of `shot`
    variants: list[uuid.UUID]
    foreign_project: uuid.UUID  # another user's
    foreign_shot: uuid.UUID
    foreign_generation: uuid.UUID
    foreign_variant: uuid.UUID
    cursor: str  # a real next_cursor of the project's gallery (limit 5)
    history: list[int]  # settings history entry ids of the shot (at setup)
    shot_cursor: str  # a real next_cursor of the shot's timeline (limit 2)

    def __repr__(self) -> str:  # short: Hypothesis shows it with every failing example
        return f"<fuzz Env {self.dsn.split('dbname=')[-1].split()[0]}>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # what Hypothesis's printer uses
        p.text(repr(self))

    def state(self) -> tuple[dict[str, str | None], str]:
        # Writes queued by settings handles land first: a refusal is judged on what is stored.
        if self.wb._settings is not None:
            self.wb._settings.queue.flush()
        return db_checksum(self.conn), self.hasher.checksum()

    def check(self, call: Callable[[], object], *, mutating: bool = True) -> object:
        """Run ``call``: success, or a ``WorkbenchError`` that changed nothing.

        Any other exception propagates (and fails the example). ``mutating=False`` marks a
        read: it must change nothing even when it succeeds."""
        before = self.state()
        try:
            result = call()
        except WorkbenchError as exc:
            event(f"refused: {type(exc).__name__}")
            note(f"refused: {type(exc).__name__}: {str(exc)[:300]}")
            after = self.state()
            assert _diff(before, after) == [], f"a refused call changed {_diff(before, after)}"
            return exc
        event("succeeded")
        if not mutating:
            after = self.state()
            assert _diff(before, after) == [], f"a read changed {_diff(before, after)}"
        return result


def _diff(
    before: tuple[dict[str, str | None], str], after: tuple[dict[str, str | None], str]
) -> list[str]:
    changed = [
        t for t in sorted(set(before[0]) | set(after[0])) if before[0].get(t) != after[0].get(t)
    ]
    if before[1] != after[1]:
        changed.append("<asset store>")
    return changed


# -- strategies: ids --------------------------------------------------------------------------

# Every character, lone surrogates (Cs) and NUL included.
ANY_CHAR = st.characters(exclude_categories=())
NASTY = ["%", "_", "\\", "'", '"', "\0", "\ud800", "\udcff", "\u202e", "\n", "\r", "\t", "*"]
NASTY_CHAR = st.one_of(ANY_CHAR, st.sampled_from(NASTY))


def nasty_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Text full of LIKE wildcards, escapes, quotes, NUL, lone surrogates and controls."""
    return st.one_of(
        st.text(NASTY_CHAR, max_size=max_size),
        st.sampled_from(
            [
                "",
                " ",
                "%",
                "_",
                "\\",
                "%%",
                "\\%",
                "'; DROP TABLE generations; --",
                '"',
                "\0",
                "a\0b",
                "\ud800",
                "\udc80.png",
                "\x1b[2J",
                "Neon Coastline",
                "Neon Coastline\0",
                "neon coastline",
                "Harbour Lights",
                "Harbour%",
                "H_rbour Lights",
            ]
        ),
        st.integers(min_value=1, max_value=4).map(lambda n: "%" * (10**n)),
    )


HUGE_TEXT = st.sampled_from([1_000, 100_000, 1_000_000]).map(lambda n: "a" * n)
HUGE_NASTY = st.sampled_from([10_001, 1_000_000]).map(lambda n: "%\0\ud800"[n % 3] * n)


# Whole numbers past Python's 4,300-digit limit for text: drawn through ``map`` so that no
# strategy holds one (Hypothesis prints a strategy's values when it reports, and repr() of
# such a number raises).
HUGE_INTS = st.sampled_from([1, -1]).map(lambda sign: sign * 10**5000)


def junk_values() -> st.SearchStrategy[Any]:
    """Things that are no id at all."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**130), max_value=2**130),
        HUGE_INTS,
        st.floats(),
        st.binary(max_size=20),
        st.just(b"\xff" * 16),
        st.just(bytes(16)),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        st.just(object()),
        st.just(uuid.UUID(int=0)),
        st.just(uuid.UUID(int=2**128 - 1)),
    )


def id_strategy(env_ids: list[Any]) -> st.SearchStrategy[Any]:
    """Valid ids (mine and another user's), missing uuids, garbage strings, huge strings,
    ints, None, bytes, ..."""
    return st.one_of(
        st.sampled_from(env_ids) if env_ids else st.nothing(),
        st.sampled_from(env_ids).map(str) if env_ids else st.nothing(),
        st.sampled_from(env_ids).map(lambda u: str(u).upper()) if env_ids else st.nothing(),
        st.sampled_from(env_ids).map(lambda u: f" {u}\0") if env_ids else st.nothing(),
        st.sampled_from(env_ids).map(lambda u: str(u).encode()) if env_ids else st.nothing(),
        st.uuids(),
        st.uuids().map(str),
        st.uuids().map(lambda u: u.hex),
        st.uuids().map(lambda u: "{" + str(u) + "}"),
        st.uuids().map(lambda u: "urn:uuid:" + str(u)),
        nasty_text(),
        HUGE_TEXT,
        HUGE_NASTY,
        junk_values(),
    )


# -- strategies: settings --------------------------------------------------------------------

ODD_KEYS = st.one_of(
    st.text(NASTY_CHAR, max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            ".",
            "a.b",
            "..",
            "$",
            "{}",
            "__proto__",
            "constructor",
            "\0",
            "\ud800",
            "amountOfMotion",
            "generationMode",
            "amountOfMotion.x",
            "k" * 10_000,
        ]
    ),
)

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**63, -(2**63) - 1, 10**400]),
    HUGE_INTS,
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, 1e308, 5e-324]),
    nasty_text(20),
)


def deep(depth: int, leaf: Any, *, as_list: bool = False) -> Any:
    value = leaf
    for i in range(depth):
        value = [value] if as_list and i % 2 else {"d": value}
    return value


def settings_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.recursive(
            SCALARS,
            lambda children: st.one_of(
                st.lists(children, max_size=4),
                st.dictionaries(ODD_KEYS, children, max_size=4),
            ),
            max_leaves=12,
        ),
        st.builds(
            deep,
            st.sampled_from([10, 64, 99, 100, 101, 150, 1_000]),
            SCALARS,
            as_list=st.booleans(),
        ),
        st.sampled_from([1_000, 20_000]).map(lambda n: {f"k{i}": i for i in range(n)}),
        st.sampled_from([1_000, 100_000]).map(lambda n: list(range(n))),
        HUGE_TEXT,
        HUGE_NASTY,
        st.just({1: "int key"}),
        st.just({(1, 2): "tuple key"}),
        st.just({"set": {1, 2}}),
        st.just(b"bytes"),
        st.just(object()),
    )


def patches() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.dictionaries(ODD_KEYS, settings_values(), max_size=3),
        st.dictionaries(
            st.sampled_from(["amountOfMotion", "generationMode", "prompt", "paneLocks"]),
            settings_values(),
            max_size=2,
        ),
        settings_values(),  # not even a dict
        st.just({}),
    )


def tool_ids() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from([TRAVEL, "ui", "upload", "join-clips", "user-preferences"]),
        st.sampled_from([TRAVEL, "ui"]).map(lambda t: t + "\0"),
        st.sampled_from([TRAVEL.upper(), "travel_between_images", "travel-between-image"]),
        nasty_text(20),
        HUGE_TEXT,
        junk_values(),
    )


SCOPES = st.one_of(
    st.sampled_from(["user", "project", "shot"]),
    st.sampled_from(["", "USER", "defaults", "shot\0", "\ud800", "projects"]),
    junk_values(),
)


def paths() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        ODD_KEYS,
        st.lists(ODD_KEYS, max_size=4),
        st.tuples(ODD_KEYS, ODD_KEYS),
        st.just(("",)),
        st.just(()),
        st.just([]),
        st.just(".".join(["a"] * 10_000)),
        junk_values(),
    )


# -- strategies: paging ----------------------------------------------------------------------


def b64json(value: Any) -> str:
    raw = json.dumps(value, separators=(",", ":"), allow_nan=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decoded(cursor: str) -> dict[str, Any]:
    """The JSON body of a real cursor (signed cursors are ``body.signature``)."""
    body = cursor.split(".", 1)[0]
    value: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return value


def resigned(cursor: str, body: dict[str, Any]) -> str:
    """``body`` encoded as a cursor, carrying ``cursor``'s signature (now a stale one)."""
    _, dot, signature = cursor.partition(".")
    return b64json(body) + dot + signature


JSONISH = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from([10**400, -(10**400), 2**63, -(2**31) - 1]),
        st.floats(allow_nan=True),
        nasty_text(10),
    ),
    lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(ODD_KEYS, c, max_size=3)),
    max_leaves=8,
)

CURSOR_KEYS = ["m", "t", "l", "f", "p", "d", "k"]


def cursors(real: list[str]) -> st.SearchStrategy[Any]:
    """Forged cursors: garbage, base64 of odd JSON, real cursors with one field tampered."""

    def tamper(cursor: str, key: str, value: Any) -> str:
        body = decoded(cursor)
        body[key] = value
        return resigned(cursor, body)

    def drop(cursor: str, key: str) -> str:
        body = decoded(cursor)
        body.pop(key, None)
        return resigned(cursor, body)

    def filters_tamper(cursor: str, name: str, value: Any) -> str:
        body = decoded(cursor)
        body["f"] = {**body.get("f", {}), name: value}
        return resigned(cursor, body)

    def swap_signature(first: str, second: str) -> str:
        return first.split(".", 1)[0] + "." + second.partition(".")[2]

    filter_names = st.sampled_from(
        ["media_type", "tool_type", "starred", "search", "in_shot", "in_no_shot", "unpositioned",
         "edits_only", "created_after", "created_before", "sort", "nope", "__class__"]
    )  # fmt: skip
    return st.one_of(
        st.sampled_from(real),
        st.none(),
        junk_values(),
        nasty_text(),
        HUGE_TEXT,
        st.binary(max_size=64).map(lambda b: base64.urlsafe_b64encode(b).decode()),
        JSONISH.map(b64json),
        st.builds(tamper, st.sampled_from(real), st.sampled_from(CURSOR_KEYS), JSONISH),
        st.builds(
            tamper,
            st.sampled_from(real),
            st.sampled_from(["p", "l"]),
            st.one_of(
                st.sampled_from([0, -1, -(2**63), 2**63, 10**400, 1.5, "2", True, None]), HUGE_INTS
            ),
        ),
        st.builds(
            tamper,
            st.sampled_from(real),
            st.just("k"),
            st.one_of(
                st.lists(JSONISH, max_size=4),
                st.just(["9999-12-31T23:59:59+00:00", str(uuid.UUID(int=0))]),
                st.just(["0001-01-01T00:00:00", "not-a-uuid"]),
                st.just([True, 10**400, str(uuid.UUID(int=0))]),
                st.just([True, -(2**63) - 1, str(uuid.UUID(int=0))]),
                st.just([False, 2**31, str(uuid.UUID(int=1))]),
                st.just([None, None, None]),
            ),
        ),
        st.builds(drop, st.sampled_from(real), st.sampled_from(CURSOR_KEYS)),
        st.builds(filters_tamper, st.sampled_from(real), filter_names, JSONISH),
        st.sampled_from(real).map(lambda c: c.split(".", 1)[0]),  # signature removed
        st.builds(swap_signature, st.sampled_from(real), st.sampled_from(real)),
        st.sampled_from(real).map(lambda c: c + "=="),
        st.sampled_from(real).map(lambda c: c[:-3]),
        st.sampled_from(real).map(lambda c: c + "\0"),
        st.sampled_from(real).map(lambda c: c.encode()),
    )


PAGE_NUMBERS = st.one_of(
    st.none(),
    st.integers(min_value=-3, max_value=20),
    st.sampled_from([0, -1, 2**31, 2**63, 10**400]),
    HUGE_INTS,
    st.floats(allow_nan=True),
    st.sampled_from(["1", "2", "", "one", True, False, b"1"]),
    junk_values(),
)

LIMITS = st.one_of(
    st.none(),
    st.integers(min_value=-3, max_value=300),
    st.sampled_from([0, -1, 10**6, 2**31, 2**63]),
    HUGE_INTS,
    st.floats(allow_nan=True),
    st.sampled_from(["50", "", True, False, b"5"]),
    junk_values(),
)


# -- strategies: generation filters ----------------------------------------------------------


def filter_dicts(shot_ids: list[uuid.UUID]) -> st.SearchStrategy[dict[str, Any]]:
    values: dict[str, st.SearchStrategy[Any]] = {
        "media_type": st.one_of(
            st.sampled_from(["image", "video", None, "IMAGE", ""]), junk_values()
        ),
        "tool_type": st.one_of(nasty_text(), junk_values()),
        "starred": st.one_of(st.sampled_from([True, False, None, 1, 0, "true"]), junk_values()),
        "search": st.one_of(nasty_text(), HUGE_TEXT, HUGE_NASTY, junk_values()),
        "in_shot": id_strategy(list(shot_ids)),
        "in_no_shot": st.one_of(st.booleans(), junk_values()),
        "unpositioned": st.one_of(st.booleans(), junk_values()),
        "edits_only": st.one_of(st.booleans(), junk_values()),
        "created_after": st.one_of(
            st.sampled_from(
                [
                    "2026-09-05",
                    "2026-13-45",
                    "yesterday",
                    "9999-12-31 23:59",
                    "0001-01-01",
                    "",
                    "2026-09-05T00:00:00+25:00",
                ]
            ),
            st.datetimes(),
            st.datetimes(timezones=st.timezones()),
            nasty_text(),
            junk_values(),
        ),
        "created_before": st.one_of(st.datetimes(timezones=st.timezones()), nasty_text()),
        "sort": st.one_of(st.sampled_from(["newest", "oldest", "random", ""]), junk_values()),
        "nope": st.integers(),
    }
    return st.fixed_dictionaries({}, optional=values)


# -- strategies: upload files ----------------------------------------------------------------

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff\xe0"


def _chunk(kind: bytes, data: bytes) -> bytes:
    import struct

    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def zeros_deflated(total: int) -> bytes:
    """A zlib stream of ``total`` zero bytes, made without compressing them all: one
    full-flushed raw deflate segment of 4 MiB of zeros is repeated (each segment starts
    afresh, so repeats decode alike), then the rest, then Adler-32 (for zeros: a=1, b=n)."""
    block = 1 << 22
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = comp.compress(bytes(block)) + comp.flush(zlib.Z_FULL_FLUSH)
    repeats, rest = divmod(total, block)
    tail = comp.compress(bytes(rest)) + comp.flush(zlib.Z_FINISH)
    adler = ((total % 65521) << 16) | 1
    return b"\x78\xda" + segment * repeats + tail + adler.to_bytes(4, "big")


@functools.lru_cache(maxsize=8)
def png_bomb(width: int, height: int, complete: bool) -> bytes:
    """A PNG claiming ``width`` x ``height`` greyscale pixels, all zeros: with ``complete``
    the whole IDAT stream is there (30,000 x 30,000 is 900 MB of pixels in under 1 MB),
    else only its first megabyte of rows (a huge header over truncated data)."""
    import struct

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    total = (width + 1) * height
    body = zeros_deflated(total if complete else min(total, 1 << 20))
    return PNG_MAGIC + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def real_png(size: tuple[int, int] = (64, 40), seed: int = 0) -> bytes:
    import io

    from PIL import Image

    img = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 13) % 256))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def real_jpeg(size: tuple[int, int] = (64, 40), seed: int = 0) -> bytes:
    import io

    from PIL import Image

    img = Image.new("RGB", size, ((seed * 11) % 256, (seed * 7) % 256, 90))
    out = io.BytesIO()
    img.save(out, format="JPEG")
    return out.getvalue()


@st.composite
def file_contents(draw: st.DrawFn) -> bytes:
    kind = draw(
        st.sampled_from(
            ["random", "png_magic", "jpeg_magic", "truncated_png", "truncated_jpeg", "bomb",
             "empty", "real_png", "gif_magic", "mp4_magic", "safetensors_junk", "zip"]
        )
    )  # fmt: skip
    seed = draw(st.integers(0, 10_000))
    if kind == "random":
        return draw(st.binary(max_size=2_000))
    if kind == "png_magic":
        return PNG_MAGIC + draw(st.binary(max_size=500))
    if kind == "jpeg_magic":
        return JPEG_MAGIC + draw(st.binary(max_size=500))
    if kind == "gif_magic":
        return b"GIF89a" + draw(st.binary(max_size=200))
    if kind == "mp4_magic":
        return b"\x00\x00\x00\x18ftypmp42" + draw(st.binary(max_size=500))
    if kind == "safetensors_junk":
        header = draw(st.sampled_from([b'{"a":', b"{}", b'{"__metadata__": 1}', b"\xff"]))
        length = draw(st.sampled_from([len(header), 2**63, 0, 10**9]))
        return length.to_bytes(8, "little") + header + draw(st.binary(max_size=50))
    if kind == "zip":
        return b"PK\x03\x04" + draw(st.binary(max_size=100))
    if kind == "truncated_png":
        data = real_png(seed=seed)
        return data[: draw(st.integers(1, len(data) - 1))]
    if kind == "truncated_jpeg":
        data = real_jpeg(seed=seed)
        return data[: draw(st.integers(1, len(data) - 1))]
    if kind == "bomb":
        width, height, complete = draw(
            st.sampled_from([(30_000, 30_000, True), (65_535, 65_535, False),
                             (2**31 - 1, 2**31 - 1, False), (1, 2**31 - 1, False), (0, 0, False)])
        )  # fmt: skip
        return png_bomb(width, height, complete)
    if kind == "real_png":
        return real_png(seed=seed)
    return b""


def _on_disk(name: str) -> bool:
    """A name the file system can hold (lone surrogates outside surrogateescape's range
    cannot be encoded; undecodable bytes come from ``raw_names`` instead)."""
    try:
        os.fsencode(name)
    except UnicodeEncodeError:
        return False
    return len(os.fsencode(name)) < 250 and name not in (".", "..")


FILE_NAMES = st.one_of(
    st.sampled_from(["a.png", "b.jpg", "c.mp4", "d.safetensors", "noext", ".hidden.png", "x.PNG",
                     "x.png.exe", "a b.png", "ünï.png", "%_\\'\".png"]),
    st.text(NASTY_CHAR.filter(lambda c: c not in "/\0"), min_size=1, max_size=30).filter(_on_disk),
)  # fmt: skip

UPLOAD_DATA_NAMES = st.one_of(
    FILE_NAMES,
    nasty_text(),
    st.sampled_from(["../x.png", "/etc/passwd", "a/b.png", "", ".", "..", "C:\\x.png", "a\0.png",
                     "x" * 300 + ".png", "\udcff.png"]),
    junk_values(),
)  # fmt: skip


def raw_names() -> st.SearchStrategy[bytes]:
    """File names as bytes on disk, not necessarily UTF-8."""
    return st.one_of(
        st.sampled_from(
            [b"\xff.png", b"\xc3(.jpg", b"\xed\xa0\x80.png", b"caf\xe9.png", b"ok.png"]
        ),
        st.binary(min_size=1, max_size=20).filter(
            lambda b: b"/" not in b and b"\0" not in b and b not in (b".", b"..")
        ),
    )
