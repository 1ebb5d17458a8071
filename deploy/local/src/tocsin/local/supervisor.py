"""The supervisor behind ``make run``: embedded servers, credentials, and every service.

Start-up, in order: the gateway's addresses checked free, the data folder (0700), the API
credentials, the bus identities and principal signing keys (:mod:`tocsin.local.identities`),
the local CA and certificate when ``TOCSIN_TLS=auto`` (:mod:`tocsin.local.tls`), the master
key of personal data at rest (:mod:`tocsin.local.master_key`), NATS (on
``TOCSIN_NATS_PORT``, admitting those identities only) and PostgreSQL (with its generated
password) unless ``TOCSIN_NATS_URL`` / ``TOCSIN_DATABASE_URL`` name running ones, each
service as its own OS process (``python -m tocsin.<name>``, as many instances as ``--scale``
asks, each given only its own identity), the gateway last (a further gateway instance on
the next ports); the ready block
(:mod:`tocsin.local.ready`) once the gateway's ``/healthz`` answers 200.

Every child's stdout and stderr lines reach our stdout prefixed ``<name>[<n>] | ``. A child
that exits on its own is started again after a back-off (:class:`Backoff`), except one that
cannot listen on its address (:data:`~tocsin.shared.listen.EXIT_CANNOT_LISTEN`): that stops
the whole start-up with its one line, as restarting would not free the address.

On SIGINT, SIGTERM or SIGHUP everything stops in order, each step waiting for the last:
the gateway (so no new requests come in), the services, NATS, PostgreSQL; then the exit
status is 0. A second signal kills whatever is still running at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import re
import signal
import ssl
import sys
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tocsin.local import credentials, identities, master_key, ready, servers
from tocsin.local import tls as local_tls
from tocsin.shared.config import BaseSettings, Secret
from tocsin.shared.listen import EXIT_CANNOT_LISTEN
from tocsin.shared.logging import get_logger
from tocsin.shared.services import BACKEND_SERVICES

__all__ = ["GATEWAY", "SERVICES", "Backoff", "Child", "Exit", "Output", "Settings",
           "Supervisor", "instance_address", "metrics_addresses", "module_command",
           "parse_scale", "supervise"]

log = get_logger(__name__)

SERVICES: tuple[str, ...] = (*BACKEND_SERVICES, "gateway")
"""Every process a complete Tocsin runs, in start order; the gateway comes last."""
GATEWAY = "gateway"
"""The face: started last, stopped first; each further instance listens on the next ports
after ``TOCSIN_HTTP_ADDR`` and ``TOCSIN_GRPC_ADDR`` (:func:`instance_address`)."""
KILL_AFTER = 5.0
"""Seconds beyond a child's own shutdown grace before it is killed."""
INTERRUPTED = 130
"""Exit status after a second signal cut the orderly shut-down short."""
ADDRESS_GRACE = 3.0
"""Seconds the gateway's addresses may stay taken at start before start-up gives up."""

_MAX_LINE = 1 << 20
_COLORS = (36, 33, 35, 32, 34, 31, 96, 93, 95, 92, 94, 91)


