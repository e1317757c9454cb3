"""Tool ids are checked as whole strings: ``$`` in a pattern also matches before a final
newline, so "travel-between-images\n" used to be stored as a new key beside the real one."""

from __future__ import annotations

import pytest

from workbench.errors import ValidationError
from workbench.settings.store import check_tool_id


@pytest.mark.parametrize(
    "tool_id", ["travel-between-images\n", "ui\n", "a\x00", "", "-x", "a b", "a" * 101, 5]
)
def test_odd_tool_ids_are_refused(tool_id: object) -> None:
    with pytest.raises(ValidationError, match="invalid tool id"):
        check_tool_id(tool_id)


@pytest.mark.parametrize("tool_id", ["travel-between-images", "ui", "a" * 100, "v1.2_x"])
def test_tool_ids_as_reigh_names_them_pass(tool_id: str) -> None:
    assert check_tool_id(tool_id) == tool_id
