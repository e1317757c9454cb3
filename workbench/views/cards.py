"""What a gallery card shows, decided once: the TUI tile, the notebook tile and the CLI's row
all read a ``Card``, so they show the same words, counts and colours.

A creator scans a gallery for: what the item is (image or video, its frame on a timeline),
the start of its prompt, whether it is starred, which shots it is in (and whether it has a
place on each timeline: Reigh's "unpositioned"), how many variants it has and how many of
them are new (Reigh's yellow "N new" badge), and the tool that made it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from workbench.models import Generation
from workbench.settings.scopes import Badge

CAPTION_TEXT = 48  # characters of prompt or name a card keeps; a front end may fit fewer

# Mid-tones, like the scope badges, readable on light and dark backgrounds (white text on
# them has a contrast of at least 3.5; tests/unit/test_presentation.py checks).
NEW_BADGE = "#a8730b"  # Reigh shows "N new" in yellow; amber keeps white text readable
VARIANTS_BADGE = "#767e8a"  # grey: a count, nothing to act on
SHOT_BADGE = "#d4500f"  # orange, as the shot scope: positioned on the shot's timeline
UNPOSITIONED_BADGE = "#767e8a"  # grey: in the shot, without a frame
SELECTED = "#1e8e3e"  # green: the mark of a selected card (a tick), as "saved"


@dataclass(frozen=True)
class ShotBadge:
    """One shot the item is in: its name, and whether it has a frame on that timeline."""

    shot_id: uuid.UUID
    name: str
    positioned: bool

    @property
    def badge(self) -> Badge:
        """The shot's name, in orange when it has a frame there, else grey and so marked."""
        text = self.name if self.positioned else f"{self.name} (unpositioned)"
        return Badge(text, SHOT_BADGE if self.positioned else UNPOSITIONED_BADGE)


@dataclass(frozen=True)
class Card:
    """One gallery item as every front end shows it. ``kind`` and ``text`` are the caption's
    two lines; ``badges`` are the coloured labels after them, in order."""

    id: uuid.UUID
    kind: str  # "image", "▶ video", with "@frame" on a shot's timeline
    text: str  # the start of the prompt, else the file name, else the name
    starred: bool
    is_video: bool
    tool: str
    shots: tuple[ShotBadge, ...]
    variants: int
    new: int

    @property
    def badges(self) -> tuple[Badge, ...]:
        """The new-variants badge (when any is new), the variant count (when more than one,
        as Reigh's), then one per shot."""
        out = []
        if self.new:
            out.append(Badge(f"{self.new} new", NEW_BADGE))
        if self.variants > 1:
            out.append(Badge(f"{self.variants} variants", VARIANTS_BADGE))
        out.extend(shot.badge for shot in self.shots)
        return tuple(out)

    @property
    def summary(self) -> str:
        """One line of plain text with everything on the card (a tooltip, a terminal row)."""
        star = "★ " if self.starred else ""
        parts = [f"{star}{self.kind}", self.text, self.tool]
        parts += [badge.label for badge in self.badges]
        return " · ".join(part for part in parts if part)


def card(item: Generation, shot_names: Mapping[uuid.UUID, str] | None = None) -> Card:
    """The card of one generation; ``shot_names`` names its shots (the gallery's project's),
    which are listed in the project's shot order when it gives one."""
    kind = "▶ video" if item.is_video else "image"
    frame = "" if item.timeline_frame is None else f" @{item.timeline_frame}"
    text = item.prompt or str(item.params.get("original_filename") or item.name or "")
    if len(text) > CAPTION_TEXT:
        text = text[: CAPTION_TEXT - 1] + "…"
    names = shot_names or {}
    order = {shot_id: n for n, shot_id in enumerate(names)}
    positioned = set(item.positioned_shot_ids)
    shots = tuple(
        ShotBadge(shot_id, names.get(shot_id, str(shot_id)[:8]), shot_id in positioned)
        for shot_id in sorted(item.shot_ids, key=lambda s: (order.get(s, len(order)), str(s)))
    )
    return Card(
        id=item.id,
        kind=f"{kind}{frame}",
        text=text,
        starred=item.starred,
        is_video=item.is_video,
        tool=item.tool_type or "",
        shots=shots,
        variants=item.variant_count,
        new=item.unviewed_variant_count,
    )