class Settings(BaseSettings, frozen=True, kw_only=True):
    """What the supervisor reads; unset server URLs mean "start an embedded one"."""

    nats_url: str = ""
    """NATS server URL(s); empty starts the embedded NATS."""
    database_url: str = ""
    """PostgreSQL DSN; empty starts the embedded PostgreSQL."""
    data_dir: str = ".tocsin"
    """Where the embedded servers and generated credentials live (relative: to the cwd)."""
    http_addr: str = "127.0.0.1:8080"
    """The gateway's HTTP address, polled at ``/healthz`` for readiness."""
    grpc_addr: str = "127.0.0.1:50051"
    """The gateway's gRPC address, shown in the ready line."""
    access_keys: Secret = Secret("")
    """``KEYID:SECRET`` pairs; empty generates (or reuses) ``<data dir>/credentials``."""
    nats_port: int = 4223
    """The embedded NATS's port on 127.0.0.1 (4222 is left to a system NATS)."""
    smtp_host: str = ""
    """The notifications service's SMTP server; empty: the ready block warns that email
    waits."""
    metrics_addr: str = "127.0.0.1:9400"
    """The first process's Prometheus metrics address; each next process (in start order,
    instances included) serves on the next port. Printed at start; ``/healthz`` names them."""
    tls: str = ""
    """``auto``: serve the gateway over TLS with a local CA's certificate
    (:mod:`tocsin.local.tls`)."""
    tls_cert: str = ""
    """The gateway's own certificate (TLS with it; ``tls`` is then not needed)."""
    nats_leaf_listen: str = ""
    """``host:port`` where the embedded NATS accepts other regions' leaf connections."""
    nats_leaf_remotes: str = ""
    """Other regions' ``nats-leaf://[region-leaf:password@]host:port``, comma separated: the
    embedded NATS joins them (:func:`tocsin.local.identities.leafnodes`)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 < self.nats_port < 65536:
            raise ValueError("TOCSIN_NATS_PORT must be a port number (1-65535)")
        if self.tls not in ("", "auto"):
            raise ValueError("TOCSIN_TLS must be 'auto' (or unset)")
        if self.nats_leaf_listen:
            _, sep, port = self.nats_leaf_listen.rpartition(":")
            if not sep or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError("TOCSIN_NATS_LEAF_LISTEN must be host:port")
        identities.parse_remotes(self.nats_leaf_remotes)


@dataclass(frozen=True)
class Backoff:
    """How long to wait before starting a child again after it exited on its own."""

    initial: float = 0.5
    """The first delay, and the delay again once a child has run for ``reset_after``."""
    maximum: float = 30.0
    """The delay doubles after each quick exit, up to this."""
    reset_after: float = 60.0
    """Seconds a child must have run for its exit to count as a fresh failure."""

    def next(self, previous: float | None, ran_for: float) -> float:
        """The delay after an exit, given the delay before the run and how long it ran."""
        if previous is None or ran_for >= self.reset_after:
            return self.initial
        return min(previous * 2, self.maximum)


@dataclass(frozen=True)
class Exit:
    """An exit the supervisor did not ask for."""

    code: int | None
    """The exit status; negative is the signal that ended it; None if it never started."""
    ran_for: float
    """Seconds the process ran."""
    restart_in: float
    """Seconds waited before starting it again."""


class Output:
    """Our stdout as the children share it: whole lines, each prefixed with its child."""

    def __init__(self, stream: BinaryIO, *, color: bool | None = None) -> None:
        self._stream = stream
        self.tty = stream.isatty() if color is None else color
        """Whether a person is watching (colour, console-rendered child logs)."""
        self._broken = False
        self._colors: dict[str, int] = {}

    def line(self, label: str, data: bytes) -> None:
        """Write one line of a child's output."""
        prefix = f"{label} | "
        if self.tty:
            name = label.partition("[")[0]
            color = self._colors.setdefault(name, _COLORS[len(self._colors) % len(_COLORS)])
            prefix = f"\x1b[{color}m{label}\x1b[0m | "
        self._write(prefix.encode() + data.rstrip(b"\r") + b"\n")

    def say(self, text: str) -> None:
        """Write the supervisor's own words for a person (credentials, ready line)."""
        self._write(text.encode() + b"\n")

    def _write(self, data: bytes) -> None:
        if self._broken:
            return
        try:
            self._stream.write(data)
            self._stream.flush()
        except BrokenPipeError:  # e.g. `make run | head`: keep running, stop writing
            self._broken = True


def module_command(name: str) -> list[str]:
    """The command line of one instance of service ``name``."""
    return [sys.executable, "-m", f"tocsin.{name}"]


