"""A generation's variants through the API: list, make primary, delete (never the original nor
the primary, as Reigh), star, and the "new" mark that viewing clears."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from test_bulk import Batch, build_batch
from test_undo import one

from workbench.client import Workbench
from workbench.errors import NotFoundError, ValidationError
from workbench.startup import connect
from workbench.storage import LocalStorage
from workbench.views.detail import variant_refusal


@pytest.fixture
def batch(db_dsn: str, monkeypatch: pytest.MonkeyPatch) -> Batch:
    made = build_batch(db_dsn)
    monkeypatch.setenv("WORKBENCH_USER_ID", str(made.user))
    return made


@pytest.fixture
def wb(db_dsn: str, batch: Batch, tmp_path: Path) -> Iterator[Workbench]:
    with connect(db_dsn, storage=LocalStorage(tmp_path / "media")) as workbench:
        yield workbench


def variant_row(dsn: str, variant_id: uuid.UUID) -> Any:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT to_jsonb(v) FROM generation_variants v WHERE id = %s", (variant_id,)
        ).fetchone()
    return None if row is None else row[0]


def add_variant(dsn: str, generation: uuid.UUID, kind: str, *, primary: bool = False) -> uuid.UUID:
    """A new (never viewed) variant."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return one(  # type: ignore[no-any-return]
            conn,
            "INSERT INTO generation_variants (generation_id, location, is_primary, "
            "variant_type, name) VALUES (%s, %s, %s, %s, %s) RETURNING id",
            (generation, f"u/{kind}-{uuid.uuid4().hex[:6]}.png", primary, kind, kind.title()),
        )


def unviewed(wb: Workbench, batch: Batch, generation: uuid.UUID) -> int:
    page = wb.generations(batch.project, fresh=True)
    return next(i.unviewed_variant_count for i in page.items if i.id == generation)


def test_list_puts_the_primary_first_and_says_which_are_new(wb: Workbench, batch: Batch) -> None:
    variants = wb.variants(batch.g[0])
    assert [v.id for v in variants] == list(batch.variants)
    original, upscaled = variants
    assert (original.variant_type, original.is_primary, original.viewed_at is None) == (
        "original", True, False,
    )  # fmt: skip
    assert (upscaled.variant_type, upscaled.is_primary, upscaled.viewed_at is None) == (
        "upscaled", False, True,
    )  # fmt: skip
    assert not upscaled.starred
    with pytest.raises(NotFoundError, match="not found among the current user's"):
        wb.variants(batch.foreign)


def test_set_primary_copies_its_media_onto_the_generation_and_undo_puts_it_back(
    wb: Workbench, batch: Batch
) -> None:
    original, upscaled = batch.variants
    wb.set_primary_variant(batch.g[0], upscaled)
    assert [v.id for v in wb.variants(batch.g[0]) if v.is_primary] == [upscaled]
    assert wb.generation_detail(batch.g[0]).generation.location == "u/a-up.png"
    wb.undo()
    assert [v.id for v in wb.variants(batch.g[0]) if v.is_primary] == [original]
    assert wb.generation_detail(batch.g[0]).generation.location == "u/harbour at dusk.png"


def test_delete_refuses_the_original_and_the_primary_in_reighs_words(
    db_dsn: str, wb: Workbench, batch: Batch
) -> None:
    original, upscaled = batch.variants
    shown = {v.id: v for v in wb.variants(batch.g[0])}
    with pytest.raises(ValidationError, match=r"^Cannot delete the original variant") as refused:
        wb.delete_variant(original)
    refusal = variant_refusal(shown[original])
    assert refusal is not None
    assert str(refused.value).startswith(refusal)

    wb.set_primary_variant(batch.g[0], upscaled)
    primary = next(v for v in wb.variants(batch.g[0]) if v.id == upscaled)
    with pytest.raises(ValidationError, match=r"^Cannot delete the primary variant") as refused:
        wb.delete_variant(upscaled)
    assert str(refused.value) == variant_refusal(primary)
    assert variant_row(db_dsn, upscaled) is not None
    assert variant_row(db_dsn, original) is not None


