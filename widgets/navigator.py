"""The notebook's navigator: the project/shot picker (the shots in the project's order, with
counts that update live, and each project's aspect ratio) and the buttons that manage them:
New shot, Rename, Up/Down, Duplicate, Delete… (asked in a confirm row first), New project and
the chosen project's aspect ratio.

It renders ``NavigatorModel``, as the TUI's navigator does: a click calls a model command, the
model's ``notice`` (what was done) or ``error`` (why it was refused) is the status line, and
the words are the model's. A command that chooses another place (a new or duplicated shot, a
new project, the project after its shot was deleted) is reported to ``on_choice``, so the
Workbench's tabs follow it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as W

from workbench.ids import Ref
from workbench.views import NavigatorModel, NavigatorState
from workbench.views.navigator import ASPECT_RATIOS

from .confirm import ConfirmRow
from .render import Renderer, classes, error_line, ok_line

Choice = tuple[uuid.UUID | None, uuid.UUID | None]
LIKE_THIS = "like this project"  # the new project's aspect ratio when none is chosen


def choices(state: NavigatorState) -> list[tuple[str, str]]:
    """Dropdown options: each project (with its aspect ratio), then its shots indented in the
    project's order, with their counts."""
    options = []
    for entry in state.projects:
        total = f" ({entry.counts.total})" if entry.counts else ""
        ratio = f" · {entry.project.aspect_ratio}" if entry.project.aspect_ratio else ""
        options.append((f"{entry.project.name}{total}{ratio}", f"{entry.project.id}:"))
        for shot in entry.shots:
            count = f" ({shot.counts.total})" if shot.counts else ""
            options.append((f"  ↳ {shot.shot.name}{count}", f"{entry.project.id}:{shot.shot.id}"))
    return options


def ratio_options(current: str | None) -> tuple[str, ...]:
    """Reigh's aspect ratios, and the project's own when it holds another one (any W:H)."""
    return ASPECT_RATIOS if not current or current in ASPECT_RATIOS else (*ASPECT_RATIOS, current)


def status_line(state: NavigatorState) -> str:
    """The model's error (in red), else its notice (what the last action did)."""
    return error_line(state.error) or ok_line(state.notice)


