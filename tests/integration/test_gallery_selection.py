"""The gallery's selection and what acts on it, in the view model every front end renders:
marks that survive paging, actions on the selection (else the cursor), one confirmation and
one undo for a batch, the detail view's next and previous across pages, cards."""

from __future__ import annotations

from typing import Any

import psycopg

from workbench.client import Workbench
from workbench.views.gallery import GalleryModel


def starred_in_db(dsn: str, ids: list[Any]) -> list[bool]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT id, starred FROM generations WHERE id = ANY(%s::uuid[])", (ids,)
        ).fetchall()
    by_id = dict(rows)
    return [by_id[i] for i in ids]


def test_marks_survive_paging_and_the_actions_act_on_them(
    demo_wb: Workbench, demo_dsn: str
) -> None:
    project = demo_wb.projects()[0]
    gallery = GalleryModel(demo_wb, project_id=project.id, limit=5)
    try:
        first_page = gallery.state.items
        gallery.toggle_mark(1)
        gallery.extend_mark(1)  # the cursor's item (0) and the next one (1, already marked)
        assert [m.id for m in gallery.state.marked] == [first_page[1].id, first_page[0].id]
        gallery.next_page()
        gallery.toggle_mark(0)
        second = gallery.state.items[0]
        assert len(gallery.state.marked) == 3
        assert gallery.state.status.endswith(" · 3 selected")
        gallery.prev_page()
        assert gallery.state.marked_ids == {first_page[0].id, first_page[1].id, second.id}

        ids = [m.id for m in gallery.state.marked]
        before = starred_in_db(demo_dsn, ids)
        gallery.toggle_star()  # all starred (unless all were: then all unstarred)
        assert starred_in_db(demo_dsn, ids) == [not all(before)] * 3
        verb = "unstar" if all(before) else "star"
        assert demo_wb.history()[0].description == f"{verb} 3 generations"
        demo_wb.undo()
        assert starred_in_db(demo_dsn, ids) == before  # each its own star back

        confirmation = gallery.confirm_delete()
        assert confirmation is not None
        assert confirmation.question.startswith("Delete 3 generations")
        assert "One undo brings them all back." in confirmation.details[-1]
        gallery.delete()
        assert gallery.state.error is None
        assert gallery.state.marked == ()  # what went is no longer selected
        shown = {i.id for i in gallery.state.items}
        assert not shown & set(ids)
        demo_wb.undo()
        gallery.reload()
        assert {first_page[0].id, first_page[1].id} <= {i.id for i in gallery.state.items}
    finally:
        gallery.close()


def test_mark_page_toggles_and_the_cursor_item_is_the_target_without_marks(
    demo_wb: Workbench,
) -> None:
    gallery = GalleryModel(demo_wb, project_id=demo_wb.projects()[0].id, limit=4)
    try:
        assert gallery.state.targets == (gallery.state.items[0],)
        gallery.mark_page()
        assert len(gallery.state.marked) == 4
        assert gallery.download_options() == {"ids": [i.id for i in gallery.state.items]}
        gallery.mark_page()
        assert gallery.state.marked == ()
        options = gallery.download_options()
        assert options["project"] == gallery.state.target_id
        gallery.toggle_mark()
        gallery.clear_marks()
        assert gallery.state.marked == ()
    finally:
        gallery.close()


def test_step_crosses_page_boundaries_both_ways(demo_wb: Workbench) -> None:
    gallery = GalleryModel(demo_wb, project_id=demo_wb.projects()[0].id, limit=3)
    try:
        page_one = gallery.state.items
        gallery.select(2)
        after = gallery.step(1)
        assert gallery.state.page is not None
        assert gallery.state.page.page == 2
        assert after == gallery.state.items[0]
        back = gallery.step(-1)
        assert gallery.state.page.page == 1
        assert back is not None
        assert back.id == page_one[2].id
    finally:
        gallery.close()


def test_cards_name_the_shots_an_item_is_in(demo_wb: Workbench) -> None:
    project = demo_wb.projects()[0]
    shot = demo_wb.shots(project.id)[0]
    gallery = GalleryModel(demo_wb, project_id=project.id, limit=2)
    try:
        items = gallery.state.items
        gallery.mark_page()
        gallery.add_to_shot(shot.id, frame=None)  # unpositioned, both
        assert gallery.state.error is None
        cards = {c.id: c for c in gallery.state.cards}
        for item in items:
            labels = [b.label for b in cards[item.id].badges]
            assert any(label.startswith(shot.name) for label in labels), labels
        history = demo_wb.history()[0]
        assert history.description == f"add 2 generations to shot '{shot.name}'"
        assert list(history.data["links"].values()) == [None, None]
    finally:
        gallery.close()
