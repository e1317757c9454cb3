"""Drawing the demo's media, in parallel: the pictures and clips are what a first start waits
for (600 pictures and 16 clips: most of its time), and each depends on its ``ArtSpec`` alone.

``seed_demo`` plans every file first (``MediaJob``: what to draw, under which keys), then
``render_all`` draws them in worker processes (the drawing is Python, which threads cannot
run in parallel; ``workbench.demo.worker``) and stores them from a few threads while the
next ones are drawn. A job's
bytes depend on its spec alone, so the demo is the same however many workers drew it.
"""

from __future__ import annotations

import collections
import contextlib
import os
import pickle
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from workbench.errors import MediaError

if TYPE_CHECKING:
    from workbench.demo.art import ArtSpec
    from workbench.storage import Storage

# Below this many jobs, starting worker processes costs more than it saves.
POOL_FROM = 120
MAX_WORKERS = 4
STORE_THREADS = 8  # puts to the asset store (an S3 round trip each) overlap the drawing


@dataclass(frozen=True)
class MediaJob:
    """One file to draw and store, with its thumbnail: a picture or a clip of ``spec``.
    ``counted``: a generation's own media (the progress counts generations, not files)."""

    kind: Literal["image", "video"]
    spec: ArtSpec
    key: str
    thumb_key: str
    counted: bool


@dataclass(frozen=True)
class Rendered:
    """A drawn job: the file, its thumbnail, and for a clip what its probe says."""

    data: bytes
    thumb: bytes
    meta: dict[str, Any] | None = None


def render(job: MediaJob) -> Rendered:
    """Draw one job (in a worker process, or in the caller's thread)."""
    from workbench.demo.art import render_jpeg, render_video
    from workbench.media import image_thumbnail, video_thumbnail

    if job.kind == "image":
        data = render_jpeg(job.spec)
        return Rendered(data, image_thumbnail(data))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mp4"
        render_video(job.spec, path)
        thumb, info = video_thumbnail(path)
        data = path.read_bytes()
    meta = {"duration_seconds": info.duration_s, "width": info.width, "height": info.height}
    return Rendered(data, thumb, meta)


def workers_for(jobs: int, workers: int | None = None) -> int:
    """How many processes draw ``jobs`` jobs: ``workers`` when given, else one per core (at
    most ``MAX_WORKERS``) for a big demo, and none (the caller's thread) for a small one."""
    if workers is not None:
        return max(1, workers)
    if jobs < POOL_FROM:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def render_all(
    jobs: Iterable[MediaJob],
    storage: Storage,
    *,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Draw and store every job; returns each clip's probe by its key. ``progress(done)``
    hears, from the calling thread, after each counted job (a generation's own media).

    Clips first: they take longest, so a worker is not left drawing one at the end."""
    ordered = sorted(jobs, key=lambda job: job.kind != "video")
    metas: dict[str, dict[str, Any]] = {}
    done = 0
    with ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="workbench-demo-store") as store:
        stored: list[Future[str]] = []
        for job, rendered in _as_drawn(workers, ordered):
            content = "image/jpeg" if job.kind == "image" else "video/mp4"
            stored.append(store.submit(storage.put_bytes, job.key, rendered.data, content))
            stored.append(store.submit(storage.put_bytes, job.thumb_key, rendered.thumb,
                                       "image/jpeg"))  # fmt: skip
            if rendered.meta is not None:
                metas[job.key] = rendered.meta
            if job.counted:
                done += 1
                if progress is not None:
                    progress(done)
        for future in stored:
            future.result()  # a failed put fails the demo
    return metas


def _as_drawn(workers: int, jobs: list[MediaJob]) -> Iterator[tuple[MediaJob, Rendered]]:
    """Each job with its drawing, as they finish: drawn by ``workers`` worker processes
    (``python -m workbench.demo.worker``, fed through pipes), or in this thread for one."""
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(min(workers, len(jobs)) if workers > 1 else 0):
            processes.append(_start_worker())
    except OSError:  # no interpreter to start (a frozen app): this thread draws them all
        for process in processes:
            _stop_worker(process)
            if process.stdout is not None:
                process.stdout.close()
        processes = []
    if not processes:
        for job in jobs:
            yield job, render(job)
        return
    waiting = collections.deque(jobs)
    finished: queue.Queue[tuple[MediaJob, Rendered | BaseException]] = queue.Queue()
    stop = threading.Event()
    feeders = [
        threading.Thread(target=_feed, args=(process, waiting, finished, stop),
                         name="workbench-demo-draw", daemon=True)
        for process in processes
    ]  # fmt: skip
    for feeder in feeders:
        feeder.start()
    try:
        for _ in range(len(jobs)):
            job, outcome = finished.get()
            if isinstance(outcome, BaseException):
                raise MediaError(f"drawing the demo's {job.kind} {job.key} failed: {outcome}")
            yield job, outcome
    finally:
        stop.set()
        for process in processes:
            _stop_worker(process)
        for feeder in feeders:
            feeder.join()
        for process in processes:
            if process.stdout is not None:
                process.stdout.close()


def _start_worker() -> subprocess.Popen[bytes]:
    """A drawing process: a fresh interpreter (never a fork of this one, which may run other
    threads, nor a re-run of its main script, as multiprocessing's spawn would do), seeing
    the modules this one sees."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    return subprocess.Popen(
        [sys.executable, "-m", "workbench.demo.worker"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
    )  # fmt: skip


def _feed(
    process: subprocess.Popen[bytes],
    waiting: collections.deque[MediaJob],
    finished: queue.Queue[tuple[MediaJob, Rendered | BaseException]],
    stop: threading.Event,
) -> None:
    """Give one worker jobs one at a time until none is left (a thread per worker)."""
    assert process.stdin is not None  # PIPE
    assert process.stdout is not None  # PIPE
    while not stop.is_set():
        try:
            job = waiting.popleft()  # atomic: each job goes to one worker
        except IndexError:
            return
        try:
            send(process.stdin, (job.kind, job.spec))
            data, thumb, meta = receive(process.stdout)
            finished.put((job, Rendered(data, thumb, meta)))
        except BaseException as exc:  # a worker that died or failed: its job fails the demo
            finished.put((job, exc))
            return


def _stop_worker(process: subprocess.Popen[bytes]) -> None:
    """End a worker: its stdin closed, it exits after the job in hand (killed if it has not
    within 5 s); a feeder reading its replies then reads the end of them."""
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def send(pipe: IO[bytes], message: object) -> None:
    """Write one message (pickled, length first) to a worker's pipe."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    pipe.write(len(data).to_bytes(8, "big") + data)
    pipe.flush()


def receive(pipe: IO[bytes]) -> Any:
    """Read one message ``send`` wrote; EOFError when the other side has gone."""
    header = pipe.read(8)
    if len(header) < 8:
        raise EOFError("the drawing process stopped")
    size = int.from_bytes(header, "big")
    data = pipe.read(size)
    if len(data) < size:
        raise EOFError("the drawing process stopped")
    return pickle.loads(data)  # our own child process, over our own pipe
