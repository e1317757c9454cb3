"""What every undo shares: putting ``to_jsonb`` rows back as they were, and the refusal of
an undo that would overwrite a newer change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from workbench.changes.record import Change
from workbench.errors import ConflictError

FORCE_HINT = "nothing was changed; undo with force=True (--force) to overwrite it anyway"


def conflict(change: Change, what: str) -> ConflictError:
    """The refusal of an undo that would overwrite a newer change (nothing was changed)."""
    return ConflictError(f"cannot undo {change.description!r}: {what}; {FORCE_HINT}")


def insert_rows(
    conn: psycopg.Connection[Any],
    table: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    ordered: bool = False,
) -> None:
    """Insert ``to_jsonb`` rows as they were: every column, also ones we do not know."""
    if not rows:
        return
    order = sql.SQL(" ORDER BY e.n") if ordered else sql.SQL("")
    conn.execute(
        sql.SQL(
            "INSERT INTO {table} SELECT r.* FROM jsonb_array_elements(%s::jsonb) "
            "WITH ORDINALITY AS e(j, n) CROSS JOIN LATERAL "
            "jsonb_populate_record(NULL::{table}, e.j) AS r{order} ON CONFLICT DO NOTHING"
        ).format(table=sql.Identifier(table), order=order),
        (Jsonb(list(rows)),),
    )


def update_rows(
    conn: psycopg.Connection[Any], table: str, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Set every column of these rows back to the kept values (undoing what insert triggers
    rewrote: the generation's media and primary variant, a variant's ``viewed_at``)."""
    if not rows:
        return
    columns = sorted({key for row in rows for key in row} - {"id"})
    assignments = sql.SQL(", ").join(
        sql.SQL("{c} = r.{c}").format(c=sql.Identifier(column)) for column in columns
    )
    conn.execute(
        sql.SQL(
            "UPDATE {table} AS t SET {assignments} FROM "
            "jsonb_populate_recordset(NULL::{table}, %s::jsonb) AS r WHERE t.id = r.id"
        ).format(table=sql.Identifier(table), assignments=assignments),
        (Jsonb(list(rows)),),
    )
