"""``python -m bench``: StartIncident over gRPC against a raw grpc.aio call, idle memory,
alarm ingestion (:mod:`bench.alarms`), notifications (:mod:`bench.notifications`) and the
escalation service's timers against raw PostgreSQL (:mod:`bench.timers`), the runbooks
engine beside raw PostgreSQL transactions (:mod:`bench.runbooks`), the analysis
service's metrics and analysis creation (:mod:`bench.analysis`), StartIncident and
alarm → page with encryption at rest and the NATS identities on beside off
(:mod:`bench.protection`), the console in a headless Chromium (:mod:`bench.console`),
the replication of a change from one region's incidents service to another's, its
catch-up after an outage, and the takeover of a lost region's paging by the next
(:mod:`bench.regions`).

Everything runs on this machine: NATS and PostgreSQL (the ones named by TOCSIN_NATS_URL /
TOCSIN_DATABASE_URL, else throwaway ones), the incidents service and the gateway as their
own processes, exactly as `make run` starts them, and the load generator here. Each load
runs for a fixed time or count, so the whole run is bounded (about four minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
from aiosmtpd.controller import Controller

from bench import alarms
from bench.analysis import analysis_bench
from bench.console import console_bench
from bench.costs import counted_starts
from bench.meter import CpuMeter, write_transactions
from bench.notifications import Mailbox, notifications_bench
from bench.processes import spawn, stop, wait_ready
from bench.protection import protection_bench
from bench.regions import regions_bench, takeover_bench
from bench.runbooks import runbooks_bench
from bench.storm import storm_bench
from bench.timers import timers_bench
from tocsin.gateway.access import Authorization, Call, Face, Gate, Principal
from tocsin.gateway.app import build_access
from tocsin.gateway.audit import AuditTrail
from tocsin.gateway.grpcsign import SigV4Signer
from tocsin.gateway.settings import Settings as GatewaySettings
from tocsin.local.servers import EmbeddedServer, free_port, nats_server, postgres_server
from tocsin.proto.contacts.v1 import contacts_pb2 as pbc
from tocsin.proto.contacts.v1 import contacts_pb2_grpc as pb_contacts_grpc
from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc as pb_grpc
from tocsin.shared.bus import connect
from tocsin.shared.config import Secret
from tocsin.shared.keys import new_master_key_line, write_master_key_file

RESULTS = Path(__file__).parent / "results"


def line(name: str, value: float, unit: str, results: dict[str, Any]) -> None:
    results[name] = {"value": round(value, 3), "unit": unit}
    print(f"{name}: {value:.3f} {unit}", flush=True)


async def load(call: Any, make_request: Any, *, callers: int, seconds: float,
               warmup: float) -> dict[str, float]:
    """Run ``callers`` loops of ``call`` for ``warmup`` then ``seconds``; latencies in ms."""
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
                await call(make_request())
            except grpc.aio.AioRpcError:
                errors += 1
                continue
            if now >= measure_from:
                latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(caller() for _ in range(callers)))
    latencies.sort()
    n = len(latencies)
    return {"rps": n / seconds, "p50": latencies[n // 2] if n else 0.0,
            "p99": latencies[min(n - 1, int(n * 0.99))] if n else 0.0, "errors": errors}


def rss_mb(pid: int) -> float:
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return int(row.split()[1]) / 1024
    return 0.0


ACCESS_POLICY = {"principals": [{
    "arn": "arn:tocsin:iam::000000000000:user/bench-operator",
    "accessKeys": [{"id": "BENCHOPERATOR", "secret": "bench-operator-secret"}],
    "policies": [{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["ssm-incidents:Get*", "ssm-incidents:List*",
                                       "ssm-incidents:StartIncident",
                                       "ssm-incidents:UpdateIncidentRecord"],
         "Resource": ["arn:tocsin:ssm-incidents::000000000000:response-plan/*",
                      "arn:tocsin:ssm-incidents::000000000000:incident-record/*"],
         "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}},
        {"Effect": "Allow", "Action": "ssm-incidents:List*", "Resource": "*"},
        {"Effect": "Deny", "Action": ["ssm-incidents:Delete*", "ssm-contacts:*"],
         "Resource": "*"}]}]}]}
"""The principal whose calls measure StartIncident with authentication and authorization
on: a policy of the size operators write (three statements, wildcards, a condition)."""


async def access_bench(env: dict[str, str], work: Path, plan_arn: str, tag: str,
                       results: dict[str, Any], *, gateway_pid: int,
                       others: dict[str, list[int]], seconds: float = 3.0,
                       profile: Path | None = None, cpu_rounds: int = 1,
                       cpu_count: int = 1000) -> None:
    """StartIncident over gRPC through three gateways on the same services, interleaved:
    ``on`` (the real one: signed by a policy-file principal, throttled, audited and checked
    against its policy), ``auth`` (signatures and authorization alone) and ``off`` (none of
    it, :mod:`bench.open_gateway`). With ``profile``, py-spy then samples each gateway
    under 64 callers into ``profile/access-<name>.txt`` (collapsed stacks). CPU per call
    in each process: ``cpu_count`` calls at 64 callers through each gateway, ``cpu_rounds``
    times, the medians."""
    signer = SigV4Signer("BENCHOPERATOR", "bench-operator-secret", region=f"bench{tag}")
    gateways: list[asyncio.subprocess.Process] = []
    addresses = {"on": env["TOCSIN_GRPC_ADDR"]}
    taken = {env["TOCSIN_GRPC_ADDR"], env["TOCSIN_HTTP_ADDR"]}
    try:
        for name, mode in (("off", "off"), ("auth", "authorization")):
            ports: list[str] = []
            while len(ports) < 2:
                address = f"127.0.0.1:{free_port()}"
                if address not in taken:
                    taken.add(address)
                    ports.append(address)
            addresses[name] = ports[0]
            gateways.append(await spawn(
                ["-m", "bench.open_gateway"],
                {**env, "TOCSIN_GRPC_ADDR": ports[0], "TOCSIN_HTTP_ADDR": ports[1],
                 "BENCH_ACCESS": mode}, work / f"gateway-{name}.log"))
        async with contextlib.AsyncExitStack() as stack:
            channels = {name: await stack.enter_async_context(grpc.aio.insecure_channel(
                address, interceptors=None if name == "off" else signer.interceptors()))
                for name, address in addresses.items()}
            for channel in channels.values():
                await wait_ready(channel, time.monotonic() + 60)

            def start_request() -> pb.StartIncidentRequest:
                return pb.StartIncidentRequest(response_plan_arn=plan_arn, title="bench",
                                               client_token=str(uuid.uuid4()))

            for callers in (1, 64) if seconds > 0 else ():
                figures: dict[str, list[float]] = {name: [] for name in channels}
                for _ in range(2):  # interleaved, so drift on a shared machine hits all
                    for name, channel in channels.items():
                        r = await load(pb_grpc.IncidentsStub(channel).StartIncident,
                                       start_request, callers=callers, seconds=seconds,
                                       warmup=0.5)
                        if r["errors"]:
                            raise RuntimeError(f"StartIncident ({name}) failed {r['errors']} "
                                               "times: see the gateway logs")
                        figures[name].append(r["rps"])
                rps = {name: sum(f) / len(f) for name, f in figures.items()}
                for name in ("off", "auth", "on"):
                    line(f"start_incident_grpc_access_{name}_c{callers}_throughput", rps[name],
                         "req/s", results)
                for name in ("auth", "on"):
                    line(f"start_incident_grpc_access_{name}_cost_c{callers}",
                         100 * (1 - rps[name] / max(rps["off"], 1e-9)), "% slower", results)
            # The same in CPU time, steady where the throughputs above move with the rest
            # of the machine: what each gateway spends per call, and what access adds to
            # the whole call's CPU (gateway, incidents, NATS, PostgreSQL).
            pids = {"on": gateway_pid, "off": gateways[0].pid, "auth": gateways[1].pid}
            if profile is not None and seconds > 0:
                for name, channel in channels.items():
                    await _sampled(pids[name], profile / f"access-{name}.txt", seconds,
                                   load(pb_grpc.IncidentsStub(channel).StartIncident,
                                        start_request, callers=64, seconds=seconds,
                                        warmup=0))
            # Each gateway measured ``cpu_rounds`` times, the order turning each round so
            # that the machine's drift and each gateway's place in the order hit all alike;
            # the medians reported.
            measured: dict[str, dict[str, list[float]]] = {name: {} for name in channels}
            transactions: dict[str, list[float]] = {name: [] for name in channels}
            messages: list[float] = []
            order = list(channels)
            async with connect([env["TOCSIN_NATS_URL"]], name="tocsin-bench-audit-count") as bus:
                stream = f"AUDIT_{env['TOCSIN_REGION'].upper()}"
                for round_ in range(cpu_rounds):
                    for name in order[round_ % len(order):] + order[:round_ % len(order)]:
                        meter = CpuMeter({"gateway": [pids[name]], **others},
                                         trees=("postgres",))
                        await meter.idle(2)
                        stored = (await bus.js.stream_info(stream)).state.messages
                        written = await write_transactions(env["TOCSIN_DATABASE_URL"])
                        meter.start()
                        await counted_starts(pb_grpc.IncidentsStub(channels[name]),
                                             plan_arn, count=cpu_count)
                        for process, us in meter.per(cpu_count).items():
                            measured[name].setdefault(process, []).append(us)
                        # How well the incidents service grouped the starts (fewer
                        # transactions, less CPU in it and PostgreSQL per start).
                        transactions[name].append((await write_transactions(
                            env["TOCSIN_DATABASE_URL"]) - written) / cpu_count)
                        if name == "on":
                            # The audit trail's JetStream messages per call (records of
                            # concurrent calls share one).
                            messages.append(((await bus.js.stream_info(stream)).state.messages
                                             - stored) / cpu_count)
            results["access_cpu_rounds"] = measured
            whole: dict[str, float] = {}
            for name in channels:
                for process, per_round in measured[name].items():
                    line(f"cpu_per_start_incident_access_{name}_{process}",
                         statistics.median(per_round), "us", results)
                whole[name] = statistics.median(map(sum, zip(*measured[name].values(),
                                                             strict=True)))
                line(f"cpu_per_start_incident_access_{name}", whole[name], "us", results)
                line(f"pg_write_transactions_per_start_incident_access_{name}",
                     statistics.median(transactions[name]), "xacts", results)
            line("audit_messages_per_start_incident_c64", statistics.median(messages),
                 "messages", results)
            for name in ("auth", "on"):
                line(f"start_incident_access_{name}_cpu_cost",
                     100 * (whole[name] / max(whole["off"], 1e-9) - 1), "% more CPU", results)
    finally:
        for gateway in gateways:
            await stop(gateway)
    line("access_check_cpu_per_call", await access_cpu(env, plan_arn), "us", results)
    for callers, us in (await audit_cpu(env, plan_arn)).items():
        line(f"audit_cpu_per_record_c{callers}", us, "us", results)
    for callers, (on, off) in (await pipeline_cpu(env, plan_arn)).items():
        line(f"access_pipeline_on_cpu_per_call_c{callers}", on, "us", results)
        line(f"access_pipeline_off_cpu_per_call_c{callers}", off, "us", results)


async def _sampled(pid: int, out: Path, seconds: float, body: Any) -> None:
    """py-spy's collapsed stacks of process ``pid`` while ``body`` runs."""
    out.parent.mkdir(parents=True, exist_ok=True)
    spy = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid),
        "--duration", str(int(seconds)), "--rate", "200", "--format", "raw", "--output",
        str(out), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    done = await body
    await spy.wait()
    print(f"profile: {out} ({done['rps'] * seconds:.0f} calls)", flush=True)


