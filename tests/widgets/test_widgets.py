"""The notebook widgets' logic, without a browser: their state after user actions (a click is
``button.click()``, typing is setting a value, as the browser's sync does) and after model
events (another client's change arriving live). Real database, real files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from upload_samples import image
from waiting import wait_until

from workbench.client import Workbench
from workbench.widgets import Gallery, Settings, Uploader
from workbench.widgets import Workbench as WorkbenchWidget
from workbench.widgets.grid import tile_source

TOOL = "travel-between-images"


def starred_in_db(dsn: str, generation_id: Any) -> bool:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT starred FROM generations WHERE id = %s", (generation_id,))
        return bool(row.fetchone()[0])  # type: ignore[index]


def project_settings(dsn: str, project_id: Any) -> dict[str, Any]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT settings FROM projects WHERE id = %s", (project_id,)).fetchone()
    return (row[0] or {}).get(TOOL, {})  # type: ignore[index]


@pytest.fixture
def project(demo_wb: Workbench) -> Any:
    return demo_wb.project("Neon Coastline")


@pytest.fixture
def gallery(demo_wb: Workbench, project: Any) -> Iterator[Gallery]:
    widget = Gallery(demo_wb, project=project, limit=12)
    yield widget
    widget.close()


def visible(gallery: Gallery) -> list[dict[str, Any]]:
    """The grid's tiles as the browser gets them (one JSON record each)."""
    return list(gallery.grid.tiles)


def star_shown(gallery: Gallery, index: int) -> bool:
    """Whether tile ``index`` shows its star (the grid's ``starred`` ids)."""
    return gallery.grid.tiles[index]["id"] in gallery.grid.starred


# -- gallery -------------------------------------------------------------------------------
def test_gallery_shows_a_page_of_small_thumbnails(gallery: Gallery, demo_wb: Workbench) -> None:
    state = gallery.model.state
    assert len(visible(gallery)) == len(state.items) == 12
    grid = gallery.grid
    assert grid.delivered == {}  # nothing before the browser says it can take pictures
    grid.handle({"type": "ready"})
    wait_until(lambda: len(grid.delivered) == 12, what="every tile's thumbnail sent")
    for index, (tile, item) in enumerate(zip(grid.tiles, state.items, strict=True)):
        assert tile["id"] == str(item.id)
        assert tile["index"] == index
        picture = gallery.thumbnails.tile(tile_source(item), 720, 360)
        assert picture is not None
        assert picture[8:12] == b"WEBP", "thumbnails go out as WebP"
        assert len(picture) < 40_000
        assert star_shown(gallery, index) == item.starred
    assert 0 < grid.bytes_sent < 12 * 40_000
    assert gallery.page_size.value == 12  # the control shows the page's size
    assert [n for _, n in gallery.page_size.options] == [12, 25, 50, 100, 200]
    assert "Neon Coastline" in gallery.status.value
    assert gallery.unpositioned.layout.display == "none"  # a project has no timeline
    assert gallery.page.value == 1
    assert gallery.pages.value.startswith(f"of {state.page.pages}")
    assert gallery.prev.disabled
    assert not gallery.next.disabled
    assert "page 1/" in repr(gallery)
    bundle = gallery._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == repr(gallery)


def test_star_toggle_is_stored_and_shown(gallery: Gallery, demo_dsn: str) -> None:
    item = gallery.model.state.items[2]
    gallery.grid.handle({"type": "star", "index": 2, "id": str(item.id)})  # a click on its star
    assert starred_in_db(demo_dsn, item.id) is not item.starred
    wait_until(lambda: gallery.model.state.items[2].starred is not item.starred,
               what="the star in the gallery's model")  # fmt: skip
    assert star_shown(gallery, 2) is not item.starred
    assert gallery.model.state.selected == 2
    assert gallery.grid.cursor == 2  # the cursor went to the starred tile


