"""``make profile`` (``python -m bench.profile``): py-spy flame graphs of each hot path's
processes under load, written to ``bench/results/profiles/<path>-<process>.svg``.

Tocsin runs as ``make run`` starts it (each service its own process; throwaway NATS and
PostgreSQL unless TOCSIN_NATS_URL / TOCSIN_DATABASE_URL name them), and py-spy samples the
processes on a path while this process loads it:

- ``start_incident``: StartIncident over gRPC from 64 callers (gateway, incidents);
- ``alarm_intake``: distinct CloudWatch alarms at once for a plan that engages nobody,
  each an incident: the intake alone (incidents);
- ``distinct_storm``: distinct CloudWatch alarms at once, each an incident with an email
  page (incidents, contacts, notifications);
- ``duplicate_storm``: state changes of one alarm joining its open incident (incidents).

Bounded: each path is sampled for ``--seconds`` (default 15) and its load stops then.
``--only PATH`` (repeatable) samples those paths alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import msgspec
from aiosmtpd.controller import Controller

from bench.__main__ import load
from bench.alarms import alarm, paging_plan
from bench.notifications import Mailbox
from bench.processes import wait_ready
from bench.storm import _System
from tocsin.gateway.grpcsign import SigV4Signer
from tocsin.local.servers import EmbeddedServer, free_port, nats_server, postgres_server
from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc as pb_grpc
from tocsin.shared.bus import Bus, connect
from tocsin.shared.keys import new_master_key_line, write_master_key_file

PROFILES = Path(__file__).parent / "results" / "profiles"
PY_SPY = Path(sys.executable).with_name("py-spy")
FORMATS = {"flamegraph": "svg", "speedscope": "json", "raw": "txt"}
"""py-spy's output formats and their files' suffixes (raw: collapsed stacks, for tools)."""
FORMAT = "flamegraph"
NATIVE: list[str] = []
"""``["--native"]`` to sample C extensions' frames too (grpc's Cython, protobuf, asyncpg)."""


@contextlib.asynccontextmanager
async def sampled(path: str, system: _System, names: tuple[str, ...],
                  seconds: float) -> AsyncIterator[None]:
    """py-spy records ``names``' processes for ``seconds`` while the body loads them."""
    spies = [await asyncio.create_subprocess_exec(
        str(PY_SPY), "record", "--pid", str(system.procs[name][0].pid), "--duration",
        str(int(seconds)), "--rate", "100", *NATIVE, "--format", FORMAT, "--output",
        str(PROFILES / f"{path}-{name}.{FORMATS[FORMAT]}"), stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL) for name in names]
    try:
        yield
    finally:
        for spy in spies:
            try:
                await asyncio.wait_for(spy.wait(), seconds + 30)
            except TimeoutError:
                spy.kill()
        for name in names:
            print(f"{path}: {PROFILES / f'{path}-{name}.{FORMATS[FORMAT]}'}", flush=True)


async def _start_incident(channel: grpc.aio.Channel, system: _System, plan: str,
                          seconds: float) -> None:
    stub = pb_grpc.IncidentsStub(channel)

    def request() -> pb.StartIncidentRequest:
        return pb.StartIncidentRequest(response_plan_arn=plan, title="profile",
                                       client_token=str(uuid.uuid4()))

    async with sampled("start_incident", system, ("gateway", "incidents"), seconds):
        r = await load(stub.StartIncident, request, callers=64, seconds=seconds, warmup=0)
    print(f"start_incident: {r['rps']:.0f} req/s while sampled, {r['errors']} errors",
          flush=True)
    if r["errors"]:
        raise RuntimeError("StartIncident failed under load: see the gateway's log in "
                           f"{system.work}")


async def _alarms(bus: Bus, subject: str, plan: str, bodies: list[bytes],
                  until: float) -> None:
    for chunk in range(0, len(bodies), 500):
        if time.monotonic() > until:
            return
        await asyncio.gather(*(bus.js.publish(subject, body,
                                              headers={"Tocsin-Response-Plan": plan})
                               for body in bodies[chunk:chunk + 500]))


async def _drained(bus: Bus, durable: str, *, bound: float = 180.0) -> None:
    """Wait (at most ``bound`` seconds) until the alarm consumer has handled its backlog,
    so that the next path's samples hold none of it."""
    until = time.monotonic() + bound
    while time.monotonic() < until:
        info = await bus.js.consumer_info("ALARMS", durable)
        if not info.num_pending and not info.num_ack_pending:
            return
        await asyncio.sleep(0.5)