async def access_cpu(env: dict[str, str], plan_arn: str, count: int = 3000) -> float:
    """What authentication and authorization of one signed StartIncident cost in the
    gateway's process, alone (signature check, key lookup, policy evaluation): the
    steady figure beside the throughputs above, which a shared machine makes noisy."""
    settings = GatewaySettings(access_keys=Secret(env["TOCSIN_ACCESS_KEYS"]),
                               policy_file=env["TOCSIN_POLICY_FILE"],
                               region=env["TOCSIN_REGION"])
    checks = build_access(settings, _NoServices())  # type: ignore[arg-type]
    authorization = next(s for s in checks.gate.steps if isinstance(s, Authorization))
    signer = SigV4Signer("BENCHOPERATOR", "bench-operator-secret", region=settings.region)
    method = "/tocsin.incidents.v1.Incidents/StartIncident"
    body = pb.StartIncidentRequest(response_plan_arn=plan_arn, title="bench").SerializeToString()
    metadata = signer.metadata(method, body)
    started = time.perf_counter()
    for _ in range(count):
        principal = checks.authenticator.grpc(method, metadata, body,
                                              service=("tocsin",))
        await authorization.check(Call(
            face=Face.GRPC, api="ssm-incidents", operation="StartIncident",
            principal=principal, params={"responsePlanArn": plan_arn, "title": "bench"},
            request_id="bench", source_ip="127.0.0.1", resources=(plan_arn,)))
    return (time.perf_counter() - started) / count * 1e6


