"""What the `workbench` subcommands share: JSON output and finding a shot by name or id."""

from __future__ import annotations

import json
import sys
from typing import Any

from workbench.errors import NotFoundError, ValidationError


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def find_shot(wb: Any, project: Any, ref: str) -> Any:
    if project is None:
        raise ValidationError("--shot needs --project (a project name or id)")
    shots = wb.shots(project.id)
    for shot in shots:
        if ref in (shot.name, str(shot.id)):
            return shot
    raise NotFoundError(f"no shot {ref!r} in project {project.name!r}")
