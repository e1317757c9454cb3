"""The README's Python examples, run as a new user runs them: on a fresh ``WORKBENCH_HOME``
(the first start creates the embedded database and the 600-item demo), every line runs, and
every ``# → value`` comment is what its line shows. Then the demo is what it was before: the
examples put back what they change, so the README stays true the second time too.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
import upload_samples

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
ARROW = "# → "
EXPLANATION = " — "  # after the value, a comment may explain it: "# → True — names or ids"


def python_blocks(text: str) -> list[tuple[int, str]]:
    """Each ```python block with the README line its code starts on."""
    blocks, lines = [], text.splitlines()
    start: int | None = None
    for number, line in enumerate(lines, 1):
        if start is None and line.strip() == "```python":
            start = number + 1
        elif start is not None and line.strip() == "```":
            blocks.append((start, "\n".join(lines[start - 1 : number - 1])))
            start = None
    return blocks


def expectation(line: str) -> str | None:
    """The value a ``# → value`` comment promises, without its explanation."""
    if ARROW not in line:
        return None
    return line.split(ARROW, 1)[1].split(EXPLANATION, 1)[0].strip()


def matches(expected: str, shown: str) -> bool:
    """``…`` in the README stands for any text (ids, which differ on every machine)."""
    pattern = ".*?".join(re.escape(part) for part in expected.split("…"))
    return re.fullmatch(pattern, shown, flags=re.DOTALL) is not None


def checked(code: str, first_line: int) -> str:
    """The block's code, each statement with an arrow comment followed by a check of it."""
    tree = ast.parse(code)
    lines = code.splitlines()
    body: list[ast.stmt] = []
    for statement in tree.body:
        assert statement.end_lineno is not None
        expected = expectation(lines[statement.end_lineno - 1])
        where = first_line + statement.end_lineno - 1
        if expected is None:
            body.append(statement)
            continue
        if isinstance(statement, ast.Expr):
            value: ast.expr = statement.value
        elif (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
        ):
            body.append(statement)
            value = ast.Name(statement.targets[0].id, ast.Load())
        else:
            raise AssertionError(f"README line {where}: '# →' on a statement without a value")
        call = ast.Call(
            ast.Name("_readme_check", ast.Load()),
            [value, ast.Constant(expected), ast.Constant(where)],
            [],
        )
        body.append(ast.Expr(call))
    module = ast.Module(body, type_ignores=[])
    return ast.unparse(ast.fix_missing_locations(module))


PRELUDE = """
import json as _json
def _readme_check(value, expected, line):
    print("README-CHECK " + _json.dumps({"line": line, "expected": expected,
                                         "shown": repr(value)}), flush=True)
"""


def script() -> str:
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 3, "the README's From Python, In Jupyter and Uploads blocks"
    parts = [PRELUDE] + [checked(code, start) for start, code in blocks]
    # The Jupyter and Uploads blocks keep `wb` open, as a notebook would; a script closes it.
    parts.append("wb.close()")
    return "\n".join(parts)


def demo_state(dsn: str) -> dict[str, Any]:
    """What the examples could change for good: stars, settings at every scope, the rows of
    the gallery (generations, their shot links and frames, variants, resources), and the
    shots and projects (names, order, aspect ratios)."""
    with psycopg.connect(dsn) as conn:

        def rows(query: str) -> list[Any]:
            return [tuple(map(str, row)) for row in conn.execute(query).fetchall()]

        return {
            "starred": rows("SELECT id FROM generations WHERE starred ORDER BY id"),
            "settings": rows(
                "SELECT id, settings FROM users UNION ALL SELECT id, settings FROM projects "
                "UNION ALL SELECT id, settings FROM shots ORDER BY 1"
            ),
            "generations": rows("SELECT id FROM generations ORDER BY id"),
            "links": rows(
                "SELECT shot_id, generation_id, timeline_frame FROM shot_generations "
                "ORDER BY 1, 2, 3"
            ),
            "variants": rows("SELECT id, is_primary FROM generation_variants ORDER BY id"),
            "resources": rows("SELECT id FROM resources ORDER BY id"),
            "shots": rows(
                "SELECT id, project_id, name, position, aspect_ratio FROM shots ORDER BY id"
            ),
            "projects": rows("SELECT id, name, aspect_ratio FROM projects ORDER BY id"),
        }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=280, check=False, cwd=env["HOME"]
    )


def test_the_readme_python_examples_hold_on_a_fresh_demo(tmp_path: Path) -> None:
    home = tmp_path / "user"
    renders = home / "renders"  # the README uploads "~/renders": a user's folder of pictures
    renders.mkdir(parents=True)
    (renders / "ref.png").write_bytes(upload_samples.image("png", (64, 40), seed=11))
    (renders / "dusk.jpg").write_bytes(upload_samples.image("jpg", (64, 40), seed=12))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKBENCH_", "PG"))}
    env.update(HOME=str(home), WORKBENCH_HOME=str(tmp_path / "wb"))
    try:
        first = run([str(BIN / "workbench"), "projects"], env)  # the very first start
        assert first.returncode == 0, first.stderr
        for step in (
            "starting PostgreSQL",
            "creating the database schema",
            "creating the demo: 0 of 600",
            "creating the demo: 600 of 600",
        ):
            assert f"workbench: {step}" in first.stderr, first.stderr  # not a silent wait
        assert "Neon Coastline  (16:9, 7 shots)" in first.stdout  # stdout: only the answer
        dsn = run([str(BIN / "workbench"), "db", "url"], env).stdout.strip()
        before = demo_state(dsn)
        source = tmp_path / "readme_examples.py"
        source.write_text(script(), encoding="utf-8")
        done = run([sys.executable, str(source)], env)
        assert done.returncode == 0, f"a README example failed:\n{done.stderr[-3000:]}"
        checks = [
            json.loads(line.removeprefix("README-CHECK "))
            for line in done.stdout.splitlines()
            if line.startswith("README-CHECK ")
        ]
        assert len(checks) >= 10, done.stdout
        wrong = [
            f"README line {c['line']}: says {c['expected']}, shows {c['shown']}"
            for c in checks
            if not matches(c["expected"], c["shown"])
        ]
        assert not wrong, "\n".join(wrong)
        assert demo_state(dsn) == before, "the README's examples changed the demo for good"
    finally:
        run([str(BIN / "workbench"), "db", "stop"], env)


def test_arrow_comments_are_read_as_the_readme_means_them() -> None:
    assert expectation("x  # → True — names, ids or records") == "True"
    assert expectation("x  # plain comment") is None
    assert matches("<Shot 'Harbour Lights' #1 id=…>", "<Shot 'Harbour Lights' #1 id=9531985d>")
    assert not matches("<Shot 'Harbour Lights' #1 id=…>", "<Shot 'Night Market' #2 id=1>")
    code = checked("a = 1  # → 1\na  # → 1 — again\nprint(a)", 10)
    assert code.count("_readme_check(a, '1', ") == 2
    assert "_readme_check(a, '1', 10)" in code
