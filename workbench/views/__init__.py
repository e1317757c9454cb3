"""View models shared by every front end (TUI, notebook widgets): state and commands, no toolkit.

Each model keeps an immutable state snapshot and tells its listeners when it changes; front
ends only render ``model.state`` and call commands, so the TUI and the notebook can never
disagree about what a gallery, a settings pane or an upload shows.
"""

from workbench.views.detail import DetailModel, DetailState
from workbench.views.gallery import GalleryModel, GalleryState
from workbench.views.navigator import NavigatorModel, NavigatorState
from workbench.views.settings import FieldRow, SettingsModel, SettingsState

__all__ = [
    "DetailModel",
    "DetailState",
    "FieldRow",
    "GalleryModel",
    "GalleryState",
    "NavigatorModel",
    "NavigatorState",
    "SettingsModel",
    "SettingsState",
]
