"""The TUI paints first and counts later (issue 17): the first page and the navigator's tree
are on screen while the counts are still being read, and the counts then fill in without
rebuilding the tree (a fold and the cursor stay)."""

from __future__ import annotations

import threading

import pytest
from pilot_app import SIZE
from waiting import settle, wait_until_async

from workbench.client import Workbench
from workbench.projects import ProjectSummary
from workbench.tui.app import WorkbenchApp
from workbench.tui.components.navigator import Navigator


async def test_the_first_page_is_painted_before_the_counts_which_fill_in_after(
    wb: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked, go_on = threading.Event(), threading.Event()
    count = wb.projects_service.overview

    def slow_counts() -> list[ProjectSummary]:
        """Every project's counts, as slow as beside a million generations: until told."""
        asked.set()
        go_on.wait(30)
        return count()

    monkeypatch.setattr(wb.projects_service, "overview", slow_counts)
    app = WorkbenchApp(wb, page_size=12)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until_async(lambda: app.first_paint is not None, what="the first paint",
                               timeout=30, pilot=pilot)  # fmt: skip
        assert app.painted.is_set()
        assert app.first_paint is not None
        assert app.first_paint > 0
        assert len(app.query("Tile")) == 12
        assert app.models is not None
        assert app.models.settings is not None  # opened after the paint, before it is told
        tree = app.query_one(Navigator)
        projects = list(tree.root.children)
        assert [str(node.label) for node in projects] == ["Neon Coastline 16:9", "Paper Garden 1:1"]
        assert str(projects[0].children[0].label) == "Harbour Lights"  # no count yet
        await wait_until_async(asked.is_set, what="the counts, asked after the paint",
                               pilot=pilot)  # fmt: skip
        projects[1].collapse()
        kept = projects[0].children[2]
        tree.move_cursor(kept)
        await pilot.pause()  # (not ``settle``: it would wait for the counts' worker)
        assert app.models.navigator.state.loading  # still counting
        assert not any(p.counted for p in app.models.navigator.state.projects)

        go_on.set()
        navigator = app.models.navigator
        await wait_until_async(lambda: all(p.counted for p in navigator.state.projects),
                               what="the counts", pilot=pilot)  # fmt: skip
        await settle(pilot)
        counted = navigator.state.projects
        assert list(tree.root.children) == projects  # the same nodes, relabelled in place
        assert [str(node.label) for node in projects] == [
            f"Neon Coastline 16:9 {counted[0].counts.total}",
            f"Paper Garden 1:1 {counted[1].counts.total}",
        ]
        shot = counted[0].shots[0]
        unpositioned = f"  {shot.counts.unpositioned} " if shot.counts.unpositioned else ""
        assert str(projects[0].children[0].label) == (
            f"Harbour Lights {shot.counts.total}{unpositioned}"
        )
        assert not projects[1].is_expanded
        assert tree.cursor_node is kept
