"""Projects → shots, with counts and an unpositioned badge; choosing one drives the gallery."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from workbench.errors import printable
from workbench.tui.threads import RendersModel
from workbench.views import NavigatorModel, NavigatorState

Choice = tuple[uuid.UUID, uuid.UUID | None]  # a node's data: (project id, shot id or None)


class Navigator(RendersModel[NavigatorState], Tree[Choice]):
    """Renders a ``NavigatorModel`` as a tree: projects with their totals, their shots with
    totals and (on yellow) how many items have no timeline frame. The cursor starts on the
    model's choice; selecting a node (enter, click) makes it the choice and posts ``Chosen``
    without folding it (``Tree`` folds a node it selects, so Enter on a project used to hide
    its shots); space folds and unfolds. The other keys are ``Tree``'s (arrows, shift+arrows).

    | Key(s) | Description |
    | :- | :- |
    | enter | Show the project or shot under the cursor. |
    | space | Fold or unfold the project under the cursor. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Show"),
        Binding("space", "toggle_node", "Fold/unfold"),
    ]
    DEFAULT_CSS = """
    Navigator { width: 34; padding: 0 1; }
    """

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

    def render_state(self, state: NavigatorState) -> None:
        """Rebuild the tree when its projects, shots or counts changed (a new choice alone
        does not move the cursor)."""
        shape = tuple(
            (e.project.id, e.project.name, e.counts, tuple((s.shot.id, s.shot.name, s.counts)
                                                           for s in e.shots))
            for e in state.projects
        )  # fmt: skip
        if shape == self._rendered:
            return
        self._rendered = shape
        self.clear()
        chosen: TreeNode[Choice] | None = None
        for entry in state.projects:
            total = f" [dim]{entry.counts.total}[/]" if entry.counts else ""
            node = self.root.add(f"[b]{escape(printable(entry.project.name))}[/]{total}",
                                 data=(entry.project.id, None), expand=True)  # fmt: skip
            if entry.project.id == state.project_id and state.shot_id is None:
                chosen = node
            for shot in entry.shots:
                counts = shot.counts
                label = escape(printable(shot.shot.name))
                if counts is not None:
                    label += f" [dim]{counts.total}[/]"
                    if counts.unpositioned:
                        label += f" [black on yellow] {counts.unpositioned} [/]"
                leaf = node.add_leaf(label, data=(entry.project.id, shot.shot.id))
                if shot.shot.id == state.shot_id:
                    chosen = leaf
        if chosen is not None:
            self.move_cursor(chosen)

    def go_to(self, project_id: uuid.UUID, shot_id: uuid.UUID | None = None) -> None:
        """Choose a project or shot as if its node were selected (the command palette's
        "Go to"): the cursor moves to it, the model remembers it, ``Chosen`` is posted."""
        for project in self.root.children:
            for node in (project, *project.children):
                if node.data == (project_id, shot_id):
                    self.move_cursor(node)
        self.model.select(project_id, shot_id)
        self.post_message(self.Chosen(project_id, shot_id))

    def on_tree_node_selected(self, event: Tree.NodeSelected[Choice]) -> None:
        """Make the selected node the model's choice (remembered) and post ``Chosen``."""
        if event.node.data is not None:
            project_id, shot_id = event.node.data
            self.model.select(project_id, shot_id)
            self.post_message(self.Chosen(project_id, shot_id))
