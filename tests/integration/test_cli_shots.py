"""``workbench shots ...`` and ``workbench projects ...`` run in this process as a shell runs
them: every verb with its one line and its ``--json``, the delete question asked in the
navigator's words, ``workbench undo`` after each kind of change, and wrong input refused with
one line on stderr and nothing changed."""

from __future__ import annotations

import io
import json
import sys
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from test_bulk import Batch, build_batch, links_of

from workbench.cli import main
from workbench.startup import connect
from workbench.storage import LocalStorage
from workbench.views.navigator import NavigatorModel

P = "Neon Coastline"


@pytest.fixture
def batch(db_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Batch:
    made = build_batch(db_dsn)
    monkeypatch.setenv("WORKBENCH_DSN", db_dsn)
    monkeypatch.setenv("WORKBENCH_USER_ID", str(made.user))
    monkeypatch.setenv("WORKBENCH_ASSETS_DIR", str(tmp_path / "assets"))
    return made


class Terminal(io.TextIOWrapper):
    """stdin as a terminal: ``confirm`` asks instead of refusing."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def cli(batch: Batch, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """``workbench ARGS`` in this process; returns (exit status, stdout, stderr). ``answer``
    makes stdin a terminal on which the user types it (the prompt is kept in ``asked``)."""

    def run(*args: str, stdin: bytes = b"", answer: str | None = None) -> tuple[int, str, str]:
        wrapper = io.TextIOWrapper if answer is None else Terminal
        monkeypatch.setattr(sys, "stdin", wrapper(io.BytesIO(stdin)))
        if answer is not None:
            monkeypatch.setattr("builtins.input", lambda prompt: run.asked.append(prompt) or answer)
        capsys.readouterr()
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    run.asked = []  # type: ignore[attr-defined]
    return run


def ok(result: tuple[int, str, str]) -> str:
    status, out, err = result
    assert (status, err) == (0, ""), (out, err)
    return out


def refused(result: tuple[int, str, str], *words: str) -> None:
    """Exit 1, one error line on stderr saying ``words``, nothing on stdout."""
    status, out, err = result
    assert (status, out) == (1, ""), (out, err)
    assert err.startswith("workbench: error: "), err
    assert err.count("\n") == 1, err
    for word in words:
        assert word in err, err


def snapshot(dsn: str) -> dict[str, list[Any]]:
    """Every row of what these commands change, whole."""
    with psycopg.connect(dsn) as conn:
        return {
            table: sorted(str(r[0]) for r in conn.execute(f"SELECT to_jsonb(t) FROM {table} t"))
            for table in ("projects", "shots", "shot_generations", "generations")
        }


def shot_order(cli: Any) -> list[str]:
    return [row["name"] for row in json.loads(ok(cli("shots", "list", "--project", P, "--json")))]


def test_every_shots_verb_then_undo(cli: Any, db_dsn: str, batch: Batch, tmp_path: Path) -> None:
    g = [str(x) for x in batch.g]
    # list: the project's order with Reigh's counts (the placeholder parents never count).
    rows = {r["name"]: r for r in json.loads(ok(cli("shots", "list", "--project", P, "--json")))}
    assert set(rows) == {"Harbour Lights", "Night Market", "Empty"}
    assert rows["Night Market"]["counts"] == {
        "total": 2, "positioned": 1, "unpositioned": 1, "videos": 0
    }  # fmt: skip
    assert rows["Harbour Lights"]["effective_aspect_ratio"] is None  # the project has none
    text = ok(cli("shots", "list", "--project", str(batch.project)))
    assert text.startswith(f"{P}: 3 shots")
    assert any(
        "Night Market" in line and str(batch.other_shot) in line for line in text.split("\n")
    )

    # create: from ids in the order given, with its own aspect ratio; --json is the shot.
    made = json.loads(ok(cli("shots", "create", "--project", P, "Picks", "--ids", g[2], g[0],
                             "--aspect-ratio", "9:16", "--json")))  # fmt: skip
    picks = uuid.UUID(made["id"])
    assert (made["name"], made["aspect_ratio"]) == ("Picks", "9:16")
    assert made["change"]["description"] == "create shot 'Picks' with 2 items"
    assert [(gen, f) for _, gen, f in links_of(db_dsn, picks)] == [
        (batch.g[2], 0), (batch.g[0], 50)
    ]  # fmt: skip
    # ... and from ids on stdin, named as Reigh names a new shot.
    out = ok(
        cli("shots", "create", "--project", P, "--ids", "-", stdin=f"{g[3]}\n{g[1]}\n".encode())
    )
    assert out == "create shot 'Shot 5' with 2 items (undo with: workbench undo)\n"
    assert shot_order(cli)[-2:] == ["Picks", "Shot 5"]

    out = ok(cli("shots", "rename", "--project", P, "Picks", "Best picks"))
    assert out == "rename shot 'Picks' to 'Best picks' (undo with: workbench undo)\n"

    # reorder: those named first, in that order, the others after them as they were.
    before = shot_order(cli)
    ok(cli("shots", "reorder", "--project", P, "Shot 5", str(picks)))
    assert shot_order(cli) == ["Shot 5", "Best picks", *[n for n in before if n not in
                                                         ("Shot 5", "Best picks")]]  # fmt: skip
    out = ok(cli("shots", "reorder", "--project", P, "Shot 5", "--json"))
    assert json.loads(out)["change"] is None  # already first: nothing recorded
    assert ok(cli("shots", "reorder", "--project", P, "Shot 5")).startswith("the shots were")

    copy = json.loads(ok(cli("shots", "duplicate", "--project", P, "Harbour Lights", "--json")))
    assert copy["name"] == "Harbour Lights (copy)"
    assert shot_order(cli)[-1] == copy["name"]
    assert [(gen, f) for _, gen, f in links_of(db_dsn, uuid.UUID(copy["id"]))] == [
        (batch.g[3], 0), (batch.g[0], 50)
    ]  # fmt: skip

    # position: Night Market's unpositioned item goes just before the one at frame 10.
    placed = json.loads(ok(cli("shots", "position", "--project", P, "Night Market", g[1],
                               "--before", g[2], "--json")))  # fmt: skip
    assert [gen for _, gen, _ in links_of(db_dsn, batch.other_shot)] == [batch.g[1], batch.g[2]]
    assert placed["frame"] < 10
    assert placed["change"]["kind"] == "reorder"
    # move: out of Night Market, into Empty without a place.
    out = ok(cli("shots", "move", "--project", P, "--from", "Night Market", "--to", "Empty",
                 g[2], "--unpositioned"))  # fmt: skip
    assert out.startswith("move ")
    assert "from shot 'Night Market' to 'Empty'" in out
    assert [(gen, f) for _, gen, f in links_of(db_dsn, batch.empty_shot)] == [(batch.g[2], None)]

    # delete: a script without --yes is refused in the navigator's words; a terminal asks
    # exactly what the TUI and the notebook ask; "n" changes nothing, --yes goes ahead.
    state = snapshot(db_dsn)
    refused(cli("shots", "delete", "--project", P, "Harbour Lights"),
            "Delete shot 'Harbour Lights'?", "add --yes")  # fmt: skip
    with connect(db_dsn, storage=LocalStorage(tmp_path / "media")) as wb:
        navigator = NavigatorModel(wb)
        question = navigator.confirm_delete_shot(batch.shot)
        navigator.close()
    assert question is not None
    refused(cli("shots", "delete", "--project", P, "Harbour Lights", answer="n"), "cancelled")
    # (``output.confirm`` escapes the question's line breaks as "\x0a" today: reported.)
    assert [a.replace("\\x0a", "\n") for a in cli.asked] == [
        f"{question.text()}\n{question.verb}? [y/N] "
    ]
    assert snapshot(db_dsn) == state
    gone = json.loads(ok(cli("shots", "delete", "--project", P, "Harbour Lights", "--yes",
                             "--json")))  # fmt: skip
    assert gone["change"]["description"] == "delete shot 'Harbour Lights' (2 on its timeline)"
    assert "Harbour Lights" not in shot_order(cli)
    assert ok(cli("undo")) == "undid: delete shot 'Harbour Lights' (2 on its timeline)\n"
    assert snapshot(db_dsn) == state  # the same ids, frames and settings
    # The terminal's "y" deletes too.
    ok(cli("shots", "delete", "--project", P, "Empty", answer="y"))
    assert "Empty" not in shot_order(cli)

    # Each verb above was one change: undo takes them all back, newest first.
    kinds = [c["kind"] for c in json.loads(ok(cli("history", "--json")))]
    assert kinds == ["delete-shot", "delete-shot", "move", "reorder", "create-shot",
                     "reorder-shots", "rename", "create-shot", "create-shot"]  # fmt: skip
    for _ in kinds[1:]:
        ok(cli("undo"))
    assert set(shot_order(cli)) == {"Harbour Lights", "Night Market", "Empty"}


def test_projects_verbs_and_the_old_listing(cli: Any, db_dsn: str, batch: Batch) -> None:
    listed = ok(cli("projects"))  # no verb: the listing, as before verbs existed
    assert listed == ok(cli("projects", "list"))
    assert f"{P}  (?, 3 shots)  {batch.project}" in listed
    assert {p["name"] for p in json.loads(ok(cli("projects", "--json")))} == {P, "Second"}

    made = json.loads(ok(cli("projects", "create", "Reel", "--like", P, "--aspect-ratio",
                             "9:16", "--json")))  # fmt: skip
    assert (made["name"], made["aspect_ratio"]) == ("Reel", "9:16")
    assert made["change"]["description"] == "create project 'Reel'"
    assert "Default Shot" in ok(cli("shots", "list", "--project", "Reel"))
    out = ok(cli("projects", "rename", "Reel", "Final reel"))
    assert out == "rename project 'Reel' to 'Final reel' (undo with: workbench undo)\n"
    out = ok(cli("projects", "aspect-ratio", "Final reel", "1:1"))
    assert out.startswith("set the aspect ratio of project 'Final reel' to 1:1")
    assert "Final reel  (1:1, 1 shots)" in ok(cli("projects"))
    ok(cli("undo"))
    ok(cli("undo"))
    assert "Reel  (9:16, 1 shots)" in ok(cli("projects"))


def test_wrong_input_is_one_line_and_changes_nothing(cli: Any, db_dsn: str, batch: Batch) -> None:
    state = snapshot(db_dsn)
    g = str(batch.g[0])
    s = ("shots",)
    cases: list[tuple[tuple[str, ...], bytes, tuple[str, ...]]] = [
        ((*s, "list", "--project", "Nope"), b"", ("Nope",)),
        ((*s, "list", "--project", "a\x00b"), b"", ("NUL",)),
        ((*s, "rename", "--project", P, "Nowhere", "x"), b"", ("no shot 'Nowhere'",)),
        ((*s, "rename", "--project", P, "Empty", "  "), b"", ("cannot be empty",)),
        ((*s, "rename", "--project", P, "Empty", "a\x00b"), b"", ("NUL",)),
        ((*s, "create", "--project", P, "x", "--aspect-ratio", "wide"), b"", ("aspect ratio",)),
        ((*s, "create", "--project", P, "--ids", g, "nope"), b"", ("malformed generation id",)),
        ((*s, "create", "--project", P, "--ids", "-"), b"zz\n", ("malformed generation id",)),
        ((*s, "create", "--project", P, "--ids", str(batch.foreign)), b"", ("1 of the 1",)),
        ((*s, "reorder", "--project", P, "Empty", "Ghost"), b"", ("no shot 'Ghost'",)),
        ((*s, "duplicate", "--project", "Second", "Empty"), b"", ("no shot 'Empty'",)),
        ((*s, "delete", "--project", P, "Empty"), b"", ("Delete shot 'Empty'?", "--yes")),
        ((*s, "position", "--project", P, "Empty", "x1"), b"", ("malformed generation id",)),
        ((*s, "position", "--project", P, "Empty", g), b"", ()),  # not in that shot
        ((*s, "move", "--project", P, "--from", "Empty", "--to", "Night Market", g), b"", ()),
        (("projects", "create", ""), b"", ("cannot be empty",)),
        (("projects", "create", "x", "--aspect-ratio", "0:9"), b"", ("aspect ratio",)),
        (("projects", "create", "x", "--like", "Theirs"), b"", ("Theirs",)),
        (("projects", "rename", P, "a\x00"), b"", ("NUL",)),
        (("projects", "aspect-ratio", P, "16/9"), b"", ("16/9",)),
    ]
    for args, stdin, words in cases:
        refused(cli(*args, stdin=stdin), *words)
    assert snapshot(db_dsn) == state
    assert ok(cli("history", "--json")).strip() == "[]"
