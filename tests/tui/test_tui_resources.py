"""The upload screen's LoRA fields and the LoRAs screen, pushed on a bare app under Pilot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import upload_samples as samples
from textual.app import App
from textual.widgets import Input, Select
from upload_setup import make_setup
from waiting import settle, wait_until_async

from workbench.startup import connect
from workbench.storage import LocalStorage
from workbench.tui.screens.resources import ResourcesScreen
from workbench.tui.screens.upload import UploadScreen
from workbench.views.resources import ResourcesModel
from workbench.views.uploads import UploadModel


def _loras(dsn: str, table: str, row_id: Any) -> Any:
    with psycopg.connect(dsn) as conn:
        query = f"SELECT settings #> '{{travel-between-images,loras}}' FROM {table} WHERE id = %s"
        row = conn.execute(query, (row_id,)).fetchone()
    return row[0] if row else None


async def test_upload_a_lora_with_its_fields_then_add_it_at_two_scopes(
    db_dsn: str, tmp_path: Path
) -> None:
    setup = make_setup(db_dsn)
    weights = tmp_path / "neon.safetensors"
    weights.write_bytes(samples.safetensors())
    with connect(db_dsn, storage=LocalStorage(tmp_path / "assets"), user_id=setup.user) as wb:
        app: App[None] = App()
        async with app.run_test(size=(140, 40)) as pilot:
            upload = UploadModel(wb, project_id=setup.project, shot_id=setup.shot)
            await app.push_screen(UploadScreen(upload, "Shot"))
            screen = app.screen
            lora_box = screen.query_one("#lora")
            assert not lora_box.display  # no LoRA file queued: no LoRA fields
            screen.query_one("#paths", Input).value = str(weights)
            await pilot.click("#add")
            await wait_until_async(lambda: lora_box.display, what="the LoRA fields",
                                   pilot=pilot)  # fmt: skip
            screen.query_one("#lora_name", Input).value = "Neon Drift"
            screen.query_one("#trigger_word", Input).value = "neondrift"
            screen.query_one("#base_model", Select).value = "LTX 2.3"
            await pilot.click("#start")
            await wait_until_async(
                lambda: upload.state.files and not upload.state.running, what="the upload",
                pilot=pilot, show=lambda: upload.state,
            )  # fmt: skip
            assert [f.status for f in upload.state.files] == ["uploaded"], upload.state
            (neon,) = wb.resources()
            assert (neon.name, neon.trigger_word, neon.base_model) == (
                "Neon Drift", "neondrift", "LTX 2.3",
            )  # fmt: skip
            app.pop_screen()

            model = ResourcesModel(wb, project_id=setup.project, shot_id=setup.shot)
            await app.push_screen(ResourcesScreen(model))
            screen = app.screen
            await wait_until_async(lambda: model.state.rows and len(model.state.places) == 3,
                                   what="the LoRA list", pilot=pilot)  # fmt: skip
            assert str(screen.query_one("#summary").render()) == "1 LoRA"
            await pilot.press("enter")  # the shot, at strength 1
            await wait_until_async(lambda: model.state.notice, what="the add", pilot=pilot)
            assert model.state.notice == (
                "added Neon Drift (strength 1) to travel-between-images.loras of shot Shot"
            )
            assert [e["strength"] for e in _loras(db_dsn, "shots", setup.shot)] == [1.0]

            screen.query_one("#scope", Select).value = "project"
            screen.query_one("#strength", Input).value = "0.5"
            await settle(pilot)
            assert model.state.add_label == "add to project"
            screen.query_one("#loras").focus()
            await pilot.press("enter")
            await wait_until_async(lambda: "project" in (model.state.notice or ""),
                                   what="the add at the project", pilot=pilot)  # fmt: skip
            assert [e["strength"] for e in _loras(db_dsn, "projects", setup.project)] == [0.5]

            await pilot.press("enter")  # the same again: refused, said on the status line
            await wait_until_async(lambda: model.state.error, what="the refusal", pilot=pilot)
            assert "already in" in str(screen.query_one("#line").render())
            assert (
                wb.undo()
                == "undid: add LoRA 'Neon Drift' in travel-between-images.loras at project"
            )
