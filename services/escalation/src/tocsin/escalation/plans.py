"""Engagements become timers: durable consumers of the contacts and incidents services'
events.

- ``EngagementStarted`` records the engagement and schedules one timer per later stage of
  its resolved plan, due at the engagement's start plus the durations of the stages
  before it (stage 0 was paged by the contacts service already). An escalation plan is
  repeated ``repeats`` more times after its last stage when ``TOCSIN_ESCALATION_REPEATS``
  asks for it; every round is scheduled at once and cancelled at once.
- ``PageCreated`` of a page reached through an escalation plan or schedule schedules one
  timer per later stage of the paged contact's own engagement plan (``planMinutes``), due
  at the page's time plus the durations of the plan's stages before it.
- ``EngagementStopped``, and ``PageAccepted`` with ``progressionStopped`` (an essential
  READ), cancel the engagement's pending timers; any READ cancels its page's plan stages
  and channel retries.
- ``PageReceiptRecorded`` of type ERROR on a channel with a ``RetryIntervalInMinutes``
  schedules a channel retry that interval after the receipt, when the stage is still live
  then: before the engagement's next stage starts, or its last stage ends.
- With ``TOCSIN_ACK_TIMEOUT_MINUTES`` set, a READ of an incident's page schedules an
  acknowledgement timeout.
- ``IncidentRecordResolved`` and ``IncidentRecordDeleted`` cancel every pending timer of
  the incident scheduled until then.
- ``ReplicationSetDeleted`` (every engagement deleted with it) cancels every pending timer.

Each effect commits with the event's inbox row, so however often an event is delivered it
takes effect once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
from nats.aio.msg import Msg

from tocsin.escalation.events import Event, Events
from tocsin.escalation.timers import NewTimer, Timer, TimerStore, stage_offsets, stage_timer_id
from tocsin.shared import codec
from tocsin.shared.bus import Consumer
from tocsin.shared.clock import Clock
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import escalation as ec
from tocsin.shared.contracts.base import decode as decode_event
from tocsin.shared.db import already_processed, transaction
from tocsin.shared.logging import bind, get_logger

__all__ = ["Plans", "plan_consumers"]

log = get_logger(__name__)

INBOX = "escalation-contacts"
INCIDENTS_INBOX = "escalation-incidents"


class Plans:
    """The consumers' handlers."""

    def __init__(self, pool: asyncpg.Pool, clock: Clock, events: Events, *,
                 repeats: int = 0, ack_timeout: timedelta | None = None) -> None:
        self._pool = pool
        self._clock = clock
        self._events = events
        self._repeats = repeats
        self._ack_timeout = ack_timeout

    async def on_contacts_event(self, event: codec.Envelope, msg: Msg) -> None:
        if event.type not in ("EngagementStarted", "EngagementStopped", "PageCreated",
                              "PageAccepted", "PageReceiptRecorded"):
            return
        data = decode_event(event.type, event.data, cc.ContactsEvent)
        bind(engagement_arn=data.engagement_arn)
        incident_arn = event.correlation.incident_arn
        now = self._clock.now()
        async with transaction(self._pool) as conn:
            if await already_processed(conn, consumer=INBOX, event_id=event.id):
                return
            written: list[tuple[Event, str | None]] = []
            match data:
                case cc.EngagementStarted():
                    scheduled = await self._engagement_started(conn, data, incident_arn, now)
                    written += [(t.scheduled(), incident_arn) for t in scheduled]
                case cc.EngagementStopped():
                    await conn.execute("UPDATE engagement SET stopped_at = $2 WHERE arn = $1",
                                       data.engagement_arn, data.stop_time)
                    cancelled = await TimerStore.cancel(
                        conn, now=now, engagement_arn=data.engagement_arn)
                    written += _cancelled(cancelled, "ENGAGEMENT_STOPPED")
                case cc.PageCreated(plan_minutes=[_, _, *_]):
                    scheduled = await TimerStore.schedule(
                        conn, _page_stages(data, incident_arn), now=now)
                    written += [(t.scheduled(), incident_arn) for t in scheduled]
                case cc.PageAccepted(accept_type="READ"):
                    written += await self._read(conn, data, incident_arn, now)
                case cc.PageReceiptRecorded(receipt_type="ERROR"):
                    scheduled = await self._retry(conn, event.id, data, incident_arn)
                    written += [(t.scheduled(), incident_arn) for t in scheduled]
                case _:
                    return
            await self._events.emit(conn, written, now=now)
        if written:
            log.info("timers.changed", event_type=event.type, count=len(written))

    async def on_incidents_event(self, event: codec.Envelope, msg: Msg) -> None:
        """A resolved or deleted incident pages nobody any more: cancel every pending timer
        of it (stages, plan stages, retries, acknowledgement timeouts) that was scheduled
        by its resolution, under the row locks firing takes. Timers of engagements that
        started after it (the incident re-opened since) are left alone. The contacts
        service stops the engagements themselves."""
        if event.type == "ReplicationSetDeleted":
            await self._replication_set_deleted(event)
            return
        incident_arn = event.correlation.incident_arn or event.data.get("arn")
        if event.type not in ("IncidentRecordResolved", "IncidentRecordDeleted") \
                or not incident_arn:
            return
        resolved_time = (event.data.get("incidentRecord") or {}).get("resolvedTime")
        before = datetime.fromtimestamp(float(resolved_time), UTC) \
            if resolved_time is not None else None
        now = self._clock.now()
        async with transaction(self._pool) as conn:
            if await already_processed(conn, consumer=INCIDENTS_INBOX, event_id=event.id):
                return
            cancelled = await TimerStore.cancel(conn, now=now, incident_arn=str(incident_arn),
                                                created_before=before)
            await self._events.emit(conn, _cancelled(cancelled, "INCIDENT_RESOLVED"), now=now)
        if cancelled:
            log.info("timers.cancelled", event_type=event.type, count=len(cancelled))

    async def _replication_set_deleted(self, event: codec.Envelope) -> None:
        """Deleting the replication set deletes every engagement (the contacts service
        does it on the same event): no timer of one may fire any more."""
        now = self._clock.now()
        async with transaction(self._pool) as conn:
            if await already_processed(conn, consumer=INCIDENTS_INBOX, event_id=event.id):
                return
            await conn.execute("UPDATE engagement SET stopped_at = $1 WHERE stopped_at IS NULL",
                               event.time)
            cancelled = await TimerStore.cancel(conn, now=now)
            await self._events.emit(conn, _cancelled(cancelled, "REPLICATION_SET_DELETED"),
                                    now=now)
        log.info("timers.cancelled", event_type=event.type, count=len(cancelled))

    def _anchor(self, start: datetime) -> datetime:
        """The engagement's start on this process's clock: a start in this clock's future
        (another process's clock running slightly ahead) is taken as now, so a stage never
        starts early by our clock."""
        return min(start, self._clock.now())

    async def _engagement_started(self, conn: asyncpg.Connection, data: cc.EngagementStarted,
                                  incident_arn: str | None, now: datetime) -> list[NewTimer]:
        start = self._anchor(data.start_time)
        repeats = self._repeats if data.contact_type == "ESCALATION" else 0
        offsets, total = stage_offsets(data.stages, rounds=1 + repeats)
        if repeats and total == 0:
            offsets, total = stage_offsets(data.stages)  # nothing to wait for between rounds
        await conn.execute(
            "INSERT INTO engagement (arn, contact_arn, contact_type, incident_arn, start_at,"
            " ends_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (arn) DO NOTHING",
            data.engagement_arn, data.contact_arn, data.contact_type, incident_arn, start,
            start + timedelta(minutes=total))
        return await TimerStore.schedule(conn, [
            NewTimer(id=stage_timer_id(data.engagement_arn, stage_index, round_),
                     kind=ec.START_ENGAGEMENT_STAGE, engagement_arn=data.engagement_arn,
                     stage_index=stage_index, round=round_, incident_arn=incident_arn,
                     due_at=start + timedelta(minutes=minutes))
            for round_, stage_index, minutes in offsets], now=now)

    async def _read(self, conn: asyncpg.Connection, data: cc.PageAccepted,
                    incident_arn: str | None, now: datetime) -> list[tuple[Event, str | None]]:
        written: list[tuple[Event, str | None]] = []
        if data.progression_stopped:
            await conn.execute("UPDATE engagement SET stopped_at = $2 WHERE arn = $1",
                               data.engagement_arn, data.accept_time)
            written += _cancelled(await TimerStore.cancel(
                conn, now=now, engagement_arn=data.engagement_arn,
                kinds=[ec.START_ENGAGEMENT_STAGE, ec.PAGE_STAGE, ec.RETRY_CHANNEL]),
                "PROGRESSION_STOPPED")
        written += _cancelled(await TimerStore.cancel(
            conn, now=now, page_arn=data.page_arn, kinds=[ec.PAGE_STAGE, ec.RETRY_CHANNEL]),
            "PAGE_READ")
        if self._ack_timeout and incident_arn:
            engaged = await conn.fetchval("SELECT contact_arn FROM engagement WHERE arn = $1",
                                          data.engagement_arn)
            if engaged:
                scheduled = await TimerStore.schedule(conn, [NewTimer(
                    id=f"{data.page_arn}#ack@{data.accept_time.isoformat()}",
                    kind=ec.ACKNOWLEDGEMENT_TIMEOUT, engagement_arn=data.engagement_arn,
                    page_arn=data.page_arn, contact_arn=engaged, incident_arn=incident_arn,
                    due_at=data.accept_time + self._ack_timeout)], now=now)
                written += [(t.scheduled(), incident_arn) for t in scheduled]
        return written

    async def _retry(self, conn: asyncpg.Connection, event_id: str,
                     data: cc.PageReceiptRecorded, incident_arn: str | None) -> list[NewTimer]:
        if not data.contact_channel_arn or not data.retry_interval_in_minutes:
            return []
        engagement = await conn.fetchrow(
            "SELECT ends_at, stopped_at FROM engagement WHERE arn = $1 FOR UPDATE",
            data.engagement_arn)
        if engagement is None or engagement["stopped_at"] is not None:
            return []
        live_until = await TimerStore.next_stage_start(conn, data.engagement_arn) \
            or engagement["ends_at"]
        due = data.receipt_time + timedelta(minutes=data.retry_interval_in_minutes)
        if due >= live_until:
            log.info("retry.stage_over", due=due.isoformat(), live_until=live_until.isoformat())
            return []
        return await TimerStore.schedule(conn, [NewTimer(
            id=f"{data.page_arn}#{data.contact_channel_arn}#retry@{event_id}",
            kind=ec.RETRY_CHANNEL, engagement_arn=data.engagement_arn, page_arn=data.page_arn,
            channel_arn=data.contact_channel_arn, incident_arn=incident_arn, due_at=due)],
            now=self._clock.now())


