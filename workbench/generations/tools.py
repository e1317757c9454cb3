"""Which tools made a project's generations: the choices of a gallery's tool filter.

A filter box offering every tool the settings registry knows would offer tools that made
nothing here (an empty gallery after the choice); this reads the tool types present in the
project, in one grouped query. Reigh stores a client-side reconstruction of a tool's task as
``<tool>-reconstructed-client``, and the tool filter matches both names
(``GenerationFilters.tool_type``), so the suffix is folded into the tool's own name here.
"""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg import sql

from workbench.generations.aggregates import FINISHED

RECONSTRUCTED = "-reconstructed-client"

# Finished, top-level generations of one of the user's projects, as the gallery counts them.
TOOL_TYPES = sql.SQL(
    """
    SELECT DISTINCT g.params ->> 'tool_type' AS tool
    FROM generations g JOIN projects p ON p.id = g.project_id
    WHERE g.project_id = %s AND p.user_id = %s AND {finished}
      AND g.params ->> 'tool_type' IS NOT NULL AND g.params ->> 'tool_type' <> ''
    """
).format(finished=sql.SQL(FINISHED))  # fixed SQL: the values are parameters


def tool_types(
    conn: psycopg.Connection[Any], user_id: uuid.UUID, project_id: uuid.UUID
) -> tuple[str, ...]:
    """The tool types of the project's finished generations, sorted, each once (a
    reconstructed tool's name folded into its tool's). None for another user's project:
    it reads as a project without generations."""
    rows = conn.execute(TOOL_TYPES, (project_id, user_id)).fetchall()
    return tuple(sorted({str(row[0]).removesuffix(RECONSTRUCTED) for row in rows}))