class Child:
    """One service instance: an OS process, its output relayed, restarted when it dies."""

    def __init__(self, name: str, index: int, argv: Sequence[str], *,
                 env: Mapping[str, str], out: Output, backoff: Backoff = Backoff(),
                 on_fatal: Callable[[Child], None] | None = None) -> None:
        self.name = name
        self.label = f"{name}[{index}]"
        self.argv = list(argv)
        self.env = dict(env)
        self.out = out
        self.backoff = backoff
        self.starts = 0
        """How many times the process was started."""
        self.exits: deque[Exit] = deque(maxlen=64)
        """The latest exits the supervisor did not ask for."""
        self.last_line = ""
        """The last line the process wrote (its reason, when it stopped for good)."""
        self.on_fatal = on_fatal
        """Called when the process exits in a way restarting cannot mend."""
        self._proc: asyncio.subprocess.Process | None = None
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        """The running process's id, or None between runs."""
        proc = self._proc
        return proc.pid if proc and proc.returncode is None else None

    def start(self) -> None:
        """Start the process and keep it running until :meth:`stop` or :meth:`kill`."""
        if self._task is None:
            self._task = asyncio.create_task(self._supervise(), name=self.label)

    async def stop(self, timeout: float) -> None:
        """SIGTERM the process, SIGKILL it after ``timeout`` seconds; no restart after."""
        self._stopping.set()
        if self._task is None:
            return
        self._signal(signal.SIGTERM)
        _, pending = await asyncio.wait({self._task}, timeout=timeout)
        if pending:
            log.warning("child.killed", child=self.label, after=timeout)
            self._signal(signal.SIGKILL)
            await asyncio.wait({self._task})

    def kill(self) -> None:
        """SIGKILL the process now; no restart after."""
        self._stopping.set()
        self._signal(signal.SIGKILL)

    async def wait(self) -> None:
        """Return once the child is stopped for good."""
        if self._task is not None:
            await asyncio.wait({self._task})

    async def _supervise(self) -> None:
        delay: float | None = None
        while not self._stopping.is_set():
            started = time.monotonic()
            code = await self._run_once()
            ran_for = time.monotonic() - started
            if self._stopping.is_set():
                log.info("child.stopped", child=self.label, code=code)
                break
            if code == EXIT_CANNOT_LISTEN:
                log.warning("child.cannot_listen", child=self.label, reason=self.last_line)
                self._stopping.set()
                if self.on_fatal:
                    self.on_fatal(self)
                break
            delay = self.backoff.next(delay, ran_for)
            self.exits.append(Exit(code, ran_for, delay))
            log.warning("child.exited", child=self.label, code=code,
                        ran_for=round(ran_for, 3), restart_in=delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)

    async def _run_once(self) -> int | None:
        try:
            proc = await asyncio.create_subprocess_exec(
                *servers.dying_with_parent(self.argv, signal.SIGTERM),
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, env=self.env,
                # Its own session: a Ctrl-C at the terminal reaches only us, so we stop
                # the children in order; and if we die, the kernel stops them.
                start_new_session=True)
        except OSError as exc:
            log.error("child.spawn_failed", child=self.label, error=str(exc))
            return None
        self._proc = proc
        self.starts += 1
        log.info("child.started", child=self.label, pid=proc.pid)
        if self._stopping.is_set():  # stop() came while we were starting it
            self._signal(signal.SIGTERM)
        assert proc.stdout is not None and proc.stderr is not None
        relays = [asyncio.create_task(self._relay(s)) for s in (proc.stdout, proc.stderr)]
        try:
            code = await proc.wait()
        except asyncio.CancelledError:
            self._signal(signal.SIGKILL)
            raise
        finally:
            # A grandchild may hold the pipes open; don't wait for it forever.
            _, pending = await asyncio.wait(relays, timeout=1.0)
            for task in pending:
                task.cancel()
        return code

    async def _relay(self, stream: asyncio.StreamReader) -> None:
        pending = b""
        while chunk := await stream.read(65536):
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                self.out.line(self.label, line)
            if lines and lines[-1].strip():
                self.last_line = lines[-1].decode(errors="replace").strip()
            if len(pending) > _MAX_LINE:
                self.out.line(self.label, pending)
                pending = b""
        if pending:
            self.out.line(self.label, pending)
            self.last_line = pending.decode(errors="replace").strip()

    def _signal(self, sig: signal.Signals) -> None:
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        # The child leads its own process group: signal whatever it started, too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)


