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

from workbench.generations.filters import GenerationFilters
from workbench.models import Generation
from workbench.settings.scopes import Badge

CAPTION_TEXT = 48  # characters of prompt or name a card keeps; a front end may fit fewer

# Badge backgrounds under white text, 4.5:1 or more (WCAG's minimum for small text: a badge
# is 10-11 px), in light and dark themes alike; tests/unit/test_presentation.py checks. The
# orange is a darker shade of the shot scope's (a scope colour is also used as text, so it
# stays a mid-tone).
NEW_BADGE = "#946508"  # Reigh shows "N new" in yellow; a dark amber keeps white text readable
VARIANTS_BADGE = "#68707c"  # grey: a count, nothing to act on
SHOT_BADGE = "#c2410c"  # orange, as the shot scope: positioned on the shot's timeline
UNPOSITIONED_BADGE = "#68707c"  # grey: in the shot, without a frame
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
    # A video's length as its params recorded it ("0:04", the detail view's words); "" when
    # not a video or not known. Front ends show it on the video badge.
    duration: str = ""

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
        duration=video_duration(item) if item.is_video else "",
    )


def video_duration(item: Generation) -> str:
    """The video's duration from its params (``duration_seconds``, recorded on upload and
    by the demo) as ``0:04``; "" when it is not recorded or not a positive number."""
    seconds = item.params.get("duration_seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds > 0:
        return ""
    if seconds == float("inf"):
        return ""
    from workbench.media.frames import duration_label  # the words the detail view uses

    return duration_label(seconds)


def empty_message(filters: GenerationFilters, place: str = "project") -> str:
    """What an empty gallery page says, the same in every front end: with filters, that no
    item matches them (in ``describe()``'s words); without, that the ``place`` ("project",
    "shot") has nothing yet. The order is no filter: it does not empty a page."""
    if GenerationFilters.of(filters, sort="newest") == GenerationFilters():
        return f"This {place} has no generations yet"
    return f"No item matches: {GenerationFilters.of(filters, sort='newest').describe()}"
