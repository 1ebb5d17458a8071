"""The distinct-alarm storm: a region-wide failure raising thousands of distinct CloudWatch
alarms at once, each its own incident with its own page.

``BENCH_STORM_ALARMS`` (default 10,000) alarms, each a new alarm, are published on
``alarms.cloudwatch`` at once for one response plan that engages a contact whose plan
mails an email channel at once (a 0-minute stage). Measured from the first publish: the
time until every incident is committed (its ``IncidentRecordCreated`` event, which the
outbox relay publishes after the commit) and until every page is accepted by a real SMTP
server (aiosmtpd); incidents/s and pages/s. Run twice: every service one instance, then
the incidents, contacts and notifications services at two instances each.

Beside them, in the same run: a bare JetStream pull consumer fetching and acking as many
alarms, and aiosmtplib sending mails to the same SMTP server from 64 senders, each keeping
its connection (as the notifications service does). And, from each process's CPU time
over the storm, the CPU microseconds one alarm costs there: what ``bench/README.md``'s
cost model is made of.

Bounded: each storm waits at most ``BENCH_STORM_SECONDS`` (default 240) and reports what
arrived by then.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import grpc
import msgspec
from aiosmtpd.controller import Controller

from bench.alarms import _raw_fetch_ack, alarm, paging_plan
from bench.notifications import Mailbox
from bench.processes import cpu_seconds, spawn, stop, wait_ready
from tocsin.gateway.grpcsign import SigV4Signer
from tocsin.local.servers import EmbeddedServer, free_port, nats_server, postgres_server
from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc as pb_grpc
from tocsin.shared.bus import Bus, connect
from tocsin.shared.keys import new_master_key_line, write_master_key_file
from tocsin.shared.testing import wait_for

__all__ = ["storm_bench"]

Line = Callable[[str, float, str], None]
SCALED = ("incidents", "contacts", "notifications")


def _count() -> int:
    return int(os.environ.get("BENCH_STORM_ALARMS", "10000"))


def _bound() -> float:
    return float(os.environ.get("BENCH_STORM_SECONDS", "240"))


async def _raw_smtp(port: int, count: int, mailbox: Mailbox) -> float:
    """Mails per second aiosmtplib hands to the SMTP server from 64 senders, each keeping
    its connection from mail to mail (the notifications service's way of sending)."""
    before = len(mailbox.accepted)
    left = list(range(count))

    def message(n: int) -> EmailMessage:
        mail = EmailMessage()
        mail["From"], mail["To"] = "tocsin@example.com", "pager@example.com"
        mail["Subject"] = f"raw {n}"
        mail["X-Tocsin-Page-Arn"] = f"raw-{uuid.uuid4()}"
        mail.set_content("raw baseline")
        return mail

    async def sender() -> None:
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port) as client:
            while left:
                await client.send_message(message(left.pop()))

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(64)))
    elapsed = time.perf_counter() - started
    assert len(mailbox.accepted) - before == count
    return count / elapsed


class _System:
    """Tocsin's processes on a region and schemas of their own, ``instances`` of each
    scaled service, mailing to ``smtp_port``."""

    def __init__(self, nats_url: str, db_url: str, work: Path, smtp_port: int,
                 instances: int) -> None:
        tag = uuid.uuid4().hex[:8]
        self.region = f"benchstorm{tag}"
        self.grpc_addr = f"127.0.0.1:{free_port()}"
        self.env = {"TOCSIN_SMTP_HOST": "127.0.0.1", "TOCSIN_SMTP_PORT": str(smtp_port),
                    "TOCSIN_NATS_URL": nats_url, "TOCSIN_DATABASE_URL": db_url,
                    "TOCSIN_REGION": self.region, "TOCSIN_SCHEMA_PREFIX": f"{self.region}_",
                    "TOCSIN_GRPC_ADDR": self.grpc_addr,
                    "TOCSIN_HTTP_ADDR": f"127.0.0.1:{free_port()}",
                    "TOCSIN_ACCESS_KEYS": "BENCH:bench-secret", "TOCSIN_LOG_LEVEL": "warning",
                    "TOCSIN_LOG_JSON": "true", "TOCSIN_METRICS_ADDR": "127.0.0.1:0",
                    # Only this region's alarms: the stream holds every earlier part's.
                    "TOCSIN_ALARMS_FILTER": f"alarms.{self.region}.>"}
        self.alarms = f"alarms.{self.region}.cloudwatch"
        self.work = work
        self.instances = instances
        self.procs: dict[str, list[asyncio.subprocess.Process]] = {}

    async def start(self) -> None:
        for name in (*SCALED, "gateway"):
            count = self.instances if name in SCALED else 1
            self.procs[name] = [await spawn(["-m", f"tocsin.{name}"], self.env,
                                            self.work / f"storm-{self.region}-{name}-{n}.log")
                                for n in range(count)]

    async def stop(self) -> None:
        for procs in self.procs.values():
            for proc in procs:
                await stop(proc)

    def cpu(self) -> dict[str, float]:
        return {name: sum(cpu_seconds(p) for p in procs) for name, procs in self.procs.items()}


