"""The other examples: the REPL tour runs as a script, and supabase.toml is a valid config."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg

from workbench.config import Config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_repl_tour_runs(demo_dsn: str, demo_assets: Path) -> None:
    before = demo_state(demo_dsn)
    env = {**os.environ, "WORKBENCH_DSN": demo_dsn, "WORKBENCH_ASSETS_DIR": str(demo_assets)}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "repl_tour.py")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "<GenerationPage project page 1/" in out
    assert "amountOfMotion = 72 from project (overrides user 40, defaults 50)" in out
    assert "put back: amountOfMotion = 65 from project" in out
    assert "uploaded: " in out
    assert demo_state(demo_dsn) == before, "the tour left the demo changed"


def demo_state(dsn: str) -> tuple[object, ...]:
    """What the examples change and must put back: stars, project settings, uploads."""
    with psycopg.connect(dsn) as conn:
        return (
            conn.execute(
                "SELECT array_agg(id ORDER BY id) FROM generations WHERE starred"
            ).fetchone(),
            conn.execute("SELECT array_agg(settings ORDER BY id) FROM projects").fetchone(),
            conn.execute(
                "SELECT count(*) FROM generations "
                "WHERE params->>'original_filename' = 'sunrise.png'"
            ).fetchone(),
        )


def test_supabase_example_is_a_valid_config() -> None:
    config = Config.load(env={"WORKBENCH_CONFIG": str(EXAMPLES / "supabase.toml")})
    assert config.storage_backend == "s3"
    assert config.dsn is not None
    assert "pooler.supabase.com:5432" in config.dsn
    assert config.get("storage.endpoint_url") == "https://<project-ref>.supabase.co/storage/v1/s3"
    assert all(source.startswith("file") for source in config.sources.values())
    assert len(config.sources) == 9, "every setting but the local-only ones is shown"