class Navigator(W.VBox):
    """``Navigator(model, on_choice=...)``: the picker, then a row of shot actions (on the
    chosen shot; Rename renames the project when no shot is chosen), a row of project actions,
    the confirm row and the status line. ``beside`` goes on the picker's row (the Undo button)."""

    def __init__(
        self,
        model: NavigatorModel,
        *,
        on_choice: Callable[[uuid.UUID | None, uuid.UUID | None], None] | None = None,
        beside: Sequence[W.Widget] = (),
    ) -> None:
        self.model = model
        self.on_choice = on_choice
        self._chosen: Choice = (model.state.project_id, model.state.shot_id)
        self._rendering = Renderer()
        style = W.ButtonStyle()  # one for every button: a style is a widget too
        auto = W.Layout(width="auto")

        def button(description: str, css: str, tooltip: str = "") -> W.Button:
            return W.Button(description=description, tooltip=tooltip, layout=auto, style=style,
                            **classes(css))  # fmt: skip

        self.target = W.Dropdown(description="show", layout=W.Layout(width="420px"),
                                 **classes("wb-target"))  # fmt: skip
        self.aspect = W.Dropdown(description="aspect ratio", options=ASPECT_RATIOS,
                                 layout=W.Layout(width="190px"),
                                 **classes("wb-aspect"))  # fmt: skip
        # Shots: a name for New shot and Rename, then the actions on the chosen shot.
        self.name = W.Text(placeholder="name (empty: “Shot N”)", layout=W.Layout(width="200px"),
                           **classes("wb-shot-name"))  # fmt: skip
        self.new_shot = button("New shot", "wb-new-shot", "a new shot at the end of the project")
        self.rename = button("Rename", "wb-rename", "rename the chosen shot (else the project)")
        self.up = button("Up", "wb-shot-up", "move the chosen shot up in the project's order")
        self.down = button("Down", "wb-shot-down", "move the chosen shot down")
        self.duplicate = button("Duplicate", "wb-duplicate", "a copy of the chosen shot")
        self.delete = button("Delete…", "wb-delete-shot", "delete the chosen shot (asks first)")
        # Projects: a new one (like the chosen one unless another ratio is picked).
        self.project_name = W.Text(placeholder="new project's name",
                                   layout=W.Layout(width="200px"),
                                   **classes("wb-project-name"))  # fmt: skip
        self.project_ratio = W.Dropdown(options=(LIKE_THIS, *ASPECT_RATIOS), value=LIKE_THIS,
                                        layout=W.Layout(width="150px"),
                                        **classes("wb-project-ratio"))  # fmt: skip
        self.new_project = button("New project", "wb-new-project")
        self.confirm = ConfirmRow()
        self.status = W.HTML(**classes("wb-navigator-status"))

        self.target.observe(self._target_changed, "value")
        self.aspect.observe(self._aspect_changed, "value")
        self.new_shot.on_click(lambda _: self.create_shot())
        self.rename.on_click(lambda _: self.rename_chosen())
        self.up.on_click(lambda _: self.move(-1))
        self.down.on_click(lambda _: self.move(1))
        self.duplicate.on_click(lambda _: self._run(self._duplicate))
        self.delete.on_click(lambda _: self.ask_delete())
        self.new_project.on_click(lambda _: self.create_project())

        shot_row = [self.name, self.new_shot, self.rename, self.up, self.down, self.duplicate]
        rows = [
            W.HBox([self.target, self.aspect, *beside]),
            W.HBox([*shot_row, self.delete], layout=W.Layout(flex_flow="row wrap")),
            W.HBox([self.project_name, self.project_ratio, self.new_project]),
            self.confirm,
            self.status,
        ]
        super().__init__(rows, **classes("wb-navigator"))
        self._unsubscribe = model.subscribe(self._render)
        self._render(model.state)

    # -- user actions ----------------------------------------------------------------------
    def create_shot(self) -> None:
        """New shot, named as typed (empty: Reigh's "Shot N"); it becomes the chosen one."""
        name = self.name.value.strip() or None
        if self._run(lambda: self.model.create_shot(name)):
            self.name.value = ""

    def rename_chosen(self) -> None:
        """Rename the chosen shot, or the project when the whole project is chosen."""
        state = self.model.state
        name = self.name.value
        if state.shot_id is not None:
            shot_id = state.shot_id
            done = self._run(lambda: self.model.rename_shot(shot_id, name))
        elif state.project_id is not None:
            project_id = state.project_id
            done = self._run(lambda: self.model.rename_project(project_id, name))
        else:
            return
        if done:
            self.name.value = ""

    def move(self, delta: int) -> None:
        """Up (-1) or down (1) in the project's order of shots."""
        shot_id = self.model.state.shot_id
        if shot_id is not None:
            self._run(lambda: self.model.move_shot(shot_id, delta))

    def _duplicate(self) -> object:
        shot_id = self.model.state.shot_id
        return None if shot_id is None else self.model.duplicate_shot(shot_id)

    def ask_delete(self) -> None:
        """Ask in the confirm row (the model's question), then delete the shot asked about."""
        shot_id = self.model.state.shot_id
        confirmation = None if shot_id is None else self.model.confirm_delete_shot(shot_id)
        if shot_id is not None and confirmation is not None:
            self.confirm.ask(confirmation, lambda: self._delete(shot_id))

    def _delete(self, shot_id: Ref) -> None:
        if self.model.state.shot_id == shot_id:  # still the one asked about
            self._run(lambda: self.model.delete_shot(shot_id))

    def create_project(self) -> None:
        """New project with the typed name, like the chosen one; it becomes the chosen one."""
        name = self.project_name.value
        ratio = None if self.project_ratio.value == LIKE_THIS else self.project_ratio.value
        if self._run(lambda: self.model.create_project(name, ratio)):
            self.project_name.value = ""
            self.project_ratio.value = LIKE_THIS

    def _aspect_changed(self, change: dict[str, Any]) -> None:
        project = self.model.state.project
        if self._rendering.active or project is None or not change["new"]:
            return
        if change["new"] != project.project.aspect_ratio:
            self._run(lambda: self.model.set_aspect_ratio(project.project.id, change["new"]))

    def _target_changed(self, change: dict[str, Any]) -> None:
        if self._rendering.active or not change["new"]:
            return
        project_text, _, shot_text = change["new"].partition(":")
        project_id, shot_id = uuid.UUID(project_text), uuid.UUID(shot_text) if shot_text else None
        self.confirm.dismiss()  # a question about the shot no longer chosen
        self.model.select(project_id, shot_id)
        self._report()

    def _run(self, command: Callable[[], object]) -> bool:
        """Run a model command (it blocks, as every notebook click does), then tell
        ``on_choice`` if it chose another place. Refusals are the model's ``error``."""
        done = command()
        self._report()
        return done is not None and done is not False

    def _report(self) -> None:
        chosen = (self.model.state.project_id, self.model.state.shot_id)
        if chosen != self._chosen:
            self._chosen = chosen
            if self.on_choice is not None:
                self.on_choice(*chosen)

    # -- rendering -------------------------------------------------------------------------
    def _render(self, state: NavigatorState) -> None:
        self._rendering(self._show, state)

    def _show(self, state: NavigatorState) -> None:
        options = choices(state)
        if list(self.target.options) != options:
            self.target.options = options
        selected = f"{state.project_id}:{state.shot_id or ''}"
        self.target.value = selected if any(v == selected for _, v in options) else None
        project = state.project
        ratio = project.project.aspect_ratio if project is not None else None
        wanted = ratio_options(ratio)
        if self.aspect.options != wanted:
            self.aspect.options = wanted
        self.aspect.value = ratio
        self.aspect.disabled = project is None
        shots = [s.shot.id for s in project.shots] if project is not None else []
        place = shots.index(state.shot_id) if state.shot_id in shots else None
        for widget in (self.duplicate, self.delete):
            widget.disabled = place is None
        self.up.disabled = not place  # None or the first
        self.down.disabled = place is None or place == len(shots) - 1
        self.new_shot.disabled = project is None
        self.rename.disabled = project is None
        self.status.value = status_line(state)
        if self.confirm.asking and state.shot is None:
            self.confirm.dismiss()  # the shot asked about went (here or elsewhere)
        if state.project_id is not None:
            self._report()  # the choice moved by itself: its shot went (deleted, undone)

    def close(self) -> None:
        """Stop rendering the model (the model itself is its owner's to close)."""
        self._unsubscribe()
        super().close()
