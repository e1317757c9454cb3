"""What a download fetches: the items listed, in gallery order, each with its shots.

The listing is read once, batch by batch (each batch's shot memberships, and with every
variant its variants, in one query each), and written as JSON lines to a spooled temporary
file: memory stays flat for any number of items, the database stream is closed before the
first byte is fetched (a long download holds no query open), and the number of files is
known before the first transfer starts.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import IO, TYPE_CHECKING, Any, Protocol

import psycopg
from psycopg import sql

from workbench.db.connection import run_idempotent
from workbench.downloads import names
from workbench.errors import NotFoundError, ValidationError
from workbench.generations.query import ITEM_COLUMNS, MINE
from workbench.generations.stream import generation
from workbench.ids import as_uuids

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

    from workbench.db.schema import SchemaInfo
    from workbench.generations.filters import GenerationFilters
    from workbench.models import Generation
    from workbench.projects import Place

BATCH = 200
_SPOOL_IN_MEMORY = 8 * 1024 * 1024  # listing text kept in memory below this, on disk above


class DownloadHost(Protocol):
    """What a download needs of a connected workbench (``Workbench`` is the one host); named
    here so that the client calls the downloader and the downloader never imports it."""

    @property
    def pool(self) -> ConnectionPool: ...

    @property
    def schema(self) -> SchemaInfo: ...

    @property
    def storage(self) -> Any: ...

    @property
    def user_id(self) -> uuid.UUID: ...

    def find(self, project: Any = None, shot: Any = None) -> Place: ...

    def iter_generations(
        self,
        project_id: Any = None,
        shot_id: Any = None,
        *,
        filters: GenerationFilters | dict[str, Any] | None = None,
    ) -> Iterator[Generation]: ...


@dataclass(frozen=True)
class Task:
    """One file to fetch, with what its manifest row says."""

    index: int
    stem: str
    location: str | None
    id: str
    variant_id: str | None
    variant_type: str | None
    is_primary: bool | None
    type: str | None
    prompt: str | None
    tool_type: str | None
    seed: Any
    params: dict[str, Any]
    created_at: str
    shots: list[dict[str, Any]] = field(default_factory=list)

    def to_line(self) -> str:
        return json.dumps(asdict(self), default=str) + "\n"

    @classmethod
    def from_line(cls, line: str) -> Task:
        return cls(**json.loads(line))


def seed_of(params: dict[str, Any] | None) -> Any:
    """The seed as Reigh's tools record it: top level, in the orchestrator's details, or in
    the metadata; None when none is recorded."""
    if not isinstance(params, dict):
        return None
    places = [params, params.get("metadata"), params.get("originalParams")]
    original = params.get("originalParams")
    if isinstance(original, dict):
        places.append(original.get("orchestrator_details"))
    for place in places:
        if isinstance(place, dict):
            value = place.get("seed")
            if isinstance(value, (int, str)) and not isinstance(value, bool):
                return value
    return None


_BY_IDS = sql.SQL(
    "SELECT {columns}, NULL::uuid, NULL::int FROM generations g "
    "LEFT JOIN generation_variants pv ON pv.id = g.primary_variant_id "
    "WHERE g.id = ANY(%(ids)s::uuid[]) AND {mine}"
).format(columns=sql.SQL(ITEM_COLUMNS), mine=sql.SQL(MINE))

# The shots each generation of a batch is in, with its frame there: the current user's only.
_SHOTS = (
    "SELECT sg.generation_id, s.id, s.name, sg.timeline_frame "
    "FROM shot_generations sg JOIN shots s ON s.id = sg.shot_id "
    "JOIN projects p ON p.id = s.project_id AND p.user_id = %(user)s "
    "WHERE sg.generation_id = ANY(%(ids)s::uuid[]) "
    "ORDER BY sg.generation_id, s.position, s.name, s.id, sg.timeline_frame NULLS LAST, sg.id"
)
_VARIANTS = (
    "SELECT v.generation_id, v.id, v.location, v.variant_type, v.is_primary, v.params "
    "FROM generation_variants v WHERE v.generation_id = ANY(%(ids)s::uuid[]) "
    "ORDER BY v.generation_id, v.created_at, v.id"
)


def generations_by_ids(host: DownloadHost, ids: object) -> list[Generation]:
    """These generations of the current user's, in the order given (repeats dropped); any
    that is missing or another user's refuses the whole download, naming them."""
    wanted = list(dict.fromkeys(as_uuids(ids, "generation id")))
    if not wanted:
        raise ValidationError("no generation ids given")
    params = {"ids": wanted, "user": host.user_id}
    rows = run_idempotent(host.pool, lambda c: c.execute(_BY_IDS, params).fetchall())
    found = {row[0]: generation(row) for row in rows}
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        raise NotFoundError(
            f"generation{'s' if len(missing) > 1 else ''} {shown} not found among the current "
            "user's; nothing was downloaded"
        )
    return [found[i] for i in wanted]


