"""The escalation service's handlers: engagements become timers, and due timers become
events.

The durable consumers of the contacts and incidents services' events:

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
takes effect once. :func:`timer_worker` fires the timers: what each demands (``StageDue``,
``PageStageDue``, ``ChannelRetryDue``, ``AcknowledgementTimedOut``) is written to the outbox
in the claiming transaction; the service acting on it does so idempotently under the timer
id.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import asyncpg
from nats.aio.msg import Msg

from tocsin.escalation import domain
from tocsin.escalation.domain import Effect, NewTimer, Timer, stage_timer_id
from tocsin.escalation.store import TIMERS, EngagementStore, TimerStore, timer_of
from tocsin.shared import codec
from tocsin.shared.bus import Consumer, events_subjects
from tocsin.shared.clock import Clock
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import escalation as ec
from tocsin.shared.contracts import incidents as ic
from tocsin.shared.contracts.base import decode
from tocsin.shared.db import already_processed, transaction
from tocsin.shared.events import Received, emit, received, typed
from tocsin.shared.logging import bind, get_logger
from tocsin.shared.replication.parked import ArrivedEarly, park, release
from tocsin.shared.timers import TimerWorker

__all__ = ["Plans", "emit_effects", "plan_consumers", "timer_worker"]

log = get_logger(__name__)

INBOX = "escalation-contacts"
INCIDENTS_INBOX = "escalation-incidents"

CONTACTS_EVENTS = (cc.EngagementStarted, cc.EngagementStopped, cc.PageCreated,
                   cc.PageAccepted, cc.PageReceiptRecorded)
"""The contacts service's events that schedule or cancel timers."""
INCIDENTS_EVENTS = frozenset({"IncidentRecordResolved", "IncidentRecordDeleted",
                              "ReplicationSetDeleted"})
"""The incidents service's events that cancel timers."""
CONTACTS_TYPES = frozenset(t.__name__ for t in CONTACTS_EVENTS)
SETTLED = {"TimerCancelled": "cancelled"}
"""Another region's escalation events that settle a standby timer here, and how. A timer
whose demand another service carries out is settled by what that service did, not by the
demand: a stage timer by the stage's start (``EngagementStageStarted``), a plan stage or
channel retry by the page sent again (``PageCodeAdded`` naming the timer), an
acknowledgement timeout by the incidents service's ``AcknowledgementTimeoutHandled``. A
region lost between firing such a timer and carrying out its demand leaves the work to the
region that takes over (and its contacts or incidents service, back, drops the demand: the
engagement runs elsewhere)."""
EARLY = "escalation-early"
"""The parked events of engagements not known here yet (:meth:`Plans._known`)."""


async def emit_effects(conn: asyncpg.Connection, effects: Sequence[Effect], *, region: str,
                       now: datetime) -> None:
    """Write ``effects`` to the outbox in order, each correlated with its incident."""
    for incident_arn, run in itertools.groupby(effects, key=lambda e: e[1]):
        await emit(conn, [event for event, _ in run], region=region, now=now,
                   incident_arn=incident_arn)


