"""``workbench shots``: a project's shots from a shell, as the navigator manages them.

``list`` shows them in the project's order with Reigh's counts; ``create`` (empty, or from
generation ids in order, as "new shot from selection" does), ``rename``, ``reorder``,
``duplicate`` and ``delete`` (asks first) change them; ``position`` gives an item of a shot
a place on its timeline and ``move`` takes items from one shot to another. Every change is
one transaction in the core and one entry in ``workbench history``: ``workbench undo`` takes
it back (a deleted shot comes back with the same ids, its timeline and its settings).

Shots are named by name or id (``wb.find``): a name alone works when it is unique among the
project's shots. Wrong input is refused with one line on stderr before anything changes.
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from workbench.cli.edit import ask, read_ids
from workbench.cli.output import connect, print_json, safe
from workbench.errors import NotFoundError, echo
from workbench.ids import as_uuid, is_uuid
from workbench.inputs import check_text
from workbench.manage.projects import check_aspect_ratio
from workbench.manage.service import check_name

if TYPE_CHECKING:
    from workbench.client import Workbench
    from workbench.models import Project, Shot
    from workbench.projects import ProjectSummary, ShotSummary
    from workbench.views.confirm import Confirmation


# -- shared ------------------------------------------------------------------------------------
def shot_json(shot: Shot) -> dict[str, Any]:
    """A shot as ``--json`` gives it: its record's fields (``id`` first, for ``jq -r .id``)."""
    return {
        "id": str(shot.id), "project_id": str(shot.project_id), "name": shot.name,
        "position": shot.position, "aspect_ratio": shot.aspect_ratio,
        "created_at": shot.created_at.isoformat() if shot.created_at else None,
        "updated_at": shot.updated_at.isoformat() if shot.updated_at else None,
    }  # fmt: skip


def _text(value: str, what: str) -> str:
    """A name given on the command line, checked before the database is started (a NUL byte
    or a byte that is not UTF-8 is refused naming the argument). No length limit: a name
    Reigh stored may be longer than ours may be."""
    return check_text(value, what, len(value))


def _project(wb: Workbench, ref: str) -> Project:
    return wb.find(_text(ref, "--project")).project


def _shot(wb: Workbench, project: str, ref: str) -> Shot:
    """The shot named (name or id) in the project: ``wb.find``'s rules and words."""
    place = wb.find(_text(project, "--project"), _text(ref, "a shot"))
    assert place.shot is not None  # find() with a shot named returns it or raises
    return place.shot


def _summary(wb: Workbench, project_id: uuid.UUID) -> ProjectSummary:
    """The project with its shots and their counts, as the navigator lists them."""
    for summary in wb.overview():
        if summary.project.id == project_id:
            return summary
    raise NotFoundError(f"project {project_id} not found among the current user's")


def _recorded(wb: Workbench, before: int) -> dict[str, Any] | None:
    """The change the command just recorded (``workbench history --json``'s), or None when
    there was nothing to change (an order already so, an item already in its place)."""
    history = wb.history()
    return history[0].summary() if len(history) > before else None


def _say(change: dict[str, Any] | None, nothing: str) -> None:
    if change is None:
        print(safe(nothing))
    else:
        print(f"{safe(str(change['description']))} (undo with: workbench undo)")


def _done_with_shot(wb: Workbench, shot: Shot, before: int, as_json: bool) -> None:
    """Print the shot (``--json``: the shot with the recorded change) or the one line."""
    change = _recorded(wb, before)
    if as_json:
        print_json({**shot_json(shot), "change": change})
    else:
        _say(change, f"shot '{shot.name}': nothing changed")


def _done(wb: Workbench, before: int, as_json: bool, nothing: str, **extra: Any) -> None:
    change = _recorded(wb, before)
    if as_json:
        print_json({**extra, "change": change})
    else:
        _say(change, nothing)


# -- list --------------------------------------------------------------------------------------
def _row(entry: ShotSummary, project_ratio: str | None) -> dict[str, Any]:
    counts = entry.counts
    return {
        **shot_json(entry.shot),
        # What tiles are shaped by: the shot's own ratio, else its project's (as in Reigh).
        "effective_aspect_ratio": entry.shot.aspect_ratio or project_ratio,
        "counts": {"total": counts.total, "positioned": counts.positioned,
                   "unpositioned": counts.unpositioned, "videos": counts.videos},
    }  # fmt: skip


