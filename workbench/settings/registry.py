"""Tool defaults, registered in code per tool id, with Reigh's normalisations.

Defaults are the bottom scope of resolution. A tool may also normalise the resolved values
(Reigh reads any unknown ``generationMode`` of travel-between-images as ``timeline``); the
normalisation runs after merging, so it applies whichever scope set the value.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Normaliser = Callable[[dict[str, Any]], dict[str, Any]]
DEFAULT_TOOL = "travel-between-images"
"""The tool a settings view opens when none is named: Reigh's main tool. One constant, so the
TUI, the notebook and the views cannot open different tools by default."""


@dataclass(frozen=True)
class Tool:
    id: str
    defaults: Mapping[str, Any]
    normalise: Normaliser | None = None

    def fresh_defaults(self) -> dict[str, Any]:
        return copy.deepcopy(dict(self.defaults))


_TOOLS: dict[str, Tool] = {}


def register_tool(
    tool_id: str, defaults: Mapping[str, Any], normalise: Normaliser | None = None
) -> Tool:
    """Register (or replace) a tool's defaults; returns the registered tool."""
    tool = Tool(tool_id, copy.deepcopy(dict(defaults)), normalise)
    _TOOLS[tool_id] = tool
    return tool


def get_tool(tool_id: str) -> Tool:
    """The registered tool, or one without defaults: any settings id can be read and written."""
    return _TOOLS.get(tool_id) or Tool(tool_id, {})


def registered_tools() -> list[str]:
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