async def audit_cpu(env: dict[str, str], plan_arn: str, count: int = 3000
                    ) -> dict[int, float]:
    """What the audit trail costs the gateway's process per StartIncident, alone: the
    record made, encoded, published and acknowledged as the gateway does it, ``count``
    records from 1 and from 64 callers at once (the records of concurrent calls share
    messages, :mod:`tocsin.gateway.audit_batches`); CPU microseconds per record."""
    principal = Principal(arn="arn:tocsin:iam::000000000000:user/bench-operator",
                          account="000000000000", access_key_id="BENCHOPERATOR")
    figures: dict[int, float] = {}
    async with connect([env["TOCSIN_NATS_URL"]], name="tocsin-bench-audit") as bus:
        trail = AuditTrail(bus, region=env["TOCSIN_REGION"], account="000000000000")
        await trail.start()
        for callers in (1, 64):
            left = count

            async def caller() -> None:
                nonlocal left
                while left > 0:
                    left -= 1
                    token = str(uuid.uuid4())
                    await trail.record(Call(
                        face=Face.GRPC, api="ssm-incidents", operation="StartIncident",
                        principal=principal, params={"responsePlanArn": plan_arn,
                                                     "title": "bench", "clientToken": token},
                        request_id=token, source_ip="127.0.0.1", user_agent="grpc-python",
                        resources=(plan_arn,)), response={
                        "incidentRecordArn": f"{plan_arn}/{token}".replace(
                            "response-plan", "incident-record")})

            started = time.process_time()
            await asyncio.gather(*(caller() for _ in range(callers)))
            figures[callers] = (time.process_time() - started) / count * 1e6
        await trail.close()
    return figures


