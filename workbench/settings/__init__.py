"""Tool settings at four scopes (defaults → user → project → shot), and device-local state.

``resolve`` merges the scopes with provenance; ``store`` reads them in one round trip and
writes patches atomically at the field level; ``queue`` coalesces rapid edits into few writes;
``handle`` is the optimistic view a front end binds to; ``local_state`` never touches the
database.
"""

from workbench.settings.registry import get_tool, register_tool, registered_tools
from workbench.settings.resolve import ResolvedSettings, resolve
from workbench.settings.scopes import SCOPES, Scope

__all__ = [
    "SCOPES",
    "ResolvedSettings",
    "Scope",
    "get_tool",
    "register_tool",
    "registered_tools",
    "resolve",
]
