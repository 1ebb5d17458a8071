"""Durable JetStream pull consumers shared by every instance of a service.

Every message ends in exactly one outcome: ``ack`` when the handler returns, ``term``
when it can never succeed (a payload that does not decode, :class:`Reject`, a caller
error), ``nak`` with a delay for :class:`RetryLater` or an unexpected failure. A message
in flight when the process dies is redelivered after ``ack_wait``; the handler records
its event id in the inbox in the same transaction as its effect, so nothing takes effect
twice. A handler that fails because NATS or PostgreSQL is gone is not an outcome: the
message is kept in progress and handled again once the server is back. A consumer that
handles a fetched batch at once (``Consumer.together``: one transaction for all) acks it
whole when that succeeds, and otherwise handles each message alone, to these outcomes.

Every durable reports (:mod:`tocsin.shared.metrics`) its messages by outcome, the
redeliveries it fetches, and its lag as the server counts it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from tocsin.shared import codec, errors, metrics
from tocsin.shared.bus.connection import Bus
from tocsin.shared.bus.identities import NotInTable, may_consume
from tocsin.shared.logging import bound, get_logger
from tocsin.shared.outage import RECONNECT_BASE, RECONNECT_CAP, backoff, server_gone
from tocsin.shared.runner import pause

__all__ = ["Consumer", "Pull", "Room", "Take", "consume", "in_lanes", "incident_lane", "pull",
           "redeliver_pending"]

log = get_logger(__name__)


class Consumer(msgspec.Struct, frozen=True, kw_only=True):
    """What a service consumes: which stream, under which durable name, and how."""

    stream: str
    durable: str
    """Shared by every instance of the service, so each message goes to one of them."""
    filter_subject: str | tuple[str, ...]
    """The subject, or several that do not overlap: the server delivers nothing else, so
    a consumer that handles a few event types names them rather than skipping the rest."""
    handler: Callable[[Any, Msg], Awaitable[None]]
    """Called with the decoded message and the raw NATS message (for headers)."""
    message_type: Any = codec.Envelope
    max_deliver: int = 20
    """After this many deliveries a message is given up on and logged, not retried forever."""
    ack_wait: float = 30.0
    batch: int = 32
    deliver_policy: DeliverPolicy = DeliverPolicy.ALL
    concurrency: int = 1
    """How many messages of a batch are handled at once (1: one after the other)."""
    lane: Callable[[Msg], str] | None = None
    """The key of a message's lane: messages of one lane are handled one after the other,
    in stream order, lanes at once (up to ``concurrency``). None: each message its own
    lane."""
    together: Callable[[list[tuple[Any, Msg]]], Awaitable[None]] | None = None
    """Handles a whole fetched batch at once (its decoded messages in stream order; in one
    transaction, say), the batch acknowledged when it returns. When it raises, ``handler``
    handles each message of the batch alone, to an outcome of its own, so one that fails
    holds back none of the others. Only for a consumer taking messages one after the
    other (``concurrency`` 1, no ``lane``)."""


REBIND_AFTER = 3
"""Failed fetches in a row after which the consumer is declared and bound again."""

HANDBACK_DELAY = 1.0
"""Seconds before a message handed back at shutdown is redelivered."""

Take = Callable[[list[Msg]], Awaitable[bool]]
"""Handles one fetched batch to its messages' outcomes (or hands them to tasks that will);
False when the loop must end now (``stop`` came while a server was gone)."""
Room = Callable[["asyncio.Future[Any]"], Awaitable[int]]
"""How many messages to ask for next, waiting (until the future, stopping, is done) for
room; 0 when stopping."""


@dataclass(frozen=True, kw_only=True)
class Pull:
    """How :func:`pull` reads one durable consumer."""

    stream: str
    config: ConsumerConfig
    """The durable consumer, declared (idempotently) each time it is bound."""
    batch: int = 32
    """Most messages one fetch asks for (unless a ``room`` says fewer)."""
    expires: float = 5.0
    """Seconds one pull request stays open on the server."""
    prefetch: bool = False
    """Ask for the next batch while this one is handled (it is handled after it, so the
    stream's order is kept)."""
    reset_on_reconnect: bool = True
    """After a reconnection, have the server redeliver at once what it counts as delivered
    and unacknowledged (:func:`redeliver_pending`)."""


def _region(stream: str) -> str:
    """The region a per-region stream's name carries (``EVENTS_LOCAL-1`` → ``local-1``)."""
    return stream.partition("_")[2].lower()


async def pull(bus: Bus, spec: Pull, take: Take, stop: asyncio.Event, *,
               room: Room | None = None, started: asyncio.Event | None = None) -> None:
    """The one pull-consumer loop: fetch batches and give them to ``take`` until ``stop``.

    A NATS restart is ridden out: the consumer is declared and bound again (a no-op when
    the server kept it) with a short backoff until JetStream answers; a pull that went to a
    server that is gone is asked again of the new one. ``started`` is set once the
    consumer is bound, so a caller need not sleep for it.
    """
    durable = spec.config.durable_name or ""
    who = bus.identity
    if who is not None and not may_consume(who, spec.stream, durable, _region(spec.stream)):
        raise NotInTable(f"{who.name} may not read {spec.stream} as {durable}: add the "
                         "consumer to its row of tocsin.shared.bus.identities")
    stopping = asyncio.ensure_future(stop.wait())
    lag = asyncio.ensure_future(_watch_lag(bus, spec.stream, durable, stop))
    redelivered = metrics.CONSUMER_REDELIVERIES.labels(durable)

    async def counted(msgs: list[Msg]) -> bool:
        again = sum(1 for m in msgs if m.metadata.num_delivered > 1)
        if again:
            redelivered.inc(again)
        return await take(msgs)

    failures = 0
    try:
        while not stop.is_set():
            try:
                await bus.js.add_consumer(spec.stream, spec.config)
                psub = await bus.js.pull_subscribe_bind(durable, stream=spec.stream)
            except Exception as exc:
                if server_gone(exc) is None:
                    raise
                failures += 1
                log.warning("consumer.unavailable", durable=durable, error=repr(exc))
                await pause(stop, backoff(failures, base=RECONNECT_BASE, cap=RECONNECT_CAP))
                continue
            failures = 0
            if started is not None:
                started.set()
            try:
                if not await _fetch(bus, psub, spec, counted, room, stop, stopping):
                    return
            finally:
                with contextlib.suppress(nats.errors.Error):
                    await psub.unsubscribe()
    finally:
        stopping.cancel()
        await _cancel(lag)


async def _watch_lag(bus: Bus, stream: str, durable: str, stop: asyncio.Event) -> None:
    """Ask the server every :data:`~tocsin.shared.metrics.LAG_INTERVAL` seconds what it
    holds for the consumer (off the message path, and true while handling is stuck)."""
    pending = metrics.CONSUMER_LAG.labels(stream, durable, "pending")
    unacked = metrics.CONSUMER_LAG.labels(stream, durable, "ack_pending")
    while not await pause(stop, metrics.LAG_INTERVAL):
        try:
            info = await bus.js.consumer_info(stream, durable, timeout=2.0)
        except Exception as exc:  # gone for a moment, or not declared yet: keep the last
            log.debug("consumer.lag_unknown", durable=durable, error=repr(exc))
            continue
        pending.set(info.num_pending or 0)
        unacked.set(info.num_ack_pending or 0)


async def _fetch(bus: Bus, psub: JetStreamContext.PullSubscription, spec: Pull, take: Take,
                 room: Room | None, stop: asyncio.Event,
                 stopping: asyncio.Future[Any]) -> bool:
    """Fetch and take until ``stop`` (False) or until the consumer is gone from the server
    and must be declared again (True)."""
    durable = spec.config.durable_name
    failures = 0
    fetch: asyncio.Future[list[Msg]] | None = None
    reconnection = asyncio.Event()

    def ask(n: int) -> tuple[asyncio.Future[list[Msg]], asyncio.Event]:
        """A fetch, and the event of the reconnection that makes its pull request lost."""
        return (asyncio.ensure_future(psub.fetch(batch=n, timeout=spec.expires)),
                bus.reconnection())

    try:
        while not stop.is_set():
            if fetch is None:
                n = spec.batch if room is None else await room(stopping)
                if n <= 0:
                    continue
                fetch, reconnection = ask(n)
            reconnected = asyncio.ensure_future(reconnection.wait())
            await asyncio.wait([fetch, stopping, reconnected],
                               return_when=asyncio.FIRST_COMPLETED)
            reconnected.cancel()
            if not fetch.done():
                # Stopping while idle: whatever this pull still brings is redelivered to
                # another instance after ack_wait. Reconnected: the pull went to the server
                # that is gone, so ask the new one (what the old pull still brings stays
                # queued for the next fetch).
                if stopping.done():
                    return False
                await _cancel(fetch)
                fetch = None
                if spec.reset_on_reconnect:
                    await redeliver_pending(bus, spec.stream, durable or "", stop)
                continue
            done, fetch = fetch, None
            try:
                msgs = done.result()
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            except nats.errors.ConnectionClosedError:
                return False
            except (nats.errors.Error, OSError) as exc:
                # JetStream not answering (a restart, 503 No Responders) or the consumer lost.
                failures += 1
                log.warning("consumer.fetch_failed", durable=durable, error=repr(exc))
                if await pause(stop, backoff(failures, base=RECONNECT_BASE, cap=RECONNECT_CAP)):
                    return False
                if isinstance(exc, nats.js.errors.NotFoundError) or failures >= REBIND_AFTER:
                    # Gone, or deleted under us (the server answers a pull for a consumer
                    # it no longer has with 503): declare it again (a no-op if it is there).
                    return True
                continue
            failures = 0
            if spec.prefetch:
                fetch, reconnection = ask(spec.batch)
            if msgs and not await take(msgs):
                return False
        return False
    finally:
        if fetch is not None:
            await _cancel(fetch)


async def _cancel(fetch: asyncio.Future[Any]) -> None:
    fetch.cancel()
    # A fetch whose expiry came as it was cancelled ends in nats-py's plain TimeoutError.
    with contextlib.suppress(asyncio.CancelledError, TimeoutError, nats.errors.Error):
        await fetch


def _filter(subjects: str | tuple[str, ...]) -> dict[str, Any]:
    """The consumer configuration's filter: JetStream takes several as a list."""
    if isinstance(subjects, str) or len(subjects) == 1:
        return {"filter_subject": subjects if isinstance(subjects, str) else subjects[0]}
    return {"filter_subjects": list(subjects)}


async def consume(bus: Bus, consumer: Consumer, stop: asyncio.Event, *,
                  started: asyncio.Event | None = None) -> None:
    """Fetch and handle messages one at a time (or each batch at once, ``together``)
    until ``stop`` is set; finishes the current batch.

    A message whose handling finds a server gone is retried here, kept in progress, until
    the server is back, so neither its delivery count nor the ack wait grows meanwhile.
    """
    spec = Pull(stream=consumer.stream, batch=consumer.batch, config=ConsumerConfig(
        durable_name=consumer.durable,
        **_filter(consumer.filter_subject),
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=consumer.deliver_policy,
        max_deliver=consumer.max_deliver,
        ack_wait=consumer.ack_wait,
    ))
    decoder = codec.decoder_for(consumer.message_type)
    outcomes = _Outcomes(consumer.durable)

    async def in_order(msgs: list[Msg]) -> bool:
        for i, msg in enumerate(msgs):
            if not await _handle(consumer, decoder, msg, msgs[i + 1:], stop, outcomes):
                # Stopping in an outage: hand the rest back for another instance.
                for rest in msgs[i:]:
                    await _settle(rest.nak(delay=HANDBACK_DELAY))
                return False
        return True

    slots = asyncio.Semaphore(consumer.concurrency)
    key = consumer.lane or _own_lane

    async def laned(msgs: list[Msg]) -> bool:
        return await in_lanes(msgs, key, in_order, slots)

    async def together(msgs: list[Msg]) -> bool:
        assert consumer.together is not None
        try:
            await consumer.together([(decoder.decode(m.data), m) for m in msgs])
        except Exception as exc:  # each message alone finds which failed, and how
            log.debug("consumer.batch_split", durable=consumer.durable, messages=len(msgs),
                      error=repr(exc)[:200])
            return await in_order(msgs)
        outcomes.ack.inc(len(msgs))
        for msg in msgs:
            await _settle(msg.ack())
        return True

    sequential = consumer.concurrency == 1 and consumer.lane is None
    if consumer.together is not None and not sequential:
        raise ValueError(f"{consumer.durable}: a batch handled together is handled in "
                         "order, with no concurrency and no lanes")
    take = together if consumer.together is not None else in_order if sequential else laned
    await pull(bus, spec, take, stop, started=started)


Item = TypeVar("Item")


async def in_lanes(msgs: Sequence[Item], key: Callable[[Item], str],
                   take: Callable[[list[Item]], Awaitable[bool]],
                   slots: asyncio.Semaphore) -> bool:
    """Give each lane of a batch (its messages with one ``key``, in stream order) to
    ``take``, lanes at once as ``slots`` allow; False if any lane's ``take`` was."""
    lanes: dict[str, list[Item]] = {}
    for msg in msgs:
        lanes.setdefault(key(msg), []).append(msg)

    async def lane(ordered: list[Item]) -> bool:
        async with slots:
            return await take(ordered)

    return all(await asyncio.gather(*(lane(ordered) for ordered in lanes.values())))


def _own_lane(msg: Msg) -> str:
    return str(msg.metadata.sequence.stream)


_INCIDENT = b'"incident_arn":"'


def incident_lane(msg: Msg) -> str:
    """A ``lane`` for events: the incident an event's envelope names in its correlation (a
    cheap look at the body: the full decode happens in the lane), else its subject."""
    start = msg.data.find(_INCIDENT)
    if start < 0:
        return str(msg.subject)
    start += len(_INCIDENT)
    return msg.data[start:msg.data.find(b'"', start)].decode(errors="replace")


RESET_TRIES = 5
"""Attempts at :func:`redeliver_pending` while JetStream does not answer (it may be
starting, or too old to know the request) before fetching goes on without it."""


async def redeliver_pending(bus: Bus, stream: str, durable: str, stop: asyncio.Event) -> None:
    """After a reconnection: have the server deliver again at once what it counts as
    delivered and not yet acknowledged (ADR-60 consumer reset, nats-server 2.14+).
    Messages it sent as it went down never arrived, and would otherwise wait out the ack
    wait; those still being handled here or at another instance come twice, which the
    handlers' idempotency (inbox, client tokens) makes harmless."""
    for attempt in range(1, RESET_TRIES + 1):
        try:
            await bus.js.reset_consumer(stream, durable, timeout=2.0)
        except Exception as exc:
            if server_gone(exc) is None or attempt == RESET_TRIES:
                # An older server, or the consumer gone (fetching declares it again).
                log.info("consumer.reset_unavailable", durable=durable, error=repr(exc))
                return
            if await pause(stop, backoff(attempt, base=RECONNECT_BASE, cap=RECONNECT_CAP)):
                return
            continue
        log.info("consumer.redelivering", durable=durable)
        return


class _Outcomes:
    """One durable's settled-message counters, bound once."""

    __slots__ = ("ack", "nak", "term")

    def __init__(self, durable: str) -> None:
        self.ack = metrics.CONSUMER_MESSAGES.labels(durable, "ack")
        self.nak = metrics.CONSUMER_MESSAGES.labels(durable, "nak")
        self.term = metrics.CONSUMER_MESSAGES.labels(durable, "term")


async def _handle(consumer: Consumer, decoder: msgspec.json.Decoder[Any], msg: Msg,
                  waiting: Sequence[Msg], stop: asyncio.Event, outcomes: _Outcomes) -> bool:
    """Handle one message to its outcome; False if ``stop`` came while a server was gone
    (the message is not settled then)."""
    md = msg.metadata
    with bound(msg.headers, subject=msg.subject, stream_seq=md.sequence.stream,
               delivered=md.num_delivered):
        outage = 0
        while True:
            try:
                message = decoder.decode(msg.data)
                await consumer.handler(message, msg)
            except (msgspec.DecodeError, errors.Reject) as exc:
                log.warning("message.rejected", error=str(exc))
                outcomes.term.inc()
                await _settle(msg.term())
            except errors.RetryLater as exc:
                outcomes.nak.inc()
                await _settle(msg.nak(delay=exc.delay))
            except errors.TocsinError as exc:
                if exc.retryable:
                    log.warning("message.retry", error=exc.message)
                    outcomes.nak.inc()
                    await _settle(msg.nak(delay=backoff(md.num_delivered)))
                else:
                    log.warning("message.rejected", error=exc.message)
                    outcomes.term.inc()
                    await _settle(msg.term())
            except Exception as exc:
                gone = server_gone(exc)
                if gone is not None:
                    outage += 1
                    if outage == 1:
                        log.warning("message.server_gone", server=gone, error=repr(exc))
                    for held in (msg, *waiting):
                        await _settle(held.in_progress())
                    if await pause(stop, backoff(outage, base=RECONNECT_BASE,
                                                 cap=RECONNECT_CAP)):
                        return False
                    continue
                log.exception("message.failed")
                if md.num_delivered >= consumer.max_deliver:
                    log.error("message.given_up", max_deliver=consumer.max_deliver)
                outcomes.nak.inc()
                await _settle(msg.nak(delay=backoff(md.num_delivered)))
            else:
                outcomes.ack.inc()
                await _settle(msg.ack())
            if outage:
                log.info("message.server_back", attempts=outage + 1)
            return True


async def _settle(reply: Awaitable[None]) -> None:
    """Send an ack, nak, term or progress report; one lost with the connection only means
    the message comes back (and its inbox entry makes the redelivery harmless)."""
    try:
        await reply
    except nats.errors.Error as exc:
        log.warning("message.settle_failed", error=repr(exc))
