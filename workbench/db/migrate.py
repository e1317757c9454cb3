"""Versioned SQL migrations, in two tracks.

``core``   the Reigh-compatible tables and Reigh's behaviour triggers; only ever applied to a
           database the workbench owns (empty, or already ours).
``extras`` our optional indexes, functions and triggers; applied with ``core`` when we own the
           database, and to a Reigh database only by the explicit ``install_extras``.

Each migration runs in its own transaction under an advisory lock, so two processes migrating
at once apply each file exactly once; a file whose text changed after it was applied is refused.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

import psycopg
from psycopg import sql

from workbench.db.schema import MIGRATIONS_TABLE, SchemaInfo, inspect
from workbench.errors import SchemaError

TRACKS = ("core", "extras")
_LOCK_KEY = 0x776B6265  # "wkbe": serialises migrators across processes
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    track: str
    version: int
    name: str
    sql_text: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql_text.encode()).hexdigest()

    @property
    def label(self) -> str:
        return f"{self.track}/{self.version:04d}_{self.name}"


@dataclass(frozen=True)
class MigrationState:
    migration: Migration
    applied_at: datetime | None


def available(track: str) -> list[Migration]:
    folder = resources.files("workbench.db") / "migrations" / track
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(
                Migration(track, int(match.group(1)), match.group(2), entry.read_text("utf-8"))
            )
    return sorted(found, key=lambda m: m.version)


def latest(track: str) -> int:
    migrations = available(track)
    return migrations[-1].version if migrations else 0


_CREATE_TABLE = sql.SQL(
    "CREATE TABLE IF NOT EXISTS {} ("
    " track text NOT NULL, version integer NOT NULL, name text NOT NULL,"
    " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (track, version))"
).format(sql.Identifier(MIGRATIONS_TABLE))


def _applied(conn: psycopg.Connection[Any]) -> dict[tuple[str, int], tuple[str, datetime]]:
    if conn.execute("SELECT to_regclass(%s)", (MIGRATIONS_TABLE,)).fetchone() == (None,):
        return {}
    rows = conn.execute(
        sql.SQL("SELECT track, version, checksum, applied_at FROM {}").format(
            sql.Identifier(MIGRATIONS_TABLE)
        )
    ).fetchall()
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def status(conn: psycopg.Connection[Any]) -> list[MigrationState]:
    applied = _applied(conn)
    return [
        MigrationState(m, applied.get((m.track, m.version), (None, None))[1])
        for track in TRACKS
        for m in available(track)
    ]


def _apply(conn: psycopg.Connection[Any], tracks: tuple[str, ...]) -> list[str]:
    done: list[str] = []
    for track in tracks:
        for migration in available(track):
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
                conn.execute(_CREATE_TABLE)
                previous = _applied(conn).get((track, migration.version))
                if previous is not None:
                    if previous[0] != migration.checksum:
                        raise SchemaError(
                            f"migration {migration.label} was changed after it was applied; "
                            f"restore the original file"
                        )
                    continue
                conn.execute(migration.sql_text.encode())
                conn.execute(
                    sql.SQL(
                        "INSERT INTO {} (track, version, name, checksum) VALUES (%s, %s, %s, %s)"
                    ).format(sql.Identifier(MIGRATIONS_TABLE)),
                    (track, migration.version, migration.name, migration.checksum),
                )
                done.append(migration.label)
    return done


def check_known_version(info: SchemaInfo) -> None:
    for track in TRACKS:
        if info.applied.get(track, 0) > latest(track):
            raise SchemaError(
                f"the database's {track} schema is version {info.applied[track]}, newer than "
                f"this workbench knows ({latest(track)}): upgrade reigh-workbench"
            )


def migrate(conn: psycopg.Connection[Any]) -> list[str]:
    """Create or upgrade our own schema (core and extras); refuse anything we do not own."""
    info = inspect(conn)
    check_known_version(info)
    if info.kind == "reigh":
        raise SchemaError(
            "this is a Reigh database, which the workbench never alters: it is used as is. "
            "To add the optional workbench indexes and triggers, run `workbench db install-extras`"
        )
    if info.kind == "unknown":
        raise SchemaError(unknown_schema_message(info))
    return _apply(conn, TRACKS)


def install_extras(conn: psycopg.Connection[Any]) -> list[str]:
    """Apply only the optional extras: the one change ever made to a Reigh database."""
    info = inspect(conn)
    check_known_version(info)
    if info.kind in ("empty", "unknown"):
        raise SchemaError(
            f"extras need the Reigh tables, and this database has {info.describe()}; "
            f"run `workbench db migrate` on an empty database instead"
        )
    return _apply(conn, ("extras",))


def unknown_schema_message(info: SchemaInfo) -> str:
    return (
        "the database is neither a Reigh database nor a workbench one (missing "
        + ", ".join(info.missing[:6])
        + ("…" if len(info.missing) > 6 else "")
        + "): point WORKBENCH_DSN at a Reigh database or at an empty database"
    )
