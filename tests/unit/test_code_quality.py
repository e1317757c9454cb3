"""Lint, formatting, strict typing and the import-layering contracts, as part of the suite."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy"],
        ["lint-imports"],
    ],
    ids=["ruff", "ruff-format", "mypy", "import-linter"],
)
def test_tool_is_clean(command: list[str]) -> None:
    tool = Path(sys.executable).parent / command[0]
    done = subprocess.run(
        [str(tool), *command[1:]], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


# -- docstrings in the view models and the TUI -------------------------------------------------

DOCUMENTED_PACKAGES = ("workbench/views", "workbench/tui")
# Public names that need no docstring of their own (dunders and _private names never do):
NO_DOCSTRING_NEEDED = frozenset(
    {
        "compose",  # what a widget builds is said in its class docstring
        "on_mount",  # Textual lifecycle hooks, documented by Textual
        "on_unmount",
        "on_resize",
    }
)


def _public_definitions(
    tree: ast.Module,
) -> list[ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef]:
    """Module-level classes and functions, and (recursively) the methods and nested classes of
    public classes; the bodies of functions are not entered (their helpers are local)."""
    found: list[ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if not isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if node.name.startswith("_"):
                continue
            found.append(node)
            if isinstance(node, ast.ClassDef):
                visit(node.body)

    visit(tree.body)
    return found


def _sources() -> list[tuple[str, ast.Module]]:
    files = sorted(p for folder in DOCUMENTED_PACKAGES for p in (ROOT / folder).rglob("*.py"))
    return [(str(p.relative_to(ROOT)), ast.parse(p.read_text(), str(p))) for p in files]


def _binding_keys(node: ast.ClassDef) -> list[tuple[str, ...]] | None:
    """Each binding's keys, in order, from a class's literal ``BINDINGS`` list (None: none)."""
    for statement in node.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            continue
        if not (isinstance(target, ast.Name) and target.id == "BINDINGS"):
            continue
        assert isinstance(value, ast.List), f"{node.name}.BINDINGS is not a literal list"
        keys = []
        for element in value.elts:
            if isinstance(element, ast.Call):
                given = [k.value for k in element.keywords if k.arg == "key"]
                first = element.args[0] if element.args else given[0]
            else:
                assert isinstance(element, ast.Tuple), ast.dump(element)
                first = element.elts[0]
            assert isinstance(first, ast.Constant), ast.dump(first)
            assert isinstance(first.value, str), ast.dump(first)
            keys.append(tuple(k.strip() for k in first.value.split(",")))
        return keys
    return None


def _table_keys(docstring: str) -> list[tuple[str, ...]]:
    """The first column of a ``| Key(s) | Description |`` table, one tuple of keys a row."""
    rows = []
    for text in docstring.splitlines():
        line = text.strip()
        if not line.startswith("|"):
            continue
        first = line.strip("|").split("|")[0].strip()
        if first.lower() in ("key(s)", "key", "keys") or set(first) <= set(":- "):
            continue  # the header, or the alignment row
        rows.append(tuple(k.strip().strip("`") for k in first.split(",")))
    return rows


def test_views_and_tui_are_documented() -> None:
    missing = []
    for path, tree in _sources():
        for node in _public_definitions(tree):
            if node.name not in NO_DOCSTRING_NEEDED and not ast.get_docstring(node):
                missing.append(f"{path}:{node.lineno}:{node.name}")
    assert not missing, "public names without a docstring:\n" + "\n".join(missing)


def test_key_tables_match_the_bindings() -> None:
    """A class with BINDINGS lists exactly those keys, in order, in its docstring's table."""
    drifted = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            keys = _binding_keys(node)
            if keys is None:
                continue
            table = _table_keys(ast.get_docstring(node) or "")
            if table != keys:
                drifted.append(f"{path}:{node.lineno}:{node.name}: table {table} != {keys}")
    assert not drifted, "key tables out of step with BINDINGS:\n" + "\n".join(drifted)