async def pipeline_cpu(env: dict[str, str], plan_arn: str, count: int = 3000
                       ) -> dict[int, tuple[float, float]]:
    """The gateway's whole access pipeline for one signed StartIncident, in this process,
    beside the same calls through a pipeline without steps: signature check, throttle,
    authorization and the audit record written to the bench's NATS (as the gateway
    writes it), with a service that answers at once; ``count`` calls from 1 and from 64
    callers; CPU microseconds per call (on, off). Steady where the throughputs move: what
    access adds to the gateway's CPU per call, the gRPC server's own work aside."""
    settings = GatewaySettings(access_keys=Secret(env["TOCSIN_ACCESS_KEYS"]),
                               policy_file=env["TOCSIN_POLICY_FILE"],
                               region=env["TOCSIN_REGION"])
    signer = SigV4Signer("BENCHOPERATOR", "bench-operator-secret", region=settings.region)
    method = "/tocsin.incidents.v1.Incidents/StartIncident"
    figures: dict[int, tuple[float, float]] = {}
    async with connect([env["TOCSIN_NATS_URL"]], name="tocsin-bench-pipeline") as bus:
        trail = AuditTrail(bus, region=settings.region, account=settings.account)
        await trail.start()
        answering = _Answering(plan_arn)
        on = build_access(settings, answering, audit_trail=trail)  # type: ignore[arg-type]
        off = Gate(answering)
        for callers in (1, 64):
            per: dict[str, float] = {}
            for name in ("off", "on", "off", "on"):  # interleaved
                signed = []
                for _ in range(count):
                    token = str(uuid.uuid4())
                    body = pb.StartIncidentRequest(response_plan_arn=plan_arn, title="bench",
                                                   client_token=token).SerializeToString()
                    signed.append((token, body, signer.metadata(method, body)))
                pending = iter(signed)

                async def caller(name: str = name, pending: Any = pending) -> None:
                    for token, body, metadata in pending:
                        principal = on.authenticator.grpc(method, metadata, body,
                                                          service=("tocsin",)) \
                            if name == "on" else grpc_server_principal
                        await (on.gate if name == "on" else off)(Call(
                            face=Face.GRPC, api="ssm-incidents", operation="StartIncident",
                            principal=principal, params={
                                "responsePlanArn": plan_arn, "title": "bench",
                                "clientToken": token},
                            request_id=token, source_ip="127.0.0.1",
                            user_agent="grpc-python"))

                started = time.process_time()
                await asyncio.gather(*(caller() for _ in range(callers)))
                per[name] = per.get(name, 0.0) + (time.process_time() - started) / count / 2
            figures[callers] = (per["on"] * 1e6, per["off"] * 1e6)
        await trail.close()
    return figures


