"""Notebook widgets over the shared view models: the TUI's views, in Jupyter (ipywidgets,
and anywidget for the gallery's grid and its viewer).

``Gallery``, ``Settings`` and ``Uploader`` each render one view model from
``workbench.views``; ``Workbench`` puts them in tabs under a project/shot picker. They hold no
business logic: a click calls a model command, and a model change re-renders the widget, so a
notebook and the TUI always show the same thing. Thumbnails reach the browser as small WebP
images, never as the original media.

This package's source is the repository's top-level ``widgets/`` folder; it is only ever
imported as ``workbench.widgets``.
"""

from .gallery import Gallery
from .session import default_workbench
from .settings import Settings
from .uploader import Uploader
from .workbench import Workbench

__all__ = ["Gallery", "Settings", "Uploader", "Workbench", "default_workbench"]
