"""Settings: reads, writes (patches deep, wide, huge, odd keys), resets, the queued handle,
history, restore and diff, and the device-local state, fed hostile input.

Each call ends in success or a ``WorkbenchError``; a refusal changes nothing (database and
asset store compared by checksum); a read changes nothing either way.
"""

from __future__ import annotations

import warnings
from typing import Any

from fuzz_support import (
    SCOPES,
    TRAVEL,
    Env,
    _diff,
    id_strategy,
    junk_values,
    nasty_text,
    patches,
    paths,
    settings_values,
    tool_ids,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.errors import WorkbenchError


def scope_targets(env: Env) -> st.SearchStrategy[tuple[Any, Any]]:
    """(scope, target id): mostly matching, sometimes crossed, another user's, or junk."""
    ids = [env.shot, env.project, env.foreign_shot, env.foreign_project, env.wb.user_id]
    return st.one_of(
        st.sampled_from(
            [("shot", env.shot), ("project", env.project), ("user", env.wb.user_id),
             ("user", None), ("shot", env.project), ("project", env.shot),
             ("shot", env.foreign_shot), ("project", env.foreign_project)]
        ),
        st.tuples(SCOPES, id_strategy(ids)),
    )  # fmt: skip


def places(env: Env) -> st.SearchStrategy[dict[str, Any]]:
    """project_id / shot_id keywords for settings(), settings_handle(), settings_history()."""
    projects = id_strategy([env.project, env.foreign_project, env.other_project])
    shots = id_strategy([env.shot, env.foreign_shot])
    return st.one_of(
        st.sampled_from([{}, {"project_id": env.project}, {"shot_id": env.shot},
                         {"project_id": env.project, "shot_id": env.shot}]),
        st.fixed_dictionaries({}, optional={"project_id": projects, "shot_id": shots}),
    )  # fmt: skip


FORCE = st.one_of(st.booleans(), st.sampled_from([None, 1, "yes"]))


@settings(max_examples=50)
@given(data=st.data())
def test_settings_reads(fuzz_env: Env, data: st.DataObject) -> None:
    env, wb = fuzz_env, fuzz_env.wb
    what = data.draw(st.sampled_from(["settings", "history", "diff", "handle"]), label="entry")
    tool = data.draw(tool_ids(), label="tool")
    where = data.draw(places(env), label="place")
    if what == "settings":
        env.check(lambda: wb.settings(tool, **where), mutating=False)
    elif what == "history":
        limit = data.draw(
            st.one_of(st.integers(-2, 50), st.sampled_from([0, 2**63, 10**5000]), junk_values()),
            label="limit",
        )
        inherited = data.draw(st.one_of(st.booleans(), junk_values()), label="inherited")
        env.check(
            lambda: wb.settings_history(tool, limit=limit, inherited=inherited, **where),
            mutating=False,
        )
    elif what == "diff":
        sides = st.one_of(
            st.sampled_from(["user", wb.project(env.project), wb.shots(env.project)[0]]),
            st.fixed_dictionaries(
                {},
                optional={
                    "shot_id": id_strategy([env.shot, env.foreign_shot]),
                    "project_id": id_strategy([env.project, env.foreign_project]),
                },
            ),
            nasty_text(),
            junk_values(),
        )
        a = data.draw(sides, label="a")
        b = data.draw(st.one_of(st.none(), sides), label="b")
        env.check(lambda: wb.settings_diff(tool, a, b), mutating=False)
    else:

        def handle() -> object:
            h = wb.settings_handle(tool, **where)
            try:
                return (h.values, h.provenance, h.paths)
            finally:
                h.close()

        env.check(handle, mutating=False)


@settings(max_examples=80)
@given(data=st.data())
def test_update_settings(fuzz_env: Env, data: st.DataObject) -> None:
    env, wb = fuzz_env, fuzz_env.wb
    scope, target = data.draw(scope_targets(env), label="scope, target")
    tool = data.draw(st.one_of(st.sampled_from([TRAVEL, "ui", "upload"]), tool_ids()), label="tool")
    patch = data.draw(patches(), label="patch")
    force = data.draw(FORCE, label="force")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ForcedSettingWarning: forced writes say so
        env.check(lambda: wb.update_settings(scope, target, tool, patch, force=force))


@settings(max_examples=60)
@given(data=st.data())
def test_reset_setting(fuzz_env: Env, data: st.DataObject) -> None:
    env, wb = fuzz_env, fuzz_env.wb
    scope, target = data.draw(scope_targets(env), label="scope, target")
    tool = data.draw(st.one_of(st.sampled_from([TRAVEL, "ui"]), tool_ids()), label="tool")
    path = data.draw(paths(), label="path")
    force = data.draw(FORCE, label="force")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        env.check(lambda: wb.reset_setting(scope, target, tool, path, force=force))


@settings(max_examples=40)
@given(data=st.data())
def test_settings_handle_edits(fuzz_env: Env, data: st.DataObject) -> None:
    """The queued path: a refused edit raises at once; an accepted one that the database
    then refuses must roll back (status "failed") and leave the database as it was."""
    env, wb = fuzz_env, fuzz_env.wb
    tool = data.draw(st.sampled_from([TRAVEL, "ui", "upload"]), label="tool")
    where = data.draw(
        st.sampled_from([{"shot_id": env.shot}, {"project_id": env.project}, {}]), label="place"
    )
    how = data.draw(st.sampled_from(["set", "update", "reset"]), label="how")
    scope = data.draw(
        st.one_of(st.none(), st.sampled_from(["user", "project", "shot"]), SCOPES), label="scope"
    )
    force = data.draw(st.booleans(), label="force")
    handle = wb.settings_handle(tool, **where)
    try:
        before = env.state()

        def edit() -> None:
            if how == "set":
                handle.set(data.draw(paths(), label="path"), value, scope=scope, force=force)
            elif how == "update":
                handle.update(data.draw(patches(), label="patch"), scope=scope, force=force)
            else:
                handle.reset(data.draw(paths(), label="path"), scope=scope, force=force)

        value = data.draw(settings_values(), label="value")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outcome = env.check(edit)
        if not isinstance(outcome, WorkbenchError):
            handle.flush()
            if handle.status == "failed":  # the database refused it: nothing may have changed
                assert _diff(before, env.state()) == [], (
                    f"a failed write changed things: {handle.error}"
                )
    finally:
        handle.close()


@settings(max_examples=40)
@given(data=st.data())
def test_restore_settings(fuzz_env: Env, data: st.DataObject) -> None:
    env, wb = fuzz_env, fuzz_env.wb
    real = env.history  # read at setup: drawing must not depend on what examples changed
    entry = data.draw(
        st.one_of(
            st.sampled_from(real) if real else st.nothing(),
            st.sampled_from(real).map(str) if real else st.nothing(),
            st.integers(-(2**70), 2**70),
            st.sampled_from([0, -1, 2**31, 2**63, 10**5000, "1", " 1", "1\0", "0x1", "1e3"]),
            nasty_text(),
            junk_values(),
        ),
        label="entry id",
    )
    force = data.draw(FORCE, label="force")
    env.check(lambda: wb.restore_settings(entry, force=force))


@settings(max_examples=30)
@given(data=st.data())
def test_local_state(fuzz_env: Env, data: st.DataObject) -> None:
    """Device-local state: never the database; odd keys and values are refused or kept."""
    env, wb = fuzz_env, fuzz_env.wb
    key = data.draw(st.one_of(junk_values(), nasty_text()), label="key")
    value = data.draw(settings_values(), label="value")
    what = data.draw(st.sampled_from(["set", "get", "update", "delete"]), label="entry")
    state = wb.local_state
    if what == "set":
        env.check(lambda: state.set(key, value), mutating=False)
    elif what == "get":
        env.check(lambda: state.get(key), mutating=False)
    elif what == "update":
        env.check(lambda: state.update(key, lambda _old: value), mutating=False)
    else:
        env.check(lambda: state.delete(key), mutating=False)
    env.check(state.items, mutating=False)  # whatever was stored reads back
