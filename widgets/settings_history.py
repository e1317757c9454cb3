"""The settings widget's history and diff: what was written when (restore an entry after a
confirm row), and this target's settings against its project, another shot or project.

``SettingsHistory`` renders a ``HistoryModel``, ``SettingsDiff`` a ``DiffModel``; ``Extras``
is what the ``Settings`` widget adds for them: a "History" and a "Compare" toggle, and the
panel where the one switched on shows, for the target the settings widget shows now.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from workbench.client import Workbench
from workbench.views.presentation import scope_badge
from workbench.views.settings import SettingsModel
from workbench.views.settings_history import (
    DiffModel,
    DiffState,
    EntryRow,
    HistoryModel,
    HistoryState,
)

from .confirm import ConfirmRow
from .render import MUTED, Renderer, error_line


def _badge(scope: str | None) -> str:
    if not scope:
        return f"<span style='color:{MUTED}'>-</span>"
    return scope_badge(scope)  # type: ignore[arg-type]


def entry_html(entry: EntryRow) -> str:
    """One entry: number, when, scope badge and target, note; then each field old → new."""
    note = f" <i>({html.escape(entry.note)})</i>" if entry.note else ""
    head = (f"<b>#{entry.id}</b> <span style='font-size:12px'>{entry.when}</span> "
            f"{scope_badge(entry.scope)} {html.escape(entry.target)}{note}")  # fmt: skip
    fields = "".join(
        f"<div style='margin-left:2em'><code>{html.escape(c.path)}</code>: "
        f"{html.escape(c.old)} → {html.escape(c.new)}</div>"
        for c in entry.changes
    )
    return head + fields


class SettingsHistory(W.VBox):
    """``SettingsHistory(wb, tool, project=..., shot=...)``: the tool's recorded writes for the
    target, newest first, each with a restore button that asks in a confirm row first."""

    _built = False

    def __init__(
        self,
        wb: Workbench,
        tool: str,
        *,
        project: Any = None,
        shot: Any = None,
        model: HistoryModel | None = None,
    ) -> None:
        self.model = model or HistoryModel(wb, tool, project_id=project, shot_id=shot)
        self._rendering = Renderer()
        self.where = W.HTML()
        self.inherited = W.Checkbox(description="with the project's and user's writes",
                                    indent=False)  # fmt: skip
        self.confirm = ConfirmRow()
        self.message = W.HTML()
        self.error = W.HTML()
        self.entries = W.VBox()
        self.restore_buttons: dict[int, W.Button] = {}
        self.inherited.observe(self._toggle, "value")
        for name in ("where", "inherited", "message", "error", "entries"):
            getattr(self, name).add_class(f"wb-history-{name}")
        super().__init__([W.HBox([self.inherited, self.where]), self.confirm, self.message,
                          self.error, self.entries])  # fmt: skip
        self.add_class("wb-settings-history")
        self._unsubscribe = self.model.subscribe(self._render)
        self._render(self.model.state)
        self._built = True

    def restore(self, entry_id: int) -> None:
        """Ask in the confirm row; the restore runs when the user clicks its verb."""
        confirmation = self.model.confirmation(entry_id)
        if confirmation is not None:
            self.confirm.ask(confirmation, lambda: self.model.restore(entry_id))

    def _toggle(self, change: dict[str, Any]) -> None:
        if not self._rendering.active and change["new"] != self.model.state.inherited:
            self.model.toggle_inherited()

    def _render(self, state: HistoryState) -> None:
        self._rendering(self._show, state)

    def _show(self, state: HistoryState) -> None:
        self.where.value = f"<span style='font-size:12px'>{html.escape(state.where)}</span>"
        self.inherited.value = state.inherited
        self.message.value = html.escape(state.message or "")
        self.error.value = error_line(state.error)
        rows, self.restore_buttons = [], {}
        for entry in state.entries:
            button = W.Button(description="restore", tooltip="go back to before this change",
                              layout=W.Layout(width="72px"))  # fmt: skip
            button.add_class(f"wb-restore-{entry.id}")
            button.on_click(lambda _, entry_id=entry.id: self.restore(entry_id))
            self.restore_buttons[entry.id] = button
            rows.append(W.HBox([button, W.HTML(entry_html(entry))]))
        for old in self.entries.children:
            old.close()
        self.entries.children = rows

    def close(self) -> None:
        """Stop rendering the model and remove the widget."""
        if self._built:
            self._unsubscribe()
            self.model.close()
        super().close()


class SettingsDiff(W.VBox):
    """``SettingsDiff(wb, tool, shot=...)``: the fields whose resolved values differ between the
    target and the one chosen in "compare with" (a shot's project first), each side's value
    with its scope badge."""

    _built = False

    def __init__(
        self,
        wb: Workbench,
        tool: str,
        *,
        project: Any = None,
        shot: Any = None,
        model: DiffModel | None = None,
    ) -> None:
        self.model = model or DiffModel(wb, tool, project_id=project, shot_id=shot)
        self._rendering = Renderer()
        self.choice = W.Dropdown(description="compare with", layout=W.Layout(width="360px"))
        self.summary = W.HTML()
        self.error = W.HTML()
        self.table = W.HTML()
        self.choice.observe(self._chosen, "value")
        for name in ("choice", "summary", "error", "table"):
            getattr(self, name).add_class(f"wb-diff-{name}")
        super().__init__([self.choice, self.summary, self.error, self.table])
        self.add_class("wb-settings-diff")
        self._unsubscribe = self.model.subscribe(self._render)
        self._render(self.model.state)
        self._built = True

    def _chosen(self, change: dict[str, Any]) -> None:
        if not self._rendering.active and change["new"]:
            self.model.compare(change["new"])

    def _render(self, state: DiffState) -> None:
        self._rendering(self._show, state)

    def _show(self, state: DiffState) -> None:
        options = tuple((c.label, c.key) for c in state.choices)
        if tuple(self.choice.options) != options:
            self.choice.options = options
        self.choice.value = state.chosen
        self.summary.value = f"<b>{html.escape(state.summary)}</b>"
        self.error.value = error_line(state.error)
        head = (f"<tr><th align='left'>field</th><th align='left'>{html.escape(state.a)}</th>"
                f"<th></th><th align='left'>{html.escape(state.b)}</th><th></th></tr>")  # fmt: skip
        rows = "".join(
            f"<tr><td><code>{html.escape(r.path)}</code></td><td>{html.escape(r.a)}</td>"
            f"<td>{_badge(r.a_scope)}</td><td>{html.escape(r.b)}</td><td>{_badge(r.b_scope)}</td>"
            "</tr>"
            for r in state.rows
        )
        self.table.value = f"<table style='border-spacing:8px 2px'>{head}{rows}</table>"

    def close(self) -> None:
        """Stop rendering the model and remove the widget."""
        if self._built:
            self._unsubscribe()
            self.model.close()
        super().close()


class Extras:
    """What the ``Settings`` widget shows besides its fields: "History" and "Compare" toggles
    (``buttons``, for its header) and ``panel``, where the one switched on shows the current
    tool and target (made when switched on, closed when switched off)."""

    def __init__(self, wb: Workbench, model: SettingsModel) -> None:
        self.wb, self.model = wb, model
        self.history = W.ToggleButton(description="History", tooltip="what was written when")
        self.compare = W.ToggleButton(
            description="Compare", tooltip="against its project, another shot or project"
        )
        self.history.add_class("wb-history-toggle")
        self.compare.add_class("wb-compare-toggle")
        self.panel = W.VBox()
        self.shown: SettingsHistory | SettingsDiff | None = None
        self.history.observe(lambda change: self._toggle("history", change["new"]), "value")
        self.compare.observe(lambda change: self._toggle("compare", change["new"]), "value")

    @property
    def buttons(self) -> list[W.Widget]:
        """The two toggles, for the settings widget's header."""
        return [self.history, self.compare]

    def _toggle(self, which: str, on: bool) -> None:
        if on:  # one at a time: switching one on switches the other off
            (self.compare if which == "history" else self.history).value = False
        self._close_shown()
        if not on:
            return
        state = self.model.state
        project = state.target_id if state.scope == "project" else None
        shot = state.target_id if state.scope == "shot" else None
        kind = SettingsHistory if which == "history" else SettingsDiff
        self.shown = kind(self.wb, state.tool_id, project=project, shot=shot)
        self.panel.children = [self.shown]

    def _close_shown(self) -> None:
        if self.shown is not None:
            self.shown.close()
            self.shown = None
        self.panel.children = []

    def close(self) -> None:
        """Close what is shown and the toggles."""
        self._close_shown()
        for widget in (self.history, self.compare, self.panel):
            widget.close()
