"""Durable timers in PostgreSQL, and the worker that fires them.

A timer is a row (``timer``) with a due time in plan time. Any number of instances run
:class:`TimerWorker`; each claims due rows with ``FOR UPDATE SKIP LOCKED``, sets a lease
and commits, so no two instances fire the same timer while the lease holds; a claim whose
holder died expires and another instance takes it over. Firing calls the contacts
service's ``StartEngagementStage``, which is idempotent under (engagement, stage), so a
timer fired twice after a crash between the call and ``state = 'fired'`` has one effect.
A failed call leaves the timer pending with a backed-off lease. A timer is never fired
before ``due_at <= clock.now()``. Between rounds the worker sleeps until the earliest due
time, at most ``max_sleep`` real seconds, and is woken by ``NOTIFY`` when a commit
schedules a timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from tocsin.escalation.events import Events
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus, rpc_subject
from tocsin.shared.clock import Clock
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import escalation as ec
from tocsin.shared.db import transaction
from tocsin.shared.logging import bound, get_logger

__all__ = ["START_STAGE", "Timer", "TimerStore", "TimerWorker", "stage_due_times", "timer_id"]

log = get_logger(__name__)

START_STAGE = "START_ENGAGEMENT_STAGE"
CHANNEL = "tocsin_escalation_timer"
"""The NOTIFY channel a commit that schedules a timer signals (per database, so the
schema is the payload)."""


def timer_id(engagement_arn: str, stage_index: int) -> str:
    """The deterministic id of the timer that starts one stage of an engagement."""
    return f"{engagement_arn}#{stage_index}"


def stage_due_times(start: datetime, stages: Sequence[cc.EngagementStage]
                    ) -> list[tuple[int, datetime]]:
    """(stage index, start time) of every stage k ≥ 1: ``start`` plus the durations of
    stages 0..k-1."""
    ordered = sorted(stages, key=lambda s: s.stage_index)
    out: list[tuple[int, datetime]] = []
    offset = 0
    for previous, stage in itertools.pairwise(ordered):
        offset += previous.duration_in_minutes
        out.append((stage.stage_index, start + timedelta(minutes=offset)))
    return out


def retry_delay(attempts: int) -> float:
    """Real seconds before a failed timer is tried again: 0.5 s doubling to at most 30 s."""
    return float(min(30.0, 0.5 * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True, slots=True)
class Timer:
    """One timer row."""

    id: str
    engagement_arn: str
    stage_index: int
    kind: str
    payload: dict[str, Any]
    due_at: datetime
    state: str
    attempts: int

    @classmethod
    def of(cls, row: asyncpg.Record) -> Timer:
        return cls(id=row["id"], engagement_arn=row["engagement_arn"],
                   stage_index=row["stage_index"], kind=row["kind"],
                   payload=row["payload"], due_at=row["due_at"], state=row["state"],
                   attempts=row["attempts"])


_COLUMNS = "id, engagement_arn, stage_index, kind, payload, due_at, state, attempts"


class TimerStore:
    """The SQL of the ``timer`` table; every call runs on the caller's connection."""

    @staticmethod
    async def schedule(conn: asyncpg.Connection, *, engagement_arn: str, stage_index: int,
                       due_at: datetime, payload: dict[str, Any], now: datetime) -> bool:
        """Insert a pending timer; False when it exists already."""
        inserted = await conn.fetchval(
            "INSERT INTO timer (id, engagement_arn, stage_index, kind, payload, due_at,"
            " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (id) DO NOTHING RETURNING true",
            timer_id(engagement_arn, stage_index), engagement_arn, stage_index, START_STAGE,
            payload, due_at, now)
        return bool(inserted)

    @staticmethod
    async def notify(conn: asyncpg.Connection) -> None:
        """Wake the workers when the current transaction commits."""
        await conn.execute("SELECT pg_notify($1, current_schema())", CHANNEL)

    @staticmethod
    async def cancel(conn: asyncpg.Connection, engagement_arn: str, *,
                     now: datetime) -> list[Timer]:
        """Cancel the engagement's pending timers; returns those cancelled."""
        rows = await conn.fetch(
            "UPDATE timer SET state = 'cancelled', finished_at = $2, lease_until = NULL"
            " WHERE engagement_arn = $1 AND state = 'pending'"
            f" RETURNING {_COLUMNS}", engagement_arn, now)
        return sorted((Timer.of(r) for r in rows), key=lambda t: t.stage_index)

    @staticmethod
    async def claim(conn: asyncpg.Connection, *, now: datetime, lease_until: datetime,
                    limit: int) -> list[Timer]:
        """Lease up to ``limit`` due timers no live lease holds (commit to keep the lease)."""
        rows = await conn.fetch(
            "UPDATE timer SET lease_until = $2, attempts = attempts + 1"
            " WHERE id IN (SELECT id FROM timer"
            "  WHERE state = 'pending' AND due_at <= $1"
            "   AND (lease_until IS NULL OR lease_until < $1)"
            "  ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED)"
            f" RETURNING {_COLUMNS}", now, lease_until, limit)
        return sorted((Timer.of(r) for r in rows), key=lambda t: t.due_at)

    @staticmethod
    async def fired(conn: asyncpg.Connection, timer: Timer, *, now: datetime) -> bool:
        """Mark a claimed timer fired; False when it was cancelled or fired meanwhile."""
        done = await conn.fetchval(
            "UPDATE timer SET state = 'fired', finished_at = $2, lease_until = NULL"
            " WHERE id = $1 AND state = 'pending' RETURNING true", timer.id, now)
        return bool(done)

    @staticmethod
    async def retry(conn: asyncpg.Connection, timer: Timer, *, not_before: datetime,
                    error: str) -> None:
        """Leave a timer whose action failed pending, not to be claimed before
        ``not_before``."""
        await conn.execute(
            "UPDATE timer SET lease_until = $2, last_error = $3"
            " WHERE id = $1 AND state = 'pending'", timer.id, not_before, error[:1000])

    @staticmethod
    async def next_due(conn: asyncpg.Connection) -> datetime | None:
        """The earliest due time of a pending timer."""
        due: datetime | None = await conn.fetchval(
            "SELECT min(due_at) FROM timer WHERE state = 'pending'")
        return due

    @staticmethod
    async def of_engagement(conn: asyncpg.Connection, engagement_arn: str) -> list[Timer]:
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM timer WHERE engagement_arn = $1 ORDER BY stage_index",
            engagement_arn)
        return [Timer.of(r) for r in rows]