def test_an_unchanged_tile_is_not_sent_again(
    gallery: Gallery, monkeypatch: pytest.MonkeyPatch
) -> None:
    grid = gallery.grid
    grid.handle({"type": "ready"})
    wait_until(lambda: len(grid.delivered) == 12 and not grid.busy, what="thumbnails sent")
    delivered, sent, tiles = grid.delivered, grid.bytes_sent, grid.tiles
    made: list[str | None] = []
    real = gallery.thumbnails.tile
    monkeypatch.setattr(
        gallery.thumbnails, "tile", lambda url, w, h: made.append(url) or real(url, w, h)
    )
    was = gallery.model.state.items[0].starred
    grid.handle({"type": "star", "index": 0})
    wait_until(lambda: star_shown(gallery, 0) is not was,
               what="the tile to follow the model's star")  # fmt: skip
    assert grid.delivered == delivered
    assert grid.bytes_sent == sent
    assert grid.tiles == tiles  # equal: not synced again (a star is the "starred" ids)
    assert made == [], "a star makes no thumbnail"


def test_filters_and_pager(gallery: Gallery) -> None:
    gallery.media.value = "video"
    assert gallery.model.state.filters.media_type == "video"
    assert all(item.is_video for item in gallery.model.state.items)
    assert len(visible(gallery)) == len(gallery.model.state.items)

    gallery.media.value = ""
    gallery.starred.value = True
    assert gallery.model.state.items
    assert all(i.starred for i in gallery.model.state.items)
    gallery.starred.value = False

    gallery.search.value = "zzz-no-such-prompt"
    assert gallery.model.state.items == ()
    assert visible(gallery) == []
    assert gallery.grid.empty == "No item matches: 'zzz-no-such-prompt'"
    gallery.search.value = ""

    first = gallery.model.state.items[0].id
    gallery.next.click()
    assert gallery.page.value == 2
    assert not gallery.prev.disabled
    assert first not in {i.id for i in gallery.model.state.items}
    gallery.page.value = 3  # typing a page number jumps there
    assert gallery.model.state.page is not None
    assert gallery.model.state.page.page == 3
    gallery.prev.click()
    assert gallery.page.value == 2

    gallery.order.value = "oldest"
    assert gallery.model.state.filters.sort == "oldest"
    assert gallery.page.value == 1


def test_details_panel_follows_the_selection(gallery: Gallery, demo_dsn: str) -> None:
    assert not gallery.viewer.is_open
    item = gallery.model.state.items[4]
    gallery.grid.handle({"type": "open", "index": 4, "id": str(item.id)})  # a click on the tile
    assert gallery.selection == item
    assert gallery.grid.cursor == 4
    assert gallery.viewer.is_open
    assert gallery.detail is gallery.viewer.detail
    assert str(item.id) in gallery.detail.info.value
    gallery.detail.star.click()  # star from the panel: the grid follows
    # The gallery reloads on another thread when the cache says the page changed.
    wait_until(lambda: star_shown(gallery, 4) is not item.starred,
               what="the grid to follow the detail panel's star")  # fmt: skip
    assert starred_in_db(demo_dsn, item.id) is not item.starred
    gallery.grid.handle({"type": "close"})  # Esc in the grid
    assert not gallery.viewer.is_open


def test_another_clients_change_arrives_live(gallery: Gallery, demo_dsn: str) -> None:
    wait_until(lambda: gallery.model.state.live or gallery.model._wb.live,
               what="live updates")  # fmt: skip
    item = gallery.model.state.items[1]
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        conn.execute("UPDATE generations SET starred = NOT starred WHERE id = %s", (item.id,))
    wait_until(lambda: star_shown(gallery, 1) is not item.starred,
               what="the other client's star on the tile")  # fmt: skip
    assert "live" in gallery.status.value


def test_gallery_of_a_shot(demo_wb: Workbench, project: Any) -> None:
    shot = demo_wb.shots(project.id)[0]
    widget = Gallery(demo_wb, shot=shot.name)  # a shot's name is enough when it is unique
    try:
        assert widget.model.state.mode == "shot"
        assert shot.name in widget.status.value
        framed = [i for i in widget.model.state.items if i.timeline_frame is not None]
        assert framed
        captions = [t["kind"] for t in widget.grid.tiles]
        assert f"image @{framed[0].timeline_frame}" in captions
        assert widget.unpositioned.layout.display is None  # offered in a shot only
        widget.unpositioned.value = True
        assert widget.model.state.items
        assert all(i.timeline_frame is None for i in widget.model.state.items)
    finally:
        widget.close()


def test_unknown_targets_are_refused_clearly(demo_wb: Workbench, project: Any) -> None:
    from workbench.errors import NotFoundError

    with pytest.raises(NotFoundError, match="no shot 'Nowhere' in project 'Neon Coastline'"):
        Gallery(demo_wb, project=project, shot="Nowhere")
    with pytest.raises(NotFoundError, match="project 'Atlantis' not found"):
        Settings(demo_wb, project="Atlantis")


