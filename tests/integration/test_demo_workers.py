"""The demo drawn by worker processes (what a first start does, issue 17) is the demo drawn
in the calling thread: the same rows, the same files byte for byte, the same progress."""

from __future__ import annotations

import hashlib
from functools import partial
from pathlib import Path
from typing import Any

import psycopg

from workbench.db.connection import ensure_database
from workbench.demo import seed_demo
from workbench.storage import LocalStorage


def told(heard: list[tuple[int, int]], done: int, total: int) -> None:
    heard.append((done, total))


def test_workers_draw_the_same_demo(pg_server: str, template_db: str, tmp_path: Path) -> None:
    made: list[tuple[Any, ...]] = []
    for workers in (1, 2):
        dsn = ensure_database(pg_server, f"demo_w{workers}_{tmp_path.name[-8:]}",
                              template=template_db)  # fmt: skip
        storage = LocalStorage(tmp_path / f"assets{workers}")
        heard: list[tuple[int, int]] = []
        with psycopg.connect(dsn, autocommit=True) as conn:
            summary = seed_demo(conn, storage, seed=5, generations=14, videos=2,
                                workers=workers, progress=partial(told, heard))  # fmt: skip
            rows = conn.execute(
                "SELECT g.id, g.params, g.starred, g.created_at, g.based_on, g.is_child, "
                "replace(g.location, %(root)s, ''), replace(v.thumbnail_url, %(root)s, ''), "
                "v.variant_type FROM generations g "
                "JOIN generation_variants v ON v.generation_id = g.id "
                "WHERE g.location IS NOT NULL ORDER BY g.id, v.id",
                {"root": storage.root.as_uri()},
            ).fetchall()
        files = sorted(
            (p.relative_to(storage.root).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest())
            for p in storage.root.rglob("*")
            if p.is_file()
        )
        assert heard == [(n, 14) for n in range(15)]
        assert summary.files == len(files)
        made.append((summary.user_id, summary.videos, rows, files))
    assert made[0] == made[1]
    assert made[0][1] == 4  # two clips and a parent's two segments, drawn by the workers too
    assert any(name.endswith(".mp4") for name, _ in made[0][3])
