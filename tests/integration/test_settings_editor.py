"""The settings view model's structured editor and workflows on a real database: nested
values edited item by item (each one validated write at "edit at", lists written whole),
types and defaults in words, and "apply from another shot", "reset to project" and "promote
to project" planned as confirmations, then carried out and undone."""

from __future__ import annotations

from stored_settings import travel

from workbench.client import Workbench
from workbench.views.settings import FieldRow, SettingsModel
from workbench.views.settings_structure import NO_DEFAULT

TRAVEL = "travel-between-images"


def row(model: SettingsModel, path: str) -> FieldRow:
    return next(r for r in model.state.rows if r.path == path)


def test_nested_values_are_edited_item_by_item_with_types_and_defaults(
    demo_wb: Workbench, demo_dsn: str
) -> None:
    project = demo_wb.project("Neon Coastline")
    shot = demo_wb.shots(project)[1]  # no travel settings of its own
    model = SettingsModel(demo_wb, TRAVEL, shot_id=shot.id)
    try:
        # Types and defaults, in the words both front ends show.
        assert (row(model, "batchVideoFrames").kind, row(model, "batchVideoFrames").default) == (
            "integer",
            "61",
        )
        assert row(model, "generationMode").kind == "one of batch, timeline, by-pair"
        assert (row(model, "enhancePrompt").kind, row(model, "prompt").kind) == (
            "true/false",
            "text",
        )
        assert (row(model, "loras").kind, row(model, "loras").default) == ("list", "[]")
        assert row(model, "loras").nested
        assert not row(model, "prompt").nested
        assert not row(model, "amountOfMotion").promotable  # the project's, not the shot's

        # Add a LoRA: an item of the known shape, the list written whole at "edit at" (shot).
        assert model.add_item(["loras"])
        assert model.flush(10)
        entry = {"id": "", "name": "", "path": "", "strength": 1.0}
        assert travel(demo_dsn, "shots", shot.id)["loras"] == [entry]
        assert travel(demo_dsn, "projects", project.id).get("loras") is None
        nodes = model.nodes("loras")
        assert [(n.label, n.depth, n.kind, n.default) for n in nodes] == [
            ("loras", 0, "list", "[]"),
            ("[0]", 1, "object", NO_DEFAULT),
            ("id", 2, "text", '""'),
            ("name", 2, "text", '""'),
            ("path", 2, "text", '""'),
            ("strength", 2, "number", "1.0"),
            ("previewImageUrl", 2, "text", NO_DEFAULT),  # optional: shown, not set
            ("trigger_word", 2, "text", NO_DEFAULT),
        ]
        assert (nodes[7].present, nodes[7].shown, nodes[5].present) == (False, "not set", True)
        assert nodes[0].adds == "item"
        assert nodes[1].index == 0
        assert not nodes[1].can_move_down

        # Edit a leaf: a refused value is written nowhere, with the reason beside that leaf.
        assert not model.set_nested_typed(["loras", 0, "strength"], "strong")
        assert model.state.field_errors["loras[0].strength"] == (
            'loras[0].strength must be a number, not text ("strong")'
        )
        assert not model.set_nested(["loras", 0, "strength"], 5)  # Reigh's slider: 0 to 2
        assert model.state.field_errors["loras[0].strength"] == (
            "loras[0].strength must be from 0 to 2, not 5"
        )
        assert model.set_nested_typed(["loras", 0, "strength"], "0.8")
        assert "loras[0].strength" not in model.state.field_errors
        assert model.set_nested(["loras", 0, "trigger_word"], "neon")  # an optional field
        assert model.set_nested_typed(["loras", 0, "name"], "Glow")
        assert model.add_item(["loras"])
        assert model.set_nested(["loras", 1, "name"], "Rain")
        assert model.move_item(["loras", 1], -1)
        assert not model.move_item(["loras", 0], -1)
        assert model.state.notice == "loras[0] is already first"
        assert model.flush(10)
        loras = travel(demo_dsn, "shots", shot.id)["loras"]
        assert [(e["name"], e["strength"], e.get("trigger_word")) for e in loras] == [
            ("Rain", 1.0, None),
            ("Glow", 0.8, "neon"),
        ]
        assert model.remove_item(["loras", 0])

        # A list of objects without a known shape: a new item like the others (blanked).
        model.set_edit_scope("project")
        assert model.set_field("pairConfigs", [{"prompt": "dusk", "frames": 49}])
        assert model.add_item(["pairConfigs"])
        assert model.flush(10)
        assert travel(demo_dsn, "projects", project.id)["pairConfigs"] == [
            {"prompt": "dusk", "frames": 49},
            {"prompt": "", "frames": 0},
        ]
        # An object inside a list, field by field of the item (the list written whole).
        assert model.set_nested_typed(["pairConfigs", 1, "frames"], "25")
        # A list of scalars needs the value typed; refusals leave the data alone.
        assert model.set_field("textBeforePrompts", [])
        assert model.flush(10)
        assert not model.add_item(["textBeforePrompts"])
        assert "type the new item's value" in model.state.field_errors["textBeforePrompts"]
        assert model.add_item(["textBeforePrompts"], "wide shot", typed=True)
        assert not model.remove_item(["pairConfigs", 7])
        assert "no such item" in model.state.field_errors["pairConfigs[7]"]
        assert not model.add_item(["prompt"])  # not a list
        for bad in (["loras", True], [0, "x"], ["loras", 1.5], {"loras": 0}, []):
            assert not model.set_nested(bad, 1)  # type: ignore[arg-type]
            assert model.state.error is not None
            assert "nested settings place" in model.state.error
        assert not model.set_nested_typed(["loras", 0, "name"], b"x")  # type: ignore[arg-type]
        assert not model.set_nested(["loras", 0, "name\x00"], "x")
        assert not model.promote("loras\x00")
        assert model.flush(10)
        stored = travel(demo_dsn, "projects", project.id)
        assert stored["pairConfigs"][1] == {"prompt": "", "frames": 25}
        assert stored["textBeforePrompts"] == ["wide shot"]
        assert travel(demo_dsn, "shots", shot.id)["loras"] == [loras[1]]
        assert row(model, "loras").promotable  # the shot sets it now
    finally:
        model.close()