def _batch_details(
    host: DownloadHost, ids: Sequence[uuid.UUID], variants: bool
) -> tuple[dict[uuid.UUID, list[dict[str, Any]]], dict[uuid.UUID, list[tuple[Any, ...]]]]:
    params = {"ids": list(ids), "user": host.user_id}
    with_variants = variants and host.schema.has("generation_variants")

    def work(conn: psycopg.Connection[Any]) -> tuple[list[Any], list[Any]]:
        shots = conn.execute(_SHOTS, params).fetchall()
        rows = conn.execute(_VARIANTS, params).fetchall() if with_variants else []
        return shots, rows

    shot_rows, variant_rows = run_idempotent(host.pool, work)
    shots: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for gid, shot_id, name, frame in shot_rows:
        shots.setdefault(gid, []).append({"id": str(shot_id), "name": name, "frame": frame})
    found: dict[uuid.UUID, list[tuple[Any, ...]]] = {}
    for row in variant_rows:
        found.setdefault(row[0], []).append(row[1:])
    return shots, found


def _tasks(
    item: Generation,
    index: int,
    shots: list[dict[str, Any]],
    variants: list[tuple[Any, ...]] | None,
) -> Iterator[Task]:
    common: dict[str, Any] = {
        "id": str(item.id), "type": item.type, "prompt": item.prompt,
        "tool_type": item.tool_type, "created_at": item.created_at.isoformat(), "shots": shots,
    }  # fmt: skip
    if variants is None or not variants:  # the primary (or a row with no variant rows)
        yield Task(
            index=index, stem=names.stem(index, item.id, None), location=item.location,
            variant_id=str(item.primary_variant_id) if item.primary_variant_id else None,
            variant_type=None, is_primary=True if variants is None else None,
            seed=seed_of(item.params), params=item.params, **common,
        )  # fmt: skip
        return
    for number, (vid, location, kind, primary, vparams) in enumerate(variants, start=1):
        params = vparams if isinstance(vparams, dict) else item.params
        yield Task(
            index=index, stem=names.stem(index, item.id, (number, kind)), location=location,
            variant_id=str(vid), variant_type=kind, is_primary=bool(primary),
            seed=seed_of(params), params=params, **common,
        )  # fmt: skip


class Listing:
    """The tasks of a download, spooled; iterate it (any number of times) to read them."""

    def __init__(self) -> None:
        self._file: IO[str] = tempfile.SpooledTemporaryFile(  # noqa: SIM115  # closed by close()
            max_size=_SPOOL_IN_MEMORY, mode="w+", encoding="utf-8"
        )
        self.count = 0
        self.items = 0

    def add(self, task: Task) -> None:
        self._file.write(task.to_line())
        self.count += 1

    def __iter__(self) -> Iterator[Task]:
        self._file.seek(0)
        for line in self._file:
            yield Task.from_line(line)

    def close(self) -> None:
        self._file.close()


def _batches(items: Iterable[Generation]) -> Iterator[list[Generation]]:
    batch: list[Generation] = []
    for item in items:
        batch.append(item)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def plan(host: DownloadHost, items: Iterable[Generation], variants: bool) -> Listing:
    """Spool the tasks of ``items`` (in their order), their details read batch by batch."""
    listing = Listing()
    try:
        for batch in _batches(items):
            shots, found = _batch_details(host, [item.id for item in batch], variants)
            for item in batch:
                listing.items += 1
                chosen = found.get(item.id, []) if variants else None
                for task in _tasks(item, listing.items, shots.get(item.id, []), chosen):
                    listing.add(task)
    except BaseException:
        listing.close()
        raise
    return listing
