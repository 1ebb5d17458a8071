"""Durable timers in PostgreSQL, and the worker that fires them.

A timer is a row (``timer``) with a due time in plan time. Any number of instances run
:class:`TimerWorker`. Firing is one transaction: claim up to ``batch`` pending rows that
are due with ``FOR UPDATE SKIP LOCKED``, mark them fired, and write what is due
(:mod:`tocsin.shared.contracts.escalation`: ``StageDue``, ``PageStageDue``,
``ChannelRetryDue``, ``AcknowledgementTimedOut``) to the outbox. So two instances never
fire the same timer, an instance that dies mid-round fires nothing (its transaction rolls
back and the rows are due again for the others), and every fired timer's demand reaches
JetStream exactly once by id; the service acting on it does so idempotently under the
timer id. A timer is never fired before ``due_at <= clock.now()``, and a cancelled one
never fires: cancelling takes the row lock that firing takes.

Between rounds the worker sleeps until the earliest due time, at most ``max_sleep`` real
seconds, and is woken by ``NOTIFY`` when a commit schedules a timer. Fired and cancelled
rows are deleted once ``retention`` of plan time has passed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from tocsin.escalation.events import Event, Events
from tocsin.shared.clock import Clock
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import escalation as ec
from tocsin.shared.db import transaction
from tocsin.shared.logging import get_logger
from tocsin.shared.outage import (
    RECONNECT_BASE,
    RECONNECT_CAP,
    backoff,
    connection_lost,
    server_gone,
)
from tocsin.shared.runner import pause

__all__ = ["NewTimer", "Timer", "TimerStore", "TimerWorker", "stage_offsets", "stage_timer_id"]

log = get_logger(__name__)

CHANNEL = "tocsin_escalation_timer"
"""The NOTIFY channel a commit that schedules a timer signals (per database, so the
schema is the payload)."""

PRUNE_EVERY = 60.0
"""Real seconds between deletions of finished timers."""


def stage_timer_id(engagement_arn: str, stage_index: int, round_: int = 0) -> str:
    """The deterministic id of the timer that starts one stage of an engagement."""
    return (f"{engagement_arn}#{stage_index}" if round_ == 0
            else f"{engagement_arn}#r{round_}#{stage_index}")


def stage_offsets(stages: Sequence[cc.EngagementStage], *, rounds: int = 1
                  ) -> tuple[list[tuple[int, int, int]], int]:
    """``[(round, stage index, minutes from the start)]`` of every stage start but round 0's
    stage 0 (which starts with the engagement), and the minutes until the last stage of the
    last round ends. Stage *k* starts after the durations of stages 0..k-1; round *r* starts
    when round *r-1*'s last stage has lasted its duration."""
    ordered = sorted(stages, key=lambda s: s.stage_index)
    out: list[tuple[int, int, int]] = []
    offset = 0
    for round_ in range(rounds):
        for stage in ordered:
            if round_ or stage is not ordered[0]:
                out.append((round_, stage.stage_index, offset))
            offset += stage.duration_in_minutes
    return out, offset


@dataclass(frozen=True, slots=True)
class NewTimer:
    """A timer to schedule."""

    id: str
    kind: ec.TimerKind
    engagement_arn: str
    due_at: datetime
    stage_index: int = 0
    round: int = 0
    page_arn: str | None = None
    channel_arn: str | None = None
    contact_arn: str | None = None
    incident_arn: str | None = None

    def scheduled(self) -> ec.TimerScheduled:
        return ec.TimerScheduled(timer_id=self.id, engagement_arn=self.engagement_arn,
                                 due_at=self.due_at, kind=self.kind,
                                 stage_index=self.stage_index, round=self.round,
                                 page_arn=self.page_arn)


