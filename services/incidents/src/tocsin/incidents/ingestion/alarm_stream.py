"""The ``ALARMS`` stream's consumer: alarms from ``alarms.<source>`` into incidents.

One durable pull consumer, shared by every incidents instance, reads the stream in order.
Each message is an EventBridge-shaped event routed to response plans by its
``Tocsin-Response-Plan`` header (a plan name or ARN) or, without one, by the event rules
whose pattern it matches; each plan it reaches gets :meth:`Ingestion.open` or
:meth:`Ingestion.recover` (:mod:`tocsin.incidents.ingestion.domain` says which).

Nothing stalls the consumer and nothing is lost:

- a message that can never succeed (larger than ``max_bytes``, not an event, no plan to
  go to, refused by the plan) is republished to the dead-letter subject ``alarms.dlq``,
  body unchanged, with ``Tocsin-Dlq-Reason`` (``oversized``, ``malformed``,
  ``unroutable``, ``rejected``, ``failing``), ``Tocsin-Dlq-Detail``,
  ``Tocsin-Dlq-Subject`` and ``Tocsin-Dlq-Sequence`` (its place in ``ALARMS``), counted
  by reason in ``dead_letter_count``, and terminated;
- a message that fails for a passing reason (PostgreSQL or contacts away) is redelivered
  with a growing delay, and dead-lettered as ``failing`` on its ``max_deliver``-th try;
- each message has a time limit, so one slow call holds up only its own batch.

Backpressure: the consumer pulls the next batch only when the last is done, and JetStream
keeps whatever publishers send meanwhile (the stream's limits, not the consumer, decide
what is kept), so a storm queues up rather than being dropped. In a batch, messages of
different triggers run concurrently; those of one trigger (an alarm's ``ALARM`` then
``OK``) run in stream order. Across instances they may not: an ``OK`` handled first is
kept (:meth:`Ingestion.recover`) and applied to the incident its older ``ALARM`` opens.

Each batch is handled in two steps: reading its events (parsing, routing: no change
anywhere), then applying them. The next batch is read while the last one's changes are
being written, so the process parses while PostgreSQL commits; batches are applied one
after the other, in stream order.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from tocsin.incidents.ingestion import domain as alarms
from tocsin.incidents.ingestion.domain import Malformed, Trigger
from tocsin.incidents.ingestion.store import IngestionStore
from tocsin.incidents.ingestion.triggers import Ingestion, Outcome, client_token
from tocsin.shared import errors, metrics
from tocsin.shared.bus import Bus
from tocsin.shared.bus.consumer import Pull, in_lanes, pull
from tocsin.shared.logging import bound, get_logger
from tocsin.shared.outage import RECONNECT_BASE, RECONNECT_CAP, backoff, server_gone
from tocsin.shared.runner import pause

__all__ = ["PLAN_HEADER", "AlarmIntake", "Route", "apply"]

log = get_logger(__name__)

PLAN_HEADER = "Tocsin-Response-Plan"
OPEN_HINTS = 10_000
"""Triggers whose open incident the consumer remembers, most recent first."""


@dataclass(frozen=True, slots=True)
class Route:
    """One plan an event goes to, and the rule that sent it there (None: the header)."""

    plan_arn: str
    rule_arn: str | None = None
    rule_name: str | None = None


Router = Callable[[dict[str, Any]], Awaitable[Sequence[Route]]]
"""The plans an event without a plan header goes to (the event rules it matches)."""


class DeadLetter(Exception):
    """The message goes to the dead-letter queue for ``reason``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


async def apply(ingestion: Ingestion, route: Route, trigger: Trigger, *,
                principal: str = "", resolve: bool = False) -> Outcome:
    """What the trigger does to the plan of ``route``; the token is the event id (and the
    rule, since one event may reach several plans)."""
    token = _token(route, trigger)
    if trigger.kind == "open":
        return await ingestion.open(route.plan_arn, trigger, token=token, principal=principal)
    if trigger.kind == "recover":
        return await ingestion.recover(route.plan_arn, trigger, token=token,
                                       principal=principal, resolve=resolve)
    return Outcome("ignored")


def _header_value(text: str) -> str:
    """A header value NATS can carry: one printable line."""
    return "".join(c if c.isprintable() else " " for c in text)[:1024]


