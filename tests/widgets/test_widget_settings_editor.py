"""The notebook's settings widget: types and defaults per row, a list edited item by item in
the structured editor under its row (each one write of the whole list at "edit at"), and the
workflows' plans shown in the confirm row before they write (real database, real ipywidgets)."""

from __future__ import annotations

import html

from ipywidgets import Text
from stored_settings import travel

from workbench.client import Workbench
from workbench.widgets import Settings

TOOL = "travel-between-images"


def test_structured_editor_and_workflows(demo_wb: Workbench, demo_dsn: str) -> None:
    project = demo_wb.project("Neon Coastline")
    source, shot = demo_wb.shots(project)[0], demo_wb.shots(project)[1]
    widget = Settings(demo_wb, TOOL, project=project, shot=shot)
    try:
        frames = widget.rows["batchVideoFrames"]
        assert ("integer" in frames.kind.value, "default 61" in frames.kind.value) == (True, True)
        assert frames.items.layout.display == "none"  # a plain value: no structured editor
        loras = widget.rows["loras"]
        assert loras.items.layout.display is None
        loras.items.value = True  # open the structured editor under the row
        editor = loras.nested
        assert editor is not None
        assert editor in widget.grid.children
        add = editor.lines["loras"].add
        add.click()
        assert list(editor.lines) == [
            "loras", "loras[0]", "loras[0].id", "loras[0].name", "loras[0].path",
            "loras[0].strength", "loras[0].previewImageUrl", "loras[0].trigger_word",
        ]  # fmt: skip
        strength = editor.lines["loras[0].strength"]
        assert "number" in strength.kind.value
        assert "1.0" in strength.default.value
        assert isinstance(strength.value, Text)
        strength.value.value = "strong"  # refused: the reason under the list, nothing written
        assert "must be a number" in html.unescape(editor.errors.value)
        strength.value.value = "0.5"
        assert editor.errors.value == ""
        editor.lines["loras[0].name"].value.value = "Glow"
        trigger = editor.lines["loras[0].trigger_word"].value
        assert (trigger.value, trigger.placeholder) == ("", "not set")
        trigger.value = "neon"
        add.click()
        second = editor.lines["loras[1]"]
        assert not second.up.disabled
        assert second.down.disabled
        second.up.click()
        assert editor.lines["loras[1].name"].node.value == "Glow"
        editor.lines["loras[0]"].remove.click()
        assert widget.flush(10)
        entry = {"id": "", "name": "Glow", "path": "", "strength": 0.5, "trigger_word": "neon"}
        assert travel(demo_dsn, "shots", shot.id) == {"loras": [entry]}
        loras.items.value = False
        assert loras.nested is None
        assert editor not in widget.grid.children

        # Promote: one step, the notice names what changed.
        assert not loras.promote.disabled
        assert widget.rows["prompt"].promote.disabled
        loras.promote.click()
        assert "Promoted to project" in widget.notice.value
        assert travel(demo_dsn, "projects", project.id)["loras"] == [entry]
        assert "loras" not in travel(demo_dsn, "shots", shot.id)

        # Apply from another shot: the plan in the confirm row, written only on "Apply".
        assert widget.apply_from.description == "apply settings from another shot"
        assert widget.reset_overrides.description == "reset to project"
        widget.source.value = f"shot:{source.id}"
        widget.apply_from.click()
        assert widget.confirm.asking
        assert "generationMode" in widget.confirm.message.value
        assert travel(demo_dsn, "shots", shot.id) == {}
        widget.confirm.go.click()
        own = travel(demo_dsn, "shots", source.id)
        assert travel(demo_dsn, "shots", shot.id) == own
        assert "wb-badge-shot" in widget.rows["generationMode"].scope.value

        widget.reset_overrides.click()  # reset to project: asks with the plan's lines
        assert widget.confirm.go.description == "Reset"
        widget.confirm.go.click()
        assert travel(demo_dsn, "shots", shot.id) == {}
        widget.reset_overrides.click()
        assert not widget.confirm.asking
        assert "Nothing to change" in widget.notice.value
    finally:
        widget.close()
