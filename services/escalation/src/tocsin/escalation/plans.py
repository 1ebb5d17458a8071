"""Engagements become timers: a durable consumer of the contacts service's events.

- ``EngagementStarted`` schedules one pending timer per stage k ≥ 1 of its resolved plan,
  due at the engagement's start plus the durations of stages 0..k-1 (stage 0 was paged by
  the contacts service already).
- ``EngagementStopped``, and ``PageAccepted`` with ``progressionStopped`` (an essential
  READ), cancel the engagement's pending timers.

Each effect commits with the event's inbox row, so however often an event is delivered it
takes effect once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import asyncpg
from nats.aio.msg import Msg

from tocsin.escalation.events import Events
from tocsin.escalation.timers import TimerStore, stage_due_times, timer_id
from tocsin.shared import codec
from tocsin.shared.bus import Consumer
from tocsin.shared.clock import Clock
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import escalation as ec
from tocsin.shared.db import already_processed, transaction
from tocsin.shared.logging import bind, get_logger

__all__ = ["INBOX", "Plans", "plan_consumer"]

log = get_logger(__name__)

INBOX = "escalation-contacts"


class Plans:
    """The consumer's handler."""

    def __init__(self, pool: asyncpg.Pool, clock: Clock, events: Events) -> None:
        self._pool = pool
        self._clock = clock
        self._events = events

    def _anchor(self, start: datetime) -> datetime:
        """The engagement's start on this process's clock.

        With ``TOCSIN_CLOCK_SCALE`` ≠ 1 every process's plan time starts at its own
        start-up, so another process's plan time may run ahead of this one's; a start in
        this clock's future is taken as now, so a stage never starts early by our clock
        and never waits out another process's head start.
        """
        now = self._clock.now()
        return min(start, now)

    async def on_event(self, event: codec.Envelope, msg: Msg) -> None:
        if event.type not in ("EngagementStarted", "EngagementStopped", "PageAccepted"):
            return
        data = cc.event_data(event.type, event.data)
        bind(engagement_arn=data.engagement_arn)
        incident_arn = event.correlation.incident_arn
        match data:
            case cc.EngagementStarted():
                await self._schedule(event, data, incident_arn)
            case cc.EngagementStopped():
                await self._cancel(event, data.engagement_arn, "ENGAGEMENT_STOPPED",
                                   incident_arn)
            case cc.PageAccepted(progression_stopped=True):
                await self._cancel(event, data.engagement_arn, "PROGRESSION_STOPPED",
                                   incident_arn)
            case _:
                return

    async def _schedule(self, event: codec.Envelope, data: cc.EngagementStarted,
                        incident_arn: str | None) -> None:
        due = stage_due_times(self._anchor(data.start_time), data.stages)
        now = self._clock.now()
        async with transaction(self._pool) as conn:
            if await already_processed(conn, consumer=INBOX, event_id=event.id):
                return
            scheduled = 0
            for stage_index, due_at in due:
                if await TimerStore.schedule(
                        conn, engagement_arn=data.engagement_arn, stage_index=stage_index,
                        due_at=due_at, now=now,
                        payload={"incidentArn": incident_arn} if incident_arn else {}):
                    scheduled += 1
                    await self._events.emit(conn, ec.TimerScheduled(
                        timer_id=timer_id(data.engagement_arn, stage_index),
                        engagement_arn=data.engagement_arn, stage_index=stage_index,
                        due_at=due_at), now=now, incident_arn=incident_arn)
            if scheduled:
                await TimerStore.notify(conn)
        log.info("timers.scheduled", count=len(due))

    async def _cancel(self, event: codec.Envelope, engagement_arn: str,
                      reason: Literal["ENGAGEMENT_STOPPED", "PROGRESSION_STOPPED"],
                      incident_arn: str | None) -> None:
        now = self._clock.now()
        async with transaction(self._pool) as conn:
            if await already_processed(conn, consumer=INBOX, event_id=event.id):
                return
            cancelled = await TimerStore.cancel(conn, engagement_arn, now=now)
            for timer in cancelled:
                await self._events.emit(conn, ec.TimerCancelled(
                    timer_id=timer.id, engagement_arn=engagement_arn,
                    stage_index=timer.stage_index, due_at=timer.due_at, reason=reason),
                    now=now, incident_arn=incident_arn)
        log.info("timers.cancelled", count=len(cancelled), reason=reason)


def plan_consumer(plans: Plans, *, region: str, schema: str) -> Consumer:
    """The durable consumer, named after the schema so every instance shares it."""
    return Consumer(stream=f"EVENTS_{region.upper()}", durable=f"{schema}-contacts",
                    filter_subject=f"events.{region}.contacts.>", handler=plans.on_event)