def _page_stages(page: cc.PageCreated, incident_arn: str | None) -> list[NewTimer]:
    """One timer per stage k ≥ 1 of the paged contact's own plan: the page's time plus the
    durations of stages 0..k-1."""
    timers = []
    offset = 0
    for k, minutes in enumerate(page.plan_minutes[:-1], start=1):
        offset += minutes
        timers.append(NewTimer(id=f"{page.page_arn}#plan{k}", kind=ec.PAGE_STAGE,
                               engagement_arn=page.engagement_arn, stage_index=k,
                               page_arn=page.page_arn, incident_arn=incident_arn,
                               due_at=page.sent_time + timedelta(minutes=offset)))
    return timers


def _cancelled(timers: list[Timer], reason: ec.CancelReason
               ) -> list[tuple[Event, str | None]]:
    return [(t.cancelled(reason), t.incident_arn) for t in timers]


def plan_consumers(plans: Plans, *, region: str, schema: str) -> list[Consumer]:
    """The durable consumers, named after the schema so every instance shares them."""
    stream = f"EVENTS_{region.upper()}"
    return [
        Consumer(stream=stream, durable=f"{schema}-contacts",
                 filter_subject=f"events.{region}.contacts.>",
                 handler=plans.on_contacts_event),
        Consumer(stream=stream, durable=f"{schema}-incidents",
                 filter_subject=f"events.{region}.incidents.>",
                 handler=plans.on_incidents_event),
    ]
