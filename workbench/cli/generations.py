"""``workbench generations``: a page of a gallery, or every match streamed as CSV or JSON lines
for a spreadsheet or another program."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Mapping
from typing import Any

from workbench.cli.output import connect, print_json, safe
from workbench.views.cards import Card, card


def filters_from(args: argparse.Namespace) -> dict[str, Any]:
    """The options as ``GenerationFilters`` fields; a date that is not one is refused here,
    naming the option and the format (a ``ValueError`` would end in a traceback)."""
    from datetime import datetime

    from workbench.generations.filters import parse_date_time
    from workbench.inputs import MAX_SEARCH_LENGTH, MAX_TOOL_TYPE_LENGTH, check_text

    def when(text: str | None, option: str) -> datetime | None:
        return None if text is None else parse_date_time(text, option)

    # Checked here too, so the message names the option (a byte that is not UTF-8 reaches
    # Python as a lone surrogate, which no database can store).
    for text, option, limit in ((args.search, "--search", MAX_SEARCH_LENGTH),
                                (args.tool, "--tool", MAX_TOOL_TYPE_LENGTH)):  # fmt: skip
        if text is not None:
            check_text(text, option, limit)

    return {
        "media_type": args.type, "tool_type": args.tool, "search": args.search,
        "starred": True if args.starred else None, "in_no_shot": args.no_shot,
        "unpositioned": args.unpositioned, "edits_only": args.edits,
        "created_after": when(args.after, "--after"),
        "created_before": when(args.before, "--before"),
        "sort": "oldest" if args.oldest else "newest",
    }  # fmt: skip


def _generation_row(item: Any, shot_names: Mapping[uuid.UUID, str]) -> dict[str, Any]:
    """One item as ``--json`` and ``export`` give it: the record's fields, then what its card
    shows in the TUI and the notebook (``workbench.views.cards``), so every front end agrees:
    its kind, caption, the shots by name with whether it has a place on each timeline, and
    the badges ("2 new", "3 variants", a shot's name)."""
    shown = card(item, shot_names)
    return {
        "id": str(item.id), "type": item.type, "starred": item.starred,
        "created_at": item.created_at.isoformat(), "tool_type": item.tool_type,
        "prompt": item.prompt, "location": item.location, "thumbnail_url": item.thumbnail_url,
        "variants": item.variant_count, "unviewed_variants": item.unviewed_variant_count,
        "shots": [str(s) for s in item.shot_ids], "timeline_frame": item.timeline_frame,
        "based_on": str(item.based_on) if item.based_on else None,
        "kind": shown.kind, "caption": shown.text, "new_variants": shown.new,
        "shot_names": [
            {"id": str(s.shot_id), "name": s.name, "positioned": s.positioned}
            for s in shown.shots
        ],
        "badges": [badge.label for badge in shown.badges],
        "summary": shown.summary,
    }  # fmt: skip


def _shot_names(wb: Any, project_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """The project's shots by id, in its shot order (the cards list shots in that order)."""
    return {shot.id: shot.name for shot in wb.shots(project_id)}


def run(args: argparse.Namespace) -> int:
    from workbench.errors import ValidationError

    # Wrong input is refused before the database is started (that may take a while).
    if not args.project and not args.shot:
        raise ValidationError("name a --project (and optionally a --shot)")
    if args.shot and args.oldest:
        raise ValidationError(
            "--oldest orders a project's gallery; a shot's gallery is its timeline (frame "
            "order, unpositioned last): leave out --oldest, or leave out --shot"
        )
    filters = filters_from(args)
    with connect() as wb:
        place = wb.find(args.project, args.shot)
        project_id, shot_id = place.project.id, place.shot and place.shot.id
        names = _shot_names(wb, project_id)
        if args.export:
            items = wb.iter_generations(project_id, shot_id, filters=filters)
            return _export(items, args.format, names)
        page = wb.generations(
            project_id, shot_id, filters=filters, limit=args.limit, page=args.page
        )
        if args.json:
            print_json({
                "page": page.page, "pages": page.pages, "total": page.total,
                "total_exact": page.total_exact, "next_cursor": page.next_cursor,
                "items": [_generation_row(item, names) for item in page],
            })  # fmt: skip
            return 0
        print(f"page {page.page} of {page.pages} · {page.total_label} generations "
              f"({safe(page.filters.describe())})")  # fmt: skip
        for item in page:
            print(_human_row(card(item, names), item))
    return 0


def _human_row(shown: Card, item: Any) -> str:
    """A terminal row: the card's star, kind, caption and badges, with the date, the tool and
    the id (to paste into ``workbench star ID`` and the others)."""
    star = "★" if shown.starred else " "
    badges = "".join(f"  [{safe(badge.label)}]" for badge in shown.badges)
    return (f"{star} {shown.kind:<13} {item.created_at:%Y-%m-%d %H:%M}  {safe(shown.tool):<22} "
            f"{safe(shown.text)}{badges}  {item.id}")  # fmt: skip


def _export(items: Any, kind: str, names: Mapping[uuid.UUID, str]) -> int:
    """Stream rows to stdout as they arrive: memory stays flat for any project size."""
    import csv

    count = 0
    if kind == "jsonl":
        for item in items:
            sys.stdout.write(json.dumps(_generation_row(item, names)) + "\n")
            count += 1
    else:
        writer: Any = None
        for item in items:
            row = _generation_row(item, names)
            row["shots"] = " ".join(row["shots"])
            row["shot_names"] = "; ".join(
                s["name"] if s["positioned"] else f"{s['name']} (unpositioned)"
                for s in row["shot_names"]
            )
            row["badges"] = "; ".join(row["badges"])
            if writer is None:
                writer = csv.DictWriter(sys.stdout, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
            count += 1
    print(f"exported {count} generations", file=sys.stderr)
    return 0


# The gallery's options (which gallery, which filters): what `generations` lists and what
# `download` fetches, with the same words.
FILTER_OPTIONS = ("type", "tool", "search", "starred", "no_shot", "unpositioned", "edits",
                  "after", "before", "oldest")  # fmt: skip


def add_gallery_arguments(p: argparse.ArgumentParser) -> None:
    """--project and --shot, then every filter (see ``filters_from``)."""
    p.add_argument("--project", help="project name or id")
    p.add_argument("--shot", help="shot name or id (within --project): timeline order")
    p.add_argument("--type", choices=["image", "video"])
    p.add_argument("--tool", help="tool type, e.g. image-generation")
    p.add_argument("--search", help="text in the prompt")
    p.add_argument("--starred", action="store_true")
    p.add_argument("--no-shot", action="store_true", help="only generations in no shot")
    p.add_argument("--unpositioned", action="store_true",
                   help="only images without a timeline frame (what shots count)")  # fmt: skip
    p.add_argument("--edits", action="store_true", help="only edits of other generations")
    p.add_argument("--after", metavar="WHEN",
                   help="created at or after WHEN: an ISO date or date-time, e.g. 2026-09-05 "
                   "or 2026-09-05T14:30 (local time unless it has an offset)")  # fmt: skip
    p.add_argument("--before", metavar="WHEN", help="created before WHEN (as --after)")
    p.add_argument(
        "--oldest",
        action="store_true",
        help="oldest first (a project's gallery; a shot's is in timeline order)",
    )


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("generations", help="list a project's or shot's generations, or export")
    p.add_argument("export", nargs="?", choices=["export"], help="stream every match instead")
    add_gallery_arguments(p)
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--page", type=int, default=None)
    p.add_argument("--json", action="store_true")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--csv", dest="format", action="store_const", const="csv")
    fmt.add_argument("--jsonl", dest="format", action="store_const", const="jsonl")
    p.set_defaults(func=run, format="csv")
