"""Writing the demo: rows in Reigh's shape, media through the configured storage.

The demo is written in two passes over the same seeded walk: the first writes nothing and
lists every file to draw (``render.MediaJob``), which are then drawn in parallel and stored
(``render.render_all``); the second, from the same seed, writes the rows with the files'
URLs and the clips' probes, in one transaction sent as one pipeline. Drawing takes no random
number, so both walks take the same ones: the same ids, names and keys.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import psycopg
from psycopg.types.json import Jsonb

from workbench.demo.plan import DEFAULT_SEED, DEMO_EMAIL, EPOCH, PLANS, TRAVEL_SETTINGS, ProjectPlan
from workbench.demo.render import MediaJob, render_all, workers_for
from workbench.errors import SchemaError, ValidationError
from workbench.generations.mutations import FRAME_SPACING
from workbench.storage import Storage


@dataclass
class DemoSummary:
    user_id: uuid.UUID
    projects: int = 0
    shots: int = 0
    generations: int = 0
    videos: int = 0
    variants: int = 0
    files: int = 0
    project_ids: list[uuid.UUID] = field(default_factory=list)


class _Ids:
    """Deterministic UUIDs from the demo's random stream."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def __call__(self) -> uuid.UUID:
        return uuid.UUID(int=self._rng.getrandbits(128), version=4)


def _rand(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(n))


