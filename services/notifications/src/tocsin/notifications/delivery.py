"""The delivery discipline: work through ``DELIVERIES_<REGION>`` until each request is sent
or given up on.

**Queue.** One durable pull consumer per region (named after the schema), shared by every
instance, takes each request to one instance at a time: a work queue. The stream itself
keeps LIMITS retention (one day), so the request stays readable for audits and tests while
the consumer's acknowledgements make it done. Each instance holds up to
``TOCSIN_MAX_IN_FLIGHT`` requests at once, each in its own task, and tells JetStream it is
still working on those waiting for a rate limit, so none is redelivered meanwhile.

**Once.** The request's id is the key of its ``delivery`` row: a request redelivered after
it was recorded sent (or dead, or expired) is acknowledged without a second send. A crash
between the provider's acceptance and that record sends it again — the one duplicate an
at-least-once queue in front of an external provider cannot rule out.

**Providers and failover.** The providers of the request's channel type are tried in
configured order, those that failed in the last ``TOCSIN_PROVIDER_COOLDOWN`` seconds last;
a provider that errors or exceeds its timeout hands the message to the next one. No
provider for the type (``TOCSIN_SMTP_HOST`` unset, say) holds the request: it is looked at
again every ``TOCSIN_NO_PROVIDER_RETRY`` seconds, its reason recorded, and that is not an
attempt.

**Rate limits and priority.** A provider with a ``rate`` has a token bucket
(:mod:`tocsin.notifications.ratelimit`). A send that must wait is queued, never dropped,
and first records why (``RATE_LIMIT <provider> <rate>/s``) and when it is expected to go.
Pages (priority 0) take tokens before activation codes (priority 1). Then the send takes
the provider's next slot shared by every instance (one PostgreSQL row per provider), so
scaling the service out never exceeds the provider's rate; a wait there is recorded too.

**Retries and dead letters.** An attempt that failed on every provider is retried after an
exponential backoff with full jitter (``TOCSIN_RETRY_BASE`` doubling up to
``TOCSIN_RETRY_MAX``); after ``TOCSIN_MAX_ATTEMPTS`` attempts, or at once when every
provider refused it for good (an SMTP 5xx, an HTTP 4xx but 408 and 429: an address that
will never be taken), the request is dead: in one transaction its row says so, a
``DeliveryDeadLettered`` event goes to the outbox, and, for a page, an ``ERROR`` receipt to
the receipt outbox.

**Receipts.** A page accepted by a provider gets a ``SENT`` receipt naming the provider; a
provider's status callback may add ``DELIVERED`` or ``ERROR`` later
(:mod:`tocsin.notifications.inbound`). Receipts reach the contacts service through
:class:`tocsin.notifications.receipts.ReceiptReporter`.

Nothing here logs an address, a code or a body.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Awaitable, Sequence
from datetime import timedelta
from typing import Protocol

import asyncpg
import msgspec
import nats.errors
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from tocsin.notifications.compose import Composer
from tocsin.notifications.events import Events
from tocsin.notifications.messages import Outbound, ProviderError
from tocsin.notifications.ratelimit import TokenBucket, shared_slot
from tocsin.notifications.store import DeliveryRecord, DeliveryStore, ReceiptStore, RouteStore
from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.clock import Clock
from tocsin.shared.contracts import deliveries as dc
from tocsin.shared.contracts import notifications as nc
from tocsin.shared.db import transaction
from tocsin.shared.logging import bound, get_logger
from tocsin.shared.outage import RECONNECT_BASE, RECONNECT_CAP, backoff, server_gone
from tocsin.shared.runner import pause

__all__ = ["PRIORITY", "Channels", "DeliveryWorker", "SendingProvider", "retry_delay"]

log = get_logger(__name__)

PRIORITY = {dc.PAGE: 0, dc.ACTIVATION_CODE: 1}
"""Lower goes first: pages before activation codes."""

ACK_WAIT = 30.0
"""Seconds JetStream waits for an ack (or a progress report) before redelivering."""
FETCH_EXPIRES = 2.0
"""Seconds one pull request stays open on the server."""
HANDBACK_DELAY = FETCH_EXPIRES + 1.0
"""A request handed back at shutdown is redelivered after this long: by then this
instance's last pull request has expired on the server, which would otherwise take the
redelivery into a subscription that is gone (and hold it for ``ACK_WAIT``)."""


NOTED_WAIT = 0.05
"""Seconds of a wait for the shared provider slot worth recording as a delay."""


class SendingProvider(Protocol):
    """What the worker needs of a provider (SMTP, Twilio, webhook)."""

    name: str
    kind: str
    channels: frozenset[str]
    timeout: float
    bucket: TokenBucket | None

    async def send(self, message: Outbound) -> str: ...


def _attempts(n: int) -> str:
    return "1 attempt" if n == 1 else f"{n} attempts"


def retry_delay(attempt: int, *, base: float, cap: float) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(cap, base·2^(attempt-1))]."""
    return backoff(attempt, base=base, cap=cap, jitter=True)


