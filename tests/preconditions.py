"""A test whose precondition is missing: skipped on a developer's machine, failed in CI.

CI (``.ci/run`` exports ``CI=true``) provides every precondition (root, tmux, Chromium,
SeaweedFS), so a skip there would only hide that a test stopped running.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> NoReturn:
    """Skip the running test for ``reason``; under ``CI=true`` fail it instead."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: this test must run in CI, not be skipped)", pytrace=False)
    pytest.skip(reason)
