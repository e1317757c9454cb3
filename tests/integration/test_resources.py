"""LoRA resources on a real PostgreSQL: the upload's LoRA fields under Reigh's metadata keys,
the user's list, and adding a LoRA to a tool's LoRA list at a chosen scope (with undo)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
import upload_samples as samples
from upload_setup import Setup

from workbench.client import Workbench
from workbench.errors import ConflictError, NotFoundError, ValidationError
from workbench.resources import BASE_MODELS, LoraFields
from workbench.storage import LocalStorage, Storage
from workbench.uploads import UploadData


@pytest.fixture
def store(tmp_path: Path) -> Storage:
    """The local folder store: these tests are about rows, not the S3 transfer."""
    return LocalStorage(tmp_path / "assets")


def counts(dsn: str) -> tuple[int, int]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM resources), (SELECT count(*) FROM generations)"
        ).fetchone()
    assert row is not None
    return row[0], row[1]


def loras_at(dsn: str, table: str, row_id: object, tool: str = "travel-between-images") -> Any:
    with psycopg.connect(dsn) as conn:
        query = f"SELECT settings -> %s FROM {table} WHERE id = %s"
        row = conn.execute(query, (tool, row_id)).fetchone()
    assert row is not None
    return row[0]


def test_lora_fields_listing_and_adding_to_a_tool_at_a_scope(
    wb: Workbench, setup: Setup, db_dsn: str, store: Storage
) -> None:
    weights = samples.safetensors(metadata={"ss_base_model_version": "sdxl", "name": "hdr"})
    image = UploadData("still.png", samples.image("png", (64, 48), seed=5))

    # Refused fields store nothing (checked before any byte moves).
    lora = UploadData("neon.safetensors", weights)
    rows_before = counts(db_dsn)
    bad: list[Any] = [
        {"name": "a\x00b"},
        {"name": "x\ud800"},
        {"name": "   "},
        {"name": "n" * 201},
        {"description": "d" * 10_001},
        {"base_model": "SDXL 1.0"},
        {"colour": "red"},
        "Neon",
    ]
    for fields in bad:
        with pytest.raises(ValidationError) as refused:
            wb.upload([lora, image], project_id=setup.project, lora=fields)
        if fields == {"base_model": "SDXL 1.0"}:
            assert all(model in str(refused.value) for model in BASE_MODELS)
    with pytest.raises(ValidationError, match="apply to LoRA files"):
        wb.upload(image, project_id=setup.project, lora=LoraFields(name="Neon"))
    assert counts(db_dsn) == rows_before
    assert not list(store.list())

    # The fields go into the LoRA's row under Reigh's keys; the image of the batch is not
    # touched by them. The base model is matched whatever its case.
    fields = LoraFields(name=" Neon Drift ", trigger_word="neondrift", base_model="wan 2.1 t2v",
                        description="Glowing signs at dusk.")  # fmt: skip
    results = wb.upload([lora, image], project_id=setup.project, lora=fields)
    assert [r.status for r in results] == ["uploaded", "uploaded"], [r.error for r in results]
    first = results[0]
    second = wb.upload(UploadData("plain.safetensors", samples.safetensors(seed=7)),
                       project_id=setup.project)[0]  # fmt: skip

    # Newest first; each with the form's fields and the URL Reigh loads.
    mine = wb.resources()
    assert [r.id for r in mine] == [second.resource_id, first.resource_id]
    neon = mine[1]
    assert (neon.name, neon.trigger_word, neon.base_model, neon.description) == (
        "Neon Drift", "neondrift", "Wan 2.1 T2V", "Glowing signs at dusk.",
    )  # fmt: skip
    meta = neon.metadata
    assert (meta["Name"], meta["trigger_word"], meta["base_model"], meta["Description"]) == (
        "Neon Drift", "neondrift", "Wan 2.1 T2V", "Glowing signs at dusk.",
    )  # fmt: skip
    assert neon.path == first.location == meta["Model Files"][0]["url"]
    assert (neon.type, neon.is_public, neon.model_id) == ("lora", False, "neon")
    assert (mine[0].name, mine[0].base_model) == ("plain", None)  # no fields: the file's
    assert wb.resources("effect") == []
    with pytest.raises(ValidationError, match="unknown resource type"):
        wb.resources("loras")

    # A shot inherits one LoRA from its project; adding keeps it and writes at the shot.
    inherited = {"id": "old", "name": "Old", "path": "https://x/old.safetensors", "strength": 1}
    wb.update_settings("project", setup.project, "travel-between-images", {"loras": [inherited]})
    entry = wb.add_lora("travel-between-images", {"shot_id": setup.shot}, neon, strength=0.8)
    assert entry == {"id": "neon", "name": "Neon Drift", "path": neon.path, "strength": 0.8,
                     "trigger_word": "neondrift"}  # fmt: skip
    assert loras_at(db_dsn, "shots", setup.shot) == {"loras": [inherited, entry]}
    assert loras_at(db_dsn, "projects", setup.project) == {"loras": [inherited]}
    assert wb.history()[0].description == (
        "add LoRA 'Neon Drift' in travel-between-images.loras at shot"
    )

    # Again at the same strength: nothing to change; another strength updates it in place.
    with pytest.raises(ConflictError, match="already in"):
        wb.add_lora("travel-between-images", {"shot_id": setup.shot}, neon.id, strength=0.8)
    updated = wb.add_lora("travel-between-images", {"shot_id": setup.shot}, "Neon Drift",
                          strength=1.5)  # fmt: skip
    assert loras_at(db_dsn, "shots", setup.shot) == {"loras": [inherited, updated]}
    assert updated["strength"] == 1.5

    # At the project (a record as the target), and image-generation's shape (no trigger).
    project = wb.project(setup.project)
    wb.add_lora("travel-between-images", project, str(neon.id))
    assert loras_at(db_dsn, "projects", setup.project)["loras"][1]["strength"] == 1.0
    image_entry = wb.add_lora("image-generation", "user", neon)
    assert "trigger_word" not in image_entry
    assert loras_at(db_dsn, "users", setup.user, "image-generation") == {
        "selectedLoras": [image_entry]
    }

    # Refusals change nothing.
    before = [loras_at(db_dsn, "shots", setup.shot), loras_at(db_dsn, "projects", setup.project)]
    refusals: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"tool_id": "join-clips"}, ValidationError, "has no LoRA list"),
        ({"strength": 2.5}, ValidationError, "from 0 to 2"),
        ({"strength": True}, ValidationError, "must be a number"),
        ({"strength": float("nan")}, ValidationError, "from 0 to 2"),
        ({"resource": "nobody"}, NotFoundError, "no LoRA of yours"),
        ({"resource": "a\x00"}, ValidationError, "NUL"),
        ({"target": {"shot_id": setup.other_shot}}, NotFoundError, "not found"),
        ({"target": {"colour": 1}}, ValidationError, "shot_id or project_id"),
    ]
    for change, error, words in refusals:
        call: dict[str, Any] = {"tool_id": "travel-between-images",
                                "target": {"shot_id": setup.shot}, "resource": neon.id,
                                "strength": 0.3, **change}  # fmt: skip
        with pytest.raises(error, match=words):
            wb.add_lora(call.pop("tool_id"), call.pop("target"), call.pop("resource"), **call)
    after = [loras_at(db_dsn, "shots", setup.shot), loras_at(db_dsn, "projects", setup.project)]
    assert after == before

    # Undo takes each add back, newest first, to exactly what was there.
    wb.undo()  # image-generation at the user
    assert loras_at(db_dsn, "users", setup.user, "image-generation") in (None, {})
    wb.undo()  # the project's add
    assert loras_at(db_dsn, "projects", setup.project) == {"loras": [inherited]}
    wb.undo()  # the strength update
    assert loras_at(db_dsn, "shots", setup.shot) == {"loras": [inherited, entry]}
    wb.undo()  # the first add: the shot stores no LoRA list of its own again
    assert loras_at(db_dsn, "shots", setup.shot) in (None, {})
