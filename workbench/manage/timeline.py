"""Placing an item on a shot's timeline, and moving items between shots.

Both hold the shot's advisory lock (the one appends take, ``mutations.append_to_shot``) for
their transaction, so a concurrent append or reorder of the same shot waits instead of reading
the same frames: two clients rearranging one timeline end with distinct frames and no lost
item.

Where we differ from Reigh (said in the README): Reigh "positions" an unpositioned item by
inserting a second, positioned link and leaving the unpositioned one in place (so the item
still shows as unpositioned); here the unpositioned link itself gets the frame.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

from workbench.errors import NotFoundError, ValidationError
from workbench.generations import bulk
from workbench.generations.mutations import FRAME_SPACING, LABEL, Touched, lock_shot


def place(frames: list[int], index: int) -> tuple[int, dict[int, int]]:
    """Where a new item goes between ``frames[index - 1]`` and ``frames[index]`` (sorted
    frames of the other positioned items), and which of them shift (by position in
    ``frames``: new frame) to make room: the midpoint when there is room, else the items from
    ``index`` on move 50 frames later. Before the first item: frame 0 (Reigh drops an item at
    the start at 0), shifting the others when the first is at 0 already."""
    if index >= len(frames):
        return (frames[-1] + FRAME_SPACING if frames else 0), {}
    succ = frames[index]
    pred = frames[index - 1] if index > 0 else None
    if pred is None:
        if succ > 0:
            return 0, {}
        return 0, {i: f + FRAME_SPACING for i, f in enumerate(frames)}
    if succ - pred >= 2:
        return (pred + succ) // 2, {}
    shifted = {i: f + FRAME_SPACING for i, f in enumerate(frames) if i >= index}
    return (pred + succ + FRAME_SPACING) // 2, shifted


def position(
    conn: psycopg.Connection[Any],
    user_id: uuid.UUID,
    shot_id: uuid.UUID,
    generation_id: uuid.UUID,
    *,
    before: uuid.UUID | None = None,
    after: uuid.UUID | None = None,
) -> tuple[Touched, int]:
    """Give the item a frame at the end of the shot's timeline, or just before or after
    another item: its unpositioned link if it has one, else its (first) positioned link,
    which then moves. Returns what changed (recorded as a "reorder": each moved link's frames
    before and after) and the item's new frame."""
    if before is not None and after is not None:
        raise ValidationError("give before or after, not both")
    anchor = before if before is not None else after
    if anchor == generation_id:
        raise ValidationError("an item cannot be placed before or after itself")
    with conn.transaction():
        lock_shot(conn, shot_id)
        shot = conn.execute(
            "SELECT s.project_id, s.name FROM shots s JOIN projects p ON p.id = s.project_id "
            "WHERE s.id = %s AND p.user_id = %s",
            (shot_id, user_id),
        ).fetchone()
        if shot is None:
            raise NotFoundError(f"shot {shot_id} not found among the current user's")
        rows = conn.execute(
            sql.SQL(
                "SELECT sg.id, sg.generation_id, sg.timeline_frame, {} FROM shot_generations sg "
                "JOIN generations g ON g.id = sg.generation_id WHERE sg.shot_id = %s "
                "ORDER BY sg.timeline_frame NULLS LAST, sg.id FOR UPDATE OF sg"
            ).format(LABEL),
            (shot_id,),
        ).fetchall()
        mine = [r for r in rows if r[1] == generation_id]
        if not mine:
            raise NotFoundError(f"generation {generation_id} is not in shot {shot[1]!r}")
        link = next((r for r in mine if r[2] is None), mine[0])
        others = [r for r in rows if r[2] is not None and r[0] != link[0]]
        if anchor is None:
            index = len(others)
        else:
            at = next((n for n, r in enumerate(others) if r[1] == anchor), None)
            if at is None:
                raise NotFoundError(
                    f"generation {anchor} has no place on the timeline of shot {shot[1]!r}"
                )
            index = at if before is not None else at + 1
        frame, shifted = place([r[2] for r in others], index)
        moves = {others[i][0]: (others[i][2], f) for i, f in shifted.items()}
        if link[2] != frame:
            moves[link[0]] = (link[2], frame)
        if moves:
            ids = list(moves)
            conn.execute(
                "UPDATE shot_generations sg SET timeline_frame = u.frame, updated_at = now() "
                "FROM unnest(%s::uuid[], %s::int[]) AS u(id, frame) WHERE sg.id = u.id",
                (ids, [moves[i][1] for i in ids]),
            )
    undo = {
        "shot_id": str(shot_id), "shot": shot[1],
        "frames": {str(i): [b, a] for i, (b, a) in moves.items()},
    }  # fmt: skip
    return Touched(shot[0], (shot_id,), f"'{link[3]}'", undo), frame


def move(
    conn: psycopg.Connection[Any],
    user_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    from_shot: uuid.UUID,
    to_shot: uuid.UUID,
    *,
    positioned: bool,
) -> Touched:
    """Out of one shot (every link of these items there) and onto the end of another's
    timeline, in the order given (or unpositioned), in one transaction: a refusal of either
    half changes nothing. Undo puts the links back and removes the new ones."""
    if from_shot == to_shot:
        raise ValidationError("the items are in that shot already: choose another shot")
    with conn.transaction():
        removed = bulk.remove_many_from_shot(conn, user_id, from_shot, ids)
        added = bulk.add_many_to_shot(conn, user_id, ids, to_shot, positioned=positioned)
        if added.project_id != removed.project_id:
            raise ValidationError("the two shots belong to different projects; nothing was moved")
    undo = {"from": removed.undo, "to": added.undo}
    shots = tuple(dict.fromkeys((*removed.shot_ids, *added.shot_ids)))
    return Touched(added.project_id, shots, added.label, undo)