class AlarmIntake:
    """The consumer, as a runner worker."""

    def __init__(self, ingestion: Ingestion, bus: Bus, pool: asyncpg.Pool, *,
                 router: Router | None, durable: str, filter_subject: str,
                 dlq_subject: str = "alarms.dlq", stream: str = "ALARMS",
                 max_bytes: int = 256 * 1024, max_deliver: int = 5, batch: int = 128,
                 concurrency: int = 16, timeout: float = 20.0) -> None:
        self._ingestion = ingestion
        self._bus = bus
        self._pool = pool
        self._router = router
        self._durable = durable
        self._filter = filter_subject
        self._dlq = dlq_subject
        self._stream = stream
        self._max_bytes = max_bytes
        self._max_deliver = max_deliver
        self._batch = batch
        self._slots = asyncio.Semaphore(concurrency)
        self._timeout = timeout
        self._stop = asyncio.Event()
        self.started = asyncio.Event()
        """Set once the durable consumer is bound: alarms published now are taken."""
        self._open: OrderedDict[tuple[str, str], str] = OrderedDict()
        """(plan, trigger key) → the incident its last start opened or joined; a hint only
        (:meth:`Ingestion.join` checks the incident is still open)."""
        self._applying: asyncio.Task[None] | None = None
        """The last batch being applied while the next one is read."""

    def _remember(self, plan_arn: str, key: str, incident_arn: str | None) -> None:
        self._open.pop((plan_arn, key), None)
        if incident_arn is not None:  # a recovery forgets: the next alarm may open anew
            self._open[(plan_arn, key)] = incident_arn
            if len(self._open) > OPEN_HINTS:
                self._open.popitem(last=False)

    async def __call__(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set; the current batch is finished first. The next
        batch travels while this one is handled; it is handled after it, so one trigger's
        messages keep their order."""
        self._stop = stop
        log.info("intake.consuming", filter=self._filter, durable=self._durable)
        try:
            await self._pull(stop)
        finally:
            if self._applying is not None:
                await self._applying  # cancelled (the grace is over): so is it

    async def _pull(self, stop: asyncio.Event) -> None:
        await pull(self._bus, Pull(
            stream=self._stream, batch=self._batch, prefetch=True,
            config=ConsumerConfig(
                durable_name=self._durable, filter_subject=self._filter,
                ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL,
                # The consumer itself gives up after max_deliver tries (to the dead-letter
                # queue); the server's limit only catches a message that kills the process.
                max_deliver=self._max_deliver + 2, ack_wait=self._timeout * 1.5,
                max_ack_pending=self._batch * 4)), self._take, stop, started=self.started)

    async def _take(self, msgs: list[Msg]) -> bool:
        """Read the batch while the last one is applied; then apply it in the background
        once the last is done (the pull loop meanwhile fetches the next)."""
        read = await self._caught(self._read(msgs), len(msgs))
        if self._applying is not None:
            await self._applying
        self._applying = asyncio.create_task(self._caught(self._apply_all(read or []),
                                                          len(msgs)))
        return True

    async def _caught(self, step: Awaitable[Any], messages: int) -> Any:
        try:
            return await step
        except Exception:
            # Never the consumer's end: what was not acked comes back after ack_wait, and
            # fails on its own if it must.
            log.exception("intake.batch_failed", messages=messages)
            return None

    async def handle_batch(self, msgs: Sequence[Msg]) -> None:
        """Handle a batch: one task per trigger, each taking its messages in order."""
        await self._apply_all(await self._read(msgs))

    async def _read(self, msgs: Sequence[Msg]) -> list[tuple[Msg, _Prepared]]:
        """The batch's messages with their events read and routed (those that cannot be
        are finished here: dead-lettered, or handed back for a later try)."""
        read = []
        for msg in msgs:
            prepared = await self._guard(msg, functools.partial(self._prepare, msg),
                                         timed=False)
            if prepared is not None:
                read.append((msg, prepared))
        return read

    async def _apply_all(self, read: list[tuple[Msg, _Prepared]]) -> None:
        await in_lanes(read, _lane, self._lane, self._slots)

    async def _lane(self, read: list[tuple[Msg, _Prepared]]) -> bool:
        """One trigger's messages in order. A run of new alarms that join an incident this
        consumer opened or joined (a storm of one alarm) is recorded in one transaction
        (:meth:`Ingestion.join`)."""
        storm = _Storm()
        for msg, prepared in read:
            target = self._joinable(prepared)
            if target is not None and storm.target in (None, target):
                storm.target = target
                storm.waiting.append(msg)
                storm.prepared.append(prepared)
                continue
            await self._flush(storm)
            if await self._guard(msg, functools.partial(self._apply, prepared)):
                await msg.ack()
        await self._flush(storm)
        return True

    def _joinable(self, prepared: _Prepared) -> tuple[str, str, str] | None:
        """(plan, trigger key, incident) when the message starts the open incident of a
        trigger this consumer last started."""
        if len(prepared.pairs) != 1:
            return None
        route, trigger = prepared.pairs[0]
        if trigger.kind != "open" or not trigger.key:
            return None
        arn = self._open.get((route.plan_arn, trigger.key))
        return (route.plan_arn, trigger.key, arn) if arn else None

    async def _flush(self, storm: _Storm) -> None:
        waiting, prepared, target = storm.waiting, storm.prepared, storm.target
        storm.waiting, storm.prepared, storm.target = [], [], None
        if not waiting or target is None:
            return
        plan_arn, key, incident_arn = target
        try:
            async with asyncio.timeout(self._timeout):
                joined = await self._ingestion.join(plan_arn, incident_arn, [
                    (p.pairs[0][1], _token(*p.pairs[0])) for p in prepared])
        except Exception as exc:
            if _expected(exc):
                log.warning("intake.join_failed", error=repr(exc), alarms=len(waiting))
            else:
                log.exception("intake.join_failed", alarms=len(waiting))
            joined = False  # each alarm is tried on its own
        if joined:
            log.info("intake.joined", alarms=len(waiting), incident_arn=incident_arn)
            for msg in waiting:
                await msg.ack()
            return
        self._open.pop((plan_arn, key), None)  # gone or resolved: each on its own
        for msg, p in zip(waiting, prepared, strict=True):
            if await self._guard(msg, functools.partial(self._apply, p)):
                await msg.ack()

    async def _guard(self, msg: Msg, step: Callable[[], Awaitable[Any]], *,
                     timed: bool = True) -> Any:
        """``step()``'s result (within the time limit when ``timed``); None when the message
        was finished here instead (dead-lettered, or handed back for a later try).

        While NATS or PostgreSQL is gone the step is tried again here, the message kept in
        progress, so an outage neither counts as a failed delivery nor waits for the ack
        wait to pass.
        """
        md = msg.metadata
        with bound(None, subject=msg.subject, stream_seq=md.sequence.stream,
                   delivered=md.num_delivered):
            outage = 0
            while True:
                try:
                    if not timed:
                        return await step()
                    async with asyncio.timeout(self._timeout):
                        return await step()
                except DeadLetter as dead:
                    await self._dead_letter(msg, dead)
                    return None
                except Exception as exc:
                    gone = server_gone(exc)
                    if gone is not None and not self._stop.is_set():
                        outage += 1
                        if outage == 1:
                            log.warning("intake.server_gone", server=gone, error=repr(exc))
                        with contextlib.suppress(nats.errors.Error):
                            await msg.in_progress()
                        await pause(self._stop, backoff(outage, base=RECONNECT_BASE,
                                                        cap=RECONNECT_CAP))
                        continue
                    if isinstance(exc, errors.TocsinError) and not exc.retryable:
                        await self._dead_letter(msg, DeadLetter("rejected", exc.message))
                        return None
                    if _expected(exc):
                        log.warning("intake.retry", error=repr(exc))
                    else:
                        log.exception("intake.failed")
                    if gone is None and md.num_delivered >= self._max_deliver:
                        await self._dead_letter(msg, DeadLetter(
                            "failing", f"failed {md.num_delivered} times, last: {exc!r}"))
                        return None
                    with contextlib.suppress(nats.errors.Error):
                        await msg.nak(delay=backoff(md.num_delivered))
                    return None

    async def _prepare(self, msg: Msg) -> _Prepared | None:
        """The message's event, where it goes and what it asks there."""
        md = msg.metadata
        if msg.subject == self._dlq or msg.subject.startswith(self._dlq + "."):
            await msg.ack()  # the dead-letter queue is in the same stream
            return None
        if md.num_delivered > self._max_deliver:
            raise DeadLetter("failing", f"delivered {md.num_delivered - 1} times without "
                             "success")
        if len(msg.data) > self._max_bytes:
            raise DeadLetter("oversized", f"{len(msg.data)} bytes, more than the "
                             f"{self._max_bytes} an alarm may have")
        try:
            event = alarms.parse_event(msg.data)
        except Malformed as exc:
            raise DeadLetter("malformed", str(exc)) from None
        header = (msg.headers or {}).get(PLAN_HEADER, "").strip()
        if header:
            routes: Sequence[Route] = [Route(self._ingestion.plan_arn(header))]
        elif self._router is not None:
            routes = await self._router(event)
        else:
            routes = []
        if not routes:
            raise DeadLetter("unroutable", f"no {PLAN_HEADER} header and no event rule "
                             "matches the event")
        received = md.timestamp.timestamp()
        try:
            return _Prepared([(r, alarms.to_trigger(event, rule_arn=r.rule_arn,
                                                    received=received)) for r in routes])
        except Malformed as exc:
            raise DeadLetter("malformed", str(exc)) from None

    async def _apply(self, prepared: _Prepared) -> bool:
        refused: list[DeadLetter] = []
        for route, trigger in prepared.pairs:
            try:
                outcome = await apply(self._ingestion, route, trigger)
            except errors.NotFoundError as exc:
                refused.append(DeadLetter("unroutable", exc.message))
                continue
            except errors.TocsinError as exc:
                if exc.retryable:
                    raise
                refused.append(DeadLetter("rejected", exc.message))
                continue
            log.debug("intake.applied", action=outcome.action, plan=route.plan_arn,
                      incident_arn=outcome.incident_arn, rule=route.rule_name)
            if trigger.key:
                self._remember(route.plan_arn, trigger.key,
                               outcome.incident_arn if outcome.action == "opened" else None)
        if refused:
            # Every plan that took the event keeps it; the message goes to the dead-letter
            # queue for those that did not (a redelivery would change nothing for them).
            raise DeadLetter(refused[0].reason, "; ".join(r.detail for r in refused))
        return True

    async def _dead_letter(self, msg: Msg, dead: DeadLetter) -> None:
        md = msg.metadata
        headers = {
            "Tocsin-Dlq-Reason": dead.reason,
            "Tocsin-Dlq-Detail": _header_value(dead.detail),
            "Tocsin-Dlq-Subject": msg.subject,
            "Tocsin-Dlq-Sequence": str(md.sequence.stream),
            "Tocsin-Dlq-Delivered": str(md.num_delivered),
        }
        plan = (msg.headers or {}).get(PLAN_HEADER)
        if plan:
            headers[PLAN_HEADER] = _header_value(plan)
        # An oversized body stays in ALARMS only (Tocsin-Dlq-Sequence finds it there).
        body = b"" if dead.reason == "oversized" else msg.data
        try:
            await self._bus.publish(self._dlq, body, headers=headers,
                                    msg_id=f"dlq:{md.stream}:{md.sequence.stream}")
            await IngestionStore.count_dead_letter(self._pool, dead.reason)
        except Exception as exc:
            # Not lost: the message is still unacknowledged, and comes back.
            log.warning("intake.dead_letter_failed", error=repr(exc))
            await msg.nak(delay=backoff(md.num_delivered))
            return
        metrics.DEAD_LETTERS.labels(dead.reason).inc()
        log.warning("intake.dead_lettered", reason=dead.reason, detail=dead.detail)
        await msg.term()


