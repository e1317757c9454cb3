"""The whole workbench in one widget: a project/shot picker over Gallery, Settings and Upload
tabs. The picker renders ``NavigatorModel``, so the choice is remembered on this device and
shared with the TUI (both open where the other left off)."""

from __future__ import annotations

import uuid
from typing import Any

import ipywidgets as W

from workbench.client import Workbench as Client
from workbench.settings.registry import DEFAULT_TOOL
from workbench.views import GalleryModel, NavigatorModel, NavigatorState, SettingsModel
from workbench.views.uploads import UploadModel

from .gallery import Gallery
from .render import Renderer, error_line
from .session import resolve
from .settings import Settings
from .undo import UndoButton
from .uploader import Uploader

TABS = ("Gallery", "Settings", "Upload")
TAB_KEY = "notebook.tab"


def choices(state: NavigatorState) -> list[tuple[str, str]]:
    """Dropdown options: each project, then its shots indented, with their counts."""
    options = []
    for entry in state.projects:
        total = f" ({entry.counts.total})" if entry.counts else ""
        options.append((f"{entry.project.name}{total}", f"{entry.project.id}:"))
        for shot in entry.shots:
            count = f" ({shot.counts.total})" if shot.counts else ""
            options.append((f"  ↳ {shot.shot.name}{count}", f"{entry.project.id}:{shot.shot.id}"))
    return options


class Workbench(W.VBox):
    """``Workbench(wb, project=..., shot=...)``: everything in tabs."""

    _built = False  # ipywidgets closes a widget when collected, also one whose __init__ failed

    def __init__(
        self,
        wb: Client | None = None,
        *,
        project: Any = None,
        shot: Any = None,
        tool: str = DEFAULT_TOOL,
        limit: int = 50,
    ) -> None:
        self.wb = resolve(wb)
        self.navigator = NavigatorModel(self.wb)
        project_id, shot_id = self.navigator.choose(project, shot)
        # The navigator has chosen the target: the tabs get their models ready-made.
        gallery = GalleryModel(self.wb, project_id=project_id, shot_id=shot_id, limit=limit)
        self.gallery = Gallery(self.wb, model=gallery, undo=False)
        settings = SettingsModel(self.wb, tool, project_id=project_id, shot_id=shot_id)
        self.settings = Settings(self.wb, model=settings)
        self.uploader = Uploader(
            self.wb, model=UploadModel(self.wb, project_id=project_id, shot_id=shot_id)
        )
        self._rendering = Renderer()

        self.target = W.Dropdown(description="show", layout=W.Layout(width="420px"))
        self.target.add_class("wb-target")
        self.error = W.HTML()
        # One Undo for every tab: settings edits and gallery changes alike.
        self.undo = UndoButton(self.wb)
        self.tabs = W.Tab([self.gallery, self.settings, self.uploader], titles=TABS)
        remembered = self.wb.local_state.get(TAB_KEY)
        self.tabs.selected_index = TABS.index(remembered) if remembered in TABS else 0
        self.tabs.observe(self._tab_changed, "selected_index")
        self.target.observe(self._target_changed, "value")
        super().__init__([W.HBox([self.target, self.undo, self.error]), self.tabs])
        self.add_class("wb-workbench")
        self._unsubscribe = self.navigator.subscribe(self._render)
        self._render(self.navigator.state)
        self._built = True

    def _target_changed(self, change: dict[str, Any]) -> None:
        if self._rendering.active or not change["new"]:
            return
        project_text, _, shot_text = change["new"].partition(":")
        project_id, shot_id = uuid.UUID(project_text), uuid.UUID(shot_text) if shot_text else None
        self.navigator.select(project_id, shot_id)
        self.gallery.model.set_target(project_id=project_id, shot_id=shot_id)
        self.settings.model.switch_target(project_id=project_id, shot_id=shot_id)
        self.uploader.retarget(project_id=project_id, shot_id=shot_id)

    def _tab_changed(self, change: dict[str, Any]) -> None:
        index = change["new"]
        if index is not None:
            self.wb.local_state.set(TAB_KEY, TABS[index])

    def _render(self, state: NavigatorState) -> None:
        self._rendering(self._show, state)

    def _show(self, state: NavigatorState) -> None:
        options = choices(state)
        if list(self.target.options) != options:
            self.target.options = options
        selected = f"{state.project_id}:{state.shot_id or ''}"
        self.target.value = selected if any(v == selected for _, v in options) else None
        self.error.value = error_line(state.error)

    def close(self) -> None:
        if self._built:
            self._unsubscribe()
            self.navigator.close()
            for part in (self.gallery, self.settings, self.uploader, self.undo):
                part.close()
        super().close()

    def __repr__(self) -> str:
        tab = TABS[self.tabs.selected_index or 0]
        return f"<Workbench {self.gallery.model.state.status} · {tab}>"
