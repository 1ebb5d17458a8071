"""Alarm ingestion benchmarks, run by ``python -m bench`` against its incidents and contacts
processes (bounded: about 40 seconds).

- ``alarm_to_incident``: CloudWatch alarms (each a new alarm) published on
  ``alarms.cloudwatch`` at 100 per second; latency from the publish to the incident's
  ``IncidentRecordCreated`` event, which the outbox relay publishes once the incident's
  transaction has committed (so: committed, plus the relay's hop).
- ``duplicate_storm``: thousands of state changes of one alarm, all joining its open
  incident, published while the ingestion consumer is paused and then drained by it;
  beside it, in the same run, the rate of a bare JetStream pull consumer that fetches and
  acks a backlog of as many messages of the same size, doing nothing else.
- ``alarm_to_page``: alarms for a plan that engages a contact whose plan pages at once
  (a 0-minute stage); latency from the publish to the page's delivery request on
  ``DELIVERIES_<REGION>``, and on to the page email accepted by the SMTP server that the
  notifications service sends to.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import msgspec
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig

from bench.meter import CpuMeter, write_transactions
from bench.notifications import Mailbox
from tocsin.proto.contacts.v1 import contacts_pb2 as pbc
from tocsin.proto.contacts.v1 import contacts_pb2_grpc as pb_contacts_grpc
from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc as pb_grpc
from tocsin.shared import codec
from tocsin.shared.bus import Bus, connect
from tocsin.shared.testing import open_delivery, wait_for

Line = Callable[[str, float, str, dict[str, Any]], None]


def alarm(name: str) -> dict[str, Any]:
    """A CloudWatch "Alarm State Change" into ALARM."""
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch", "account": "111122223333", "time": "2024-03-05T09:20:41Z",
        "region": "eu-west-1",
        "resources": [f"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{name}"],
        "detail": {"alarmName": name, "state": {
            "value": "ALARM", "reason": "Threshold Crossed",
            "timestamp": "2024-03-05T09:20:41.515+0000"},
            "configuration": {"metrics": [{"id": "m1", "returnData": True, "metricStat": {
                "metric": {"namespace": "AWS/EC2", "name": "CPUUtilization",
                           "dimensions": {"InstanceId": "i-0123456789abcdef0"}},
                "period": 60, "stat": "Average"}}]}},
    }


def percentile(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(len(sorted_ms) * q))] if sorted_ms else 0.0


async def _paced(bus: Bus, plan: str, *, rate: float, seconds: float,
                 sent: dict[str, float]) -> None:
    """Publish one new alarm every 1/rate seconds; remember when each alarm ARN went out."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    n = 0
    while (due := start + n / rate) < start + seconds:
        await asyncio.sleep(max(0.0, due - loop.time()))
        event = alarm(f"bench-{uuid.uuid4().hex[:12]}")
        sent[event["resources"][0]] = time.perf_counter()
        await bus.js.publish("alarms.cloudwatch", msgspec.json.encode(event),
                             headers={"Tocsin-Response-Plan": plan})
        n += 1


async def _incident_latency(bus: Bus, region: str, plan: str, results: dict[str, Any],
                            line: Line) -> None:
    sent: dict[str, float] = {}
    latencies: list[float] = []

    async def created(msg: Any) -> None:
        envelope = codec.decode(msg.data, codec.Envelope)
        source = envelope.data["incidentRecord"]["incidentRecordSource"]
        at = sent.get(source.get("resourceArn", ""))
        if at is not None:
            latencies.append((time.perf_counter() - at) * 1000)

    sub = await bus.nc.subscribe(f"events.{region}.incidents.IncidentRecordCreated",
                                 cb=created)
    await _paced(bus, plan, rate=100, seconds=10, sent=sent)
    with contextlib.suppress(AssertionError):  # report what arrived within 10 s
        await wait_for(lambda: len(latencies) >= len(sent), timeout=10, interval=0.1)
    await sub.unsubscribe()
    latencies.sort()
    line("alarm_to_incident_100ps_alarms", len(sent), "count", results)
    line("alarm_to_incident_100ps_opened", len(latencies), "count", results)
    line("alarm_to_incident_100ps_p50", percentile(latencies, 0.5), "ms", results)
    line("alarm_to_incident_100ps_p99", percentile(latencies, 0.99), "ms", results)


