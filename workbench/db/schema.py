"""What kind of database we are attached to, read from ``information_schema``.

Reigh's migrations do not fully describe its live database, so the workbench introspects
instead of assuming: it learns which tables and columns exist, decides whether the schema is
ours, Reigh's, empty or something else, and lets queries select only columns that exist.
"""

from __future__ import annotations

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


def inspect(conn: psycopg.Connection[Any]) -> SchemaInfo:
    """Introspect the current schema in two small queries."""
    tables = (*REQUIRED, *OPTIONAL_TABLES, MIGRATIONS_TABLE)
    rows = conn.execute(
        "SELECT table_name::text, column_name::text FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ANY(%s)",
        (list(tables),),
    ).fetchall()
    found: dict[str, set[str]] = {}
    for row in rows:
        table, column = row
        found.setdefault(str(table), set()).add(str(column))
    columns = {table: frozenset(cols) for table, cols in found.items()}

    applied: dict[str, int] = {}
    if MIGRATIONS_TABLE in columns:
        query = sql.SQL("SELECT track, max(version) FROM {} GROUP BY track").format(
            sql.Identifier(MIGRATIONS_TABLE)
        )
        for row in conn.execute(query).fetchall():
            track, version = row
            applied[str(track)] = int(version)
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
