"""The notebook settings widget's history (restore through the confirm row) and diff, on the
demo in a real database; clicks are ``button.click()``, choices set the value as the browser's
sync does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from workbench.client import Workbench
from workbench.widgets import Settings
from workbench.widgets.settings_history import SettingsDiff, SettingsHistory

TOOL = "travel-between-images"


@pytest.fixture
def shot(demo_wb: Workbench) -> Any:
    return demo_wb.shots(demo_wb.project("Neon Coastline"))[0]  # Harbour Lights


@pytest.fixture
def settings(demo_wb: Workbench, shot: Any) -> Iterator[Settings]:
    widget = Settings(demo_wb, TOOL, project=shot.project_id, shot=shot.id)
    yield widget
    widget.close()


def test_history_toggle_shows_entries_and_restores_after_the_confirm_row(
    settings: Settings, demo_wb: Workbench, shot: Any
) -> None:
    demo_wb.update_settings("shot", shot.id, TOOL, {"amountOfMotion": 91})
    demo_wb.update_settings("project", shot.project_id, TOOL, {"motionMode": "advanced"})
    settings.extras.history.value = True  # a click on "History"
    history = settings.extras.shown
    assert isinstance(history, SettingsHistory)
    assert list(settings.extras.panel.children) == [history]
    state = history.model.state
    assert [e.scope for e in state.entries] == ["project", "shot"]
    assert "database" in history.where.value
    shot_entry = state.entries[1]
    shown = history.entries.children[1].children[1].value
    assert "amountOfMotion" in shown
    assert "not set → 91" in shown
    assert "shot Harbour Lights" in shown

    history.restore_buttons[shot_entry.id].click()
    assert history.confirm.asking
    assert "before entry" in history.confirm.message.value
    assert demo_wb.settings(TOOL, shot_id=shot.id).value("amountOfMotion") == 91  # not yet
    history.confirm.cancel.click()
    assert not history.confirm.asking
    assert demo_wb.settings(TOOL, shot_id=shot.id).value("amountOfMotion") == 91

    history.restore_buttons[shot_entry.id].click()
    history.confirm.go.click()
    assert demo_wb.settings(TOOL, shot_id=shot.id).scope_of("amountOfMotion") == "project"
    assert history.message.value.startswith("restored 1 field")
    assert history.model.state.entries[0].note == f"restore of entry {shot_entry.id}"

    history.inherited.value = False  # the shot's own writes only
    assert all(e.scope == "shot" for e in history.model.state.entries)
    settings.extras.compare.value = True  # one panel at a time
    assert settings.extras.history.value is False
    assert isinstance(settings.extras.shown, SettingsDiff)
    settings.extras.compare.value = False
    assert settings.extras.shown is None
    assert list(settings.extras.panel.children) == []


def test_diff_against_the_project_then_another_shot(
    settings: Settings, demo_wb: Workbench, shot: Any
) -> None:
    other = demo_wb.shots(shot.project_id)[1]
    demo_wb.update_settings("shot", other.id, TOOL, {"amountOfMotion": 3})
    settings.extras.compare.value = True
    diff = settings.extras.shown
    assert isinstance(diff, SettingsDiff)
    state = diff.model.state
    assert (state.a, state.b) == ("shot Harbour Lights", "project Neon Coastline")
    assert [r.path for r in state.rows] == [
        f.path for f in demo_wb.settings_diff(TOOL, shot).fields
    ]
    assert "project Neon Coastline" in diff.table.value
    assert diff.choice.value == "parent"

    diff.choice.value = f"shot:{other.id}"  # a choice in the dropdown
    state = diff.model.state
    assert state.b == f"shot {other.name}"
    motion = next(r for r in state.rows if r.path == "amountOfMotion")
    assert (motion.a, motion.a_scope, motion.b, motion.b_scope) == ("65", "project", "3", "shot")
    assert "<code>amountOfMotion</code>" in diff.table.value
    assert "fields differ" in diff.summary.value