@dataclass(frozen=True, slots=True)
class Timer:
    """One timer row."""

    id: str
    kind: ec.TimerKind
    engagement_arn: str
    stage_index: int
    round: int
    page_arn: str | None
    channel_arn: str | None
    contact_arn: str | None
    incident_arn: str | None
    due_at: datetime
    state: str
    finished_at: datetime | None

    @classmethod
    def of(cls, row: asyncpg.Record) -> Timer:
        return cls(**{name: row[name] for name in _FIELDS})

    def due(self, fired_at: datetime) -> Event:
        """The event that says what this timer demands now."""
        match self.kind:
            case ec.START_ENGAGEMENT_STAGE:
                return ec.StageDue(timer_id=self.id, engagement_arn=self.engagement_arn,
                                   stage_index=self.stage_index, round=self.round,
                                   due_at=self.due_at, fired_at=fired_at)
            case ec.PAGE_STAGE:
                assert self.page_arn
                return ec.PageStageDue(timer_id=self.id, engagement_arn=self.engagement_arn,
                                       page_arn=self.page_arn, stage_index=self.stage_index,
                                       due_at=self.due_at, fired_at=fired_at)
            case ec.RETRY_CHANNEL:
                assert self.page_arn and self.channel_arn
                return ec.ChannelRetryDue(timer_id=self.id, engagement_arn=self.engagement_arn,
                                          page_arn=self.page_arn, channel_arn=self.channel_arn,
                                          due_at=self.due_at, fired_at=fired_at)
            case _:
                assert self.page_arn and self.contact_arn and self.incident_arn
                return ec.AcknowledgementTimedOut(
                    timer_id=self.id, engagement_arn=self.engagement_arn,
                    contact_arn=self.contact_arn, page_arn=self.page_arn,
                    incident_arn=self.incident_arn, due_at=self.due_at, fired_at=fired_at)

    def cancelled(self, reason: ec.CancelReason) -> ec.TimerCancelled:
        return ec.TimerCancelled(timer_id=self.id, engagement_arn=self.engagement_arn,
                                 due_at=self.due_at, reason=reason, kind=self.kind,
                                 stage_index=self.stage_index, round=self.round)


_FIELDS = ("id", "kind", "engagement_arn", "stage_index", "round", "page_arn", "channel_arn",
           "contact_arn", "incident_arn", "due_at", "state", "finished_at")
_COLUMNS = ", ".join(_FIELDS)


