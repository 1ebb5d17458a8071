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

Backpressure: the consumer holds at most four batches (two being written, one being
read, one travelling) and pulls the next only when one of them is done, and JetStream
keeps whatever publishers send meanwhile (the stream's limits, not the consumer, decide
what is kept), so a storm queues up rather than being dropped.

A batch's starts are opened together: the ``ALARM``s (and other starting events) that
lead each trigger's messages in the batch go through
:class:`~tocsin.incidents.ingestion.batch.Batch`, one transaction for all of them, and are
acknowledged once it has committed (a crash before loses nothing: the batch comes again,
and its recorded tokens open nothing twice). What is left (a recovery, and any alarm the
batch left out or failed) is then handled one message at a time through
:func:`apply`: messages of different triggers concurrently, those of one trigger (an
alarm's ``ALARM`` then ``OK``) in stream order. Across instances they may not: an ``OK``
handled first is kept (:meth:`Ingestion.recover`) and applied to the incident its older
``ALARM`` opens.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg
import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from tocsin.incidents.ingestion import domain as alarms
from tocsin.incidents.ingestion.batch import Batch, Start
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


_T = TypeVar("_T")


class AlarmIntake:
    """The consumer, as a runner worker."""

    def __init__(self, ingestion: Ingestion, starts: Batch, bus: Bus, pool: asyncpg.Pool, *,
                 router: Router | None, durable: str, filter_subject: str,
                 dlq_subject: str = "alarms.dlq", stream: str = "ALARMS",
                 max_bytes: int = 256 * 1024, max_deliver: int = 5, batch: int = 256,
                 concurrency: int = 16, timeout: float = 20.0) -> None:
        self._ingestion = ingestion
        self._starts = starts
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
        self._applying: asyncio.Future[None] | None = None
        """The last batch taken, being applied."""
        self._before: asyncio.Future[None] | None = None
        """The batch taken before it, which may still be applied too."""
        self._only_starts = True
        """Whether the last batch taken asked nothing but starts."""
        self.started = asyncio.Event()
        """Set once the durable consumer is bound: alarms published now are taken."""

    async def __call__(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set; the batches in hand are finished first.

        The next batch travels, and is read, while this one is applied. Its starts may go
        into PostgreSQL beside this batch's (two transactions at once, this process
        preparing one while PostgreSQL writes the other) when this batch asked nothing but
        starts: one trigger's starts join one incident in whatever order they commit
        (concurrent instances of this service do the same), while a recovery must follow
        the starts before it. Everything else of a batch is applied after the batch before
        it, so one trigger's messages keep their order."""
        self._stop = stop
        log.info("intake.consuming", filter=self._filter, durable=self._durable)
        try:
            await pull(self._bus, Pull(
                stream=self._stream, batch=self._batch, prefetch=True,
                config=ConsumerConfig(
                    durable_name=self._durable, filter_subject=self._filter,
                    ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL,
                    # The consumer itself gives up after max_deliver tries (to the
                    # dead-letter queue); the server's limit only catches a message that
                    # kills the process.
                    max_deliver=self._max_deliver + 2, ack_wait=self._timeout * 1.5,
                    max_ack_pending=self._batch * 4)), self._take, stop, started=self.started)
        finally:
            for applying in (self._before, self._applying):
                if applying is not None:
                    await applying

    async def _take(self, msgs: list[Msg]) -> bool:
        """Prepare ``msgs`` while the batches before are applied, then apply them in the
        background (the next batch is read meanwhile), at most two batches at once."""
        prepared = await self._guarded(self._prepare_batch(msgs)) or {}
        if self._before is not None:
            await self._before
        if self._applying is not None and not self._only_starts:
            await self._applying
        self._before = self._applying
        self._applying = asyncio.ensure_future(
            self._guarded(self._apply_batch(msgs, prepared, after=self._before)))
        self._only_starts = all(isinstance(p, _Prepared) and p.starts_only
                                for p in prepared.values())
        return True

    @staticmethod
    async def _guarded(step: Awaitable[_T]) -> _T | None:
        try:
            return await step
        except Exception:
            # Never the consumer's end: what was not acked comes back after ack_wait, and
            # fails on its own if it must.
            log.exception("intake.batch_failed")
            return None

    async def _prepare_batch(self, msgs: Sequence[Msg]) -> dict[int, _Prepared | DeadLetter]:
        """Each message's event, where it goes and what it asks there, by ``id`` of the
        message, or why it goes to the dead-letter queue (done by :meth:`_apply_batch`, in order:
        an earlier delivery of the message may still be in hand). Those finished here
        (failing unexpectedly, then dead-lettered or retried later) are left out."""
        prepared: dict[int, _Prepared | DeadLetter] = {}
        for msg in msgs:
            try:
                p: _Prepared | DeadLetter | None = await self._prepare(msg)
            except DeadLetter as dead:
                p = dead
            except Exception:  # again, guarded: with its log context, dead-lettered or retried
                p = await self._guard(msg, functools.partial(self._prepare, msg), timed=False)
            if p is not None:
                prepared[id(msg)] = p
        return prepared

    async def _apply_batch(self, msgs: Sequence[Msg],
                           prepared: dict[int, _Prepared | DeadLetter], *,
                           after: Awaitable[Any] | None = None) -> None:
        """Apply a prepared batch: the starts that lead each trigger's messages together,
        in one transaction (:class:`~tocsin.incidents.ingestion.batch.Batch`),
        acknowledged once it has committed; then, once ``after`` (the batch before) is
        done, the dead letters, and what is left (a recovery, what the batch left out or
        failed) one by one, each trigger's messages in order, triggers at once."""
        ready = {i: p for i, p in prepared.items() if isinstance(p, _Prepared)}
        lanes: dict[str, list[Msg]] = {}
        for msg in msgs:
            if id(msg) in ready:
                lanes.setdefault(_lane(msg), []).append(msg)
        leading: list[Msg] = []
        for lane in lanes.values():
            for msg in lane:
                if not ready[id(msg)].starts_only:
                    break
                leading.append(msg)
        done = await self._start_together([(m, ready[id(m)]) for m in leading])
        left = [m for m in msgs if id(m) in ready and id(m) not in done]
        if after is not None:
            await after
        for msg in msgs:
            if isinstance(dead := prepared.get(id(msg)), DeadLetter):
                with _logged_as(msg):
                    await self._dead_letter(msg, dead)

        async def alone(ordered: list[Msg]) -> bool:
            for msg in ordered:
                if await self._guard(msg, functools.partial(self._apply, ready[id(msg)])):
                    await msg.ack()
            return True

        await in_lanes(left, _lane, alone, self._slots)

    async def _start_together(self, items: list[tuple[Msg, _Prepared]]) -> set[int]:
        """The starts of ``items`` in one transaction; the ids of the messages it handled
        (acknowledged after the commit). A failure leaves each to be applied alone: an
        outage is then ridden out there, a refusal answered, a bug logged per message."""
        starts: list[Start] = []
        owners: list[int] = []
        for n, (_, p) in enumerate(items):
            for route, trigger in p.pairs:
                if trigger.kind == "open":
                    starts.append(Start(route.plan_arn, trigger, _token(route, trigger)))
                    owners.append(n)
        outcomes: list[Outcome | None] = []
        if starts:
            try:
                async with asyncio.timeout(self._timeout):
                    outcomes = await self._starts.open(starts)
            except Exception as exc:
                if _expected(exc):
                    log.warning("intake.batch_failed", error=repr(exc), alarms=len(items))
                else:
                    log.exception("intake.batch_failed", alarms=len(items))
                return set()
        left = {owners[k] for k, outcome in enumerate(outcomes) if outcome is None}
        done: set[int] = set()
        for n, (msg, _) in enumerate(items):
            if n not in left:
                await msg.ack()
                done.add(id(msg))
        log.debug("intake.started_together", alarms=len(done), left=len(items) - len(done))
        return done

    async def _guard(self, msg: Msg, step: Callable[[], Awaitable[Any]], *,
                     timed: bool = True) -> Any:
        """``step()``'s result (within the time limit when ``timed``); None when the message
        was finished here instead (dead-lettered, or handed back for a later try).

        While NATS or PostgreSQL is gone the step is tried again here, the message kept in
        progress, so an outage neither counts as a failed delivery nor waits for the ack
        wait to pass.
        """
        md = msg.metadata
        with _logged_as(msg):
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

    @property
    def starts_only(self) -> bool:
        """Whether the message only starts incidents (or asks nothing): it may go in a
        batch's transaction."""
        return all(trigger.kind != "recover" for _, trigger in self.pairs)


def _logged_as(msg: Msg) -> contextlib.AbstractContextManager[Any]:
    """The log context of one message's handling."""
    md = msg.metadata
    return bound(None, subject=msg.subject, stream_seq=md.sequence.stream,
                 delivered=md.num_delivered)


def _token(route: Route, trigger: Trigger) -> str:
    return client_token(trigger.event_id, *([route.rule_name] if route.rule_name else []))


def _lane(msg: Msg) -> str:
    """Messages of one trigger share a lane and keep their order; a cheap look at the body
    (the alarm or first resource), since the full decode happens in the lane."""
    data = msg.data
    start = data.find(b'"resources"')
    if start >= 0:
        end = data.find(b"]", start)
        if end > start:
            return data[start:end].decode(errors="replace")
    return msg.subject
