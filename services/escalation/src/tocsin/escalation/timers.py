"""The escalation service's durable timers: what each one is about, and what firing it
demands.

A timer is a row of ``timer`` (its migrations 0001-0003 follow
:data:`tocsin.shared.timers.TABLE_TEMPLATE`), scheduled, claimed, fired and pruned by
:mod:`tocsin.shared.timers`. Firing one writes what is due to the outbox in the claiming
transaction (:mod:`tocsin.shared.contracts.escalation`: ``StageDue``, ``PageStageDue``,
``ChannelRetryDue``, ``AcknowledgementTimedOut``); the service acting on it does so
idempotently under the timer id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from tocsin.escalation.events import Event, Events
from tocsin.shared.clock import Clock
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import escalation as ec
from tocsin.shared.timers import Timers, TimerTable, TimerWorker

__all__ = ["TIMERS", "NewTimer", "Timer", "TimerStore", "stage_offsets", "stage_timer_id",
           "timer_worker"]

TIMERS = Timers(TimerTable(
    name="timer", channel="tocsin_escalation_timer",
    columns=(("kind", "text"), ("engagement_arn", "text"), ("stage_index", "int"),
             ("round", "int"), ("page_arn", "text"), ("channel_arn", "text"),
             ("contact_arn", "text"), ("incident_arn", "text"))))
"""The ``timer`` table; its NOTIFY channel is the one the service always used."""


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
    """The escalation service's ``timer`` table (:mod:`tocsin.shared.timers` does the
    scheduling, claiming and pruning); every call runs on the caller's connection."""

    @staticmethod
    async def schedule(conn: asyncpg.Connection, timers: Sequence[NewTimer], *,
                       now: datetime) -> list[NewTimer]:
        """Insert pending timers in one statement; returns those that did not exist yet.
        Wakes the workers when the transaction commits."""
        inserted = await TIMERS.schedule(conn, [
            (t.id, t.due_at, (t.kind, t.engagement_arn, t.stage_index, t.round, t.page_arn,
                              t.channel_arn, t.contact_arn, t.incident_arn)) for t in timers],
            now=now)
        return [t for t in timers if t.id in inserted]

    @staticmethod
    async def cancel(conn: asyncpg.Connection, *, now: datetime,
                     engagement_arn: str | None = None, page_arn: str | None = None,
                     incident_arn: str | None = None,
                     kinds: Sequence[str] = (),
                     created_before: datetime | None = None) -> list[Timer]:
        """Cancel the pending timers of an engagement, a page or an incident (of ``kinds``
        only, when given; scheduled no later than ``created_before``, when given); returns
        those cancelled, earliest first. A timer is cancelled or fired, never both."""
        rows = await TIMERS.cancel(
            conn, now=now,
            where="($2::text IS NULL OR engagement_arn = $2)"
                  " AND ($3::text IS NULL OR page_arn = $3)"
                  " AND ($4::text IS NULL OR incident_arn = $4)"
                  " AND (cardinality($5::text[]) = 0 OR kind = ANY($5))"
                  " AND ($6::timestamptz IS NULL OR created_at <= $6)",
            args=(engagement_arn, page_arn, incident_arn, list(kinds), created_before))
        return [Timer.of(r) for r in rows]

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
    async def prune_engagements(conn: asyncpg.Connection, before: datetime) -> None:
        """Delete engagements that ended before ``before`` and have no pending timer left
        (run with the deletion of finished timers)."""
        await conn.execute(
            "DELETE FROM engagement e WHERE coalesce(e.stopped_at, e.ends_at) < $1"
            " AND NOT EXISTS (SELECT 1 FROM timer t WHERE t.engagement_arn = e.arn"
            "  AND t.state = 'pending')", before)


def timer_worker(pool: asyncpg.Pool, clock: Clock, events: Events, *, batch: int = 1000,
                 max_sleep: float = 1.0, retention: timedelta = timedelta(days=7)
                 ) -> TimerWorker[Timer]:
    """The worker that fires the escalation service's timers, writing what each demands
    (``StageDue``, ``PageStageDue``, ``ChannelRetryDue``, ``AcknowledgementTimedOut``) to
    the outbox in the firing transaction."""

    async def fire(conn: asyncpg.Connection, timers: list[Timer], now: datetime) -> None:
        await events.emit(conn, [(t.due(now), t.incident_arn) for t in timers], now=now)

    return TimerWorker(pool, clock, TIMERS, decode=Timer.of, fire=fire, batch=batch,
                       max_sleep=max_sleep, retention=retention,
                       prune=TimerStore.prune_engagements)
