"""Tests for tocsin.local.supervisor: back-off, children, ordered stop, the whole run."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import socket
import sys
import textwrap
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tocsin.local import servers, supervisor
from tocsin.local.supervisor import (
    Backoff,
    Child,
    Exit,
    Output,
    Settings,
    Supervisor,
    parse_scale,
    plan,
    supervise,
)
from tocsin.shared.listen import EXIT_CANNOT_LISTEN

FAST = Backoff(initial=0.05, maximum=0.2, reset_after=60.0)


def script(tmp_path: Path, name: str, body: str) -> list[str]:
    """The command line of a tiny Python child running ``body``."""
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(body))
    return [sys.executable, str(path)]


def make_child(argv: Sequence[str], out: io.BytesIO, *, backoff: Backoff = FAST,
               name: str = "svc") -> Child:
    return Child(name, 1, argv, env=dict(os.environ), out=Output(out, color=False),
                 backoff=backoff)


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until ``condition()`` holds, failing the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


class TestBackoff:
    def test_doubles_up_to_the_maximum(self) -> None:
        """Each quick exit doubles the delay, from 0.5 s up to 30 s."""
        policy, delay, seen = Backoff(), None, []
        for _ in range(9):
            delay = policy.next(delay, ran_for=1.0)
            seen.append(delay)
        assert seen == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]

    def test_resets_after_a_long_run(self) -> None:
        """An exit after 60 s of running starts the delays again from 0.5 s."""
        policy = Backoff()
        assert policy.next(16.0, ran_for=59.9) == 30.0
        assert policy.next(16.0, ran_for=60.0) == 0.5


class TestParseScale:
    def test_counts_per_service(self) -> None:
        """Repeated NAME=COUNT options give each service its count; the last one wins."""
        assert parse_scale(["incidents=2"]) == {"incidents": 2}
        assert parse_scale(["incidents=2", "incidents=3", "gateway=2"]) == {
            "incidents": 3, "gateway": 2}

    @pytest.mark.parametrize("value", ["incidents", "incidents=0", "incidents=x",
                                       "incidents=-1", "nope=2"])
    def test_rejects_what_cannot_run(self, value: str) -> None:
        """Unknown services and counts below one are refused."""
        with pytest.raises(ValueError, match="--scale"):
            parse_scale([value])


class TestPlan:
    def test_services_first_gateway_last(self) -> None:
        """Every service starts once by default, and the gateway after all of them."""
        layout = plan({"incidents": 3})
        assert layout[-1] == ("gateway", 1)
        assert ("incidents", 3) in layout
        assert [name for name, _ in layout] == [
            *(s for s in supervisor.SERVICES if s != "gateway"), "gateway"]


class TestOutput:
    def test_prefixes_each_line_with_its_child(self) -> None:
        """A child's line is written whole, after ``<name>[<n>] | ``."""
        buf = io.BytesIO()
        Output(buf, color=False).line("incidents[2]", b"hello\r")
        assert buf.getvalue() == b"incidents[2] | hello\n"

    def test_a_closed_reader_stops_output_not_the_run(self) -> None:
        """Once stdout's reader is gone, writes are dropped instead of raising: the pipe is
        tried once, and never again."""
        class Gone(io.BytesIO):
            tries = 0

            def write(self, data: object) -> int:
                self.tries += 1
                raise BrokenPipeError

        gone = Gone()
        out = Output(gone, color=False)
        out.line("svc[1]", b"x")
        out.say("still fine")
        out.line("svc[1]", b"y")
        assert gone.tries == 1
        assert gone.getvalue() == b""


