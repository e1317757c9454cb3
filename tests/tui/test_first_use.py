"""The TUI's first-use bugs of issue 13, under Pilot on a real PostgreSQL holding the demo:
the search box's cursor (2), pictures' aspect ratio and the detail's resolution (3), the help
screen's key names (4), and keyboard focus and keys that mean one thing everywhere (14)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from pilot_app import SIZE, started
from textual.widgets import DataTable, Input, Markdown, Select
from textual_image._terminal import get_cell_size
from textual_image.widget import HalfcellImage
from waiting import settle, wait_until_async

from workbench.client import Workbench
from workbench.tui.app import WorkbenchApp
from workbench.tui.components.filters import FilterBar
from workbench.tui.components.navigator import Navigator


def gallery(app: WorkbenchApp) -> Any:
    assert app.models is not None
    return app.models.gallery.state


# -- 2. the search box ---------------------------------------------------------------------
async def test_a_search_refined_after_enter_searches_what_was_typed(
    running: tuple[WorkbenchApp, Any],
) -> None:
    """Type "night", Enter, then " fog", Enter: the second search is "night fog"."""
    app, pilot = running
    await pilot.press("slash")
    search = app.query_one("#search", Input)
    await wait_until_async(lambda: app.focused is search, what="the search box's focus",
                           pilot=pilot)  # fmt: skip
    await pilot.press(*"night", "enter")
    await wait_until_async(lambda: gallery(app).filters.search == "night"
                           and not gallery(app).loading,
                           what="the search for 'night'", pilot=pilot)  # fmt: skip
    await settle(pilot)
    assert search.cursor_position == len("night")
    await pilot.press("space", *"fog")
    assert search.value == "night fog"
    await pilot.press("enter")
    await wait_until_async(lambda: gallery(app).filters.search == "night fog",
                           what="the search for 'night fog'", pilot=pilot)  # fmt: skip


async def test_the_model_never_overwrites_what_the_user_is_typing(
    running: tuple[WorkbenchApp, Any],
) -> None:
    """A change of the model's filters arriving while the user types (a stale page, a live
    update) leaves the box and its cursor alone; a search changed elsewhere while the box is
    not being edited shows up in it."""
    app, pilot = running
    bar = app.query_one(FilterBar)
    search = app.query_one("#search", Input)
    await pilot.press("slash", *"night", "enter")
    await wait_until_async(lambda: gallery(app).filters.search == "night"
                           and not gallery(app).loading,
                           what="the search for 'night'", pilot=pilot)  # fmt: skip
    await pilot.press("space", *"fo")
    bar.show(gallery(app).filters)  # the state of the 'night' search, again
    bar.show(dataclasses.replace(gallery(app).filters, search=None))  # cleared elsewhere
    assert (search.value, search.cursor_position) == ("night fo", len("night fo"))
    app.query_one("GalleryGrid").focus()
    await settle(pilot)
    bar.show(dataclasses.replace(gallery(app).filters, search="harbour"))  # a search set elsewhere
    assert (search.value, search.cursor_position) == ("harbour", len("harbour"))


# -- 3. pictures keep their aspect ratio; the detail is as sharp as the terminal allows -----
def shown_aspect(image: Any) -> float:
    """The width/height of a picture as the terminal draws it: its cells times their pixels
    (textual-image's measure of this terminal; 10x20, one to two, in tests)."""
    cell = get_cell_size()
    return (image.region.width * cell.width) / (image.region.height * cell.height)


def assert_whole_and_centred(image: Any, box: Any) -> None:
    """Drawn at the picture's own aspect ratio (within a cell's rounding), inside its box,
    touching two opposite sides and centred between the other two (a letterbox)."""
    width, height = image.image.size
    rounding = 1 / min(image.region.width, image.region.height)  # a cell more or less
    assert abs(shown_aspect(image) / (width / height) - 1) <= rounding + 0.01, (
        f"{width}x{height} drawn on {image.region.width}x{image.region.height} cells"
    )
    assert box.region.contains_region(image.region)
    if image.region.width == box.region.width:
        assert abs((image.region.y - box.region.y) - (box.region.bottom - image.region.bottom)) <= 1
    else:
        assert image.region.height == box.region.height
        assert abs((image.region.x - box.region.x) - (box.region.right - image.region.right)) <= 1


async def test_tiles_show_pictures_whole(running: tuple[WorkbenchApp, Any]) -> None:
    """The demo's first project is 16:9: its tiles' pictures are not stretched, and their
    boxes take the project's shape (20x6 on 1:2 cells, not 20x9): the picture fills them."""
    app, pilot = running
    tiles = list(app.query("Tile"))
    await wait_until_async(lambda: all(t.query_one(HalfcellImage).image for t in tiles),
                           what="every tile's thumbnail", pilot=pilot)  # fmt: skip
    await settle(pilot)
    for tile in tiles:
        assert_whole_and_centred(tile.query_one(HalfcellImage), tile.query_one(".thumb"))
    image = tiles[0].query_one(HalfcellImage)
    assert image.image.size[0] > image.image.size[1]  # 16:9: full width
    assert image.region.height == tile.query_one(".thumb").region.height == 6  # no bars


def test_fit_letterboxes_by_the_cells_shape() -> None:
    from workbench.tui.images import fit

    assert fit((1600, 900), (20, 9), cell=(10, 20)) == (20, 6)  # wide: bars above and below
    assert fit((600, 900), (20, 9), cell=(10, 20)) == (12, 9)  # tall: bars beside
    assert fit((1000, 1000), (20, 9), cell=(8, 16)) == (18, 9)  # a 1:2 cell of other pixels
    assert fit((1000, 1000), (20, 9), cell=(10, 10)) == (9, 9)  # square cells
    assert fit((0, 0), (20, 9)) == (0, 0)


async def open_detail(app: WorkbenchApp, pilot: Any) -> Any:
    await pilot.press("enter")
    await wait_until_async(lambda: type(app.screen).__name__ == "DetailScreen",
                           what="the detail screen", pilot=pilot)  # fmt: skip
    screen = app.screen
    await wait_until_async(lambda: screen.model.state.detail is not None,
                           what="the detail screen's generation", pilot=pilot)  # fmt: skip
    return screen


async def test_the_detail_shows_the_picture_whole(running: tuple[WorkbenchApp, Any]) -> None:
    app, pilot = running
    screen = await open_detail(app, pilot)
    image = screen.query_one(HalfcellImage)
    await wait_until_async(lambda: image.image is not None, what="the detail's picture",
                           pilot=pilot)  # fmt: skip
    await settle(pilot)
    assert_whole_and_centred(image, image.parent if image.has_class("image") else image)


async def test_the_detail_shows_a_larger_rendition_where_the_terminal_draws_pixels(
    wb: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With kitty or sixel, the detail is made from the original, as large as its box needs
    (bounded), not from the 300 px thumbnail; with half-blocks the thumbnail is plenty."""
    from workbench.media import Thumbnails
    from workbench.tui import images

    asked: list[tuple[str | None, int]] = []
    real = Thumbnails.jpeg

    def spy(self: Thumbnails, url: str | None, max_side: int = 256) -> bytes | None:
        asked.append((url, max_side))
        return real(self, url, max_side)

    monkeypatch.setattr(Thumbnails, "jpeg", spy)
    monkeypatch.setattr(images, "protocol", lambda: "kitty")
    app = WorkbenchApp(wb, page_size=12)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        asked.clear()
        screen = await open_detail(app, pilot)
        item = screen.model.state.detail.generation
        assert not item.is_video
        assert item.location
        await wait_until_async(lambda: any(url == item.location for url, _ in asked),
                               what="the original asked for", pilot=pilot)  # fmt: skip
        side = dict(asked)[item.location]
        assert 300 < side <= images.LARGEST_SIDE
        await settle(pilot)
        picture = screen.query_one(images.Picture).picture
        assert picture is not None
        assert max(picture.size) > 300
    assert images.rendition_side((400, 200), least=300) == images.LARGEST_SIDE  # bounded


# -- 4. the help screen names keys as they are typed -----------------------------------------
async def test_the_help_screen_shows_keys_as_typed(running: tuple[WorkbenchApp, Any]) -> None:
    app, pilot = running
    await pilot.press("question_mark")
    await wait_until_async(lambda: type(app.screen).__name__ == "HelpScreen",
                           what="the help screen", pilot=pilot)  # fmt: skip
    text = app.screen.query_one(Markdown).source
    for typed in ("`?`", "`/`", "`[`", "`]`", "`^r`", "`f`"):
        assert typed in text
    for raw in ("question_mark", "slash", "left_square_bracket", "right_square_bracket",
                "ctrl+r", "pagedown"):  # fmt: skip
        assert raw not in text
    await pilot.press("question_mark")
    assert type(app.screen).__name__ != "HelpScreen"


# -- 14. keyboard focus: visible, and keys that mean one thing everywhere ------------------
async def test_enter_on_a_project_shows_it_without_folding_it(
    running: tuple[WorkbenchApp, Any], wb: Workbench
) -> None:
    app, pilot = running
    tree = app.query_one(Navigator)
    project = tree.root.children[1]  # the second project: choosing it changes the gallery
    assert project.is_expanded
    assert project.children
    tree.focus()
    tree.move_cursor(project)
    await pilot.press("enter")
    await wait_until_async(lambda: gallery(app).mode == "project"
                           and gallery(app).target_id == project.data[0],
                           what="the second project's gallery", pilot=pilot)  # fmt: skip
    assert project.is_expanded
    await pilot.press("space")
    assert not project.is_expanded


async def test_the_focused_pane_is_framed_in_the_accent_colour(
    running: tuple[WorkbenchApp, Any],
) -> None:
    app, pilot = running
    navigator, grid = app.query_one(Navigator), app.query_one("GalleryGrid")

    def frame(widget: Any) -> Any:
        kind, colour = widget.styles.border_top
        assert kind, f"{widget} has no frame"
        return colour

    unfocused = frame(navigator)
    assert frame(grid) != unfocused
    navigator.focus()
    await settle(pilot)
    assert frame(navigator) != unfocused
    assert frame(grid) == unfocused
    await pilot.press("b")  # hide the navigator: its keys must not stay on an unseen pane
    await settle(pilot)
    assert app.focused is grid


def active(app: WorkbenchApp) -> dict[str, str]:
    """The keys that work now (the footer lists these), and their actions."""
    return {key: found.binding.action for key, found in app.screen.active_bindings.items()}


async def test_the_detail_keys_do_not_reuse_the_gallery_keys(
    running: tuple[WorkbenchApp, Any],
) -> None:
    """``p`` is "previous page" in the gallery; the detail makes a variant primary with ``m``,
    on the variants table (focused first), and never with ``p``."""
    app, pilot = running
    assert active(app)["p"] == "prev_page"
    screen = await open_detail(app, pilot)
    await settle(pilot)
    assert isinstance(app.focused, DataTable)
    assert app.focused.id == "variants"
    keys = active(app)
    assert "p" not in keys
    assert keys["m"] == "screen.primary"
    screen.query_one("#params").focus()
    await settle(pilot)
    assert "m" not in active(app)  # acts on the table's row: only offered with its focus


async def test_a_dropdown_with_the_focus_offers_only_its_own_keys(
    running: tuple[WorkbenchApp, Any],
) -> None:
    """The footer lists the keys of the focused widget and the app's; with the settings'
    tool dropdown focused, the fields table's edit and reset are not among them (``r`` there
    reset the field under the table's cursor, unseen)."""
    app, pilot = running
    await pilot.press("s")
    await settle(pilot)
    assert active(app).get("r") == "reset"
    app.query_one("#tool", Select).focus()
    await settle(pilot)
    keys = active(app)
    assert "r" not in keys
    assert keys.get("enter") != "edit"


async def test_main_view_keys_over_the_detail_go_back_to_it(
    running: tuple[WorkbenchApp, Any],
) -> None:
    """The footer offers ``g`` and ``s`` over the detail screen: they go back to the main
    view (they used to change it unseen, behind the detail); ``b`` is not offered there."""
    app, pilot = running
    await open_detail(app, pilot)
    await settle(pilot)
    assert "b" not in active(app)
    await pilot.press("s")
    await wait_until_async(lambda: app.screen is app.default_screen, what="the main view",
                           pilot=pilot)  # fmt: skip
    await settle(pilot)
    assert app.focused is app.query_one("#fields")
    assert "b" in active(app)


async def test_m_on_the_variants_table_makes_a_variant_primary_and_shows_it(
    running: tuple[WorkbenchApp, Any], wb: Workbench
) -> None:
    """``m`` on the variants table makes the row under the cursor primary; the picture
    follows the new primary (a star alone keeps it)."""
    from workbench.tui.screens.detail import DetailScreen
    from workbench.views import DetailModel

    app, pilot = running
    assert app.models is not None
    items = [g for p in wb.projects() for g in wb.iter_generations(p.id)]
    item = next(g for g in items if g.variant_count > 1 and not g.is_video)
    screen = DetailScreen(DetailModel(wb, item.id), app.models.thumbnails)
    await app.push_screen(screen)
    await wait_until_async(lambda: screen.query_one("Picture").picture is not None,
                           what="the detail's picture", pilot=pilot)  # fmt: skip
    await settle(pilot)
    detail = screen.model.state.detail
    table = screen.query_one("#variants", DataTable)
    assert app.focused is table
    other = next(n for n, v in enumerate(detail.variants) if not v.is_primary)
    wanted = detail.variants[other].id
    table.move_cursor(row=other)
    before = screen.query_one("Picture").picture
    await pilot.press("m")

    def primary() -> Any:
        return next(v.id for v in screen.model.state.detail.variants if v.is_primary)

    await wait_until_async(lambda: primary() == wanted, what="the variant made primary",
                           pilot=pilot, show=primary)  # fmt: skip
    await wait_until_async(lambda: screen.query_one("Picture").picture is not before,
                           what="the new primary's picture", pilot=pilot)  # fmt: skip


# -- 10. a shot's gallery is its timeline: no order choice there ------------------------------
async def test_the_order_choice_hides_in_a_shot(running: tuple[WorkbenchApp, Any]) -> None:
    app, pilot = running
    order = app.query_one(FilterBar).query_one("#sort")
    assert order.display  # a project's gallery: newest or oldest first
    tree = app.query_one(Navigator)
    shot = tree.root.children[0].children[0]
    tree.focus()
    tree.move_cursor(shot)
    await pilot.press("enter")
    await wait_until_async(lambda: gallery(app).mode == "shot", what="the shot's gallery",
                           pilot=pilot)  # fmt: skip
    await settle(pilot)
    assert not order.display
