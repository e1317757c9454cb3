"""Undo after random sequences of changes, some of them overtaken by another client's writes.

Each undo ends in success or a ``WorkbenchError`` (a ``ConflictError`` when a newer change
would be lost); a refused undo changes nothing (database and asset store by checksum).
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import psycopg
from fuzz_support import TRAVEL, Env, junk_values
from hypothesis import given, settings
from hypothesis import strategies as st

ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(
            ["star", "unstar", "add", "remove", "setting", "reset", "delete", "shot",
             "elsewhere_star", "elsewhere_setting", "elsewhere_delete", "undo", "undo_force"]
        ),
        st.integers(0, 5),
        st.one_of(st.integers(-5, 500), st.sampled_from([None, "x", 2**31, 10**30])),
    ),
    min_size=1,
    max_size=6,
)  # fmt: skip


def _do(env: Env, action: str, i: int, value: Any) -> None:
    wb = env.wb
    gid = env.generations[-1 - i]  # from the end: the writes test deletes from the start
    if action == "star":
        env.check(lambda: wb.star(gid, True))
    elif action == "unstar":
        env.check(lambda: wb.star(gid, False))
    elif action == "add":
        env.check(lambda: wb.add_to_shot(gid, env.shot, frame=value))
    elif action == "remove":
        env.check(lambda: wb.remove_from_shot(env.shot, gid))
    elif action == "setting":
        env.check(lambda: wb.update_settings("shot", env.shot, TRAVEL, {"amountOfMotion": value}))
    elif action == "reset":
        env.check(lambda: wb.reset_setting("shot", env.shot, TRAVEL, "amountOfMotion"))
    elif action == "delete":
        env.check(lambda: wb.delete_generation(gid))
    elif action == "shot":
        env.check(lambda: wb.create_shot(env.project, f"fuzz shot {i} {value}"))
    elif action.startswith("elsewhere"):  # another client, straight to the database
        with psycopg.connect(env.dsn, autocommit=True) as conn, suppress(psycopg.Error):
            # (the other client may be refused, e.g. deleting what a trigger protects)
            if action == "elsewhere_star":
                conn.execute("UPDATE generations SET starred = NOT starred WHERE id = %s", (gid,))
            elif action == "elsewhere_setting":
                conn.execute(
                    "UPDATE shots SET settings = jsonb_set(coalesce(settings, '{}'), "
                    "'{travel-between-images}', %s::jsonb) WHERE id = %s",
                    ('{"amountOfMotion": 13}', env.shot),
                )
            else:
                conn.execute("DELETE FROM generations WHERE id = %s", (gid,))
    else:
        env.check(lambda: wb.undo(force=action == "undo_force"))


@settings(max_examples=15)
@given(actions=ACTIONS, force=st.one_of(st.booleans(), junk_values()), device=st.booleans())
def test_undo_after_changes(
    fuzz_env: Env, actions: list[tuple[str, int, Any]], force: Any, device: bool
) -> None:
    env, wb = fuzz_env, fuzz_env.wb
    for action, i, value in actions:
        _do(env, action, i, value)
    env.check(lambda: wb.undo(force=force, device=device))
    env.check(wb.history, mutating=False)
    env.check(wb.changes.device_history, mutating=False)
