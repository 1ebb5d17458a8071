"""The delivery discipline: work through ``DELIVERIES_<REGION>`` until each request is sent
or given up on.

**Queue.** One durable pull consumer per region (named after the schema), shared by every
instance, takes each request to one instance at a time: a work queue. The stream itself
keeps LIMITS retention (one day), so the request stays readable for audits and tests while
the consumer's acknowledgements make it done. Each instance holds up to
``TOCSIN_MAX_IN_FLIGHT`` requests at once, each in its own task, and tells JetStream every
``PROGRESS_EVERY`` seconds that it is still working on each (in-progress acks), so the
ack wait can be short (``ACK_WAIT``): a request whose instance died comes back within
seconds, and none is redelivered while its instance lives.

**Once.** The request's id is the key of its ``delivery`` row: a request redelivered after
it was recorded sent (or dead, or expired) is acknowledged without a second send. A crash
between the provider's acceptance and that record sends it again — the one duplicate an
at-least-once queue in front of an external provider cannot rule out — so it is made
harmless and visible: the provider a message goes to is committed before the send
(``sending_provider``), a redelivered request that still has one is counted as a resend
(``resends``, a ``delivery.resend`` warning) and tried on that provider first, and the
resend carries what the first send did: an email the same ``Message-ID`` (the request's
id, so mail clients show it once), a webhook provider the same ``Idempotency-Key``.

**Providers and failover.** The providers of the request's channel type are tried in
configured order, those that failed in the last ``TOCSIN_PROVIDER_COOLDOWN`` seconds last;
a provider that errors or exceeds its timeout hands the message to the next one. No
provider for the type (``TOCSIN_SMTP_HOST`` unset, say) holds the request: it is looked at
again every ``TOCSIN_NO_PROVIDER_RETRY`` seconds, its reason recorded, and that is not an
attempt.

**Waiting reasons.** Why a request waits (no provider, a rate limit, a retry after a failed
attempt) is recorded on its row (``DescribeDelivery``) and, for a page, reported once per
reason as an ``ERROR`` receipt whose ``ReceiptInfo`` starts with ``Waiting (<reason>)``:
the contacts service records it without starting a channel retry.

**Rate limits and priority.** A provider with a ``rate`` has a token bucket
(:mod:`tocsin.notifications.delivery.ratelimit`). A send that must wait is queued, never dropped,
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

**Stopped engagements.** Before each attempt at a page, the contacts service is asked
whether its engagement stopped (the incident resolved, the alerting tool acknowledged it,
``StopEngagement``): a page that waited here past that (a retry's backoff, a rate limit, no
provider) is not sent, and its row ends ``expired``. A page taken fresh from its engagement
(:data:`FRESH_PAGE`) has waited nowhere and goes without asking. A page already handed to
a provider is not recalled.

**Storms.** The requests in hand at once make the same writes at once (their rows begun,
their sends marked before they are made, their outcomes recorded with their receipts):
each of these is one transaction for all of them (:mod:`tocsin.shared.db.batched`), and
each request still goes on only once its own write has committed.

**Receipts.** A page accepted by a provider gets its one ``SENT`` receipt, naming the
channel and the provider; a
provider's status callback may add ``DELIVERED`` or ``ERROR`` later
(:mod:`tocsin.notifications.inbound.handlers`). Receipts reach the contacts service through
:class:`tocsin.notifications.delivery.receipts.ReceiptReporter`.

Nothing here logs an address, a code or a body.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Awaitable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

import asyncpg
import msgspec
import nats.errors
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from tocsin.notifications.delivery.compose import Composer
from tocsin.notifications.delivery.domain import (
    PRIORITY,
    Outbound,
    ProviderError,
    attempts_text,
    incident_arn_of,
    retry_delay,
    waiting_info,
)
from tocsin.notifications.delivery.ratelimit import TokenBucket
from tocsin.notifications.delivery.store import (
    DeliveryRecord,
    DeliveryStore,
    NewDelivery,
    Receipt,
    ReceiptStore,
    shared_slot,
)
from tocsin.notifications.inbound.store import NewRoute, RouteStore, phone
from tocsin.shared import codec, errors, metrics
from tocsin.shared.bus import Bus, Pull, pull, rpc_subject
from tocsin.shared.clock import Clock
from tocsin.shared.contracts import deliveries as dc
from tocsin.shared.contracts import notifications as nc
from tocsin.shared.db import transaction
from tocsin.shared.db.batched import Batched
from tocsin.shared.events import emit
from tocsin.shared.keys import KeyRing
from tocsin.shared.logging import bound, get_logger
from tocsin.shared.outage import RECONNECT_CAP, server_gone

__all__ = ["ACK_WAIT", "Channels", "DeliveryWorker", "SendingProvider"]

log = get_logger(__name__)

ACK_WAIT = 5.0
"""Seconds JetStream waits for an ack (or a progress report) before redelivering: how long
a request held by an instance that died waits to be taken again."""
PROGRESS_EVERY = ACK_WAIT / 3
"""Seconds between in-progress acks for each request being worked on."""
FETCH_EXPIRES = 2.0
"""Seconds one pull request stays open on the server."""
HANDBACK_DELAY = FETCH_EXPIRES + 1.0
"""A request handed back at shutdown is redelivered after this long: by then this
instance's last pull request has expired on the server, which would otherwise take the
redelivery into a subscription that is gone (and hold it for ``ACK_WAIT``)."""

FRESH_PAGE = 5.0
"""Seconds after the contacts service made a page within which, taken on its first
delivery, it goes without asking whether its engagement stopped: it has waited nowhere
(the question is for pages held here by a retry, a rate limit or a missing provider, or
queued behind a storm), and an engagement stopped in those seconds raced its page either
way. A storm's fresh pages then cost no ``DescribeEngagement`` each."""

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