# -- settings ------------------------------------------------------------------------------
@pytest.fixture
def settings(demo_wb: Workbench, project: Any) -> Iterator[Settings]:
    widget = Settings(demo_wb, TOOL, project=project)
    yield widget
    widget.close()


def test_settings_show_value_scope_and_overrides(settings: Settings) -> None:
    state = settings.model.state
    assert list(settings.rows) == [row.path for row in state.rows]
    assert settings.edit_scope.options == ("user", "project")
    assert settings.edit_scope.value == "project"
    motion = settings.rows["amountOfMotion"]
    assert motion.value.value == 65  # a number box (the field's default is an integer)
    assert "wb-badge-project" in motion.scope.value
    assert "user 40" in motion.overrides.value
    assert "defaults 50" in motion.overrides.value
    assert motion.status.value == ""  # untouched: no word; an edit saved here says "saved"
    assert settings.rows["batchVideoSteps"].reset.disabled  # a default: nothing to reset
    assert repr(settings).startswith(f"<Settings {TOOL} for project")


def test_edit_at_a_chosen_scope_then_reset(
    settings: Settings, demo_dsn: str, project: Any, demo_wb: Workbench
) -> None:
    row = settings.rows["amountOfMotion"]
    row.value.value = 80  # typed, then Enter or focus out
    assert "wb-badge-project" in row.scope.value
    assert settings.flush(10)
    wait_until(lambda: "saved" in row.status.value, what="the row's 'saved' status")
    assert project_settings(demo_dsn, project.id)["amountOfMotion"] == 80

    settings.edit_scope.value = "user"
    prompt = settings.rows["prompt"]
    prompt.value.value = "a gull over the harbour"  # plain text needs no JSON quotes
    assert settings.flush(10)
    user = demo_wb.settings(TOOL)
    assert user.value("prompt") == "a gull over the harbour"
    # The project still overrides the user's prompt, and the row says so.
    assert "wb-badge-project" in prompt.scope.value

    settings.edit_scope.value = "project"  # a reset acts at "edit at" only
    row.reset.click()  # removes the project's value: the user's shows through
    assert settings.flush(10)
    wait_until(lambda: row.value.value == 40, what="the user's value to show through")
    assert "wb-badge-user" in row.scope.value
    assert "amountOfMotion" not in project_settings(demo_dsn, project.id)


def test_a_failed_write_rolls_back_and_can_be_retried(settings: Settings, demo_dsn: str) -> None:
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'settings are frozen'; END $$"
        )
        conn.execute("CREATE TRIGGER refuse BEFORE UPDATE ON projects EXECUTE FUNCTION refuse()")
    row = settings.rows["amountOfMotion"]
    row.value.value = 99
    assert settings.flush(10)
    wait_until(lambda: "failed" in row.status.value, what="the row's 'failed' status")
    assert row.value.value == 65, "the optimistic value is rolled back"
    assert "settings are frozen" in settings.error.value
    assert settings.retry.layout.display is None

    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        conn.execute("DROP TRIGGER refuse ON projects")
    settings.retry.click()
    assert settings.flush(10)
    wait_until(lambda: "saved" in row.status.value and row.value.value == 99,
               what="the retried value saved")  # fmt: skip
    assert settings.retry.layout.display == "none"


def test_switching_tools_rebuilds_the_rows(settings: Settings) -> None:
    other = next(t for t in settings.tool.options if t != TOOL)
    settings.tool.value = other
    assert settings.model.state.tool_id == other
    assert list(settings.rows) == [row.path for row in settings.model.state.rows]
    assert len(settings.grid.children) == 6 * len(settings.rows)


