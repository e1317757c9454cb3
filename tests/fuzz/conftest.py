"""The fuzz tests' Hypothesis profile and their environment: a workbench on a fresh copy of
the small demo, its asset store a private copy, with another user's rows to aim at.

Hypothesis runs many examples inside one test function, so the function-scoped ``fuzz_env``
is shared by the examples of one test: one database per test function, as intended.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fuzz_support import TRAVEL, Env, TreeHasher
from hypothesis import HealthCheck, Phase, settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.vendor import pretty

from workbench.startup import connect
from workbench.storage import LocalStorage

# Hypothesis keeps caches (Unicode tables, constants) in ./.hypothesis even without an example
# database: keep them out of the checkout too.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "workbench-fuzz-hypothesis")


def _short_int(obj: int, p: Any, cycle: bool) -> None:
    # A huge drawn int (10**5000) is shown by its size, not as 4,000 hex digits.
    if obj.bit_length() > 4_000:
        p.text(f"<{'-' if obj < 0 else ''}int of {obj.bit_length()} bits>")
    else:
        p.text(int.__repr__(obj))


def _short_str(obj: str, p: Any, cycle: bool) -> None:
    # A 1 MB drawn string is shown by its start and length, not whole, in a failure report.
    shown = repr(obj)
    p.text(shown if len(shown) <= 300 else f"{shown[:200]}… ({len(obj):,} characters)")


pretty._type_pprinters[int] = _short_int
pretty._type_pprinters[str] = _short_str


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A failing example is shown with its drawn values; a 1 MB string makes a long report,
    # which Hypothesis warns about, and pytest's filterwarnings=error would turn that
    # warning into a failure hiding the real one.
    for item in items:
        if "tests/fuzz/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.filterwarnings("ignore:Generating overly large repr"))


settings.register_profile(
    "fuzz",
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays deterministic
    database=None,  # no .hypothesis folder in the repository
    print_blob=False,
    # No "explain" phase: on a failure it reruns the test hundreds of times (minutes here).
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
# A quick look while bugs are being fixed: no shrinking, every distinct failure reported.
settings.register_profile("fuzz-explore", parent=settings.get_profile("fuzz"), phases=[
    Phase.explicit, Phase.reuse, Phase.generate])  # fmt: skip
settings.load_profile(os.environ.get("WORKBENCH_FUZZ_PROFILE", "fuzz"))


def _one(conn: psycopg.Connection[Any], query: str, params: tuple[Any, ...]) -> uuid.UUID:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


@pytest.fixture
def fuzz_env(demo_dsn: str, demo_assets: Path, tmp_path: Path) -> Iterator[Env]:
    assets = tmp_path / "assets"
    shutil.copytree(demo_assets, assets, symlinks=True)
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        # Another user's project, shot, generation and variant: never reachable by id.
        user = _one(conn, "INSERT INTO users (name) VALUES ('mallory') RETURNING id", ())
        fproject = _one(
            conn,
            "INSERT INTO projects (name, user_id) VALUES ('Neon Coastline', %s) RETURNING id",
            (user,),
        )
        fshot = _one(
            conn,
            "INSERT INTO shots (name, project_id) VALUES ('Harbour Lights', %s) RETURNING id",
            (fproject,),
        )
        fgen = _one(
            conn,
            "INSERT INTO generations (project_id, type, location, params) VALUES "
            "(%s, 'image', 'https://example.invalid/m.png', '{\"prompt\": \"mallory\"}') "
            "RETURNING id",
            (fproject,),
        )
        fvar = _one(
            conn,
            "INSERT INTO generation_variants (generation_id, location, is_primary) VALUES "
            "(%s, 'https://example.invalid/m2.png', true) RETURNING id",
            (fgen,),
        )
        conn.execute(
            "INSERT INTO shot_generations (shot_id, generation_id, timeline_frame) "
            "VALUES (%s, %s, 0)",
            (fshot, fgen),
        )
        me = conn.execute("SELECT id FROM users WHERE id <> %s", (user,)).fetchall()
    assert len(me) == 1
    with (
        connect(demo_dsn, storage=LocalStorage(assets), user_id=me[0][0]) as wb,
        psycopg.connect(demo_dsn, autocommit=True) as check_conn,
    ):
        projects = wb.projects()
        project = projects[0]
        shots = wb.shots(project)
        sizes = {c.shot_id: c.total for c in wb.shot_counts(project)}
        shot = max(shots, key=lambda s: sizes.get(s.id, 0))  # the fullest: pages to page
        items = list(wb.iter_generations(project.id))
        timeline = list(wb.iter_generations(project.id, shot.id))
        detail = wb.generation_detail(items[0].id)
        page = wb.generations(project.id, limit=5)
        shot_page = wb.generations(shot_id=shot.id, limit=2)
        assert page.next_cursor is not None
        assert shot_page.next_cursor is not None
        # A few settings at each scope, so history and restore have entries to aim at.
        wb.update_settings("shot", shot.id, TRAVEL, {"amountOfMotion": 70})
        wb.update_settings("project", project.id, TRAVEL, {"amountOfMotion": 60})
        yield Env(
            wb=wb,
            dsn=demo_dsn,
            assets=assets,
            conn=check_conn,
            hasher=TreeHasher(assets),
            project=project.id,
            other_project=projects[1].id,
            shot=shot.id,
            shots=[s.id for s in shots],
            generations=[g.id for g in items],
            links=[g.shot_generation_id for g in timeline if g.shot_generation_id is not None],
            variants=[v.id for v in detail.variants],
            foreign_project=fproject,
            foreign_shot=fshot,
            foreign_generation=fgen,
            foreign_variant=fvar,
            cursor=page.next_cursor,
            history=[e.id for e in wb.settings_history(TRAVEL, shot_id=shot.id)],
            shot_cursor=shot_page.next_cursor,
        )
