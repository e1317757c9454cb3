"""The gallery grid's Python side without a browser: what it syncs (tiles, cursor, stars,
selection, empty state), when it sends pictures (after the front end's "ready", once per
picture, again after a reload), and how it takes the front end's commands (stale or bad ones
included). Real database, real files."""

from __future__ import annotations

import re

import psycopg
import pytest
from waiting import wait_until

from workbench.client import Workbench
from workbench.errors import ValidationError
from workbench.views.cards import card
from workbench.widgets import Gallery
from workbench.widgets.grid import image_key


def test_grid_pictures_commands_and_refusals(demo_wb: Workbench, demo_dsn: str) -> None:
    gallery = Gallery(demo_wb, project="Neon Coastline", limit=12)
    grid, model = gallery.grid, gallery.model
    try:
        # Pictures wait for the browser's "ready", then go once each, in WebP with their size.
        assert grid.delivered == {}
        assert grid.bytes_sent == 0
        grid.handle({"type": "ready"})
        wait_until(lambda: len(grid.delivered) == 12 and not grid.busy, what="12 pictures")
        sent = grid.bytes_sent
        assert 12 * 1_000 < sent < 12 * 40_000
        assert set(grid.sizes) <= {image_key(item) for item in model.state.items}
        gallery.model.reload()  # the same page again: nothing is sent again
        assert not grid.busy
        assert grid.bytes_sent == sent
        grid.handle({"type": "ready"})  # a reloaded browser tab has nothing: all again
        wait_until(lambda: grid.bytes_sent == 2 * sent and not grid.busy, what="sent again")
        grid.handle({"type": "ready", "scale": 1})  # a standard screen: 1x pictures
        wait_until(lambda: len(grid.delivered) == 12 and not grid.busy, what="1x pictures")
        assert 0 < grid.bytes_sent - 2 * sent < sent * 0.6  # about a quarter of the pixels
        with pytest.raises(ValidationError, match="scale"):
            grid.handle({"type": "ready", "scale": 3})
        grid.handle({"type": "ready", "scale": 2})
        wait_until(lambda: len(grid.delivered) == 12 and not grid.busy, what="2x again")

        # One item's picture changes: only it is sent again.
        before = grid.bytes_sent
        item = model.state.items[3]
        with psycopg.connect(demo_dsn, autocommit=True) as conn:
            other = model.state.items[4].location
            conn.execute("UPDATE generations SET location = %s WHERE id = %s", (other, item.id))
        model.reload()
        wait_until(lambda: grid.delivered.get(str(item.id)) == image_key(model.state.items[3])
                   and not grid.busy, what="the new picture")  # fmt: skip
        assert 0 < grid.bytes_sent - before < 40_000

        # Commands name the item the user saw: after the page changed, the command follows it
        # to its new place, or goes nowhere.
        items = model.state.items
        grid.handle({"type": "cursor", "index": 5, "id": str(items[7].id)})
        assert grid.cursor == 7
        grid.handle({"type": "star", "index": 1, "id": "not-on-this-page"})
        assert [i.starred for i in model.state.items] == [i.starred for i in items]

        # Arrows past the page's ends: the next page's first item, the previous page's last.
        grid.handle({"type": "cursor", "index": 11})
        grid.handle({"type": "step", "delta": 1})
        assert model.state.page is not None
        assert model.state.page.page == 2
        assert grid.cursor == 0
        assert grid.tiles[0]["id"] != str(items[0].id)
        grid.handle({"type": "step", "delta": -1})
        assert model.state.page.page == 1
        assert grid.cursor == 11

        # The page-size control and the "limit" command both set the model's page size.
        gallery.page_size.value = 25
        assert model.state.limit == 25
        assert len(grid.tiles) == 25
        grid.handle({"type": "limit", "value": 12})
        assert gallery.page_size.value == 12
        assert len(grid.tiles) == 12

        # Bad messages are refused clearly, and change nothing.
        before = (model.state.selected, model.state.limit, model.state.marked)
        for bad in (
            {"type": "explode"},
            {"type": "open", "index": 99},
            {"type": "star", "index": True},
            {"type": "mark", "index": "2"},
            {"type": "limit", "value": 10**9},
            {"type": "step", "delta": None},
            "open",
        ):
            with pytest.raises(ValidationError):
                grid.handle(bad)  # type: ignore[arg-type]
        assert (model.state.selected, model.state.limit, model.state.marked) == before

        # A video's tile: its badge shows the duration its params recorded.
        gallery.media.value = "video"
        video = model.state.items[0]
        tile = grid.tiles[0]
        assert tile["video"]
        assert tile["duration"] == card(video).duration
        assert re.fullmatch(r"\d+:\d\d", tile["duration"]), tile
        # No match: the empty state says so, with the filters in words.
        gallery.search.value = "zzz-none"
        assert grid.tiles == []
        assert grid.cursor == -1
        assert grid.empty == "No item matches: videos · 'zzz-none'"
        gallery.media.value = ""
        gallery.search.value = ""
        assert grid.empty == ""
        assert len(grid.tiles) == 12
    finally:
        gallery.close()