_EXPECTED = (TimeoutError, errors.TocsinError, asyncpg.PostgresError, asyncpg.InterfaceError,
             nats.errors.Error, OSError)
"""What handling an alarm may meet without a bug: too slow, refused, a server away or
failing. Anything else is a bug, logged as an error with its traceback (and the alarm is
still retried, then dead-lettered)."""


def _expected(exc: BaseException) -> bool:
    return isinstance(exc, _EXPECTED) or server_gone(exc) is not None


@dataclass(frozen=True, slots=True)
class _Prepared:
    pairs: list[tuple[Route, Trigger]]


def _token(route: Route, trigger: Trigger) -> str:
    return client_token(trigger.event_id, *([route.rule_name] if route.rule_name else []))


class _Storm:
    """A lane's run of alarms waiting to join one open incident."""

    def __init__(self) -> None:
        self.target: tuple[str, str, str] | None = None
        """(plan ARN, trigger key, incident ARN)."""
        self.waiting: list[Msg] = []
        self.prepared: list[_Prepared] = []


def _lane(read: tuple[Msg, _Prepared]) -> str:
    """Messages of one trigger share a lane and keep their order: the alarm or first
    resource, as a cheap look at the body finds it."""
    msg = read[0]
    data = msg.data
    start = data.find(b'"resources"')
    if start >= 0:
        end = data.find(b"]", start)
        if end > start:
            return data[start:end].decode(errors="replace")
    return msg.subject
