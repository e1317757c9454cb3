"""No module-level import cycles anywhere in the package (DESIGN §2).

A cycle makes import order matter and hides which module depends on which; the layers
contract cannot see one inside a layer. Every import counts: at the top of a module, inside a
function, and under ``TYPE_CHECKING`` (a type-only cycle still ties two modules together).
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp
import pytest


def find_cycles(*packages: str) -> list[tuple[str, ...]]:
    """Each cycle once, as the chain of modules from its smallest member back to it."""
    graph = grimp.build_graph(*packages)
    cycles: set[tuple[str, ...]] = set()
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                loop = (importer, *back)[:-1]  # the chain ends where it started
                start = loop.index(min(loop))
                cycles.add(loop[start:] + loop[:start])
    return sorted(cycles)


def test_no_import_cycles() -> None:
    cycles = find_cycles("workbench", "widgets")
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_a_cycle_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself works: two modules importing each other, one of them inside a
    function, are reported."""
    package = tmp_path / "loopy"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from loopy import b\n")
    (package / "b.py").write_text("def f():\n    from loopy import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "loopy", raising=False)
    assert find_cycles("loopy") == [("loopy.a", "loopy.b")]
