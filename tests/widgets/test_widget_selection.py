"""The gallery's selection and bulk actions, and the detail panel's variants, in real widgets
without a browser (a click is ``button.click()``, a tick is setting ``checkbox.value``, as the
browser's sync does), on a real database holding the demo."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from waiting import wait_until

from workbench.client import Workbench
from workbench.views.cards import SELECTED, card
from workbench.widgets import Gallery

PROJECT = "Neon Coastline"


def rows(dsn: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(query, params).fetchall()


def starred(dsn: str, ids: list[Any]) -> list[bool]:
    found = dict(rows(dsn, "SELECT id, starred FROM generations WHERE id = ANY(%s)", ids))
    return [found[i] for i in ids]


def existing(dsn: str, ids: list[Any]) -> int:
    return len(rows(dsn, "SELECT 1 FROM generations WHERE id = ANY(%s)", ids))


@pytest.fixture
def gallery(demo_wb: Workbench) -> Iterator[Gallery]:
    widget = Gallery(demo_wb, project=PROJECT, limit=12)
    yield widget
    widget.close()


def tick(gallery: Gallery, *indexes: int) -> list[Any]:
    """Tick tiles as a user does (a click on each tile's select box); returns their ids."""
    for index in indexes:
        gallery.grid.handle({"type": "mark", "index": index})
    return [gallery.model.state.items[i].id for i in indexes]


def ticked(gallery: Gallery) -> list[bool]:
    """Which tiles show their select box ticked (the grid's ``marked`` ids)."""
    return [tile["id"] in gallery.grid.marked for tile in gallery.grid.tiles]


def star_shown(gallery: Gallery, index: int) -> bool:
    return gallery.grid.tiles[index]["id"] in gallery.grid.starred


def open_tile(gallery: Gallery, index: int) -> None:
    """A click on a tile: the cursor goes there and the viewer opens."""
    gallery.grid.handle({"type": "open", "index": index})


# -- the selection -----------------------------------------------------------------------------
def test_checkboxes_select_and_the_selection_survives_paging(gallery: Gallery) -> None:
    assert gallery.count.value == "0 selected"
    assert gallery.select_none.disabled
    ids = tick(gallery, 0, 3, 5)
    state = gallery.model.state
    assert [item.id for item in state.marked] == ids  # in the order ticked
    assert "3 selected" in gallery.count.value
    assert state.status.endswith("· 3 selected")
    assert ticked(gallery) == [index in (0, 3, 5) for index in range(12)]
    assert gallery.grid.marked_colour == SELECTED  # a selected tile's ring: the TUI's tick
    assert gallery.bulk_star.description.endswith(" 3")  # the actions say how many

    gallery.grid.handle({"type": "mark", "index": 3})  # untick
    assert [item.id for item in gallery.model.state.marked] == [ids[0], ids[2]]
    assert "2 selected" in gallery.count.value

    gallery.next.click()  # another page: nothing ticked there, the selection stays
    assert not any(ticked(gallery))
    assert "2 selected" in gallery.count.value
    gallery.prev.click()
    assert ticked(gallery)[0]
    assert ticked(gallery)[5]

    # Shift+click: a run from the cursor to that tile, the cursor following.
    gallery.grid.handle({"type": "cursor", "index": 7})
    gallery.grid.handle({"type": "mark", "index": 9, "shift": True})
    assert ticked(gallery)[7:10] == [True, True, True]
    assert gallery.grid.cursor == 9
    assert len(gallery.model.state.marked) == 5
    gallery.grid.handle({"type": "extend", "delta": 1})  # shift+→
    assert ticked(gallery)[10]
    assert gallery.grid.cursor == 10

    gallery.select_page.click()
    assert len(gallery.model.state.marked) == 12
    assert all(ticked(gallery))
    gallery.select_page.click()  # all selected already: unselect the page
    assert gallery.model.state.marked == ()
    tick(gallery, 1)
    gallery.select_none.click()
    assert gallery.model.state.marked == ()
    assert not any(ticked(gallery))
    assert gallery.count.value == "0 selected"


def test_tiles_render_their_cards(gallery: Gallery, demo_wb: Workbench) -> None:
    state = gallery.model.state
    assert any(c.badges for c in state.cards), "the demo has items in shots"
    for tile, item in zip(gallery.grid.tiles, state.items, strict=True):
        shown = card(item, state.shot_names)
        assert tile["summary"] == replace(shown, starred=False).summary  # the star: its own
        assert (tile["kind"], tile["text"]) == (shown.kind, shown.text)
        assert tile["badges"] == [{"label": b.label, "colour": b.colour} for b in shown.badges]
        assert (tile["variants"], tile["new"], tile["video"]) == (
            shown.variants, shown.new, shown.is_video,
        )  # fmt: skip


# -- bulk actions --------------------------------------------------------------------------------
def test_bulk_star_of_three_is_one_change_and_one_undo(gallery: Gallery, demo_dsn: str) -> None:
    assert gallery.undo is not None
    plain = [i for i, item in enumerate(gallery.model.state.items) if not item.starred][:3]
    assert len(plain) == 3
    ids = tick(gallery, *plain)
    assert gallery.bulk_star.description == "★ star 3"
    gallery.bulk_star.click()
    assert starred(demo_dsn, ids) == [True, True, True]
    wait_until(lambda: all(star_shown(gallery, i) for i in plain), what="three stars")
    assert gallery.bulk_star.description == "☆ unstar 3"  # all starred: the button unstars

    gallery.undo.button.click()  # one undo takes all three back
    assert starred(demo_dsn, ids) == [False, False, False]
    assert gallery.undo.message.value.startswith("undid:")
    wait_until(lambda: not any(star_shown(gallery, i) for i in plain), what="no stars")


def test_a_tiles_star_stars_that_item_alone(gallery: Gallery, demo_dsn: str) -> None:
    items = gallery.model.state.items
    ids = tick(gallery, 0, 1)
    other = next(i for i in range(2, 12) if not items[i].starred)
    gallery.grid.handle({"type": "star", "index": other})
    assert starred(demo_dsn, [items[other].id]) == [True]
    assert starred(demo_dsn, ids) == [items[0].starred, items[1].starred]


def test_bulk_delete_asks_once_and_one_undo_brings_all_back(
    gallery: Gallery, demo_dsn: str
) -> None:
    assert gallery.undo is not None
    ids = tick(gallery, 1, 2, 4)
    gallery.delete.click()
    assert gallery.confirm.asking
    assert gallery.confirm.go.description == "Delete 3"
    assert "Delete 3 generations" in gallery.confirm.message.value
    tick(gallery, 6)  # the selection changed: the question goes
    assert not gallery.confirm.asking
    tick(gallery, 6)  # and back

    gallery.delete.click()
    gallery.confirm.go.click()  # one question, one click
    assert existing(demo_dsn, ids) == 0
    assert gallery.model.state.marked == ()
    wait_until(lambda: not set(ids) & {i.id for i in gallery.model.state.items},
               what="the page without them")  # fmt: skip
    gallery.undo.button.click()
    assert existing(demo_dsn, ids) == 3


def test_add_to_shot_unpositioned_and_at_the_end(
    gallery: Gallery, demo_wb: Workbench, demo_dsn: str
) -> None:
    state = gallery.model.state
    shot_id, name = next(iter(state.shot_names.items()))
    assert (name, shot_id) in gallery.shot_choice.options
    outside = [i for i, item in enumerate(state.items) if shot_id not in item.shot_ids][:3]
    ids = tick(gallery, *outside[:2])
    gallery.shot_choice.value = shot_id
    gallery.placement.value = "unpositioned"
    gallery.add.click()
    frames = rows(demo_dsn, "SELECT generation_id, timeline_frame FROM shot_generations "
                  "WHERE shot_id = %s AND generation_id = ANY(%s)", shot_id, ids)  # fmt: skip
    assert sorted(str(g) for g, _ in frames) == sorted(str(i) for i in ids)
    assert all(frame is None for _, frame in frames)
    wait_until(lambda: f"{name} (unpositioned)" in str(gallery.grid.tiles[outside[0]]["badges"]),
               what="the unpositioned badge")  # fmt: skip

    gallery.select_none.click()
    gallery.model.select(outside[2])  # nothing selected: the item under the cursor
    gallery.placement.value = "end"
    gallery.add.click()
    last = state.items[outside[2]].id
    ((frame,),) = rows(demo_dsn, "SELECT timeline_frame FROM shot_generations WHERE shot_id = "
                       "%s AND generation_id = %s", shot_id, last)  # fmt: skip
    assert frame is not None


def test_remove_several_from_a_shot_asks_once(demo_wb: Workbench, demo_dsn: str) -> None:
    shot = demo_wb.shots(demo_wb.project(PROJECT).id)[0]
    widget = Gallery(demo_wb, shot=shot.id)
    try:
        assert widget.remove.layout.display is None
        ids = tick(widget, 0, 1)
        count = len(widget.model.state.items)
        widget.remove.click()
        assert widget.confirm.go.description == "Remove 2"
        widget.confirm.go.click()
        assert len(widget.model.state.items) == count - 2
        linked = rows(demo_dsn, "SELECT 1 FROM shot_generations WHERE shot_id = %s AND "
                      "generation_id = ANY(%s)", shot.id, ids)  # fmt: skip
        assert linked == []
    finally:
        widget.close()


def test_download_writes_a_zip_of_the_selection_and_links_it(
    gallery: Gallery, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("workbench.views.downloads")
    notebook = tmp_path / "work" / "nb.ipynb"
    notebook.parent.mkdir()
    monkeypatch.chdir(notebook.parent)
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))
    tick(gallery, 0, 2, 7)
    panel = gallery.download
    assert panel.folder.value == "downloads/"
    thread = panel.start()
    assert thread is not None
    thread.join(60)
    assert not thread.is_alive()
    zip_path = panel.zip_path
    assert zip_path is not None
    assert zip_path.parent == notebook.parent / "downloads"
    with zipfile.ZipFile(zip_path) as archive:
        manifest = archive.read("manifest.jsonl").decode().splitlines()
    assert len([json.loads(line) for line in manifest if line.strip()]) == 3
    (output,) = panel.link.outputs
    link = output["data"]["text/html"]
    assert f"href='downloads/{zip_path.name}'" in link
    assert f"download='{zip_path.name}'" in link
    assert str(zip_path) in panel.where.value
    assert "data:application/zip;base64," in panel.where.value  # small: an inline copy too
    assert "done: 3 files" in panel.status.value
    assert not panel.button.disabled


