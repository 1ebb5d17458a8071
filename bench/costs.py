"""CPU microseconds per operation in each process: the cost model of ``bench/README.md``.

Each figure is a process's CPU time (user + system; PostgreSQL's with its backends) over
a counted load, divided by the count. Unlike a throughput it hardly moves
when other work shares the machine, so it is what a change is judged by here, and what
a larger machine's capacity is derived from.

``python -m bench.costs`` runs Tocsin as ``make run`` starts it (throwaway NATS and
PostgreSQL, whose CPU is then counted too) and prints, per process:

- ``start_incident``: StartIncident over gRPC, signed, 64 callers, ``--count`` calls;
- ``alarm_opened``: distinct CloudWatch alarms for a plan that engages nobody, each an
  incident committed (its ``IncidentRecordCreated`` published), ``--intake`` of them at
  once: the alarm intake alone;
- ``alarm``: distinct CloudWatch alarms, each an incident, an engagement and an email page
  accepted by an SMTP server, ``--alarms`` of them at once.

A count of 0 leaves its part out.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import msgspec
from aiosmtpd.controller import Controller

from bench.alarms import alarm, paging_plan
from bench.meter import CpuMeter, write_transactions
from bench.notifications import Mailbox
from bench.processes import wait_ready
from bench.storm import _System
from tocsin.gateway.grpcsign import SigV4Signer
from tocsin.local.servers import EmbeddedServer, free_port, nats_server, postgres_server
from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc as pb_grpc
from tocsin.shared.bus import Bus, connect
from tocsin.shared.keys import new_master_key_line, write_master_key_file
from tocsin.shared.testing import wait_for

__all__ = ["counted_starts"]


async def counted_starts(stub: pb_grpc.IncidentsStub, plan_arn: str, *, count: int,
                         callers: int = 64) -> float:
    """Exactly ``count`` StartIncident calls from ``callers`` loops; seconds taken."""
    left = count

    async def caller() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await stub.StartIncident(pb.StartIncidentRequest(
                response_plan_arn=plan_arn, title="cost", client_token=str(uuid.uuid4())))

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(callers)))
    return time.perf_counter() - started


Report = Callable[[str, float, str], None]


async def _created(bus: Bus, region: str) -> tuple[Any, list[float]]:
    """A subscription counting the region's ``IncidentRecordCreated`` events (committed
    incidents), and the list it appends their arrival times to."""
    times: list[float] = []

    async def on_created(msg: Any) -> None:
        times.append(time.perf_counter())

    sub = await bus.nc.subscribe(f"events.{region}.incidents.IncidentRecordCreated",
                                 cb=on_created)
    return sub, times


async def _intake(bus: Bus, system: _System, plan: str, count: int, meter: CpuMeter,
                  db_url: str, report: Report) -> None:
    """``count`` distinct alarms at once for ``plan`` (engaging nobody), until every
    incident is committed: what the alarm intake costs, apart from the page path."""
    sub, created = await _created(bus, system.region)
    bodies = [msgspec.json.encode(alarm(f"intake-{uuid.uuid4().hex}")) for _ in range(count)]
    written = await write_transactions(db_url)
    meter.start()
    started = time.perf_counter()
    await asyncio.gather(*(bus.js.publish(system.alarms, body,
                                          headers={"Tocsin-Response-Plan": plan})
                           for body in bodies))
    await wait_for(lambda: len(created) >= count, timeout=max(120, count / 10),
                   interval=0.05)
    report("alarm_intake_rate", count / (created[-1] - started), "incidents/s")
    await asyncio.sleep(1)  # the last acknowledgements
    report("pg_write_transactions_per_alarm_opened",
           (await write_transactions(db_url) - written) / count, "xacts")
    await sub.unsubscribe()
    for name, us in meter.per(count).items():
        report(f"cpu_per_alarm_opened_{name.replace(' ', '_')}", us, "us")


async def costs(count: int, alarms: int, report: Report, *, intake: int = 0) -> None:
    work = Path(tempfile.mkdtemp(prefix="tocsin-costs-"))
    if not os.environ.get("TOCSIN_MASTER_KEY_FILE"):
        write_master_key_file(work / "master.key", [new_master_key_line()])
        os.environ["TOCSIN_MASTER_KEY_FILE"] = str(work / "master.key")
    servers: list[EmbeddedServer] = [nats_server(work / "nats", log=work / "nats.log")]
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    system: _System | None = None
    try:
        servers.append(postgres_server(work / "pg", log=work / "pg.log"))
        system = _System(servers[0].url, servers[1].url, work, smtp.port, instances=1)
        await system.start()
        pids: dict[str, list[int]] = {name: [p.pid for p in procs]
                                      for name, procs in system.procs.items()}
        pids["nats-server"] = [servers[0].process.pid]
        pids["postgres"] = [servers[1].process.pid]
        pids["load generator"] = [os.getpid()]
        meter = CpuMeter(pids, trees=("postgres",))
        signer = SigV4Signer("BENCH", "bench-secret", region=system.region)
        async with connect([servers[0].url], name="tocsin-bench-costs") as bus, \
                grpc.aio.insecure_channel(system.grpc_addr,
                                          interceptors=signer.interceptors()) as channel:
            await wait_ready(channel, time.monotonic() + 60)
            stub = pb_grpc.IncidentsStub(channel)
            await stub.CreateReplicationSet(pb.CreateReplicationSetRequest(
                regions={system.region: pb.RegionMapInputValue()}))
            quiet = (await stub.CreateResponsePlan(pb.CreateResponsePlanRequest(
                name="costs", incident_template=pb.IncidentTemplate(
                    title="Cost", impact=3)))).arn
            await counted_starts(stub, quiet, count=200)  # warm: caches, statements
            await asyncio.sleep(1)
            await meter.idle()
            if count:
                written = await write_transactions(servers[1].url)
                meter.start()
                took = await counted_starts(stub, quiet, count=count)
                await asyncio.sleep(1)  # the outbox relay's publishes of the last ones
                report("start_incident_rate", count / took, "req/s")
                report("pg_write_transactions_per_start_incident",
                       (await write_transactions(servers[1].url) - written) / count, "xacts")
                for name, us in meter.per(count).items():
                    report(f"cpu_per_start_incident_{name.replace(' ', '_')}", us, "us")
            if intake:
                await _intake(bus, system, quiet, intake, meter, servers[1].url, report)
            if not alarms:
                return
            plan = await paging_plan(bus, channel, system.region)
            sub, created = await _created(bus, system.region)
            before = len(mailbox.by_incident)
            bodies = [msgspec.json.encode(alarm(f"cost-{uuid.uuid4().hex}"))
                      for _ in range(alarms)]
            written = await write_transactions(servers[1].url)
            meter.start()
            started = time.perf_counter()
            await asyncio.gather(*(bus.js.publish(
                system.alarms, body, headers={"Tocsin-Response-Plan": plan})
                for body in bodies))
            await wait_for(lambda: len(created) >= alarms
                           and len(mailbox.by_incident) - before >= alarms,
                           timeout=max(120, alarms / 10), interval=0.1)
            report("alarm_to_page_rate", alarms / (time.perf_counter() - started), "alarms/s")
            await asyncio.sleep(1)  # the receipts' and timeline entries' last commits
            report("pg_write_transactions_per_alarm_paged",
                   (await write_transactions(servers[1].url) - written) / alarms, "xacts")
            await sub.unsubscribe()
            for name, us in meter.per(alarms).items():
                report(f"cpu_per_alarm_paged_{name.replace(' ', '_')}", us, "us")
    finally:
        if system is not None:
            await system.stop()
        smtp.stop()
        for server in reversed(servers):
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=3000, help="StartIncident calls")
    parser.add_argument("--alarms", type=int, default=1000, help="distinct alarms paged")
    parser.add_argument("--intake", type=int, default=1000,
                        help="distinct alarms opened for a plan that engages nobody")
    a = parser.parse_args()
    asyncio.run(costs(a.count, a.alarms,
                      lambda name, value, unit: print(f"{name}: {value:.2f} {unit}",
                                                      flush=True), intake=a.intake))
