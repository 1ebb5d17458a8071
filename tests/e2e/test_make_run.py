"""End to end: ``python -m tocsin.local`` (what ``make run`` runs) embeds NATS and PostgreSQL,
starts every real service, answers on /healthz, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import ssl
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


def get(url: str, cafile: Path | None = None) -> tuple[int | None, bytes]:
    https = urllib.request.HTTPSHandler(context=ssl.create_default_context(
        cafile=str(cafile) if cafile else None))
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), https)
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
    nats: str
    output: Path
    health: dict[str, Any]
    tree: dict[int, str]

    def text(self) -> str:
        return self.output.read_text(errors="replace")


def start(tmp_path: Path, *args: str, like: Run | None = None,
          **extra: str) -> Run:
    """Start ``python -m tocsin.local`` on free ports (or on those of ``like``, with its
    data), its output in ``<tmp_path>/output.log`` (appended)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("TOCSIN_NATS_URL", "TOCSIN_DATABASE_URL", "TOCSIN_ACCESS_KEYS")
           and not k.startswith("TOCSIN_SMTP_")}
    if like is not None:
        http, grpc, nats_port = like.http, like.grpc, like.nats.rpartition(":")[2]
    else:
        http, grpc = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
        nats_port = str(free_port())
    # Port 0: each process its own free metrics port (fixed ones may be taken here).
    env.update(TOCSIN_DATA_DIR=str(tmp_path / "data"), TOCSIN_HTTP_ADDR=http,
               TOCSIN_GRPC_ADDR=grpc, TOCSIN_NATS_PORT=nats_port,
               TOCSIN_METRICS_ADDR="127.0.0.1:0", **extra)
    output = tmp_path / "output.log"
    with output.open("ab") as sink:
        process = subprocess.Popen([sys.executable, "-m", "tocsin.local", *args], env=env,
                                   cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=sink,
                                   stderr=subprocess.STDOUT)
    return Run(process, tmp_path / "data", http, grpc, f"nats://127.0.0.1:{nats_port}",
               output, {}, {})


def launch(tmp_path: Path, *args: str, instances: int = 1, like: Run | None = None,
           **extra: str) -> Run:
    """Start ``python -m tocsin.local`` and wait until /healthz is 200 with every instance.

    On free ports (no ``like``), a run that found one of them taken (another test's server
    bound it between :func:`free_port` and the run's own bind; the run exits saying so)
    is started again on other ports, up to twice."""
    for _ in range(3 if like is None else 1):
        log = tmp_path / "output.log"
        since = log.stat().st_size if log.exists() else 0
        run = start(tmp_path, *args, like=like, **extra)
        if _up(run, instances, since, tls=bool(extra.get("TOCSIN_TLS"))):
            run.tree = descendants(run.process.pid)
            return run
    pytest.fail(f"tocsin.local found a port of its own taken:\n{run.text()[-5000:]}")


