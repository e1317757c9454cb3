"""LoRA resources: the fields an upload records, the user's list, and adding one to a tool.

Reigh keeps LoRAs as ``resources`` rows (``type = 'lora'``) whose ``metadata`` holds its keys
(reigh-operations §8): ``Name``, ``trigger_word``, ``base_model``, ``Description``, ``"Model
ID"`` and ``"Model Files"``. Three things live here, shared by the API, the CLI, the TUI and
the notebook:

- ``LoraFields``: what a person types when uploading a LoRA (name, trigger word, base model,
  description), checked once (text limits, NUL and lone surrogates refused, the base model one
  of Reigh's list) and written under Reigh's keys by the uploader.
- ``list_resources``: the user's own resources, newest first, as ``Resource`` records whose
  ``path`` follows Reigh's rule for an active LoRA (high-noise URL, else low-noise URL, else
  the first model file's URL, else ``path``).
- ``add_lora``: a LoRA appended to a tool's LoRA list the way Reigh stores the entry
  (``ShotLora`` for travel-between-images, ``ActiveLora`` for image-generation), to the list
  the target resolves to (so what it inherits is kept), written at the target's own scope as
  one settings write, recorded for undo. A LoRA already in that list gets the new strength
  (its place and the rest of its entry kept); the same strength again is refused as a
  ``ConflictError`` (nothing to change).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import psycopg

from workbench.db.connection import run_idempotent
from workbench.errors import (
    ConflictError,
    NotFoundError,
    SchemaError,
    ValidationError,
    echo,
)
from workbench.inputs import MAX_NAME_LENGTH, check_text
from workbench.settings.resolve import resolve
from workbench.settings.store import SettingsTarget, SettingsWrite, check_tool_id

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

    from workbench.db.schema import SchemaInfo
    from workbench.settings.service import SettingsService

# Reigh's base models for a LoRA (the form's choices, in its order) and the form's default.
BASE_MODELS: tuple[str, ...] = (
    "LTX 2.3",
    "Wan 2.2 I2V",
    "Wan 2.2 T2V",
    "Wan 2.1 I2V",
    "Wan 2.1 T2V",
    "Qwen Image",
    "Qwen Image Edit",
    "Qwen Image Edit 2509",
    "Z-Image",
)
DEFAULT_BASE_MODEL = "Wan 2.2 I2V"
MAX_TRIGGER_WORD_LENGTH = 500  # Reigh sets none; a trigger is a word or a short phrase
MAX_DESCRIPTION_LENGTH = 10_000  # Reigh sets none; a long model card fits
RESOURCE_TYPES: tuple[str, ...] = (
    "lora",
    "phase-config",
    "style-reference",
    "structure-video",
    "effect",
)
# Reigh's strength slider (ActiveLoRAsDisplay): 0 to 2, default 1.
MIN_STRENGTH = 0.0
MAX_STRENGTH = 2.0
DEFAULT_STRENGTH = 1.0
MAX_RETRIES = 5  # an add re-planned this often when the row keeps changing under it


class Journal(Protocol):
    """What ``add_lora`` needs of the change journal (``workbench.changes.ChangeJournal``),
    named here so that this module does not import it: the journal's undo imports the
    uploader, which imports this module."""

    def quiet(self) -> AbstractContextManager[None]:
        """Changes made on this thread meanwhile are not recorded."""
        ...

    def settings_batch(self, writes: Sequence[SettingsWrite], description: str) -> None:
        """Record writes that landed together as one change."""
        ...


def base_model(value: object) -> str:
    """``value`` as one of ``BASE_MODELS`` (its case need not match); else a
    ``ValidationError`` listing them."""
    if isinstance(value, str):
        wanted = " ".join(value.split()).casefold()
        for choice in BASE_MODELS:
            if choice.casefold() == wanted:
                return choice
    raise ValidationError(
        f"unknown base model {echo(value)}: expected one of {', '.join(BASE_MODELS)}"
    )


def _optional_text(value: object, what: str, limit: int) -> str | None:
    """Checked, stripped text; None (not given) for None or blank text."""
    if value is None:
        return None
    text = check_text(value, what, limit).strip()
    return text or None


@dataclass(frozen=True)
class LoraFields:
    """The fields Reigh's LoRA form holds, for ``wb.upload(..., lora=LoraFields(...))``.

    Checked when made: ``name`` at most 200 characters and not blank (None keeps what the
    file says, else its file name), ``trigger_word`` at most 500 and ``description`` at most
    10,000 (blank: none), ``base_model`` one of ``BASE_MODELS`` (default "Wan 2.2 I2V", the
    form's). Text with a NUL or a lone surrogate is refused (PostgreSQL cannot hold it).
    """

    name: str | None = None
    trigger_word: str | None = None
    base_model: str = DEFAULT_BASE_MODEL
    description: str | None = None

    def __post_init__(self) -> None:
        name = None
        if self.name is not None:
            name = check_text(self.name, "LoRA name", MAX_NAME_LENGTH, empty=False).strip()
        trigger = _optional_text(self.trigger_word, "trigger word", MAX_TRIGGER_WORD_LENGTH)
        described = _optional_text(self.description, "description", MAX_DESCRIPTION_LENGTH)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "trigger_word", trigger)
        object.__setattr__(self, "base_model", base_model(self.base_model))
        object.__setattr__(self, "description", described)

    def metadata(self) -> dict[str, str]:
        """The fields under Reigh's metadata keys (those not given are left out)."""
        keys = {"Name": self.name, "trigger_word": self.trigger_word,
                "base_model": self.base_model, "Description": self.description}  # fmt: skip
        return {key: value for key, value in keys.items() if value is not None}


FIELD_NAMES: tuple[str, ...] = ("name", "trigger_word", "base_model", "description")


def lora_fields(value: object) -> LoraFields | None:
    """The upload's ``lora=`` argument as ``LoraFields``: one already, a mapping of its field
    names, or None (no fields). Anything else, or an unknown key, is a ``ValidationError``."""
    if value is None or isinstance(value, LoraFields):
        return value
    if isinstance(value, Mapping):
        unknown = [str(k) for k in value if k not in FIELD_NAMES]
        if unknown:
            raise ValidationError(
                f"unknown LoRA field {echo(', '.join(sorted(unknown)))}: expected "
                + ", ".join(FIELD_NAMES)
            )
        given = {k: v for k, v in value.items() if v is not None}
        return LoraFields(**given)
    raise ValidationError(
        f"lora must be LoraFields or a mapping of {', '.join(FIELD_NAMES)}, not {echo(value)}"
    )


# -- records -------------------------------------------------------------------------------
def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def lora_path(metadata: Mapping[str, Any]) -> str | None:
    """Where Reigh's client loads a LoRA from (``useLoraManager``): ``high_noise_url``, else
    ``low_noise_url``, else the first ``"Model Files"`` entry's ``url``, else ``path``."""
    files = metadata.get("Model Files")
    first = files[0] if isinstance(files, list) and files and isinstance(files[0], dict) else {}
    return (
        _text(metadata.get("high_noise_url"))
        or _text(metadata.get("low_noise_url"))
        or _text(first.get("url"))
        or _text(first.get("path"))
    )


@dataclass(frozen=True)
class Resource:
    """One ``resources`` row as the workbench shows it: the fields of Reigh's LoRA form read
    from ``metadata`` (which is kept whole), and ``path``, the URL Reigh would load."""

    id: uuid.UUID
    type: str
    name: str
    trigger_word: str | None
    base_model: str | None
    description: str | None
    path: str | None
    is_public: bool
    created_at: datetime
    metadata: dict[str, Any] = field(repr=False)

    @classmethod
    def of(
        cls, row_id: uuid.UUID, kind: str, metadata: object, is_public: bool, at: datetime
    ) -> Resource:
        """The record of a row (``metadata`` not an object reads as empty)."""
        meta = metadata if isinstance(metadata, dict) else {}
        name = _text(meta.get("Name")) or _text(meta.get("name")) or _text(meta.get("Model ID"))
        return cls(
            row_id, kind, name or str(row_id), _text(meta.get("trigger_word")),
            _text(meta.get("base_model")), _text(meta.get("Description")), lora_path(meta),
            bool(is_public), at, meta,
        )  # fmt: skip

    @property
    def model_id(self) -> str:
        """Reigh's id of the LoRA (``"Model ID"``, its unique file name): the id of its entry
        in a tool's LoRA list. The row's id when the metadata has none."""
        return _text(self.metadata.get("Model ID")) or str(self.id)

    @property
    def preview_url(self) -> str | None:
        """The first sample image's URL (``Images[0].url``), as Reigh previews a LoRA."""
        images = self.metadata.get("Images")
        first = images[0] if isinstance(images, list) and images else None
        return _text(first.get("url")) if isinstance(first, dict) else None

    def to_json(self) -> dict[str, Any]:
        """What ``workbench resources list --json`` prints for it."""
        return {
            "id": str(self.id), "type": self.type, "name": self.name,
            "model_id": self.model_id, "trigger_word": self.trigger_word,
            "base_model": self.base_model, "description": self.description,
            "path": self.path, "is_public": self.is_public,
            "created_at": self.created_at.isoformat(), "metadata": self.metadata,
        }  # fmt: skip


def _check_schema(schema: SchemaInfo) -> None:
    if not schema.has("resources"):
        raise SchemaError("this database has no resources table: it holds no LoRAs")


def check_kind(kind: object) -> str:
    """A resource type Reigh uses (``RESOURCE_TYPES``); else a ``ValidationError``."""
    if not isinstance(kind, str) or kind not in RESOURCE_TYPES:
        raise ValidationError(
            f"unknown resource type {echo(kind)}: expected one of {', '.join(RESOURCE_TYPES)}"
        )
    return kind


def list_resources(
    pool: ConnectionPool, schema: SchemaInfo, user_id: uuid.UUID, kind: str = "lora"
) -> list[Resource]:
    """The user's own resources of ``kind``, newest first (one query)."""
    checked = check_kind(kind)
    _check_schema(schema)
    rows = run_idempotent(
        pool,
        lambda conn: conn.execute(
            "SELECT id, type, metadata, is_public, created_at FROM resources "
            "WHERE user_id = %s AND type = %s "
            "ORDER BY created_at DESC, id",
            (user_id, checked),
        ).fetchall(),
    )
    return [Resource.of(*row) for row in rows]


def _find(conn: psycopg.Connection[Any], user_id: uuid.UUID, ref: object) -> Resource:
    """One LoRA by ``ref``: a ``Resource``, an id (the user's own or a public one), or the
    exact ``"Model ID"`` or ``Name`` of one of the user's own (unique among them)."""
    if isinstance(ref, Resource):
        ref = ref.id
    if isinstance(ref, uuid.UUID):
        row_id: uuid.UUID | None = ref
    elif isinstance(ref, str):
        text = check_text(ref, "LoRA", MAX_NAME_LENGTH, empty=False).strip()
        try:
            row_id = uuid.UUID(text)
        except ValueError:
            row_id = None
    else:
        raise ValidationError(f"a LoRA is a Resource, an id or a name, not {echo(ref)}")
    if row_id is not None:
        rows = conn.execute(
            "SELECT id, type, metadata, is_public, created_at FROM resources "
            "WHERE id = %s AND type = 'lora' "
            "AND (user_id = %s OR is_public)",
            (row_id, user_id),
        ).fetchall()
        if not rows:
            raise NotFoundError(f"LoRA {row_id} not found among yours or the public ones")
    else:
        rows = conn.execute(
            "SELECT id, type, metadata, is_public, created_at FROM resources "
            "WHERE user_id = %s AND type = 'lora' "
            "AND (metadata ->> 'Model ID' = %s OR metadata ->> 'Name' = %s) "
            "ORDER BY created_at DESC LIMIT 2",
            (user_id, text, text),
        ).fetchall()
        if not rows:
            raise NotFoundError(f"no LoRA of yours is named {echo(text)}")
        if len(rows) > 1:
            raise ValidationError(f"several of your LoRAs are named {echo(text)}: give its id")
    return Resource.of(*rows[0])


def find_resource(
    pool: ConnectionPool, schema: SchemaInfo, user_id: uuid.UUID, ref: object
) -> Resource:
    """One LoRA by id (yours or public), name or ``"Model ID"`` (yours), one query."""
    _check_schema(schema)
    return run_idempotent(pool, lambda conn: _find(conn, user_id, ref))


# -- LoRA entries in settings ----------------------------------------------------------------
@dataclass(frozen=True)
class LoraList:
    """Where a tool keeps its LoRAs and the keys its entries hold (reigh-operations §8):
    ``required`` always, ``optional`` when the LoRA has them."""

    tool_id: str
    field: str
    required: tuple[str, ...] = ("id", "name", "path", "strength")
    optional: tuple[str, ...] = ("previewImageUrl",)


LORA_LISTS: Mapping[str, LoraList] = {
    # ShotLora (travel-between-images/settings.ts): lowNoisePath and isMultiStage dropped.
    "travel-between-images": LoraList(
        "travel-between-images", "loras", optional=("previewImageUrl", "trigger_word")
    ),
    # ActiveLora as the image-generation settings type declares it.
    "image-generation": LoraList("image-generation", "selectedLoras"),
}


def lora_list(tool_id: object) -> LoraList:
    """The LoRA list of ``tool_id``; a tool without one is a ``ValidationError``."""
    tool = check_tool_id(tool_id)
    found = LORA_LISTS.get(tool)
    if found is None:
        known = ", ".join(f"{t.tool_id} ({t.field})" for t in LORA_LISTS.values())
        raise ValidationError(f"{tool} has no LoRA list: LoRAs go in {known}")
    return found


def check_strength(value: object) -> float:
    """A LoRA strength as Reigh's slider allows it: a number from 0 to 2."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(f"strength must be a number, not {echo(value)}")
    if not math.isfinite(value) or not MIN_STRENGTH <= value <= MAX_STRENGTH:
        raise ValidationError(
            f"strength must be from {MIN_STRENGTH:g} to {MAX_STRENGTH:g}, not {echo(value)}"
        )
    return float(value)


def lora_entry(shape: LoraList, resource: Resource, strength: float) -> dict[str, Any]:
    """The entry Reigh stores for ``resource`` in ``shape``'s list, checked against it."""
    if resource.type != "lora":
        raise ValidationError(f"resource {resource.id} is a {resource.type}, not a LoRA")
    if resource.path is None:
        raise ValidationError(f"LoRA {resource.name!r} has no file URL: Reigh could not load it")
    entry: dict[str, Any] = {
        "id": resource.model_id,
        "name": resource.name,
        "path": resource.path,
        "strength": check_strength(strength),
    }
    if resource.preview_url is not None:
        entry["previewImageUrl"] = resource.preview_url
    if resource.trigger_word is not None:
        entry["trigger_word"] = resource.trigger_word
    check_entry(shape, entry)
    return {k: v for k, v in entry.items() if k in shape.required or k in shape.optional}


def check_entry(shape: LoraList, entry: Mapping[str, Any]) -> None:
    """Refuse an entry that is not the tool's shape: ``id`` and ``path`` non-empty text,
    ``name`` text, ``strength`` a number from 0 to 2, the optional keys text."""
    missing = [k for k in shape.required if k not in entry]
    if missing:
        raise ValidationError(f"a {shape.field} entry needs {', '.join(missing)}")
    for key in ("id", "path"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise ValidationError(f"a {shape.field} entry's {key} must be non-empty text")
    if not isinstance(entry["name"], str):
        raise ValidationError(f"a {shape.field} entry's name must be text")
    check_strength(entry["strength"])
    for key in shape.optional:
        if key in entry and not isinstance(entry[key], str):
            raise ValidationError(f"a {shape.field} entry's {key} must be text")


@dataclass(frozen=True)
class Added:
    """What ``add_lora`` did: the ``entry`` as stored, whether an entry already there had its
    strength ``updated`` (else it was appended), and the list now at the target's scope."""

    entry: dict[str, Any]
    updated: bool
    loras: list[Any]


def merged_list(
    shape: LoraList, current: object, entry: dict[str, Any]
) -> tuple[list[Any], dict[str, Any], bool]:
    """(the new list, the entry as it ends up in it, whether an entry was updated): the entry
    appended, or, when one with its ``id`` is there, that one with the new strength."""
    if current is None:
        current = []
    if not isinstance(current, list):
        raise ValidationError(
            f"{shape.tool_id}.{shape.field} holds {echo(current)}, not a list: reset it first"
        )
    loras = list(current)
    for index, old in enumerate(loras):
        if isinstance(old, dict) and old.get("id") == entry["id"]:
            if old.get("strength") == entry["strength"]:
                raise ConflictError(
                    f"{entry['name']!r} is already in {shape.tool_id}.{shape.field} at "
                    f"strength {entry['strength']:g}: nothing to change"
                )
            kept = {**old, "strength": entry["strength"]}
            loras[index] = kept
            return loras, kept, True
    loras.append(entry)
    return loras, entry, False


def add_lora(
    pool: ConnectionPool,
    schema: SchemaInfo,
    settings: SettingsService,
    changes: Journal,
    *,
    user_id: uuid.UUID,
    tool_id: object,
    target: SettingsTarget,
    resource: object,
    strength: object = DEFAULT_STRENGTH,
) -> Added:
    """Add a LoRA to ``tool_id``'s list as the target resolves it, written at the target's
    scope: read the LoRA (one query) and the target's layers (one), then one write, landed
    only if the target's own object is still what was planned from (else planned again)."""
    shape = lora_list(tool_id)
    wanted = check_strength(strength)
    found = find_resource(pool, schema, user_id, resource)
    entry = lora_entry(shape, found, wanted)
    for _ in range(MAX_RETRIES):
        layers = settings.layers(shape.tool_id, target)
        own = layers.values.get(target.scope)
        own = own if isinstance(own, dict) else {}
        resolved = resolve(shape.tool_id, layers.values).values.get(shape.field)
        loras, stored, updated = merged_list(shape, resolved, entry)
        patch = {shape.field: loras}
        settings.validate(target.scope, target.id, shape.tool_id, patch)
        verb = "set the strength of" if updated else "add"
        what = f"{verb} LoRA {found.name!r} in {shape.tool_id}.{shape.field} at {target.scope}"
        with changes.quiet():  # recorded below, in words that say what was added
            done = settings.rewrite(target, shape.tool_id, patch, [], note=what, expect=own)
        if done is not None:
            changes.settings_batch([done], what)
            return Added(stored, updated, loras)
    raise ConflictError(f"{target} kept changing while the LoRA was added: nothing was written")
