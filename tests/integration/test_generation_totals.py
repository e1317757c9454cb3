"""A page's total after the gallery changed: never an outdated count reported as exact."""

from __future__ import annotations

import psycopg
import pytest
from waiting import wait_until

from workbench import keys
from workbench.client import Workbench
from workbench.generations import query, service
from workbench.generations.filters import GenerationFilters


def test_a_deletion_after_a_page_jump_is_counted(demo_wb: Workbench) -> None:
    project = demo_wb.projects()[0]
    first = demo_wb.generations(project.id, limit=10)
    assert first.total_exact
    assert first.total > 20
    demo_wb.generations(project.id, limit=10, page=3)  # a jump: its pipeline also reads the count
    demo_wb.delete_generation(first[0].id)
    after = demo_wb.generations(project.id, limit=10)
    assert (after.total, after.total_exact) == (first.total - 1, True)


def test_rows_inserted_elsewhere_are_counted_once_invalidated(
    demo_wb: Workbench, demo_dsn: str
) -> None:
    project = demo_wb.projects()[0]
    first = demo_wb.generations(project.id, limit=10)
    demo_wb.generations(project.id, limit=10, page=3)  # a jump
    with psycopg.connect(demo_dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO generations (project_id, type, location, thumbnail_url, params, name) "
            "SELECT project_id, type, location, thumbnail_url, params, name FROM generations "
            "WHERE project_id = %s AND location IS NOT NULL AND NOT is_child LIMIT 3",
            (project.id,),
        )
    demo_wb.generations_service.invalidate(project.id)
    after = demo_wb.generations(project.id, limit=10)
    assert (after.total, after.total_exact) == (first.total + 3, True)


def test_beyond_the_cap_an_invalidated_exact_count_is_not_reported_as_exact(
    demo_wb: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(query, "COUNT_CAP", 5)
    monkeypatch.setattr(service, "COUNT_CAP", 5)
    project = demo_wb.projects()[0]
    filters = GenerationFilters()
    exact_key = keys.gallery("project", project.id, "count-exact", filters)

    first = demo_wb.generations(project.id, limit=10)
    assert not first.total_exact  # the estimate at once; the exact count in the background
    wait_until(lambda: demo_wb.cache.is_fresh(exact_key), what="the background exact count")
    counted = demo_wb.generations(project.id, limit=10, fresh=True)
    assert counted.total_exact
    total = counted.total

    demo_wb.delete_generation(counted[0].id)
    after = demo_wb.generations(project.id, limit=10)
    assert not after.total_exact, f"{after.total} reported as exact"
    wait_until(lambda: demo_wb.cache.is_fresh(exact_key), what="the background exact count")
    recounted = demo_wb.generations(project.id, limit=10, fresh=True)
    assert (recounted.total, recounted.total_exact) == (total - 1, True)
