"""Projects and shots: lookups by record, id or name, and creating a shot, fed hostile input.

Each call ends in success or a ``WorkbenchError``; a refusal changes nothing (database and
asset store compared by checksum); a read changes nothing either way.
"""

from __future__ import annotations

from typing import Any

from fuzz_support import HUGE_NASTY, HUGE_TEXT, Env, id_strategy, junk_values, nasty_text
from hypothesis import given, settings
from hypothesis import strategies as st


def refs(env: Env) -> st.SearchStrategy[Any]:
    """A project or shot reference: ids (mine, another user's, missing), names, junk."""
    ids = [env.project, env.other_project, env.shot, env.foreign_project, env.foreign_shot]
    return st.one_of(
        id_strategy(ids),
        st.sampled_from(["Neon Coastline", "Paper Garden", "Harbour Lights", "neon coastline"]),
        nasty_text(),
        st.just(env.wb.project(env.project)),
        st.just(env.wb.shots(env.project)[0]),
    )


@settings(max_examples=40)
@given(data=st.data())
def test_project_and_shot_lookups(fuzz_env: Env, data: st.DataObject) -> None:
    env, wb = fuzz_env, fuzz_env.wb
    what = data.draw(
        st.sampled_from(["project", "shots", "find", "find2", "counts", "shot_counts", "overview"]),
        label="entry point",
    )
    a = data.draw(refs(env), label="a")
    if what == "project":
        env.check(lambda: wb.project(a), mutating=False)
    elif what == "shots":
        env.check(lambda: wb.shots(a), mutating=False)
    elif what == "find":
        env.check(lambda: wb.find(a), mutating=False)
    elif what == "find2":
        b = data.draw(refs(env), label="b")
        env.check(lambda: wb.find(a, b), mutating=False)
        env.check(lambda: wb.find(None, b), mutating=False)
    elif what == "counts":
        env.check(lambda: wb.project_counts(a), mutating=False)
    elif what == "shot_counts":
        env.check(lambda: wb.shot_counts(a), mutating=False)
    else:
        env.check(wb.overview, mutating=False)
        env.check(wb.projects, mutating=False)
        env.check(wb.user, mutating=False)


@settings(max_examples=40)
@given(data=st.data())
def test_create_shot(fuzz_env: Env, data: st.DataObject) -> None:
    env = fuzz_env
    project = data.draw(refs(env), label="project")
    name = data.draw(
        st.one_of(nasty_text(), HUGE_TEXT, HUGE_NASTY, junk_values(), st.just("Harbour Lights")),
        label="name",
    )
    env.check(lambda: env.wb.create_shot(project, name))
