"""``workbench delete | star | unstar | add-to-shot | remove-from-shot``: the gallery's changes,
from a shell, on one generation or many.

Each command takes one id or several, or ``-`` to read them from stdin, one a line (``workbench
generations --project P --jsonl export | jq -r .id | workbench star -``). However many there
are, the change is one database round trip and one entry in ``workbench history``: one
``workbench undo`` takes all of it back. A batch with one bad id (not a UUID, missing, another
user's, in another project) is refused whole, before anything changes.

Deleting and removing from a shot ask first, once for the whole batch: ``--yes`` goes ahead, a
terminal prompts, a script without ``--yes`` is refused before anything changes.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.cli.output import confirm, connect, print_json, safe
from workbench.errors import NotFoundError, ValidationError
from workbench.ids import as_uuid
from workbench.inputs import MAX_BATCH
from workbench.views.confirm import Confirmation
from workbench.views.detail import delete_confirmation
from workbench.views.gallery import delete_many_confirmation, remove_many_confirmation

if TYPE_CHECKING:
    from workbench.client import Workbench
    from workbench.models import Generation, Shot

STDIN = "-"
# An id is 36 characters; a longer line is not one, and is not read whole (a 1 GB line
# without a newline must not be held in memory to be refused).
_MAX_LINE = 200


def read_ids(values: Sequence[str], what: str = "generation id") -> list[uuid.UUID]:
    """The ids named on the command line, or read from stdin for ``-``: every one checked (a
    bad one is refused, naming it, before the database is touched), repeats dropped, at most
    ``MAX_BATCH``."""
    if STDIN in values and len(values) > 1:
        raise ValidationError("'-' reads the ids from stdin: give it alone, without other ids")
    texts = _stdin_lines(what) if list(values) == [STDIN] else list(values)
    ids = list(dict.fromkeys(as_uuid(text, what) for text in texts))
    if len(ids) > MAX_BATCH:
        raise ValidationError(f"{len(ids):,} {what}s; at most {MAX_BATCH:,} at a time")
    return ids


def _stdin_lines(what: str) -> list[str]:
    """Non-blank lines of stdin, read as bytes (a byte that is not UTF-8 becomes U+FFFD and
    is refused as an id, never a ``UnicodeDecodeError``); stops reading past ``MAX_BATCH``."""
    stream = getattr(sys.stdin, "buffer", None)
    lines: list[str] = []
    number = 0
    while True:
        number += 1
        raw = stream.readline(_MAX_LINE) if stream is not None else sys.stdin.readline(_MAX_LINE)
        if not raw:
            break
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        if len(text) >= _MAX_LINE and not text.endswith("\n"):
            raise ValidationError(f"stdin line {number} is too long to be a {what}")
        if text.strip():
            lines.append(text.strip())
        if len(lines) > MAX_BATCH:
            raise ValidationError(
                f"more than {MAX_BATCH:,} {what}s on stdin; at most {MAX_BATCH:,} at a time"
            )
    if not lines:
        raise ValidationError(f"no {what}s on stdin (one a line): nothing was changed")
    return lines


def ask(question: Confirmation) -> None:
    """``confirm`` without ``--yes``: a script is refused, a terminal asks; a terminal whose
    input has ended (the ids were typed on it, ended by ctrl-D) cancels, changing nothing."""
    try:
        confirm(question, False)
    except EOFError:
        raise ValidationError("cancelled: nothing was changed (add --yes to go ahead)") from None


def items_by_id(
    wb: Workbench, ids: Sequence[uuid.UUID], shot: Shot | None = None
) -> list[Generation]:
    """The generations, in the order given, for a confirmation (with ``shot``, each with its
    frame there), in one round trip; one missing or another user's is refused
    (``NotFoundError``) before anything is asked or changed."""
    return list(wb.generations_by_id(ids, shot=None if shot is None else shot.id))


def _shot_names(wb: Workbench, items: Sequence[Generation]) -> dict[uuid.UUID, str]:
    """The names of the shots of the items' projects (one read per project; a batch that
    spans projects is refused by the core anyway, after this)."""
    names: dict[uuid.UUID, str] = {}
    for project_id in dict.fromkeys(item.project_id for item in items):
        names.update((shot.id, shot.name) for shot in wb.shots(project_id))
    return names


def run_delete(args: argparse.Namespace) -> int:
    ids = read_ids(args.generations)
    with connect() as wb:
        if not args.yes:
            ask(_delete_question(wb, ids))
        wb.delete_generation(ids)
        _done(wb, args.json)
    return 0


def _delete_question(wb: Workbench, ids: Sequence[uuid.UUID]) -> Confirmation:
    if len(ids) == 1:
        return delete_confirmation(wb.generation_detail(ids[0]))
    items = items_by_id(wb, ids)
    return delete_many_confirmation(items, _shot_names(wb, items))


def run_star(args: argparse.Namespace) -> int:
    ids = read_ids(args.generations)
    with connect() as wb:
        wb.star(ids, args.starred)
        _done(wb, args.json)
    return 0


def run_add(args: argparse.Namespace) -> int:
    ids = read_ids(args.generations)
    frame: int | str | None = "end"
    if args.unpositioned:
        frame = None
    elif args.frame is not None:
        if len(ids) != 1:
            raise ValidationError(
                "--frame places one generation; several go to the end of the timeline "
                "(the default, 50 frames apart) or --unpositioned"
            )
        frame = args.frame
    with connect() as wb:
        shot = _shot(wb, args)
        wb.add_to_shot(ids, shot.id, frame=frame)
        _done(wb, args.json)
    return 0


def run_remove(args: argparse.Namespace) -> int:
    ids = read_ids(args.generations)
    with connect() as wb:
        shot = _shot(wb, args)
        if not args.yes:
            ask(remove_many_confirmation(_in_shot(wb, shot, ids), shot.name))
        wb.remove_from_shot(shot.id, ids)
        _done(wb, args.json)
    return 0


def _shot(wb: Workbench, args: argparse.Namespace) -> Shot:
    place = wb.find(getattr(args, "project", None), args.shot)
    assert place.shot is not None  # find() with a shot named returns it
    return place.shot


def _in_shot(wb: Workbench, shot: Shot, ids: Sequence[uuid.UUID]) -> list[Generation]:
    """The items as the shot's timeline shows them (with their frames, for the question), in
    the order given. One that is not in the shot is refused here, before anything is asked."""
    items = items_by_id(wb, ids, shot)
    for item in items:
        if item.shot_generation_id is None and shot.id not in item.shot_ids:
            raise NotFoundError(
                f"generation {item.id} is not in shot '{shot.name}'; nothing was changed"
            )
    return items


def _done(wb: Workbench, as_json: bool) -> None:
    """The change just recorded: one line, or its JSON (``workbench history --json``'s)."""
    summary = wb.history()[0].summary()
    if as_json:
        print_json(summary)
    else:
        print(f"{safe(str(summary['description']))} (undo with: workbench undo)")


def _ids_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "generations", nargs="+", metavar="ID",
        help="generation ids, or - to read them from stdin (one a line)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="the recorded change as JSON")


def _shot_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--shot", required=True, default=argparse.SUPPRESS,
                        help="the shot (name or id)")  # fmt: skip
    parser.add_argument("--project", default=argparse.SUPPRESS,
                        help="the shot's project, when its name is not unique")  # fmt: skip


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    d = sub.add_parser(
        "delete", help="delete generations (asks once for all; one undo brings them back)"
    )
    _ids_argument(d)
    d.add_argument("--yes", "-y", action="store_true", help="go ahead without asking")
    d.set_defaults(func=run_delete)

    for name, starred in (("star", True), ("unstar", False)):
        s = sub.add_parser(name, help=f"{name} generations (one undo for all)")
        _ids_argument(s)
        s.set_defaults(func=run_star, starred=starred)

    a = sub.add_parser(
        "add-to-shot",
        help="add generations to a shot: at the end of its timeline, 50 frames apart, in the "
        "order given (one undo for all)",
    )
    _ids_argument(a)
    _shot_arguments(a)
    where = a.add_mutually_exclusive_group()
    where.add_argument("--unpositioned", action="store_true",
                       help="in the shot without a place on its timeline")  # fmt: skip
    where.add_argument("--frame", type=int, metavar="N",
                       help="at this frame of the timeline (one generation only)")  # fmt: skip
    a.set_defaults(func=run_add)

    r = sub.add_parser(
        "remove-from-shot",
        help="remove generations from a shot (asks once for all; one undo for all)",
    )
    _ids_argument(r)
    _shot_arguments(r)
    r.add_argument("--yes", "-y", action="store_true", help="go ahead without asking")
    r.set_defaults(func=run_remove)
