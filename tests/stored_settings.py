"""Reading a tool's settings object straight from a row, as a test checks what was written
(not through the workbench under test)."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

TRAVEL = "travel-between-images"


def stored_tool(dsn: str, table: str, row_id: Any, tool: str = TRAVEL) -> Any:
    """``settings -> tool`` of one row of ``users``, ``projects`` or ``shots``; None when the
    row stores nothing for the tool (or there is no such row)."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            sql.SQL("SELECT settings -> %s FROM {} WHERE id = %s").format(sql.Identifier(table)),
            (tool, row_id),
        ).fetchone()
    return row[0] if row else None


def travel(dsn: str, table: str, row_id: Any) -> dict[str, Any]:
    """The row's travel-between-images object, ``{}`` when it stores none."""
    return stored_tool(dsn, table, row_id) or {}
