"""The gallery: pages (filters, limits, page numbers, forged cursors), streaming, detail, and
the generation writes (star, shot links, timeline order, delete, primary variant).

Each call ends in success or a ``WorkbenchError``; a refusal changes nothing (database and
asset store compared by checksum); a read changes nothing either way.
"""

from __future__ import annotations

import itertools
from typing import Any

from fuzz_support import (
    HUGE_INTS,
    LIMITS,
    PAGE_NUMBERS,
    Env,
    cursors,
    filter_dicts,
    id_strategy,
    junk_values,
    nasty_text,
)
from hypothesis import given, settings
from hypothesis import strategies as st


def targets(env: Env) -> st.SearchStrategy[tuple[Any, Any]]:
    """(project_id, shot_id) as the gallery takes them: mostly sensible, sometimes not."""
    projects = id_strategy([env.project, env.other_project, env.foreign_project])
    shots = id_strategy([env.shot, env.foreign_shot, *env.shots[:2]])
    return st.one_of(
        st.tuples(st.sampled_from([env.project, "Neon Coastline"]), st.none()),
        st.tuples(st.none(), st.sampled_from([env.shot])),
        st.tuples(projects, st.none()),
        st.tuples(st.none(), shots),
        st.tuples(projects, shots),
    )


def gen_ids(env: Env) -> st.SearchStrategy[Any]:
    return id_strategy([*env.generations[:5], env.foreign_generation, env.foreign_variant])


@settings(max_examples=60)
@given(data=st.data())
def test_generation_pages(fuzz_env: Env, data: st.DataObject) -> None:
    env, wb = fuzz_env, fuzz_env.wb
    project_id, shot_id = data.draw(targets(env), label="target")
    filters = data.draw(filter_dicts(env.shots[:3]), label="filters")
    limit = data.draw(LIMITS, label="limit")
    page = data.draw(PAGE_NUMBERS, label="page")
    how = data.draw(st.sampled_from(["kwargs", "dict", "cursor", "page"]), label="how")
    if how == "kwargs":
        env.check(
            lambda: wb.generations(project_id, shot_id, limit=limit, page=page, **filters),
            mutating=False,
        )
    elif how == "dict":
        env.check(
            lambda: wb.generations(project_id, shot_id, filters=filters, limit=limit, fresh=True),
            mutating=False,
        )
    elif how == "page":
        env.check(lambda: wb.generations(project_id, shot_id, page=page), mutating=False)
    else:
        cursor = data.draw(cursors([env.cursor, env.shot_cursor]), label="cursor")
        use_target = data.draw(st.booleans(), label="real target")
        if use_target:
            project_id, shot_id = data.draw(
                st.sampled_from([(env.project, None), (None, env.shot)]), label="real target"
            )
        extra = data.draw(st.sampled_from(["none", "limit", "page", "filters"]), label="extra")
        kwargs: dict[str, Any] = {"cursor": cursor}
        if extra == "limit":
            kwargs["limit"] = limit
        elif extra == "page":
            kwargs["page"] = page
        elif extra == "filters":
            kwargs["filters"] = filters
        env.check(lambda: wb.generations(project_id, shot_id, **kwargs), mutating=False)


@settings(max_examples=40)
@given(data=st.data())
def test_iter_generations(fuzz_env: Env, data: st.DataObject) -> None:
    env, wb = fuzz_env, fuzz_env.wb
    project_id, shot_id = data.draw(targets(env), label="target")
    filters = data.draw(filter_dicts(env.shots[:3]), label="filters")
    env.check(
        lambda: list(itertools.islice(wb.iter_generations(project_id, shot_id, **filters), 3)),
        mutating=False,
    )


@settings(max_examples=40)
@given(data=st.data())
def test_generation_reads(fuzz_env: Env, data: st.DataObject) -> None:
    env, wb = fuzz_env, fuzz_env.wb
    what = data.draw(st.sampled_from(["detail", "shot_generations", "many"]), label="entry point")
    if what == "detail":
        gid = data.draw(gen_ids(env), label="generation id")
        env.check(lambda: wb.generation_detail(gid), mutating=False)
    elif what == "shot_generations":
        sid = data.draw(id_strategy([env.shot, env.foreign_shot]), label="shot ids")
        env.check(lambda: list(itertools.islice(wb.shot_generations(sid), 3)), mutating=False)
    else:
        many = data.draw(
            st.lists(id_strategy([env.shot, env.foreign_shot]), max_size=4), label="shot ids"
        )
        env.check(lambda: list(itertools.islice(wb.shot_generations(many), 3)), mutating=False)


FRAMES = st.one_of(
    st.none(),
    st.just("end"),
    st.integers(min_value=-10, max_value=10_000),
    st.sampled_from([-1, 2**31, 2**31 - 1, -(2**31) - 1, 2**63]),
    HUGE_INTS,
    st.floats(allow_nan=True),
    st.sampled_from(["END", "start", "", "5", "\0", True, False]),
    junk_values(),
)


@settings(max_examples=80)
@given(data=st.data())
def test_generation_writes(fuzz_env: Env, data: st.DataObject) -> None:
    env, wb = fuzz_env, fuzz_env.wb
    what = data.draw(
        st.sampled_from(["star", "add", "remove", "reorder", "delete", "primary"]),
        label="entry point",
    )
    gid = data.draw(gen_ids(env), label="generation id")
    shots = id_strategy([env.shot, env.foreign_shot, env.shots[1]])
    if what == "star":
        starred = data.draw(
            st.one_of(st.booleans(), st.sampled_from([None, 1, 0, "yes", "false"]), junk_values()),
            label="starred",
        )
        env.check(lambda: wb.star(gid, starred))
    elif what == "add":
        sid = data.draw(shots, label="shot id")
        frame = data.draw(FRAMES, label="frame")
        env.check(lambda: wb.add_to_shot(gid, sid, frame=frame))
    elif what == "remove":
        sid = data.draw(shots, label="shot id")
        link = data.draw(
            st.one_of(st.none(), id_strategy([*env.links[:3], env.foreign_generation])),
            label="link id",
        )
        env.check(lambda: wb.remove_from_shot(sid, gid, link_id=link))
    elif what == "reorder":
        sid = data.draw(shots, label="shot id")
        links = data.draw(
            st.one_of(
                st.lists(id_strategy([*env.links[:5], env.foreign_generation]), max_size=6),
                st.permutations(env.links[:6]).map(list),
                st.just(env.links + env.links[:1]),  # a duplicate
                nasty_text(),  # a string is a sequence too
                junk_values(),
            ),
            label="link ids",
        )
        env.check(lambda: wb.reorder_shot(sid, links))
    elif what == "delete":
        env.check(lambda: wb.delete_generation(gid))
    else:
        vid = data.draw(
            id_strategy([*env.variants, env.foreign_variant, *env.generations[:2]]),
            label="variant id",
        )
        env.check(lambda: wb.set_primary_variant(gid, vid))