grpc_server_principal = Principal(arn="arn:tocsin:iam::000000000000:user/BENCH",
                                  account="000000000000")
"""The caller of the pipeline without steps (as :mod:`bench.open_gateway`'s)."""


class _Answering:
    """A service that answers StartIncident at once (the pipeline's cost alone)."""

    def __init__(self, plan_arn: str) -> None:
        self._incident = plan_arn.replace("response-plan", "incident-record")

    async def call(self, api: str, operation: str, params: dict[str, Any], *,
                   principal: str, request_id: str) -> dict[str, Any]:
        return {"incidentRecordArn": f"{self._incident}/{request_id}"}

    async def call_service(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise AssertionError("the pipeline reads no resource policy here")


class _NoServices:
    async def call(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise AssertionError("the access check calls no service")

    async def call_service(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise AssertionError("the access check calls no service")


async def timeline_bench(stub: pb_grpc.IncidentsStub, plan_arn: str,
                         results: dict[str, Any]) -> None:
    """The first page of ListTimelineEvents on an incident with 10,000 events."""
    incident = (await stub.StartIncident(pb.StartIncidentRequest(
        response_plan_arn=plan_arn, title="busy incident"))).incident_record_arn
    now = time.time()
    pending = iter(range(10_000 - 2))  # the trigger and the start are already there

    async def writer() -> None:
        for n in pending:
            when = now - 10_000 + n
            await stub.CreateTimelineEvent(pb.CreateTimelineEventRequest(
                incident_record_arn=incident, event_type="Note", event_data=f'"note {n}"',
                event_time={"seconds": int(when)}))

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(32)))
    line("timeline_fill_10000_events", time.perf_counter() - started, "s", results)
    latencies = []
    for _ in range(300):
        t = time.perf_counter()
        page = await stub.ListTimelineEvents(pb.ListTimelineEventsRequest(
            incident_record_arn=incident))
        latencies.append((time.perf_counter() - t) * 1000)
    assert len(page.event_summaries) == 100
    latencies.sort()
    line("list_timeline_events_10k_first_page_p50", latencies[150], "ms", results)
    line("list_timeline_events_10k_first_page_p99", latencies[296], "ms", results)


async def dedupe_bench(stub: pb_grpc.IncidentsStub, plan_arn: str,
                       results: dict[str, Any]) -> None:
    """Fifty concurrent starts of one alarm must open exactly one incident."""
    alarm = f"arn:tocsin:cloudwatch:local-1:000000000000:alarm:bench-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    replies = await asyncio.gather(*(stub.StartIncident(pb.StartIncidentRequest(
        response_plan_arn=plan_arn, trigger_details=pb.TriggerDetails(
            source="aws.cloudwatch", trigger_arn=alarm, timestamp={"seconds": int(time.time())})))
        for _ in range(50)))
    line("dedupe_50_concurrent_starts_time", (time.perf_counter() - started) * 1000, "ms",
         results)
    line("dedupe_50_concurrent_starts_incidents",
         len({r.incident_record_arn for r in replies}), "count", results)


def percentile(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(len(sorted_ms) * q))]


