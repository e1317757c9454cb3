"""Tool defaults, registered in code per tool id, with Reigh's normalisations and what we know
of each tool's fields (for validating writes).

Defaults are the bottom scope of resolution. A tool may also normalise the resolved values
(Reigh reads any unknown ``generationMode`` of travel-between-images as ``timeline``); the
normalisation runs after merging, so it applies whichever scope set the value.

For validation (``workbench.settings.validate``) a tool also says which fields Reigh uses
without a default we know (``fields``: their JSON type, or ``None`` for any), which values a
field may take (``choices``), and whether it is ``open``: a tool whose fields we do not know
accepts any field name (values are still type-checked against what is stored). Every settings
id of Reigh that we know by name is registered, so a typo in one is caught.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Normaliser = Callable[[dict[str, Any]], dict[str, Any]]
DEFAULT_TOOL = "travel-between-images"
"""The tool a settings view opens when none is named: Reigh's main tool. One constant, so the
TUI, the notebook and the views cannot open different tools by default."""


JsonType = Literal["number", "bool", "string", "list", "object"]
"""The JSON types a settings value is checked against (``null`` is always allowed)."""


@dataclass(frozen=True)
class Tool:
    """A settings id: its defaults, its normalisation, and what validation knows of it.

    ``fields`` maps dotted paths that have no default to their type (``None``: any type);
    ``choices`` maps a dotted path to the values Reigh accepts there; an ``open`` tool accepts
    field names nobody has stored yet (its fields are not known to us)."""

    id: str
    defaults: Mapping[str, Any]
    normalise: Normaliser | None = None
    fields: Mapping[str, JsonType | None] = field(default_factory=dict)
    choices: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    open: bool = False

    def fresh_defaults(self) -> dict[str, Any]:
        return copy.deepcopy(dict(self.defaults))


_TOOLS: dict[str, Tool] = {}


def register_tool(
    tool_id: str,
    defaults: Mapping[str, Any],
    normalise: Normaliser | None = None,
    *,
    fields: Mapping[str, JsonType | None] | None = None,
    choices: Mapping[str, tuple[Any, ...]] | None = None,
    open: bool = False,
) -> Tool:
    """Register (or replace) a tool's defaults; returns the registered tool."""
    tool = Tool(
        tool_id, copy.deepcopy(dict(defaults)), normalise,
        dict(fields or {}), dict(choices or {}), open,
    )  # fmt: skip
    _TOOLS[tool_id] = tool
    return tool


def get_tool(tool_id: str) -> Tool:
    """The registered tool, or one without defaults: any settings id can be read (and, when
    the user's data holds it or a write is forced, written)."""
    return _TOOLS.get(tool_id) or Tool(tool_id, {})


def is_registered(tool_id: str) -> bool:
    """Whether the registry knows ``tool_id`` (validation also accepts ids already stored)."""
    return tool_id in _TOOLS


def registered_tools() -> list[str]:
    """Every registered settings id, sorted (the tool pickers' choices)."""
    return sorted(_TOOLS)


_GENERATION_MODES = ("batch", "timeline", "by-pair")


def _normalise_travel(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("generationMode") not in _GENERATION_MODES:
        values["generationMode"] = "timeline"
    return values


register_tool(
    DEFAULT_TOOL,
    {
        "prompt": "",
        "negativePrompt": "",
        "pairConfigs": [],
        "batchVideoFrames": 61,
        "batchVideoSteps": 6,
        "generationMode": "timeline",
        "enhancePrompt": False,
        "selectedModel": "wan-2.2",
        "amountOfMotion": 50,
        "motionMode": "basic",
        "loras": [],
    },
    _normalise_travel,
    # Fields Reigh writes without a default of ours (reigh-operations.md §7: apply settings
    # from a task, "set as shot defaults", the aspect-ratio change, new-shot inheritance).
    fields={
        "phaseConfig": "object",
        "selectedPhasePresetId": None,
        "textBeforePrompts": None,
        "textAfterPrompts": None,
        "batchVideoPrompt": "string",
        "randomSeed": None,
        "seed": None,
        "guidanceScale": "number",
        "advancedMode": "bool",
        "generationTypeMode": "string",
        "smoothContinuations": "bool",
        "turboMode": "bool",
        "structureVideo": None,
        "dimensionSource": "string",
        "customWidth": "number",
        "customHeight": "number",
    },
    choices={"generationMode": _GENERATION_MODES},
)
register_tool(
    "image-generation",
    {
        "imagesPerPrompt": 1,
        "depthStrength": 50,
        "softEdgeStrength": 20,
        "generationMode": "wan-local",
        "promptMode": "automated",
        "selectedLoras": [],
    },
)

# Settings ids Reigh uses whose fields we do not know: open (any field name is accepted; a
# value is still type-checked against what the user's data stores at that path).
for _open_id in (
    "join-clips",
    "edit-video",
    "edit-images",
    "character-animate",
    "ui",
    "user-preferences",
    "project-image-settings",
    "generations-pane",
    "upload",
    "travel-ui-state",
    "join-segments",
):
    register_tool(_open_id, {}, open=True)
register_tool("project-loras", {}, fields={"loras": "list"}, open=True)