async def _storm(bus: Bus, system: _System, plan: str, mailbox: Mailbox, count: int,
                 label: str, line: Line) -> None:
    created: list[float] = []

    async def on_created(msg: Any) -> None:
        created.append(time.perf_counter())

    sub = await bus.nc.subscribe(
        f"events.{system.region}.incidents.IncidentRecordCreated", cb=on_created)
    bodies = [msgspec.json.encode(alarm(f"storm-{uuid.uuid4().hex}")) for _ in range(count)]
    mailed_before = len(mailbox.by_incident)
    cpu = system.cpu()
    started = time.perf_counter()
    for chunk in range(0, count, 1000):  # at once, as fast as JetStream takes them
        await asyncio.gather(*(bus.js.publish(system.alarms, body,
                                              headers={"Tocsin-Response-Plan": plan})
                               for body in bodies[chunk:chunk + 1000]))
    published = time.perf_counter() - started
    with contextlib.suppress(AssertionError):  # report what arrived within the bound
        await wait_for(lambda: len(created) >= count
                       and len(mailbox.by_incident) - mailed_before >= count,
                       timeout=_bound(), interval=0.1)
    await sub.unsubscribe()
    used = {name: seconds - cpu[name] for name, seconds in system.cpu().items()}
    mailed = sorted(mailbox.by_incident.values())[mailed_before:]
    # Rates over what arrived within the bound; the times only when everything did.
    incidents_span = max(created) - started if created else float("nan")
    pages_span = mailed[-1] - started if mailed else float("nan")
    line(f"{label}_alarms", count, "count")
    line(f"{label}_publish_seconds", published, "s")
    line(f"{label}_incidents_committed", len(created), "count")
    line(f"{label}_pages_accepted", len(mailed), "count")
    line(f"{label}_incidents_seconds",
         incidents_span if len(created) >= count else float("nan"), "s")
    line(f"{label}_pages_seconds", pages_span if len(mailed) >= count else float("nan"), "s")
    line(f"{label}_incidents_per_second", len(created) / incidents_span, "incidents/s")
    line(f"{label}_pages_per_second", len(mailed) / pages_span, "pages/s")
    # Per alarm that got that far: its incident (incidents, gateway), its page (the
    # others); all of them, unless the bound cut the storm short.
    per = {name: seconds / max(len(created) if name in ("incidents", "gateway")
                               else len(mailed), 1) * 1e6 for name, seconds in used.items()}
    for name, us in per.items():
        line(f"{label}_cpu_per_alarm_{name}", us, "us")
    line(f"{label}_cpu_per_alarm_total", sum(per.values()), "us")


async def storm_bench(nats_url: str, db_url: str, work: Path, line: Line) -> None:
    """The storm at one instance of each service, then at two of the scaled ones."""
    count = _count()
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        async with connect([nats_url], name="tocsin-bench-storm") as bus:
            raw, _ = await _raw_fetch_ack(bus, msgspec.json.encode(alarm("raw")), count)
            line("storm_raw_jetstream_fetch_ack", raw, "msgs/s")
            line("storm_raw_smtp_send", await _raw_smtp(smtp.port, min(count, 2000), mailbox),
                 "mails/s")
            for instances in (1, 2):
                system = _System(nats_url, db_url, work, smtp.port, instances)
                await system.start()
                try:
                    signer = SigV4Signer("BENCH", "bench-secret", region=system.region)
                    async with grpc.aio.insecure_channel(
                            system.grpc_addr, interceptors=signer.interceptors()) as channel:
                        await wait_ready(channel, time.monotonic() + 180)
                        await pb_grpc.IncidentsStub(channel).CreateReplicationSet(
                            pb.CreateReplicationSetRequest(
                                regions={system.region: pb.RegionMapInputValue()}))
                        plan = await paging_plan(bus, channel, system.region)
                    await asyncio.sleep(2)  # every instance's consumers are up by now
                    await _storm(bus, system, plan, mailbox, count,
                                 f"distinct_storm_x{instances}", line)
                finally:
                    await system.stop()
    finally:
        smtp.stop()


async def main() -> None:
    """``python -m bench.storm``: the storm alone, on throwaway NATS and PostgreSQL unless
    TOCSIN_NATS_URL / TOCSIN_DATABASE_URL name them."""
    work = Path(tempfile.mkdtemp(prefix="tocsin-bench-storm-"))
    servers: list[EmbeddedServer] = []
    if not os.environ.get("TOCSIN_MASTER_KEY_FILE"):
        write_master_key_file(work / "master.key", [new_master_key_line()])
        os.environ["TOCSIN_MASTER_KEY_FILE"] = str(work / "master.key")
    nats_url = os.environ.get("TOCSIN_NATS_URL") or ""
    db_url = os.environ.get("TOCSIN_DATABASE_URL") or ""
    try:
        if not nats_url:
            servers.append(nats_server(work / "nats", log=work / "nats.log"))
            nats_url = servers[-1].url
        if not db_url:
            servers.append(postgres_server(work / "pg", log=work / "pg.log"))
            db_url = servers[-1].url
        await storm_bench(nats_url, db_url, work,
                          lambda name, value, unit: print(f"{name}: {value:.3f} {unit}",
                                                          flush=True))
    finally:
        for server in reversed(servers):
            server.stop()


if __name__ == "__main__":
    # Sized by BENCH_STORM_ALARMS and BENCH_STORM_SECONDS; parsed so that --help (or a
    # mistyped option) describes the storm instead of running it.
    argparse.ArgumentParser(prog="python -m bench.storm", description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    asyncio.run(main())