async def contacts_bench(stub: pb_contacts_grpc.ContactsStub, results: dict[str, Any]) -> None:
    """ListRotationShifts of a 30-person daily rotation over a year, and StartEngagement of
    an escalation plan of 3 stages of 10 contacts."""
    people = []
    for n in range(30):
        people.append((await stub.CreateContact(pbc.CreateContactRequest(
            alias=f"responder-{n}", type=pbc.CONTACT_TYPE_PERSONAL,
            plan=pbc.Plan()))).contact_arn)
    now = int(time.time())
    rotation = (await stub.CreateRotation(pbc.CreateRotationRequest(
        name="year-long", contact_ids=people, time_zone_id="America/New_York",
        start_time={"seconds": now - 86400},
        recurrence=pbc.RecurrenceSettings(number_of_on_calls=1, recurrence_multiplier=1,
                                          daily_settings=[pbc.HandOffTime(
                                              hour_of_day=9, minute_of_hour=0)])))).rotation_arn
    latencies = []
    for _ in range(100):
        t = time.perf_counter()
        reply = await stub.ListRotationShifts(pbc.ListRotationShiftsRequest(
            rotation_id=rotation, start_time={"seconds": now},
            end_time={"seconds": now + 365 * 86400}, max_results=1024))
        latencies.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    line("list_rotation_shifts_30_daily_1y_shifts", len(reply.rotation_shifts), "count", results)
    line("list_rotation_shifts_30_daily_1y_p50", percentile(latencies, 0.5), "ms", results)
    line("list_rotation_shifts_30_daily_1y_p99", percentile(latencies, 0.99), "ms", results)
    stages = [pbc.Stage(duration_in_minutes=5, targets=[
        pbc.Target(contact_target_info=pbc.ContactTargetInfo(contact_id=arn, is_essential=False))
        for arn in people[10 * k:10 * (k + 1)]]) for k in range(3)]
    escalation = (await stub.CreateContact(pbc.CreateContactRequest(
        alias="three-by-ten", type=pbc.CONTACT_TYPE_ESCALATION,
        plan=pbc.Plan(stages=stages)))).contact_arn
    latencies = []
    for n in range(100):
        t = time.perf_counter()
        await stub.StartEngagement(pbc.StartEngagementRequest(
            contact_id=escalation, sender="bench", subject=f"bench {n}", content="bench",
            idempotency_token=uuid.uuid4().hex))
        latencies.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    line("start_engagement_3x10_p50", percentile(latencies, 0.5), "ms", results)
    line("start_engagement_3x10_p99", percentile(latencies, 0.99), "ms", results)


async def raw_bench(seconds: float, warmup: float, results: dict[str, Any]) -> None:
    """The baseline: a bare grpc.aio unary call at 1 and 64 callers."""
    raw_port = free_port()
    raw = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.raw_server", "--port", str(raw_port),
        stdout=asyncio.subprocess.PIPE)
    try:
        assert raw.stdout is not None
        await raw.stdout.readline()
        async with grpc.aio.insecure_channel(f"127.0.0.1:{raw_port}") as channel:
            call = channel.unary_unary("/tocsin.incidents.v1.Incidents/StartIncident")
            raw_request = pb.StartIncidentRequest(
                response_plan_arn="arn:tocsin:ssm-incidents::000000000000:response-plan/bench",
                title="bench", client_token=str(uuid.uuid4())).SerializeToString()
            for callers in (1, 64):
                r = await load(call, lambda: raw_request, callers=callers, seconds=seconds,
                               warmup=warmup)
                results[f"raw_{callers}"] = r
                line(f"raw_grpc_unary_c{callers}_throughput", r["rps"], "req/s", results)
                line(f"raw_grpc_unary_c{callers}_p99", r["p99"], "ms", results)
    finally:
        raw.terminate()
        await raw.wait()


