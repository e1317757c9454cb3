"""`workbench upload --lora-name ...`, `workbench resources list` and `add-lora`, in process."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
import upload_samples as samples
from upload_setup import Setup

from workbench.cli import main


def test_upload_fields_list_and_add_lora_from_the_shell(
    cli_setup: Setup, db_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    weights, still = tmp_path / "neon.safetensors", tmp_path / "still.png"
    weights.write_bytes(samples.safetensors())
    still.write_bytes(samples.image("png", (40, 40), seed=2))
    project = str(cli_setup.project)

    # A refused field (and fields with no LoRA file) store nothing: one line, exit 1.
    bad = main(["upload", str(weights), "--project", project, "--base-model", "SDXL"])
    assert bad == 1
    assert "expected one of LTX 2.3, Wan 2.2 I2V" in capsys.readouterr().err
    bad = main(["upload", str(still), "--project", project, "--lora-name", "Neon"])
    assert bad == 1
    assert "apply to LoRA files" in capsys.readouterr().err
    assert main(["resources", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []

    code = main(["upload", str(weights), "--project", project, "--lora-name", "Neon Drift",
                 "--trigger-word", "neondrift", "--base-model", "Z-Image",
                 "--description", "signs", "--json"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    resource_id = json.loads(capsys.readouterr().out)["results"][0]["resource_id"]

    assert main(["resources", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["id", "name", "trigger", "word", "base", "model", "added"]
    assert out[1].startswith(resource_id)
    assert "Neon Drift" in out[1]
    assert "Z-Image" in out[1]
    assert main(["resources", "list", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert (listed["id"], listed["trigger_word"], listed["description"]) == (
        resource_id, "neondrift", "signs",
    )  # fmt: skip

    # Where it goes must be said, once; then by name at the shot (named within its project).
    for where in ([], ["--user", "--project", project]):
        assert main(["resources", "add-lora", "--tool", "travel-between-images",
                     "Neon Drift", *where]) == 1  # fmt: skip
        assert "--user" in capsys.readouterr().err
    code = main(["resources", "add-lora", "--tool", "travel-between-images", "Neon Drift",
                 "--shot", "Shot", "--project", project, "--strength", "0.5"])  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out.startswith(
        "added Neon Drift (strength 0.5) to travel-between-images.loras of shot Shot"
    )
    code = main(["resources", "add-lora", "--tool", "image-generation", resource_id,
                 "--user", "--strength", "3", "--json"])  # fmt: skip
    assert code == 1
    assert "strength must be from 0 to 2" in capsys.readouterr().err

    def shot_loras() -> object:
        with psycopg.connect(db_dsn) as conn:
            row = conn.execute(
                "SELECT settings -> 'travel-between-images' -> 'loras' FROM shots WHERE id = %s",
                (cli_setup.shot,),
            ).fetchone()
        return row and row[0]

    assert [e["strength"] for e in shot_loras()] == [0.5]  # type: ignore[attr-defined]
    assert main(["undo"]) == 0
    assert "LoRA 'Neon Drift'" in capsys.readouterr().out
    assert shot_loras() is None