def run_list(args: argparse.Namespace) -> int:
    with connect() as wb:
        summary = _summary(wb, _project(wb, args.project).id)
    project = summary.project
    rows = [_row(entry, project.aspect_ratio) for entry in summary.shots]
    if args.json:
        print_json(rows)
        return 0
    n = len(rows)
    print(f"{safe(project.name)}: {n} shot{'s' if n != 1 else ''} "
          f"(aspect ratio {safe(project.aspect_ratio or '?')})")  # fmt: skip
    if not rows:
        return 0
    width = max(len(safe(row["name"])) for row in rows)
    # The counts in Reigh's words; a ratio in brackets is the project's (the shot has none).
    print(f"  {'#':>3}  {'name':<{width}}  {'total':>5} {'positioned':>10} "
          f"{'unpositioned':>12} {'videos':>6}  {'ratio':<6}  id")  # fmt: skip
    for row in rows:
        c = row["counts"]
        own = row["aspect_ratio"]
        ratio = own if own else f"({row['effective_aspect_ratio'] or '?'})"
        position = "" if row["position"] is None else row["position"]
        print(f"  {position:>3}  {safe(row['name']):<{width}}  {c['total']:>5} "
              f"{c['positioned']:>10} {c['unpositioned']:>12} {c['videos']:>6}  "
              f"{safe(ratio):<6}  {row['id']}")  # fmt: skip
    return 0


# -- create, rename, reorder, duplicate, delete ------------------------------------------------
def run_create(args: argparse.Namespace) -> int:
    name = None if args.name is None else check_name(args.name, "a shot's name")
    ratio = None if args.aspect_ratio is None else check_aspect_ratio(args.aspect_ratio)
    ids = read_ids(args.ids) if args.ids else None
    with connect() as wb:
        project = _project(wb, args.project)
        before = len(wb.history())
        shot = wb.create_shot(project.id, name, generation_ids=ids, aspect_ratio=ratio)
        _done_with_shot(wb, shot, before, args.json)
    return 0


def run_rename(args: argparse.Namespace) -> int:
    name = check_name(args.name, "a shot's name")
    with connect() as wb:
        shot = _shot(wb, args.project, args.shot)
        before = len(wb.history())
        renamed = wb.rename_shot(shot.id, name)
        _done_with_shot(wb, renamed, before, args.json)
    return 0


def run_reorder(args: argparse.Namespace) -> int:
    refs = [_text(ref, "a shot") for ref in args.shots]
    with connect() as wb:
        project = _project(wb, args.project)
        ids = _shot_ids(wb, project, refs)
        before = len(wb.history())
        wb.reorder_shots(project.id, ids)
        order = [shot_json(s) for s in wb.shots(project.id)] if args.json else []
        _done(wb, before, args.json, "the shots were already in that order: nothing changed",
              shots=order)  # fmt: skip
    return 0


def _shot_ids(wb: Workbench, project: Project, refs: Sequence[str]) -> list[uuid.UUID]:
    """The project's shots named (names or ids), from one read of its shots rather than one
    ``find`` per name; a name that matches none or several is refused as ``find`` does."""
    shots = wb.shots(project.id)
    ids: list[uuid.UUID] = []
    for ref in refs:
        if is_uuid(ref) and as_uuid(ref) in {s.id for s in shots}:
            ids.append(as_uuid(ref))
            continue
        named = [s.id for s in shots if s.name == ref]
        if len(named) > 1:
            raise NotFoundError(f"several shots are named {echo(ref)}; use its id")
        if not named:
            raise NotFoundError(f"no shot {echo(ref)} in project {echo(project.name)}")
        ids.append(named[0])
    return ids


def run_duplicate(args: argparse.Namespace) -> int:
    name = None if args.name is None else check_name(args.name, "a shot's name")
    with connect() as wb:
        shot = _shot(wb, args.project, args.shot)
        before = len(wb.history())
        copy = wb.duplicate_shot(shot.id, name)
        _done_with_shot(wb, copy, before, args.json)
    return 0


def run_delete(args: argparse.Namespace) -> int:
    with connect() as wb:
        shot = _shot(wb, args.project, args.shot)
        if not args.yes:
            ask(delete_question(wb, shot))
        before = len(wb.history())
        wb.delete_shot(shot.id)
        _done_with_shot(wb, shot, before, args.json)
    return 0


def delete_question(wb: Workbench, shot: Shot) -> Confirmation:
    """What the navigator asks before deleting a shot: the same words, from the same counts
    (``workbench.views.navigator.delete_shot_confirmation``)."""
    from workbench.views.navigator import delete_shot_confirmation

    for entry in _summary(wb, shot.project_id).shots:
        if entry.shot.id == shot.id:
            return delete_shot_confirmation(entry)
    raise NotFoundError(f"shot {shot.id} not found among the current user's")  # deleted meanwhile