async def main(seconds: float, warmup: float, *, only: str | None = None,
               access_seconds: float = 3.0, profile: Path | None = None,
               cpu_rounds: int = 1, cpu_count: int = 1000) -> None:
    """Every part, or ``only`` one: ``access``, ``grpc`` (the raw grpc.aio baseline,
    StartIncident at 1 and 64 callers, its CPU per call in each process, the ratios),
    ``notifications`` or ``alarms``."""
    results: dict[str, Any] = {}
    work = Path(tempfile.mkdtemp(prefix="tocsin-bench-"))
    servers: list[EmbeddedServer] = []
    procs: list[asyncio.subprocess.Process] = []
    stops: list[Callable[[], None]] = []
    nats_url = os.environ.get("TOCSIN_NATS_URL") or ""
    db_url = os.environ.get("TOCSIN_DATABASE_URL") or ""
    if not os.environ.get("TOCSIN_MASTER_KEY_FILE"):  # as `make run` makes one
        write_master_key_file(work / "master.key", [new_master_key_line()])
        os.environ["TOCSIN_MASTER_KEY_FILE"] = str(work / "master.key")
    if not nats_url:
        servers.append(nats_server(work / "nats", log=work / "nats.log"))
        nats_url = servers[-1].url
    if not db_url:
        servers.append(postgres_server(work / "pg", log=work / "pg.log"))
        db_url = servers[-1].url
    try:
        if only in (None, "grpc"):
            await raw_bench(seconds, warmup, results)
        if only in (None, "notifications"):
            # The notifications service alone (with a contacts process of its own, so
            # before the others start: requests to a service go to any of its instances).
            await notifications_bench(nats_url, db_url, work, lambda name, value, unit: line(
                name, value, unit, results), servers={s.name: [s.process.pid]
                                                      for s in servers})
        if only == "notifications":
            _write(results)
            return

        # Tocsin: the incidents, contacts and notifications services and the gateway, each
        # its own process; notifications mails to an SMTP server in this process.
        mailbox = Mailbox()
        smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
        smtp.start()
        stops.append(smtp.stop)
        tag = uuid.uuid4().hex[:8]
        grpc_port, http_port = free_port(), free_port()
        policy_file = work / "policy.json"
        policy_file.write_text(json.dumps(ACCESS_POLICY))
        env = {"TOCSIN_SMTP_HOST": "127.0.0.1", "TOCSIN_SMTP_PORT": str(smtp.port),
               "TOCSIN_NATS_URL": nats_url, "TOCSIN_DATABASE_URL": db_url,
               "TOCSIN_REGION": f"bench{tag}", "TOCSIN_SCHEMA_PREFIX": f"bench{tag}_",
               "TOCSIN_GRPC_ADDR": f"127.0.0.1:{grpc_port}",
               "TOCSIN_HTTP_ADDR": f"127.0.0.1:{http_port}",
               "TOCSIN_ACCESS_KEYS": "BENCH:bench-secret", "TOCSIN_LOG_LEVEL": "warning",
               "TOCSIN_POLICY_FILE": str(policy_file),
               "TOCSIN_LOG_JSON": "true",
               # Served as in production (each process its own port), so the figures
               # include what measuring costs.
               "TOCSIN_METRICS_ADDR": "127.0.0.1:0"}
        incidents = await spawn(["-m", "tocsin.incidents"], env, work / "incidents.log")
        contacts = await spawn(["-m", "tocsin.contacts"], env, work / "contacts.log")
        gateway = await spawn(["-m", "tocsin.gateway"], env, work / "gateway.log")
        notifications = await spawn(["-m", "tocsin.notifications"], env,
                                    work / "notifications.log")
        procs += [incidents, contacts, gateway, notifications]
        signer = SigV4Signer("BENCH", "bench-secret", region=f"bench{tag}")
        async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}",
                                             interceptors=signer.interceptors()) as channel:
            await wait_ready(channel, time.monotonic() + 60)
            await asyncio.sleep(3)  # let both processes settle before reading their memory
            line("incidents_idle_rss", rss_mb(incidents.pid), "MB", results)
            line("contacts_idle_rss", rss_mb(contacts.pid), "MB", results)
            line("gateway_idle_rss", rss_mb(gateway.pid), "MB", results)
            stub = pb_grpc.IncidentsStub(channel)
            await stub.CreateReplicationSet(pb.CreateReplicationSetRequest(
                regions={f"bench{tag}": pb.RegionMapInputValue()}))
            plan = await stub.CreateResponsePlan(pb.CreateResponsePlanRequest(
                name="bench", incident_template=pb.IncidentTemplate(
                    title="Benchmark incident", impact=3)))

            others = {"incidents": [incidents.pid],
                      **{s.name: [s.process.pid] for s in servers}}
            scaled = {**others, "contacts": [contacts.pid],
                      "notifications": [notifications.pid]}
            if only == "alarms":
                await alarms.alarms_bench(
                    channel, nats_url=nats_url, db_url=db_url, region=f"bench{tag}",
                    schema_prefix=f"bench{tag}_", plan_name="bench", results=results,
                    line=line, mailbox=mailbox, processes=scaled)
            elif only == "access":
                await access_bench(env, work, plan.arn, tag, results,
                                   gateway_pid=gateway.pid, others=others,
                                   seconds=access_seconds, profile=profile,
                                   cpu_rounds=cpu_rounds, cpu_count=cpu_count)
            else:
                if only is None:
                    # The console first, while the list holds only its own incidents (the
                    # loads below leave thousands open).
                    await console_bench(stub, http=f"http://127.0.0.1:{http_port}",
                                        key=("BENCH", "bench-secret"), plan_arn=plan.arn,
                                        results=results, line=line)

                def start_request() -> pb.StartIncidentRequest:
                    return pb.StartIncidentRequest(response_plan_arn=plan.arn, title="bench",
                                                   client_token=str(uuid.uuid4()))

                for callers in (1, 64):
                    r = await load(stub.StartIncident, start_request, callers=callers,
                                   seconds=seconds, warmup=warmup)
                    results[f"tocsin_{callers}"] = r
                    line(f"start_incident_grpc_c{callers}_throughput", r["rps"], "req/s",
                         results)
                    line(f"start_incident_grpc_c{callers}_p50", r["p50"], "ms", results)
                    line(f"start_incident_grpc_c{callers}_p99", r["p99"], "ms", results)
                    line(f"start_incident_grpc_c{callers}_errors", r["errors"], "count",
                         results)
                # What one start costs in each process (CPU time over a counted load):
                # steady where the throughputs above move with whatever else runs.
                meter = CpuMeter({"gateway": [gateway.pid], "incidents": [incidents.pid],
                                  **{s.name: [s.process.pid] for s in servers}},
                                 trees=("postgres",))
                await meter.idle()
                meter.start()
                await counted_starts(stub, plan.arn, count=2000)
                for name, us in meter.per(2000).items():
                    line(f"cpu_per_start_incident_{name}", us, "us", results)
            if only is None:
                await access_bench(env, work, plan.arn, tag, results,
                                   gateway_pid=gateway.pid, others=others,
                                   seconds=access_seconds)
                await timeline_bench(stub, plan.arn, results)
                await dedupe_bench(stub, plan.arn, results)
                await contacts_bench(pb_contacts_grpc.ContactsStub(channel), results)
                await alarms.alarms_bench(channel, nats_url=nats_url, db_url=db_url,
                                          region=f"bench{tag}", schema_prefix=f"bench{tag}_",
                                          plan_name="bench", results=results, line=line,
                                          mailbox=mailbox, processes=scaled)
        if only in (None, "grpc"):
            for callers in (1, 64):
                ratio = results[f"tocsin_{callers}"]["rps"] / max(
                    results[f"raw_{callers}"]["rps"], 1e-9)
                line(f"start_incident_vs_raw_c{callers}", 100 * ratio, "%", results)
        if only is None:
            # Requests to a service go to any of its instances, whatever their region:
            # the parts below start their own on regions and schemas of their own, so
            # these stop.
            for proc in procs:
                await stop(proc)
            procs.clear()
            await storm_bench(nats_url, db_url, work, lambda name, value, unit: line(
                name, value, unit, results))
            await timers_bench(env, work, results, line)
            await runbooks_bench(nats_url, db_url, work, results, line)
            await analysis_bench(env, work, lambda name, value, unit: line(
                name, value, unit, results))
            await protection_bench(lambda name, value, unit: line(name, value, unit, results))
            await regions_bench(lambda name, value, unit: line(name, value, unit, results),
                                database_url=db_url)
            await takeover_bench(lambda name, value, unit: line(name, value, unit, results),
                                 database_url=db_url)
    finally:
        for proc in procs:
            await stop(proc)
        for stop_server in stops:
            stop_server()
        for server in reversed(servers):
            server.stop()
    _write(results)