def test_download_without_a_selection_takes_the_filtered_gallery(
    gallery: Gallery, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    gallery.starred.value = True  # every page of the starred items, not just this one
    page = gallery.model.state.page
    assert page is not None
    assert page.total_exact
    assert page.total > 0
    gallery.download.folder.value = str(tmp_path / "out")
    thread = gallery.download.start()
    assert thread is not None
    thread.join(60)
    zip_path = gallery.download.zip_path
    assert zip_path is not None
    assert zip_path.parent == tmp_path / "out"
    with zipfile.ZipFile(zip_path) as archive:
        lines = archive.read("manifest.jsonl").decode().splitlines()
    assert len([line for line in lines if line.strip()]) == page.total


# -- the detail panel: variants, previous/next, videos -----------------------------------------
def add_variant(dsn: str, item: Any, kind: str) -> Any:
    """A non-primary, unviewed variant of ``item`` (its own media, as an edit would be)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO generation_variants (generation_id, location, thumbnail_url, "
            "is_primary, variant_type, name) VALUES (%s, %s, %s, false, %s, %s) RETURNING id",
            (item.id, item.location, item.thumbnail_url, kind, f"{kind} one"),
        ).fetchone()
    assert row is not None
    return row[0]


def variant_row(dsn: str, variant_id: Any) -> tuple[Any, ...] | None:
    found = rows(dsn, "SELECT is_primary, starred, viewed_at FROM generation_variants "
                 "WHERE id = %s", variant_id)  # fmt: skip
    return found[0] if found else None


def test_detail_variant_buttons(gallery: Gallery, demo_dsn: str) -> None:
    item = next(i for i in gallery.model.state.items if not i.is_video)
    upscaled = add_variant(demo_dsn, item, "upscaled")
    edit = add_variant(demo_dsn, item, "edit")
    index = gallery.model.state.items.index(item)
    open_tile(gallery, index)
    detail = gallery.detail
    assert detail.showing == item.id
    assert detail.model is not None
    original = next(v for v in detail.model.state.detail.variants if v.is_primary).id
    assert set(detail.rows) == {str(original), str(upscaled), str(edit)}
    row = detail.rows
    assert "primary" in row[str(original)].label.value
    assert "new" in row[str(edit)].label.value
    assert row[str(original)].primary.disabled

    row[str(edit)].view.click()  # viewing a variant marks it viewed, and shows it
    assert variant_row(demo_dsn, edit)[2] is not None  # type: ignore[index]
    assert "▸" in row[str(edit)].label.value

    row[str(original)].delete.click()  # the original stays, as in Reigh
    assert not detail.confirm.asking
    assert "Cannot delete the original variant" in detail.error.value

    row[str(upscaled)].delete.click()  # another may go, after a question
    assert detail.confirm.asking
    detail.confirm.go.click()
    assert variant_row(demo_dsn, upscaled) is None
    assert str(upscaled) not in detail.rows

    row[str(edit)].star.click()
    assert variant_row(demo_dsn, edit)[1] is True  # type: ignore[index]
    assert detail.rows[str(edit)].star.description == "★"

    detail.rows[str(edit)].primary.click()
    assert variant_row(demo_dsn, edit)[0] is True  # type: ignore[index]
    assert variant_row(demo_dsn, original)[0] is False  # type: ignore[index]
    assert detail.rows[str(edit)].primary.disabled
    detail.rows[str(edit)].delete.click()  # now the primary: refused too
    assert not detail.confirm.asking
    assert "primary" in detail.error.value


def test_opening_marks_the_primary_viewed(gallery: Gallery, demo_dsn: str) -> None:
    item = gallery.model.state.items[2]
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        conn.execute("UPDATE generation_variants SET viewed_at = NULL WHERE generation_id = %s",
                     (item.id,))  # fmt: skip
    open_tile(gallery, 2)
    assert variant_row(demo_dsn, item.primary_variant_id)[2] is not None  # type: ignore[index]


def test_previous_and_next_cross_page_boundaries(gallery: Gallery) -> None:
    first_page = gallery.model.state.items
    open_tile(gallery, 10)
    detail = gallery.detail
    detail.next.click()
    assert detail.showing == first_page[11].id
    detail.next.click()  # past the page's end: the next page's first item
    state = gallery.model.state
    assert state.page is not None
    assert state.page.page == 2
    assert detail.showing == state.items[0].id
    assert gallery.page.value == 2
    detail.prev.click()  # and back over the boundary
    assert gallery.model.state.page.page == 1  # type: ignore[union-attr]
    assert detail.showing == first_page[11].id
    assert gallery.model.state.selected == 11
