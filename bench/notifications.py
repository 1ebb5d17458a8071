"""The notifications service's benchmark: how fast pages leave Tocsin.

The notifications service runs as its own process (as ``make run`` starts it) against the
same NATS and PostgreSQL as the rest of the bench; this process publishes delivery
requests onto ``DELIVERIES_<REGION>`` exactly as the contacts service's outbox does, and
plays the providers: a local HTTP server speaking the generic signed-webhook API, and a
real SMTP server (aiosmtpd). Three figures, bounded to well under a minute:

- ``notifications_pages_1300_seconds``: 1,300 SMS pages to 1,300 numbers, from the first
  publish until the provider holds all of them, with no rate limit. The requests are
  sealed before the clock starts and published as the contacts service's outbox relay
  publishes (batches whose acknowledgements are awaited together): sealing happens when
  a page is made, so what is timed is the notifications service's work. Beside it, the
  raw baseline ``notifications_pages_1300_raw_seconds``: this process posting the same
  1,300 signed webhook requests to the same provider with aiohttp, all at once.
- ``notifications_rate_limited_*``: 50 activation codes then 50 pages on one provider
  limited to 10/s: how long they took, how many sends broke priority order (a code sent
  while a page still waited; the first, free token aside), how many held-back sends had
  their reason and expected time recorded.
- ``notifications_page_to_smtp_p50`` / ``_p99``: from publishing an email page to the SMTP
  server accepting it, 200 pages at 50 a second.
- ``notifications_engagement_to_smtp_p50`` / ``_p99``: the whole way, with the contacts
  service as its own process too: from ``StartEngagement`` of a contact with an email
  channel until the SMTP server has the page (through the contacts outbox, the stream and
  the notifications service), 100 engagements one after another.
- ``smtp_starttls_*``: email over STARTTLS with a login, kept connections beside a
  connection per mail (:mod:`bench.smtp`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiosmtpd.controller import Controller

from bench.meter import CpuMeter, write_transactions
from bench.smtp import smtp_bench
from tocsin.local.servers import free_port
from tocsin.shared import codec
from tocsin.shared.bus import Bus, connect, deliveries_stream, ensure_stream
from tocsin.shared.bus.connection import Outgoing
from tocsin.shared.contracts import deliveries as dc
from tocsin.shared.errors import ServiceUnavailable, TocsinError
from tocsin.shared.keys import Keks, KeyRing, remote_key_ring
from tocsin.shared.webhook_signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    webhook_headers,
    webhook_signature,
)

__all__ = ["Mailbox", "notifications_bench"]

Report = Callable[[str, float, str], None]
SECRET = "bench-webhook-secret"
OUTBOX_BATCH = 256
"""The outbox relay's batch (:class:`tocsin.shared.db.outbox.OutboxRelay`)."""


class _Provider:
    """A webhook provider that records what it got and when."""

    def __init__(self) -> None:
        self.received: list[tuple[float, dict[str, Any]]] = []
        self.done = asyncio.Event()
        self.expect = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        expected = webhook_signature(SECRET, body, url=str(request.url),
                                     timestamp=request.headers.get(TIMESTAMP_HEADER, ""))
        if request.headers.get(SIGNATURE_HEADER) != expected:
            return web.Response(status=401)
        self.received.append((time.perf_counter(), json.loads(body)))
        if len(self.received) >= self.expect:
            self.done.set()
        return web.json_response({"id": str(len(self.received))})


class Mailbox:
    """An SMTP server's handler (aiosmtpd runs it in a thread of its own)."""

    def __init__(self) -> None:
        self.accepted: dict[str, float] = {}
        """Page ARN → when its mail was accepted."""
        self.by_incident: dict[str, float] = {}
        """Incident ARN → when the first page mail about it was accepted."""
        self.codes: dict[str, str] = {}
        """Contact channel ARN → the activation code mailed to it."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        at = time.perf_counter()
        headers = BytesHeaderParser().parsebytes(envelope.content)
        if page := headers["X-Tocsin-Page-Arn"]:
            self.accepted[page] = at
        if incident := headers["X-Tocsin-Incident-Arn"]:
            self.by_incident.setdefault(incident, at)
        if code := headers["X-Tocsin-Activation-Code"]:
            self.codes[headers["X-Tocsin-Contact-Channel-Arn"]] = code
        return "250 OK"


@contextlib.asynccontextmanager
async def _service(env: dict[str, str], log: Path, bus: Bus,
                   service: str = "notifications") -> AsyncIterator[int]:
    """The service running as its own process; yields its pid."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", f"tocsin.{service}", env={**os.environ, **env},
        stdout=open(log, "wb"), stderr=asyncio.subprocess.STDOUT)  # noqa: ASYNC230
    probe = {"notifications": ("DescribeDelivery", {"DeliveryId": "ready"}),
             "contacts": ("ListContacts", {}),
             "incidents": ("ListReplicationSets", {})}[service]
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                await bus.request(f"tocsin.rpc.{service}.{probe[0]}", probe[1], timeout=1)
            except ServiceUnavailable:
                if time.monotonic() > deadline or proc.returncode is not None:
                    raise RuntimeError(f"{service} did not start; see {log}") from None
                await asyncio.sleep(0.2)
                continue
            except TocsinError:
                pass
            break
        yield proc.pid
    finally:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 20)
        except TimeoutError:
            proc.kill()


