"""Projects → shots, with counts and an unpositioned badge; choosing one drives the gallery.
Shots and projects are managed from here too: new, rename, reorder, duplicate, delete, and a
project's aspect ratio."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.message import Message
from textual.widgets import Tree

from workbench.errors import printable
from workbench.models import Project, Shot
from workbench.projects import ProjectSummary, ShotSummary
from workbench.tui.screens.dialogs import AskName, Confirm, NewProject, PickOne
from workbench.tui.threads import RendersModel, on_ui
from workbench.views import NavigatorModel, NavigatorState
from workbench.views.navigator import ASPECT_RATIOS

Choice = tuple[uuid.UUID, uuid.UUID | None]  # a node's data: (project id, shot id or None)


class Navigator(RendersModel[NavigatorState], Tree[Choice]):
    """Renders a ``NavigatorModel`` as a tree: projects with their aspect ratio and totals,
    their shots in the project's order with totals and (on yellow) how many items have no
    timeline frame. The cursor starts on the model's choice; selecting a node (enter, click)
    makes it the choice and posts ``Chosen`` without folding it (``Tree`` folds a node it
    selects, so Enter on a project used to hide its shots); space folds and unfolds. The
    other keys are ``Tree``'s (arrows, shift+arrows).

    The managing keys act where the cursor is (the command palette's, on the chosen shot or
    project): each runs a model command in a worker; its notice or refusal is a toast, and
    when it changes the choice (a new or duplicated shot is chosen, a deleted one's project
    is) ``Chosen`` is posted, as for a selection.

    | Key(s) | Description |
    | :- | :- |
    | enter | Show the project or shot under the cursor. |
    | space | Fold or unfold the project under the cursor. |
    | n | New shot at the end of the project (asks its name; empty: "Shot N"). |
    | r | Rename the shot or project under the cursor. |
    | K, ctrl+up | Move the shot under the cursor up in the project's order. |
    | J, ctrl+down | Move the shot under the cursor down in the project's order. |
    | C | Duplicate the shot under the cursor (its timeline and settings), at the end. |
    | delete | Delete the shot under the cursor (asks; undo brings it back). |
    | N | New project like the chosen one (asks its name and aspect ratio). |
    | a | Set the aspect ratio of the project under the cursor (a list). |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Show"),
        Binding("space", "toggle_node", "Fold/unfold"),
        Binding("n", "new_shot", "New shot"),
        Binding("r", "rename", "Rename"),
        Binding("K,ctrl+up", "move_shot(-1)", "Move up", show=False),
        Binding("J,ctrl+down", "move_shot(1)", "Move down", show=False),
        Binding("C", "duplicate", "Duplicate", show=False),
        Binding("delete", "delete_shot", "Delete shot", show=False),
        Binding("N", "new_project", "New project", show=False),
        Binding("a", "aspect_ratio", "Aspect ratio", show=False),
    ]
    DEFAULT_CSS = """
    Navigator { width: 34; padding: 0 1; }
    """
    WORKERS = "navigator"

    class Chosen(Message):
        """The user chose a project (``shot_id`` None) or a shot; handled by the app, which
        shows it in the gallery and the settings pane."""

        def __init__(self, project_id: uuid.UUID, shot_id: uuid.UUID | None) -> None:
            super().__init__()
            self.project_id = project_id
            self.shot_id = shot_id

    def __init__(self, model: NavigatorModel, **kwargs: Any) -> None:  # Textual's options
        super().__init__("Projects", **kwargs)
        self.model: NavigatorModel = model
        self.border_title = "Projects"
        self.auto_expand = False  # choosing is enter, folding is space: one key, one meaning
        self.show_root = False
        self.guide_depth = 2
        self._rendered: object = None  # the tree's shape when last drawn
        self._labels: object = None  # its nodes' labels (names and counts) when last drawn
        self._choice: object = None  # the model's choice when last drawn
        self._wanted: tuple[object, object] = (None, None)  # where the cursor goes next
        # The choice last posted as ``Chosen`` (what the app shows): when the model's choice
        # moves by itself (the chosen shot was deleted or its creation undone, here or
        # elsewhere), it is posted too, so the gallery never shows a shot that is gone.
        self._posted: Choice | None = (
            (model.state.project_id, model.state.shot_id)
            if model.state.project_id is not None
            else None
        )

    def render_state(self, state: NavigatorState) -> None:
        """Rebuild the tree when its projects, shots or aspect ratios changed; when only
        counts changed (they arrive after the first paint, and after every change), relabel
        the nodes in place, so folds and the cursor stay. The cursor goes to the model's
        choice when that changed (a new shot is chosen), else it stays on the node it was on
        (a rename, a move)."""
        shape = tuple(
            (e.project.id, e.project.name, e.project.aspect_ratio,
             tuple((s.shot.id, s.shot.name) for s in e.shots))
            for e in state.projects
        )  # fmt: skip
        labels = tuple(
            (_project_label(e), tuple(_shot_label(s) for s in e.shots)) for e in state.projects
        )
        choice = (state.project_id, state.shot_id)
        if shape == self._rendered:
            if labels != self._labels:
                self._labels = labels
                for node, (label, shot_labels) in zip(self.root.children, labels, strict=True):
                    node.set_label(label)
                    for leaf, shot_label in zip(node.children, shot_labels, strict=True):
                        leaf.set_label(shot_label)
            if choice != self._choice:
                self._choice = choice
                self._cursor_to(choice, choice)
            return
        self._rendered, self._labels = shape, labels
        was = self.cursor_node.data if self.cursor_node is not None else None
        self.clear()
        for entry, (label, shot_labels) in zip(state.projects, labels, strict=True):
            node = self.root.add(label, data=(entry.project.id, None), expand=True)
            for shot, shot_label in zip(entry.shots, shot_labels, strict=True):
                node.add_leaf(shot_label, data=(entry.project.id, shot.shot.id))
        self._cursor_to(choice if choice != self._choice else was, choice)
        self._choice = choice
        if state.project_id is not None and (state.project_id, state.shot_id) != self._posted:
            self._post(state.project_id, state.shot_id)

    def _cursor_to(self, data: object, otherwise: object) -> None:
        """Put the cursor on the node holding ``data`` (a ``Choice``), else on the one
        holding ``otherwise`` (the choice: the node the cursor was on is gone), once the
        tree is laid out again (new nodes have no line before): the latest wish wins."""
        self._wanted = (data, otherwise)
        self.call_after_refresh(self._move_to_wanted)

    def _move_to_wanted(self) -> None:
        data, otherwise = self._wanted
        nodes = {node.data: node for project in self.root.children
                 for node in (project, *project.children)}  # fmt: skip
        found = nodes.get(data) or nodes.get(otherwise)
        if found is not None and found is not self.cursor_node:
            self.move_cursor(found)

    def go_to(self, project_id: uuid.UUID, shot_id: uuid.UUID | None = None) -> None:
        """Choose a project or shot as if its node were selected (the command palette's
        "Go to"): the cursor moves to it, the model remembers it, ``Chosen`` is posted."""
        self._cursor_to((project_id, shot_id), None)
        self._choose(project_id, shot_id)

    def on_tree_node_selected(self, event: Tree.NodeSelected[Choice]) -> None:
        """Make the selected node the model's choice (remembered) and post ``Chosen``."""
        if event.node.data is not None:
            self._choose(*event.node.data)

    def _choose(self, project_id: uuid.UUID, shot_id: uuid.UUID | None) -> None:
        """Make it the model's choice (remembered) and post ``Chosen``."""
        self._posted = (project_id, shot_id)  # before the model's render sees the choice
        self.model.select(project_id, shot_id)
        self.post_message(self.Chosen(project_id, shot_id))

    def _post(self, project_id: uuid.UUID, shot_id: uuid.UUID | None) -> None:
        self._posted = (project_id, shot_id)
        self.post_message(self.Chosen(project_id, shot_id))

    # -- managing shots and projects -------------------------------------------------------
    def place(self, where: str = "cursor") -> Choice | None:
        """The (project, shot or None) an action acts on: the cursor's node; with ``where``
        "chosen" the model's choice (the command palette acts on what is shown), "project"
        the chosen project itself."""
        if where in ("chosen", "project"):
            state = self.model.state
            shot_id = state.shot_id if where == "chosen" else None
            return (state.project_id, shot_id) if state.project_id is not None else None
        node = self.cursor_node
        return node.data if node is not None else None

    def _shot(self, where: str) -> uuid.UUID | None:
        found = self.place(where)
        return found[1] if found is not None else None

    def _name_of(self, project_id: uuid.UUID, shot_id: uuid.UUID | None) -> str:
        for entry in self.model.state.projects:
            if entry.project.id == project_id:
                if shot_id is None:
                    return entry.project.name
                for shot in entry.shots:
                    if shot.shot.id == shot_id:
                        return shot.shot.name
        return ""

    def _project(self, where: str) -> uuid.UUID | None:
        found = self.place(where)
        return found[0] if found is not None else None

    def run_command(self, command: Callable[[], object]) -> None:
        """Run a model command in a worker; then toast its notice or refusal, and post
        ``Chosen`` when it changed the model's choice (a shot or project it made)."""
        model = self.model

        def work() -> None:
            before = (model.state.project_id, model.state.shot_id)
            result = command()
            on_ui(self.app, self._done, before, model.state, result)

        self.run_worker(work, thread=True, group=self.WORKERS)

    def _done(
        self,
        before: tuple[uuid.UUID | None, uuid.UUID | None],
        state: NavigatorState,
        result: object,
    ) -> None:
        if state.error:
            self.app.notify(escape(printable(state.error)), severity="error")
        elif state.notice:
            self.app.notify(escape(printable(state.notice)))
        made: Choice | None = None  # what the command made, which the model chose
        if isinstance(result, Shot):
            made = (result.project_id, result.id)
        elif isinstance(result, Project):
            made = (result.id, None)
        if made is not None:
            self._choose(*made)
            return
        after = (state.project_id, state.shot_id)
        if after != before and state.project_id is not None:
            self._post(state.project_id, state.shot_id)

    def _bring(self, project_id: uuid.UUID) -> None:
        """Make ``project_id`` the chosen project if it is not (the model's shot commands act
        in the chosen project), showing it."""
        if self.model.state.project_id != project_id:
            self._choose(project_id, None)

    def action_new_shot(self, where: str = "cursor") -> None:
        """Ask a name (empty: Reigh's next "Shot N"), then add a shot at the end of the
        project (the cursor's), which becomes the choice."""
        project_id = self._project(where)
        if project_id is None:
            return

        def named(name: str | None) -> None:
            if name is not None:
                self._bring(project_id)
                self.run_command(partial(self.model.create_shot, name.strip() or None))

        question = f"New shot in '{printable(self._name_of(project_id, None))}'"
        self.app.push_screen(AskName(question, placeholder="Shot N"), named)

    def action_rename(self, where: str = "cursor") -> None:
        """Ask a new name for the shot (else the project) under the cursor, then rename it."""
        found = self.place(where)
        if found is None:
            return
        project_id, shot_id = found
        old = self._name_of(project_id, shot_id)

        def named(name: str | None) -> None:
            if name is None or name == old:
                return
            if shot_id is None:
                self.run_command(partial(self.model.rename_project, project_id, name))
            else:
                self.run_command(partial(self.model.rename_shot, shot_id, name))

        what = "project" if shot_id is None else "shot"
        self.app.push_screen(AskName(f"Rename {what} '{printable(old)}' to", old), named)

    def action_move_shot(self, delta: int, where: str = "cursor") -> None:
        """Move the shot under the cursor ``delta`` places in its project's order (-1 up)."""
        found = self.place(where)
        if found is None or found[1] is None:
            return
        self._bring(found[0])
        self.run_command(partial(self.model.move_shot, found[1], delta))

    def action_duplicate(self, where: str = "cursor") -> None:
        """Duplicate the shot under the cursor (Reigh's: its positioned images and settings)
        at the end of its project; the copy becomes the choice."""
        shot_id = self._shot(where)
        if shot_id is not None:
            self.run_command(partial(self.model.duplicate_shot, shot_id))

    def action_delete_shot(self, where: str = "cursor") -> None:
        """Ask the model's ``Confirmation`` (what goes, what stays, that undo brings it all
        back), then delete the shot under the cursor."""
        shot_id = self._shot(where)
        confirmation = self.model.confirm_delete_shot(shot_id) if shot_id is not None else None
        if shot_id is None or confirmation is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_command(partial(self.model.delete_shot, shot_id))

        self.app.push_screen(Confirm(confirmation), answered)

    def action_new_project(self) -> None:
        """Ask a name and an aspect ratio (the chosen project's first), then make a project
        like the chosen one, with its "Default Shot"; it becomes the choice."""
        chosen = self.model.state.project
        current = chosen.project.aspect_ratio if chosen is not None else None

        def answered(answer: tuple[str, str] | None) -> None:
            if answer is not None:
                name, ratio = answer
                self.run_command(partial(self.model.create_project, name, ratio))

        self.app.push_screen(NewProject(ASPECT_RATIOS, current), answered)

    def action_aspect_ratio(self, where: str = "cursor") -> None:
        """Choose the aspect ratio of the project under the cursor (or of its shot's) from
        Reigh's list, the current one first under the cursor."""
        project_id = self._project(where)
        if project_id is None:
            return
        current = next((e.project.aspect_ratio for e in self.model.state.projects
                        if e.project.id == project_id), None)  # fmt: skip
        name = printable(self._name_of(project_id, None))

        def chosen(ratio: str | None) -> None:
            if ratio is not None and ratio != current:
                self.run_command(partial(self.model.set_aspect_ratio, project_id, ratio))

        self.app.push_screen(PickOne(f"Aspect ratio of '{name}'", ASPECT_RATIOS, current),
                             chosen)  # fmt: skip


def _project_label(entry: ProjectSummary) -> str:
    """A project's node: its name, aspect ratio and total (once counted)."""
    total = f" [dim]{entry.counts.total}[/]" if entry.counted else ""
    ratio = entry.project.aspect_ratio
    shown = f" [i]{escape(printable(ratio))}[/]" if ratio else ""
    return f"[b]{escape(printable(entry.project.name))}[/]{shown}{total}"


def _shot_label(entry: ShotSummary) -> str:
    """A shot's node: its name, total and (on yellow) its unpositioned images, once counted."""
    label = escape(printable(entry.shot.name))
    if entry.counted:
        counts = entry.counts
        label += f" [dim]{counts.total}[/]"
        if counts.unpositioned:
            label += f" [black on yellow] {counts.unpositioned} [/]"
    return label
