"""Issue 17's cost: StartIncident and alarm → page with encryption at rest and the NATS
identities on, beside the same without: ``python -m bench.protection`` (also a part of
``python -m bench``). Goal: within 10 % of the figures without.

Three configurations are compared:

- **open**: no NATS identities, and no encryption. Tocsin cannot run without encryption at
  rest: with no key-encryption key configured the incidents service makes no data key,
  and paging (which seals every delivery request) fails with ``DataEncryptionException``
  (:func:`tocsin.incidents.data_keys.ensure_data_key`). So this one is not run whole:
  what encryption costs a page is measured by running the paging path's own sealing
  code (:func:`sealing_cpu_per_page`: the accept code's keyed index, the channel address
  opened, the delivery request sealed by contacts and opened by notifications) and set
  beside the CPU a whole page costs. StartIncident seals nothing (no personal data), so
  its figures with and without encryption are the same code.
- **encrypted**: encryption on (a master key file, as ``make run`` makes one), NATS open.
- **protected**: encryption and the NATS identities of ``make run`` (each service its own
  identity, the permissions of :mod:`tocsin.shared.bus.identities`, principals signed by
  the gateway and verified by the services); alarms are published as the
  ``alarm-publisher`` identity and incidents watched as ``dashboard``, as an operator's
  tools do.

Two NATS servers of this machine (one open, one as ``make run`` starts it) and one
throwaway PostgreSQL with a database for each. The incidents, contacts and notifications
services and the gateway run against each as their own processes, both stacks at once,
each mailing its pages to an SMTP server of its own in this process; the two stacks take
turns at each load, so that whatever else the machine does weighs on both alike.

Measured per stack: StartIncident over gRPC with 1 and 16 callers (p50, p99, req/s);
alarm → page, from an alarm's publish to its page mail accepted by the SMTP server, at a
few alarms a second (p50, p99); and CPU time per operation summed over the stack's
processes (Tocsin's and its NATS server; PostgreSQL is shared, so left out), which moves
far less than latency when other work shares the machine. Bounded: about a minute.
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import grpc
import msgspec
import nats
from aiosmtpd.controller import Controller

from bench.alarms import alarm, paging_plan_with, percentile
from bench.meter import CpuMeter
from bench.notifications import Mailbox
from bench.processes import spawn, stop
from tocsin.contacts.channels.store import open_address, seal_address
from tocsin.contacts.engagements.domain import code_hash
from tocsin.gateway.grpcsign import SigV4Signer
from tocsin.local import identities
from tocsin.local.servers import EmbeddedServer, free_port, nats_server, postgres_server
from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc as pb_grpc
from tocsin.shared import codec
from tocsin.shared.bus.identities import ALARM_PUBLISHER, DASHBOARD
from tocsin.shared.contracts import deliveries as dc
from tocsin.shared.keys import new_master_key_line, write_master_key_file
from tocsin.shared.testing import own_key_ring, wait_for

REGION = "bench"
SERVICES = ("incidents", "contacts", "notifications", "gateway")
CALLERS = (1, 16)
Line = Callable[[str, float, str], None]


async def _load(stub: pb_grpc.IncidentsStub, plan_arn: str, *, callers: int, seconds: float,
                warmup: float) -> tuple[list[float], int]:
    """StartIncident from ``callers`` loops for ``warmup`` + ``seconds``; the measured
    latencies (ms) and the errors."""
    latencies: list[float] = []
    errors = 0
    loop = asyncio.get_running_loop()
    measure_from = loop.time() + warmup
    until = measure_from + seconds

    async def caller() -> None:
        nonlocal errors
        while (now := loop.time()) < until:
            started = time.perf_counter()
            try:
                await stub.StartIncident(pb.StartIncidentRequest(
                    response_plan_arn=plan_arn, title="bench", client_token=str(uuid.uuid4())))
            except grpc.aio.AioRpcError:
                errors += 1
                continue
            if now >= measure_from:
                latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(caller() for _ in range(callers)))
    return latencies, errors


class _Stack:
    """The incidents, contacts and notifications services and the gateway on one NATS,
    with a plan to start incidents from and a plan that pages by email."""

    def __init__(self, name: str, env: dict[str, str], extra: Callable[[str], dict[str, str]],
                 work: Path, *, client_url: Callable[[str], str]) -> None:
        """``client_url``: the NATS URL the bench's own clients use as an identity
        (``alarm-publisher``, ``dashboard``)."""
        self.name, self.env, self.extra, self.work = name, env, extra, work
        self.client_url = client_url
        self.port = free_port()
        self.procs: list[asyncio.subprocess.Process] = []
        self.mailbox = Mailbox()
        self.smtp = Controller(self.mailbox, hostname="127.0.0.1", port=free_port())
        self.latencies: dict[str, list[float]] = {}
        self.counts: dict[str, float] = {}
        self.cpu_us: dict[str, dict[str, float]] = {}
        """Load → process → CPU microseconds it spent on the load, over ``cpu_ops``."""
        self.cpu_ops: dict[str, int] = {}

    async def start(self, nats_pid: int) -> None:
        self.smtp.start()
        env = {**self.env, "TOCSIN_GRPC_ADDR": f"127.0.0.1:{self.port}",
               "TOCSIN_HTTP_ADDR": f"127.0.0.1:{free_port()}",
               "TOCSIN_SMTP_HOST": "127.0.0.1", "TOCSIN_SMTP_PORT": str(self.smtp.port)}
        self.procs = [await spawn(["-m", f"tocsin.{service}"], {**env, **self.extra(service)},
                                  self.work / f"{self.name}-{service}.log")
                      for service in SERVICES]
        self.meter = CpuMeter({**{s: [p.pid] for s, p in zip(SERVICES, self.procs,
                                                               strict=True)},
                               "nats": [nats_pid]})
        # Every gRPC call is signed (the access issue), as the main bench's are.
        self.channel = grpc.aio.insecure_channel(
            f"127.0.0.1:{self.port}",
            interceptors=SigV4Signer("BENCH", "bench-secret", region=REGION).interceptors())
        self.stub = pb_grpc.IncidentsStub(self.channel)
        deadline = time.monotonic() + 60
        while True:
            try:
                await self.stub.ListReplicationSets(pb.ListReplicationSetsRequest(), timeout=1)
                break
            except grpc.aio.AioRpcError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)
        await self.stub.CreateReplicationSet(pb.CreateReplicationSetRequest(
            regions={REGION: pb.RegionMapInputValue()}))
        plan = await self.stub.CreateResponsePlan(pb.CreateResponsePlanRequest(
            name="bench", incident_template=pb.IncidentTemplate(title="Bench", impact=3)))
        self.plan = plan.arn

        async def mailed_code(channel_arn: str) -> str:
            return str(await wait_for(lambda: self.mailbox.codes.get(channel_arn), timeout=30))

        self.paging_plan = await paging_plan_with(self.channel, mailed_code)
        self.publisher = await nats.connect(self.client_url(ALARM_PUBLISHER),
                                            name="bench-alarms")
        self.watcher = await nats.connect(self.client_url(DASHBOARD), name="bench-dashboard")

    def _add(self, what: str, latencies: list[float], count: float) -> None:
        self.latencies.setdefault(what, []).extend(latencies)
        self.counts[what] = self.counts.get(what, 0) + count

    async def starts(self, callers: int, seconds: float, warmup: float) -> None:
        self.meter.start()
        latencies, errors = await _load(self.stub, self.plan, callers=callers,
                                        seconds=seconds, warmup=warmup)
        calls = len(latencies) + errors  # the warm-up's too: CPU is counted over all
        self._add(f"c{callers}", latencies, seconds)
        self._add(f"c{callers}_errors", [], errors)
        self._cpu(f"c{callers}", calls)

    def _cpu(self, what: str, ops: int) -> None:
        """Count the CPU since the meter's start as ``ops`` operations of ``what``."""
        if ops:
            spent = self.cpu_us.setdefault(what, {})
            for process, us in self.meter.per(ops).items():
                spent[process] = spent.get(process, 0.0) + us * ops
            self.cpu_ops[what] = self.cpu_ops.get(what, 0) + ops

    async def pages(self, *, rate: float, seconds: float) -> None:
        """Alarms at ``rate`` a second for ``seconds``, each a new incident that pages by
        email: from each publish to its page mail accepted."""
        sent: dict[str, float] = {}
        incident_alarm: dict[str, str] = {}

        async def created(msg: Any) -> None:
            record = codec.decode(msg.data, codec.Envelope).data["incidentRecord"]
            incident_alarm[record["arn"]] = record["incidentRecordSource"].get(
                "resourceArn", "")

        sub = await self.watcher.subscribe(
            f"events.{REGION}.incidents.IncidentRecordCreated", cb=created)
        js = self.publisher.jetstream()
        loop = asyncio.get_running_loop()
        self.meter.start()
        begin = loop.time()
        for n in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, begin + n / rate - loop.time()))
            event = alarm(f"bench-{uuid.uuid4().hex[:12]}")
            sent[event["resources"][0]] = time.perf_counter()
            await js.publish("alarms.cloudwatch", msgspec.json.encode(event),
                             headers={"Tocsin-Response-Plan": self.paging_plan})

        def mailed() -> list[float]:
            return [at - sent[incident_alarm[arn]]
                    for arn, at in self.mailbox.by_incident.items()
                    if incident_alarm.get(arn) in sent]

        with contextlib.suppress(AssertionError):  # report what arrived within 15 s
            await wait_for(lambda: len(mailed()) >= len(sent), timeout=15, interval=0.05)
        done = mailed()
        self._cpu("page", len(done))
        await sub.unsubscribe()
        self._add("page", [s * 1000 for s in done], len(sent))

    def figures(self, what: str) -> dict[str, float]:
        ms = sorted(self.latencies.get(what, []))
        ops = max(self.cpu_ops.get(what, 0), 1)
        per_process = {process: us / ops for process, us in self.cpu_us.get(what, {}).items()}
        return {"n": len(ms), "p50": percentile(ms, 0.5), "p99": percentile(ms, 0.99),
                "cpu_us": sum(per_process.values()), **{
                    f"cpu_us_{process}": us for process, us in per_process.items()}}

    async def stop(self) -> None:
        for client in ("publisher", "watcher"):
            if hasattr(self, client):
                await getattr(self, client).close()
        if hasattr(self, "channel"):
            await self.channel.close()
        await asyncio.gather(*(stop(proc) for proc in self.procs))
        self.smtp.stop()


