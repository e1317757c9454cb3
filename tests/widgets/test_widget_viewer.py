"""The gallery's viewer in real widgets without a browser, on a real database holding the demo:
it opens at an item's own aspect, steps across pages, follows the gallery (a star on the tile,
a delete, a filter change, an empty page) and sends a video the way a browser can load it.
What the browser does with it is tests/browser/test_lab_viewer.py's."""

from __future__ import annotations

import io

import psycopg
from PIL import Image
from waiting import wait_until

from workbench.client import Workbench
from workbench.generations.filters import GenerationFilters
from workbench.media import Thumbnails
from workbench.views import GalleryModel
from workbench.widgets.detail import STAGE_PX, local_path, video_source
from workbench.widgets.viewer import Viewer

PROJECT = "Neon Coastline"


def size_of(jpeg: bytes) -> tuple[int, int]:
    assert jpeg[:3] == b"\xff\xd8\xff", "not a JPEG"
    with Image.open(io.BytesIO(jpeg)) as image:
        return image.size


def aspect(size: tuple[int, int]) -> float:
    return size[0] / size[1]


def press(viewer: Viewer, action: str) -> None:
    """What the stage's buttons and keys send, through the widget's message handler."""
    viewer.stage._handle_custom_msg({"action": action}, [])


def test_viewer_opens_steps_and_follows_the_gallery(demo_wb: Workbench, demo_dsn: str) -> None:
    project = demo_wb.project(PROJECT)
    images = GenerationFilters(media_type="image")
    model = GalleryModel(demo_wb, project_id=project.id, limit=3, filters=images)
    viewer = Viewer(demo_wb, Thumbnails(demo_wb.storage), gallery=model)
    stage, detail = viewer.stage, viewer.detail
    try:
        first_page = model.state.items
        assert not viewer.is_open
        assert "wb-viewer" in viewer._dom_classes
        viewer.open(first_page[1].id)
        assert viewer.is_open
        assert stage.shown
        assert "wb-open" in viewer._dom_classes
        assert model.state.selected == 1  # the grid's cursor is on the item shown
        assert detail.showing == first_page[1].id
        assert str(first_page[1].id) in detail.info.value
        assert stage.kind == "image"
        assert stage.position.startswith("2 / 3 · page 1/")
        # The thumbnail at once, then the large rendition: both at the original's aspect.
        detail.settle()
        path = local_path(first_page[1].location)
        assert path is not None
        with Image.open(path) as original:
            shape = original.size
        large = size_of(stage.image)
        assert max(large) == min(max(shape), STAGE_PX)
        assert abs(aspect(large) / aspect(shape) - 1) < 0.01
        assert abs(aspect(size_of(stage.placeholder)) / aspect(shape) - 1) < 0.02

        # Next, across the page boundary, then back (the buttons and keys send these).
        press(viewer, "next")
        press(viewer, "next")
        assert model.state.page is not None
        assert model.state.page.page == 2
        assert detail.showing == model.state.items[0].id
        assert model.state.selected == 0
        assert stage.position.startswith("1 / 3 · page 2/")
        press(viewer, "prev")
        assert model.state.page.page == 1
        assert model.state.selected == 2
        assert detail.showing == first_page[2].id

        # A star on the tile (the gallery's action) shows on the viewer's star; "f" stars too.
        shown = first_page[2]
        model.toggle_star(shown)
        wait_until(lambda: stage.starred is not shown.starred, what="the viewer's star")
        press(viewer, "star")
        wait_until(lambda: stage.starred is shown.starred, what="the star back")

        # Deleting the item shown (the panel asks first) shows the next item.
        detail.delete.click()
        detail.confirm.go.click()
        wait_until(lambda: detail.showing not in (None, shown.id), what="the next item")
        assert viewer.is_open
        assert detail.showing == model.state.selection.id
        assert all(item.id != shown.id for item in model.state.items)

        # A filter change shows the item now under the cursor; an empty page closes it.
        other = first_page[0]
        prompt = other.prompt or ""
        model.set_filters(search=prompt)
        assert model.state.selection is not None
        assert detail.showing == model.state.selection.id
        model.set_filters(search="no prompt says this at all")
        assert not model.state.items
        assert not viewer.is_open
        assert not stage.shown
        assert detail.showing is None
        press(viewer, "close")  # closing a closed viewer is harmless

        # Videos: a small local file goes as bytes (the browser makes a Blob URL)...
        model.set_filters(search=None, media_type="video")
        videos = model.state.items
        assert videos
        assert all(v.is_video for v in videos)
        viewer.open(str(videos[0].id))  # an id as text does too
        assert detail.showing == videos[0].id
        detail.settle()
        assert stage.kind == "video"
        assert stage.video_url == ""
        assert stage.note == ""
        assert stage.video[4:8] == b"ftyp"
        assert stage.video_type == "video/mp4"
        assert stage.placeholder[:3] == b"\xff\xd8\xff"  # its poster, at once
        # ...an http(s) location as its URL (the browser streams it), never its bytes.
        url = "https://media.example.org/clips/harbour.mp4"
        with psycopg.connect(demo_dsn, autocommit=True) as conn:
            conn.execute("UPDATE generations SET location = %s WHERE id = %s", (url, videos[0].id))
        viewer.open(videos[0].id)  # shown again: read again
        assert stage.video_url == url
        assert stage.video == b""
        # ...and a local file over the cap shows its poster and where it is.
        too_large = video_source(demo_wb, videos[0].location, limit=10)
        assert too_large.url is None
        assert too_large.path is None
        assert "too large to play here" in too_large.note
        assert str(local_path(videos[0].location)) in too_large.note

        press(viewer, "close")
        assert not viewer.is_open
        assert detail.layout.display == "none"
        assert stage.kind == ""
        assert stage.video == b""
    finally:
        viewer.shutdown()
        model.close()