class Supervisor:
    """Every service instance of one Tocsin: started services first, stopped gateway first."""

    def __init__(self, plan: Sequence[tuple[str, int]], *, env: Mapping[str, str],
                 out: Output, backoff: Backoff = Backoff(),
                 command: Callable[[str], Sequence[str]] = module_command,
                 on_fatal: Callable[[Child], None] | None = None,
                 metrics_addr: str = "",
                 env_for: Callable[[str, int], Mapping[str, str]] = lambda name, i: {}
                 ) -> None:
        """``metrics_addr``: the first child's ``TOCSIN_METRICS_ADDR``, the next port for
        each next child (empty: no metrics). ``env_for``: what instance ``i`` (from 1) of
        one service alone is given besides ``env`` (its identity, a gateway's addresses)."""
        instances = [(name, i) for name, count in plan for i in range(1, count + 1)]
        self.metrics = dict(zip((f"{name}[{i}]" for name, i in instances),
                                metrics_addresses(metrics_addr, len(instances)), strict=False))
        """Each child's metrics address by its label."""
        self.children = [
            Child(name, i, command(name), out=out, backoff=backoff, on_fatal=on_fatal,
                  env={**env, **env_for(name, i),
                       **({"TOCSIN_METRICS_ADDR": self.metrics[f"{name}[{i}]"]}
                          if metrics_addr else {})})
            for name, i in instances]

    def start(self) -> None:
        """Start every child, in plan order."""
        for child in self.children:
            child.start()

    async def stop(self, timeout: float) -> None:
        """Stop the gateway, then every other service; ``timeout`` each before SIGKILL."""
        front = [c for c in self.children if c.name == GATEWAY]
        back = [c for c in self.children if c.name != GATEWAY]
        for group in (front, back):
            if group:
                await asyncio.gather(*(child.stop(timeout) for child in group))

    def kill(self) -> None:
        """SIGKILL every child now."""
        for child in self.children:
            child.kill()


def metrics_addresses(first: str, count: int) -> list[str]:
    """``count`` metrics addresses from ``first`` on, one port apart (port 0: each its
    own free port)."""
    if not first:
        return []
    host, _, port = first.rpartition(":")
    base = int(port)
    return [f"{host}:{base + i if base else 0}" for i in range(count)]


def instance_address(addr: str, index: int) -> str:
    """Where instance ``index`` (from 1) of a service that listens on ``addr`` listens: the
    first on ``addr``, each next one on the next port (port 0: each its own free port)."""
    host, _, port = addr.rpartition(":")
    base = int(port) if port.isdigit() else 0
    return f"{host}:{base + index - 1 if base else 0}"


def parse_scale(values: Sequence[str]) -> dict[str, int]:
    """``["incidents=2"]`` → ``{"incidents": 2}``.

    Raises:
        ValueError: an unknown service, or a count that is not a number ≥ 1.
    """
    scale: dict[str, int] = {}
    for value in values:
        name, sep, count = value.partition("=")
        name = name.strip()
        if not sep or not count.strip().isdigit() or int(count) < 1:
            raise ValueError(f"--scale wants NAME=COUNT with COUNT ≥ 1, got {value!r}")
        if name not in SERVICES:
            raise ValueError(f"--scale: unknown service {name!r}; services are "
                             f"{', '.join(SERVICES)}")
        scale[name] = int(count)
    return scale


def plan(scale: Mapping[str, int]) -> list[tuple[str, int]]:
    """Each service and its instance count, in start order (gateway last)."""
    order = [s for s in SERVICES if s != GATEWAY] + [GATEWAY]
    return [(name, scale.get(name, 1)) for name in order]


def _client_addr(addr: str) -> str:
    """The address a local client dials to reach a server listening on ``addr``."""
    host, _, port = addr.rpartition(":")
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host in ("::", "[::]"):
        host = "[::1]"
    return f"{host}:{port}"


async def _taken_address(settings: Settings, gateways: int = 1, *,
                         grace: float = ADDRESS_GRACE) -> str | None:
    """Why a gateway could not listen, if one of the addresses of its ``gateways``
    instances stays in use for ``grace`` seconds (the gateway of a run just killed lets go
    of its ports as it stops); another Tocsin there would answer the readiness probe in
    our stead."""
    deadline = time.monotonic() + grace
    for setting, addr in (
            (setting, instance_address(first, i)) for i in range(1, gateways + 1)
            for setting, first in (("TOCSIN_HTTP_ADDR", settings.http_addr),
                                   ("TOCSIN_GRPC_ADDR", settings.grpc_addr))):
        host, _, port = addr.rpartition(":")
        if not port.isdigit() or not int(port):
            continue
        while servers.address_in_use(host, int(port)):
            if time.monotonic() >= deadline:
                return (f"{addr} is in use (another Tocsin, or another program); set "
                        f"{setting} to a free address")
            await asyncio.sleep(0.2)
    return None