class Channels:
    """The providers of each channel type, in failover order."""

    def __init__(self, providers: Sequence[SendingProvider], *, cooldown: float) -> None:
        self.providers = list(providers)
        self._cooldown = cooldown
        self._failed_at: dict[str, float] = {}

    def for_type(self, channel_type: str) -> list[SendingProvider]:
        """Healthy providers first (configured order), then those that failed lately."""
        now = time.monotonic()
        serving = [p for p in self.providers if channel_type in p.channels]
        healthy = [p for p in serving if now - self._failed_at.get(p.name, -1e9)
                   >= self._cooldown]
        return healthy + [p for p in serving if p not in healthy]

    def failed(self, provider: SendingProvider) -> None:
        self._failed_at[provider.name] = time.monotonic()

    def recovered(self, provider: SendingProvider) -> None:
        self._failed_at.pop(provider.name, None)


class DeliveryWorker:
    """The consumer of delivery requests; a runner worker."""

    def __init__(self, pool: asyncpg.Pool, bus: Bus, clock: Clock, composer: Composer,
                 channels: Channels, events: Events, *, region: str, schema: str,
                 max_in_flight: int, max_attempts: int, retry_base: float,
                 retry_max: float, no_provider_retry: float, link_base: str) -> None:
        self._pool = pool
        self._bus = bus
        self._clock = clock
        self._composer = composer
        self._channels = channels
        self._events = events
        self._region = region
        self._durable = f"{schema}-deliveries"
        self._max_in_flight = max_in_flight
        self._max_attempts = max_attempts
        self._retry_base = retry_base
        self._retry_max = retry_max
        self._no_provider_retry = no_provider_retry
        self._link_base = link_base
        self._tasks: set[asyncio.Task[None]] = set()
        self._queued: set[asyncio.Task[None]] = set()
        """Tasks waiting for a rate-limit token: cancelled (and nak'd) on stop."""
        self._stopping = False

    async def run(self, stop: asyncio.Event) -> None:
        stream = f"DELIVERIES_{self._region.upper()}"
        failures = 0
        while True:  # until JetStream answers: a NATS restart is ridden out
            try:
                await self._bus.js.add_consumer(stream, ConsumerConfig(
                    durable_name=self._durable, filter_subject=f"deliveries.{self._region}.>",
                    ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL,
                    max_deliver=-1, ack_wait=ACK_WAIT, max_ack_pending=self._max_in_flight))
                psub = await self._bus.js.pull_subscribe_bind(self._durable, stream=stream)
                break
            except Exception as exc:
                if server_gone(exc) is None:
                    raise
                failures += 1
                log.warning("delivery.consumer_unavailable", error=repr(exc))
                if await pause(stop, backoff(failures, base=RECONNECT_BASE,
                                             cap=RECONNECT_CAP)):
                    return
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                free = self._max_in_flight - len(self._tasks)
                if free <= 0:
                    await asyncio.wait([stopping, *self._tasks],
                                       return_when=asyncio.FIRST_COMPLETED)
                    continue
                reconnected = asyncio.ensure_future(self._bus.reconnection().wait())
                fetch = asyncio.ensure_future(psub.fetch(batch=min(256, free),
                                                         timeout=FETCH_EXPIRES))
                await asyncio.wait([fetch, stopping, reconnected],
                                   return_when=asyncio.FIRST_COMPLETED)
                reconnected.cancel()
                if not fetch.done():
                    fetch.cancel()
                    with contextlib.suppress(asyncio.CancelledError, nats.errors.Error):
                        await fetch
                    if stopping.done():
                        break
                    continue  # reconnected: the pull went to a server that is gone
                try:
                    msgs = fetch.result()
                except (TimeoutError, nats.errors.TimeoutError):
                    continue
                except nats.errors.ConnectionClosedError:
                    break
                except (nats.errors.Error, OSError) as exc:
                    # JetStream not answering for a moment (a restart): ask again. The
                    # durable consumer is on disk, so it is there when the server is back.
                    failures += 1
                    log.warning("delivery.fetch_failed", error=repr(exc))
                    await pause(stop, backoff(failures, base=RECONNECT_BASE,
                                              cap=RECONNECT_CAP))
                    continue
                failures = 0
                for msg in msgs:
                    task = asyncio.create_task(self._handle(msg))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
        finally:
            stopping.cancel()
            await self._drain()
            with contextlib.suppress(nats.errors.Error):
                await psub.unsubscribe()

    async def _drain(self) -> None:
        """Let sends in progress finish (each within its provider's timeout); give those
        waiting for a rate limit back to the stream at once (nak), for another instance or
        the next start. Cancelled itself (the grace period is over), it cancels the rest,
        which nak too, and waits for those naks."""
        self._stopping = True
        for task in list(self._queued):
            task.cancel()
        try:
            if self._tasks:
                await asyncio.wait(list(self._tasks))
        except asyncio.CancelledError:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            raise

    async def _handle(self, msg: Msg) -> None:
        kind = msg.subject.rpartition(".")[2]
        with bound(msg.headers, subject=msg.subject, stream_seq=msg.metadata.sequence.stream):
            try:
                request = codec.decode(msg.data, dc.KINDS[kind])
            except (KeyError, msgspec.DecodeError, msgspec.ValidationError) as exc:
                log.warning("delivery.rejected", error=type(exc).__name__)
                await msg.term()
                return
            try:
                await self._deliver(request, kind, msg)
            except asyncio.CancelledError:
                with contextlib.suppress(nats.errors.Error):
                    await msg.nak(delay=HANDBACK_DELAY)
                raise
            except Exception as exc:
                if server_gone(exc) is not None:
                    # Not an attempt: try again as soon as the server may be back.
                    log.warning("delivery.server_gone", delivery_id=request.id,
                                error=repr(exc))
                    with contextlib.suppress(nats.errors.Error):
                        await msg.nak(delay=RECONNECT_CAP)
                    return
                log.exception("delivery.crashed", delivery_id=request.id)
                with contextlib.suppress(nats.errors.Error):
                    await msg.nak(delay=retry_delay(msg.metadata.num_delivered,
                                                    base=self._retry_base,
                                                    cap=self._retry_max))

    async def _deliver(self, request: dc.ActivationCodeDelivery | dc.PageDelivery, kind: str,
                       msg: Msg) -> None:
        now = self._clock.now()
        page = request if isinstance(request, dc.PageDelivery) else None
        channel_type = page.channel_type if page else request.type  # type: ignore[union-attr]
        record = await DeliveryStore.begin(
            self._pool, id=request.id, kind=kind, channel_type=channel_type,
            channel_arn=request.channel_arn, contact_arn=request.contact_arn,
            page_arn=page.page_arn if page else None,
            engagement_arn=page.engagement_arn if page else None,
            incident_id=page.incident_id if page else None, priority=PRIORITY[kind], now=now)
        if record.state != "pending":
            await msg.ack()  # sent, dead or expired already: a redelivery
            return
        if isinstance(request, dc.ActivationCodeDelivery) and request.expires_at <= now:
            async with transaction(self._pool) as conn:
                await DeliveryStore.finish(conn, request.id, state="expired", now=now)
            log.info("delivery.expired", delivery_id=request.id)
            await msg.ack()
            return
        providers = self._channels.for_type(channel_type)
        if not providers:
            await DeliveryStore.delayed(
                self._pool, request.id, reason=f"NO_PROVIDER no {channel_type} provider is "
                "configured", expected_at=now + timedelta(seconds=self._no_provider_retry))
            log.warning("delivery.no_provider", channel_type=channel_type)
            await msg.nak(delay=self._no_provider_retry)
            return
        message = (await self._composer.page(page, now=now) if page
                   else await self._composer.activation(request))  # type: ignore[arg-type]
        failures: list[str] = []
        permanent = True
        for provider in providers:
            try:
                provider_id = await self._send(provider, message, record, msg)
            except ProviderError as exc:
                if not exc.permanent:
                    self._channels.failed(provider)  # an address it refuses is no outage
                failures.append(str(exc))
                permanent &= exc.permanent
                log.warning("delivery.provider_failed", delivery_id=request.id,
                            provider=provider.name, error=str(exc))
                continue
            self._channels.recovered(provider)
            await self._sent(request, page, provider, provider_id, channel_type)
            await msg.ack()
            return
        await self._failed(request, page, channel_type, "; ".join(failures), msg,
                           permanent=permanent)

    async def _send(self, provider: SendingProvider, message: Outbound,
                    record: DeliveryRecord, msg: Msg) -> str:
        if provider.bucket is not None:
            ticket = provider.bucket.take(record.priority)
            if ticket.delay > 0 and self._stopping:
                ticket.cancel()
                raise asyncio.CancelledError  # handed back to the stream by _handle
            if ticket.delay > 0:
                expected = self._clock.now() + timedelta(seconds=ticket.delay)
                await DeliveryStore.delayed(
                    self._pool, record.id, expected_at=expected,
                    reason=f"RATE_LIMIT {provider.name} {provider.bucket.rate:g}/s")
                await self._waiting(ticket.wait(), msg)
            await self._shared_pace(provider, provider.bucket, record, msg)
        if message.gather_url:
            message = dataclasses.replace(
                message, gather_url=message.gather_url.replace("{provider}", provider.name))
        if message.channel_type == "SMS":
            message = dataclasses.replace(
                message, status_url=f"{self._link_base}/v1/inbound/{provider.name}/status/"
                                    f"{message.delivery_id}")
        try:
            return await asyncio.wait_for(provider.send(message), provider.timeout)
        except TimeoutError:
            raise ProviderError(f"{provider.name}: no answer within {provider.timeout:g}s"
                                ) from None

    async def _shared_pace(self, provider: SendingProvider, bucket: TokenBucket,
                           record: DeliveryRecord, msg: Msg) -> None:
        """Wait for the provider's next slot among every instance of the service."""
        wait = await shared_slot(self._pool, provider.name, rate=bucket.rate,
                                 burst=bucket.burst)
        if wait <= 0:
            return
        if wait < NOTED_WAIT:  # this instance's own pace, give or take a round trip
            await asyncio.sleep(wait)
            return
        if self._stopping:
            raise asyncio.CancelledError  # handed back to the stream by _handle
        await DeliveryStore.delayed(
            self._pool, record.id, expected_at=self._clock.now() + timedelta(seconds=wait),
            reason=f"RATE_LIMIT {provider.name} {bucket.rate:g}/s across instances")
        await self._waiting(asyncio.sleep(wait), msg)

    async def _waiting(self, waiting: Awaitable[None], msg: Msg) -> None:
        """Await a rate-limit ticket, telling JetStream the message is still being worked on."""
        task = asyncio.ensure_future(waiting)
        me = asyncio.current_task()
        if me is not None:
            self._queued.add(me)
        try:
            while True:
                done, _ = await asyncio.wait([task], timeout=ACK_WAIT / 3)
                if done:
                    task.result()
                    return
                await msg.in_progress()
        finally:
            task.cancel()
            if me is not None:
                self._queued.discard(me)

    async def _sent(self, request: dc.ActivationCodeDelivery | dc.PageDelivery,
                    page: dc.PageDelivery | None, provider: SendingProvider,
                    provider_id: str, channel_type: str) -> None:
        now = self._clock.now()
        async with transaction(self._pool) as conn:
            if not await DeliveryStore.sent(conn, request.id, provider=provider.name,
                                            message_id=provider_id, now=now):
                return
            if channel_type in ("SMS", "VOICE"):
                await RouteStore.add(conn, delivery_id=request.id, address=request.address,
                                     channel_arn=request.channel_arn,
                                     channel_type=channel_type,
                                     page_arn=page.page_arn if page else None, now=now)
            if page is not None:
                await ReceiptStore.add(conn, page_arn=page.page_arn,
                                       channel_arn=page.channel_arn, receipt_type="SENT",
                                       info=f"Sent by {provider.name}", at=now)
        log.info("delivery.sent", delivery_id=request.id, provider=provider.name,
                 channel_type=channel_type)

    async def _failed(self, request: dc.ActivationCodeDelivery | dc.PageDelivery,
                      page: dc.PageDelivery | None, channel_type: str, error: str,
                      msg: Msg, *, permanent: bool) -> None:
        """Retry later, or give up: after ``TOCSIN_MAX_ATTEMPTS``, or at once when every
        provider refused for good."""
        now = self._clock.now()
        async with transaction(self._pool) as conn:
            attempts = await DeliveryStore.failed(conn, request.id, error=error)
            dead = permanent or attempts >= self._max_attempts
            if dead:
                await DeliveryStore.finish(conn, request.id, state="dead", now=now)
                await self._events.emit(conn, nc.DeliveryDeadLettered(
                    delivery_id=request.id, kind="page" if page else "activation-code",
                    channel_arn=request.channel_arn, channel_type=channel_type,
                    attempts=attempts, failed_at=now, error=error[:1000],
                    contact_arn=request.contact_arn,
                    page_arn=page.page_arn if page else None,
                    engagement_arn=page.engagement_arn if page else None,
                    incident_id=page.incident_id if page else None), now=now)
                if page is not None:
                    await ReceiptStore.add(
                        conn, page_arn=page.page_arn, channel_arn=page.channel_arn,
                        receipt_type="ERROR",
                        info=f"Not delivered ({_attempts(attempts)}): {error}", at=now)
        if dead:
            log.error("delivery.dead_letter", delivery_id=request.id, attempts=attempts)
            await msg.ack()
            return
        delay = retry_delay(attempts, base=self._retry_base, cap=self._retry_max)
        log.info("delivery.retry", delivery_id=request.id, attempts=attempts,
                 delay=round(delay, 3))
        await msg.nak(delay=delay)

