"""Bad input is a ``ValidationError`` naming the argument and the problem, before anything is
stored: NUL bytes, lone surrogates, too deep, too big, the wrong type, in the API and the CLI
(real PostgreSQL with the demo, the real command). And a settings value stored too deep by
SQL reads cut, never as a crash."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cli_process import Run, workbench_process

from workbench.client import Workbench
from workbench.errors import NotFoundError, ValidationError
from workbench.inputs import MAX_JSON_DEPTH, MAX_NAME_LENGTH
from workbench.settings.stored_json import TOO_DEEP

TRAVEL = "travel-between-images"
PROJECT = "Neon Coastline"
SHOT = "Harbour Lights"


def snapshot(dsn: str) -> list[Any]:
    """Every row a refused call must leave alone: settings and shots."""
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT 'u', id::text, settings::text FROM users UNION ALL "
            "SELECT 'p', id::text, settings::text FROM projects UNION ALL "
            "SELECT 's', id::text, name || ' ' || coalesce(settings::text, '') FROM shots "
            "ORDER BY 1, 2"
        ).fetchall()


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


def refused(call: Callable[[], object], *words: str) -> str:
    with pytest.raises(ValidationError) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message
    assert len(message) < 500
    return message


# -- the gallery's filters -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("filters", "words"),
    [
        ({"search": "dusk\x00"}, ["search", "NUL"]),
        ({"search": "caf\udcc3"}, ["search", "\\udcc3"]),
        ({"tool_type": "image\x00"}, ["tool_type", "NUL"]),
        ({"tool_type": "\udcff"}, ["tool_type", "\\udcff"]),
        ({"tool_type": "t" * 101}, ["tool_type", "limited to 100"]),
        ({"created_after": "x" * 1_000_000}, ["created_after", "limited to"]),
    ],
    ids=[
        "search-nul",
        "search-surrogate",
        "tool-nul",
        "tool-surrogate",
        "tool-long",
        "date-huge",
    ],
)
def test_bad_filters_are_refused(
    demo_wb: Workbench, filters: dict[str, Any], words: list[str]
) -> None:
    refused(lambda: demo_wb.generations(PROJECT, **filters), *words)
    refused(lambda: list(demo_wb.iter_generations(PROJECT, **filters)), *words)


def test_wrong_argument_types_are_refused(demo_wb: Workbench) -> None:
    shot = demo_wb.find(PROJECT, SHOT).shot
    assert shot is not None
    refused(lambda: demo_wb.generations(PROJECT, cursor=123), "cursor", "int")  # type: ignore[arg-type]
    refused(lambda: demo_wb.generations(PROJECT, page="3"), "page", "whole number")  # type: ignore[arg-type]
    refused(lambda: demo_wb.generations(PROJECT, page=10**30), "page", "at most")
    refused(
        lambda: demo_wb.reset_setting("shot", shot.id, TRAVEL, 5),  # type: ignore[arg-type]
        "settings path",
        "int",
    )
    refused(lambda: demo_wb.generations(PROJECT, filters={1: 2}), "unknown filter")  # type: ignore[dict-item]
    refused(lambda: list(demo_wb.shot_generations(5)), "shot id", "int")
    refused(lambda: demo_wb.reorder_shot(shot.id, 5), "link id", "int")  # type: ignore[arg-type]
    item = demo_wb.generations(PROJECT, limit=1)[0]
    for frame in (2**40, -1, "middle", 2.5):
        refused(
            lambda f=frame: demo_wb.add_to_shot(item.id, shot.id, frame=f),  # type: ignore[misc]
            "timeline frame",
        )


# -- names and ids ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Night\x00Market", ["shot name", "NUL"]),
        ("Caf\udcc3", ["shot name", "\\udcc3"]),
        ("x" * 1_000_000, ["shot name", f"limited to {MAX_NAME_LENGTH}"]),
    ],
    ids=["nul", "surrogate", "1MB"],
)
def test_bad_shot_names_are_refused_and_nothing_is_stored(
    demo_wb: Workbench, demo_dsn: str, name: str, words: list[str]
) -> None:
    before = snapshot(demo_dsn)
    refused(lambda: demo_wb.create_shot(PROJECT, name), *words)
    assert snapshot(demo_dsn) == before


def test_shot_names_are_limited_to_200_characters(demo_wb: Workbench) -> None:
    refused(lambda: demo_wb.create_shot(PROJECT, "é" * (MAX_NAME_LENGTH + 1)), "limited to 200")
    name = "é" * MAX_NAME_LENGTH
    assert demo_wb.create_shot(PROJECT, name).name == name


@pytest.mark.parametrize(
    "call",
    [
        lambda wb: wb.project("x" * 1_000_000),
        lambda wb: wb.find(PROJECT, "y" * 1_000_000),
        lambda wb: wb.settings("t" * 1_000_000),
        lambda wb: wb.update_settings("s" * 1_000_000, uuid.uuid4(), TRAVEL, {}),
    ],
    ids=["project", "shot", "tool", "scope"],
)
def test_a_1_mb_id_or_name_is_echoed_cut(demo_wb: Workbench, call: Any) -> None:
    with pytest.raises((ValidationError, NotFoundError)) as info:
        call(demo_wb)
    assert len(str(info.value)) < 300


def test_names_postgres_cannot_hold_are_refused_on_lookup(demo_wb: Workbench) -> None:
    refused(lambda: demo_wb.find("Neon\udcff"), "project name", "\\udcff")
    refused(lambda: demo_wb.find(PROJECT, "Harbour\udcff"), "shot name", "\\udcff")
    refused(lambda: demo_wb.find("Neon\x00"), "project name", "NUL")


# -- settings --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("patch", "words"),
    [
        ({"prompt": "a\x00b"}, ["patch.prompt", "NUL"]),
        ({"prompt": "caf\udcc3"}, ["patch.prompt", "\\udcc3"]),
        ({"a\x00": 1}, ["key", "NUL"]),
        ({"\udcff": 1}, ["key", "\\udcff"]),
        ({"pairConfigs": nested(108)}, [f"more than {MAX_JSON_DEPTH} levels"]),
        (nested(5000), [f"more than {MAX_JSON_DEPTH} levels"]),
        ({"amountOfMotion": 10**5000}, ["patch.amountOfMotion", "2**53"]),
    ],
    ids=[
        "value-nul",
        "value-surrogate",
        "key-nul",
        "key-surrogate",
        "deep-108",
        "deep-5000",
        "huge-int",
    ],
)
def test_bad_settings_are_refused_before_anything_is_stored(
    demo_wb: Workbench, demo_dsn: str, patch: dict[str, Any], words: list[str]
) -> None:
    shot = demo_wb.find(PROJECT, SHOT).shot
    assert shot is not None
    before = snapshot(demo_dsn)
    handle = demo_wb.settings_handle(TRAVEL, shot_id=shot.id)
    for force in (False, True):  # force skips the known-field checks, never these
        write = functools.partial(demo_wb.update_settings, "shot", shot.id, TRAVEL, patch)
        refused(functools.partial(write, force=force), *words)
        refused(functools.partial(handle.update, patch, force=force), *words)
    assert snapshot(demo_dsn) == before


@pytest.mark.parametrize(
    ("path", "words"),
    [("prompt\x00", ["NUL"]), ("caf\udcc3", ["\\udcc3"]), ("a." * 40 + "b", ["41 levels"])],
    ids=["nul", "surrogate", "deep"],
)
def test_bad_reset_paths_are_refused(
    demo_wb: Workbench, demo_dsn: str, path: str, words: list[str]
) -> None:
    shot = demo_wb.find(PROJECT, SHOT).shot
    assert shot is not None
    before = snapshot(demo_dsn)
    refused(lambda: demo_wb.reset_setting("shot", shot.id, TRAVEL, path, force=True), *words)
    refused(lambda: demo_wb.settings_handle(TRAVEL, shot_id=shot.id).reset(path), *words)
    assert snapshot(demo_dsn) == before


def test_a_value_stored_too_deep_by_sql_reads_cut_and_can_be_reset(
    demo_wb: Workbench, demo_dsn: str
) -> None:
    """900 levels, as another program may store: reading shows it cut at the limit (a marker
    says so), the rest of the tool reads as usual, and a reset removes it."""
    shot = demo_wb.find(PROJECT, SHOT).shot
    assert shot is not None
    deep = '{"a":' * 900 + "1" + "}" * 900
    with psycopg.connect(demo_dsn) as conn:
        conn.execute(
            "UPDATE shots SET settings = jsonb_set(coalesce(settings, '{}'), "
            "ARRAY[%s, 'deepField'], %s::jsonb, true) WHERE id = %s",
            (TRAVEL, deep, shot.id),
        )
    resolved = demo_wb.settings(TRAVEL, shot_id=shot.id)
    value, depth = resolved.values["deepField"], 1
    while isinstance(value, dict):
        value, depth = value["a"], depth + 1
    assert (depth, value) == (MAX_JSON_DEPTH, TOO_DEEP)
    assert resolved.values["amountOfMotion"] == 65  # the rest of the tool is unharmed
    assert "deepField" in demo_wb.settings_handle(TRAVEL, shot_id=shot.id).resolved.values
    after = demo_wb.reset_setting("shot", shot.id, TRAVEL, "deepField", force=True)
    assert "deepField" not in after
    assert "deepField" not in demo_wb.settings(TRAVEL, shot_id=shot.id).values


# -- the command line ------------------------------------------------------------------------
@pytest.fixture
def cli(demo_wb: Workbench, demo_dsn: str, demo_assets: Path) -> Run:
    return workbench_process(demo_dsn, demo_assets)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([b"--search", b"caf\xc3"], ["--search", "\\udcc3", "UTF-8"]),
        ([b"--tool", b"\xff"], ["--tool", "\\udcff"]),
        (["--page", "99999999999"], ["page must be at most 10,000,000"]),
        (["--after", "9" * 100_000], ["--after", "limited to"]),
    ],
    ids=["search-bytes", "tool-bytes", "page", "after-huge"],
)
def test_cli_generations_refuses_bad_options(
    cli: Any, args: list[str | bytes], words: list[str]
) -> None:
    done = cli("generations", "--project", PROJECT, *args)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr
    assert done.stderr.startswith("workbench: error:")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["set", TRAVEL, "pairConfigs", "[" * 300 + "]" * 300], ["more than 32 levels"]),
        (["set", TRAVEL, "amountOfMotion", "9" * 5000], ["whole numbers are limited"]),
        (["set", TRAVEL, "prompt", '"a\\u0000b"'], ["NUL"]),
        ([b"set", TRAVEL.encode(), b"prompt", b"caf\xc3"], ["prompt", "\\udcc3"]),
        ([b"set", TRAVEL.encode(), b"pr\xffompt", b"1"], ["settings path", "\\udcff"]),
        ([b"reset", TRAVEL.encode(), b"pr\xffompt"], ["settings path", "\\udcff"]),
    ],
    ids=["deep", "huge-int", "nul", "value-bytes", "path-bytes", "reset-bytes"],
)
def test_cli_settings_refuses_bad_values_and_stores_nothing(
    cli: Any, demo_dsn: str, args: list[str | bytes], words: list[str]
) -> None:
    before = snapshot(demo_dsn)
    done = cli("settings", *args, "--project", PROJECT, "--shot", SHOT, "--force", "--yes")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr
    assert snapshot(demo_dsn) == before


def test_cli_project_name_not_utf8_is_refused(cli: Any) -> None:
    done = cli("generations", "--project", b"Neon\xff")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "project name" in done.stderr