def _page(region_tag: str, i: int, channel_type: str, address: str) -> dc.PageDelivery:
    base = f"arn:tocsin:ssm-contacts:{region_tag}:000000000000"
    return dc.PageDelivery(
        id=str(uuid.uuid4()), page_arn=f"{base}:page/c{i}/{uuid.uuid4()}",
        engagement_arn=f"{base}:engagement/oncall/1", contact_arn=f"{base}:contact/c{i}",
        channel_arn=f"{base}:contact-channel/c{i}/1", channel_type=channel_type,  # type: ignore[arg-type]
        address=address, subject="Database down", content="The primary database is down.",
        accept_code=f"{100000 + i}", sender="bench", sent_at=datetime.now(UTC))


def _code(region_tag: str, i: int, address: str) -> dc.ActivationCodeDelivery:
    base = f"arn:tocsin:ssm-contacts:{region_tag}:000000000000"
    now = datetime.now(UTC)
    return dc.ActivationCodeDelivery(
        id=str(uuid.uuid4()), channel_arn=f"{base}:contact-channel/a{i}/1",
        contact_arn=f"{base}:contact/a{i}", type="SMS", address=address, code="123456",
        expires_at=now + timedelta(minutes=15), sent_at=now)


_rings: dict[str, KeyRing] = {}


async def _sealed(bus: Bus, region: str, requests: list[Any]) -> list[Outgoing]:
    """``requests`` sealed as the contacts service seals them, under the data key of the
    incidents service running for ``region``."""
    keys = _rings.get(region)
    if keys is None:
        keys = _rings[region] = remote_key_ring(
            bus, Keks(master_key_file=os.environ["TOCSIN_MASTER_KEY_FILE"]))
    return [Outgoing(dc.subject(region, dc.PAGE if isinstance(r, dc.PageDelivery)
                                else dc.ACTIVATION_CODE), await dc.seal(keys, r), r.id)
            for r in requests]


async def _publish_sealed(bus: Bus, messages: list[Outgoing]) -> None:
    """Publish as the outbox relay does: batches, each one's acknowledgements together."""
    for start in range(0, len(messages), OUTBOX_BATCH):
        await bus.publish_batch(messages[start:start + OUTBOX_BATCH])


async def _publish(bus: Bus, region: str, requests: list[Any]) -> None:
    """Seal and publish ``requests``."""
    await _publish_sealed(bus, await _sealed(bus, region, requests))


async def _raw_webhooks(url: str, provider: _Provider, count: int) -> float:
    """Seconds for this process to post ``count`` signed webhook requests to ``provider``
    at once with aiohttp, as the notifications service's webhook provider posts a page:
    the raw baseline of the fan-out."""
    provider.received.clear()
    provider.done.clear()
    provider.expect = count
    bodies = [json.dumps({"id": str(uuid.uuid4()), "channel": "SMS",
                          "to": f"+1555{i:07d}", "text": "The primary database is down."}
                         ).encode() for i in range(count)]
    async with aiohttp.ClientSession() as session:
        async def post(body: bytes) -> None:
            async with session.post(url, data=body, headers={
                    "Content-Type": "application/json",
                    **webhook_headers(SECRET, body, url=url)}) as reply:
                reply.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(post(b) for b in bodies))
        return time.perf_counter() - started


def _env(nats_url: str, db_url: str, region: str, providers: list[dict[str, Any]],
         **extra: str) -> dict[str, str]:
    return {"TOCSIN_NATS_URL": nats_url, "TOCSIN_DATABASE_URL": db_url,
            "TOCSIN_REGION": region, "TOCSIN_SCHEMA_PREFIX": f"{region}_",
            "TOCSIN_PROVIDERS": json.dumps(providers), "TOCSIN_LOG_LEVEL": "warning",
            "TOCSIN_LOG_JSON": "true", "TOCSIN_POOL_MAX": "20",
            # An incidents process holds the data key the requests are sealed with.
            "TOCSIN_ALARMS_FILTER": f"alarms.{region}.>",
            "TOCSIN_CHANGES_FILTER": f"changes.{region}.>", **extra}