async def _raw_fetch_ack(bus: Bus, body: bytes, count: int,
                         meter: CpuMeter | None = None) -> tuple[float, dict[str, float]]:
    """Messages per second a bare pull consumer fetches and acks, and the CPU per message
    of ``meter``'s processes meanwhile (none without one)."""
    tag = uuid.uuid4().hex[:8]
    stream, subject = f"BENCHRAW_{tag}", f"benchraw.{tag}"
    await bus.js.add_stream(StreamConfig(name=stream, subjects=[subject]))
    try:
        await asyncio.gather(*(bus.js.publish(subject, body) for _ in range(count)))
        await bus.js.add_consumer(stream, ConsumerConfig(
            durable_name="raw", ack_policy=AckPolicy.EXPLICIT, max_ack_pending=4096))
        psub = await bus.js.pull_subscribe_bind("raw", stream=stream)
        taken = 0
        if meter is not None:
            await meter.idle(2)
            meter.start()
        started = time.perf_counter()
        while taken < count:
            for msg in await psub.fetch(batch=64, timeout=5):
                await msg.ack()
                taken += 1
        elapsed = time.perf_counter() - started
        await psub.unsubscribe()
        return count / elapsed, {} if meter is None else meter.per(count)
    finally:
        await bus.js.delete_stream(stream)


async def _storm(bus: Bus, schema_prefix: str, plan: str, results: dict[str, Any],
                 line: Line, processes: dict[str, list[int]], db_url: str) -> None:
    count = 3000
    name = f"storm-{uuid.uuid4().hex[:8]}"
    events = [alarm(name) for _ in range(count)]
    bodies = [msgspec.json.encode(e) for e in events]
    # NATS's CPU only when the bench started it (not one TOCSIN_NATS_URL names).
    raw_rate, raw_cpu = await _raw_fetch_ack(
        bus, bodies[0], count,
        CpuMeter({"nats": processes["nats"]}) if "nats" in processes else None)
    # The first one opens the incident; time only the duplicates joining it.
    await bus.js.publish("alarms.cloudwatch", bodies[0], headers={"Tocsin-Response-Plan": plan})
    durable = f"{schema_prefix}incidents-alarms"

    async def drained() -> bool:
        info = await bus.js.consumer_info("ALARMS", durable)
        return bool(info.num_pending == 0 and info.num_ack_pending == 0)

    await wait_for(drained, timeout=30)
    # Paused, the consumer lets the storm pile up in the stream, as the raw consumer's
    # messages do; then both drain a backlog of the same size.
    await bus.js.pause_consumer("ALARMS", durable, "2999-01-01T00:00:00Z")
    await asyncio.gather(*(bus.js.publish("alarms.cloudwatch", b,
                                          headers={"Tocsin-Response-Plan": plan})
                           for b in bodies[1:]))
    before = (await bus.js.consumer_info("ALARMS", durable)).delivered.stream_seq
    meter = CpuMeter(processes, trees=("postgres",))
    await meter.idle(2)
    written = await write_transactions(db_url)
    await bus.js.resume_consumer("ALARMS", durable)
    # A pull request made while paused waits out its expiry: time from the first delivery,
    # and count CPU from then too (the polls below cost NATS ~0.4 ms each, seconds of them
    # until the expiry: more than the storm's own work).
    async def delivering() -> bool:
        return bool((await bus.js.consumer_info("ALARMS", durable)).delivered.stream_seq
                    != before)

    await wait_for(delivering, timeout=30, interval=0.005)
    meter.start()
    started = time.perf_counter()
    await wait_for(drained, timeout=60, interval=0.02)
    elapsed = time.perf_counter() - started
    per = meter.per(count - 1)
    storm_rate = (count - 1) / elapsed
    line("duplicate_storm_alarms", count - 1, "count", results)
    line("duplicate_storm_throughput", storm_rate, "alarms/s", results)
    line("raw_jetstream_fetch_ack_throughput", raw_rate, "msgs/s", results)
    line("duplicate_storm_vs_raw_fetch_ack", 100 * storm_rate / raw_rate, "%", results)
    if "nats" in raw_cpu:
        line("raw_jetstream_fetch_ack_cpu_per_msg_nats", raw_cpu["nats"], "us", results)
    for name, us in per.items():
        line(f"duplicate_storm_cpu_per_alarm_{name.replace('-', '_')}", us, "us", results)
    line("duplicate_storm_pg_write_transactions_per_alarm",
         (await write_transactions(db_url) - written) / (count - 1), "xacts", results)


async def _activation_code(bus: Bus, region: str, channel_arn: str) -> str:
    sub = await bus.js.subscribe(f"deliveries.{region}.activation-code",
                                 ordered_consumer=True)
    try:
        while True:
            msg = await sub.next_msg(timeout=10)
            delivery = await open_delivery(msg)
            if delivery.channel_arn == channel_arn:
                return str(delivery.code)
    finally:
        await sub.unsubscribe()


async def paging_plan(bus: Bus, channel: grpc.aio.Channel, region: str) -> str:
    """A response plan (its name) that engages a new contact whose plan mails it at once
    (a 0-minute stage) on an email channel activated with the code read from
    ``DELIVERIES_<REGION>``."""
    return await paging_plan_with(
        channel, lambda channel_arn: _activation_code(bus, region, channel_arn))