class _Held:
    """A request this instance works on: JetStream is told it still is every
    ``PROGRESS_EVERY`` seconds until it is acknowledged, handed back or closed (never after:
    an in-progress ack after a delayed nak would cut the delay short)."""

    def __init__(self, msg: Msg) -> None:
        self.msg = msg
        self._beat = asyncio.create_task(self._heartbeat())

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(PROGRESS_EVERY)
            with contextlib.suppress(nats.errors.Error):
                await self.msg.in_progress()

    def close(self) -> None:
        self._beat.cancel()

    async def ack(self) -> None:
        self.close()
        await self.msg.ack()

    async def nak(self, delay: float | None = None) -> None:
        self.close()
        await self.msg.nak(delay=delay)


class DeliveryWorker:
    """The consumer of delivery requests; a runner worker."""

    def __init__(self, pool: asyncpg.Pool, bus: Bus, clock: Clock, composer: Composer,
                 channels: Channels, *, region: str, schema: str,
                 max_in_flight: int, max_attempts: int, retry_base: float,
                 retry_max: float, no_provider_retry: float, link_base: str,
                 keys: KeyRing) -> None:
        self._pool = pool
        self._keys = keys
        self._bus = bus
        self._clock = clock
        self._composer = composer
        self._channels = channels
        self._region = region
        self._durable = f"{schema}-deliveries"
        self._max_in_flight = max_in_flight
        self._max_attempts = max_attempts
        self._retry_base = retry_base
        self._retry_max = retry_max
        self._no_provider_retry = no_provider_retry
        self._link_base = link_base
        self._tasks: set[asyncio.Task[None]] = set()
        self._freed = asyncio.Event()
        """Set when a task ends: :meth:`_room` waits for it, not on every task."""
        self._queued: set[asyncio.Task[None]] = set()
        """Tasks waiting for a rate-limit token: cancelled (and nak'd) on stop."""
        self._in_hand: set[str] = set()
        """Ids of the requests this instance works on: a redelivery of one (JetStream
        missed its in-progress acks, across a NATS restart say) is left to the task that
        holds it, never sent a second time alongside."""
        self._stopping = False
        self.started = asyncio.Event()
        """Set once the durable consumer is bound: requests published now are taken."""
        # A storm's requests make the same writes at once: each of these takes those of
        # the requests beside it in one transaction (:mod:`tocsin.shared.db.batched`).
        self._begin_batch = Batched(pool, DeliveryStore.begin)
        self._sending_batch: Batched[tuple[str, str, NewRoute | None], None] = Batched(
            pool, self._record_sending)
        self._sent_batch: Batched[tuple[str, str, str, Receipt | None], bool] = Batched(
            pool, self._record_sent)

    async def run(self, stop: asyncio.Event) -> None:
        """Take requests until ``stop``, each in its own task, up to ``max_in_flight`` at
        once; then :meth:`_drain`."""
        try:
            await pull(self._bus, Pull(
                stream=f"DELIVERIES_{self._region.upper()}", expires=FETCH_EXPIRES,
                # Requests in hand are acknowledged by their own tasks, and a redelivery of
                # one is left to the task that holds it: nothing to reset on reconnection.
                reset_on_reconnect=False,
                config=ConsumerConfig(
                    durable_name=self._durable, filter_subject=f"deliveries.{self._region}.>",
                    ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL,
                    max_deliver=-1, ack_wait=ACK_WAIT, max_ack_pending=self._max_in_flight)),
                self._take, stop, room=self._room, started=self.started)
        finally:
            await self._drain()

    async def _room(self, stopping: asyncio.Future[Any]) -> int:
        """How many more requests this instance may take: waits for a free slot."""
        while len(self._tasks) >= self._max_in_flight:
            self._freed.clear()
            freed = asyncio.ensure_future(self._freed.wait())
            await asyncio.wait([stopping, freed], return_when=asyncio.FIRST_COMPLETED)
            freed.cancel()
            if stopping.done():
                return 0
        return min(256, self._max_in_flight - len(self._tasks))

    async def _take(self, msgs: list[Msg]) -> bool:
        for msg in msgs:
            task = asyncio.create_task(self._handle(msg))
            self._tasks.add(task)
            task.add_done_callback(self._done)
        return True

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._freed.set()

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
                request = await dc.open_request(self._keys, kind, msg.data)
            except (KeyError, msgspec.DecodeError, msgspec.ValidationError) as exc:
                log.warning("delivery.rejected", error=type(exc).__name__)
                await msg.term()
                return
            except errors.TocsinError as exc:
                # The data key cannot be had (unwrapped, or fetched from the incidents
                # service) or the seal does not open: the request waits in the stream,
                # nothing is lost, and it goes out once the key is back.
                log.warning("delivery.sealed_unopened", error=exc.message, code=exc.aws_code)
                with contextlib.suppress(nats.errors.Error):
                    await msg.nak(delay=retry_delay(msg.metadata.num_delivered,
                                                    base=self._retry_base,
                                                    cap=self._retry_max))
                return
            if request.id in self._in_hand:
                log.info("delivery.redelivered_in_hand", delivery_id=request.id)
                return
            held = _Held(msg)
            self._in_hand.add(request.id)
            try:
                await self._deliver(request, kind, held)
            except asyncio.CancelledError:
                with contextlib.suppress(nats.errors.Error):
                    await held.nak(delay=HANDBACK_DELAY)
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
                    await held.nak(delay=retry_delay(msg.metadata.num_delivered,
                                                     base=self._retry_base,
                                                     cap=self._retry_max))
            finally:
                held.close()
                self._in_hand.discard(request.id)

    async def _deliver(self, request: dc.ActivationCodeDelivery | dc.PageDelivery, kind: str,
                       msg: _Held) -> None:
        now = self._clock.now()
        page = request if isinstance(request, dc.PageDelivery) else None
        channel_type = page.channel_type if page else request.type  # type: ignore[union-attr]
        record = await self._begin_batch(NewDelivery(
            request.id, kind, channel_type, request.channel_arn, request.contact_arn,
            page.page_arn if page else None, page.engagement_arn if page else None,
            page.incident_id if page else None, PRIORITY[kind], now))
        if record is None:
            raise RuntimeError("the delivery's row was being written by another instance")
        if record.state != "pending":
            await msg.ack()  # sent, dead or expired already: a redelivery
            return
        if isinstance(request, dc.ActivationCodeDelivery) and request.expires_at <= now:
            async with transaction(self._pool) as conn:
                await DeliveryStore.finish(conn, request.id, state="expired", now=now)
            log.info("delivery.expired", delivery_id=request.id)
            await msg.ack()
            return
        if page is not None and not _fresh(page, record, msg.msg, now) \
                and await self._engagement_stopped(page):
            # Resolved, acknowledged by the alerting tool or stopped by hand while this
            # page waited here (a retry, a rate limit, no provider): it is not sent now.
            async with transaction(self._pool) as conn:
                await DeliveryStore.finish(conn, request.id, state="expired", now=now)
            log.info("delivery.engagement_stopped", delivery_id=request.id)
            await msg.ack()
            return
        providers = self._channels.for_type(channel_type)
        if not providers:
            unset = " (TOCSIN_SMTP_HOST is unset)" if channel_type == "EMAIL" else ""
            await self._delayed(record, "NO_PROVIDER",
                                f"no {channel_type} provider is configured{unset}",
                                now + timedelta(seconds=self._no_provider_retry))
            log.warning("delivery.no_provider", channel_type=channel_type)
            metrics.DELIVERIES.labels("none", channel_type, "no_provider").inc()
            await msg.nak(delay=self._no_provider_retry)
            return
        if record.sending_since is not None:
            # The last send was handed to a provider and its outcome never recorded: the
            # instance died in between. Send again, the same way, and say so.
            resends = await DeliveryStore.resending(self._pool, request.id)
            log.warning("delivery.resend", delivery_id=request.id,
                        provider=record.sending_provider, resends=resends,
                        interrupted_at=record.sending_since.isoformat())
            providers.sort(key=lambda p: p.name != record.sending_provider)
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
                metrics.DELIVERIES.labels(provider.name, channel_type,
                                          "refused" if exc.permanent else "failed").inc()
                log.warning("delivery.provider_failed", delivery_id=request.id,
                            provider=provider.name, error=str(exc))
                continue
            self._channels.recovered(provider)
            metrics.DELIVERIES.labels(provider.name, channel_type, "sent").inc()
            await self._sent(request, page, provider, provider_id, channel_type)
            await msg.ack()
            return
        await self._failed(request, page, channel_type, "; ".join(failures), msg, record,
                           permanent=permanent)

    async def _engagement_stopped(self, page: dc.PageDelivery) -> bool:
        """Whether the page's engagement stopped, as the contacts service says; when it
        cannot say, the page goes (paging beats silence)."""
        try:
            reply = await self._bus.request(rpc_subject("contacts", "DescribeEngagement"),
                                            {"EngagementId": page.engagement_arn},
                                            timeout=2.0)
        except errors.TocsinError as exc:
            log.warning("delivery.engagement_unknown", error=exc.message)
            return False
        return codec.decode(reply, dict[str, Any]).get("StopTime") is not None

    async def _send(self, provider: SendingProvider, message: Outbound,
                    record: DeliveryRecord, msg: _Held) -> str:
        if provider.bucket is not None:
            ticket = provider.bucket.take(record.priority)
            if ticket.delay > 0 and self._stopping:
                ticket.cancel()
                raise asyncio.CancelledError  # handed back to the stream by _handle
            if ticket.delay > 0:
                expected = self._clock.now() + timedelta(seconds=ticket.delay)
                await self._delayed(record, "RATE_LIMIT",
                                    f"{provider.name} {provider.bucket.rate:g}/s", expected)
                await self._waiting(ticket.wait())
            await self._shared_pace(provider, provider.bucket, record)
        if message.gather_url:
            message = dataclasses.replace(
                message, gather_url=message.gather_url.replace("{provider}", provider.name))
        if message.channel_type == "SMS":
            message = dataclasses.replace(
                message, status_url=f"{self._link_base}/v1/inbound/{provider.name}/status/"
                                    f"{message.delivery_id}")
        route = None
        if message.channel_type in ("SMS", "VOICE"):
            # Written before the send: a reply can come back before the send's outcome is
            # recorded, and must find the number's page.
            route = NewRoute(record.id, (await phone(self._keys, message.to)).keyed,
                             record.channel_arn, message.channel_type, record.page_arn)
        await self._sending_batch((record.id, provider.name, route))
        try:
            return await asyncio.wait_for(provider.send(message), provider.timeout)
        except TimeoutError:
            raise ProviderError(f"{provider.name}: no answer within {provider.timeout:g}s"
                                ) from None

    async def _shared_pace(self, provider: SendingProvider, bucket: TokenBucket,
                           record: DeliveryRecord) -> None:
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
        await self._delayed(record, "RATE_LIMIT",
                            f"{provider.name} {bucket.rate:g}/s across instances",
                            self._clock.now() + timedelta(seconds=wait))
        await self._waiting(asyncio.sleep(wait))

    async def _waiting(self, waiting: Awaitable[None]) -> None:
        """Await a rate-limit ticket; cancelled (and handed back) when the worker stops."""
        task = asyncio.ensure_future(waiting)
        me = asyncio.current_task()
        if me is not None:
            self._queued.add(me)
        try:
            await task
        finally:
            task.cancel()
            if me is not None:
                self._queued.discard(me)

    async def _delayed(self, record: DeliveryRecord, code: str, detail: str,
                       expected_at: datetime, conn: asyncpg.Connection | None = None) -> None:
        """Record why the request waits and until when; for a page, report a new reason as
        an ``ERROR`` receipt marked as a wait (no channel retry follows it)."""
        async with contextlib.AsyncExitStack() as stack:
            if conn is None:
                conn = await stack.enter_async_context(transaction(self._pool))
            await DeliveryStore.delayed(conn, record.id, reason=f"{code} {detail}",
                                        expected_at=expected_at)
            if record.page_arn and await DeliveryStore.wait_to_report(conn, record.id,
                                                                      f"{code} {detail}"):
                await ReceiptStore.add(conn, page_arn=record.page_arn,
                                       channel_arn=record.channel_arn, receipt_type="ERROR",
                                       info=waiting_info(code, detail, expected_at),
                                       at=self._clock.now(), waiting=True)

    async def _sent(self, request: dc.ActivationCodeDelivery | dc.PageDelivery,
                    page: dc.PageDelivery | None, provider: SendingProvider,
                    provider_id: str, channel_type: str) -> None:
        receipt = None
        if page is not None:
            channel = f" {page.channel_name}" if page.channel_name else ""
            receipt = Receipt(page.page_arn, page.channel_arn, "SENT",
                              f"Sent to {channel_type} channel{channel} by {provider.name}",
                              self._clock.now())
        if not await self._sent_batch((request.id, provider.name, provider_id, receipt)):
            return
        log.info("delivery.sent", delivery_id=request.id, provider=provider.name,
                 channel_type=channel_type)

    async def _record_sending(self, conn: asyncpg.Connection,
                              sends: Sequence[tuple[str, str, NewRoute | None]]
                              ) -> list[None]:
        """The sends about to be made (request id, provider, its phone route), committed
        before any of them is."""
        now = self._clock.now()
        await DeliveryStore.sending(conn, [(id, provider) for id, provider, _ in sends],
                                    now=now)
        await RouteStore.add(conn, [route for _, _, route in sends if route is not None],
                             now=now)
        return [None] * len(sends)

    async def _record_sent(self, conn: asyncpg.Connection,
                           sends: Sequence[tuple[str, str, str, Receipt | None]]
                           ) -> list[bool]:
        """Sends a provider accepted (request id, provider, its message id, the page's
        ``SENT`` receipt): whether each was still to be recorded (not already, by another
        attempt that won); only those queue their receipts."""
        fresh = await DeliveryStore.sent(conn, [(id, provider, provider_id)
                                                for id, provider, provider_id, _ in sends],
                                         now=self._clock.now())
        await ReceiptStore.add_all(conn, [receipt for id, _, _, receipt in sends
                                          if receipt is not None and id in fresh])
        return [id in fresh for id, _, _, _ in sends]

    async def _failed(self, request: dc.ActivationCodeDelivery | dc.PageDelivery,
                      page: dc.PageDelivery | None, channel_type: str, error: str,
                      msg: _Held, record: DeliveryRecord, *, permanent: bool) -> None:
        """Retry later, or give up: after ``TOCSIN_MAX_ATTEMPTS``, or at once when every
        provider refused for good."""
        now = self._clock.now()
        delay = 0.0
        async with transaction(self._pool) as conn:
            attempts = await DeliveryStore.failed(conn, request.id, error=error)
            dead = permanent or attempts >= self._max_attempts
            if not dead:
                delay = retry_delay(attempts, base=self._retry_base, cap=self._retry_max)
                await self._delayed(record, "RETRY", f"attempt {attempts} of "
                                    f"{self._max_attempts} failed: {error}"[:1000],
                                    now + timedelta(seconds=delay), conn)
            if dead:
                await DeliveryStore.finish(conn, request.id, state="dead", now=now)
                dead_letter = nc.DeliveryDeadLettered(
                    delivery_id=request.id, kind="page" if page else "activation-code",
                    channel_arn=request.channel_arn, channel_type=channel_type,
                    attempts=attempts, failed_at=now, error=error[:1000],
                    contact_arn=request.contact_arn,
                    page_arn=page.page_arn if page else None,
                    engagement_arn=page.engagement_arn if page else None,
                    incident_id=page.incident_id if page else None)
                await emit(conn, dead_letter, region=self._region, now=now,
                           incident_arn=incident_arn_of(dead_letter.incident_id),
                           engagement_arn=dead_letter.engagement_arn)
                if page is not None:
                    await ReceiptStore.add(
                        conn, page_arn=page.page_arn, channel_arn=page.channel_arn,
                        receipt_type="ERROR",
                        info=f"Not delivered ({attempts_text(attempts)}): {error}", at=now)
        if dead:
            log.error("delivery.dead_letter", delivery_id=request.id, attempts=attempts)
            await msg.ack()
            return
        log.info("delivery.retry", delivery_id=request.id, attempts=attempts,
                 delay=round(delay, 3))
        await msg.nak(delay=delay)


def _fresh(page: dc.PageDelivery, record: DeliveryRecord, msg: Msg, now: datetime) -> bool:
    """Whether the page comes straight from its engagement (:data:`FRESH_PAGE`): first
    delivered, never tried, never held here, made moments ago."""
    return (msg.metadata.num_delivered == 1 and record.attempts == 0
            and record.delay_reason is None and record.sending_since is None
            and (now - page.sent_at).total_seconds() <= FRESH_PAGE)