class TimerStore:
    """The SQL of the ``timer`` table; every call runs on the caller's connection."""

    @staticmethod
    async def schedule(conn: asyncpg.Connection, timers: Sequence[NewTimer], *,
                       now: datetime) -> list[NewTimer]:
        """Insert pending timers in one statement; returns those that did not exist yet.
        Wakes the workers when the transaction commits."""
        if not timers:
            return []
        inserted = set(await conn.fetchval(
            "WITH t AS (INSERT INTO timer (id, kind, engagement_arn, stage_index, round,"
            "  page_arn, channel_arn, contact_arn, incident_arn, due_at, created_at)"
            " SELECT *, $11::timestamptz FROM unnest($1::text[], $2::text[], $3::text[],"
            "  $4::int[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[],"
            "  $10::timestamptz[])"
            " ON CONFLICT (id) DO NOTHING RETURNING id)"
            " SELECT coalesce(array_agg(id), '{}') FROM t",
            *(list(column) for column in zip(*(
                (t.id, t.kind, t.engagement_arn, t.stage_index, t.round, t.page_arn,
                 t.channel_arn, t.contact_arn, t.incident_arn, t.due_at) for t in timers),
                strict=True)), now))
        if inserted:
            await conn.execute("SELECT pg_notify($1, current_schema())", CHANNEL)
        return [t for t in timers if t.id in inserted]

    @staticmethod
    async def cancel(conn: asyncpg.Connection, *, now: datetime,
                     engagement_arn: str | None = None, page_arn: str | None = None,
                     incident_arn: str | None = None,
                     kinds: Sequence[str] = (),
                     created_before: datetime | None = None) -> list[Timer]:
        """Cancel the pending timers of an engagement, a page or an incident (of ``kinds``
        only, when given; scheduled no later than ``created_before``, when given); returns
        those cancelled. The UPDATE waits for a round firing them (it holds their rows),
        then finds them fired: a timer is cancelled or fired, never both."""
        rows = await conn.fetch(
            "UPDATE timer SET state = 'cancelled', finished_at = $1"
            " WHERE state = 'pending'"
            "  AND ($2::text IS NULL OR engagement_arn = $2)"
            "  AND ($3::text IS NULL OR page_arn = $3)"
            "  AND ($4::text IS NULL OR incident_arn = $4)"
            "  AND (cardinality($5::text[]) = 0 OR kind = ANY($5))"
            "  AND ($6::timestamptz IS NULL OR created_at <= $6)"
            f" RETURNING {_COLUMNS}", now, engagement_arn, page_arn, incident_arn, list(kinds),
            created_before)
        return sorted((Timer.of(r) for r in rows), key=lambda t: (t.due_at, t.id))

    @staticmethod
    async def fire_due(conn: asyncpg.Connection, *, now: datetime, limit: int) -> list[Timer]:
        """Mark up to ``limit`` due timers fired that no other transaction holds, earliest
        first (commit to keep them fired)."""
        rows = await conn.fetch(
            "WITH due AS (SELECT id FROM timer WHERE state = 'pending' AND due_at <= $1"
            "  ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
            " UPDATE timer t SET state = 'fired', finished_at = $1 FROM due"
            f" WHERE t.id = due.id RETURNING {', '.join('t.' + f for f in _FIELDS)}",
            now, limit)
        return sorted((Timer.of(r) for r in rows), key=lambda t: (t.due_at, t.id))

    @staticmethod
    async def next_due(conn: asyncpg.Connection) -> datetime | None:
        """The earliest due time of a pending timer."""
        due: datetime | None = await conn.fetchval(
            "SELECT min(due_at) FROM timer WHERE state = 'pending'")
        return due

    @staticmethod
    async def next_stage_start(conn: asyncpg.Connection, engagement_arn: str) -> datetime | None:
        """When the engagement's next stage starts: the end of the stage live now."""
        due: datetime | None = await conn.fetchval(
            "SELECT min(due_at) FROM timer WHERE engagement_arn = $1 AND state = 'pending'"
            " AND kind = 'START_ENGAGEMENT_STAGE'", engagement_arn)
        return due

    @staticmethod
    async def of_engagement(conn: asyncpg.Connection, engagement_arn: str) -> list[Timer]:
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM timer WHERE engagement_arn = $1"
            " ORDER BY due_at, id", engagement_arn)
        return [Timer.of(r) for r in rows]

    @staticmethod
    async def prune(conn: asyncpg.Connection, *, before: datetime) -> int:
        """Delete timers that finished before ``before``, and engagements that ended then
        and have no pending timer left."""
        deleted: str = await conn.execute(
            "DELETE FROM timer WHERE state <> 'pending' AND finished_at < $1", before)
        await conn.execute(
            "DELETE FROM engagement e WHERE coalesce(e.stopped_at, e.ends_at) < $1"
            " AND NOT EXISTS (SELECT 1 FROM timer t WHERE t.engagement_arn = e.arn"
            "  AND t.state = 'pending')", before)
        return int(deleted.split()[-1])


