"""``workbench star | unstar | delete | add-to-shot | remove-from-shot`` on several ids (or ids
read from stdin), ``workbench variants ...`` and the card columns of ``workbench generations``,
run in this process as a shell would run them (stdin not a terminal)."""

from __future__ import annotations

import io
import json
import sys
import uuid
from typing import Any

import psycopg
import pytest
from test_bulk import Batch, build_batch, links_of, stars
from test_undo import all_rows
from test_variants import variant_row

from workbench.cli import main


@pytest.fixture
def batch(db_dsn: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Batch:
    made = build_batch(db_dsn)
    monkeypatch.setenv("WORKBENCH_DSN", db_dsn)
    monkeypatch.setenv("WORKBENCH_USER_ID", str(made.user))
    monkeypatch.setenv("WORKBENCH_ASSETS_DIR", str(tmp_path / "assets"))
    return made


@pytest.fixture
def cli(batch: Batch, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """``workbench ARGS`` in this process, ``stdin`` (bytes) as its input; returns (exit
    status, stdout, stderr)."""

    def run(*args: str, stdin: bytes = b"") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        capsys.readouterr()
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    return run


def refused(result: tuple[int, str, str], *words: str) -> None:
    """Exit 1, one error line on stderr saying ``words``, nothing on stdout."""
    status, out, err = result
    assert status == 1, (out, err)
    assert out == ""
    assert err.startswith("workbench: error: ")
    for word in words:
        assert word in err, err


# -- star ------------------------------------------------------------------------------------
def test_star_and_unstar_several_ids_one_undo(cli: Any, db_dsn: str, batch: Batch) -> None:
    three = batch.g[:3]
    status, out, _ = cli("star", *map(str, three))
    assert status == 0
    assert out == "star 3 generations (undo with: workbench undo)\n"
    assert stars(db_dsn, three) == [True, True, True]
    assert cli("undo")[0] == 0
    assert stars(db_dsn, three) == [True, False, False]

    status, out, _ = cli("unstar", *map(str, three), "--json")
    assert status == 0
    summary = json.loads(out)
    assert (summary["kind"], summary["description"]) == ("star", "unstar 3 generations")
    assert stars(db_dsn, three) == [False, False, False]


def test_ids_from_stdin(cli: Any, db_dsn: str, batch: Batch) -> None:
    lines = f"{batch.g[1]}\n\n  {batch.g[2]}  \r\n{batch.g[1]}\n".encode()  # blank, spaces, repeat
    status, out, _ = cli("star", "-", stdin=lines)
    assert status == 0
    assert out.startswith("star 2 generations")
    assert stars(db_dsn, batch.g[1:3]) == [True, True]


def test_ids_piped_from_generations_export(cli: Any, db_dsn: str, batch: Batch) -> None:
    """`workbench generations export --jsonl | jq -r .id | workbench star -`"""
    status, out, _ = cli("generations", "export", "--project", "Neon Coastline", "--jsonl")
    assert status == 0
    ids = "".join(json.loads(line)["id"] + "\n" for line in out.splitlines())
    assert len(ids.splitlines()) == 4
    assert cli("star", "-", stdin=ids.encode())[0] == 0
    assert stars(db_dsn, batch.g) == [True] * 4


@pytest.mark.parametrize(
    ("stdin", "words"),
    [
        (b"", ["no generation ids on stdin"]),
        (b"\n  \n", ["no generation ids on stdin"]),
        (b"\x00\x00\x00\n", ["malformed generation id", "\\x00"]),
        (b"\xff\xfe\n", ["malformed generation id"]),
        (b"a" * 5000, ["stdin line 1 is too long"]),
    ],
)
def test_bad_stdin_is_refused_and_changes_nothing(
    cli: Any, db_dsn: str, batch: Batch, stdin: bytes, words: list[str]
) -> None:
    for command in (["star", "-"], ["delete", "-", "--yes"], ["unstar", "-"]):
        refused(cli(*command, stdin=stdin), *words)
    assert stars(db_dsn, batch.g) == [True, False, False, False]
    assert cli("history", "--json")[1].strip() == "[]"


def test_nul_byte_within_an_id_among_good_ones(cli: Any, db_dsn: str, batch: Batch) -> None:
    lines = f"{batch.g[1]}\n{batch.g[2]}\x00\n".encode()
    refused(cli("star", "-", stdin=lines), "malformed generation id")
    assert stars(db_dsn, batch.g[1:3]) == [False, False]


def test_more_than_the_batch_limit_on_stdin_is_refused(cli: Any, batch: Batch) -> None:
    lines = "".join(f"{uuid.uuid4()}\n" for _ in range(10_001)).encode()
    refused(cli("star", "-", stdin=lines), "at most 10,000")


def test_dash_with_other_ids_is_refused(cli: Any, batch: Batch) -> None:
    refused(cli("star", str(batch.g[0]), "-"), "give it alone")


def test_a_bad_uuid_among_good_ones_changes_nothing(cli: Any, db_dsn: str, batch: Batch) -> None:
    before = all_rows(db_dsn)
    for command in ("star", "unstar"):
        refused(cli(command, str(batch.g[1]), "not-a-uuid", str(batch.g[2])),
                "malformed generation id: 'not-a-uuid'")  # fmt: skip
    refused(cli("delete", str(batch.g[1]), "g2", "--yes"), "'g2' is not a UUID")
    refused(cli("add-to-shot", str(batch.g[1]), "x", "--shot", "Empty"), "'x' is not a UUID")
    assert all_rows(db_dsn) == before


def test_someone_elses_id_changes_nothing_and_is_named(cli: Any, db_dsn: str, batch: Batch) -> None:
    before = all_rows(db_dsn)
    ids = [str(batch.g[1]), str(batch.foreign), str(batch.g[2])]
    words = [str(batch.foreign), "not found among the current user's"]
    refused(cli("star", *ids), *words)
    refused(cli("delete", *ids, "--yes"), *words)
    refused(cli("delete", *ids), *words)  # found out while building the question
    refused(cli("add-to-shot", *ids, "--shot", "Empty"), *words)
    refused(cli("remove-from-shot", *ids, "--shot", "Harbour Lights", "--yes"), *words)
    refused(cli("remove-from-shot", *ids, "--shot", "Harbour Lights"), *words)
    assert all_rows(db_dsn) == before


# -- delete ----------------------------------------------------------------------------------
def test_delete_several_asks_once_then_one_undo_brings_them_back(
    cli: Any, db_dsn: str, batch: Batch
) -> None:
    before = all_rows(db_dsn)
    ids = [str(g) for g in batch.g[:3]]
    refused(
        cli("delete", *ids),
        "Delete 3 generations (all images)?", "This needs confirmation: add --yes",
    )  # fmt: skip
    assert all_rows(db_dsn) == before
    status, out, _ = cli("delete", *ids, "--yes")
    assert status == 0
    assert out == "delete 3 generations (undo with: workbench undo)\n"
    assert all_rows(db_dsn) != before
    status, out, _ = cli("undo")
    assert (status, out) == (0, "undid: delete 3 generations\n")
    assert all_rows(db_dsn) == before


def test_delete_one_asks_about_it_by_name(cli: Any, db_dsn: str, batch: Batch) -> None:
    refused(cli("delete", str(batch.g[0])), "Delete the image 'harbour at dusk'?", "--yes")
    status, out, _ = cli("delete", str(batch.g[0]), "--yes", "--json")
    assert status == 0
    assert json.loads(out)["description"] == "delete generation 'harbour at dusk'"


# -- shots -----------------------------------------------------------------------------------
def test_add_to_shot_end_unpositioned_and_frame(cli: Any, db_dsn: str, batch: Batch) -> None:
    ids = [str(batch.g[2]), str(batch.g[0]), str(batch.g[1])]
    status, out, _ = cli("add-to-shot", *ids, "--shot", "Harbour Lights")
    assert status == 0
    assert out == "add 3 generations to shot 'Harbour Lights' (undo with: workbench undo)\n"
    frames = {(gen, frame) for _, gen, frame in links_of(db_dsn, batch.shot)}
    assert {(batch.g[2], 100), (batch.g[0], 150), (batch.g[1], 200)} <= frames

    status, out, _ = cli(
        "add-to-shot", *ids[:2], "--shot", "Empty", "--project", "Neon Coastline",
        "--unpositioned", "--json",
    )  # fmt: skip
    assert status == 0
    assert json.loads(out)["kind"] == "add-to-shot"
    assert [frame for _, _, frame in links_of(db_dsn, batch.empty_shot)] == [None, None]

    refused(cli("add-to-shot", *ids[:2], "--shot", "Night Market", "--frame", "7"),
            "--frame places one generation")  # fmt: skip
    assert cli("add-to-shot", ids[0], "--shot", "Night Market", "--frame", "7")[0] == 0
    assert (batch.g[2], 7) in {(g, f) for _, g, f in links_of(db_dsn, batch.other_shot)}

    assert cli("undo")[0] == 0
    assert cli("undo")[0] == 0
    assert links_of(db_dsn, batch.empty_shot) == []


def test_add_to_a_shot_of_another_project_is_refused(cli: Any, db_dsn: str, batch: Batch) -> None:
    refused(
        cli("add-to-shot", str(batch.g[0]), str(batch.g[1]), "--shot", "Second shot"),
        "different projects", "nothing was changed",
    )  # fmt: skip
    assert links_of(db_dsn, batch.second_shot) == []


def test_remove_several_asks_once_and_undo_puts_the_links_back(
    cli: Any, db_dsn: str, batch: Batch
) -> None:
    assert cli("add-to-shot", str(batch.g[1]), "--shot", "Harbour Lights", "--unpositioned")[0] == 0
    before = links_of(db_dsn, batch.shot)
    ids = [str(batch.g[0]), str(batch.g[3]), str(batch.g[1])]
    refused(
        cli("remove-from-shot", *ids, "--shot", "Harbour Lights"),
        "Remove 3 generations from shot 'Harbour Lights'?", "add --yes",
    )  # fmt: skip
    refused(
        cli("remove-from-shot", str(batch.g[0]), "--shot", "Harbour Lights"),
        "Remove 'harbour at dusk' from shot 'Harbour Lights'?",
    )  # fmt: skip
    refused(
        cli("remove-from-shot", str(batch.g[0]), str(batch.g[2]), "--shot", "Harbour Lights"),
        f"generation {batch.g[2]} is not in shot 'Harbour Lights'",
    )  # fmt: skip
    assert links_of(db_dsn, batch.shot) == before

    status, out, _ = cli("remove-from-shot", "-", "--shot", "Harbour Lights", "--yes",
                         stdin="\n".join(ids).encode())  # fmt: skip
    assert status == 0
    assert out == "remove 3 generations from shot 'Harbour Lights' (undo with: workbench undo)\n"
    assert links_of(db_dsn, batch.shot) == []
    assert cli("undo")[0] == 0
    assert links_of(db_dsn, batch.shot) == before


# -- variants --------------------------------------------------------------------------------
def test_variants_list(cli: Any, batch: Batch) -> None:
    status, out, _ = cli("variants", "list", str(batch.g[0]), "--json")
    assert status == 0
    rows = json.loads(out)
    assert [(r["id"], r["type"], r["primary"], r["new"], r["starred"]) for r in rows] == [
        (str(batch.variants[0]), "original", True, False, False),
        (str(batch.variants[1]), "upscaled", False, True, False),
    ]
    assert {"name", "created_at", "location", "viewed_at"} <= set(rows[0])
    status, out, _ = cli("variants", "list", str(batch.g[0]))
    lines = out.splitlines()
    assert lines[0] == f"2 variants of generation {batch.g[0]}"
    assert lines[1].startswith(f"{batch.variants[0]}  original   primary")
    assert "new" in lines[2]
    assert "u/a-up.png" in lines[2]
    refused(cli("variants", "list", str(batch.foreign)), "not found among the current user's")


def test_variants_primary_delete_star_viewed(cli: Any, db_dsn: str, batch: Batch) -> None:
    original, upscaled = map(str, batch.variants)
    gid = str(batch.g[0])
    refused(cli("variants", "delete", original, "--yes"), "Cannot delete the original variant")
    status, out, _ = cli("variants", "primary", gid, upscaled)
    assert (status, out) == (
        0, "set the primary variant of 'harbour at dusk' (undo with: workbench undo)\n",
    )  # fmt: skip
    refused(cli("variants", "delete", upscaled, "--yes"), "Cannot delete the primary variant")
    assert cli("undo")[0] == 0

    row = variant_row(db_dsn, batch.variants[1])
    refused(cli("variants", "delete", upscaled), "Delete the ", "add --yes")
    assert cli("variants", "delete", upscaled, "--yes")[0] == 0
    assert variant_row(db_dsn, batch.variants[1]) is None
    assert cli("undo")[0] == 0
    assert variant_row(db_dsn, batch.variants[1]) == row

    status, out, _ = cli("variants", "star", original, upscaled)
    assert (status, out) == (0, "star 2 variants (undo with: workbench undo)\n")
    assert cli("variants", "unstar", upscaled)[0] == 0
    assert [r["starred"] for r in json.loads(cli("variants", "list", gid, "--json")[1])] == [
        True, False,
    ]  # fmt: skip
    refused(cli("variants", "star", original, "nope"), "malformed variant id: 'nope'")

    status, out, _ = cli("variants", "viewed", gid, "--json")
    assert json.loads(out) == {"generation_id": gid, "marked_viewed": 1}
    assert cli("variants", "viewed", gid)[1] == (
        "marked 0 variants viewed (not an edit: nothing to undo)\n"
    )
    refused(cli("variants", "viewed", str(batch.foreign)), "not found among the current user's")


# -- generations: what the card shows --------------------------------------------------------
def test_generations_rows_show_what_the_card_shows(cli: Any, db_dsn: str, batch: Batch) -> None:
    with psycopg.connect(db_dsn, autocommit=True) as conn:  # g[0]: in both shots
        conn.execute(
            "INSERT INTO shot_generations (shot_id, generation_id) VALUES (%s, %s)",
            (batch.other_shot, batch.g[0]),
        )
    status, out, _ = cli("generations", "--project", "Neon Coastline", "--json")
    assert status == 0
    items = {item["id"]: item for item in json.loads(out)["items"]}
    first = items[str(batch.g[0])]
    assert first["shots"]
    assert first["variants"] == 2
    assert (first["kind"], first["caption"], first["new_variants"]) == (
        "image", "harbour at dusk", 1,
    )  # fmt: skip
    assert first["shot_names"] == [
        {"id": str(batch.shot), "name": "Harbour Lights", "positioned": True},
        {"id": str(batch.other_shot), "name": "Night Market", "positioned": False},
    ]
    assert first["badges"] == [
        "1 new", "2 variants", "Harbour Lights", "Night Market (unpositioned)",
    ]  # fmt: skip
    assert first["summary"].startswith("★ image · harbour at dusk")

    status, out, _ = cli("generations", "--project", "Neon Coastline")
    row = next(line for line in out.splitlines() if str(batch.g[0]) in line)
    assert row.startswith("★ image")
    assert "[1 new]  [2 variants]  [Harbour Lights]  [Night Market (unpositioned)]" in row

    status, out, _ = cli("generations", "export", "--project", "Neon Coastline", "--csv")
    header, *_ = out.splitlines()
    assert header.startswith("id,type,starred,")
    assert header.endswith(",kind,caption,new_variants,shot_names,badges,summary")
    assert "Harbour Lights; Night Market (unpositioned)" in out