def _missing_modules(names: Sequence[str]) -> list[str]:
    missing = []
    for name in names:
        try:
            spec = importlib.util.find_spec(f"tocsin.{name}.__main__")
        except ImportError:
            spec = None
        if spec is None:
            missing.append(f"tocsin.{name}")
    return missing


async def _wait_ready(url: str, stop: asyncio.Event, *, on_ready: Callable[[], None],
                      give_up: asyncio.Event | None = None,
                      interval: float = 0.5, hint_after: float = 60.0) -> None:
    """Poll ``url`` until it answers 200, then call ``on_ready`` (unless ``give_up`` is
    set by then)."""
    # Never a proxy. Our own gateway is probed: its certificate (perhaps issued for a
    # public name, not the loopback address asked here) is not what this checks.
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=insecure))

    def probe() -> tuple[int | None, bytes]:
        try:
            with opener.open(url, timeout=2.0) as response:
                return int(response.status), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError as exc:
            return None, str(exc).encode()

    started = time.monotonic()
    hinted = False
    while not stop.is_set():
        status, body = await asyncio.to_thread(probe)
        if give_up is not None and give_up.is_set():
            return
        if status == 200:
            on_ready()
            return
        if not hinted and time.monotonic() - started > hint_after:
            hinted = True
            log.warning("supervisor.not_ready", url=url, status=status,
                        body=body[:500].decode(errors="replace"))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


async def _watch_servers(running: Sequence[servers.EmbeddedServer], data_dir: Path,
                         *, interval: float = 0.5) -> servers.EmbeddedServer:
    """Return the first embedded server that exits."""
    while True:
        await asyncio.sleep(interval)
        for server in running:
            if not server.running:
                log.error("server.exited", server=server.name,
                          code=server.process.returncode,
                          log=str(data_dir / f"{server.name}.log"))
                return server


async def supervise(settings: Settings, *, environ: Mapping[str, str],
                    scale: Mapping[str, int] | None = None, out: Output | None = None,
                    command: Callable[[str], Sequence[str]] = module_command,
                    backoff: Backoff = Backoff()) -> int:
    """Run a whole Tocsin until a signal (or an embedded server's death); the exit status.
    ``backoff``: how soon a child that exited on its own is started again."""
    run = _Run(settings, environ, plan(scale or {}), out or Output(sys.stdout.buffer), command,
               backoff)
    loop = asyncio.get_running_loop()
    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    for sig in handled:
        loop.add_signal_handler(sig, run.on_signal)
    try:
        return await run.main()
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)


