"""The user's LoRAs as every front end lists them, and adding one to a tool at a chosen scope.

``ResourcesModel`` holds the list (``wb.resources()``), where the LoRAs go (a tool with a LoRA
list, and a scope of the current place: its shot, its project or the user) and the strength,
and adds the highlighted LoRA there (``wb.add_lora``). The words (columns, the empty list,
what an add says, the button's "add to shot") are decided here, so the TUI, the notebook and
the CLI say the same thing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.errors import ValidationError
from workbench.ids import Ref
from workbench.resources import (
    DEFAULT_STRENGTH,
    LORA_LISTS,
    Resource,
    check_strength,
    lora_list,
)
from workbench.settings.registry import DEFAULT_TOOL
from workbench.settings.store import TargetScope
from workbench.views.base import ViewModel

if TYPE_CHECKING:
    from workbench.client import Workbench

TITLE = "LoRAs"
EMPTY = "no LoRAs of yours yet: upload a .safetensors file"
COLUMNS = ("name", "trigger word", "base model", "added", "")
LORA_TOOLS: tuple[str, ...] = tuple(LORA_LISTS)


def where_text(scope: TargetScope, name: str | None) -> str:
    """A target as the list names it: "shot Harbour Lights", "project Neon Coastline", "user"."""
    return scope if scope == "user" or not name else f"{scope} {name}"


def strength_text(strength: float) -> str:
    """A strength as Reigh's slider shows it (1, 0.8, 1.25)."""
    return f"{strength:g}"


def added_text(entry: dict[str, Any], tool_id: str, where: str) -> str:
    """What an add says: which LoRA went where, at which strength."""
    field = LORA_LISTS[tool_id].field
    strength = strength_text(float(entry["strength"]))
    return f"added {entry['name']} (strength {strength}) to {tool_id}.{field} of {where}"


@dataclass(frozen=True)
class LoraRow:
    """One LoRA as a list shows it: the row's ``id`` (to add it), ``name``, ``trigger``,
    ``base_model`` (a dash when not set), ``added`` (the date) and ``public``."""

    id: uuid.UUID
    name: str
    trigger: str
    base_model: str
    added: str
    public: str

    @classmethod
    def of(cls, resource: Resource) -> LoraRow:
        """The row of a ``Resource``."""
        return cls(
            resource.id, resource.name, resource.trigger_word or "-",
            resource.base_model or "-", resource.created_at.astimezone().strftime("%Y-%m-%d"),
            "public" if resource.is_public else "",
        )  # fmt: skip

    @property
    def cells(self) -> tuple[str, ...]:
        """The row's cells, in ``COLUMNS`` order."""
        return (self.name, self.trigger, self.base_model, self.added, self.public)


@dataclass(frozen=True)
class ResourcesState:
    """What a LoRA list shows: ``rows`` (newest first), where an add goes (``tool_id``, the
    chosen ``scope`` among ``scopes``, named in ``places``) and at which ``strength``;
    ``loading`` while the list is read, ``error`` (the last failure) and ``notice`` (what the
    last add did)."""

    rows: tuple[LoraRow, ...] = ()
    tool_id: str = DEFAULT_TOOL
    scope: TargetScope = "user"
    scopes: tuple[TargetScope, ...] = ("user",)
    places: tuple[tuple[TargetScope, str], ...] = (("user", "user"),)
    strength: float = DEFAULT_STRENGTH
    loading: bool = False
    error: str | None = None
    notice: str | None = None

    @property
    def summary(self) -> str:
        """A line over the list: how many LoRAs, or that there are none."""
        if self.loading and not self.rows:
            return "reading your LoRAs…"
        if not self.rows:
            return EMPTY
        return f"{len(self.rows)} LoRA{'s' * (len(self.rows) != 1)}"

    @property
    def where(self) -> str:
        """The chosen scope's target, named ("shot Harbour Lights")."""
        return dict(self.places).get(self.scope, self.scope)

    @property
    def add_label(self) -> str:
        """The add button's words: "add to shot"."""
        return f"add to {self.scope}"

    @property
    def line(self) -> str:
        """The status line: the error, else the notice, else where an add goes."""
        if self.error:
            return self.error
        if self.notice:
            return self.notice
        field = LORA_LISTS[self.tool_id].field
        strength = strength_text(self.strength)
        return f"Enter adds a LoRA to {self.tool_id}.{field} of {self.where} at {strength}"


