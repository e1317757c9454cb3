"""The quickstart from a plain Python script (or paste it into a REPL, line by line).

    python examples/repl_tour.py

With no configuration this uses the embedded demo database and local asset folder; set
WORKBENCH_CONFIG=examples/supabase.toml (filled in) to run it against a Supabase project.
Everything it changes to show how (a star, a setting, an upload) it puts back right after, so
the demo, or your project, is left as it was.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

import workbench

TOOL = "travel-between-images"


def main() -> None:
    with workbench.connect() as wb:  # flushes queued settings writes on exit
        print(wb)
        projects = wb.projects()
        print(projects)
        project = projects[0]

        # A page of the gallery, then a filtered one; a page knows its total and neighbours.
        page = wb.generations(project.id, limit=5)
        print(page)
        for item in page:
            print("  ", item)
        videos = wb.generations(project.id, media_type="video", limit=5)
        print(videos)
        if videos.next_cursor:
            print(wb.generations(project.id, media_type="video", limit=5,
                                 cursor=videos.next_cursor))  # fmt: skip

        # Star the first image; the next read shows it (the query cache was invalidated).
        first = page[0]
        wb.star(first.id, not first.starred)
        print("starred now:", wb.generations(project.id, limit=5)[0].starred)
        wb.star(first.id, first.starred)  # and back, as it was

        # Shots and their counts, as the navigator shows them.
        counts = {c.shot_id: c for c in wb.shot_counts(project.id)}
        for shot in wb.shots(project.id):
            count = counts.get(shot.id)
            if count is not None:
                print(f"   {shot.name}: {count.total} items, {count.unpositioned} unpositioned")

        # Edit a setting at the project scope, then read it back with where it comes from.
        before = wb.settings(TOOL, project_id=project.id).layers["project"]  # its own values
        wb.update_settings("project", project.id, TOOL, {"amountOfMotion": 72})
        resolved = wb.settings(TOOL, project_id=project.id)
        print(resolved.explain("amountOfMotion"))
        for path, value, scope in resolved:
            print(f"   {path:<18} {value!r:<28} {scope}")
        if "amountOfMotion" in before:  # put the project's own value back (or remove it)
            wb.update_settings(
                "project", project.id, TOOL, {"amountOfMotion": before["amountOfMotion"]}
            )
        else:
            wb.reset_setting("project", project.id, TOOL, "amountOfMotion")
        print("put back:", wb.settings(TOOL, project_id=project.id).explain("amountOfMotion"))

        # Upload a picture; the row and its thumbnail are made for you.
        picture = Path(tempfile.mkdtemp()) / "sunrise.png"
        image = Image.new("RGB", (640, 400), "#1e3a8a")
        ImageDraw.Draw(image).ellipse((250, 120, 390, 260), fill="#f59e0b")
        image.save(picture)
        results = wb.upload(picture, project_id=project.id)
        for result in results:
            print("uploaded:", result)
        for result in results:  # delete what this uploaded (its stored files stay); a
            if result.status == "uploaded":  # duplicate is an earlier upload: it stays
                wb.delete_generation(result.generation_id)

        try:
            print(page.to_pandas()[["type", "starred", "prompt"]])
        except workbench.WorkbenchError as exc:  # pandas is optional
            print(exc)


if __name__ == "__main__":
    main()