class TestChild:
    async def test_restarts_with_growing_delay(self, tmp_path: Path) -> None:
        """A child that keeps exiting is started again after 0.05, 0.1, 0.2, 0.2 s."""
        out = io.BytesIO()
        child = make_child(script(tmp_path, "crash", "print('up'); raise SystemExit(3)"), out)
        started = time.monotonic()
        child.start()
        try:
            await until(lambda: len(child.exits) >= 4)
        finally:
            await child.stop(timeout=2.0)
        elapsed = time.monotonic() - started
        exits = list(child.exits)[:4]
        assert [e.restart_in for e in exits] == [0.05, 0.1, 0.2, 0.2]
        assert {e.code for e in exits} == {3}
        assert elapsed >= 0.05 + 0.1 + 0.2
        assert out.getvalue().count(b"svc[1] | up\n") >= 4

    async def test_a_long_run_resets_the_delay(self, tmp_path: Path) -> None:
        """A child that ran longer than ``reset_after`` is restarted after the first delay."""
        backoff = Backoff(initial=0.05, maximum=1.0, reset_after=0.2)
        child = make_child(script(tmp_path, "slow", """
            import time
            time.sleep(0.3)
            raise SystemExit(1)
        """), io.BytesIO(), backoff=backoff)
        child.start()
        try:
            await until(lambda: len(child.exits) >= 3)
        finally:
            await child.stop(timeout=2.0)
        assert [e.restart_in for e in list(child.exits)[:3]] == [0.05, 0.05, 0.05]

    async def test_stop_during_backoff_ends_without_restart(self, tmp_path: Path) -> None:
        """Stopping a child that waits to be restarted returns at once and starts nothing."""
        child = make_child(script(tmp_path, "quit", "raise SystemExit(2)"), io.BytesIO(),
                           backoff=Backoff(initial=30.0))
        child.start()
        await until(lambda: len(child.exits) == 1)
        began = time.monotonic()
        await child.stop(timeout=5.0)
        assert time.monotonic() - began < 1.0
        assert child.starts == 1 and list(child.exits) == [Exit(2, child.exits[0].ran_for, 30.0)]

    async def test_stop_terminates_and_does_not_restart(self, tmp_path: Path) -> None:
        """stop() sends SIGTERM; the exit it caused is not a failure and brings no restart."""
        out = io.BytesIO()
        child = make_child(script(tmp_path, "serve", """
            import signal, sys, time
            signal.signal(signal.SIGTERM, lambda *_: (print('bye', flush=True), sys.exit(0)))
            print('ready', flush=True)
            time.sleep(60)
        """), out)
        child.start()
        await until(lambda: b"svc[1] | ready" in out.getvalue())
        pid = child.pid
        assert pid is not None
        await child.stop(timeout=5.0)
        assert not alive(pid)
        assert child.starts == 1 and not child.exits
        assert b"svc[1] | bye\n" in out.getvalue()

    async def test_a_child_ignoring_sigterm_is_killed(self, tmp_path: Path) -> None:
        """A child still running when the stop timeout ends is killed with SIGKILL."""
        out = io.BytesIO()
        child = make_child(script(tmp_path, "stubborn", """
            import signal, time
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            print('ready', flush=True)
            time.sleep(60)
        """), out)
        child.start()
        await until(lambda: b"ready" in out.getvalue())
        pid = child.pid
        assert pid is not None
        began = time.monotonic()
        await child.stop(timeout=0.3)
        assert 0.3 <= time.monotonic() - began < 3.0
        assert not alive(pid)

    async def test_relays_stdout_and_stderr(self, tmp_path: Path) -> None:
        """Lines from both pipes reach our output prefixed, a last unterminated one too."""
        out = io.BytesIO()
        child = make_child(script(tmp_path, "talk", """
            import sys
            print('to stdout', flush=True)
            sys.stderr.write('to stderr\\nunterminated')
            raise SystemExit(0)
        """), out, backoff=Backoff(initial=30.0), name="talk")
        child.start()
        await until(lambda: len(child.exits) == 1)
        await child.stop(timeout=1.0)
        lines = set(out.getvalue().splitlines())
        assert {b"talk[1] | to stdout", b"talk[1] | to stderr",
                b"talk[1] | unterminated"} <= lines

    @pytest.mark.expected_error_logs(r"child\.spawn_failed")
    async def test_a_command_that_cannot_start_is_retried(self, tmp_path: Path) -> None:
        """A missing executable counts as an exit without status and is retried with back-off."""
        child = make_child([str(tmp_path / "missing")], io.BytesIO())
        child.start()
        try:
            await until(lambda: len(child.exits) >= 2)
        finally:
            await child.stop(timeout=1.0)
        assert [(e.code, e.restart_in) for e in list(child.exits)[:2]] == [
            (None, 0.05), (None, 0.1)]


RECORDER = """
    import signal, sys, time
    name, log, linger = sys.argv[1], sys.argv[2], float(sys.argv[3])

    def note(what):
        with open(log, 'a') as f:
            f.write(f'{name} {what}\\n')

    def on_term(*_):
        note('term')
        time.sleep(linger)
        note('exit')
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_term)
    note('up')
    while True:
        time.sleep(1)
"""


