"""Issue 17's fast paths give the slow paths' answers: the gallery stream (set-based query,
orjson) equals the pages, odd JSON included; batched upload rows land exactly as one-by-one
rows did, and a bad row in the middle of a batch fails its file alone."""

from __future__ import annotations

import hashlib
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import upload_samples as samples
from psycopg.types.json import Jsonb
from upload_setup import Setup
from waiting import wait_until

from workbench.client import Workbench
from workbench.generations.filters import GenerationFilters
from workbench.startup import connect
from workbench.storage import LocalStorage, Storage
from workbench.uploads import batching, uploader
from workbench.uploads.uploader import JOURNAL_NAME

# jsonb as the stream must read it: integers beyond 64 bits (orjson would make them floats),
# a 400-digit number, non-ASCII, escapes, deep nesting, long digit strings, floats.
ODD: dict[str, Any] = {
    "prompt": 'dusk \u00e9t\u00e9 \U0001f305 "quoted" \\ back\nslash',
    "seed": 2**70,
    "negative": -(2**64) - 1,
    "huge": int("9" * 400),
    "max64": 2**63 - 1,
    "digits": "12345678901234567890123",
    "floats": [0.1, 1.5e-7, 12345.678, 2.5, -7.25],
    "nested": {"a": [{"b": [1, {"c": None}]}], "\u00fcber": True},
    "deep": {},
    "empty": {},
}
NOW = datetime.now(UTC)
node = ODD["deep"]
for _ in range(60):
    node["d"] = {}
    node = node["d"]


def all_pages(wb: Workbench, project: Any = None, shot: Any = None, **case: Any) -> list[Any]:
    """Every item of a gallery, page by page through the cursors (the page query's values)."""
    page = wb.generations(project, shot, limit=7, fresh=True, **case)
    items = list(page.items)
    while page.next_cursor is not None:
        page = wb.generations(project, shot, cursor=page.next_cursor, fresh=True)
        items += page.items
    return items


def test_the_stream_equals_the_pages_with_odd_params(db_dsn: str, tmp_path: Path) -> None:
    user, other = uuid.uuid4(), uuid.uuid4()
    project, theirs = uuid.uuid4(), uuid.uuid4()
    shot_a, shot_b, their_shot = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        for uid in (user, other):
            conn.execute("INSERT INTO users (id, name) VALUES (%s, 'u')", (uid,))
        for pid, owner in ((project, user), (theirs, other)):
            conn.execute("INSERT INTO projects (id, name, user_id) VALUES (%s, 'p', %s)",
                         (pid, owner))  # fmt: skip
        for sid, pid in ((shot_a, project), (shot_b, project), (their_shot, theirs)):
            conn.execute("INSERT INTO shots (id, name, project_id) VALUES (%s, 's', %s)",
                         (sid, pid))  # fmt: skip
        foreign = conn.execute(
            "INSERT INTO generations (project_id, type, location, params) "
            "VALUES (%s, 'image', 'x', '{}') RETURNING id", (theirs,),
        ).fetchone()[0]  # fmt: skip
        ids = []
        for n in range(30):
            params: dict[str, Any] = {**ODD, "n": n, "tool_type": "image-generation"}
            if n % 3 == 0:
                params = {"originalParams": {"orchestrator_details": {"prompt": f"orch {n}"}},
                          "n": n, "big": 10**25 + n}  # fmt: skip
            ids.append(conn.execute(
                "INSERT INTO generations (project_id, type, location, thumbnail_url, params, "
                "starred, created_at, tasks, based_on) VALUES (%s, %s, %s, %s, %s, %s, "
                "now() - make_interval(secs => %s), %s, %s) RETURNING id",
                (project, "video" if n % 4 == 0 else "image", f"file:///m/{n}.png",
                 None if n % 5 == 0 else f"file:///t/{n}.jpg", Jsonb(params), n % 2 == 0,
                 n * 10, Jsonb([str(uuid.uuid4())]) if n % 6 else None,
                 (ids[0] if n == 8 else foreign if n == 9 else None) if ids else None),
            ).fetchone()[0])  # fmt: skip
        conn.execute(
            "INSERT INTO generations (project_id, type, location, params) "
            "VALUES (%s, 'image', NULL, '{}')",
            (project,),
        )  # unfinished: not shown
        for n, gid in enumerate(ids[:12]):  # variants: some viewed, some not
            for k in range(n % 3):
                conn.execute(
                    "INSERT INTO generation_variants (generation_id, location, is_primary, "
                    "variant_type, viewed_at) VALUES (%s, %s, %s, 'edit', %s)",
                    (gid, f"file:///v/{n}-{k}.png", k == 1 and n == 4, None if k else NOW),
                )
        for n, gid in enumerate(ids[:20]):  # links: two shots, positioned or not
            frame = n * 50 if n % 3 else None
            conn.execute("INSERT INTO shot_generations (shot_id, generation_id, timeline_frame) "
                         "VALUES (%s, %s, %s)", (shot_a, gid, frame))  # fmt: skip
            if n % 2:
                conn.execute("INSERT INTO shot_generations (shot_id, generation_id, "
                             "timeline_frame) VALUES (%s, %s, %s)", (shot_b, gid, 7))  # fmt: skip
        conn.execute(
            "INSERT INTO shot_generations (shot_id, generation_id, timeline_frame) "
            "VALUES (%s, %s, 0)",
            (their_shot, ids[1]),
        )  # another user's: not listed
    with connect(db_dsn, storage=LocalStorage(tmp_path / "a"), user_id=user) as wb:
        cases: list[dict[str, Any]] = [
            {},
            {"filters": GenerationFilters(sort="oldest")},
            {"filters": GenerationFilters(starred=True, media_type="image")},
            {"filters": GenerationFilters(in_shot=shot_a, unpositioned=True)},
            {"filters": GenerationFilters(search="\u00e9t\u00e9")},
        ]
        for case in cases:
            streamed = list(wb.iter_generations(project, **case))
            paged = all_pages(wb, project, **case)
            assert streamed == paged, case
            assert len(streamed) > 0, case
        everything = {g.id: g for g in wb.iter_generations(project)}
        assert len(everything) == 30
        assert everything[ids[1]].shot_ids == tuple(sorted((shot_a, shot_b)))
        assert everything[ids[3]].positioned_shot_ids == (shot_b,)
        assert everything[ids[8]].based_on == ids[0]
        assert everything[ids[9]].based_on is None  # another user's generation
        assert (everything[ids[2]].variant_count, everything[ids[2]].unviewed_variant_count) == (
            2, 1)  # fmt: skip
        odd = everything[ids[1]].params
        assert odd == {**ODD, "n": 1, "tool_type": "image-generation"}
        for key in ("seed", "negative", "huge", "max64"):
            assert type(odd[key]) is int, key  # never a float
        assert type(everything[ids[3]].params["big"]) is int
        assert everything[ids[3]].prompt == "orch 3"

        for shot in (shot_a, shot_b):
            streamed = list(wb.iter_generations(project, shot))
            assert streamed == all_pages(wb, project, shot)
            links = list(wb.shot_generations([shot]))
            assert [link.generation for link in links] == streamed
            assert [link.timeline_frame for link in links] == [g.timeline_frame for g in streamed]
        assert len(list(wb.iter_generations(project, shot_a))) == 20