class TimerWorker:
    """Fires due timers until stopped."""

    def __init__(self, pool: asyncpg.Pool, clock: Clock, events: Events, *,
                 batch: int = 1000, max_sleep: float = 1.0,
                 retention: timedelta = timedelta(days=7)) -> None:
        self._pool = pool
        self._clock = clock
        self._events = events
        self._batch = batch
        self._max_sleep = max_sleep
        self._retention = retention
        self._wake = asyncio.Event()
        self._schema = ""
        self._pruned = 0.0
        self.fired = 0
        """Timers this worker fired since it started (for benchmarks and logs)."""

    async def run(self, stop: asyncio.Event) -> None:
        """Fire due timers until ``stop`` is set; finishes the round in progress. A
        PostgreSQL restart is ridden out: the timers wait in the table, a failed round is
        tried again after a short backoff, and a lost LISTEN connection is replaced."""
        failures = 0
        while not stop.is_set():
            try:
                await self._listen_and_fire(stop)
                return
            except Exception as exc:
                if server_gone(exc) is None:
                    raise
                failures += 1
                log.warning("timers.connection_lost", error=repr(exc))
                await pause(stop, backoff(failures, base=RECONNECT_BASE, cap=RECONNECT_CAP))

    async def _listen_and_fire(self, stop: asyncio.Event) -> None:
        async with self._pool.acquire() as listener:
            self._schema = str(await listener.fetchval("SELECT current_schema()"))
            await listener.add_listener(CHANNEL, self._notified)
            failures = 0
            try:
                while not stop.is_set():
                    if connection_lost(listener):
                        raise asyncpg.InterfaceError("the LISTEN connection is closed")
                    try:
                        if await self.fire_once() >= self._batch:
                            continue  # more may be due already
                        await self._prune()
                        await self._sleep(stop)
                        failures = 0
                    except Exception as exc:
                        if server_gone(exc) is None and not isinstance(
                                exc, asyncpg.PostgresError):
                            raise
                        # PostgreSQL unreachable for a moment: the timers wait in the table.
                        failures += 1
                        log.warning("timers.round_failed", error=repr(exc))
                        await pause(stop, backoff(failures, base=RECONNECT_BASE,
                                                  cap=self._max_sleep))
            finally:
                try:
                    await listener.remove_listener(CHANNEL, self._notified)
                except Exception as exc:  # lost with the server, which dropped the LISTEN
                    log.debug("timers.unlisten_failed", error=repr(exc))
                    if not connection_lost(listener):
                        listener.terminate()

    def _notified(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        if payload == self._schema:
            self._wake.set()

    async def _sleep(self, stop: asyncio.Event) -> None:
        """Until the earliest due time (plan time, via the clock), a NOTIFY or ``stop``;
        never more than ``max_sleep`` real seconds."""
        self._wake.clear()  # before the query, so a timer scheduled meanwhile still wakes us
        async with self._pool.acquire() as conn:
            due = await TimerStore.next_due(conn)
        waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._wake.wait()),
                                            asyncio.ensure_future(stop.wait())]
        if due is not None:
            plan_seconds = (due - self._clock.now()).total_seconds()
            if plan_seconds <= 0:
                for w in waits:
                    w.cancel()
                return
            waits.append(asyncio.ensure_future(self._clock.sleep(plan_seconds)))
        try:
            await asyncio.wait(waits, timeout=self._max_sleep,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()

    async def fire_once(self) -> int:
        """Fire the timers due now (at most one batch); returns how many fired."""
        now = self._clock.now()
        async with transaction(self._pool) as conn:
            timers = await TimerStore.fire_due(conn, now=now, limit=self._batch)
            await self._events.emit(conn, [(t.due(now), t.incident_arn) for t in timers],
                                    now=now)
        if timers:
            self.fired += len(timers)
            late = [(now - t.due_at).total_seconds() for t in timers]
            log.info("timers.fired", count=len(timers),
                     kinds=sorted({t.kind for t in timers}),
                     max_lateness_s=round(max(late), 3))
        return len(timers)

    async def _prune(self) -> None:
        if time.monotonic() - self._pruned < PRUNE_EVERY:
            return
        self._pruned = time.monotonic()
        async with self._pool.acquire() as conn:
            deleted = await TimerStore.prune(conn, before=self._clock.now() - self._retention)
        if deleted:
            log.info("timers.pruned", count=deleted)