class TestSupervisor:
    def test_each_process_its_own_metrics_port(self) -> None:
        """From TOCSIN_METRICS_ADDR on, one port per process in start order, instances
        included; port 0 lets each pick its own; empty serves none."""
        sup = Supervisor(plan({"incidents": 2}), env={"TOCSIN_METRICS_ADDR": "ignored"},
                         out=Output(io.BytesIO(), color=False), metrics_addr="127.0.0.1:9400")
        addrs = {c.label: c.env["TOCSIN_METRICS_ADDR"] for c in sup.children}
        assert addrs == sup.metrics
        assert addrs["incidents[1]"] == "127.0.0.1:9400"
        assert addrs["incidents[2]"] == "127.0.0.1:9401"
        assert addrs["gateway[1]"] == "127.0.0.1:9407"
        assert len(set(addrs.values())) == 8
        assert supervisor.metrics_addresses("[::1]:0", 2) == ["[::1]:0", "[::1]:0"]
        none = Supervisor(plan({}), env={}, out=Output(io.BytesIO(), color=False))
        assert none.metrics == {}
        assert all("TOCSIN_METRICS_ADDR" not in c.env for c in none.children)

    async def test_scale_and_stop_order(self, tmp_path: Path) -> None:
        """Scaled services get numbered instances; the gateway has exited before they stop."""
        log = tmp_path / "order.log"
        recorder = script(tmp_path, "recorder", RECORDER)

        def command(name: str) -> list[str]:
            return [*recorder, name, str(log), "0.3" if name == "gateway" else "0"]

        sup = Supervisor(plan({"incidents": 2}), env=dict(os.environ),
                         out=Output(io.BytesIO(), color=False), command=command)
        assert [c.label for c in sup.children] == ["incidents[1]", "incidents[2]",
                                                   "contacts[1]", "escalation[1]",
                                                   "notifications[1]", "runbooks[1]",
                                                   "analysis[1]", "gateway[1]"]
        sup.start()
        await until(lambda: log.exists() and log.read_text().count(" up") == 8)
        await sup.stop(timeout=5.0)
        events = log.read_text().split("\n")
        assert events.index("gateway exit") < events.index("incidents term")
        assert events.count("incidents term") == 2


FAKE_GATEWAY = """
    import http.server, os, sys
    host, port = os.environ['TOCSIN_HTTP_ADDR'].rsplit(':', 1)

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == '/healthz' else 404)
            self.end_headers()
            self.wfile.write(os.environ['TOCSIN_ACCESS_KEYS'].encode())

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer((host, int(port)), Health)
    import signal, threading
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print('serving', flush=True)
    server.serve_forever()
"""


