"""The system under test and the faults done to it.

NATS and PostgreSQL are started here with :mod:`tocsin.local.servers` (as ``make run``
embeds them), so that they can be restarted mid-load on the same port and data; the
supervisor (``python -m tocsin.local``) is told their URLs and starts every service as its
own process, ``instances`` of each, restarting whichever dies. The providers Tocsin
delivers to are real servers on loopback: aiosmtpd for email, and an HTTP server that
speaks the generic signed-webhook SMS API (checking every signature) and receives the
runbooks' ``aws:invokeWebhook`` calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiosmtpd.controller import Controller

from tocsin.local.servers import (
    EmbeddedServer,
    address_in_use,
    dying_with_parent,
    free_port,
    nats_server,
    postgres_server,
)
from tocsin.local.supervisor import instance_address
from tocsin.shared.services import BACKEND_SERVICES
from tocsin.shared.webhook_signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, webhook_signature

__all__ = ["KEY_ID", "SECRET", "Faults", "Mail", "Mailbox", "Receiver", "Sms", "System"]

KEY_ID, SECRET = "CHAOSKEY", "chaos-secret"
"""The API key pair the harness signs its calls with."""
SMS_SECRET = "chaos-sms-secret"
HOOK_SECRET = "chaos-hook-secret"
KINDS: tuple[str, ...] = (*BACKEND_SERVICES, "gateway")
"""Every kind of service process; each is killed several times."""
_INCIDENT = re.compile(r"Incident ARN: (\S+)")


@dataclass(frozen=True)
class Mail:
    """One message the SMTP server accepted."""

    message_id: str
    page_arn: str
    incident_arn: str
    accept_code: str
    activation_code: str
    channel_arn: str


class Mailbox:
    """aiosmtpd's handler: every accepted message, in order (it runs in a thread of its own;
    appending to a list is atomic)."""

    def __init__(self) -> None:
        self.messages: list[Mail] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        h = BytesHeaderParser(policy=email.policy.default).parsebytes(envelope.content)
        self.messages.append(Mail(
            message_id=str(h["Message-ID"] or ""), page_arn=str(h["X-Tocsin-Page-Arn"] or ""),
            incident_arn=str(h["X-Tocsin-Incident-Arn"] or ""),
            accept_code=str(h["X-Tocsin-Accept-Code"] or ""),
            activation_code=str(h["X-Tocsin-Activation-Code"] or ""),
            channel_arn=str(h["X-Tocsin-Contact-Channel-Arn"] or "")))
        return "250 OK"


@dataclass(frozen=True)
class Sms:
    """One SMS the provider took: its delivery id (``Idempotency-Key``), number and text."""

    id: str
    to: str
    text: str

    @property
    def incident_arn(self) -> str:
        found = _INCIDENT.search(self.text)
        return found.group(1) if found else ""


@dataclass
class Receiver:
    """The SMS provider and the runbooks' webhook, on one loopback HTTP server."""

    sms: list[Sms] = field(default_factory=list)
    hooks: list[str] = field(default_factory=list)
    """Each runbook webhook call's ``Idempotency-Key`` (``<execution id>/<step>``)."""
    bad_signatures: int = 0
    port: int = 0
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/sms", self._sms)
        app.router.add_post("/hook", self._hook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _signed(self, request: web.Request, body: bytes, secret: str) -> bool:
        expected = webhook_signature(secret, body, url=str(request.url),
                                     timestamp=request.headers.get(TIMESTAMP_HEADER, ""))
        if request.headers.get(SIGNATURE_HEADER) == expected:
            return True
        self.bad_signatures += 1
        return False

    async def _sms(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not self._signed(request, body, SMS_SECRET):
            return web.Response(status=401)
        data = json.loads(body)
        self.sms.append(Sms(id=str(data["id"]), to=str(data["to"]), text=str(data["text"])))
        return web.json_response({"id": f"sms-{len(self.sms)}"})

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not self._signed(request, body, HOOK_SECRET):
            return web.Response(status=401)
        self.hooks.append(request.headers.get("Idempotency-Key", ""))
        return web.json_response({"ok": True})


LISTEN_PORTS = range(20000, 32000)
"""Where the servers of a run listen: below Linux's ephemeral range (32768 on), so no
outgoing connection or port-0 listener of the dozen processes takes a port before the
server it was chosen for binds it (a gateway starts last; NATS and PostgreSQL bind
theirs again when they restart)."""
_ports = random.SystemRandom()


def _free_ports(count: int = 1) -> int:
    """The first of ``count`` consecutive ports on 127.0.0.1 that nothing listens on."""
    while True:
        first = _ports.randrange(LISTEN_PORTS.start, LISTEN_PORTS.stop - count)
        if not any(address_in_use("127.0.0.1", first + i) for i in range(count)):
            return first


class System:
    """Everything started for one chaos run, in ``work``."""

    def __init__(self, work: Path, *, instances: int, clock_scale: float) -> None:
        self.work = work
        self.instances = instances
        self.clock_scale = clock_scale
        self.region = "local-1"
        # Each further gateway listens on the ports after the first's.
        self.http = f"127.0.0.1:{_free_ports(instances)}"
        self.grpc = f"127.0.0.1:{_free_ports(instances)}"
        self.nats_port = _free_ports()
        self.pg_port = _free_ports()
        self.mailbox = Mailbox()
        self.receiver = Receiver()
        self.nats: EmbeddedServer | None = None
        self.pg: EmbeddedServer | None = None
        self.supervisor: subprocess.Popen[bytes] | None = None
        self._smtp: Controller | None = None

    @property
    def endpoint(self) -> str:
        """The first gateway's HTTP base URL."""
        return f"http://{self.http}"

    @property
    def endpoints(self) -> list[str]:
        """Every gateway's HTTP base URL."""
        return [f"http://{instance_address(self.http, i)}"
                for i in range(1, self.instances + 1)]

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.nats_port}"

    @property
    def log(self) -> Path:
        return self.work / "tocsin.log"

    async def start(self, timeout: float = 180.0) -> None:
        """Start the servers, the providers and the supervisor; return once ``/healthz`` is
        200 with every instance of every service."""
        self.nats = await asyncio.to_thread(self._start_nats)
        self.pg = await asyncio.to_thread(self._start_pg)
        self._smtp = Controller(self.mailbox, hostname="127.0.0.1", port=free_port())
        self._smtp.start()
        await self.receiver.start()
        sms_url = f"http://127.0.0.1:{self.receiver.port}/sms"
        hook_url = f"http://127.0.0.1:{self.receiver.port}/hook"
        env = {k: v for k, v in os.environ.items() if not k.startswith("TOCSIN_")}
        env.update(
            TOCSIN_NATS_URL=self.nats_url, TOCSIN_DATABASE_URL=self.pg.url,
            TOCSIN_DATA_DIR=str(self.work / "data"), TOCSIN_HTTP_ADDR=self.http,
            TOCSIN_GRPC_ADDR=self.grpc, TOCSIN_METRICS_ADDR="127.0.0.1:0",
            TOCSIN_ACCESS_KEYS=f"{KEY_ID}:{SECRET}", TOCSIN_REGION=self.region,
            TOCSIN_CLOCK_SCALE=str(self.clock_scale), TOCSIN_LOG_JSON="true",
            TOCSIN_SMTP_HOST="127.0.0.1", TOCSIN_SMTP_PORT=str(self._smtp.port),
            TOCSIN_PROVIDERS=json.dumps([{"name": "local-sms", "kind": "webhook",
                                          "channels": ["SMS"], "url": sms_url,
                                          "secret": SMS_SECRET}]),
            TOCSIN_WEBHOOKS=json.dumps({"chaos-hook": {"url": hook_url,
                                                       "secret": HOOK_SECRET}}),
            TOCSIN_OUTBOX_POLL_INTERVAL="0.5")
        scale = [a for name in KINDS for a in ("--scale", f"{name}={self.instances}")]
        with self.log.open("ab") as out:
            # From a thread of the default executor, which lives as long as the event loop:
            # the supervisor's parent-death signal fires when that thread ends.
            self.supervisor = await asyncio.to_thread(
                subprocess.Popen, dying_with_parent([
                    sys.executable, "-m", "tocsin.local", *scale, "--max-restart-delay", "1"]),
                env=env, cwd=self.work, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT)
        await self.healthy(timeout)

    def _start_nats(self) -> EmbeddedServer:
        return nats_server(self.work / "nats", port=self.nats_port,
                           log=self.work / "nats.log")

    def _start_pg(self) -> EmbeddedServer:
        return postgres_server(self.work / "pg", port=self.pg_port, log=self.work / "pg.log")

    async def healthy(self, timeout: float = 180.0) -> None:
        """Return once every gateway's ``/healthz`` is 200 and names every instance of
        every service."""
        deadline = time.monotonic() + timeout
        waiting = list(self.endpoints)
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                assert self.supervisor is not None
                if self.supervisor.poll() is not None:
                    raise RuntimeError(f"tocsin.local exited; see {self.log}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with http.get(f"{waiting[0]}/healthz",
                                        timeout=aiohttp.ClientTimeout(total=3)) as r:
                        if r.status == 200:
                            services = (await r.json())["services"]
                            if all(len(services.get(name, {}).get("instances", []))
                                   >= self.instances for name in BACKEND_SERVICES):
                                waiting.pop(0)
                                if not waiting:
                                    return
                                continue
                await asyncio.sleep(0.5)
        raise RuntimeError(f"Tocsin was not healthy within {timeout:.0f}s; see {self.log}")

    async def restart_nats(self) -> float:
        """Stop NATS (SIGTERM) and start it again on the same port and store; the seconds
        it was down."""
        assert self.nats is not None
        started = time.monotonic()
        await asyncio.to_thread(self.nats.stop, 20.0)
        self.nats = await asyncio.to_thread(self._start_nats)
        return time.monotonic() - started

    async def restart_postgres(self) -> float:
        """Crash PostgreSQL (an immediate shutdown: recovery from the WAL on start) and
        start it again on the same port and data; the seconds it was down."""
        assert self.pg is not None
        started = time.monotonic()
        self.pg.kill()
        await asyncio.to_thread(self.pg.process.wait)
        self.pg = await asyncio.to_thread(self._start_pg)
        return time.monotonic() - started

    def service_pids(self) -> dict[str, list[int]]:
        """The live service processes below the supervisor, by kind."""
        found: dict[str, list[int]] = {kind: [] for kind in KINDS}
        if self.supervisor is None:
            return found
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, ValueError, IndexError):
                    stat = (entry / "stat").read_text().rpartition(")")[2].split()
                    if stat[0] != "Z":
                        parents[int(entry.name)] = int(stat[1])
        for pid, ppid in parents.items():
            if ppid != self.supervisor.pid:
                continue
            with contextlib.suppress(OSError):
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                if b"-m" in argv:
                    module = argv[argv.index(b"-m") + 1].decode()
                    kind = module.removeprefix("tocsin.")
                    if kind in found:
                        found[kind].append(pid)
        return found

    async def stop(self) -> None:
        """Stop the supervisor (every service), the providers and the servers."""
        if self.supervisor is not None and self.supervisor.poll() is None:
            self.supervisor.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.supervisor.wait, 90)
            except subprocess.TimeoutExpired:
                self.supervisor.kill()
                await asyncio.to_thread(self.supervisor.wait)
        if self._smtp is not None:
            self._smtp.stop()
        await self.receiver.stop()
        for server in (self.nats, self.pg):
            if server is not None:
                await asyncio.to_thread(server.stop, 30.0)


class Faults:
    """SIGKILL of a random service process every ``interval`` seconds: the kinds in a
    shuffled order, round after round, so every kind is killed about as often."""

    def __init__(self, system: System, rng: random.Random,
                 interval: tuple[float, float] = (1.0, 3.0)) -> None:
        self.system = system
        self.rng = rng
        self.interval = interval
        self.kills: Counter[str] = Counter()
        self.misses = 0
        """Turns that found no live process of the kind (it was being restarted)."""

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            kinds = list(KINDS)
            self.rng.shuffle(kinds)
            for kind in kinds:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.rng.uniform(*self.interval))
                if stop.is_set():
                    return
                pids = sorted(self.system.service_pids()[kind])
                if not pids:
                    self.misses += 1
                    continue
                with contextlib.suppress(ProcessLookupError):
                    # The process and whatever it started (a runbook script, say).
                    os.killpg(self.rng.choice(pids), signal.SIGKILL)
                    self.kills[kind] += 1