class TimerWorker:
    """Claims and fires due timers until stopped."""

    def __init__(self, pool: asyncpg.Pool, bus: Bus, clock: Clock, events: Events, *,
                 scale: float, batch: int = 100, lease: float = 30.0, max_sleep: float = 1.0,
                 fire_timeout: float = 10.0) -> None:
        self._pool = pool
        self._bus = bus
        self._clock = clock
        self._events = events
        self._scale = scale
        self._batch = batch
        self._lease = lease
        self._max_sleep = max_sleep
        self._fire_timeout = fire_timeout
        self._wake = asyncio.Event()
        self._schema = ""

    def _plan(self, real_seconds: float) -> timedelta:
        """A real-time span in plan time."""
        return timedelta(seconds=real_seconds * self._scale)

    async def run(self, stop: asyncio.Event) -> None:
        """Fire due timers until ``stop`` is set; finishes the round in progress."""
        async with self._pool.acquire() as listener:
            self._schema = str(await listener.fetchval("SELECT current_schema()"))
            await listener.add_listener(CHANNEL, self._notified)
            try:
                while not stop.is_set():
                    try:
                        if await self.run_once() >= self._batch:
                            continue  # more may be due already
                        await self._sleep(stop)
                    except Exception as exc:
                        # PostgreSQL unreachable for a moment: the timers wait in the table.
                        log.warning("timers.round_failed", error=str(exc))
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(stop.wait(), self._max_sleep)
            finally:
                with contextlib.suppress(Exception):
                    await listener.remove_listener(CHANNEL, self._notified)

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

    async def run_once(self) -> int:
        """Claim the timers due now and fire them; returns how many were claimed."""
        now = self._clock.now()
        async with transaction(self._pool) as conn:
            timers = await TimerStore.claim(conn, now=now, lease_until=now + self._plan(
                self._lease), limit=self._batch)
        if timers:
            await asyncio.gather(*(self._fire(t) for t in timers))
        return len(timers)

    async def _fire(self, timer: Timer) -> None:
        with bound(None, engagement_arn=timer.engagement_arn, timer_id=timer.id):
            request = cc.StartEngagementStage(engagement_arn=timer.engagement_arn,
                                              stage_index=timer.stage_index)
            try:
                reply = await self._bus.request(
                    rpc_subject("contacts", "StartEngagementStage"), codec.encode(request),
                    timeout=self._fire_timeout)
                result = codec.decode(reply, cc.StartEngagementStageResult)
            except errors.TocsinError as exc:
                if not exc.retryable and not isinstance(exc, errors.ServiceUnavailable):
                    # The stage can never start (a plan without it): give the timer up.
                    log.warning("timer.refused", error=exc.message)
                    result = cc.StartEngagementStageResult(started=False,
                                                           reason=exc.aws_code)
                else:
                    await self._retry(timer, exc.message)
                    return
            except Exception as exc:
                log.exception("timer.failed")
                await self._retry(timer, str(exc))
                return
            now = self._clock.now()
            async with transaction(self._pool) as conn:
                if not await TimerStore.fired(conn, timer, now=now):
                    return  # cancelled meanwhile: contacts refused or ignored it anyway
                await self._events.emit(conn, ec.StageStarted(
                    timer_id=timer.id, engagement_arn=timer.engagement_arn,
                    stage_index=timer.stage_index, due_at=timer.due_at, fired_at=now,
                    started=result.started, page_arns=result.page_arns,
                    reason=result.reason, attempts=timer.attempts),
                    now=now, incident_arn=timer.payload.get("incidentArn"))
            log.info("timer.fired", stage=timer.stage_index, started=result.started,
                     lateness_ms=round((now - timer.due_at).total_seconds() * 1000
                                       / self._scale, 1))

    async def _retry(self, timer: Timer, error: str) -> None:
        log.warning("timer.retry", attempts=timer.attempts, error=error)
        not_before = self._clock.now() + self._plan(retry_delay(timer.attempts))
        async with transaction(self._pool) as conn:
            await TimerStore.retry(conn, timer, not_before=not_before, error=error)