class TestSupervise:
    async def test_runs_until_a_signal_then_exits_zero(self, tmp_path: Path) -> None:
        """With servers given, it writes credentials, reports ready, and stops on SIGTERM."""
        http_addr = f"127.0.0.1:{servers.free_port()}"
        environ = {**os.environ, "TOCSIN_NATS_URL": "nats://127.0.0.1:1",
                   "TOCSIN_DATABASE_URL": "postgresql://127.0.0.1:1/x",
                   "TOCSIN_DATA_DIR": str(tmp_path / "data"), "TOCSIN_HTTP_ADDR": http_addr}
        environ.pop("TOCSIN_ACCESS_KEYS", None)
        gateway = script(tmp_path, "gateway", FAKE_GATEWAY)
        idle = script(tmp_path, "idle", "import time; time.sleep(60)")
        settings = Settings(nats_url=environ["TOCSIN_NATS_URL"],
                            database_url=environ["TOCSIN_DATABASE_URL"],
                            data_dir=environ["TOCSIN_DATA_DIR"], http_addr=http_addr,
                            grpc_addr=f"127.0.0.1:{servers.free_port()}",
                            shutdown_grace=1.0)
        out = io.BytesIO()
        run = asyncio.create_task(supervise(
            settings, environ=environ, out=Output(out, color=False),
            command=lambda name: gateway if name == "gateway" else idle))
        await until(lambda: b"Tocsin is ready" in out.getvalue() or run.done(), timeout=20)
        assert not run.done()
        os.kill(os.getpid(), signal.SIGTERM)  # the handler supervise() installed takes it
        assert await asyncio.wait_for(run, 15) == 0
        text = out.getvalue().decode()
        assert "gateway[1] | serving" in text
        assert f"http://{http_addr}" in text
        assert (tmp_path / "data" / "credentials").exists()

    async def test_a_second_gateway_listens_on_the_next_ports(self, tmp_path: Path) -> None:
        """``--scale gateway=2``: the second gateway is given the ports after the first's."""
        port = servers.free_port()
        while servers.address_in_use("127.0.0.1", port + 1):
            port = servers.free_port()
        http_addr, grpc_addr = f"127.0.0.1:{port}", f"127.0.0.1:{servers.free_port()}"
        environ = {**os.environ, "TOCSIN_NATS_URL": "nats://127.0.0.1:1",
                   "TOCSIN_DATABASE_URL": "postgresql://127.0.0.1:1/x",
                   "TOCSIN_DATA_DIR": str(tmp_path / "data"), "TOCSIN_HTTP_ADDR": http_addr,
                   "TOCSIN_GRPC_ADDR": grpc_addr}
        gateway = script(tmp_path, "gateway", FAKE_GATEWAY)
        idle = script(tmp_path, "idle", "import time; time.sleep(60)")
        settings = Settings(nats_url=environ["TOCSIN_NATS_URL"],
                            database_url=environ["TOCSIN_DATABASE_URL"],
                            data_dir=environ["TOCSIN_DATA_DIR"], http_addr=http_addr,
                            grpc_addr=grpc_addr, shutdown_grace=1.0)
        out = io.BytesIO()
        run = asyncio.create_task(supervise(
            settings, environ=environ, scale={"gateway": 2}, out=Output(out, color=False),
            command=lambda name: gateway if name == "gateway" else idle))
        await until(lambda: out.getvalue().count(b"| serving") == 2 or run.done(), timeout=20)
        assert not run.done()
        try:
            direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            with direct.open(f"http://127.0.0.1:{port + 1}/healthz", timeout=5) as answer:
                assert answer.status == 200
        finally:
            os.kill(os.getpid(), signal.SIGTERM)
            assert await asyncio.wait_for(run, 15) == 0
        assert supervisor.instance_address("127.0.0.1:8080", 2) == "127.0.0.1:8081"
        assert supervisor.instance_address("[::1]:0", 3) == "[::1]:0"

    async def test_a_missing_service_module_fails_fast(self, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
        """A service whose module is not installed stops start-up with a hint, status 1."""
        monkeypatch.setattr(supervisor, "SERVICES", ("not_installed_svc", "gateway"))
        settings = Settings(data_dir=str(tmp_path))
        status = await supervise(settings, environ={}, out=Output(io.BytesIO(), color=False))
        assert status == 1
        assert "tocsin.not_installed_svc not installed" in capsys.readouterr().err
        assert entries(tmp_path) == []

    async def test_a_second_signal_kills_everything(self, tmp_path: Path) -> None:
        """A second signal during the orderly stop kills every child at once; status 130."""
        http_addr = f"127.0.0.1:{servers.free_port()}"
        environ = {**os.environ, "TOCSIN_NATS_URL": "nats://127.0.0.1:1",
                   "TOCSIN_DATABASE_URL": "postgresql://127.0.0.1:1/x",
                   "TOCSIN_HTTP_ADDR": http_addr, "TOCSIN_ACCESS_KEYS": "AKID:s"}
        stubborn = script(tmp_path, "stubborn", """
            import signal, time
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            print('up', flush=True)
            time.sleep(60)
        """)
        settings = Settings(nats_url="nats://127.0.0.1:1", database_url="postgresql://x",
                            data_dir=str(tmp_path / "data"), http_addr=http_addr,
                            grpc_addr=f"127.0.0.1:{servers.free_port()}",
                            access_keys=environ["TOCSIN_ACCESS_KEYS"], shutdown_grace=30.0)
        out = io.BytesIO()
        run = asyncio.create_task(supervise(settings, environ=environ,
                                            out=Output(out, color=False),
                                            command=lambda name: stubborn))
        await until(lambda: out.getvalue().count(b"[1] | up") == len(supervisor.SERVICES)
                    or run.done())
        assert not run.done()
        os.kill(os.getpid(), signal.SIGINT)
        await until(lambda: b"Stopping Tocsin" in out.getvalue())
        await asyncio.sleep(0.1)
        began = time.monotonic()
        os.kill(os.getpid(), signal.SIGINT)
        assert await asyncio.wait_for(run, 10) == supervisor.INTERRUPTED
        assert time.monotonic() - began < 5.0
        assert not (tmp_path / "data" / "credentials").exists()

    async def test_missing_postgresql_says_what_to_install(
            self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> None:
        """When PostgreSQL cannot be started, its reason is printed and the status is 1."""
        def no_postgres(*args: object, **kwargs: object) -> None:
            raise servers.ServerError("PostgreSQL's initdb is not on PATH. Install PostgreSQL")

        monkeypatch.setattr(servers, "postgres_server", no_postgres)
        settings = Settings(nats_url="nats://127.0.0.1:1", data_dir=str(tmp_path),
                            http_addr=f"127.0.0.1:{servers.free_port()}",
                            grpc_addr=f"127.0.0.1:{servers.free_port()}")
        status = await supervise(settings, environ={"TOCSIN_NATS_URL": "nats://127.0.0.1:1"},
                                 out=Output(io.BytesIO(), color=False))
        assert status == 1
        assert "Install PostgreSQL" in capsys.readouterr().err


class TestCannotListen:
    async def test_a_taken_http_address_stops_before_anything_starts(
            self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Another program on TOCSIN_HTTP_ADDR (another Tocsin would answer the readiness
        probe): one line naming the variable, status 1, no server and no child started."""
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            addr = f"127.0.0.1:{taken.getsockname()[1]}"
            out = io.BytesIO()
            settings = Settings(data_dir=str(tmp_path / "data"), http_addr=addr,
                                grpc_addr=f"127.0.0.1:{servers.free_port()}")
            status = await supervise(settings, environ={}, out=Output(out, color=False),
                                     command=lambda name: ["false"])
        err = capsys.readouterr().err
        assert status == 1
        assert err.strip().splitlines() == [
            f"tocsin-local: {addr} is in use (another Tocsin, or another program); "
            "set TOCSIN_HTTP_ADDR to a free address"]
        assert b"Tocsin is ready" not in out.getvalue()
        assert not (tmp_path / "data").exists()

    async def test_a_child_that_cannot_listen_stops_the_start_up(
            self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A child exiting with EXIT_CANNOT_LISTEN is not restarted: the run stops, every
        other child with it, with the child's reason in one line; status 1."""
        ready = tmp_path / "ready"
        cannot = script(tmp_path, "cannot", f"""
            import pathlib, sys, time
            while not pathlib.Path({str(ready)!r}).exists():
                time.sleep(0.01)
            print('tocsin-gateway: cannot listen on 127.0.0.1:1 (in use); '
                  'set TOCSIN_HTTP_ADDR to a free address', file=sys.stderr, flush=True)
            sys.exit({EXIT_CANNOT_LISTEN})
        """)
        idle = script(tmp_path, "idle", f"""
            import pathlib, time
            pathlib.Path({str(ready)!r}).touch()
            time.sleep(60)
        """)
        settings = Settings(nats_url="nats://127.0.0.1:1", database_url="postgresql://x",
                            data_dir=str(tmp_path / "data"), access_keys="AKID:s",
                            http_addr=f"127.0.0.1:{servers.free_port()}",
                            grpc_addr=f"127.0.0.1:{servers.free_port()}", shutdown_grace=1.0)
        out = io.BytesIO()
        status = await asyncio.wait_for(supervise(
            settings, environ={"TOCSIN_ACCESS_KEYS": "AKID:s"}, out=Output(out, color=False),
            command=lambda name: cannot if name == "gateway" else idle), 30)
        text = out.getvalue().decode()
        assert status == 1
        assert capsys.readouterr().err.strip().splitlines()[-1] == (
            "tocsin-local: gateway[1] stopped: tocsin-gateway: cannot listen on 127.0.0.1:1 "
            "(in use); set TOCSIN_HTTP_ADDR to a free address")
        assert text.count("gateway[1] | tocsin-gateway: cannot listen") == 1  # no restart
        assert "Tocsin is ready" not in text


def test_leaf_settings_are_checked_at_start() -> None:
    """A leaf address or remote URL that can't work stops ``make run`` at once, naming
    the variable."""
    from tocsin.shared import config

    ok = config.load(Settings, {"TOCSIN_NATS_LEAF_LISTEN": "127.0.0.1:7422",
                                "TOCSIN_NATS_LEAF_REMOTES": "nats-leaf://u:p@10.0.0.2:7422"})
    assert ok.nats_leaf_listen == "127.0.0.1:7422"
    for name, value in (("TOCSIN_NATS_LEAF_LISTEN", "7422"),
                        ("TOCSIN_NATS_LEAF_REMOTES", "nats://10.0.0.2:7422")):
        with pytest.raises(config.ConfigError, match=name):
            config.load(Settings, {name: value})
