"""Projects and shots: looking them up by name or id, creating shots, and the overview a
navigator shows (every project with its shots and their counts, in one round trip), or its
tree alone (names, no counts: cheap however many generations the projects hold).

Every read is limited to the current user's projects (a database role bypasses Supabase's
row-level security, so the workbench checks ownership itself); a project or shot of another
user reads as not found, exactly like one that does not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from psycopg import sql
from psycopg.rows import class_row, dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from workbench.db.connection import run_idempotent
from workbench.db.schema import SchemaInfo
from workbench.errors import NotFoundError, ValidationError, echo
from workbench.generations import aggregates
from workbench.ids import as_uuid, is_uuid
from workbench.inputs import MAX_NAME_LENGTH, check_text
from workbench.models import Project, ProjectCounts, Shot, ShotCounts, User

R = TypeVar("R")
Inherited = Callable[[psycopg.Connection[Any], uuid.UUID], dict[str, Any]]

PROJECT_COLUMNS: Mapping[str, str] = {
    "id": "uuid",
    "name": "text",
    "user_id": "uuid",
    "aspect_ratio": "text",
    "created_at": "timestamptz",
}
SHOT_COLUMNS: Mapping[str, str] = {
    "id": "uuid",
    "project_id": "uuid",
    "name": "text",
    "position": "integer",
    "aspect_ratio": "text",
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
}


@dataclass(frozen=True)
class Place:
    """Where a front end or a command acts: a project, and maybe one of its shots."""

    project: Project
    shot: Shot | None = None

    @property
    def title(self) -> str:
        """What a gallery of this place is called: the shot's name, else the project's."""
        return self.shot.name if self.shot is not None else self.project.name


@dataclass(frozen=True)
class ShotSummary:
    """A shot as a navigator lists it: the shot and Reigh's counts for it. ``counted`` False:
    the counts were not read yet (a ``tree``; they are zeros, not to be shown)."""

    shot: Shot
    counts: ShotCounts
    counted: bool = True


@dataclass(frozen=True)
class ProjectSummary:
    """A project as a navigator lists it: its counts and its shots in the project's order.
    ``counted`` False: the counts were not read yet (a ``tree``; zeros, not to be shown)."""

    project: Project
    counts: ProjectCounts
    shots: tuple[ShotSummary, ...]
    counted: bool = True


NO_PROJECT_COUNTS = ProjectCounts(total=0, images=0, videos=0, starred=0, in_no_shot=0)


class ProjectsService:
    """The current user's projects and shots."""

    def __init__(
        self,
        pool: ConnectionPool,
        schema: SchemaInfo,
        user_id: Callable[[], uuid.UUID],
        inherited: Inherited,
    ) -> None:
        self._pool = pool
        self._schema = schema
        self._user_id = user_id
        self._inherited = inherited  # what a new shot's settings start from

    # -- lookups ---------------------------------------------------------------------------
    def user(self) -> User:
        """The current user's row (whose projects these are)."""
        columns = {"id": "uuid", "name": "text", "email": "text"}
        query = sql.SQL("SELECT {} FROM users u WHERE u.id = %s").format(
            self._columns("users", "u", columns)
        )
        rows = self._fetch(User, query, (self._user_id(),))
        if not rows:
            raise NotFoundError(f"user {self._user_id()} does not exist")
        return rows[0]

    def projects(self) -> list[Project]:
        """The current user's projects, oldest first (as Reigh lists them)."""
        query = sql.SQL(
            "SELECT {} FROM projects p WHERE p.user_id = %s ORDER BY p.created_at, p.name"
        ).format(self._columns("projects", "p", PROJECT_COLUMNS))
        return self._fetch(Project, query, (self._user_id(),))

    def project(self, ref: object) -> Project:
        """One of the current user's projects, by record, id or exact name (one round trip)."""
        name, wanted = _name_or_id(ref, "project")
        query = sql.SQL(
            "SELECT {} FROM projects p WHERE p.user_id = %s AND (p.id = %s OR p.name = %s) "
            "ORDER BY p.created_at"
        ).format(self._columns("projects", "p", PROJECT_COLUMNS))
        found = self._fetch(Project, query, (self._user_id(), wanted, name))
        by_id = [p for p in found if p.id == wanted]
        if by_id:
            return by_id[0]
        if len(found) > 1:
            raise NotFoundError(f"several projects are named {echo(ref)}; use its id")
        if not found:
            raise NotFoundError(f"project {echo(ref)} not found among the current user's projects")
        return found[0]

    def project_id(self, ref: object) -> object:
        """A project's name becomes its id (a look-up); an id or a record is passed on as it is,
        to be checked where it is used (the services remember that check)."""
        if isinstance(ref, str) and not is_uuid(ref):
            return self.project(ref).id
        return ref

    def shots(self, project: object) -> list[Shot]:
        """The shots of one of the current user's projects, in the project's shot order."""
        project_id = as_uuid(self.project_id(project), "project id")
        query = sql.SQL(
            "SELECT {} FROM shots s JOIN projects p ON p.id = s.project_id "
            "WHERE s.project_id = %s AND p.user_id = %s ORDER BY {}, s.name"
        ).format(self._columns("shots", "s", SHOT_COLUMNS), self._shot_order())
        shots = self._fetch(Shot, query, (project_id, self._user_id()))
        if not shots:
            self.project(project_id)  # none, or not this user's project: say which
        return shots

    def find(self, project: object = None, shot: object = None) -> Place:
        """The project and shot named, each by record, id or exact name: the one resolution
        the API, the CLI and every front end use. A shot named without its project is looked
        for in all of the user's projects and must be unique there. One round trip."""
        if shot is None or shot == "":
            if project is None or project == "":
                raise ValidationError("name a project (or a shot)")
            return Place(self.project(project))
        shot_name, shot_id = _name_or_id(shot, "shot")
        condition: sql.Composable = sql.SQL("(s.id = %s OR s.name = %s)")
        params: list[Any] = [self._user_id(), shot_id, shot_name]
        if project is not None and project != "":
            project_name, project_id = _name_or_id(project, "project")
            condition += sql.SQL(" AND (p.id = %s OR p.name = %s)")
            params += [project_id, project_name]
        query = sql.SQL(
            "SELECT {}, {} FROM shots s JOIN projects p ON p.id = s.project_id "
            "WHERE p.user_id = %s AND {} ORDER BY p.created_at, {}"
        ).format(
            self._columns("projects", "p", PROJECT_COLUMNS, "p_"),
            self._columns("shots", "s", SHOT_COLUMNS, "s_"),
            condition,
            self._shot_order(),
        )
        rows = run_idempotent(
            self._pool, lambda c: c.cursor(row_factory=dict_row).execute(query, params).fetchall()
        )
        places = [Place(_record(Project, row, "p_"), _record(Shot, row, "s_")) for row in rows]
        exact = [p for p in places if p.shot is not None and p.shot.id == shot_id]
        if exact:
            return exact[0]
        if len(places) == 1:
            return places[0]
        wanted = getattr(shot, "name", shot)
        if places:
            where = "name the project too" if project is None else "use its id"
            raise NotFoundError(f"several shots are named {echo(wanted)}; {where}")
        if project is None or project == "":
            raise NotFoundError(f"no shot {echo(wanted)} among the current user's projects")
        owner = self.project(project)  # raises when the project is what is missing
        raise NotFoundError(f"no shot {echo(wanted)} in project {echo(owner.name)}")

    # -- the navigator's overview ----------------------------------------------------------
    def overview(self) -> list[ProjectSummary]:
        """Every project of the user with its counts, and its shots with theirs (Reigh's
        numbers: see ``generations.aggregates``), in one query and one round trip.

        The counts take one pass over the user's generations and one over their shots'
        links: "in no shot" looks each generation up in a hashed set of the generations the
        user's shots link (a per-row NOT EXISTS probed three indexes per generation: seconds
        beside a project of a million). A navigator that must paint first reads ``tree``
        first and this after."""
        query = sql.SQL(
            """
            WITH owned AS (SELECT * FROM projects WHERE user_id = %(user)s),
            linked AS (
                SELECT DISTINCT x.generation_id FROM shot_generations x
                JOIN shots xs ON xs.id = x.shot_id
                WHERE xs.project_id IN (SELECT id FROM owned)
            ),
            project_counts AS (
                SELECT g.project_id,
                    count(*)::int AS total,
                    count(*) FILTER (WHERE {image})::int AS images,
                    count(*) FILTER (WHERE {video})::int AS videos,
                    count(*) FILTER (WHERE g.starred)::int AS starred,
                    count(*) FILTER (WHERE l.generation_id IS NULL)::int AS in_no_shot
                FROM generations g LEFT JOIN linked l ON l.generation_id = g.id
                WHERE g.project_id IN (SELECT id FROM owned) AND {finished}
                GROUP BY g.project_id
            ),
            shot_counts AS (
                SELECT sg.shot_id, {shot_counts}
                FROM shot_generations sg
                JOIN shots s ON s.id = sg.shot_id AND s.project_id IN (SELECT id FROM owned)
                JOIN generations g ON g.id = sg.generation_id AND {finished}
                    AND g.project_id IN (SELECT id FROM owned)
                GROUP BY sg.shot_id
            )
            SELECT {project_columns}, {shot_columns},
                   {project_count_columns}, {shot_count_columns}
            FROM owned p
            LEFT JOIN project_counts pc ON pc.project_id = p.id
            LEFT JOIN shots s ON s.project_id = p.id
            LEFT JOIN shot_counts sc ON sc.shot_id = s.id
            ORDER BY p.created_at, p.name, {shot_order}
            """
        ).format(
            image=sql.SQL(aggregates.IMAGE),
            video=sql.SQL(aggregates.VIDEO),
            shot_counts=sql.SQL(aggregates.SHOT_COUNTS),
            finished=sql.SQL(aggregates.FINISHED),
            project_columns=self._columns("projects", "p", PROJECT_COLUMNS, "p_"),
            shot_columns=self._columns("shots", "s", SHOT_COLUMNS, "s_"),
            project_count_columns=_zero_if_null("pc", ProjectCounts, "pc_"),
            shot_count_columns=_zero_if_null("sc", ShotCounts, "sc_", skip=("shot_id",)),
            shot_order=self._shot_order(),
        )
        rows = run_idempotent(
            self._pool,
            lambda c: (
                c.cursor(row_factory=dict_row).execute(query, {"user": self._user_id()}).fetchall()
            ),
        )
        summaries: dict[uuid.UUID, tuple[Project, ProjectCounts, list[ShotSummary]]] = {}
        for row in rows:
            project = _record(Project, row, "p_")
            entry = summaries.setdefault(
                project.id, (project, _record(ProjectCounts, row, "pc_"), [])
            )
            if row["s_id"] is not None:
                counts = _record(ShotCounts, {**row, "sc_shot_id": row["s_id"]}, "sc_")
                entry[2].append(ShotSummary(_record(Shot, row, "s_"), counts))
        return [ProjectSummary(p, c, tuple(s)) for p, c, s in summaries.values()]

    def tree(self) -> list[ProjectSummary]:
        """Every project of the user and its shots, in the overview's order, without counts
        (``counted`` False): one round trip that reads no generation, so a navigator can be
        drawn at once even beside a project of a million generations; ``overview`` then fills
        the counts in (one query for all projects)."""
        query = sql.SQL(
            "SELECT {}, {} FROM projects p LEFT JOIN shots s ON s.project_id = p.id "
            "WHERE p.user_id = %s ORDER BY p.created_at, p.name, {}"
        ).format(
            self._columns("projects", "p", PROJECT_COLUMNS, "p_"),
            self._columns("shots", "s", SHOT_COLUMNS, "s_"),
            self._shot_order(),
        )
        rows = run_idempotent(
            self._pool,
            lambda c: c.cursor(row_factory=dict_row).execute(query, (self._user_id(),)).fetchall(),
        )
        projects: dict[uuid.UUID, tuple[Project, list[ShotSummary]]] = {}
        for row in rows:
            project = _record(Project, row, "p_")
            shots = projects.setdefault(project.id, (project, []))[1]
            if row["s_id"] is not None:
                shot = _record(Shot, row, "s_")
                shots.append(ShotSummary(shot, _no_shot_counts(shot.id), counted=False))
        return [
            ProjectSummary(p, NO_PROJECT_COUNTS, tuple(s), counted=False)
            for p, s in projects.values()
        ]

    # -- changes ---------------------------------------------------------------------------
    def create_shot(self, project: object, name: str) -> Shot:
        """A new shot at the end of the project, starting from inherited settings."""
        if not isinstance(name, str) or not name.strip():
            raise ValidationError(f"a shot needs a non-empty name, not {echo(name)}")
        check_text(name.strip(), "shot name", MAX_NAME_LENGTH)
        project_id = self.project(project).id
        with self._pool.connection() as conn, conn.transaction():
            inherited = self._inherited(conn, project_id)
            with conn.cursor(row_factory=class_row(Shot)) as cur:
                shot = cur.execute(
                    sql.SQL(
                        "INSERT INTO shots AS s (name, project_id, settings, position) "
                        "SELECT %s, %s, %s, coalesce(max(position), 0) + 1 FROM shots "
                        "WHERE project_id = %s RETURNING {}"
                    ).format(self._columns("shots", "s", SHOT_COLUMNS)),
                    (name.strip(), project_id, Jsonb(inherited), project_id),
                ).fetchone()
        assert shot is not None  # INSERT ... RETURNING always returns the row
        return shot

    # -- internals -------------------------------------------------------------------------
    def _fetch(self, row_type: type[R], query: sql.Composed, params: Sequence[Any]) -> list[R]:
        """Rows as records; a read, so a connection found dead is retried on a fresh one."""

        def work(conn: psycopg.Connection[Any]) -> list[R]:
            with conn.cursor(row_factory=class_row(row_type)) as cur:
                return cur.execute(query, params).fetchall()

        return run_idempotent(self._pool, work)

    def _columns(
        self, table: str, alias: str, wanted: Mapping[str, str], prefix: str = ""
    ) -> sql.Composed:
        return self._schema.select_list(table, alias, wanted, prefix)

    def _shot_order(self) -> sql.Composable:
        return (
            sql.SQL("s.position, s.name")
            if self._schema.has("shots", "position")
            else (sql.SQL("s.name"))
        )