def keys_of(store: Storage) -> set[str]:
    """Every object in the store (a folder or an S3 bucket)."""
    return {o.key for o in store.list()}


def url_key(store: Storage, url: str) -> str:
    """The store's key of one of its URLs."""
    base = store.url("x")[:-1]
    assert url.startswith(base), url
    return url[len(base) :]


@pytest.fixture
def spied(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    """What the row batches held: one entry per file handed over for its row, and each
    batch's size."""
    seen: dict[str, list[int]] = {"handed": [], "batches": []}
    submit = batching.Coalescer.submit
    record = uploader._Batch._record_batch

    def spy_submit(self: Any, request: Any) -> Any:
        if isinstance(request, uploader._Stored):
            seen["handed"].append(1)
        return submit(self, request)

    def spy_record(self: Any, batch: Any) -> Any:
        seen["batches"].append(len(batch))
        return record(self, batch)

    monkeypatch.setattr(batching.Coalescer, "submit", spy_submit)
    monkeypatch.setattr(uploader._Batch, "_record_batch", spy_record)
    return seen


def test_batched_rows_land_exactly_and_a_bad_row_fails_alone(
    wb: Workbench, store: Storage, setup: Setup, db_dsn: str, tmp_path: Path,
    spied: dict[str, list[int]],
) -> None:  # fmt: skip
    folder = tmp_path / "batch"
    folder.mkdir()
    for n in range(11):
        kind = "jpeg" if n % 2 else "png"
        (folder / f"{n:02d}.{kind[:3]}").write_bytes(samples.image(kind, (40, 30), seed=300 + n))
    (folder / "11-copy.png").write_bytes((folder / "00.png").read_bytes())  # same bytes
    (folder / "05-bad.png").write_bytes(samples.image("png", (40, 30), seed=999))
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION refuse_bad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.params ->> 'original_filename' = '05-bad.png' THEN "
            "RAISE EXCEPTION 'not this one'; END IF; RETURN NEW; END $$"
        )
        conn.execute("CREATE TRIGGER refuse_bad BEFORE INSERT ON generations "
                     "FOR EACH ROW EXECUTE FUNCTION refuse_bad()")  # fmt: skip
        # Hold the shot's timeline lock: the first batch waits on it while every other file
        # is stored and queued, so the rest arrive as one batch (with the bad file inside).
        conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))",
                     (f"workbench-shot:{setup.shot}",))  # fmt: skip
        done: list[Any] = []

        def run() -> None:
            done.append(wb.upload(folder, project_id=setup.project, shot_id=setup.shot, workers=6))

        worker = threading.Thread(target=run)
        worker.start()
        wait_until(lambda: len(spied["handed"]) == 13, what="every file stored and handed over",
                   timeout=120, show=lambda: spied)  # fmt: skip
        conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))",
                     (f"workbench-shot:{setup.shot}",))  # fmt: skip
        worker.join(120)
    (results,) = done
    assert sorted(spied["batches"]) == [1, 12], spied  # the waiting one, then all the rest
    by_name = {Path(r.path).name: r for r in results}
    assert by_name["05-bad.png"].status == "failed"
    assert "stored, but recording it failed: not this one" in (by_name["05-bad.png"].error or "")
    pair = {by_name["00.png"].status, by_name["11-copy.png"].status}
    assert pair == {"uploaded", "duplicate"}
    assert by_name["00.png"].generation_id == by_name["11-copy.png"].generation_id
    uploaded = [r for r in results if r.status == "uploaded"]
    assert len(uploaded) == 11

    with psycopg.connect(db_dsn) as conn:
        rows = conn.execute(
            "SELECT g.id, g.location, g.thumbnail_url, g.params ->> 'content_sha256', "
            "g.params ->> 'original_filename', v.id = g.primary_variant_id, v.project_id, "
            "sg.timeline_frame FROM generations g "
            "JOIN generation_variants v ON v.generation_id = g.id "
            "JOIN shot_generations sg ON sg.generation_id = g.id AND sg.shot_id = %s "
            "WHERE g.project_id = %s", (setup.shot, setup.project),
        ).fetchall()  # fmt: skip
    assert {row[0] for row in rows} == {r.generation_id for r in uploaded}
    assert len(rows) == 11  # one variant, one link each
    assert all(row[5] and row[6] == setup.project for row in rows)
    for row in rows:
        data = (folder / row[4]).read_bytes()
        assert row[3] == hashlib.sha256(data).hexdigest()
    assert sorted(row[7] for row in rows) == [50 * k for k in range(11)]  # images, in turn
    # Exactly the recorded objects are stored: nothing of the bad file or the duplicate.
    assert keys_of(store) == {url_key(store, u) for row in rows for u in (row[1], row[2])}
    assert not (wb.config.paths.state_dir / JOURNAL_NAME).exists()  # nothing left to settle

    (change, *_) = wb.history()
    assert change.description == "upload 11 files"
    wb.undo()
    with psycopg.connect(db_dsn) as conn:
        left = conn.execute(
            "SELECT count(*) FROM generations WHERE id = ANY(%s)",
            ([r.generation_id for r in uploaded],),
        ).fetchone()
    assert left == (0,)


