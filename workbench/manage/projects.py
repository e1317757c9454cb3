"""Creating a project, renaming it and setting its aspect ratio, as Reigh's app does.

A new project (../shared/reigh-operations.md §9) starts with the settings of the project it
was made from, without prompts and references, and a "Default Shot" at position 1 whose
travel settings come from that project's newest shot (prompts cleared); the shots trigger
gives the shot its placeholder parent. Deleting a project is deliberately not offered: it
takes every item, variant and link with it, and this tool only does what it can undo.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from workbench.db.schema import SchemaInfo
from workbench.errors import NotFoundError, ValidationError, echo
from workbench.models import Project
from workbench.projects import PROJECT_COLUMNS

DEFAULT_SHOT = "Default Shot"
DEFAULT_ASPECT_RATIO = "16:9"
# The ratios Reigh's project settings offer; any other "W:H" of whole numbers is accepted too.
ASPECT_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "3:2", "2:3")
_RATIO = re.compile(r"([1-9][0-9]?):([1-9][0-9]?)")


def check_aspect_ratio(value: object) -> str:
    """ "16:9" and the like: two whole numbers from 1 to 99; anything else is refused."""
    if isinstance(value, str) and _RATIO.fullmatch(value.strip()):
        return value.strip()
    raise ValidationError(
        f"an aspect ratio is width:height in whole numbers, such as {', '.join(ASPECT_RATIOS[:4])}"
        f"; not {echo(value)}"
    )


def ratio_value(aspect_ratio: str | None) -> float:
    """Width over height of an aspect ratio ("16:9" → 1.78); 16:9's for none or a malformed
    one (a Reigh project may hold anything), so a layout always has a shape."""
    match = _RATIO.fullmatch((aspect_ratio or "").strip())
    width, height = (int(match[1]), int(match[2])) if match else (16, 9)
    return width / height


def _kept(settings: Mapping[str, Any]) -> dict[str, Any]:
    """A project's settings as a new project inherits them (``projectSettingsInheritance``):
    without prompts, references, pair configs and per-session keys."""
    dropped = {"pairConfigs", "generationSettings", "bulkEditSettings", "activeTab"}

    def keep(key: str) -> bool:
        lowered = key.lower()
        return key not in dropped and "prompt" not in lowered and "reference" not in lowered

    return {
        tool: ({k: v for k, v in values.items() if keep(k)} if isinstance(values, dict) else values)
        for tool, values in settings.items()
        if keep(tool)
    }


def create(
    conn: psycopg.Connection[Any],
    schema: SchemaInfo,
    user_id: uuid.UUID,
    name: str,
    aspect_ratio: str,
    *,
    like: tuple[Mapping[str, Any], Mapping[str, Any]] | None = None,
) -> tuple[Project, uuid.UUID, dict[str, Any]]:
    """The project and its default shot in one statement: (project, shot id, undo data).
    ``like`` is (project settings, new-shot settings) of the project it is made from."""
    project_settings, shot_settings = like if like is not None else ({}, {})
    has_settings = schema.has("projects", "settings")
    statement = sql.SQL(
        """WITH p AS (INSERT INTO projects (name, user_id, aspect_ratio{settings})
                      VALUES (%(name)s, %(user)s, %(aspect)s{settings_value}) RETURNING *),
        s AS (INSERT INTO shots (name, project_id, position{shot_settings})
              SELECT %(shot)s, p.id, 1{shot_settings_value} FROM p RETURNING id)
        SELECT {project}, (SELECT id FROM s) AS shot_id FROM p"""
    ).format(
        settings=sql.SQL(", settings" if has_settings else ""),
        settings_value=sql.SQL(", %(settings)s" if has_settings else ""),
        shot_settings=sql.SQL(", settings" if schema.has("shots", "settings") else ""),
        shot_settings_value=sql.SQL(
            ", %(shot_settings)s" if schema.has("shots", "settings") else ""
        ),
        project=schema.select_list("projects", "p", PROJECT_COLUMNS),
    )
    params = {
        "name": name, "user": user_id, "aspect": aspect_ratio, "shot": DEFAULT_SHOT,
        "settings": Jsonb(_kept(project_settings)), "shot_settings": Jsonb(dict(shot_settings)),
    }  # fmt: skip
    row = conn.cursor(row_factory=dict_row).execute(statement, params).fetchone()
    assert row is not None  # INSERT ... RETURNING of one VALUES row
    shot_id = row.pop("shot_id")
    project = Project(**row)
    undo = {"project_id": str(project.id), "name": name, "shot_ids": [str(shot_id)]}
    return project, shot_id, undo


def update(
    conn: psycopg.Connection[Any],
    schema: SchemaInfo,
    user_id: uuid.UUID,
    project_id: uuid.UUID,
    changes: Mapping[str, str],
) -> tuple[Project, dict[str, Any]]:
    """Set ``changes`` ({"name": ..., "aspect_ratio": ...}) in one statement that also reads
    the values they replace (for undo). Shots are not touched: those without an aspect ratio
    of their own follow the project's, as in Reigh."""
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(column))
        for column in changes
    )
    old = sql.SQL(", ").join(
        sql.SQL("{} AS {}").format(sql.Identifier(column), sql.Identifier(f"old_{column}"))
        for column in changes
    )
    statement = sql.SQL(
        """WITH old AS (SELECT id, {old} FROM projects WHERE id = %(id)s AND user_id = %(user)s
                        FOR UPDATE)
        UPDATE projects AS p SET {assignments} FROM old WHERE p.id = old.id
        RETURNING {project}, {olds}"""
    ).format(
        old=old,
        assignments=assignments,
        project=schema.select_list("projects", "p", PROJECT_COLUMNS),
        olds=sql.SQL(", ").join(sql.Identifier("old", f"old_{c}") for c in changes),
    )
    params = {"id": project_id, "user": user_id, **changes}
    row = conn.cursor(row_factory=dict_row).execute(statement, params).fetchone()
    if row is None:
        raise NotFoundError(f"project {project_id} not found among the current user's")
    before = {column: row.pop(f"old_{column}") for column in changes}
    project = Project(**row)
    undo = {
        "table": "projects", "id": str(project_id), "project_id": str(project_id),
        "before": before, "after": dict(changes),
    }  # fmt: skip
    return project, undo
