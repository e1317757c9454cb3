"""Gallery cursors are signed by the session that made them and checked field by field: a
forged or edited cursor is refused, one from another workbench too, and no cursor, even a
genuine one, makes the page cache remember a page under a number it is not (real PostgreSQL
with the demo)."""

from __future__ import annotations

import base64
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from workbench.client import Workbench
from workbench.errors import ValidationError
from workbench.startup import connect
from workbench.storage import LocalStorage

PROJECT = "Neon Coastline"


def body_of(cursor: str) -> dict[str, Any]:
    text = cursor.partition(".")[0]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    return decoded


def encoded(body: dict[str, Any], key: bytes | None = None) -> str:
    """A cursor holding ``body``: signed with ``key`` (the session's, as a forger who had it
    would), or with the signature of nobody."""
    raw = json.dumps(body, separators=(",", ":")).encode()
    signature = hmac.digest(key, raw, "sha256")[:16] if key is not None else b"\x00" * 16
    return f"{b64(raw)}.{b64(signature)}"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def key_of(wb: Workbench) -> bytes:
    key: bytes = wb.generations_service._cursor_key
    return key


EDITS: list[tuple[str, Any]] = [
    ("p", -5),
    ("p", 10**30),
    ("p", "3"),
    ("l", "5"),
    ("l", 10_000),
    ("d", "sideways"),
    ("m", "album"),
    ("f", {"colour": "red"}),
    ("f", {"search": "x\x00"}),
    ("f", ["not", "an", "object"]),
    ("k", ["2026-01-01T00:00:00", "8c6f0b6e-4b1e-4a4e-9a43-3f2f3b5c2d11"]),  # naive date
    ("k", ["2026-01-01T00:00:00+00:00"]),
    ("k", "nope"),
    ("t", "not-a-uuid"),
    ("extra", 1),
]


@pytest.mark.parametrize(
    ("field", "value"), EDITS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(EDITS)]
)
def test_an_edited_cursor_is_refused(demo_wb: Workbench, field: str, value: Any) -> None:
    first = demo_wb.generations(PROJECT, limit=5)
    assert first.next_cursor is not None
    body = {**body_of(first.next_cursor), field: value}
    with pytest.raises(ValidationError, match="not made by this workbench session"):
        demo_wb.generations(PROJECT, cursor=encoded(body))
    # Even signed with the session's key (a forger who had it), every field is checked.
    with pytest.raises(ValidationError, match=r"malformed cursor|another gallery|limited to"):
        demo_wb.generations(PROJECT, cursor=encoded(body, key_of(demo_wb)))


def test_an_unsigned_cursor_or_garbage_is_refused_with_a_short_message(
    demo_wb: Workbench,
) -> None:
    first = demo_wb.generations(PROJECT, limit=5)
    assert first.next_cursor is not None
    unsigned = first.next_cursor.partition(".")[0]  # the cursor's fields alone
    for cursor in [unsigned, "garbage", "x" * 1_000_000, "é.é", "abc.def", ".", "\udcff.\x00"]:
        with pytest.raises(ValidationError, match="cursor") as info:
            demo_wb.generations(PROJECT, cursor=cursor)
        assert len(str(info.value)) < 300


def test_a_cursor_from_another_workbench_is_refused(
    demo_wb: Workbench, demo_dsn: str, demo_assets: Path
) -> None:
    first = demo_wb.generations(PROJECT, limit=5)
    with (
        connect(demo_dsn, storage=LocalStorage(demo_assets)) as other,
        pytest.raises(ValidationError, match="start again from page 1"),
    ):
        other.generations(PROJECT, cursor=first.next_cursor)
    assert demo_wb.generations(PROJECT, cursor=first.next_cursor).page == 2  # still ours


def test_a_forged_page_number_does_not_poison_the_page_cache(demo_wb: Workbench) -> None:
    """The issue's report: a cursor saying "page 4" that starts where page 3 starts made a
    later ``page=4`` return page 3. Now it is refused unsigned, and even signed (as a stale
    cursor would be) it is never cached as page 4."""
    page2 = demo_wb.generations(PROJECT, limit=5, page=2)
    page3 = demo_wb.generations(PROJECT, limit=5, page=3)
    assert page2.next_cursor is not None
    forged = {**body_of(page2.next_cursor), "p": 4}  # page 3's start, called page 4
    with pytest.raises(ValidationError, match="not made by this workbench session"):
        demo_wb.generations(PROJECT, cursor=encoded(forged))
    shown = demo_wb.generations(PROJECT, cursor=encoded(forged, key_of(demo_wb)))
    assert shown.items == page3.items  # what the cursor leads to, whatever it is called
    page4 = demo_wb.generations(PROJECT, limit=5, page=4)
    assert page4.page == 4
    assert page4.items != page3.items
    assert page4.items == demo_wb.generations(PROJECT, limit=5, page=4, fresh=True).items
    # and the page after the forged one is not remembered as page 5's start either
    assert demo_wb.generations(PROJECT, limit=5, page=5).items == (
        demo_wb.generations(PROJECT, limit=5, page=5, fresh=True).items
    )
    assert demo_wb.generations(PROJECT, limit=5, page=5).items != page4.items


def test_cursors_walk_both_ways_and_an_old_one_is_not_page_n_after_a_change(
    demo_wb: Workbench,
) -> None:
    """A prev cursor's page starts at another key than ``page=N`` does, and a cursor made
    before a change still leads where it led (after the same item) though that is no longer
    where its page starts: both are shown, but cached apart, so ``page=N`` afterwards is
    the real page N."""
    pages = [demo_wb.generations(PROJECT, limit=7)]
    for _ in range(3):
        cursor = pages[-1].next_cursor
        assert cursor is not None
        pages.append(demo_wb.generations(PROJECT, cursor=cursor))
    assert [p.page for p in pages] == [1, 2, 3, 4]
    back = pages[-1]
    while back.prev_cursor is not None:
        back = demo_wb.generations(PROJECT, cursor=back.prev_cursor)
        assert back.items == pages[back.page - 1].items
    for page in pages:
        assert demo_wb.generations(PROJECT, limit=7, page=page.page).items == page.items

    first = demo_wb.generations(PROJECT, limit=5)
    assert first.next_cursor is not None
    demo_wb.delete_generation(first[0].id)  # every later page now starts one item earlier
    followed = demo_wb.generations(PROJECT, cursor=first.next_cursor)
    assert followed.page == 2
    real = demo_wb.generations(PROJECT, limit=5, page=2)
    assert real.items == demo_wb.generations(PROJECT, limit=5, page=2, fresh=True).items
    assert real.items != followed.items
    assert real[0].id == followed[1].id
