"""The first-use bugs of issue 13 that a new user meets in the CLI, the API and the start-up:
each test here failed on the code before its fix.

1 dates the CLI cannot read · 5 unpositioned counts vs the filter · 7 ``--json`` everywhere ·
8 a TUI on a project that does not exist · 9 cursors · 10 the order of a shot's gallery ·
11 upload messages · 12 what the first start is doing.
"""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path
from typing import Any

import pytest
import upload_samples as samples

from workbench.cli import main
from workbench.cli.output import StartupLines
from workbench.client import Workbench
from workbench.db.embedded import EmbeddedPostgres
from workbench.demo import seed_demo
from workbench.errors import ValidationError
from workbench.generations.filters import GenerationFilters, parse_date_time
from workbench.startup import StartupProgress
from workbench.storage import LocalStorage
from workbench.views import GalleryModel

PROJECT = "Neon Coastline"


@pytest.fixture
def cli(demo_dsn: str, demo_assets: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The `workbench` command (in this process) on the small demo."""
    monkeypatch.setenv("WORKBENCH_DSN", demo_dsn)
    monkeypatch.setenv("WORKBENCH_ASSETS_DIR", str(demo_assets))
    return demo_dsn


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The one line a refused command prints (and nothing on stdout)."""
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("workbench: error: "), err
    assert err.count("\n") == 1, err
    return err.strip()


# -- 1: dates ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("option", "text"),
    [("--after", "yesterday"), ("--after", "2026-13-45"), ("--before", "last week")],
)
def test_a_date_the_cli_cannot_read_says_what_it_expects(
    cli: str, capsys: pytest.CaptureFixture[str], option: str, text: str
) -> None:
    code = main(["generations", "--project", PROJECT, option, text])
    assert code == 1
    line = error_line(capsys)
    assert f"{option} {text!r}: expected an ISO date or date-time, e.g. 2026-09-05" in line