class _Run:
    """One ``make run``: what it started, and the two stages of stopping it."""

    def __init__(self, settings: Settings, environ: Mapping[str, str],
                 layout: Sequence[tuple[str, int]], out: Output,
                 command: Callable[[str], Sequence[str]], backoff: Backoff) -> None:
        self.settings = settings
        self.backoff = backoff
        self.environ = environ
        self.layout = layout
        self.out = out
        self.command = command
        self.data_dir = Path(settings.data_dir).absolute()
        self.endpoint = f"http://{_client_addr(settings.http_addr)}"
        self.stopping = asyncio.Event()
        self.forced = asyncio.Event()
        self.fatal: Child | None = None
        """A child that stopped for good (it cannot listen); the run ends with it."""
        self._fatal_event = asyncio.Event()
        self.embedded: list[servers.EmbeddedServer] = []
        self.supervisor: Supervisor | None = None

    def on_signal(self) -> None:
        """First signal: stop in order. Second: kill everything."""
        if not self.stopping.is_set():
            self.stopping.set()
            self.out.say("Stopping Tocsin… (Ctrl-C again kills everything at once)")
        elif not self.forced.is_set():
            self.forced.set()
            log.warning("shutdown.forced")
            if self.supervisor:
                self.supervisor.kill()
            for server in self.embedded:
                server.kill()

    async def main(self) -> int:
        """Start everything, wait for a signal, stop everything; the exit status."""
        try:
            status = await self._start_and_wait()
        finally:
            await self._stop()
        return INTERRUPTED if self.forced.is_set() else status

    async def _start_and_wait(self) -> int:
        if self.command is module_command:
            missing = _missing_modules([name for name, _ in self.layout])
            if missing:
                return _fail(f"{', '.join(missing)} not installed; run `uv sync` "
                             "(or `make run`, which does)")
        taken = await _taken_address(self.settings, dict(self.layout).get(GATEWAY, 1))
        if taken:
            return _fail(taken)
        identities.private_folder(self.data_dir)
        try:
            creds = credentials.resolve(self.data_dir, self.environ)
        except credentials.CredentialsError as exc:
            return _fail(str(exc))
        ids = identities.prepare(self.data_dir)
        ca_bundle: Path | None = None
        tls_env: dict[str, str] = {}
        if self.settings.tls == "auto" and not self.settings.tls_cert:
            hosts = [a.rpartition(":")[0] for a in (self.settings.http_addr,
                                                    self.settings.grpc_addr)]
            files = await asyncio.to_thread(local_tls.ensure, self.data_dir, hosts)
            ca_bundle = files.ca
            tls_env = {"TOCSIN_TLS_CERT": str(files.cert), "TOCSIN_TLS_KEY": str(files.key)}
        if tls_env or self.settings.tls_cert:
            self.endpoint = f"https://{_client_addr(self.settings.http_addr)}"
        if creds.generated:
            log.info("credentials.generated", path=str(creds.path))
        try:
            key_file, key_generated = master_key.resolve(self.data_dir, self.environ)
        except master_key.MasterKeyError as exc:
            return _fail(str(exc))
        if key_generated:
            log.info("master_key.generated", path=str(key_file))
        env = dict(self.environ)
        if key_file is not None:
            env["TOCSIN_MASTER_KEY_FILE"] = str(key_file)
        env.update(tls_env)
        if tls_env:  # links sent to people open the gateway as it serves: over HTTPS
            env.setdefault("TOCSIN_PUBLIC_URL", self.endpoint)
        env.update(TOCSIN_ACCESS_KEYS=str(creds.access_keys),
                   TOCSIN_DATA_DIR=str(self.data_dir), PYTHONUNBUFFERED="1")
        # One plan-time epoch for every process, restarts included (TOCSIN_CLOCK_SCALE).
        env.setdefault("TOCSIN_CLOCK_EPOCH", str(time.time()))
        if self.out.tty and not self.environ.get("TOCSIN_LOG_JSON"):
            env["TOCSIN_LOG_JSON"] = "false"  # a person reads these: console rendering

        # Principals are signed with keys made here, unless the operator gave their own.
        own_signers = not self.environ.get("TOCSIN_PRINCIPAL_SIGNERS")
        if own_signers:
            env["TOCSIN_PRINCIPAL_SIGNERS"] = ids.signers
        embedded_nats = not self.settings.nats_url

        def env_for(name: str, index: int) -> dict[str, str]:
            own = ids.env(name)
            given = {k: v for k, v in own.items()
                     if (k.startswith("TOCSIN_NATS_") and embedded_nats)
                     or (k == "TOCSIN_PRINCIPAL_SIGNING_KEY" and own_signers)}
            if name == GATEWAY and index > 1:
                given.update(
                    TOCSIN_HTTP_ADDR=instance_address(self.settings.http_addr, index),
                    TOCSIN_GRPC_ADDR=instance_address(self.settings.grpc_addr, index))
            return given

        try:
            if embedded_nats and not self.stopping.is_set():
                conf = ids.folder / "nats.conf"
                identities.write_private(conf, identities.nats_config(
                    ids, region=self.settings.region,
                    leaf_listen=self.settings.nats_leaf_listen,
                    leaf_remotes=identities.parse_remotes(self.settings.nats_leaf_remotes)))
                env["TOCSIN_NATS_URL"] = await self._embed(
                    "nats", servers.nats_server, self.data_dir / "nats",
                    port=self.settings.nats_port, port_setting="TOCSIN_NATS_PORT",
                    config=conf)
            if not self.settings.database_url and not self.stopping.is_set():
                env["TOCSIN_DATABASE_URL"] = await self._embed(
                    "postgres", servers.postgres_server, self.data_dir / "postgres",
                    password=identities.postgres_password(ids))
        except servers.ServerError as exc:
            # A Ctrl-C during start-up also interrupts initdb: that is no failure.
            return 0 if self.stopping.is_set() else _fail(str(exc))
        if self.stopping.is_set():
            return 0

        if not self.settings.smtp_host:
            log.warning("smtp.not_configured", hint="set TOCSIN_SMTP_HOST; email waits")
        self.supervisor = Supervisor(self.layout, env=env, out=self.out, command=self.command,
                                     backoff=self.backoff, on_fatal=self._on_fatal,
                                     env_for=env_for,
                                     metrics_addr=self.settings.metrics_addr)
        self.supervisor.start()
        if self.supervisor.metrics:
            self.out.say("Metrics (Prometheus, /metrics): " + ", ".join(
                f"{label} {addr}" for label, addr in self.supervisor.metrics.items()))
        started = time.monotonic()

        def on_ready() -> None:
            took = time.monotonic() - started
            grpc = _client_addr(self.settings.grpc_addr)
            running = ", ".join(f"{count} {name}" for name, count in self.layout)
            leaf = (identities.leaf_url(ids, self.settings.nats_leaf_listen)
                    if embedded_nats and self.settings.nats_leaf_listen else None)
            at = ready.Endpoints(http=self.endpoint, grpc=grpc,
                                 nats=env.get("TOCSIN_NATS_URL", self.settings.nats_url),
                                 region=self.settings.region, ca_bundle=ca_bundle, leaf=leaf)
            self.out.say(ready.ready_block(took=took, running=running, at=at, creds=creds,
                                           smtp_configured=bool(self.settings.smtp_host),
                                           repo=_repository(),
                                           identities=ids if embedded_nats else None))
            log.info("supervisor.ready", http=self.endpoint, grpc=grpc, seconds=round(took, 1))

        readiness = asyncio.create_task(
            _wait_ready(f"{self.endpoint}/healthz", self.stopping, on_ready=on_ready,
                        give_up=self._fatal_event))
        watcher = asyncio.create_task(_watch_servers(self.embedded, self.data_dir))
        stopper = asyncio.create_task(self.stopping.wait())
        fatal = asyncio.create_task(self._fatal_event.wait())
        try:
            await asyncio.wait({watcher, stopper, fatal}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (readiness, watcher, stopper, fatal):
                task.cancel()
        if self.fatal is not None:
            self.stopping.set()
            return _fail(f"{self.fatal.label} stopped: {self.fatal.last_line}")
        if not stopper.done() and watcher.done() and not watcher.cancelled():
            dead = watcher.result()
            self.stopping.set()
            self.out.say(f"tocsin-local: the embedded {dead.name} exited; see "
                         f"{self.data_dir / (dead.name + '.log')}. Stopping.")
            return 1
        return 0

    def _on_fatal(self, child: Child) -> None:
        if self.fatal is None:
            self.fatal = child
            self._fatal_event.set()

    async def _embed(self, name: str, start: Callable[..., servers.EmbeddedServer],
                     folder: Path, **options: object) -> str:
        # The default executor's threads live until the loop closes, after the servers
        # stop: long enough for their parent-death signal (servers.dying_with_parent).
        server = await asyncio.to_thread(start, folder, log=self.data_dir / f"{name}.log",
                                         **options)
        self.embedded.append(server)
        # Not the PostgreSQL password the URL carries.
        log.info("server.started", server=name, url=re.sub(r":[^:@/]+@", ":***@", server.url))
        return server.url

    async def _stop(self) -> None:
        self.stopping.set()
        if not self.supervisor and not self.embedded:
            return
        log.info("shutdown.begin")
        if self.supervisor:
            await self.supervisor.stop(self.settings.shutdown_grace + KILL_AFTER)
        for server in self.embedded:  # NATS, then PostgreSQL
            log.info("server.stopping", server=server.name)
            await asyncio.to_thread(server.stop, 30.0)
        log.info("shutdown.done", forced=self.forced.is_set())


def _repository() -> Path | None:
    """The checkout this Tocsin runs from (its ``docs/examples`` hold the sample alarm)."""
    for folder in Path(__file__).resolve().parents:
        if (folder / ready.ALARM_EXAMPLE).exists():
            return folder
    return None


def _fail(message: str) -> int:
    print(f"tocsin-local: {message}", file=sys.stderr)
    return 1
