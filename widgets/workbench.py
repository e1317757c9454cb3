"""The whole workbench in one widget: the navigator (a project/shot picker with the actions
that manage shots and projects) over Gallery, Settings, Upload and LoRAs tabs. The navigator renders
``NavigatorModel``, so the choice is remembered on this device and shared with the TUI (both
open where the other left off); the tabs follow its choice, and the gallery's tiles and detail
view take the shape of its aspect ratio. Its status line, over the tabs, says the connection's
word ("loading…", "live", "reconnecting…", "offline"), following the workbench's health."""

from __future__ import annotations

import uuid
from typing import Any

import ipywidgets as W

from workbench.client import Workbench as Client
from workbench.settings.registry import DEFAULT_TOOL
from workbench.views import GalleryModel, NavigatorModel, NavigatorState, SettingsModel
from workbench.views.connection import workbench_connection
from workbench.views.resources import ResourcesModel
from workbench.views.uploads import UploadModel

from .gallery import Gallery
from .navigator import Navigator, choices
from .resources import Resources
from .session import resolve
from .settings import Settings
from .status import status_html
from .undo import UndoButton
from .uploader import Uploader

__all__ = ["TABS", "Workbench", "choices"]

TABS = ("Gallery", "Settings", "Upload", "LoRAs")
TAB_KEY = "notebook.tab"


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
        self.resources = Resources(
            self.wb, model=ResourcesModel(self.wb, project_id=project_id, shot_id=shot_id)
        )
        # One Undo for every tab: settings edits, gallery changes and shots alike.
        self.undo = UndoButton(self.wb)
        self.nav = Navigator(self.navigator, on_choice=self.retarget, beside=(self.undo,))
        self.target = self.nav.target  # the picker
        parts = [self.gallery, self.settings, self.uploader, self.resources]
        self.tabs = W.Tab(parts, titles=TABS)
        remembered = self.wb.local_state.get(TAB_KEY)
        self.tabs.selected_index = TABS.index(remembered) if remembered in TABS else 0
        self.tabs.observe(self._tab_changed, "selected_index")
        self.status = W.HTML()  # the connection's word, over the tabs
        self.status.add_class("wb-workbench-status")
        super().__init__([self.nav, self.status, self.tabs])
        self.add_class("wb-workbench")
        self._unsubscribe = self.navigator.subscribe(self._follow)
        self._follow(self.navigator.state)
        self._show_status()
        # Told on a thread of its own; the ``HTML`` value is one assignment, safe from there.
        self._unhealthy = self.wb.health.changed.add(lambda _: self._show_status())
        self._built = True

    def retarget(self, project_id: uuid.UUID | None, shot_id: uuid.UUID | None) -> None:
        """Show the navigator's choice in every tab (a pick, or a shot just made)."""
        if project_id is None:
            return
        self.gallery.model.set_target(project_id=project_id, shot_id=shot_id)
        self.settings.model.switch_target(project_id=project_id, shot_id=shot_id)
        self.uploader.retarget(project_id=project_id, shot_id=shot_id)
        self.resources.retarget(project_id=project_id, shot_id=shot_id)

    def _follow(self, state: NavigatorState) -> None:
        """The gallery takes the choice's aspect ratio. (Its shot names follow shots made,
        renamed or deleted by themselves: ``GalleryModel`` follows ``keys.shots``.)"""
        self.gallery.set_aspect_ratio(state.aspect_ratio)
        if self._built:
            self._show_status()

    def _show_status(self) -> None:
        """The status line: the connection's word (each tab says what it shows)."""
        loading = self.navigator.state.loading
        self.status.value = status_html("", workbench_connection(self.wb, loading=loading))

    def _tab_changed(self, change: dict[str, Any]) -> None:
        index = change["new"]
        if index is not None:
            self.wb.local_state.set(TAB_KEY, TABS[index])

    def close(self) -> None:
        if self._built:
            self._unsubscribe()
            self._unhealthy()
            self.nav.close()
            self.navigator.close()
            for part in (self.gallery, self.settings, self.uploader, self.resources, self.undo):
                part.close()
        super().close()

    def __repr__(self) -> str:
        tab = TABS[self.tabs.selected_index or 0]
        return f"<Workbench {self.gallery.model.state.status} · {tab}>"
