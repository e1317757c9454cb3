"""What kind of database we are attached to, read from ``information_schema``.

Reigh's migrations do not fully describe its live database, so the workbench introspects
instead of assuming: it learns which tables and columns exist, decides whether the schema is
ours, Reigh's, empty or something else, and lets queries select only columns that exist.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import psycopg
from psycopg import sql

SchemaKind = Literal["ours", "reigh", "empty", "unknown"]
MIGRATIONS_TABLE = "workbench_migrations"
# Our settings history (extras track): present on our schema, and on Reigh's with the extras.
SETTINGS_HISTORY_TABLE = "workbench_settings_history"

# The tables we read, and the columns without which the workbench cannot work at all.
REQUIRED: Mapping[str, tuple[str, ...]] = {
    "users": ("id", "settings"),
    "projects": ("id", "name", "user_id", "settings", "created_at"),
    "shots": ("id", "name", "project_id", "settings"),
    "generations": ("id", "project_id", "type", "location", "params", "created_at"),
    "shot_generations": ("id", "shot_id", "generation_id", "timeline_frame"),
}
OPTIONAL_TABLES = ("generation_variants", "tasks", "resources", SETTINGS_HISTORY_TABLE)


@dataclass(frozen=True)
class SchemaInfo:
    kind: SchemaKind
    columns: Mapping[str, frozenset[str]]  # table -> columns present (tables we know only)
    applied: Mapping[str, int] = field(default_factory=dict)  # migration track -> version
    missing: tuple[str, ...] = ()  # "table.column" we need but did not find

    def has(self, table: str, column: str | None = None) -> bool:
        present = self.columns.get(table)
        if present is None:
            return False
        return column is None or column in present

    def describe(self) -> str:
        if self.kind == "ours":
            return f"workbench schema, core version {self.applied.get('core', 0)}"
        if self.kind == "reigh":
            extras = self.applied.get("extras")
            suffix = f", workbench extras version {extras}" if extras else ", no workbench extras"
            return "Reigh schema (attached read-compatible" + suffix + ")"
        if self.kind == "empty":
            return "empty database (no Reigh tables)"
        return "unknown schema: " + ", ".join(self.missing)

    def select_list(
        self, table: str, alias: str, wanted: Mapping[str, str], prefix: str = ""
    ) -> sql.Composed:
        """``alias.col`` for each wanted column that exists, else ``NULL::type AS col``.

        ``wanted`` maps column name -> SQL type name used for the NULL stand-in. With a
        ``prefix``, each column is named ``prefix + col`` (two tables' records in one row).
        """
        parts: list[sql.Composable] = []
        for column, type_name in wanted.items():
            name = sql.Identifier(prefix + column)
            if self.has(table, column):
                part = sql.SQL("{}.{}").format(sql.Identifier(alias), sql.Identifier(column))
                parts.append(sql.SQL("{} AS {}").format(part, name) if prefix else part)
            else:
                parts.append(sql.SQL("NULL::{} AS {}").format(sql.SQL(type_name), name))
        return sql.SQL(", ").join(parts)


_TABLES = (*REQUIRED, *OPTIONAL_TABLES, MIGRATIONS_TABLE)
# The tables' columns, as ``information_schema.columns`` lists them (tables, views, foreign and
# partitioned tables; columns the role owns or may use) but read from the catalogs: the view
# costs tens of milliseconds of server time, which every start paid.
_COLUMNS = (
    "SELECT c.relname::text AS table_name, a.attname::text AS column_name "
    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid "
    "WHERE c.relnamespace = (SELECT n.oid FROM pg_catalog.pg_namespace n "
    "WHERE n.nspname = current_schema()) AND c.relname = ANY(%(tables)s) "
    "AND c.relkind IN ('r', 'v', 'f', 'p') AND a.attnum > 0 AND NOT a.attisdropped "
    "AND (pg_catalog.pg_has_role(c.relowner, 'USAGE') OR pg_catalog.has_column_privilege("
    "c.oid, a.attnum, 'SELECT, INSERT, UPDATE, REFERENCES'))"
)
# Our NOTIFY triggers (extras/0003_realtime_notify.sql): ``realtime.triggers_installed``.
_TRIGGERS = "(SELECT count(*) FROM pg_catalog.pg_trigger WHERE tgname LIKE 'workbench_notify_%%')"


def inspect(conn: psycopg.Connection[Any]) -> SchemaInfo:
    """Introspect the current schema in two small queries (``inspect_for_startup``: one)."""
    rows = conn.execute(_COLUMNS, {"tables": list(_TABLES)}).fetchall()
    columns = _columns(rows)
    applied: dict[str, int] = {}
    if MIGRATIONS_TABLE in columns:
        query = sql.SQL("SELECT track, max(version) FROM {} GROUP BY track").format(
            sql.Identifier(MIGRATIONS_TABLE)
        )
        applied = _applied(conn.execute(query).fetchall())
    return _info(columns, applied)


@dataclass(frozen=True)
class Startup:
    """What ``connect()`` needs to know of a database, read in one round trip: its schema
    and the users it may pick from (None: not read, the ``users`` table is missing)."""

    schema: SchemaInfo
    users: tuple[Any, ...] | None
    triggers: bool = False  # the live-update triggers are installed (``triggers_installed``)


def inspect_for_startup(conn: psycopg.Connection[Any], user_id: Any = None) -> Startup:
    """The schema (``inspect``) and the user rows ``connect()`` chooses from, in one statement
    where the tables exist: a start 40 ms from its database waits one round trip here, not
    three (columns, migrations, users).

    The users read are the configured one (``user_id``: none if it does not exist), else the
    first two (the only user is the current one). A statement naming a table that is missing
    fails as a whole (a Reigh database has no migrations table, an empty one no ``users``,
    another schema's ``users.id`` may not be a uuid): then one without that part is tried, so
    a Reigh database costs two round trips and an empty one three (it is about to be migrated
    anyway); what was left out is read as before, with the errors it always had."""
    migrations = sql.SQL(
        "(SELECT coalesce(json_agg(json_build_array(m.track, m.version)), '[]') FROM "
        "(SELECT track, max(version) AS version FROM {} GROUP BY track) m)"
    ).format(sql.Identifier(MIGRATIONS_TABLE))
    users = sql.SQL(
        "(SELECT coalesce(json_agg(u.id), '[]') FROM (SELECT id FROM users "
        "WHERE %(user)s::uuid IS NULL OR id = %(user)s::uuid LIMIT 2) u)"
    )
    columns = sql.SQL(
        "(SELECT coalesce(json_agg(json_build_array(c.table_name, c.column_name)), '[]') "
        "FROM ({}) c)"
    ).format(sql.SQL(_COLUMNS))
    params = {"tables": list(_TABLES), "user": user_id}
    for with_migrations, with_users in ((True, True), (False, True), (False, False)):
        parts = [sql.SQL(_TRIGGERS), columns]
        parts += [migrations] if with_migrations else []
        parts += [users] if with_users else []
        statement = sql.SQL("SELECT {}").format(sql.SQL(", ").join(parts))
        try:
            with contextlib.nullcontext() if conn.autocommit else conn.transaction():
                row = conn.execute(statement, params).fetchone()
        except psycopg.ProgrammingError as exc:
            if not (exc.sqlstate or "").startswith("42"):
                raise
            continue  # 42xxx: no such table, a column not as ours (unknown schema), no right
        assert row is not None
        triggers = int(row[0]) >= 3
        found = _columns(row[1])
        if MIGRATIONS_TABLE in found and not with_migrations:
            return Startup(inspect(conn), None, triggers)  # made meanwhile, or no users
        applied = _applied(row[2]) if with_migrations else {}
        users_found = tuple(row[-1]) if with_users else None
        return Startup(_info(found, applied), users_found, triggers)
    raise AssertionError("unreachable: the last statement names no table that may be missing")


def _columns(rows: Any) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for table, column in rows:
        found.setdefault(str(table), set()).add(str(column))
    return {table: frozenset(cols) for table, cols in found.items()}


def _applied(rows: Any) -> dict[str, int]:
    return {str(track): int(version) for track, version in rows}


def _info(columns: dict[str, frozenset[str]], applied: dict[str, int]) -> SchemaInfo:
    columns = dict(columns)
    columns.pop(MIGRATIONS_TABLE, None)
    missing = tuple(
        f"{table}.{column}"
        for table, needed in REQUIRED.items()
        for column in needed
        if column not in columns.get(table, frozenset())
    )
    kind: SchemaKind
    if applied.get("core"):
        kind = "ours"
    elif not any(table in columns for table in REQUIRED):
        kind = "empty"
    elif not missing:
        kind = "reigh"
    else:
        kind = "unknown"
    return SchemaInfo(kind, columns, applied, missing)
