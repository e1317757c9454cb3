"""One generation in full: params, variants, lineage and the shots it is in."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.changes.record import Change
from workbench.generations.detail import GenerationDetail
from workbench.ids import Ref
from workbench.models import Variant
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


def variant_refusal(variant: Variant) -> str | None:
    """Why a variant cannot be deleted (Reigh's rules, in its words), or None."""
    if variant.variant_type == "original":
        return "Cannot delete the original variant"
    if variant.is_primary:
        return "Cannot delete the primary variant: make another one primary first"
    return None


def delete_variant_confirmation(variant: Variant) -> Confirmation:
    """What to ask before deleting a variant, the same in every front end (check
    ``variant_refusal`` first)."""
    kind = variant.variant_type or "variant"
    return Confirmation(
        f"Delete the {kind} variant '{variant.name or str(variant.id)[:8]}'?",
        "Delete",
        (
            "The generation and its other variants stay.",
            "Its media file stays in storage. Undo brings it back.",
        ),
    )


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
        # An undo (of a deleted variant, a star), from this front end or another of the
        # session, is shown at once: the generation is read again.
        self._closers.append(wb.changes.changed.add(self._change_seen))
        self.show(generation_id)

    def _change_seen(self, change: Change) -> None:
        if change.undone and self.state.detail is not None:
            self.in_background(self.load)

    def original_link(self) -> str:
        """A path or URL a viewer or a browser can open for the original (signed for a
        private bucket); ``ValidationError`` before the first load or without media."""
        detail = self.state.detail
        return self._wb.viewable(detail.generation.location if detail else None)

    def show(self, generation_id: Ref) -> None:
        """Open a generation: read it in full and mark its primary variant viewed, as Reigh's
        lightbox does when it opens one (the variants table still says which were new)."""
        self._read(generation_id, mark_viewed=True)

    def load(self, generation_id: Ref | None = None) -> None:
        """Read the generation (``generation_id``, else the one shown) again, in full."""
        self._read(generation_id or self.state.generation_id, mark_viewed=False)

    def _read(self, wanted: Ref | None, *, mark_viewed: bool) -> None:
        def work() -> None:
            detail = self._wb.generation_detail(wanted, mark_viewed=mark_viewed)
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

    def variant(self, variant_id: Ref) -> Variant | None:
        """One of the variants shown, by id (None when it is not one of them)."""
        detail = self.state.detail
        wanted = str(variant_id)
        found = [v for v in detail.variants if str(v.id) == wanted] if detail else []
        return found[0] if found else None

    def view_variant(self, variant_id: Ref) -> None:
        """The user looked at a variant (selected it): mark it viewed, as Reigh does. The
        table keeps saying "new" until the next load, so a glance does not reorder it."""
        variant = self.variant(variant_id)
        detail = self.state.detail
        if variant is not None and detail is not None and variant.viewed_at is None:
            gid = detail.generation.id
            self._attempt(lambda: self._wb.mark_viewed(gid, [variant.id]))

    def toggle_variant_star(self, variant_id: Ref) -> None:
        """Star or unstar a variant (undoable), then load the generation again."""
        variant = self.variant(variant_id)
        if variant is not None and self._attempt(
            lambda: self._wb.star_variant(variant.id, not variant.starred)
        ):
            self.load()

    def confirm_delete_variant(self, variant_id: Ref) -> Confirmation | None:
        """What to ask before deleting a variant; None when it cannot be deleted (the
        refusal is then in ``state.error``: the original and the primary stay, as in Reigh)."""
        variant = self.variant(variant_id)
        if variant is None:
            return None
        refusal = variant_refusal(variant)
        if refusal:
            self._update(error=refusal)
            return None
        return delete_variant_confirmation(variant)

    def delete_variant(self, variant_id: Ref) -> bool:
        """Delete a variant (after the front end confirmed), then load the generation again."""
        variant = self.variant(variant_id)
        if variant is None:
            return False
        if self._attempt(lambda: self._wb.delete_variant(variant.id)):
            self.load()
            return True
        return False

    def set_primary_variant(self, variant_id: Ref) -> None:
        """Make one of its variants the primary (Reigh copies its media onto the generation),
        then load it again."""
        detail = self.state.detail
        if detail is not None:
            gid = detail.generation.id
            if self._attempt(lambda: self._wb.set_primary_variant(gid, variant_id)):
                self.load()
