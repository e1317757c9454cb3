"""``workbench variants``: a generation's versions (original, upscaled, edits ...) from a shell.

``list`` shows them as the detail view does (the primary first, which ones are new);
``primary`` makes one the primary (what the gallery shows); ``delete`` removes one (asks
first; the original and the primary are refused, in Reigh's words); ``star``/``unstar`` mark
them; ``viewed`` clears their "new" mark, as opening them in Reigh's lightbox does. Every
change but ``viewed`` (which is not an edit) is recorded: ``workbench undo`` takes it back.
"""

from __future__ import annotations

import argparse
import uuid
from typing import TYPE_CHECKING, Any

from workbench.cli.edit import ask, read_ids
from workbench.cli.output import connect, print_json, safe
from workbench.errors import ValidationError
from workbench.ids import as_uuid
from workbench.views.confirm import Confirmation
from workbench.views.detail import delete_variant_confirmation, variant_refusal

if TYPE_CHECKING:
    from workbench.client import Workbench
    from workbench.models import Variant


def variant_row(variant: Variant) -> dict[str, Any]:
    """One variant as ``--json`` shows it; ``new`` is Reigh's "not viewed yet"."""
    return {
        "id": str(variant.id), "generation_id": str(variant.generation_id),
        "type": variant.variant_type, "name": variant.name, "primary": variant.is_primary,
        "new": variant.viewed_at is None, "starred": variant.starred,
        "created_at": variant.created_at.isoformat(),
        "viewed_at": variant.viewed_at.isoformat() if variant.viewed_at else None,
        "location": variant.location, "thumbnail_url": variant.thumbnail_url,
    }  # fmt: skip


def run_list(args: argparse.Namespace) -> int:
    gid = as_uuid(args.generation, "generation id")
    with connect() as wb:
        variants = wb.variants(gid)
    if args.json:
        print_json([variant_row(v) for v in variants])
        return 0
    print(f"{len(variants)} variant{'s' if len(variants) != 1 else ''} of generation {gid}")
    for v in variants:
        flags = (("primary", v.is_primary), ("new", v.viewed_at is None), ("★", v.starred))
        marks = " ".join(mark for mark, on in flags if on)
        created = f"{v.created_at:%Y-%m-%d %H:%M}"
        print(
            f"{v.id}  {safe(v.variant_type or '?'):<10} {marks:<15} {created}  "
            f"{safe(v.name or '')}  {safe(v.location)}"
        )
    return 0


def run_primary(args: argparse.Namespace) -> int:
    gid = as_uuid(args.generation, "generation id")
    vid = as_uuid(args.variant, "variant id")
    with connect() as wb:
        wb.set_primary_variant(gid, vid)
        _done(wb, args.json)
    return 0


def run_delete(args: argparse.Namespace) -> int:
    vid = as_uuid(args.variant, "variant id")
    with connect() as wb:
        if not args.yes:
            ask(_delete_question(wb, vid))
        wb.delete_variant(vid)
        _done(wb, args.json)
    return 0


def _delete_question(wb: Workbench, variant_id: uuid.UUID) -> Confirmation:
    """What ``DetailModel.confirm_delete_variant`` asks; a variant that cannot go (the
    original, the primary) is refused here, in Reigh's words, before anything is asked."""
    variant = wb.variant(variant_id)
    refusal = variant_refusal(variant)
    if refusal:
        raise ValidationError(refusal)
    return delete_variant_confirmation(variant)


def run_star(args: argparse.Namespace) -> int:
    ids = read_ids(args.variants, "variant id")
    with connect() as wb:
        wb.star_variant(ids, args.starred)
        _done(wb, args.json)
    return 0


def run_viewed(args: argparse.Namespace) -> int:
    gid = as_uuid(args.generation, "generation id")
    vids = read_ids(args.variants, "variant id") if args.variants else None
    with connect() as wb:
        wb.generation_detail(gid)  # a generation that is not the user's is refused, named
        marked = wb.mark_viewed(gid, vids)
    if args.json:
        print_json({"generation_id": str(gid), "marked_viewed": marked})
    else:
        print(f"marked {marked} variant{'s' if marked != 1 else ''} viewed "
              "(not an edit: nothing to undo)")  # fmt: skip
    return 0


def _done(wb: Workbench, as_json: bool) -> None:
    summary = wb.history()[0].summary()
    if as_json:
        print_json(summary)
    else:
        print(f"{safe(str(summary['description']))} (undo with: workbench undo)")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("variants", help="a generation's variants: list, primary, delete, star")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)

    ls = verbs.add_parser("list", help="a generation's variants, the primary first")
    ls.add_argument("generation", help="the generation's id")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)

    pr = verbs.add_parser("primary", help="make a variant the primary (undoable)")
    pr.add_argument("generation", help="the generation's id")
    pr.add_argument("variant", help="the variant's id")
    pr.add_argument("--json", action="store_true", help="the recorded change as JSON")
    pr.set_defaults(func=run_primary)

    de = verbs.add_parser(
        "delete", help="delete a variant (asks first; not the original nor the primary)"
    )
    de.add_argument("variant", help="the variant's id")
    de.add_argument("--yes", "-y", action="store_true", help="go ahead without asking")
    de.add_argument("--json", action="store_true", help="the recorded change as JSON")
    de.set_defaults(func=run_delete)

    for name, starred in (("star", True), ("unstar", False)):
        st = verbs.add_parser(name, help=f"{name} variants (one undo for all)")
        st.add_argument("variants", nargs="+", metavar="VARIANT_ID",
                        help="variant ids, or - to read them from stdin")  # fmt: skip
        st.add_argument("--json", action="store_true", help="the recorded change as JSON")
        st.set_defaults(func=run_star, starred=starred)

    vw = verbs.add_parser(
        "viewed", help="mark a generation's variants viewed (all, or those named)"
    )
    vw.add_argument("generation", help="the generation's id")
    vw.add_argument("variants", nargs="*", metavar="VARIANT_ID", help="only these variants")
    vw.add_argument("--json", action="store_true")
    vw.set_defaults(func=run_viewed)