class _Media:
    """The demo's files under Reigh's keys: while planning, each is listed as a job to draw
    (``jobs``); once drawn, the same walk finds each clip's probe (``drawn``) by its key."""

    def __init__(
        self,
        storage: Storage,
        user_id: uuid.UUID,
        rng: random.Random,
        drawn: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.storage, self.user_id, self.rng, self.files = storage, user_id, rng, 0
        self.drawn = drawn  # None: planning
        self.jobs: list[MediaJob] = []

    def _keys(self, when: datetime, ext: str, rng: random.Random | None = None) -> tuple[str, str]:
        ms = int(when.timestamp() * 1000)
        rng = rng or self.rng
        return (
            f"{self.user_id}/uploads/{ms}-{_rand(rng, 8)}.{ext}",
            f"{self.user_id}/thumbnails/thumb_{ms}_{_rand(rng, 6)}.jpg",
        )

    def image(
        self, spec: Any, when: datetime, rng: random.Random | None = None, *, counted: bool = False
    ) -> tuple[str, str]:
        """A picture's (URL, thumbnail URL); its key's random part comes from ``rng``
        (default: the demo's stream). ``counted``: a generation's own picture."""
        key, thumb_key = self._keys(when, "jpg", rng)
        self.files += 2
        self.jobs.append(MediaJob("image", spec, key, thumb_key, counted))
        return self.storage.url(key), self.storage.url(thumb_key)

    def video(
        self, spec: Any, when: datetime, *, counted: bool = False
    ) -> tuple[str, str, dict[str, Any]]:
        """A clip's (URL, thumbnail URL, probe); the probe is empty while planning."""
        key, thumb_key = self._keys(when, "mp4")
        self.files += 2
        self.jobs.append(MediaJob("video", spec, key, thumb_key, counted))
        meta = dict(self.drawn[key]) if self.drawn is not None else {}
        return self.storage.url(key), self.storage.url(thumb_key), meta


class _NoRows:
    """Where the planning walk's rows go: nowhere."""

    def execute(self, query: str, params: Any = None) -> None:
        """Drop the row."""


def find_demo_user(conn: psycopg.Connection[Any]) -> uuid.UUID | None:
    row = conn.execute("SELECT id FROM users WHERE email = %s", (DEMO_EMAIL,)).fetchone()
    return row[0] if row else None


DemoProgress = Callable[[int, int], None]  # (generations made, generations in all)


def check_size(generations: object, videos: object = 0) -> None:
    """Refuse a demo size that cannot be made, before anything (a reset's delete) happens."""
    if isinstance(generations, bool) or not isinstance(generations, int) or generations < 1:
        raise ValidationError(f"the demo needs at least 1 generation, not {generations!r}")
    if isinstance(videos, bool) or not isinstance(videos, int) or not 0 <= videos <= generations:
        raise ValidationError(f"videos must be 0 to {generations}, not {videos!r}")


def seed_demo(
    conn: psycopg.Connection[Any],
    storage: Storage,
    *,
    seed: int = DEFAULT_SEED,
    generations: int = 600,
    videos: int = 8,
    progress: DemoProgress | None = None,
    workers: int | None = None,
) -> DemoSummary:
    """Create the demo user, projects, shots, generations, media and settings in one
    transaction. ``progress(done, total)`` hears after each generation's media is drawn
    (what takes the time: seconds, for 600 pictures and 16 clips), starting with
    ``(0, total)``. The media are drawn by ``workers`` processes (default: one per core for
    a big demo, the calling thread for a small one); the demo is the same either way."""
    from workbench.db.schema import inspect

    check_size(generations, videos)
    if inspect(conn).kind != "ours":
        raise SchemaError("the demo is only created in a database the workbench owns")
    _refuse_a_second(conn)
    plan = _Seeder(_NoRows(), storage, random.Random(seed))
    plan.walk(generations, videos)
    if progress is not None:
        progress(0, generations)
    jobs = plan.media.jobs
    drawn = render_all(
        jobs, storage, workers=workers_for(len(jobs), workers),
        progress=None if progress is None else lambda done: progress(done, generations),
    )  # fmt: skip
    with conn.transaction():
        _refuse_a_second(conn)
        with conn.pipeline():  # thousands of INSERTs, one round trip
            seeder = _Seeder(conn, storage, random.Random(seed), drawn)
            seeder.walk(generations, videos)
    seeder.summary.files = seeder.media.files
    return seeder.summary


def _refuse_a_second(conn: psycopg.Connection[Any]) -> None:
    if find_demo_user(conn) is not None:
        raise SchemaError("the demo already exists: `workbench demo --reset` recreates it")


class _Rows(Protocol):
    """Where a walk's rows go: the database, or nowhere (``_NoRows``, while planning)."""

    def execute(self, query: str, params: Any = ...) -> object: ...


class _Seeder:
    """Writes the demo rows; holds the state every step shares (ids, clock, media, counts).
    Without ``drawn`` it plans (its media list the files to draw); with it, it writes."""

    def __init__(
        self,
        conn: _Rows,
        storage: Storage,
        rng: random.Random,
        drawn: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.conn, self.rng = conn, rng
        self.new_id = _Ids(rng)
        self.user_id = self.new_id()
        self.media = _Media(storage, self.user_id, rng, drawn)
        self.summary = DemoSummary(self.user_id)
        self.clock = EPOCH
        self.frames: dict[uuid.UUID, int] = {}

    def walk(self, generations: int, videos: int) -> None:
        """The whole demo: its user, then its two projects."""
        self.user()
        first = round(generations * PLANS[0].share)
        self.project(PLANS[0], 0, first, videos - videos // 2)
        self.project(PLANS[1], 1, generations - first, videos // 2)

    def user(self) -> None:
        settings = {
            "ui": {"paneLocks": {"gens": False, "shots": False, "tasks": False}},
            "user-preferences": {},
            "travel-between-images": {"amountOfMotion": 40, "enhancePrompt": True},
            "image-generation": {"imagesPerPrompt": 2, "promptMode": "managed"},
        }
        self.conn.execute(
            "INSERT INTO users (id, name, email, settings) VALUES (%s, %s, %s, %s)",
            (self.user_id, "Demo Creator", DEMO_EMAIL, Jsonb(settings)),
        )

    def project(self, plan: ProjectPlan, index: int, count: int, videos: int) -> None:
        project_id = self.new_id()
        self.summary.projects += 1
        self.summary.project_ids.append(project_id)
        settings = {
            "travel-between-images": {**TRAVEL_SETTINGS, "prompt": plan.styles[0]},
            "image-generation": {"depthStrength": 60 + 5 * index, "selectedLoras": []},
        }
        self.conn.execute(
            "INSERT INTO projects (id, name, user_id, aspect_ratio, created_at, settings) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (project_id, plan.name, self.user_id, plan.aspect_ratio, self.clock, Jsonb(settings)),
        )
        shot_ids = [self.shot(project_id, plan, n, name) for n, name in enumerate(plan.shots)]
        video_slots = set(self.rng.sample(range(count), min(videos, count)))
        made: list[uuid.UUID] = []
        for n in range(count):
            self.clock += timedelta(minutes=self.rng.randint(3, 90))
            shot_index = self.rng.randrange(len(shot_ids))
            gen_id = self.generation(
                project_id,
                plan,
                p_index=index,
                n=n,
                shot_index=shot_index,
                is_video=n in video_slots,
                made=made,
            )
            made.append(gen_id)
            if self.rng.random() < 0.72 or n in video_slots:
                self.link(shot_ids[shot_index], gen_id, is_video=n in video_slots)
                if self.rng.random() < 0.05:  # the same item in a second shot
                    other = shot_ids[(shot_index + 1) % len(shot_ids)]
                    self.link(other, gen_id, is_video=n in video_slots)

    def shot(self, project_id: uuid.UUID, plan: ProjectPlan, n: int, name: str) -> uuid.UUID:
        shot_id = self.new_id()
        settings: dict[str, Any] = {}
        if n % 2 == 0:
            settings["travel-between-images"] = {
                "generationMode": ("batch", "timeline", "by-pair")[n % 3],
                "batchVideoSteps": 6 + n,
                "pairConfigs": [{"prompt": f"{name.lower()}, slow push-in", "frames": 49}],
            }
        if n % 3 == 0:
            settings["image-generation"] = {"softEdgeStrength": 20 + 5 * n}
        self.conn.execute(
            "INSERT INTO shots (id, name, project_id, settings, position, aspect_ratio, "
            "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                shot_id,
                name,
                project_id,
                Jsonb(settings),
                n + 1,
                plan.aspect_ratio,
                self.clock,
                self.clock + timedelta(days=n),
            ),
        )
        self.summary.shots += 1
        self.frames[shot_id] = 0
        return shot_id

    def generation(
        self,
        project_id: uuid.UUID,
        plan: ProjectPlan,
        *,
        p_index: int,
        n: int,
        shot_index: int,
        is_video: bool,
        made: list[uuid.UUID],
    ) -> uuid.UUID:
        from workbench.demo.art import MOTIFS, PALETTES, ArtSpec

        rng, clock = self.rng, self.clock
        gen_id, task_id = self.new_id(), self.new_id()
        width, height = plan.size
        spec = ArtSpec(
            seed=rng.getrandbits(32),
            title=plan.name,
            label=f"{plan.shots[shot_index]} · #{n + 1}",
            motif=MOTIFS[(shot_index + p_index * 3) % len(MOTIFS)],
            palette=(shot_index * 3 + p_index) % len(PALETTES),
            width=width,
            height=height,
        )
        based_on = rng.choice(made) if made and not is_video and rng.random() < 0.06 else None
        tool = (
            "travel-between-images"
            if is_video
            else ("edit-images" if based_on else "image-generation")
        )
        prompt = f"{rng.choice(plan.subjects)}, {rng.choice(plan.styles)}"
        params: dict[str, Any] = {"tool_type": tool, "prompt": prompt, "seed": spec.seed}
        if is_video:
            location, thumb, meta = self.media.video(spec, clock, counted=True)
            params["originalParams"] = {"orchestrator_details": {"prompt": prompt}}
            params.update(meta)
            self.summary.videos += 1
        else:
            location, thumb = self.media.image(spec, clock, counted=True)
            params.update(width=width, height=height)
        self.conn.execute(
            "INSERT INTO tasks (id, task_type, params, status, project_id, output_location, "
            "created_at, updated_at) VALUES (%s, %s, %s, 'Complete', %s, %s, %s, %s)",
            (
                task_id,
                "travel_orchestrator" if is_video else "single_image",
                Jsonb(params),
                project_id,
                location,
                clock - timedelta(seconds=40),
                clock,
            ),
        )
        self.conn.execute(
            "INSERT INTO generations (id, project_id, type, location, thumbnail_url, params, "
            "starred, created_at, updated_at, tasks, based_on) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                gen_id,
                project_id,
                "video" if is_video else "image",
                location,
                thumb,
                Jsonb(params),
                rng.random() < 0.12,
                clock,
                clock,
                Jsonb([str(task_id)]),
                based_on,
            ),
        )
        self.variant(gen_id, location, thumb, params, "original", viewed=True)
        self.summary.generations += 1
        if not is_video and rng.random() < 0.04:
            big = ArtSpec(
                spec.seed,
                spec.title,
                spec.label + " · upscaled",
                spec.motif,
                spec.palette,
                width * 2,
                height * 2,
            )
            up_location, up_thumb = self.media.image(big, clock)
            self.variant(
                gen_id,
                up_location,
                up_thumb,
                {**params, "width": width * 2, "height": height * 2},
                "upscaled",
                viewed=rng.random() < 0.5,
                later=timedelta(minutes=5),
            )
        # A few images carry an edit that was not made primary (Reigh's edits default to
        # non-primary) and nobody has looked at yet: what the "new" badge, a variant's star
        # and deleting a variant act on. Their own random stream keeps the rest of the demo
        # as it was.
        side = random.Random(spec.seed ^ 0x5EED)
        if not is_video and side.random() < 0.03:
            edit = ArtSpec(
                spec.seed + 1, spec.title, spec.label + " · edit", spec.motif,
                (spec.palette + 1) % len(PALETTES), width, height,
            )  # fmt: skip
            edit_location, edit_thumb = self.media.image(edit, clock, side)
            self.variant(
                gen_id, edit_location, edit_thumb, {**params, "edit": "recolour"}, "edit",
                viewed=False, later=timedelta(minutes=9), primary=False, variant_id=_Ids(side)(),
            )  # fmt: skip
        if is_video and self.summary.videos % 2 == 1:
            for child in range(2):
                self.child_video(project_id, gen_id, spec, child, params)
        return gen_id

    def child_video(
        self,
        project_id: uuid.UUID,
        parent_id: uuid.UUID,
        spec: Any,
        child: int,
        params: dict[str, Any],
    ) -> None:
        from workbench.demo.art import ArtSpec

        child_spec = ArtSpec(
            spec.seed + child + 1,
            spec.title,
            f"{spec.label} · part {child + 1}",
            spec.motif,
            spec.palette,
            spec.width,
            spec.height,
        )
        location, thumb, meta = self.media.video(child_spec, self.clock)
        child_id = self.new_id()
        self.conn.execute(
            "INSERT INTO generations (id, project_id, type, location, thumbnail_url, params, "
            "created_at, updated_at, parent_generation_id, child_order, is_child) "
            "VALUES (%s, %s, 'video', %s, %s, %s, %s, %s, %s, %s, true)",
            (
                child_id,
                project_id,
                location,
                thumb,
                Jsonb({**params, **meta}),
                self.clock,
                self.clock,
                parent_id,
                child,
            ),
        )
        self.variant(child_id, location, thumb, {**params, **meta}, "original", viewed=True)
        self.summary.videos += 1

    def variant(
        self,
        gen_id: uuid.UUID,
        location: str,
        thumb: str,
        params: dict[str, Any],
        kind: str,
        *,
        viewed: bool,
        later: timedelta = timedelta(0),
        primary: bool = True,
        variant_id: uuid.UUID | None = None,
    ) -> None:
        """A new variant; a primary one Reigh's triggers copy onto the generation. Its id is
        ``variant_id`` when given (made outside the demo's random stream), else the next."""
        when = self.clock + later
        self.conn.execute(
            "INSERT INTO generation_variants (id, generation_id, location, thumbnail_url, "
            "params, is_primary, variant_type, name, created_at, viewed_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                variant_id or self.new_id(),
                gen_id,
                location,
                thumb,
                Jsonb(params),
                primary,
                kind,
                "Original" if kind == "original" else kind.title(),
                when,
                when if viewed else None,
            ),
        )
        self.summary.variants += 1

    def link(self, shot_id: uuid.UUID, gen_id: uuid.UUID, *, is_video: bool) -> None:
        frame = None
        if not is_video and self.rng.random() < 0.82:
            frame = self.frames[shot_id]
            self.frames[shot_id] += FRAME_SPACING
        self.conn.execute(
            "INSERT INTO shot_generations (id, shot_id, generation_id, timeline_frame, metadata, "
            "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                self.new_id(),
                shot_id,
                gen_id,
                frame,
                Jsonb({"auto_positioned": frame is not None}),
                self.clock,
                self.clock,
            ),
        )