def _up(run: Run, instances: int, since: int, *, tls: bool) -> bool:
    """Wait until /healthz is 200 with ``instances`` incidents instances (True), or the
    run exited because a port was taken (False: its output from ``since`` says so); fail
    on any other exit or at the deadline."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if run.process.poll() is not None:
            if "in use" in run.output.read_bytes()[since:].decode(errors="replace"):
                return False
            pytest.fail(f"tocsin.local exited with {run.process.returncode}:\n"
                        f"{run.text()[-5000:]}")
        ca = run.data_dir / "tls" / "ca.pem"
        scheme = "https" if tls and ca.exists() else "http"
        status, body = get(f"{scheme}://{run.http}/healthz",
                           cafile=ca if scheme == "https" else None)
        if status == 200:
            try:
                run.health = json.loads(body)
            except ValueError:  # not the gateway: the server that took its port
                run.health = {}
            if len(run.health.get("services", {}).get("incidents", {}).get(
                    "instances", [])) >= instances:
                return True
        time.sleep(0.5)
    stop(run, signal.SIGKILL)
    pytest.fail(f"/healthz not 200 within {START_TIMEOUT:.0f}s:\n{run.text()[-5000:]}")


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

    def test_healthz_names_each_instances_metrics(self, running: Run) -> None:
        """Every instance, the gateway's included, names its own metrics address, where
        Prometheus finds the shared kernel's metrics (the RPC server's for a service)."""
        addresses = {}
        for name, service in running.health["services"].items():
            for instance in service["instances"]:
                addresses[f"{name} {instance['id']}"] = instance["metrics"]
        assert len(set(addresses.values())) == len(addresses) == 8
        for who, addr in addresses.items():
            status, body = get(f"http://{addr}/metrics")
            assert status == 200, who
            assert b"tocsin_api_requests" in body if who.startswith("gateway") \
                else b"tocsin_rpc_requests" in body, who
        assert "Metrics (Prometheus, /metrics): incidents[1] 127.0.0.1:0" in running.text()

    def test_each_instance_is_its_own_process(self, running: Run) -> None:
        """Every service instance runs as a separate OS process below the supervisor."""
        commands = []
        for pid in running.tree:
            try:
                commands.append(Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0"))
            except OSError:
                continue
        modules = [c[c.index(b"-m") + 1] for c in commands if b"-m" in c]
        assert sorted(modules) == [b"tocsin.analysis", b"tocsin.contacts", b"tocsin.escalation",
                                   b"tocsin.gateway", b"tocsin.incidents", b"tocsin.incidents",
                                   b"tocsin.notifications", b"tocsin.runbooks"]

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


def wait_gone(tree: dict[int, str], timeout: float = 60.0) -> list[int]:
    """Wait until no process of ``tree`` lives on (zombies count as gone); those left."""
    deadline = time.monotonic() + timeout
    while True:
        left = [pid for pid, started in tree.items()
                if start_time(pid) == started and not zombie(pid)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True


class TestFirstRun:
    def test_ready_block_names_what_exists(self, running: Run) -> None:
        """The ready block: the NATS URL, the first call, the SMTP warning, and the console,
        whose address answers with its sign-in page."""
        deadline = time.monotonic() + 10
        while "Tocsin is ready" not in running.text() and time.monotonic() < deadline:
            time.sleep(0.2)
        text = running.text()
        ready = text[text.index("Tocsin is ready"):]
        assert f"NATS   {running.nats}" in ready
        assert "ssm-incidents create-replication-set" in ready
        # The alarm is sent as the alarm-publisher identity: anonymous clients are refused.
        host = running.nats.partition("://")[2]
        assert re.search(rf"--nats nats://alarm-publisher:[\w-]+@{re.escape(host)} "
                         r"--plan api-outage", ready)
        assert "Warning: no SMTP server configured (TOCSIN_SMTP_HOST)" in ready
        assert f"Console http://{running.http}/console/" in ready
        with urllib.request.urlopen(f"http://{running.http}/console/", timeout=10) as page:
            assert "Sign in to the Tocsin console" in page.read().decode()

    def test_a_second_run_on_taken_ports_stops_with_one_line(self, running: Run,
                                                             tmp_path: Path) -> None:
        """A second make run while the first holds the ports: no "ready" (its probe would
        reach the first), status 1, one line naming the variable to change."""
        second = start(tmp_path, like=running)
        assert second.process.wait(START_TIMEOUT) == 1
        text = second.text()
        assert "Tocsin is ready" not in text
        assert text.strip().splitlines() == [
            f"tocsin-local: {running.http} is in use (another Tocsin, or another program); "
            "set TOCSIN_HTTP_ADDR to a free address"]


class TestKilledSupervisor:
    def test_next_start_is_clean_with_the_data_intact(self, tmp_path: Path) -> None:
        """SIGKILL the supervisor alone: its servers and services die with it; the next
        start on the same folder and ports is ready, and what was created is still there."""
        boto3 = pytest.importorskip("boto3")
        first = launch(tmp_path)
        client = boto3.client(
            "ssm-incidents", endpoint_url=f"http://{first.http}", region_name="local-1",
            aws_access_key_id=_key(first, "aws_access_key_id"),
            aws_secret_access_key=_key(first, "aws_secret_access_key"))
        created = client.create_replication_set(regions={"local-1": {}})["arn"]
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
        try:
            assert wait_gone(first.tree) == []  # NATS, PostgreSQL, every service
            second = launch(tmp_path, like=first)
        finally:
            for pid, started in first.tree.items():
                if start_time(pid) == started:
                    os.kill(pid, signal.SIGKILL)
        try:
            assert client.list_replication_sets()["replicationSetArns"] == [created]
        finally:
            assert stop(second) == 0


def _key(run: Run, name: str) -> str:
    import configparser

    parser = configparser.ConfigParser()
    parser.read(run.data_dir / "credentials")
    return parser["tocsin"][name]


@pytest.mark.parametrize(("setting", "reason"), [
    ("TOCSIN_HTTP_ADDR", "address already in use"),
    ("TOCSIN_GRPC_ADDR", "in use, or not an address of this machine")])
def test_the_gateway_that_cannot_listen_exits_with_one_line(
        nats_url: str, database_url: str, tmp_path: Path, setting: str, reason: str) -> None:
    """The real gateway on a taken address: no traceback, its one line, and the status
    that tells the supervisor not to restart it."""
    from tocsin.shared.listen import EXIT_CANNOT_LISTEN

    with socket.socket() as taken:
        # As another gateway would hold it: with SO_REUSEPORT, which must not let us share.
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        addr = f"127.0.0.1:{taken.getsockname()[1]}"
        env = {**os.environ, "TOCSIN_NATS_URL": nats_url, "TOCSIN_DATABASE_URL": database_url,
               "TOCSIN_HTTP_ADDR": f"127.0.0.1:{free_port()}",
               "TOCSIN_GRPC_ADDR": f"127.0.0.1:{free_port()}", setting: addr,
               "TOCSIN_ACCESS_KEYS": "AKID:secret", "TOCSIN_REGION": f"t{os.getpid()}"}
        done = subprocess.run([sys.executable, "-m", "tocsin.gateway"], env=env,
                              capture_output=True, timeout=START_TIMEOUT, cwd=tmp_path)
    assert done.returncode == EXIT_CANNOT_LISTEN
    assert b"Traceback" not in done.stderr + done.stdout
    assert done.stderr.decode().strip().splitlines()[-1] == (
        f"tocsin-gateway: cannot listen on {addr} ({reason}); set {setting} to a free "
        "address")


class TestProtection:
    """``make run`` with ``TOCSIN_TLS=auto``: HTTPS with the printed CA bundle, an embedded
    NATS that refuses anonymous clients, and services that keep within their permissions."""

    def test_tls_auto_serves_boto3_with_the_printed_ca_bundle(
            self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        boto3 = pytest.importorskip("boto3")
        run = launch(tmp_path, TOCSIN_TLS="auto")
        try:
            ca = run.data_dir / "tls" / "ca.pem"
            deadline = time.monotonic() + 10  # the ready block follows the first 200
            while "Tocsin is ready" not in run.text() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert f"export AWS_CA_BUNDLE={ca}" in run.text()
            monkeypatch.setenv("AWS_CA_BUNDLE", str(ca))
            monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(run.data_dir / "credentials"))
            monkeypatch.setenv("AWS_CONFIG_FILE", str(run.data_dir / "no-aws-config"))
            session = boto3.Session(profile_name="tocsin")
            incidents = session.client("ssm-incidents", endpoint_url=f"https://{run.http}",
                                       region_name="local-1")
            assert incidents.list_replication_sets()["replicationSetArns"] == []
            contacts = session.client("ssm-contacts", endpoint_url=f"https://{run.http}",
                                      region_name="local-1")
            contacts.create_contact(Alias="alice", Type="PERSONAL", Plan={"Stages": []})
            assert [c["Alias"] for c in contacts.list_contacts()["Contacts"]] == ["alice"]
            assert get(f"http://{run.http}/healthz")[0] is None  # no plaintext beside it
            import grpc
            from grpc_health.v1 import health_pb2, health_pb2_grpc

            credentials = grpc.ssl_channel_credentials(ca.read_bytes())
            with grpc.secure_channel(run.grpc, credentials) as channel:
                health = health_pb2_grpc.HealthStub(channel)
                # The gRPC statuses follow what /healthz found within a check interval
                # (the gateway may first have checked before the last service answered).
                deadline = time.monotonic() + 5
                while (health.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
                       .status != health_pb2.HealthCheckResponse.SERVING
                       and time.monotonic() < deadline):
                    time.sleep(0.2)
                reply = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
                assert reply.status == health_pb2.HealthCheckResponse.SERVING
            import asyncio

            import nats
            import nats.errors

            async def anonymous() -> None:
                async def quiet(exc: Exception) -> None:
                    pass
                nc = await nats.connect(run.nats, allow_reconnect=False, connect_timeout=3,
                                        max_reconnect_attempts=0, error_cb=quiet)
                await nc.close()

            with pytest.raises(nats.errors.Error, match="Authorization Violation"):
                asyncio.run(anonymous())
        finally:
            stop(run)
        assert error_lines(run.text()) == [], "the services logged ERROR lines"
        # Every service kept within its permissions: the server logged no violation.
        assert "Violation" not in (run.data_dir / "nats.log").read_text()
