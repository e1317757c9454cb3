"""The changes a session made (its undo history) as every front end shows them.

``wb.history()`` returns ``Change`` records; a list of them, the words for their kinds, how a
time is written, a conflict's message and the question before forcing an undo are decided
here once, so the TUI's changes screen and a notebook's list say the same thing. No state and
no commands: the list is ``wb.history()`` and the command ``wb.undo()``, so there is nothing
for a view model to keep.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from workbench.changes import Change
from workbench.changes.rows import FORCE_HINT
from workbench.errors import first_line
from workbench.views.confirm import Confirmation

TITLE = "Changes made this session"
EMPTY = "no change made in this session yet"
UNDONE = "undone"
CLI_FORCE = "workbench undo --force"  # how the shell forces an undo, for any front end's hint
NOTHING_CHANGED = "nothing was changed"

# A change's kind (``workbench.changes.record.KINDS``) as a list shows it.
KIND_LABELS = {
    "star": "star",
    "add-to-shot": "add to shot",
    "remove-from-shot": "remove from shot",
    "reorder": "reorder",
    "delete": "delete",
    "set-primary": "set primary",
    "settings": "settings",
    "upload": "upload",
}


def when_text(at: datetime) -> str:
    """When a change was made, in this machine's time zone, to the second: a session's
    changes are all from today, so the date would only crowd the list."""
    return at.astimezone().strftime("%H:%M:%S")


def kind_text(kind: str) -> str:
    """A kind as words ("add to shot"); a kind this version does not know, as recorded."""
    return KIND_LABELS.get(kind, kind)


@dataclass(frozen=True)
class ChangeRow:
    """One change as a list shows it: its ``id`` (to find it again), ``when`` (HH:MM:SS,
    local time), ``kind`` in words, the one-line ``description`` and whether it was undone
    (a front end greys an undone row and marks it ``status``)."""

    id: str
    when: str
    kind: str
    description: str
    undone: bool

    @classmethod
    def of(cls, change: Change) -> ChangeRow:
        """The row of a recorded change."""
        return cls(
            change.id, when_text(change.at), kind_text(change.kind), change.description,
            change.undone,
        )  # fmt: skip

    @property
    def status(self) -> str:
        """ "undone", or nothing for a change still in effect."""
        return UNDONE if self.undone else ""


def change_rows(changes: Iterable[Change]) -> tuple[ChangeRow, ...]:
    """The rows of ``changes``, in their order (``wb.history()`` is newest first)."""
    return tuple(ChangeRow.of(c) for c in changes)


def summary_text(rows: tuple[ChangeRow, ...]) -> str:
    """A line over the list: how many changes, how many undone, or that there are none."""
    if not rows:
        return EMPTY
    count = len(rows)
    undone = sum(r.undone for r in rows)
    text = f"{count} change{'s' * (count != 1)}"
    return f"{text}, {undone} undone" if undone else text


def conflict_reason(exc: BaseException) -> str:
    """What an undo's ``ConflictError`` says changed, without the API's hint
    (``force=True``): a front end says instead how its user forces the undo."""
    return first_line(exc).replace(FORCE_HINT, NOTHING_CHANGED)


def conflict_text(exc: BaseException, how_to_force: str) -> str:
    """A conflict's message with the front end's way to force it ("press F to force")."""
    return f"{conflict_reason(exc)}; {how_to_force}"


def force_confirmation(change: Change | ChangeRow, reason: str | None = None) -> Confirmation:
    """The question before forcing the undo of ``change``: forcing overwrites a newer change
    made elsewhere, which no undo brings back, so the user sees what (``reason``, the
    conflict's message, when known) before going ahead."""
    details = (f"Conflict: {_what_changed(reason, change.description)}",) if reason else ()
    over = "anyway, over" if reason else "even over"
    return Confirmation(
        f"Undo {change.description} {over} a newer change made elsewhere?",
        "Overwrite and undo",
        (*details, "What was changed since is overwritten; no undo brings it back."),
    )


def _what_changed(reason: str, description: str) -> str:
    """A conflict's reason without what the question already says (the change, and that
    nothing was changed)."""
    what = reason.removeprefix(f"cannot undo {description!r}: ")
    return what.removesuffix(f"; {NOTHING_CHANGED}")