class Plans:
    """The consumers' handlers."""

    def __init__(self, pool: asyncpg.Pool, clock: Clock, *, region: str, repeats: int = 0,
                 ack_timeout: timedelta | None = None) -> None:
        self._pool = pool
        self._clock = clock
        self._region = region
        self._repeats = repeats
        self._ack_timeout = ack_timeout

    async def on_contacts_event(self, event: Received[cc.ContactsEvent], msg: Msg) -> None:
        """An event of this region's contacts service."""
        await self.apply_contacts_event(event)

    async def apply_contacts_event(self, event: Received[cc.ContactsEvent], *,
                                   origin: str | None = None) -> None:
        """Schedule or cancel the timers a contacts event calls for: one of this region's
        (``origin`` None) or of region ``origin``'s, read from its mirror. An engagement
        started in another region gets standby timers, which fire only once this region
        took it over; an acceptance or stop of any engagement cancels its timers here,
        whichever region it happened in. Only the region running an engagement publishes
        its timers' events. A change of an engagement not known here yet (another region's
        start of it still on its way) waits for it (:meth:`_known`)."""
        data = event.event
        if not isinstance(data, CONTACTS_EVENTS):
            return
        bind(engagement_arn=data.engagement_arn)
        now = self._clock.now()
        async with transaction(self._pool) as conn:
            if await already_processed(conn, consumer=INBOX, event_id=event.id):
                return
            written = await self._contacts_event(conn, event, origin=origin, now=now)
        if written:
            log.info("timers.changed", event_type=event.type, count=len(written),
                     origin=origin or self._region)

    async def _contacts_event(self, conn: asyncpg.Connection,
                              event: Received[cc.ContactsEvent], *, origin: str | None,
                              now: datetime) -> list[Effect]:
        data = event.event
        assert isinstance(data, CONTACTS_EVENTS)
        if not isinstance(data, cc.EngagementStarted) \
                and not await self._known(conn, event.envelope, data.engagement_arn):
            return []
        incident_arn = event.correlation.incident_arn
        written: list[Effect] = []
        match data:
            case cc.EngagementStarted():
                scheduled = await self._engagement_started(conn, data, incident_arn, now,
                                                           home_region=origin)
                written += _scheduled(scheduled, incident_arn)
            case cc.EngagementStopped():
                await EngagementStore.stop(conn, data.engagement_arn, data.stop_time)
                cancelled = await TimerStore.cancel(
                    conn, now=now, engagement_arn=data.engagement_arn)
                written += domain.cancelled(cancelled, "ENGAGEMENT_STOPPED")
            case cc.PageCreated(plan_minutes=[_, _, *_]):
                scheduled = await TimerStore.schedule(
                    conn, domain.page_stage_timers(data, incident_arn), now=now)
                written += _scheduled(scheduled, incident_arn)
            case cc.PageAccepted(accept_type="READ"):
                written += await self._read(conn, data, incident_arn, now)
            case cc.PageReceiptRecorded(receipt_type="ERROR"):
                scheduled = await self._retry(conn, event.id, data, incident_arn)
                written += _scheduled(scheduled, incident_arn)
        if written and await EngagementStore.fires_here(conn, data.engagement_arn):
            await emit_effects(conn, written, region=self._region, now=now)
        if isinstance(data, cc.EngagementStarted):
            await self._release(conn, now)
        return written

    async def settle(self, conn: asyncpg.Connection, envelope: codec.Envelope) -> None:
        """Another region's start of a stage (``EngagementStageStarted``), page sent again
        by a timer's demand (``PageCodeAdded`` naming it), acknowledgement timeout acted on
        (``AcknowledgementTimeoutHandled``) or settling of a timer (:data:`SETTLED`): the
        standby copy of the timer here is settled alike, once its engagement is known
        here."""
        if envelope.service == "incidents":
            handled = decode(envelope.type, envelope.data, ic.IncidentsEvent)
            if not isinstance(handled, ic.AcknowledgementTimeoutHandled):
                return
            engagement_arn, timer_id, state = handled.engagement_arn, handled.timer_id, "fired"
        elif envelope.service == "contacts":
            paged = decode(envelope.type, envelope.data, cc.ContactsEvent)
            if isinstance(paged, cc.EngagementStageStarted):
                timer_id = stage_timer_id(paged.engagement_arn, paged.stage_index, paged.round)
            elif isinstance(paged, cc.PageCodeAdded) and paged.timer_id:
                timer_id = paged.timer_id
            else:
                return
            engagement_arn, state = paged.engagement_arn, "fired"
        else:
            timer = decode(envelope.type, envelope.data, ec.EscalationEvent)
            engagement_arn, timer_id, state = \
                timer.engagement_arn, timer.timer_id, SETTLED[envelope.type]
        if await self._known(conn, envelope, engagement_arn):
            await TimerStore.settle(conn, timer_id, state, now=self._clock.now())

    async def _known(self, conn: asyncpg.Connection, envelope: codec.Envelope,
                     engagement_arn: str) -> bool:
        """Whether the engagement is known here; when it is not, its start is still on its
        way from the region that started it (a third region's acceptance of its page, or
        this region's, read before that region's start): the event waits for it, parked
        (:mod:`tocsin.shared.replication.parked`), and is applied with the start."""
        if await EngagementStore.known(conn, engagement_arn):
            return True
        await park(conn, ArrivedEarly("engagement", "arn", engagement_arn), envelope,
                   consumer=EARLY)
        log.info("escalation.parked", event_type=envelope.type, event_id=envelope.id,
                 region=envelope.region)
        return False

    async def _release(self, conn: asyncpg.Connection, now: datetime) -> None:
        """Apply the events that waited for an engagement now known."""
        async def apply(envelope: codec.Envelope) -> None:
            log.info("escalation.unparked", event_type=envelope.type, event_id=envelope.id,
                     region=envelope.region)
            if envelope.service == "contacts" and envelope.type in CONTACTS_TYPES:
                origin = None if envelope.region == self._region else envelope.region
                await self._contacts_event(conn, received(envelope, cc.ContactsEvent),
                                           origin=origin, now=now)
            else:
                await self.settle(conn, envelope)

        await release(conn, consumer=EARLY, apply=apply)

    async def on_incidents_event(self, event: Received[ic.IncidentsEvent], msg: Msg) -> None:
        """A resolved or deleted incident pages nobody any more: cancel every pending timer
        of it (stages, plan stages, retries, acknowledgement timeouts) that was scheduled
        by its resolution, under the row locks firing takes. Timers of engagements that
        started after it (the incident re-opened since) are left alone. The contacts
        service stops the engagements themselves."""
        resolved_time: float | None = None
        match event.event:
            case ic.ReplicationSetDeleted():
                await self._replication_set_deleted(event)
                return
            case ic.IncidentRecordResolved(incident_record=record):
                incident_arn = event.correlation.incident_arn or record.arn
                resolved_time = record.resolved_time
            case ic.IncidentRecordDeleted(arn=arn):
                incident_arn = event.correlation.incident_arn or arn
            case _:
                return
        before = datetime.fromtimestamp(resolved_time, UTC) \
            if resolved_time is not None else None
        now = self._clock.now()
        async with transaction(self._pool) as conn:
            if await already_processed(conn, consumer=INCIDENTS_INBOX, event_id=event.id):
                return
            cancelled = await TimerStore.cancel(conn, now=now, incident_arn=incident_arn,
                                                created_before=before)
            await emit_effects(conn, domain.cancelled(
                await _run_here(conn, cancelled), "INCIDENT_RESOLVED"),
                region=self._region, now=now)
        if cancelled:
            log.info("timers.cancelled", event_type=event.type, count=len(cancelled))

    async def _replication_set_deleted(self, event: Received[ic.IncidentsEvent]) -> None:
        """Deleting the replication set deletes every engagement (the contacts service
        does it on the same event): no timer of one may fire any more."""
        now = self._clock.now()
        async with transaction(self._pool) as conn:
            if await already_processed(conn, consumer=INCIDENTS_INBOX, event_id=event.id):
                return
            await EngagementStore.stop_all(conn, event.time)
            cancelled = await TimerStore.cancel(conn, now=now)
            await emit_effects(conn, domain.cancelled(
                await _run_here(conn, cancelled), "REPLICATION_SET_DELETED"),
                region=self._region, now=now)
        log.info("timers.cancelled", event_type=event.type, count=len(cancelled))

    async def _engagement_started(self, conn: asyncpg.Connection, data: cc.EngagementStarted,
                                  incident_arn: str | None, now: datetime, *,
                                  home_region: str | None = None) -> list[NewTimer]:
        # Another region's engagement keeps its own start: its standby timers are due when
        # that region's are, so a takeover continues them from where they were.
        start = domain.anchor(data.start_time, now) if home_region is None \
            else data.start_time
        timers, ends_at = domain.engagement_stage_timers(data, incident_arn, start=start,
                                                         repeats=self._repeats)
        await EngagementStore.add(conn, arn=data.engagement_arn, contact_arn=data.contact_arn,
                                  contact_type=data.contact_type, incident_arn=incident_arn,
                                  start_at=start, ends_at=ends_at, home_region=home_region)
        return await TimerStore.schedule(conn, timers, now=now)

    async def _read(self, conn: asyncpg.Connection, data: cc.PageAccepted,
                    incident_arn: str | None, now: datetime) -> list[Effect]:
        written: list[Effect] = []
        if data.progression_stopped:
            await EngagementStore.stop(conn, data.engagement_arn, data.accept_time)
            written += domain.cancelled(await TimerStore.cancel(
                conn, now=now, engagement_arn=data.engagement_arn,
                kinds=[ec.START_ENGAGEMENT_STAGE, ec.PAGE_STAGE, ec.RETRY_CHANNEL]),
                "PROGRESSION_STOPPED")
        written += domain.cancelled(await TimerStore.cancel(
            conn, now=now, page_arn=data.page_arn, kinds=[ec.PAGE_STAGE, ec.RETRY_CHANNEL]),
            "PAGE_READ")
        if self._ack_timeout and incident_arn:
            engaged = await EngagementStore.contact_of(conn, data.engagement_arn)
            if engaged:
                scheduled = await TimerStore.schedule(conn, [domain.ack_timeout_timer(
                    data, engaged=engaged, incident_arn=incident_arn,
                    timeout=self._ack_timeout)], now=now)
                written += _scheduled(scheduled, incident_arn)
        return written

    async def _retry(self, conn: asyncpg.Connection, event_id: str,
                     data: cc.PageReceiptRecorded, incident_arn: str | None) -> list[NewTimer]:
        if not data.contact_channel_arn or not data.retry_interval_in_minutes:
            return []
        live_until = await EngagementStore.live_until(conn, data.engagement_arn)
        if live_until is None:
            return []
        timer = domain.retry_timer(data, event_id, incident_arn, live_until=live_until)
        if timer is None:
            log.info("retry.stage_over", live_until=live_until.isoformat())
            return []
        return await TimerStore.schedule(conn, [timer], now=self._clock.now())