def test_a_large_file_starts_its_transfer_before_its_hash_is_known(
    wb: Workbench, store: Storage, setup: Setup, db_dsn: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Files above SPECULATE_ABOVE (lowered here) are sent while another thread hashes and
    thumbnails them: a new one lands whole; a duplicate's transfer is cut short and removed;
    one that cannot be decoded fails with nothing left behind."""
    monkeypatch.setattr(uploader, "SPECULATE_ABOVE", 1024)
    picture = tmp_path / "big.png"
    picture.write_bytes(samples.image("png", (640, 400), seed=7))
    assert picture.stat().st_size > 1024
    broken = tmp_path / "broken.png"
    broken.write_bytes(picture.read_bytes()[:40] + bytes(range(256)) * 16)  # a header, no pixels
    (first,) = wb.upload(picture, project_id=setup.project, shot_id=setup.shot)
    assert first.status == "uploaded"
    stored = keys_of(store)
    assert len(stored) == 2  # the picture and its thumbnail
    (again,) = wb.upload(picture, project_id=setup.project)
    assert (again.status, again.generation_id) == ("duplicate", first.generation_id)
    results = wb.upload([broken], project_id=setup.project)
    assert results[0].status == "failed"
    assert keys_of(store) == stored  # nothing of the duplicate or the broken file
    assert not (wb.config.paths.state_dir / JOURNAL_NAME).exists()
    with psycopg.connect(db_dsn) as conn:
        row = conn.execute(
            "SELECT g.location, g.thumbnail_url, g.params ->> 'content_sha256', sg.timeline_frame "
            "FROM generations g JOIN shot_generations sg ON sg.generation_id = g.id "
            "WHERE g.id = %s", (first.generation_id,),
        ).fetchone()  # fmt: skip
    assert row is not None
    assert {url_key(store, row[0]), url_key(store, row[1])} == stored
    assert row[2] == hashlib.sha256(picture.read_bytes()).hexdigest()
    assert row[3] == 0