async def sealing_cpu_per_page(master_key_file: str, *, pages: int = 2000) -> float:
    """CPU microseconds the paging path's encryption takes per email page, by running its
    own code: the accept code's keyed index and the channel address opened (contacts,
    :meth:`tocsin.contacts.engagements.handlers` ``_page``), the delivery request sealed
    (contacts) and opened (notifications)."""
    keys = await own_key_ring(master_key_file)
    channel = f"arn:aws:ssm-contacts:{REGION}:000000000000:contact-channel/pager/{uuid.uuid4()}"
    sealed = (await seal_address(keys, channel, "pager@example.com")).sealed
    page = f"arn:aws:ssm-contacts:{REGION}:000000000000:page/pager/{uuid.uuid4()}"
    key = await keys.current()
    started = time.process_time()
    for _ in range(pages):
        code_hash(key, page, "123456")
        request = dc.PageDelivery(
            id=str(uuid.uuid4()), page_arn=page, engagement_arn=page, contact_arn=page,
            channel_arn=channel, channel_type="EMAIL",
            address=await open_address(keys, channel, sealed, None),
            subject="Paging benchmark", content="Paging benchmark: CPUUtilization > 90 %",
            accept_code="123456", sender="tocsin", sent_at=datetime.now(UTC),
            incident_id=page, contact_alias="pager")
        body = await dc.seal(keys, request)
        await dc.open_request(keys, dc.PAGE, body)
    return (time.process_time() - started) / pages * 1e6