def _write(results: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"results written to {out}")


async def protection_only() -> None:
    """``--only protection``: issue 17's part alone (its own servers and stacks)."""
    results: dict[str, Any] = {}
    await protection_bench(lambda name, value, unit: line(name, value, unit, results))
    _write(results)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, help="measured time per load (default 10; "
                        "the access part's loads 3)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured time per load")
    parser.add_argument("--only",
                        choices=["access", "grpc", "notifications", "alarms", "protection"],
                        help="run one part alone: access (StartIncident with access on, "
                        "on without audit, and off; 3 s loads unless --seconds), grpc "
                        "(StartIncident at 1 and 64 callers beside the raw grpc.aio "
                        "baseline, and its CPU per call), notifications (the fan-out of "
                        "1,300 pages, SMTP, rate limits), alarms (alarm to incident, the "
                        "duplicate storm, alarm to page), or protection (encryption at rest "
                        "and NATS identities on beside off: StartIncident and alarm → page; "
                        "about a minute)")
    parser.add_argument("--cpu-rounds", type=int, default=1,
                        help="with --only access: measure each gateway's CPU per call this "
                        "many times, interleaved, and report the medians")
    parser.add_argument("--cpu-count", type=int, default=1000,
                        help="with --only access: calls per CPU measurement")
    parser.add_argument("--profile", type=Path,
                        help="with --only access: py-spy's collapsed stacks of each gateway "
                        "under 64 callers, into this folder")
    a = parser.parse_args()
    if a.only == "protection":
        asyncio.run(protection_only())
        raise SystemExit(0)
    asyncio.run(main(a.seconds or 10.0, a.warmup, only=a.only,
                     access_seconds=3.0 if a.seconds is None else a.seconds,
                     profile=a.profile, cpu_rounds=a.cpu_rounds, cpu_count=a.cpu_count))
