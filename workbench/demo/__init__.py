"""The demo project: what a new user sees on the first ``workbench`` start.

Everything is derived from one seed (ids, names, prompts, dates, pictures), so two machines
seeded alike show the same gallery and tests can name what they expect. The rows have Reigh's
shape: every generation has an ``original`` primary variant, shots hold unpositioned items,
some images are edits of others, some videos have child segments, tasks made the generations,
and both demo tools have settings at all four scopes.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from workbench.demo.plan import DEFAULT_SEED
from workbench.demo.seed import DemoSummary, find_demo_user, seed_demo

__all__ = ["DEFAULT_SEED", "DemoSummary", "find_demo_user", "remove_demo", "seed_demo"]


_PROTECT = "generation_variants_protect_original"


def remove_demo(conn: psycopg.Connection[Any]) -> bool:
    """Delete the demo user and everything it owns (rows only; media files stay).

    Reigh's trigger forbids deleting original variants, also through a cascade; the demo is
    ours to remove, so the trigger is switched off for this one transaction (DDL is
    transactional: on any failure it is back on).
    """
    with conn.transaction():
        user_id = find_demo_user(conn)
        if user_id is None:
            return False
        toggle = "ALTER TABLE generation_variants {} TRIGGER {}"
        conn.execute(sql.SQL(toggle).format(sql.SQL("DISABLE"), sql.Identifier(_PROTECT)))
        conn.execute("DELETE FROM users WHERE id = %s", (user_id,))
        conn.execute(sql.SQL(toggle).format(sql.SQL("ENABLE"), sql.Identifier(_PROTECT)))
    return True