async def protection_bench(line: Line, *, seconds: float = 2.0, warmup: float = 0.5,
                           rounds: int = 2, page_rate: float = 5.0,
                           page_seconds: float = 4.0) -> None:
    """Print the figures of each configuration, and how much slower the protected one is."""
    work = Path(tempfile.mkdtemp(prefix="tocsin-bench-protection-"))
    master_key = os.environ.get("TOCSIN_MASTER_KEY_FILE", "")
    if not master_key:  # as `make run` makes one
        master_key = str(work / "master.key")
        write_master_key_file(Path(master_key), [new_master_key_line()])
    ids = identities.prepare(identities.private_folder(work / "data"))
    conf = ids.folder / "nats.conf"
    identities.write_private(conf, identities.nats_config(ids, region=REGION))
    servers: list[EmbeddedServer] = []
    try:
        servers.append(open_nats := nats_server(work / "nats-open", log=work / "nats-open.log"))
        servers.append(secured_nats := nats_server(work / "nats-secured", config=conf,
                                                   log=work / "nats-secured.log"))
        servers.append(pg := postgres_server(work / "pg", log=work / "pg.log"))
        conn = await asyncpg.connect(pg.url)
        for database in ("encrypted", "protected"):
            await conn.execute(f"CREATE DATABASE {database}")
        await conn.close()
        base = pg.url.rpartition("/")[0]
        common = {"TOCSIN_REGION": REGION, "TOCSIN_ACCESS_KEYS": "BENCH:bench-secret",
                  "TOCSIN_LOG_LEVEL": "warning", "TOCSIN_LOG_JSON": "true",
                  "TOCSIN_MASTER_KEY_FILE": master_key}
        stacks = [
            _Stack("encrypted", {**common, "TOCSIN_NATS_URL": open_nats.url,
                                 "TOCSIN_DATABASE_URL": f"{base}/encrypted"},
                   lambda service: {}, work, client_url=lambda who: open_nats.url),
            _Stack("protected", {**common, "TOCSIN_NATS_URL": secured_nats.url,
                                 "TOCSIN_DATABASE_URL": f"{base}/protected",
                                 "TOCSIN_PRINCIPAL_SIGNERS": ids.signers}, ids.env, work,
                   client_url=lambda who: ids.url(who, secured_nats.url))]
        nats_pids = {"encrypted": open_nats.process.pid, "protected": secured_nats.process.pid}
        try:
            await asyncio.gather(*(stack.start(nats_pids[stack.name]) for stack in stacks))
            # What each stack uses doing nothing, once both are up, is left out of its CPU.
            await asyncio.gather(*(stack.meter.idle(2.0) for stack in stacks))
            for _ in range(rounds):
                for callers in CALLERS:
                    for stack in stacks:
                        await stack.starts(callers, seconds, warmup)
                for stack in stacks:
                    await stack.pages(rate=page_rate, seconds=page_seconds)
        finally:
            await asyncio.gather(*(stack.stop() for stack in stacks))
        _report(line, stacks, await sealing_cpu_per_page(master_key))
    finally:
        for server in reversed(servers):
            server.stop()