# -- uploader ------------------------------------------------------------------------------
def test_upload_files_picked_in_the_browser(
    demo_wb: Workbench, project: Any, demo_dsn: str
) -> None:
    widget = Uploader(demo_wb, project=project)
    now = datetime.now(UTC)
    try:
        picked = (
            {"name": "../../etc/sun rise.png", "type": "image/png", "size": 0, "last_modified": now,
             "content": memoryview(image("PNG", seed=7))},
            {"name": "C:\\Users\\x\\moon (1).png", "type": "image/png", "size": 0,
             "last_modified": now, "content": memoryview(image("PNG", seed=8))},
            {"name": "notes.txt", "type": "text/plain", "size": 5, "last_modified": now,
             "content": memoryview(b"hello")},
        )  # fmt: skip
        widget.picker.value = picked  # what the browser's file picker sends
        files = widget.model.state.files
        assert [f.path for f in files] == ["sun rise.png", "moon (1).png", "notes.txt"]
        assert widget.picker.value == ()
        assert not widget.upload.disabled
        widget.upload.click()
        assert widget.wait(60)
        wait_until(lambda: "uploaded" in widget.files.value and "failed" in widget.files.value,
                   what="both outcomes in the file list")  # fmt: skip
        statuses = [f.status for f in widget.model.state.files]
        assert statuses == ["uploaded", "uploaded", "failed"]
        assert widget.progress.value == pytest.approx(1.0)
        assert repr(widget) == "<Uploader 2/3 files uploaded>"
        with psycopg.connect(demo_dsn) as conn:
            names = conn.execute(
                "SELECT params->>'original_filename' FROM generations WHERE project_id = %s"
                " AND params ? 'original_filename' ORDER BY 1",
                (project.id,),
            ).fetchall()
        assert names == [("moon (1).png",), ("sun rise.png",)], "recorded under bare names"
    finally:
        widget.close()


# -- all in tabs ---------------------------------------------------------------------------
def test_workbench_tabs_follow_the_picker(demo_wb: Workbench, project: Any) -> None:
    widget = WorkbenchWidget(demo_wb, project=project)
    try:
        assert widget.tabs.titles == ("Gallery", "Settings", "Upload", "LoRAs")
        labels = [label for label, _ in widget.target.options]
        assert labels[0].startswith("Neon Coastline (")
        assert any("↳" in x for x in labels)
        shot = demo_wb.shots(project.id)[1]
        widget.target.value = f"{project.id}:{shot.id}"
        assert widget.gallery.model.state.mode == "shot"
        assert widget.gallery.model.state.target_id == shot.id
        assert widget.settings.model.state.scope == "shot"
        assert widget.settings.edit_scope.options == ("user", "project", "shot")
        assert widget.uploader.model.state.shot_id == shot.id
        assert "shot" in widget.resources.model.state.scopes  # LoRAs can go on the shot
        widget.tabs.selected_index = 1
        assert demo_wb.local_state.get("notebook.tab") == "Settings"
        assert repr(widget).endswith("· Settings>")
    finally:
        widget.close()
    again = WorkbenchWidget(demo_wb)  # opens where this device left off
    try:
        assert again.tabs.selected_index == 1
        assert again.gallery.model.state.target_id == shot.id
    finally:
        again.close()


def test_upload_paths_typed_on_the_kernels_machine(
    demo_wb: Workbench, project: Any, tmp_path: Path
) -> None:
    for n in range(2):
        (tmp_path / f"p{n}.png").write_bytes(image("PNG", seed=20 + n))
    widget = Uploader(demo_wb, project=project)
    try:
        widget.paths.value = f" {tmp_path / 'p0.png'} , {tmp_path / 'p1.png'} "
        widget.add_paths.click()
        assert [Path(f.path).name for f in widget.model.state.files] == ["p0.png", "p1.png"]
        assert widget.paths.value == ""
        widget.upload.click()
        assert widget.wait(60)
        wait_until(lambda: repr(widget) == "<Uploader 2/2 files uploaded>",
                   what="2/2 files uploaded")  # fmt: skip
        assert widget.upload.disabled  # nothing left to upload
        assert (tmp_path / "p0.png").exists(), "the user's own files are never removed"
    finally:
        widget.close()


def test_a_render_on_one_thread_does_not_hide_a_users_change_on_another() -> None:
    import threading

    from workbench.widgets.render import Renderer

    rendering = Renderer()
    seen: dict[str, bool] = {}
    inside = threading.Event()
    release = threading.Event()

    def show(_: object) -> None:
        seen["render thread"] = rendering.active
        inside.set()
        release.wait(5)

    worker = threading.Thread(target=rendering, args=(show, None))
    worker.start()
    assert inside.wait(5)
    seen["user thread"] = rendering.active  # a click handled while the other thread renders
    release.set()
    worker.join(5)
    assert seen == {"render thread": True, "user thread": False}
    assert not rendering.active
