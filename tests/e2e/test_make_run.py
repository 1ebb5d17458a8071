"""End to end: ``python -m tocsin.local`` (what ``make run`` runs) embeds NATS and PostgreSQL,
starts every real service, answers on /healthz, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tocsin.shared.testing import error_lines

START_TIMEOUT = 90.0
STOP_TIMEOUT = 60.0



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (tells a process from a later one reusing its id)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[19]


def descendants(root: int) -> dict[int, str]:
    """Every live process below ``root``, with its start time."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found: dict[int, str] = {}
    todo = [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            started = start_time(pid)
            if started is not None:
                found[pid] = started
                todo.append(pid)
    return found


def get(url: str) -> tuple[int | None, bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=3) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return None, b""


@dataclass
class Run:
    process: subprocess.Popen[bytes]
    data_dir: Path
    http: str
    grpc: str
    output: Path
    health: dict[str, Any]
    tree: dict[int, str]

    def text(self) -> str:
        return self.output.read_text(errors="replace")


def launch(tmp_path: Path, *args: str, instances: int = 1) -> Run:
    """Start ``python -m tocsin.local`` and wait until /healthz is 200 with every instance."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("TOCSIN_NATS_URL", "TOCSIN_DATABASE_URL", "TOCSIN_ACCESS_KEYS")}
    http, grpc = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    env.update(TOCSIN_DATA_DIR=str(tmp_path / "data"), TOCSIN_HTTP_ADDR=http,
               TOCSIN_GRPC_ADDR=grpc)
    output = tmp_path / "output.log"
    with output.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "tocsin.local", *args], env=env,
                                   cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=sink,
                                   stderr=subprocess.STDOUT)
    run = Run(process, tmp_path / "data", http, grpc, output, {}, {})
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"tocsin.local exited with {process.returncode}:\n{run.text()[-5000:]}")
        status, body = get(f"http://{http}/healthz")
        if status == 200:
            run.health = json.loads(body)
            if len(run.health["services"]["incidents"]["instances"]) >= instances:
                break
        time.sleep(0.5)
    else:
        stop(run, signal.SIGKILL)
        pytest.fail(f"/healthz not 200 within {START_TIMEOUT:.0f}s:\n{run.text()[-5000:]}")
    run.tree = descendants(process.pid)
    return run


def stop(run: Run, sig: signal.Signals = signal.SIGTERM) -> int | None:
    """Signal the supervisor and wait for it; its exit status (None if it did not exit)."""
    if run.process.poll() is None:
        run.process.send_signal(sig)
    try:
        return run.process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        run.process.kill()
        run.process.wait()
        return None
    finally:
        for pid, started in {**run.tree, **descendants(run.process.pid)}.items():
            if start_time(pid) == started:
                os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="class")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    run = launch(tmp_path_factory.mktemp("make-run"), "--scale", "incidents=2", instances=2)
    yield run
    stop(run)
    assert error_lines(run.text()) == [], "the services logged ERROR lines"


class TestMakeRun:
    def test_healthz_names_every_service(self, running: Run) -> None:
        """/healthz answers 200 naming the gateway and both scaled incidents instances."""
        services = running.health["services"]
        assert running.health["status"] == "ok"
        assert len(services["incidents"]["instances"]) == 2
        assert len(services["gateway"]["instances"]) == 1

    def test_each_instance_is_its_own_process(self, running: Run) -> None:
        """Every service instance runs as a separate OS process below the supervisor."""
        commands = []
        for pid in running.tree:
            try:
                commands.append(Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0"))
            except OSError:
                continue
        modules = [c[c.index(b"-m") + 1] for c in commands if b"-m" in c]
        assert sorted(modules) == [b"tocsin.contacts", b"tocsin.escalation", b"tocsin.gateway",
                                   b"tocsin.incidents", b"tocsin.incidents",
                                   b"tocsin.notifications"]

    def test_output_is_prefixed_and_says_ready(self, running: Run) -> None:
        """Children's lines carry their ``name[n] | `` prefix and a ready line names both ports."""
        deadline = time.monotonic() + 10
        while "Tocsin is ready" not in running.text() and time.monotonic() < deadline:
            time.sleep(0.2)
        text = running.text()
        assert "Tocsin is ready" in text
        assert f"http://{running.http}" in text and running.grpc in text
        for label in ("incidents[1] | ", "incidents[2] | ", "gateway[1] | "):
            assert label in text

    def test_credentials_file_works_with_boto3(self, running: Run,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
        """The printed boto3 recipe, profile tocsin in <data>/credentials, gets signed calls in."""
        boto3 = pytest.importorskip("boto3")
        path = running.data_dir / "credentials"
        assert (path.stat().st_mode & 0o777) == 0o600
        assert f"AWS_SHARED_CREDENTIALS_FILE={path} AWS_PROFILE=tocsin" in running.text()
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(path))
        monkeypatch.setenv("AWS_CONFIG_FILE", str(running.data_dir / "no-aws-config"))
        client = boto3.Session(profile_name="tocsin").client(
            "ssm-incidents", endpoint_url=f"http://{running.http}", region_name="local-1")
        assert client.list_replication_sets()["replicationSetArns"] == []


class TestShutdown:
    def test_sigterm_stops_everything_and_exits_zero(self, tmp_path: Path) -> None:
        """SIGTERM stops every child and both embedded servers, and the exit status is 0."""
        run = launch(tmp_path)
        assert len(run.tree) >= 4  # NATS, PostgreSQL (and its workers), incidents, gateway
        status = stop(run)
        left = [pid for pid, started in run.tree.items() if start_time(pid) == started]
        assert status == 0, run.text()[-5000:]
        assert left == []
        assert "shutdown.done" in run.text()