def test_delete_another_variant_and_undo_restores_the_same_row(
    db_dsn: str, wb: Workbench, batch: Batch
) -> None:
    upscaled = batch.variants[1]
    before = variant_row(db_dsn, upscaled)
    wb.delete_variant(upscaled)
    assert variant_row(db_dsn, upscaled) is None
    assert [v.id for v in wb.variants(batch.g[0])] == [batch.variants[0]]
    assert wb.history()[0].kind == "delete-variant"
    wb.undo()
    assert variant_row(db_dsn, upscaled) == before


def test_star_and_unstar_variants_and_undo_puts_back_each_ones_star(
    db_dsn: str, wb: Workbench, batch: Batch
) -> None:
    original, upscaled = batch.variants
    wb.star_variant(original)
    assert wb.history()[0].summary()["description"] == "star a variant of 'harbour at dusk'"
    wb.star_variant([original, upscaled])
    assert wb.history()[0].summary()["description"] == "star 2 variants"
    assert [v.starred for v in wb.variants(batch.g[0])] == [True, True]
    wb.undo()  # the second star: the original was starred already, the upscaled was not
    assert [v.starred for v in wb.variants(batch.g[0])] == [True, False]
    wb.star_variant([original], False)
    assert [v.starred for v in wb.variants(batch.g[0])] == [False, False]
    wb.undo()
    assert [v.starred for v in wb.variants(batch.g[0])] == [True, False]


def test_star_refuses_another_users_variant_and_changes_nothing(
    db_dsn: str, wb: Workbench, batch: Batch
) -> None:
    with psycopg.connect(db_dsn) as conn:
        theirs = one(
            conn, "SELECT id FROM generation_variants WHERE generation_id = %s", (batch.foreign,)
        )
    with pytest.raises(NotFoundError, match=f"variant {theirs} not found"):
        wb.star_variant([batch.variants[1], theirs])
    assert variant_row(db_dsn, batch.variants[1])["starred"] is False
    assert variant_row(db_dsn, theirs)["starred"] is False


def test_mark_viewed_counts_and_the_gallery_badge_drops(
    db_dsn: str, wb: Workbench, batch: Batch
) -> None:
    extra = add_variant(db_dsn, batch.g[0], "edit")
    assert unviewed(wb, batch, batch.g[0]) == 2
    assert wb.mark_viewed(batch.g[0], [extra]) == 1
    assert unviewed(wb, batch, batch.g[0]) == 1
    assert wb.mark_viewed(batch.g[0]) == 1  # the upscaled one; the rest were viewed
    assert wb.mark_viewed(batch.g[0]) == 0
    assert unviewed(wb, batch, batch.g[0]) == 0
    assert wb.mark_viewed(batch.foreign) == 0  # another user's: nothing happens
    assert wb.history() == []  # viewing is not an edit


def test_opening_a_generation_marks_only_its_primary_viewed(
    db_dsn: str, wb: Workbench, batch: Batch
) -> None:
    edit = add_variant(db_dsn, batch.g[1], "edit", primary=True)
    other = add_variant(db_dsn, batch.g[1], "upscaled")
    detail = wb.generation_detail(batch.g[1], mark_viewed=True)
    # The detail still says which were new when it was opened.
    assert {v.id for v in detail.variants if v.viewed_at is None} == {edit, other}
    assert variant_row(db_dsn, edit)["viewed_at"] is not None
    assert variant_row(db_dsn, other)["viewed_at"] is None
    assert unviewed(wb, batch, batch.g[1]) == 1
    wb.generation_detail(batch.g[1])  # without mark_viewed: nothing changes
    assert variant_row(db_dsn, other)["viewed_at"] is None