def _name_or_id(ref: object, kind: str) -> tuple[str | None, uuid.UUID | None]:
    """A reference to a ``kind`` ("project", "shot") as (name, id): a record or UUID is an
    id; a string is a name, and also an id when it parses as one."""
    if isinstance(ref, str):
        # No length limit here: a name Reigh stored may be longer than ours may be.
        check_text(ref, f"a {kind} name", len(ref))
        return ref, (uuid.UUID(ref.strip()) if is_uuid(ref.strip()) else None)
    return None, as_uuid(ref, f"{kind} id")


def _record(row_type: type[R], row: Mapping[str, Any], prefix: str) -> R:
    """A record from the ``prefix``-named columns of a joined row."""
    fields = row_type.__dataclass_fields__  # type: ignore[attr-defined]
    return row_type(**{name: row[prefix + name] for name in fields})


def _no_shot_counts(shot_id: uuid.UUID) -> ShotCounts:
    """The zeros an uncounted shot carries (``ShotSummary.counted`` False)."""
    return ShotCounts(shot_id=shot_id, total=0, positioned=0, unpositioned=0, videos=0)


def _zero_if_null(
    alias: str, counts: type[Any], prefix: str, *, skip: tuple[str, ...] = ()
) -> sql.Composed:
    """A counts record's columns from a LEFT JOIN, 0 where nothing joined (no generations)."""
    return sql.SQL(", ").join(
        sql.SQL("coalesce({}.{}, 0) AS {}").format(
            sql.Identifier(alias), sql.Identifier(name), sql.Identifier(prefix + name)
        )
        for name in counts.__dataclass_fields__
        if name not in skip
    )
