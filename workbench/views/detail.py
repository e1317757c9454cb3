"""One generation in full: params, variants, lineage and the shots it is in."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.generations.detail import GenerationDetail
from workbench.ids import Ref
from workbench.views.base import ViewModel
from workbench.views.confirm import Confirmation

if TYPE_CHECKING:
    from workbench.client import Workbench

# A generation's params are JSON, so a param's value is typed Any.


@dataclass(frozen=True)
class DetailState:
    """What a detail view shows.

    ``generation_id`` is the generation shown (None until the first load); ``detail`` is it in
    full (params, variants, lineage, shots); ``loading`` is true while it is read; ``error`` is
    the last failure's one-line message.
    """

    generation_id: uuid.UUID | None = None
    detail: GenerationDetail | None = None
    loading: bool = False
    error: str | None = None

    def param_rows(self) -> list[tuple[int, str, Any]]:
        """(depth, key, value) rows for a params tree; objects are opened, values shown."""
        rows: list[tuple[int, str, Any]] = []

        def walk(value: Mapping[str, Any], depth: int) -> None:
            for key, child in sorted(value.items()):
                if isinstance(child, dict) and child:
                    rows.append((depth, key, None))
                    walk(child, depth + 1)
                else:
                    rows.append((depth, key, child))

        if self.detail is not None:
            walk(self.detail.generation.params, 0)
        return rows


def delete_confirmation(detail: GenerationDetail) -> Confirmation:
    """What to ask before deleting a generation, the same in every front end: its caption,
    the shots it leaves, its variants, and that undo brings it all back."""
    item = detail.generation
    kind = "video" if item.is_video else "image"
    text = item.prompt or str(item.params.get("original_filename") or item.name or item.id)
    if len(text) > 48:
        text = text[:47] + "…"
    shots = [s.name for s in detail.shots]
    details = [
        f"It leaves {len(shots)} shot{'s' if len(shots) != 1 else ''}: {', '.join(shots)}"
        if shots
        else "It is in no shot.",
    ]
    if detail.variants:
        count = len(detail.variants)
        plural = "variant goes" if count == 1 else "variants go"
        details.append(f"Its {count} {plural} with it.")
    details.append("Its media files stay in storage. Undo brings it back.")
    return Confirmation(f"Delete the {kind} '{text}'?", "Delete", tuple(details))


class DetailModel(ViewModel[DetailState]):
    """One generation in full, and the actions on it.

    Every command blocks while it talks to the database, including the constructor's first
    load; front ends call them from a worker thread, and listeners hear of the result there.
    """

    def __init__(self, wb: Workbench, generation_id: Ref) -> None:
        super().__init__(DetailState())
        self._wb = wb
        self.load(generation_id)

    def load(self, generation_id: Ref | None = None) -> None:
        """Read the generation (``generation_id``, else the one shown) again, in full."""
        wanted = generation_id or self.state.generation_id

        def work() -> None:
            detail = self._wb.generation_detail(wanted)
            self._update(generation_id=detail.generation.id, detail=detail, loading=False)

        self._attempt(work, loading=True, error=None)

    def toggle_star(self) -> None:
        """Star or unstar the generation in the database, then load it again."""
        detail = self.state.detail
        if detail is not None:
            item = detail.generation
            if self._attempt(lambda: self._wb.star(item.id, not item.starred)):
                self.load()

    def confirm_delete(self) -> Confirmation | None:
        """What to ask before ``delete`` (None before the first load)."""
        detail = self.state.detail
        return None if detail is None else delete_confirmation(detail)

    def delete(self) -> bool:
        """Delete the generation (after the front end confirmed); True when it went."""
        detail = self.state.detail
        if detail is None:
            return False
        gid = detail.generation.id
        return self._attempt(lambda: self._wb.delete_generation(gid))

    def set_primary_variant(self, variant_id: Ref) -> None:
        """Make one of its variants the primary (Reigh copies its media onto the generation),
        then load it again."""
        detail = self.state.detail
        if detail is not None:
            gid = detail.generation.id
            if self._attempt(lambda: self._wb.set_primary_variant(gid, variant_id)):
                self.load()