def test_dates_as_typed_are_read_everywhere(cli: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generations", "--project", PROJECT, "--after", "2026-09-01T12:00", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["items"]
    assert all(item["created_at"] >= "2026-09-01" for item in listed["items"])
    local = parse_date_time("2026-09-05")  # no offset: local time, as a person reads it
    assert local.tzinfo is not None
    assert parse_date_time("2026-09-05T10:00+02:00").utcoffset() is not None
    filters = GenerationFilters.of(created_after="2026-09-05", created_before="2026-09-06")
    assert filters.created_after == local
    assert filters.describe() == "from 2026-09-05 · before 2026-09-06"
    with pytest.raises(ValidationError, match="created_after 'soon': expected an ISO date"):
        GenerationFilters(created_after="soon")  # type: ignore[arg-type]


def test_other_options_that_parse_input_refuse_it_in_one_line(
    cli: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    refused = [
        (["generations", "--project", PROJECT, "--limit", "0"], "limit must be at least 1"),
        (["generations", "--project", PROJECT, "--page", "0"], "page must be a whole number"),
        (["upload", str(tmp_path), "--project", PROJECT, "--max-size", "lots"], "--max-size"),
        (["upload", str(tmp_path), "--project", PROJECT, "--workers", "0"], "workers"),
        (["tui", "--page-size", "0"], "--page-size must be at least 1"),
        (["demo", "--generations", "0"], "at least 1 generation"),
    ]
    for argv, message in refused:
        assert main(argv) == 1, argv
        assert message in error_line(capsys), argv


# -- 5: unpositioned -------------------------------------------------------------------------
def test_unpositioned_counts_and_the_filter_are_one_definition(demo_wb: Workbench) -> None:
    """The navigator's badge, ``shot_counts`` and the unpositioned filter agree for every
    shot, and none of them includes the shot's videos (Reigh never lists a video there)."""
    videos_in_shots = 0
    everywhere: set[Any] = set()
    for summary in demo_wb.overview():
        counts = {c.shot_id: c for c in demo_wb.shot_counts(summary.project.id)}
        for entry in summary.shots:
            page = demo_wb.generations(shot_id=entry.shot.id, unpositioned=True, limit=500)
            assert page.total == len(page) == entry.counts.unpositioned, entry.shot.name
            assert counts[entry.shot.id].unpositioned == entry.counts.unpositioned
            assert not any(item.is_video for item in page)
            everywhere |= {item.id for item in page}
            timeline = demo_wb.generations(shot_id=entry.shot.id, limit=500)
            videos_in_shots += sum(item.is_video and item.timeline_frame is None
                                   for item in timeline)  # fmt: skip
        project = demo_wb.generations(summary.project.id, unpositioned=True, limit=500)
        assert not any(item.is_video for item in project)
    assert videos_in_shots > 0, "the demo has videos in shots, without frames: the case"
    projects = [s.project.id for s in demo_wb.overview()]
    in_projects = {i.id for p in projects
                   for i in demo_wb.generations(p, unpositioned=True, limit=500)}  # fmt: skip
    assert in_projects == everywhere  # a project's "unpositioned": what its shots list


# -- 7: --json -------------------------------------------------------------------------------
def test_projects_json_lists_the_shots_the_text_lists(
    cli: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["projects"]) == 0
    text = capsys.readouterr().out
    assert main(["projects", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [p["name"] for p in listed] == ["Neon Coastline", "Paper Garden"]
    for project in listed:
        assert f"{project['name']}  (" in text
        assert project["shots"], project["name"]
        for shot in project["shots"]:
            assert f"{shot['name']}  {shot['id']}" in text
            assert set(shot["counts"]) == {"total", "positioned", "unpositioned", "videos"}
        assert [s["position"] for s in project["shots"]] == sorted(
            s["position"] for s in project["shots"]
        )
        assert project["counts"]["total"] > 0


def test_db_url_json_is_json(cli: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "url", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"dsn": cli, "embedded": False}
    assert main(["db", "url"]) == 0
    assert capsys.readouterr().out == cli + "\n"  # for psql "$(workbench db url)"
    assert main(["db", "migrate", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"applied": []}


# -- 8: the TUI on a project that does not exist ------------------------------------------------
def test_the_tui_refuses_a_missing_project_before_opening(
    cli: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.tui.app

    opened: list[dict[str, Any]] = []
    monkeypatch.setattr(workbench.tui.app, "run", lambda **kwargs: opened.append(kwargs))
    assert main(["--project", "Neon Coastlin"]) == 1
    assert error_line(capsys) == (
        "workbench: error: project 'Neon Coastlin' not found among the current user's projects"
    )
    assert main(["generations", "--project", "Neon Coastlin"]) == 1
    assert error_line(capsys) == (
        "workbench: error: project 'Neon Coastlin' not found among the current user's projects"
    )  # the same message as any other command
    assert main(["--project", PROJECT, "--shot", "No Such Shot"]) == 1
    assert "no shot 'No Such Shot' in project 'Neon Coastline'" in error_line(capsys)
    assert opened == []
    assert main(["--project", PROJECT, "tui", "--shot", "Harbour Lights"]) == 0
    assert [(o["project"], o["shot"]) for o in opened] == [(PROJECT, "Harbour Lights")]
    assert isinstance(opened[0]["wb"], Workbench)  # connected once, by the command


# -- 9: cursors ------------------------------------------------------------------------------
def test_a_cursor_continues_its_gallery_and_none_is_not_page_one(demo_wb: Workbench) -> None:
    only = demo_wb.generations(PROJECT, media_type="image", starred=True)
    assert only.next_cursor is None
    with pytest.raises(ValidationError, match="cursor is None"):
        demo_wb.generations(PROJECT, cursor=only.next_cursor)
    first = demo_wb.generations(PROJECT, media_type="image", limit=7)
    second = demo_wb.generations(PROJECT, cursor=first.next_cursor)  # filters, limit: its own
    assert (second.page, second.limit, second.filters) == (2, 7, first.filters)
    assert all(not item.is_video for item in second)
    assert second.items == demo_wb.generations(PROJECT, media_type="image", limit=7, page=2).items
    same = demo_wb.generations(PROJECT, media_type="image", limit=7, cursor=first.next_cursor)
    assert same.items == second.items
    with pytest.raises(ValidationError, match="other filters"):
        demo_wb.generations(PROJECT, media_type="video", cursor=first.next_cursor)
    back = demo_wb.generations(PROJECT, cursor=second.prev_cursor)
    assert back.items == first.items


# -- 10: a shot's order ----------------------------------------------------------------------
def test_a_shot_gallery_offers_no_date_order(
    demo_wb: Workbench, cli: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shot = demo_wb.shots(PROJECT)[0]
    with pytest.raises(ValidationError, match="timeline"):
        demo_wb.generations(shot_id=shot.id, sort="oldest")
    assert main(["generations", "--project", PROJECT, "--shot", shot.name, "--oldest"]) == 1
    assert "--oldest orders a project's gallery" in error_line(capsys)

    gallery = GalleryModel(demo_wb, project_id=demo_wb.project(PROJECT).id)
    try:
        gallery.set_filters(sort="oldest")
        assert gallery.state.sortable
        assert gallery.state.page is not None
        assert "oldest first" in gallery.state.status
        gallery.set_target(shot_id=shot.id)  # what the TUI and the notebook do on a shot
        state = gallery.state
        assert (state.error, state.sortable, state.filters.sort) == (None, False, "newest")
        assert state.page is not None
        assert "oldest" not in state.status
        frames = [i.timeline_frame for i in state.items if i.timeline_frame is not None]
        assert frames == sorted(frames)  # the timeline, as it is
    finally:
        gallery.close()


# -- 11: upload messages ---------------------------------------------------------------------
def test_upload_failures_name_the_file_once_in_plain_english(
    cli: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nope.png"
    picture = tmp_path / "pic.png"
    picture.write_bytes(samples.image("png", (40, 30), seed=3))
    assert main(["upload", str(missing), "--project", PROJECT, "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert f"failed     {missing}: no such file or folder\n" in out
    assert out.count(str(missing)) == 1
    argv = ["upload", str(picture), "--project", PROJECT, "--no-progress"]
    assert main([*argv, "--max-size", "10B"]) == 1
    out = capsys.readouterr().out
    assert f"{picture}: too large (" in out
    assert "the limit for an image is 10 B" in out
    assert "a image" not in out
    assert main([*argv, "--kind", "video"]) == 1
    assert f"{picture}: is an image (image/png), not a video as asked" in capsys.readouterr().out


# -- 12: what the first start is doing -------------------------------------------------------
def test_start_up_steps_reach_the_cli(tmp_path: Path, db_dsn: str) -> None:
    import psycopg

    heard: list[str] = []
    server = EmbeddedPostgres(tmp_path / "pg", fast=True)
    try:
        server.ensure_running(heard.append)
        assert heard == [f"creating the embedded database in {server.data_dir}",
                         "starting PostgreSQL"]  # fmt: skip
        server.ensure_running(heard.append)  # running already: nothing slow, nothing said
        assert len(heard) == 2
    finally:
        server.stop()

    counts: list[tuple[int, int]] = []
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        seed_demo(conn, LocalStorage(tmp_path / "assets"), generations=6, videos=0,
                  progress=lambda done, total: counts.append((done, total)))  # fmt: skip
    assert counts == [(n, 6) for n in range(7)]

    log = io.StringIO()  # a pipe or a log: one line a step, a count every 100
    lines = StartupLines(log)
    lines(StartupProgress("starting PostgreSQL"))
    for done in range(601):
        lines(StartupProgress("creating the demo", done, 600))
    lines.finish()
    assert log.getvalue().splitlines() == [
        "workbench: starting PostgreSQL…",
        *(f"workbench: creating the demo: {n} of 600" for n in range(0, 601, 100)),
    ]

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()  # a terminal: one line a step, redrawn in place
    lines = StartupLines(screen)
    lines(StartupProgress("starting PostgreSQL"))
    lines(StartupProgress("creating the demo", 150, 600))
    lines(StartupProgress("creating the demo", 600, 600))
    lines.finish()
    shown = screen.getvalue()
    assert shown.count("\n") == 2
    assert "\rworkbench: [######..................] creating the demo: 150 of 600" in shown
    assert shown.endswith("creating the demo: 600 of 600\x1b[K\n")


async def test_the_tui_shows_the_start_up_steps_under_its_spinner(
    monkeypatch: pytest.MonkeyPatch, demo_wb: Workbench
) -> None:
    from textual.widgets import Static

    import workbench.startup
    from workbench.tui.app import WorkbenchApp

    halfway, go_on = threading.Event(), threading.Event()

    def slow_first_start(**kwargs: Any) -> Workbench:
        progress = kwargs.get("progress") or (lambda _: None)
        progress(StartupProgress("starting PostgreSQL"))
        progress(StartupProgress("creating the demo", 120, 600))
        halfway.set()
        go_on.wait(30)
        return demo_wb

    monkeypatch.setattr(workbench.startup, "connect", slow_first_start)
    app = WorkbenchApp()
    async with app.run_test() as pilot:
        for _ in range(600):
            if halfway.is_set():
                break
            await pilot.pause(0.05)
        assert halfway.is_set(), "connect() was not given a progress callback"
        await pilot.pause(0.2)
        label = app.query_one("#starting", Static)
        assert str(label.render()) == "creating the demo: 120 of 600"
        go_on.set()
        for _ in range(300):  # until the first page is drawn (leaving earlier cuts a mount)
            if app.first_paint is not None:
                break
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        assert app.first_paint is not None
        assert not app.query("#starting")  # gone once the workbench is shown


def test_the_notebook_gallery_offers_no_order_in_a_shot(demo_wb: Workbench) -> None:
    from workbench.widgets import Gallery

    gallery = Gallery(demo_wb, project=PROJECT, limit=12)
    try:
        assert gallery.order.layout.display is None  # a project's gallery: newest/oldest
        gallery.model.set_target(shot_id=demo_wb.shots(PROJECT)[0].id)
        assert gallery.order.layout.display == "none"
        assert gallery.model.state.error is None
    finally:
        gallery.close()