def test_workflows_plan_confirm_and_write_once(demo_wb: Workbench, demo_dsn: str) -> None:
    project = demo_wb.project("Neon Coastline")
    source, shot = demo_wb.shots(project)[0], demo_wb.shots(project)[1]
    model = SettingsModel(demo_wb, TRAVEL, shot_id=shot.id)
    try:
        assert (model.state.copy_label, model.state.reset_label, model.state.promote_label) == (
            "apply settings from another shot",
            "reset to project",
            "promote to project",
        )
        # Nothing of its own yet: reset has nothing to do, and says so.
        assert model.plan_reset_overrides() is None
        assert model.state.notice == (
            f"Nothing to change: shot '{shot.name}' has no override of {TRAVEL}"
        )
        sources = model.load_sources()
        assert f"shot:{shot.id}" not in [s.key for s in sources]
        key = f"shot:{source.id}"
        assert [s.label for s in sources if s.key == key] == [f"shot {source.name}"]
        own = travel(demo_dsn, "shots", source.id)
        question = model.plan_copy(key)
        assert question is not None
        assert question.verb == "Apply"
        assert question.question == (
            f"Copy {len(own)} fields of {TRAVEL} from shot '{source.name}' to shot '{shot.name}'?"
        )
        assert any("generationMode" in line for line in question.details)
        assert travel(demo_dsn, "shots", shot.id) == {}  # planning writes nothing
        assert model.apply_plan()
        assert travel(demo_dsn, "shots", shot.id) == own
        assert row(model, "generationMode").scope == "shot"
        assert (
            model.state.notice == f"Done: {question.question[0].lower()}{question.question[1:-1]}"
        )
        assert model.plan_copy(key) is None  # the same again: nothing to change
        assert model.state.notice is not None
        assert model.state.notice.startswith("Nothing")

        # Promote one field: the project takes the shot's value, the shot inherits it.
        assert model.promote("batchVideoSteps")
        assert model.state.notice is not None
        assert model.state.notice.startswith("Promoted to project: ")
        assert travel(demo_dsn, "projects", project.id)["batchVideoSteps"] == own["batchVideoSteps"]
        assert "batchVideoSteps" not in travel(demo_dsn, "shots", shot.id)
        assert row(model, "batchVideoSteps").scope == "project"

        # Reset to project: the plan's lines as the question, then one write.
        question = model.plan_reset_overrides()
        assert question is not None
        assert question.verb == "Reset"
        assert question.question.startswith(f"Reset {TRAVEL} at shot '{shot.name}' to inherited")
        assert len(question.details) >= 2
        demo_wb.settings_handle(TRAVEL, shot_id=shot.id).set("prompt", "changed elsewhere")
        assert demo_wb.settings_service.queue.flush(10)
        assert not model.apply_plan()  # the shot changed since the plan: refused, kept
        assert model.state.error, model.state
        assert travel(demo_dsn, "shots", shot.id)["prompt"] == "changed elsewhere"
        question = model.plan_reset_overrides()
        assert question is not None
        assert model.apply_plan()
        assert travel(demo_dsn, "shots", shot.id) == {}
        assert {r.scope for r in model.state.rows} <= {"defaults", "user", "project"}
        demo_wb.undo()  # the reset is recorded for undo
        assert travel(demo_dsn, "shots", shot.id)["prompt"] == "changed elsewhere"

        # A project: from another project, "reset to my settings"; no promote.
        model.switch_target(project_id=project.id)
        assert (model.state.copy_label, model.state.reset_label, model.state.promote_label) == (
            "apply settings from another project",
            "reset to my settings",
            None,
        )
        others = {p.id for p in demo_wb.projects()} - {project.id}
        assert {s.key for s in model.load_sources()} == {f"project:{i}" for i in others}
        question = model.plan_reset_overrides()
        assert question is not None
        assert "inherits from the user's settings" in question.question
        assert not model.promote("amountOfMotion")
        assert model.state.notice == "promote to project works on a shot's own values"
        model.cancel_plan()
        assert not model.apply_plan()  # nothing planned: nothing written
        assert travel(demo_dsn, "projects", project.id)["amountOfMotion"] == 65
    finally:
        model.close()