# -- timelines ---------------------------------------------------------------------------------
def run_position(args: argparse.Namespace) -> int:
    gid = as_uuid(args.generation, "generation id")
    before_id = None if args.before is None else as_uuid(args.before, "generation id")
    after_id = None if args.after is None else as_uuid(args.after, "generation id")
    with connect() as wb:
        shot = _shot(wb, args.project, args.shot)
        before = len(wb.history())
        frame = wb.position_in_shot(shot.id, gid, before=before_id, after=after_id)
        _done(wb, before, args.json, f"already at frame {frame}: nothing changed",
              shot_id=str(shot.id), generation_id=str(gid), frame=frame)  # fmt: skip
    return 0


def run_move(args: argparse.Namespace) -> int:
    ids = read_ids(args.generations)
    with connect() as wb:
        source = _shot(wb, args.project, args.from_shot)
        target = _shot(wb, args.project, args.to_shot)
        before = len(wb.history())
        wb.move_to_shot(ids, source.id, target.id, positioned=not args.unpositioned)
        _done(wb, before, args.json, "nothing moved",
              from_shot_id=str(source.id), to_shot_id=str(target.id),
              generation_ids=[str(i) for i in ids])  # fmt: skip
    return 0


# -- the parser --------------------------------------------------------------------------------
def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``workbench shots VERB --project P ...``."""
    p = sub.add_parser("shots", help="a project's shots: list, create, rename, reorder, ...")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)

    def verb(name: str, help_text: str, json_help: str = "the shot as JSON") -> Any:
        v = verbs.add_parser(name, help=help_text)
        v.add_argument("--project", required=True, help="the project (name or id)")
        v.add_argument("--json", action="store_true", help=json_help)
        return v

    ls = verb("list", "the project's shots in order, with their counts",
              "the shots with their counts")  # fmt: skip
    ls.set_defaults(func=run_list)

    cr = verb("create", "a new shot at the end (empty, or from generation ids in order)")
    cr.add_argument("name", nargs="?", help='its name (default "Shot N", as in Reigh)')
    cr.add_argument("--ids", nargs="+", metavar="ID",
                    help="generation ids placed on its timeline in this order (0, 50, 100 ...), "
                    "or - to read them from stdin (one a line)")  # fmt: skip
    cr.add_argument("--aspect-ratio", metavar="W:H", help="its own aspect ratio, e.g. 9:16")
    cr.set_defaults(func=run_create)

    rn = verb("rename", "rename a shot")
    rn.add_argument("shot", help="the shot (name or id)")
    rn.add_argument("name", help="its new name")
    rn.set_defaults(func=run_rename)

    ro = verb("reorder", "put shots first, in this order (the others follow as they were)",
              "the recorded change and the new order")  # fmt: skip
    ro.add_argument("shots", nargs="+", metavar="SHOT", help="shots (names or ids)")
    ro.set_defaults(func=run_reorder)

    du = verb("duplicate", "copy a shot to the end: its timeline and its settings")
    du.add_argument("shot", help="the shot (name or id)")
    du.add_argument("--name", help='the copy\'s name (default "<name> (copy)")')
    du.set_defaults(func=run_duplicate)

    de = verb("delete", "delete a shot (asks first; its items stay in the project)",
              "the deleted shot as JSON")  # fmt: skip
    de.add_argument("shot", help="the shot (name or id)")
    de.add_argument("--yes", "-y", action="store_true", help="go ahead without asking")
    de.set_defaults(func=run_delete)

    po = verb("position", "give an item of a shot a place on its timeline (end by default)",
              "the item's new frame and the recorded change")  # fmt: skip
    po.add_argument("shot", help="the shot (name or id)")
    po.add_argument("generation", help="the generation's id")
    where = po.add_mutually_exclusive_group()
    where.add_argument("--before", metavar="ID", help="just before this item of the shot")
    where.add_argument("--after", metavar="ID", help="just after this item of the shot")
    po.set_defaults(func=run_position)

    mv = verb("move", "move items from one shot to another (onto the end of its timeline)",
              "the recorded change")  # fmt: skip
    mv.add_argument("--from", dest="from_shot", required=True, metavar="SHOT",
                    help="the shot they leave (name or id)")  # fmt: skip
    mv.add_argument("--to", dest="to_shot", required=True, metavar="SHOT",
                    help="the shot they join (name or id)")  # fmt: skip
    mv.add_argument("generations", nargs="+", metavar="ID",
                    help="generation ids, or - to read them from stdin (one a line)")  # fmt: skip
    mv.add_argument("--unpositioned", action="store_true",
                    help="without a place on the new timeline (Reigh's unpositioned)")  # fmt: skip
    mv.set_defaults(func=run_move)
