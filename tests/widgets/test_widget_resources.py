"""The uploader's LoRA fields, typed paths refused as they are added, sizes in their unit, and
the LoRAs widget, clicked without a browser, on a real database (a local folder store)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import upload_samples as samples
from upload_setup import Setup, make_setup
from waiting import wait_until

from workbench.client import Workbench
from workbench.startup import connect
from workbench.storage import LocalStorage
from workbench.views.downloads import size_text
from workbench.widgets import Uploader
from workbench.widgets.resources import Resources


@pytest.fixture
def place(db_dsn: str) -> Setup:
    return make_setup(db_dsn)


@pytest.fixture
def wb(db_dsn: str, place: Setup, tmp_path: Path) -> Iterator[Workbench]:
    with connect(db_dsn, storage=LocalStorage(tmp_path / "assets"), user_id=place.user) as w:
        yield w


def loras(dsn: str, table: str, row_id: Any) -> Any:
    with psycopg.connect(dsn) as conn:
        query = f"SELECT settings #> '{{travel-between-images,loras}}' FROM {table} WHERE id = %s"
        row = conn.execute(query, (row_id,)).fetchone()
    return row[0] if row else None


def test_lora_fields_in_the_uploader_then_add_to_shot_and_project(
    wb: Workbench, place: Setup, db_dsn: str, tmp_path: Path
) -> None:
    uploader = Uploader(wb, project=place.project, shot=place.shot)
    try:
        assert uploader.lora.layout.display == "none"  # nothing queued: no LoRA fields
        assert uploader.picker.tooltip  # a real tooltip, not "null"
        assert "data-state='live'" in uploader.status.value  # the connection's word
        # Typed paths that cannot be uploaded are refused as they are added: nothing queued,
        # the reason beside the box, the text kept to fix.
        (tmp_path / "empty").mkdir()
        for typed, reason in [
            (f"{tmp_path / 'nowhere.png'}", "no such file or folder"),
            ("'a\x00b.png'", "NUL byte"),
            ("'\ud800.png'", "lone surrogate"),
            (f"{tmp_path / 'empty'}", "a folder with no file in it"),
        ]:
            uploader.paths.value = typed
            uploader.add_paths.click()
            assert reason in html.unescape(uploader.path_error.value), typed
            assert uploader.paths.value == typed
            assert uploader.model.state.files == ()
        content = samples.safetensors()
        picked = ({"name": "neon.safetensors", "type": "", "size": 0,
                   "last_modified": datetime.now(UTC),
                   "content": memoryview(content)},)  # fmt: skip
        uploader.picker.value = picked
        assert uploader.path_error.value == ""
        assert uploader.lora.layout.display == ""
        uploader.lora_name.value = "Neon\x00Drift"
        uploader.upload.click()  # refused before anything starts
        assert "NUL" in uploader.summary.value
        assert not uploader.model.state.running
        uploader.lora_name.value = "Neon Drift"
        uploader.trigger_word.value = "neondrift"
        uploader.base_model.value = "Qwen Image"
        uploader.description.value = "Glowing signs."
        uploader.upload.click()
        assert uploader.wait(60)
        assert [f.status for f in uploader.model.state.files] == ["uploaded"]
        size = size_text(len(content))  # "4.6 kB of 4.6 kB", never "0.0 of 0.0 MB"
        wait_until(lambda: f"1/1 files · {size} of {size}" in uploader.summary.value,
                   what="the summary in the size's unit")  # fmt: skip
    finally:
        uploader.close()
    (neon,) = wb.resources()
    assert (neon.name, neon.trigger_word, neon.base_model, neon.description) == (
        "Neon Drift", "neondrift", "Qwen Image", "Glowing signs.",
    )  # fmt: skip

    widget = Resources(wb, project=place.project, shot=place.shot)
    try:
        assert widget.summary.value.startswith("<b>1 LoRA</b> · <span class='wb-connection'")
        button = widget.add_buttons[str(neon.id)]
        assert button.description == "add to shot"
        button.click()
        assert "added Neon Drift (strength 1)" in widget.line.value
        assert [e["id"] for e in loras(db_dsn, "shots", place.shot)] == ["neon"]

        widget.scope.value = "project"
        widget.strength.value = 0.25
        button = widget.add_buttons[str(neon.id)]
        assert button.description == "add to project"
        button.click()
        assert [e["strength"] for e in loras(db_dsn, "projects", place.project)] == [0.25]
        button.click()  # the same again: refused, shown in red
        wait_until(lambda: "already in" in widget.line.value, what="the refusal")
        assert "var(--jp-error-color1" in widget.line.value  # the theme's error colour
        assert repr(widget) == "<Resources 1 LoRA · add to project (project p-" + (
            place.project.hex[:6] + ")>"
        )
        widget.retarget(project_id=place.second_project)  # the navigator chose another
        assert widget.model.state.scopes == ("project", "user")
        widget.add_buttons[str(neon.id)].click()  # still at the project, strength 0.25
        assert [e["strength"] for e in loras(db_dsn, "projects", place.second_project)] == [0.25]
    finally:
        widget.close()
    wb.undo()
    wb.undo()
    assert loras(db_dsn, "projects", place.project) is None