def _report(line: Line, stacks: list[_Stack], sealing_us: float) -> None:
    by = {stack.name: stack for stack in stacks}
    for callers in CALLERS:
        what = f"c{callers}"
        for name, stack in by.items():
            r = stack.figures(what)
            line(f"start_incident_{name}_c{callers}_throughput",
                 r["n"] / max(stack.counts[what], 1e-9), "req/s")
            line(f"start_incident_{name}_c{callers}_p50", r["p50"], "ms")
            line(f"start_incident_{name}_c{callers}_p99", r["p99"], "ms")
            _cpu_lines(line, f"start_incident_{name}_c{callers}", r)
            line(f"start_incident_{name}_c{callers}_errors",
                 stack.counts[f"{what}_errors"], "count")
        line(f"start_incident_protected_c{callers}_slower_p50", _slower(
            by["protected"].figures(what)["p50"], by["encrypted"].figures(what)["p50"]), "%")
        line(f"start_incident_protected_c{callers}_more_cpu", _slower(
            by["protected"].figures(what)["cpu_us"],
            by["encrypted"].figures(what)["cpu_us"]), "%")
    for name, stack in by.items():
        r = stack.figures("page")
        line(f"alarm_to_page_{name}_alarms", stack.counts.get("page", 0), "count")
        line(f"alarm_to_page_{name}_paged", r["n"], "count")
        line(f"alarm_to_page_{name}_p50", r["p50"], "ms")
        line(f"alarm_to_page_{name}_p99", r["p99"], "ms")
        _cpu_lines(line, f"alarm_to_page_{name}", r)
    encrypted, protected = by["encrypted"].figures("page"), by["protected"].figures("page")
    line("alarm_to_page_protected_slower_p50", _slower(protected["p50"], encrypted["p50"]), "%")
    line("alarm_to_page_protected_more_cpu", _slower(protected["cpu_us"], encrypted["cpu_us"]),
         "%")
    # Encryption off cannot run (see the module's docstring): its cost is the sealing
    # code's CPU per page, beside what a whole page costs the encrypted stack.
    line("page_sealing_cpu", sealing_us, "us")
    line("page_sealing_share_of_page_cpu", 100 * sealing_us / max(encrypted["cpu_us"], 1e-9),
         "%")


def _cpu_lines(line: Line, prefix: str, figures: dict[str, float]) -> None:
    """CPU µs per operation over the stack (``_cpu``), then in each of its processes."""
    for name, us in figures.items():
        if name.startswith("cpu_us"):
            line(prefix + name.replace("cpu_us", "_cpu"), us, "us")


def _slower(value: float, baseline: float) -> float:
    return 100 * (value / baseline - 1) if baseline else 0.0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0,
                        help="measured StartIncident time per turn")
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--rounds", type=int, default=2, help="turns of each stack per load")
    parser.add_argument("--page-rate", type=float, default=5.0, help="alarms a second")
    parser.add_argument("--page-seconds", type=float, default=4.0,
                        help="seconds of alarms per turn")
    a = parser.parse_args()

    def show(name: str, value: float, unit: str) -> None:
        print(f"{name}: {value:.3f} {unit}", flush=True)

    asyncio.run(protection_bench(show, seconds=a.seconds, warmup=a.warmup, rounds=a.rounds,
                                 page_rate=a.page_rate, page_seconds=a.page_seconds))