class ResourcesModel(ViewModel[ResourcesState]):
    """The user's LoRAs, and adding one to a tool's LoRA list for the current place.

    ``project_id`` and ``shot_id`` name the place (none: the user only); the scopes offered
    are its shot, its project and the user, the narrowest chosen first. Commands block on the
    database (front ends run them in a worker); failures become ``state.error``.
    """

    def __init__(
        self,
        wb: Workbench,
        *,
        tool_id: str = DEFAULT_TOOL,
        project_id: Ref | None = None,
        shot_id: Ref | None = None,
    ) -> None:
        tool = tool_id if tool_id in LORA_LISTS else DEFAULT_TOOL
        super().__init__(ResourcesState(tool_id=tool))
        self._wb = wb
        self._targets: dict[TargetScope, Any] = {"user": "user"}
        if project_id is not None:
            self._targets["project"] = {"project_id": project_id}
        if shot_id is not None:
            self._targets["shot"] = {"shot_id": shot_id}
        scopes = tuple(s for s in ("shot", "project", "user") if s in self._targets)
        # Named by their scope until ``load`` reads the shot's and project's names.
        self._update(scopes=scopes, scope=scopes[0], places=tuple((s, s) for s in scopes))
        self._ids = (project_id, shot_id)
        self._named = len(scopes) == 1

    def load(self) -> None:
        """Read the list again (and, the first time, the names of the place's shot and
        project)."""

        def work() -> None:
            places = self.state.places
            if not self._named:
                places = self._places()
                self._named = True
            rows = tuple(LoraRow.of(r) for r in self._wb.resources("lora"))
            self._update(rows=rows, places=places, loading=False)

        self._attempt(work, loading=True, error=None)

    def _places(self) -> tuple[tuple[TargetScope, str], ...]:
        project_id, shot_id = self._ids
        place = self._wb.find(project_id, shot_id)
        names: dict[TargetScope, str | None] = {"user": None, "project": place.project.name}
        if place.shot is not None:
            names["shot"] = place.shot.name
        return tuple((s, where_text(s, names.get(s))) for s in self.state.scopes)

    def choose_scope(self, scope: str) -> None:
        """Add to this scope of the place from now on (one of ``state.scopes``)."""
        if scope not in self.state.scopes:
            choices = ", ".join(self.state.scopes)
            self._update(error=f"cannot add at {scope!r} here: choose {choices}")
            return
        self._update(scope=scope, error=None, notice=None)

    def choose_tool(self, tool_id: str) -> None:
        """Add to this tool's LoRA list from now on (one with a list: ``LORA_TOOLS``)."""
        try:
            lora_list(tool_id)
        except ValidationError as exc:
            self._update(error=str(exc))
            return
        self._update(tool_id=tool_id, error=None, notice=None)

    def set_strength(self, value: object) -> bool:
        """The strength of later adds (a number, or text typed in a box); False, with the
        error shown, when it is not a number from 0 to 2."""
        try:
            number = float(value.strip()) if isinstance(value, str) else value
            strength = check_strength(number)
        except ValueError:
            self._update(error=f"strength must be a number from 0 to 2, not {value!r}")
            return False
        except ValidationError as exc:
            self._update(error=str(exc))
            return False
        self._update(strength=strength, error=None)
        return True

    def target(self, scope: str | None = None) -> Any:
        """The target an add at ``scope`` (default: the chosen one) writes to, as
        ``wb.add_lora`` takes it."""
        return self._targets[scope or self.state.scope]  # type: ignore[index]

    def add_to(
        self, tool_id: str, target: Any, resource_id: Ref, strength: float | None = None
    ) -> bool:
        """Add a LoRA to ``tool_id``'s list at ``target``; the notice says what was done,
        the error why not. Returns whether it was added."""
        wanted = self.state.strength if strength is None else strength
        found: list[dict[str, Any]] = []
        ok = self._attempt(
            lambda: found.append(self._wb.add_lora(tool_id, target, resource_id,
                                                   strength=wanted)),
            error=None, notice=None,
        )  # fmt: skip
        if ok:
            where = next((name for s, name in self.state.places
                          if self._targets.get(s) == target), str(target))  # fmt: skip
            self._update(notice=added_text(found[0], tool_id, where))
        return ok

    def add(self, resource_id: Ref) -> bool:
        """Add a LoRA where the state says: its tool, scope and strength."""
        state = self.state
        return self.add_to(state.tool_id, self.target(), resource_id, state.strength)
