"""Delivery discipline: retries, dead letters, once-only sends, rate limits by priority."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tocsin.notifications import app as notifications_app
from tocsin.notifications.delivery.handlers import ACK_WAIT
from tocsin.notifications.settings import Settings as NotificationsSettings
from tocsin.shared import codec
from tocsin.shared.bus import Bus, deliveries_stream, ensure_stream, events_stream
from tocsin.shared.contracts import deliveries as dc
from tocsin.shared.contracts import notifications as nc
from tocsin.shared.contracts.base import decode
from tocsin.shared.testing import open_delivery, running, seal_delivery, wait_for

from .conftest import ProviderServer


class Watch:
    """Delivery requests and events as they go by."""

    def __init__(self) -> None:
        self.requests: list[Any] = []
        self.events: list[codec.Envelope] = []

    async def on_request(self, msg: Any) -> None:
        self.requests.append(await open_delivery(msg))

    async def on_event(self, msg: Any) -> None:
        self.events.append(codec.decode(msg.data, codec.Envelope))

    def pages(self) -> list[dc.PageDelivery]:
        return [r for r in self.requests if isinstance(r, dc.PageDelivery)]


async def watch(bus: Bus, region: str) -> tuple[Watch, list[Any]]:
    w = Watch()
    await ensure_stream(bus.js, deliveries_stream(region))
    await ensure_stream(bus.js, events_stream(region))
    subs = [await bus.js.subscribe(f"deliveries.{region}.>", cb=w.on_request,
                                   ordered_consumer=True),
            await bus.js.subscribe(f"events.{region}.notifications.>", cb=w.on_event,
                                   ordered_consumer=True)]
    return w, subs


async def status(stack: Any, delivery_id: str) -> dict[str, Any]:
    return await stack.notifications("DescribeDelivery", DeliveryId=delivery_id)


async def sms_contact(stack: Any, server: ProviderServer, alias: str,
                      number: str) -> tuple[str, str]:
    contact = await stack.contact(alias)
    channel = await stack.channel(contact, "SMS", number)
    first = await wait_for(lambda: [r for r in server.requests if r.get("To") == number])
    code = first[0]["Body"].split("code is ")[1][:6]
    await stack.contacts("ActivateContactChannel", ContactChannelId=channel,
                         ActivationCode=code)
    await stack.plan(contact, [channel])
    return contact, channel


@pytest.mark.expected_error_logs('delivery\\.dead_letter')
async def test_a_failing_page_is_retried_then_dead_lettered(
        stack_factory: Any, provider_servers: Any, bus: Bus,
        isolation: dict[str, str]) -> None:
    twilio = await provider_servers("twilio-a")
    seen, subs = await watch(bus, isolation["region"])
    try:
        async with stack_factory(providers=[twilio.twilio()], max_attempts=3) as stack:
            contact, channel = await sms_contact(stack, twilio, "kim", "+15552220001")
            twilio.mode = "fail"
            engagement = await stack.engage(
                contact, IncidentId="arn:tocsin:ssm-incidents::000000000000:"
                                    "incident-record/db/1")
            page = await stack.page_of(engagement)
            request = (await wait_for(seen.pages))[0]
            dead = await wait_for(lambda: _in_state(stack, request.id, "DEAD"))
            assert dead["Attempts"] == 3
            assert "HTTP 500" in dead["LastError"]

            async def errors() -> list[str]:  # once the final one is in
                infos = [r["ReceiptInfo"] for r in await stack.receipts(page)
                         if r["ReceiptType"] == "ERROR"]
                return infos if any(i.startswith("Not delivered") for i in infos) else []

            # Each retry's wait is a receipt saying so, then the failure.
            infos = await wait_for(errors)
            assert [i.partition(":")[0] for i in infos] == [
                "Waiting (RETRY)", "Waiting (RETRY)", "Not delivered (3 attempts)"]
            assert infos[0].startswith("Waiting (RETRY): attempt 1 of 3 failed: twilio-a: "
                                       "HTTP 500")
            event = (await wait_for(lambda: [e for e in seen.events
                                             if e.type == "DeliveryDeadLettered"]))[0]
            data = decode(event.type, event.data, nc.NotificationsEvent)
            assert (data.page_arn, data.channel_arn, data.attempts) == (page, channel, 3)
            assert event.correlation.incident_arn.endswith("incident-record/db/1")
            assert "+15552220001" not in str(event.data)  # no address on EVENTS
            assert not twilio.requests[1:]  # only the activation code ever got through
    finally:
        for sub in subs:
            await sub.unsubscribe()


@pytest.mark.expected_error_logs('delivery\\.dead_letter')
async def test_a_page_refused_for_good_is_dead_at_once(
        stack_factory: Any, provider_servers: Any, bus: Bus,
        isolation: dict[str, str]) -> None:
    """A provider that calls the number invalid (HTTP 400) will not take it later either:
    the page is dead after one attempt, with its ERROR receipt, not retried."""
    twilio = await provider_servers("twilio-a")
    seen, subs = await watch(bus, isolation["region"])
    try:
        async with stack_factory(providers=[twilio.twilio()], max_attempts=5) as stack:
            contact, _ = await sms_contact(stack, twilio, "lee", "+15552220002")
            twilio.mode = "refuse"
            page = await stack.page_of(await stack.engage(contact))
            request = (await wait_for(seen.pages))[0]
            dead = await wait_for(lambda: _in_state(stack, request.id, "DEAD"))
            assert dead["Attempts"] == 1
            assert "HTTP 400" in dead["LastError"]
            await wait_for(lambda: _receipt(stack, page, "ERROR"))
            # The barrier: the request was acknowledged on the queue, not handed back for
            # a retry (a nak'd one stays pending on the server until redelivered).
            await wait_for(lambda: _queue_settled(bus, isolation))
            assert (await status(stack, request.id))["Attempts"] == 1
    finally:
        for sub in subs:
            await sub.unsubscribe()


async def test_a_failed_attempt_is_retried_until_a_provider_takes_it(
        stack_factory: Any, provider_servers: Any, bus: Bus,
        isolation: dict[str, str]) -> None:
    twilio = await provider_servers("twilio-a")
    seen, subs = await watch(bus, isolation["region"])
    try:
        async with stack_factory(providers=[twilio.twilio()], max_attempts=50) as stack:
            twilio.mode = "fail"
            contact = await stack.contact("lee")
            await stack.channel(contact, "SMS", "+15552220002")
            request = (await wait_for(lambda: seen.requests))[0]
            await wait_for(lambda: _attempted(stack, request.id, 2))
            twilio.mode = "ok"
            sent = await wait_for(lambda: _in_state(stack, request.id, "SENT"))
            assert sent["Attempts"] >= 3 and sent["Provider"] == "twilio-a"
            assert len(twilio.requests) == 1
    finally:
        for sub in subs:
            await sub.unsubscribe()


async def test_a_request_seen_again_is_not_sent_again(
        stack_factory: Any, provider_servers: Any, bus: Bus,
        isolation: dict[str, str]) -> None:
    hook = await provider_servers("hook")
    region = isolation["region"]
    async with stack_factory(providers=[hook.webhook()]) as stack:
        request = _activation("+15552220003")
        body = await seal_delivery(bus.nc, request)
        subject = dc.subject(region, dc.ACTIVATION_CODE)
        await bus.publish(subject, body, msg_id=request.id)
        await wait_for(lambda: _in_state(stack, request.id, "SENT"))
        # Published again past the stream's de-duplication (another message id).
        await bus.publish(subject, body, msg_id=str(uuid.uuid4()))
        marker = _activation("+15552220004")
        await bus.publish(subject, await seal_delivery(bus.nc, marker), msg_id=marker.id)
        await wait_for(lambda: _in_state(stack, marker.id, "SENT"))
        assert [r["to"] for r in hook.requests] == ["+15552220003", "+15552220004"]


async def test_a_send_slower_than_the_ack_wait_is_not_handed_out_again(
        stack_factory: Any, provider_servers: Any, bus: Bus,
        isolation: dict[str, str]) -> None:
    """While a send is under way its instance keeps telling JetStream so: a provider that
    answers only after twice the ack wait gets the message once, and the stream never
    redelivered it."""
    hook = await provider_servers("hook")
    region = isolation["region"]
    async with stack_factory(providers=[hook.webhook(timeout=4 * ACK_WAIT)]) as stack:
        hook.mode = "hang"
        request = _activation("+15552220005")
        await bus.publish(dc.subject(region, dc.ACTIVATION_CODE),
                          await seal_delivery(bus.nc, request), msg_id=request.id)
        stream, durable = f"DELIVERIES_{region.upper()}", \
            f"{isolation['schema_prefix']}notifications-deliveries"

        async def taken() -> bool:
            return (await bus.js.consumer_info(stream, durable)).num_ack_pending == 1

        await wait_for(taken)
        # Not a barrier but the scenario: JetStream's ack wait runs in real time on the
        # server, so the send must really outlast it, twice.
        await asyncio.sleep(2 * ACK_WAIT)
        assert (await bus.js.consumer_info(stream, durable)).num_redelivered == 0
        hook.mode = "ok"
        hook.release()
        await wait_for(lambda: _in_state(stack, request.id, "SENT"), timeout=4 * ACK_WAIT)
        assert (await bus.js.consumer_info(stream, durable)).delivered.consumer_seq == 1
        assert [r["to"] for r in hook.requests] == ["+15552220005"]


def _activation(number: str, *, minutes: int = 10) -> dc.ActivationCodeDelivery:
    now = datetime.now(UTC)
    return dc.ActivationCodeDelivery(
        id=str(uuid.uuid4()), channel_arn=f"arn:tocsin:ssm-contacts:r:000000000000:"
        f"contact-channel/x/{uuid.uuid4()}", contact_arn="arn:tocsin:ssm-contacts:r:"
        "000000000000:contact/x", type="SMS", address=number, code="123456",
        expires_at=now + timedelta(minutes=minutes), sent_at=now)


def _page(number: str) -> dc.PageDelivery:
    return dc.PageDelivery(
        id=str(uuid.uuid4()), page_arn=f"arn:tocsin:ssm-contacts:r:000000000000:page/x/"
        f"{uuid.uuid4()}", engagement_arn="arn:tocsin:ssm-contacts:r:000000000000:"
        "engagement/x/1", contact_arn="arn:tocsin:ssm-contacts:r:000000000000:contact/x",
        channel_arn="arn:tocsin:ssm-contacts:r:000000000000:contact-channel/x/1",
        channel_type="SMS", address=number, subject="Down", content="Database down",
        accept_code="654321", sender="tocsin", sent_at=datetime.now(UTC))


async def test_a_rate_limited_provider_queues_pages_first_and_says_why(
        stack_factory: Any, provider_servers: Any, bus: Bus,
        isolation: dict[str, str]) -> None:
    """Codes and pages queued together on a 2/s provider: after the first token, every
    page goes before every code; each held-back request records why and when. (Half a
    second between tokens: time enough, on a busy machine, for every request to be read
    before the second is spent.)"""
    hook = await provider_servers("hook")
    region = isolation["region"]
    await ensure_stream(bus.js, deliveries_stream(region))
    requests: list[dc.ActivationCodeDelivery | dc.PageDelivery] = []
    for i in range(6):  # codes first in the stream, then pages
        requests.append(_activation(f"+1555333{i:04d}"))
    for i in range(6):
        requests.append(_page(f"+1555444{i:04d}"))
    for r in requests:
        kind = dc.PAGE if isinstance(r, dc.PageDelivery) else dc.ACTIVATION_CODE
        await bus.publish(dc.subject(region, kind), await seal_delivery(bus.nc, r), msg_id=r.id)
    async with stack_factory(providers=[hook.webhook(rate=2)]) as stack:
        await wait_for(lambda: len(hook.requests) == len(requests), timeout=30)
        order = [r["to"][:8] for r in hook.requests]
        rest = order[1:]  # the first took the one free token, whatever it was
        pages = [i for i, to in enumerate(rest) if to == "+1555444"]
        codes = [i for i, to in enumerate(rest) if to == "+1555333"]
        assert max(pages) < min(codes), order
        statuses = [await status(stack, r.id) for r in requests]
        delayed = [s for s in statuses if s.get("DelayReason")]
        assert len(delayed) >= len(requests) - 1
        for s in delayed:
            assert s["DelayReason"] == "RATE_LIMIT hook 2/s"
            assert s["ExpectedSendAt"] > 0 and s["State"] == "SENT"


async def _in_state(stack: Any, delivery_id: str, state: str) -> dict[str, Any] | None:
    try:
        s = await status(stack, delivery_id)
    except Exception:
        return None
    return s if s["State"] == state else None


async def _attempted(stack: Any, delivery_id: str, attempts: int) -> bool:
    try:
        return bool((await status(stack, delivery_id))["Attempts"] >= attempts)
    except Exception:
        return False


async def _queue_settled(bus: Bus, isolation: dict[str, str]) -> bool:
    """Whether every delivery request is done with on the queue: delivered, and
    acknowledged (none held, none handed back to come again)."""
    info = await bus.js.consumer_info(f"DELIVERIES_{isolation['region'].upper()}",
                                      f"{isolation['schema_prefix']}notifications-deliveries")
    return info.num_pending == 0 and info.num_ack_pending == 0


async def _receipt(stack: Any, page: str, kind: str) -> bool:
    return kind in await stack.receipt_types(page)


async def test_requests_queued_on_a_rate_limit_survive_a_restart_and_go_once(
        stack_factory: Any, provider_servers: Any, bus: Bus,
        isolation: dict[str, str]) -> None:
    hook = await provider_servers("hook")
    region = isolation["region"]
    await ensure_stream(bus.js, deliveries_stream(region))
    requests = [_activation(f"+1555666{i:04d}") for i in range(6)]
    for r in requests:
        await bus.publish(dc.subject(region, dc.ACTIVATION_CODE),
                          await seal_delivery(bus.nc, r), msg_id=r.id)
    async with stack_factory(providers=[hook.webhook(rate=4)]):
        await wait_for(lambda: len(hook.requests) >= 2)
    assert len(hook.requests) < len(requests)  # stopped with some still queued
    async with stack_factory(providers=[hook.webhook(rate=50)]):
        await wait_for(lambda: len(hook.requests) >= len(requests), timeout=20)
    assert sorted(r["to"] for r in hook.requests) == sorted(r.address for r in requests)


async def test_two_instances_on_one_queue_send_each_request_once(
        stack_factory: Any, provider_servers: Any, bus: Bus, nats_url: str,
        database_url: str, isolation: dict[str, str]) -> None:
    hook = await provider_servers("hook")
    region = isolation["region"]
    providers = [hook.webhook()]
    second = NotificationsSettings(
        nats_url=nats_url, database_url=database_url, shutdown_grace=3, outbox_relay=False,
        providers=json.dumps(providers), **isolation)  # type: ignore[arg-type]
    async with stack_factory(providers=providers), running(notifications_app.lifespan, second):
        requests = [_activation(f"+1555777{i:04d}") for i in range(60)]
        for r in requests:
            await bus.publish(dc.subject(region, dc.ACTIVATION_CODE),
                              await seal_delivery(bus.nc, r), msg_id=r.id)
        await wait_for(lambda: len(hook.requests) >= len(requests), timeout=20)
        # The barrier: every request acknowledged on the queue, so none is held or will come
        # again; a duplicate send would have been made by an instance holding one.
        await wait_for(lambda: _queue_settled(bus, isolation), timeout=20)
        assert sorted(r["to"] for r in hook.requests) == sorted(r.address for r in requests)


async def test_two_instances_together_keep_to_the_providers_rate(
        stack_factory: Any, provider_servers: Any, bus: Bus, nats_url: str,
        database_url: str, isolation: dict[str, str]) -> None:
    """Two instances sharing a 5/s provider send 11 requests no faster than 5/s between
    them: the provider's slot is shared, not each instance's own."""
    hook = await provider_servers("hook")
    region = isolation["region"]
    providers = [hook.webhook(rate=5)]
    second = NotificationsSettings(
        nats_url=nats_url, database_url=database_url, shutdown_grace=3, outbox_relay=False,
        providers=json.dumps(providers), **isolation)  # type: ignore[arg-type]
    async with stack_factory(providers=providers), running(notifications_app.lifespan, second):
        requests = [_activation(f"+1555888{i:04d}") for i in range(11)]
        for r in requests:
            await bus.publish(dc.subject(region, dc.ACTIVATION_CODE),
                              await seal_delivery(bus.nc, r), msg_id=r.id)
        await wait_for(lambda: len(hook.requests) >= len(requests), timeout=20)
        arrivals = sorted(r["at"] for r in hook.requests)
        # Ten intervals of 0.2 s (2 s); each instance alone would have taken half as long.
        # The arrivals are stamped by a server in this busy process, so a late first stamp
        # can shorten the span: 1.5 s still tells one shared slot from two.
        assert arrivals[-1] - arrivals[0] >= 10 * 0.2 * 0.75


async def test_a_page_waiting_for_a_retry_is_not_sent_once_its_engagement_stopped(
        stack_factory: Any, provider_servers: Any, bus: Bus,
        isolation: dict[str, str]) -> None:
    """The first attempt fails; the engagement stops (its incident resolved) before the
    retry; the provider is healthy again, yet the retry sends nothing: the delivery ends
    EXPIRED and only the activation code ever reached the provider."""
    twilio = await provider_servers("twilio-a")
    seen, subs = await watch(bus, isolation["region"])
    try:
        # The retry waits long enough for StopEngagement to land first on a busy machine.
        async with stack_factory(providers=[twilio.twilio()], max_attempts=5,
                                 retry_base=3.0, retry_max=3.0) as stack:
            contact, _ = await sms_contact(stack, twilio, "lee", "+15552220009")
            twilio.mode = "fail"
            engagement = await stack.engage(contact)
            request = (await wait_for(seen.pages))[0]
            await wait_for(lambda: _attempted(stack, request.id, 1))
            await stack.contacts("StopEngagement", EngagementId=engagement,
                                 Reason="Incident resolved")
            twilio.mode = "ok"
            expired = await wait_for(lambda: _in_state(stack, request.id, "EXPIRED"))
            assert expired["Attempts"] == 1
            assert not twilio.requests[1:]
    finally:
        for sub in subs:
            await sub.unsubscribe()
