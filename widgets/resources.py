"""The LoRAs widget: your LoRAs, newest first, each with an "add to <scope>" button that adds
it to a tool's LoRA list for the current place (its shot, its project or the user), at the
strength chosen. It renders ``ResourcesModel``; the words come from ``workbench.views``.
Colours are JupyterLab's theme variables; the status line ends with the connection's word.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from workbench.client import Workbench
from workbench.resources import MAX_STRENGTH, MIN_STRENGTH
from workbench.views.connection import workbench_connection
from workbench.views.navigator import starting_point
from workbench.views.resources import (
    COLUMNS,
    LORA_TOOLS,
    LoraRow,
    ResourcesModel,
    ResourcesState,
)

from .render import MUTED, OK, Renderer, error_line
from .session import resolve
from .status import status_html


def row_html(row: LoraRow) -> str:
    """One LoRA's cells, escaped, in ``COLUMNS`` order."""
    cells = "".join(
        f"<td style='width:150px;padding:0 4px'>{html.escape(c)}</td>" for c in row.cells
    )  # fmt: skip
    return f"<table style='font-size:12px'><tr>{cells}</tr></table>"


class Resources(W.VBox):
    """``Resources(wb, project=..., shot=..., tool=...)``: your LoRAs; "add to shot" on a row
    adds it to the tool's LoRA list there (choose the tool, the scope and the strength
    above the list); ``wb.undo()`` (or an Undo button) takes an add back."""

    _built = False

    def __init__(
        self,
        wb: Workbench | None = None,
        *,
        project: Any = None,
        shot: Any = None,
        tool: str = LORA_TOOLS[0],
        model: ResourcesModel | None = None,
    ) -> None:
        self.wb = resolve(wb)
        if model is None:
            project_id, shot_id = starting_point(self.wb, project, shot)
            model = ResourcesModel(self.wb, tool_id=tool, project_id=project_id, shot_id=shot_id)
        self.model = model
        self._rendering = Renderer()
        self.tool = W.Dropdown(options=LORA_TOOLS, value=model.state.tool_id, description="tool")
        self.scope = W.Dropdown(description="add at")
        self.strength = W.BoundedFloatText(value=model.state.strength, min=MIN_STRENGTH,
                                           max=MAX_STRENGTH, step=0.05,
                                           description="strength")  # fmt: skip
        self.reload = W.Button(description="reload", layout=W.Layout(width="80px"))
        self.summary = W.HTML()  # the status line: how many LoRAs, then the connection
        self.line = W.HTML()
        self.rows = W.VBox()
        self.add_buttons: dict[str, W.Button] = {}
        for name in ("tool", "scope", "strength", "reload", "summary", "line", "rows"):
            getattr(self, name).add_class(f"wb-loras-{name}")
        self.tool.observe(self._tool, "value")
        self.scope.observe(self._scope, "value")
        self.strength.observe(self._strength, "value")
        self.reload.on_click(lambda _: self.model.load())
        header = "".join(
            f"<th style='width:150px;padding:0 4px;text-align:left;color:{MUTED}'>{c}</th>"
            for c in COLUMNS
        )
        super().__init__([
            W.HBox([self.tool, self.scope, self.strength, self.reload]),
            W.HBox([self.summary, self.line]),
            W.HTML(f"<table style='font-size:12px;margin-left:124px'><tr>{header}</tr></table>"),
            self.rows,
        ])  # fmt: skip
        self.add_class("wb-loras")
        self._unsubscribe: Any = lambda: None
        self._bind(model)
        # The connection's word follows the workbench's health (told on a thread of its own).
        self._unhealthy = self.wb.health.changed.add(
            lambda _: self._rendering(self._show_status, self.model.state)
        )
        self._built = True

    def retarget(self, *, project_id: Any, shot_id: Any = None) -> None:
        """Add to another place from now on (the workbench's navigator chose it); the tool
        and the strength stay."""
        old = self.model.state
        model = ResourcesModel(self.wb, tool_id=old.tool_id, project_id=project_id,
                               shot_id=shot_id)  # fmt: skip
        model.set_strength(old.strength)
        if old.scope in model.state.scopes:
            model.choose_scope(old.scope)
        self.model.close()
        self._bind(model)

    def _bind(self, model: ResourcesModel) -> None:
        self._unsubscribe()
        self.model = model
        self._unsubscribe = model.subscribe(self._render)
        model.load()
        self._render(model.state)

    def add(self, resource_id: Any) -> bool:
        """Add a LoRA (a row's id) where the tool, scope and strength above say."""
        return self.model.add(resource_id)

    # -- user changes ----------------------------------------------------------------------
    def _tool(self, change: dict[str, Any]) -> None:
        if not self._rendering.active:
            self.model.choose_tool(change["new"])

    def _scope(self, change: dict[str, Any]) -> None:
        if not self._rendering.active and change["new"]:
            self.model.choose_scope(change["new"])

    def _strength(self, change: dict[str, Any]) -> None:
        if not self._rendering.active:
            self.model.set_strength(change["new"])

    # -- rendering -------------------------------------------------------------------------
    def _render(self, state: ResourcesState) -> None:
        self._rendering(self._show, state)

    def _show(self, state: ResourcesState) -> None:
        self.tool.value = state.tool_id
        options = [(name, scope) for scope, name in state.places]
        if list(self.scope.options) != options:
            self.scope.options = options
        self.scope.value = state.scope
        self.strength.value = state.strength
        self._show_status(state)
        if state.error:
            self.line.value = error_line(state.error)
        else:
            colour = OK if state.notice else MUTED
            text = html.escape(state.notice or state.line)
            self.line.value = f"<span style='color:{colour}'>{text}</span>"
        rows, self.add_buttons = [], {}
        for row in state.rows:
            button = W.Button(description=state.add_label, layout=W.Layout(width="120px"),
                              tooltip=f"add to {state.where}")  # fmt: skip
            button.add_class(f"wb-add-lora-{row.id}")
            button.on_click(lambda _, rid=row.id: self.add(rid))
            self.add_buttons[str(row.id)] = button
            rows.append(W.HBox([button, W.HTML(row_html(row))]))
        for old in self.rows.children:
            old.close()
        self.rows.children = rows

    def _show_status(self, state: ResourcesState) -> None:
        """The status line: how many LoRAs, then the connection's word."""
        connection = workbench_connection(self.wb, loading=state.loading)
        self.summary.value = status_html(state.summary, connection)

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Stop rendering the model and remove the widget."""
        if self._built:
            self._unsubscribe()
            self._unhealthy()
            self.model.close()
        super().close()

    def __repr__(self) -> str:
        state = self.model.state
        return f"<Resources {state.summary} · {state.add_label} ({state.where})>"
