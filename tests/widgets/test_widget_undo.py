"""The notebook's confirm rows (the gallery's and the detail panel's Delete…) and Undo button,
without a browser (a click is ``button.click()``), on a real database holding the demo."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from waiting import wait_until

from workbench.client import Workbench
from workbench.widgets import Gallery
from workbench.widgets import Workbench as WorkbenchWidget


def exists(dsn: str, generation_id: Any) -> bool:
    with psycopg.connect(dsn) as conn:
        found = conn.execute("SELECT 1 FROM generations WHERE id = %s", (generation_id,))
        return found.fetchone() is not None


@pytest.fixture
def gallery(demo_wb: Workbench) -> Iterator[Gallery]:
    widget = Gallery(demo_wb, project="Neon Coastline", limit=12)
    yield widget
    widget.close()


def test_delete_asks_in_the_confirm_row_and_undo_brings_it_back(
    gallery: Gallery, demo_dsn: str
) -> None:
    assert gallery.undo is not None
    assert gallery.undo.button.disabled  # nothing to undo yet
    item = gallery.model.state.selection
    assert item is not None
    gallery.delete.click()
    assert gallery.confirm.asking
    assert gallery.confirm.go.description == "Delete"
    assert "Undo brings it back" in gallery.confirm.message.value
    gallery.confirm.cancel.click()  # Cancel keeps it
    assert not gallery.confirm.asking
    assert exists(demo_dsn, item.id)

    gallery.delete.click()
    gallery.confirm.go.click()
    assert not exists(demo_dsn, item.id)
    wait_until(lambda: all(i.id != item.id for i in gallery.model.state.items),
               what="the page without it")  # fmt: skip
    assert not gallery.undo.button.disabled
    assert "delete generation" in gallery.undo.button.tooltip
    assert "delete generation" in gallery.undo.message.value

    gallery.undo.button.click()
    assert exists(demo_dsn, item.id)
    assert gallery.undo.message.value.startswith("undid: delete generation")
    assert gallery.undo.button.disabled
    wait_until(lambda: any(i.id == item.id for i in gallery.model.state.items),
               what="the page with it again")  # fmt: skip


def test_a_conflict_is_shown_and_nothing_is_undone(gallery: Gallery, demo_dsn: str) -> None:
    assert gallery.undo is not None
    item = gallery.model.state.selection
    assert item is not None
    gallery.grid.handle({"type": "star", "index": 0})  # its tile's star
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        conn.execute("UPDATE generations SET starred = %s WHERE id = %s", (item.starred, item.id))
    gallery.undo.button.click()
    assert "cannot undo" in gallery.undo.message.value
    assert not gallery.undo.button.disabled


def test_remove_from_shot_asks_first(demo_wb: Workbench) -> None:
    project = demo_wb.project("Neon Coastline")
    shot = demo_wb.shots(project.id)[0]
    widget = Gallery(demo_wb, shot=shot.id)
    try:
        assert widget.remove.layout.display is None  # offered in a shot
        count = len(widget.model.state.items)
        widget.remove.click()
        assert widget.confirm.go.description == "Remove"
        assert shot.name in widget.confirm.message.value
        widget.confirm.go.click()
        assert len(widget.model.state.items) == count - 1
        assert demo_wb.undo().startswith("undid: remove")
        widget.model.reload()
        assert len(widget.model.state.items) == count
    finally:
        widget.close()


def test_the_workbench_widget_has_one_undo_for_every_tab(demo_wb: Workbench) -> None:
    widget = WorkbenchWidget(demo_wb, project="Neon Coastline")
    try:
        assert widget.gallery.undo is None
        assert widget.undo.button.disabled
        project = demo_wb.project("Neon Coastline")
        demo_wb.update_settings("project", project.id, "travel-between-images",
                                {"amountOfMotion": 71})  # fmt: skip
        assert not widget.undo.button.disabled
        widget.undo.button.click()
        assert widget.undo.message.value.startswith("undid: set travel-between-images")
    finally:
        widget.close()


# -- the detail panel's Delete… ---------------------------------------------------------
def test_delete_from_the_detail_asks_first_and_undo_brings_it_back(
    gallery: Gallery, demo_dsn: str
) -> None:
    assert gallery.undo is not None
    item_id = gallery.model.state.items[0].id
    gallery.grid.handle({"type": "open", "index": 0})  # a click on the tile opens the viewer
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
    # The viewer let go of it: it shows the next item (the viewer follows the gallery).
    wait_until(lambda: detail.showing != item_id, what="the viewer to let go of it")
    wait_until(lambda: all(i.id != item_id for i in gallery.model.state.items),
               what="the page without it")  # fmt: skip
    assert "delete generation" in gallery.undo.button.tooltip

    gallery.undo.button.click()
    assert exists(demo_dsn, item_id)  # the same id again
    assert gallery.undo.message.value.startswith("undid: delete generation")
    wait_until(lambda: any(i.id == item_id for i in gallery.model.state.items),
               what="the page with it again")  # fmt: skip
    (index,) = wait_until(  # the tiles render after the model's state changed
        lambda: [t["index"] for t in gallery.grid.tiles if t["id"] == str(item_id)],
        what="its tile again",
    )
    gallery.grid.handle({"type": "open", "index": index})  # it opens again, with its actions
    assert detail.showing == item_id
    assert detail.delete.layout.display is None


def test_opening_another_item_drops_the_open_question(gallery: Gallery, demo_dsn: str) -> None:
    first = gallery.model.state.items[0].id
    gallery.grid.handle({"type": "open", "index": 0})
    gallery.detail.delete.click()
    assert gallery.detail.confirm.asking
    gallery.grid.handle({"type": "open", "index": 1})
    assert not gallery.detail.confirm.asking  # the question was about the first item
    assert exists(demo_dsn, first)
