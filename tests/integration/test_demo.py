"""The demo project: deterministic, Reigh-shaped, with real media."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import psycopg
import pytest
from PIL import Image

from workbench.demo import find_demo_user, remove_demo, seed_demo
from workbench.errors import SchemaError
from workbench.storage import LocalStorage


def url_path(url: str) -> Path:
    return Path(unquote(urlparse(url).path))


def rows(dsn: str, query: str) -> list[Any]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(query).fetchall()


def test_demo_shape(demo_dsn: str) -> None:
    (counts,) = rows(
        demo_dsn,
        """SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM projects),
                  (SELECT count(*) FROM shots),
                  (SELECT count(*) FROM generations WHERE location IS NOT NULL AND NOT is_child),
                  (SELECT count(*) FROM generations WHERE is_child),
                  (SELECT count(*) FROM generations WHERE type = 'video' AND location IS NOT NULL),
                  (SELECT count(*) FROM generations WHERE starred),
                  (SELECT count(*) FROM generations WHERE based_on IS NOT NULL),
                  (SELECT count(*) FROM generation_variants WHERE variant_type = 'upscaled'),
                  (SELECT count(*) FROM shot_generations sg JOIN generations g
                     ON g.id = sg.generation_id
                   WHERE sg.timeline_frame IS NULL AND g.location IS NOT NULL)""",
    )
    users, projects, shots, top, children, videos, starred, edits, upscaled, unpositioned = counts
    assert (users, projects, shots, top) == (1, 2, 12, 60)
    assert children == 2
    assert videos == 4
    assert starred > 0
    assert edits > 0
    assert unpositioned > 0
    assert upscaled >= 0
    # Every finished generation has exactly one primary variant, the source of its media.
    mismatched = rows(
        demo_dsn,
        """SELECT g.id FROM generations g
           LEFT JOIN generation_variants v ON v.generation_id = g.id AND v.is_primary
           WHERE g.location IS NOT NULL
             AND (v.id IS NULL OR v.location <> g.location OR g.primary_variant_id <> v.id)""",
    )
    assert mismatched == []
    # Tasks made the generations.
    orphans = rows(
        demo_dsn,
        """SELECT g.id FROM generations g LEFT JOIN tasks t ON t.id::text = g.tasks->>0
           WHERE g.location IS NOT NULL AND NOT g.is_child AND t.id IS NULL""",
    )
    assert orphans == []


def test_settings_at_all_four_scopes(demo_dsn: str) -> None:
    with psycopg.connect(demo_dsn) as conn:
        for tool in ("travel-between-images", "image-generation"):
            found = conn.execute(
                """SELECT (SELECT count(*) FROM users WHERE settings ? %(tool)s),
                          (SELECT count(*) FROM projects WHERE settings ? %(tool)s),
                          (SELECT count(*) FROM shots WHERE settings ? %(tool)s)""",
                {"tool": tool},
            ).fetchone()
            assert found is not None
            assert all(n > 0 for n in found), (tool, found)


def test_media_files_exist_with_small_thumbnails(demo_dsn: str) -> None:
    media = rows(
        demo_dsn,
        "SELECT location, thumbnail_url, type FROM generations WHERE location IS NOT NULL",
    )
    for location, thumbnail, kind in media:
        assert url_path(location).is_file()
        with Image.open(url_path(thumbnail)) as thumb:
            assert thumb.format == "JPEG"
            if kind == "image":
                assert max(thumb.size) <= 300
        assert "/uploads/" in location
        assert "/thumbnails/thumb_" in thumbnail


def test_same_seed_same_demo(pg_server: str, template_db: str, tmp_path: Path) -> None:
    from workbench.db.connection import ensure_database

    digests = []
    for n in range(2):
        dsn = ensure_database(
            pg_server, f"demo_twice_{n}_{tmp_path.name[-8:]}", template=template_db
        )
        storage = LocalStorage(tmp_path / f"assets{n}")
        with psycopg.connect(dsn, autocommit=True) as conn:
            summary = seed_demo(conn, storage, seed=11, generations=24, videos=2)
            listing = conn.execute(
                "SELECT id, name, params, starred, created_at, based_on FROM generations "
                "WHERE location IS NOT NULL ORDER BY id"
            ).fetchall()
        files = sorted(
            (p.relative_to(storage.root).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest())
            for p in storage.root.rglob("*")
            if p.is_file()
        )
        digests.append((summary.user_id, listing, files))
    assert digests[0] == digests[1]
    assert len(digests[0][2]) >= 48


def test_demo_refuses_twice_and_resets(demo_dsn: str, tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        with pytest.raises(SchemaError, match="already exists"):
            seed_demo(conn, storage)
        assert remove_demo(conn) is True
        assert find_demo_user(conn) is None
        (left,) = conn.execute("SELECT count(*) FROM generations").fetchone() or (None,)
        assert left == 0
        # The original-variant protection is back on after the reset.
        (enabled,) = conn.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgname = 'generation_variants_protect_original'"
        ).fetchone() or (None,)
        assert enabled == "O"
        seed_demo(conn, storage, generations=10, videos=0)
        assert find_demo_user(conn) is not None


def test_demo_needs_a_database_we_own(empty_dsn: str, tmp_path: Path) -> None:
    with psycopg.connect(empty_dsn, autocommit=True) as conn, pytest.raises(SchemaError):
        seed_demo(conn, LocalStorage(tmp_path))
