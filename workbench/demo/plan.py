"""What the demo contains: its projects, shots, subjects and styles, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

DEFAULT_SEED = 7
DEMO_EMAIL = "demo@workbench.local"
EPOCH = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class ProjectPlan:
    name: str
    aspect_ratio: str
    size: tuple[int, int]
    share: float  # of all generations
    shots: tuple[str, ...]
    subjects: tuple[str, ...]
    styles: tuple[str, ...]


PLANS = (
    ProjectPlan(
        "Neon Coastline",
        "16:9",
        (512, 288),
        0.6,
        (
            "Harbour Lights",
            "Night Market",
            "Cliff Road",
            "Lighthouse",
            "Rain on Glass",
            "Ferry Crossing",
            "Dawn Patrol",
        ),
        (
            "a lighthouse over black water",
            "fishing boats under neon signs",
            "a coastal road at dusk",
            "rain on a tram window",
            "a ferry crossing the bay",
            "cliffs above the surf",
            "a night market by the pier",
            "gulls over the breakwater",
        ),
        (
            "cinematic, anamorphic",
            "synthwave palette",
            "35mm film grain",
            "moody blue hour",
            "volumetric fog",
        ),
    ),
    ProjectPlan(
        "Paper Garden",
        "1:1",
        (384, 384),
        0.4,
        ("Seedlings", "Origami Birds", "Moss Temple", "Lantern Path", "Koi Pond"),
        (
            "paper cranes over a pond",
            "a moss-covered temple gate",
            "lanterns along a path",
            "folded paper flowers",
            "koi under lily pads",
            "a bonsai on a windowsill",
        ),
        (
            "papercraft, soft light",
            "watercolour wash",
            "isometric diorama",
            "studio ghibli mood",
            "macro photography",
        ),
    ),
)
TRAVEL_SETTINGS = {"selectedModel": "wan-2.2", "batchVideoFrames": 81, "amountOfMotion": 65}