async def paging_plan_with(channel: grpc.aio.Channel,
                           activation_code: Callable[[str], Awaitable[str]]) -> str:
    """:func:`paging_plan`, the channel's activation code from ``activation_code`` (the
    SMTP server's copy, where the bench may not read ``DELIVERIES_<REGION>``)."""
    incidents = pb_grpc.IncidentsStub(channel)
    contacts = pb_contacts_grpc.ContactsStub(channel)
    contact = (await contacts.CreateContact(pbc.CreateContactRequest(
        alias=f"bench-pager-{uuid.uuid4().hex[:6]}", type=pbc.CONTACT_TYPE_PERSONAL,
        plan=pbc.Plan()))).contact_arn
    email = (await contacts.CreateContactChannel(pbc.CreateContactChannelRequest(
        contact_id=contact, name="email", type=pbc.CHANNEL_TYPE_EMAIL,
        delivery_address=pbc.ContactChannelAddress(simple_address="pager@example.com")))
    ).contact_channel_arn
    code = await activation_code(email)
    await contacts.ActivateContactChannel(pbc.ActivateContactChannelRequest(
        contact_channel_id=email, activation_code=code))
    await contacts.UpdateContact(pbc.UpdateContactRequest(contact_id=contact, plan=pbc.Plan(
        stages=[pbc.Stage(duration_in_minutes=0, targets=[pbc.Target(
            channel_target_info=pbc.ChannelTargetInfo(contact_channel_id=email))])])))
    plan = f"bench-paging-{uuid.uuid4().hex[:6]}"
    await incidents.CreateResponsePlan(pb.CreateResponsePlanRequest(
        name=plan, engagements=[contact],
        incident_template=pb.IncidentTemplate(title="Paging benchmark", impact=2)))
    return plan


async def _page_latency(bus: Bus, channel: grpc.aio.Channel, region: str,
                        results: dict[str, Any], line: Line, mailbox: Mailbox, *,
                        rate: float = 20, seconds: float = 8, name: str = "alarm_to_page"
                        ) -> None:
    plan = await paging_plan(bus, channel, region)
    sent: dict[str, float] = {}
    incident_alarm: dict[str, str] = {}
    pages: dict[str, float] = {}

    async def created(msg: Any) -> None:
        record = codec.decode(msg.data, codec.Envelope).data["incidentRecord"]
        incident_alarm[record["arn"]] = record["incidentRecordSource"].get("resourceArn", "")

    async def paged(msg: Any) -> None:
        page = await open_delivery(msg)
        if page.incident_id:
            pages.setdefault(page.incident_id, time.perf_counter())

    subs = [await bus.nc.subscribe(f"events.{region}.incidents.IncidentRecordCreated",
                                   cb=created),
            await bus.nc.subscribe(f"deliveries.{region}.page", cb=paged)]
    await _paced(bus, plan, rate=rate, seconds=seconds, sent=sent)
    with contextlib.suppress(AssertionError):  # report what arrived within 10 s
        await wait_for(lambda: len(pages) >= len(sent)
                       and len(mailbox.by_incident) >= len(sent), timeout=10, interval=0.1)
    for sub in subs:
        await sub.unsubscribe()
    latencies = sorted((at - sent[incident_alarm[arn]]) * 1000 for arn, at in pages.items()
                       if incident_alarm.get(arn) in sent)
    line(f"{name}_requested_alarms", len(sent), "count", results)
    line(f"{name}_requested_pages", len(latencies), "count", results)
    line(f"{name}_requested_p50", percentile(latencies, 0.5), "ms", results)
    line(f"{name}_requested_p99", percentile(latencies, 0.99), "ms", results)
    mailed = sorted((at - sent[incident_alarm[arn]]) * 1000
                    for arn, at in mailbox.by_incident.items()
                    if incident_alarm.get(arn) in sent)
    line(f"{name}_smtp_accepted_pages", len(mailed), "count", results)
    line(f"{name}_smtp_accepted_p50", percentile(mailed, 0.5), "ms", results)
    line(f"{name}_smtp_accepted_p99", percentile(mailed, 0.99), "ms", results)


async def alarms_bench(channel: grpc.aio.Channel, *, nats_url: str, db_url: str,
                       region: str, schema_prefix: str, plan_name: str,
                       results: dict[str, Any], line: Line, mailbox: Mailbox,
                       processes: dict[str, list[int]]) -> None:
    """Every alarm benchmark, against the running processes (plan ``plan_name`` exists);
    ``mailbox`` is the SMTP server the notifications service mails to; ``processes``
    (pids by name, ``postgres`` with its backends) are those whose CPU per duplicate the
    storm reports."""
    async with connect([nats_url], name="tocsin-bench-alarms") as bus:
        await _incident_latency(bus, region, plan_name, results, line)
        await _storm(bus, schema_prefix, plan_name, results, line, processes, db_url)
        await _page_latency(bus, channel, region, results, line, mailbox)
        # The same below saturation: what one page costs, not how long a queue grows.
        await _page_latency(bus, channel, region, results, line, mailbox, rate=2, seconds=20,
                            name="alarm_to_page_2ps")
