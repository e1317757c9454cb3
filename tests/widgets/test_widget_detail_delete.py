"""The notebook detail panel's Delete…: it asks in the panel's confirm row, deletes only on the
verb, says the item is gone, and the gallery's Undo brings it back with the same id. Without a
browser (a click is ``button.click()``), on a real database holding the demo."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from waiting import wait_until

from workbench.client import Workbench
from workbench.widgets import Gallery


def exists(dsn: str, generation_id: Any) -> bool:
    with psycopg.connect(dsn) as conn:
        found = conn.execute("SELECT 1 FROM generations WHERE id = %s", (generation_id,))
        return found.fetchone() is not None


@pytest.fixture
def gallery(demo_wb: Workbench) -> Iterator[Gallery]:
    widget = Gallery(demo_wb, project="Neon Coastline", limit=12)
    yield widget
    widget.close()


def test_delete_from_the_detail_asks_first_and_undo_brings_it_back(
    gallery: Gallery, demo_dsn: str
) -> None:
    assert gallery.undo is not None
    tile = gallery.tiles[0]
    item_id = tile.item_id
    tile.details.click()  # opens the detail panel on the item
    detail = gallery.detail
    assert detail.showing == item_id
    assert detail.layout.display is None
    assert not detail.confirm.asking

    detail.delete.click()
    assert detail.confirm.asking
    assert detail.confirm.layout.display is None
    assert detail.confirm.go.description == "Delete"
    assert "Undo brings it back" in detail.confirm.message.value
    detail.confirm.cancel.click()  # Cancel keeps it, and the panel still shows it
    assert not detail.confirm.asking
    assert exists(demo_dsn, item_id)
    assert detail.showing == item_id

    detail.delete.click()
    detail.confirm.go.click()
    assert not exists(demo_dsn, item_id)
    assert detail.showing is None  # the panel let go of it and says it is gone
    assert "deleted" in detail.info.value
    assert detail.delete.layout.display == "none"
    assert detail.star.layout.display == "none"
    wait_until(lambda: all(i.id != item_id for i in gallery.model.state.items),
               what="the page without it")  # fmt: skip
    assert "delete generation" in gallery.undo.button.tooltip

    gallery.undo.button.click()
    assert exists(demo_dsn, item_id)  # the same id again
    assert gallery.undo.message.value.startswith("undid: delete generation")
    wait_until(lambda: any(i.id == item_id for i in gallery.model.state.items),
               what="the page with it again")  # fmt: skip
    tile = next(t for t in gallery.tiles if t.item_id == item_id)
    tile.details.click()  # it opens again, with its actions back
    assert detail.showing == item_id
    assert detail.delete.layout.display is None


def test_opening_another_item_drops_the_open_question(gallery: Gallery, demo_dsn: str) -> None:
    first, second = gallery.tiles[0], gallery.tiles[1]
    first.details.click()
    gallery.detail.delete.click()
    assert gallery.detail.confirm.asking
    second.details.click()
    assert not gallery.detail.confirm.asking  # the question was about the first item
    assert exists(demo_dsn, first.item_id)