async def notifications_bench(nats_url: str, db_url: str, work: Path, report: Report, *,
                              servers: dict[str, list[int]] | None = None) -> None:
    """Run the three measurements; ``report(name, value, unit)`` prints each figure.
    ``servers``: the pids of the NATS and PostgreSQL servers (by name) when this machine
    runs them, whose CPU per page is then reported too."""
    provider = _Provider()
    app = web.Application()
    app.router.add_post("/send", provider.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/send"
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        async with connect([nats_url], name="tocsin-bench-notifications") as bus:
            await _unlimited_and_smtp(bus, nats_url, db_url, work, url, provider, mailbox,
                                      smtp.port, report, servers or {})
            await _rate_limited(bus, nats_url, db_url, work, url, report)
        await smtp_bench(work, report)
    finally:
        smtp.stop()
        await runner.cleanup()


async def _unlimited_and_smtp(bus: Bus, nats_url: str, db_url: str, work: Path, url: str,
                              provider: _Provider, mailbox: Mailbox, smtp_port: int,
                              report: Report, servers: dict[str, list[int]]) -> None:
    region = f"bn{uuid.uuid4().hex[:8]}"
    await ensure_stream(bus.js, deliveries_stream(region))
    env = _env(nats_url, db_url, region, [{"name": "local", "kind": "webhook",
                                           "channels": ["SMS"], "url": url,
                                           "secret": SECRET}],
               TOCSIN_SMTP_HOST="127.0.0.1", TOCSIN_SMTP_PORT=str(smtp_port))
    async with _service(env, work / "incidents-unlimited.log", bus,
                        service="incidents") as incidents, \
            _service(env, work / "notifications-unlimited.log", bus) as notifications:
        # CPU per page in each process (steady where the time moves with the machine's
        # other work), and PostgreSQL's write transactions per page.
        meter = CpuMeter({"notifications": [notifications], "incidents": [incidents],
                          "load generator": [os.getpid()], **servers}, trees=("postgres",))
        await meter.idle(2)
        written = await write_transactions(db_url)
        # Made just before they are published, as the contacts service makes a page: a
        # page older than FRESH_PAGE would have waited somewhere, and be checked with
        # its engagement (here no contacts service answers).
        pages = [_page(region, i, "SMS", f"+1555{i:07d}") for i in range(1300)]
        sealed = await _sealed(bus, region, pages)
        provider.expect = len(pages)
        meter.start()
        started = time.perf_counter()
        await _publish_sealed(bus, sealed)
        report("notifications_pages_1300_published_seconds", time.perf_counter() - started,
               "s")
        try:
            await asyncio.wait_for(provider.done.wait(), 30)
        except TimeoutError:
            report("notifications_pages_1300_missing", provider.expect - len(provider.received),
                   "count")
        fanout = time.perf_counter() - started
        report("notifications_pages_1300_seconds", fanout, "s")
        report("notifications_pages_1300_handed_over", len(provider.received), "count")
        await asyncio.sleep(1)  # the last sends' records and receipts
        report("notifications_pages_1300_pg_write_transactions_per_page",
               (await write_transactions(db_url) - written) / len(pages), "xacts")
        for name, us in meter.per(len(pages)).items():
            report(f"notifications_pages_1300_cpu_per_page_{name.replace(' ', '_')}", us,
                   "us")
        raw = await _raw_webhooks(url, provider, len(pages))
        report("notifications_pages_1300_raw_seconds", raw, "s")
        report("notifications_pages_1300_vs_raw", 100 * raw / fanout, "%")

        sent_at: dict[str, float] = {}
        for i in range(200):
            page = _page(region, i, "EMAIL", f"c{i}@bench.example")
            sent_at[page.page_arn] = time.perf_counter()
            await _publish(bus, region, [page])
            await asyncio.sleep(0.02)
        for _ in range(150):  # at most 15 s for the last ones to arrive
            if len(set(sent_at) & set(mailbox.accepted)) == len(sent_at):
                break
            await asyncio.sleep(0.1)
        latencies = sorted((mailbox.accepted[a] - t) * 1000 for a, t in sent_at.items()
                           if a in mailbox.accepted)
        if latencies:
            report("notifications_page_to_smtp_p50", latencies[len(latencies) // 2], "ms")
            report("notifications_page_to_smtp_p99",
                   latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], "ms")
        report("notifications_page_to_smtp_accepted", len(latencies), "count")
        async with _service(env, work / "contacts.log", bus, service="contacts"):
            await _engagement_to_smtp(bus, mailbox, report)


async def _call(bus: Bus, operation: str, **body: Any) -> dict[str, Any]:
    reply = await bus.request(f"tocsin.rpc.contacts.{operation}", body, timeout=10)
    out: dict[str, Any] = codec.decode(reply, dict[str, Any])
    return out


async def _engagement_to_smtp(bus: Bus, mailbox: Mailbox, report: Report) -> None:
    """The whole way: ``StartEngagement`` on the contacts service until the SMTP server
    has the page, one engagement at a time."""
    contact = (await _call(bus, "CreateContact", Alias="bench-oncall", Type="PERSONAL",
                           Plan={"Stages": []}))["ContactArn"]
    channel = (await _call(bus, "CreateContactChannel", ContactId=contact, Name="mail",
                           Type="EMAIL", DeliveryAddress={"SimpleAddress": "oncall@bench.example"})
               )["ContactChannelArn"]
    for _ in range(100):  # the activation mail, within 10 s
        if channel in mailbox.codes:
            break
        await asyncio.sleep(0.1)
    await _call(bus, "ActivateContactChannel", ContactChannelId=channel,
                ActivationCode=mailbox.codes[channel])
    await _call(bus, "UpdateContact", ContactId=contact, Plan={"Stages": [{
        "DurationInMinutes": 5, "Targets": [{"ChannelTargetInfo": {
            "ContactChannelId": channel, "RetryIntervalInMinutes": 1}}]}]})
    latencies: list[float] = []
    for _ in range(100):
        before = len(mailbox.accepted)
        started = time.perf_counter()
        await _call(bus, "StartEngagement", ContactId=contact, Sender="bench",
                    Subject="Database down", Content="The primary database is down.")
        for _ in range(500):  # at most 5 s per page
            if len(mailbox.accepted) > before:
                break
            await asyncio.sleep(0.002)
        else:
            continue
        latencies.append((max(mailbox.accepted.values()) - started) * 1000)
    latencies.sort()
    if latencies:
        report("notifications_engagement_to_smtp_p50", latencies[len(latencies) // 2], "ms")
        report("notifications_engagement_to_smtp_p99",
               latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], "ms")
    report("notifications_engagement_to_smtp_accepted", len(latencies), "count")


async def _rate_limited(bus: Bus, nats_url: str, db_url: str, work: Path, url: str,
                        report: Report) -> None:
    region = f"bn{uuid.uuid4().hex[:8]}"
    await ensure_stream(bus.js, deliveries_stream(region))
    limited = _Provider()
    app = web.Application()
    app.router.add_post("/send", limited.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    limited_url = f"http://127.0.0.1:{runner.addresses[0][1]}/send"
    requests: list[Any] = [_code(region, i, f"+1666{i:07d}") for i in range(50)]
    requests += [_page(region, i, "SMS", f"+1777{i:07d}") for i in range(50)]
    limited.expect = len(requests)
    env = _env(nats_url, db_url, region, [{"name": "limited", "kind": "webhook",
                                           "channels": ["SMS"], "url": limited_url,
                                           "secret": SECRET, "rate": 10}])
    try:
        async with _service(env, work / "incidents-limited.log", bus, service="incidents"):
            # Published before the service starts, so every request is queued at once.
            await _publish(bus, region, requests)
            await _limited_run(bus, env, work, limited, requests, report)
    finally:
        await runner.cleanup()


async def _limited_run(bus: Bus, env: dict[str, str], work: Path, limited: _Provider,
                       requests: list[Any], report: Report) -> None:
    async with _service(env, work / "notifications-limited.log", bus):
        started = time.perf_counter()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(limited.done.wait(), 20)
        report("notifications_rate_limited_10ps_seconds", time.perf_counter() - started,
               "s")
        report("notifications_rate_limited_delivered", len(limited.received), "count")
        order = [body["to"][:5] for _, body in limited.received]
        pages_left = order[1:].count("+1777")
        broken = 0
        for to in order[1:]:
            if to == "+1777":
                pages_left -= 1
            elif pages_left:
                broken += 1
        report("notifications_rate_limited_priority_violations", broken, "count")
        recorded = 0
        for r in requests:
            status = codec.decode(await bus.request(
                "tocsin.rpc.notifications.DescribeDelivery", {"DeliveryId": r.id},
                timeout=5), dict[str, Any])
            if status.get("DelayReason") and status.get("ExpectedSendAt"):
                recorded += 1
        report("notifications_rate_limited_delayed_with_reason", recorded, "count")
