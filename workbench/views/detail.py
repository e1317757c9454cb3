"""One generation in full: params, variants, lineage and the shots it is in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.generations.detail import GenerationDetail
from workbench.views.base import ViewModel

if TYPE_CHECKING:
    from workbench.client import Workbench


@dataclass(frozen=True)
class DetailState:
    generation_id: uuid.UUID | None = None
    detail: GenerationDetail | None = None
    loading: bool = False
    error: str | None = None

    def param_rows(self) -> list[tuple[int, str, Any]]:
        """(depth, key, value) rows for a params tree; objects are opened, values shown."""
        rows: list[tuple[int, str, Any]] = []

        def walk(value: Any, depth: int) -> None:
            for key, child in sorted(value.items()):
                if isinstance(child, dict) and child:
                    rows.append((depth, key, None))
                    walk(child, depth + 1)
                else:
                    rows.append((depth, key, child))

        if self.detail is not None:
            walk(self.detail.generation.params, 0)
        return rows


class DetailModel(ViewModel[DetailState]):
    def __init__(self, wb: Workbench, generation_id: Any) -> None:
        super().__init__(DetailState())
        self._wb = wb
        self.load(generation_id)

    def load(self, generation_id: Any = None) -> None:
        wanted = generation_id or self.state.generation_id

        def work() -> None:
            detail = self._wb.generation_detail(wanted)
            self._update(generation_id=detail.generation.id, detail=detail, loading=False)

        self._attempt(work, loading=True, error=None)

    def toggle_star(self) -> None:
        detail = self.state.detail
        if detail is not None:
            item = detail.generation
            if self._attempt(lambda: self._wb.star(item.id, not item.starred)):
                self.load()

    def set_primary_variant(self, variant_id: Any) -> None:
        detail = self.state.detail
        if detail is not None:
            gid = detail.generation.id
            if self._attempt(lambda: self._wb.set_primary_variant(gid, variant_id)):
                self.load()