async def _run_here(conn: asyncpg.Connection, timers: Sequence[Timer]) -> list[Timer]:
    """Of ``timers``, those of engagements this region runs: only their region publishes
    what becomes of them."""
    elsewhere = await EngagementStore.run_elsewhere(conn, {t.engagement_arn for t in timers})
    return [t for t in timers if t.engagement_arn not in elsewhere]


def _scheduled(timers: Sequence[NewTimer], incident_arn: str | None) -> list[Effect]:
    return [(t.scheduled(), incident_arn) for t in timers]


def plan_consumers(plans: Plans, *, region: str, schema: str) -> list[Consumer]:
    """The durable consumers, named after the schema so every instance shares them."""
    stream = f"EVENTS_{region.upper()}"
    return [
        Consumer(stream=stream, durable=f"{schema}-contacts",
                 filter_subject=events_subjects(region, "contacts", CONTACTS_TYPES),
                 handler=typed(cc.ContactsEvent, plans.on_contacts_event, only=CONTACTS_TYPES)),
        Consumer(stream=stream, durable=f"{schema}-incidents",
                 filter_subject=events_subjects(region, "incidents", INCIDENTS_EVENTS),
                 handler=typed(ic.IncidentsEvent, plans.on_incidents_event,
                               only=INCIDENTS_EVENTS)),
    ]


def timer_worker(pool: asyncpg.Pool, clock: Clock, *, region: str, batch: int = 1000,
                 max_sleep: float = 1.0, retention: timedelta = timedelta(days=7)
                 ) -> TimerWorker[Timer]:
    """The worker that fires the escalation service's timers, writing what each demands
    (``StageDue``, ``PageStageDue``, ``ChannelRetryDue``, ``AcknowledgementTimedOut``) to
    the outbox in the firing transaction."""

    async def fire(conn: asyncpg.Connection, timers: list[Timer], now: datetime) -> None:
        await emit_effects(conn, [(t.due(now), t.incident_arn) for t in timers], region=region,
                           now=now)

    return TimerWorker(pool, clock, TIMERS, decode=timer_of, fire=fire, batch=batch,
                       max_sleep=max_sleep, retention=retention,
                       prune=EngagementStore.prune)