PATHS = ("start_incident", "alarm_intake", "duplicate_storm", "distinct_storm")


async def main(seconds: float, paths: tuple[str, ...] = PATHS) -> None:
    PROFILES.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="tocsin-profile-"))
    servers: list[EmbeddedServer] = []
    if not os.environ.get("TOCSIN_MASTER_KEY_FILE"):
        write_master_key_file(work / "master.key", [new_master_key_line()])
        os.environ["TOCSIN_MASTER_KEY_FILE"] = str(work / "master.key")
    nats_url = os.environ.get("TOCSIN_NATS_URL") or ""
    db_url = os.environ.get("TOCSIN_DATABASE_URL") or ""
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    system: _System | None = None
    try:
        if not nats_url:
            servers.append(nats_server(work / "nats", log=work / "nats.log"))
            nats_url = servers[-1].url
        if not db_url:
            servers.append(postgres_server(work / "pg", log=work / "pg.log"))
            db_url = servers[-1].url
        system = _System(nats_url, db_url, work, smtp.port, instances=1)
        await system.start()
        signer = SigV4Signer("BENCH", "bench-secret", region=system.region)
        async with connect([nats_url], name="tocsin-profile") as bus, \
                grpc.aio.insecure_channel(system.grpc_addr,
                                          interceptors=signer.interceptors()) as channel:
            await wait_ready(channel, time.monotonic() + 60)
            await pb_grpc.IncidentsStub(channel).CreateReplicationSet(
                pb.CreateReplicationSetRequest(regions={system.region: pb.RegionMapInputValue()}))
            quiet = f"profile-{uuid.uuid4().hex[:6]}"  # engages nobody, as the bench's plan
            quiet_arn = (await pb_grpc.IncidentsStub(channel).CreateResponsePlan(
                pb.CreateResponsePlanRequest(name=quiet, incident_template=pb.IncidentTemplate(
                    title="Profile", impact=3)))).arn
            if "start_incident" in paths:
                await _start_incident(channel, system, quiet_arn, seconds)
            if "alarm_intake" in paths:
                async with sampled("alarm_intake", system, ("incidents",), seconds):
                    bodies = [msgspec.json.encode(alarm(f"profile-intake-{uuid.uuid4().hex}"))
                              for _ in range(20_000)]
                    await _alarms(bus, system.alarms, quiet_arn, bodies,
                                  time.monotonic() + seconds / 2)
                await _drained(bus, f"{system.region}_incidents-alarms")
            plan = await paging_plan(bus, channel, system.region)

            if "duplicate_storm" in paths:
                # State changes of one alarm, each its own event (as an alarm flapping
                # sends them): each joins the incident the first one opens.
                name = f"profile-dup-{uuid.uuid4().hex}"
                changes = [msgspec.json.encode(alarm(name)) for _ in range(50_000)]
                async with sampled("duplicate_storm", system, ("incidents",), seconds):
                    await _alarms(bus, system.alarms, plan, changes,
                                  time.monotonic() + seconds / 2)

            # Last: the pages it leaves queued would be in any later path's samples.
            if "distinct_storm" in paths:
                async with sampled("distinct_storm", system,
                                   ("incidents", "contacts", "notifications"), seconds):
                    bodies = [msgspec.json.encode(alarm(f"profile-{uuid.uuid4().hex}"))
                              for _ in range(20_000)]
                    await _alarms(bus, system.alarms, plan, bodies,
                                  time.monotonic() + seconds / 2)
    finally:
        if system is not None:
            await system.stop()
        smtp.stop()
        for server in reversed(servers):
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0, help="sampled time per path")
    parser.add_argument("--format", choices=sorted(FORMATS), default=FORMAT,
                        help="py-spy's output: flame graphs (SVG), speedscope or raw stacks")
    parser.add_argument("--native", action="store_true",
                        help="sample C extensions' frames too (slower to sample)")
    parser.add_argument("--only", action="append", choices=PATHS,
                        help="sample this path (repeatable); every path when not given")
    args = parser.parse_args()
    FORMAT = args.format
    NATIVE = ["--native"] if args.native else []
    asyncio.run(main(args.seconds, tuple(args.only or PATHS)))
