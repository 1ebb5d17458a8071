"""Incidents and their responders: engaging a new incident's contacts, and putting the
pages and acknowledgements of those engagements on the incident's timeline.

- A new incident's event carries its response plan's ``engagements``; a durable consumer
  of that event asks the contacts service to ``StartEngagement`` each of them with an
  idempotency token made of the incident and the contact, so however often the event is
  delivered, or the call retried after a timeout, each contact is engaged exactly once.
  While the contacts service is unreachable the event waits and is redelivered.
- A second durable consumer reads the contacts service's ``EngagementStarted``,
  ``EngagementStageStarted``, ``PageCreated``, ``PageAccepted`` (READ) and
  ``EngagementStopped`` events of engagements that belong to an incident and writes the
  automatic timeline events ``SSM Contacts Engagement for Incident``, ``SSM Contacts
  Engagement Stage for Incident``, ``SSM Contacts Page for Incident``, ``SSM Contacts Page
  Acknowledgement for Incident`` and ``SSM Contacts Engagement Stop for Incident``, once
  each (inbox).
- Resolving an incident stops its engagements (the contacts service does, before the
  resolution commits: ``handlers.py``), and their ``SSM Contacts Engagement Stop for
  Incident`` events say ``Incident resolved`` and which pages had already gone out. A
  re-opened incident's ``IncidentRecordUpdated`` (``reopened``) engages its response
  plan's contacts again as new engagements, each with a ``Tocsin Re-engagement for
  Incident`` event saying so; the stopped ones stay stopped.
- A third reads the escalation service's ``AcknowledgementTimedOut`` (off unless
  ``TOCSIN_ACK_TIMEOUT_MINUTES`` is set there): a responder acknowledged, but the incident
  is still open that long after, so the engaged contact is engaged again (idempotent under
  the timer id) and the timeline says why; ``AcknowledgementTimeoutHandled`` says it was
  done (or that there was nobody to engage), so the other regions' standby copies of the
  timer never fire it again. It is done by the region that runs the engagement: this
  region's own ``RegionTakenOver`` events are read in the same order, the other regions'
  from their mirrors, and a timeout this region fired before another took its engagement
  over (it was lost, and is back) is dropped; after a start nothing is acted on before
  the other regions' takeovers are caught up with
  (:mod:`tocsin.shared.replication.takeovers`).
- A fourth reads the notifications service's ``DeliveryDeadLettered`` for pages of an
  incident and writes ``Tocsin Notification Delivery Failed`` (which page and channel, after
  how many attempts, what the providers said), once (inbox).
- A fifth reads the contacts service's ``EngagementFailed`` (paging that reached nobody:
  a contact gone, nobody on call, no activated channel, every delivery refused) and writes
  ``Tocsin Engagement Failed`` naming who could not be paged and why, once (inbox); then,
  while the incident is open, it engages the fallback contact (``TOCSIN_FALLBACK_CONTACT``)
  once per incident (the idempotency token is made of the incident and the fallback). A
  failure of the fallback's own engagement is written on the timeline and goes no
  further, so a fallback that cannot be paged never loops.
"""

from __future__ import annotations

import hashlib
from typing import Any

import asyncpg
import msgspec
from nats.aio.msg import Msg

from tocsin.incidents.timeline import domain as timeline
from tocsin.incidents.timeline.store import TimelineStore
from tocsin.incidents.usecases import UseCases
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus, Consumer, rpc_subject
from tocsin.shared.bus.consumer import incident_lane
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import escalation as ec
from tocsin.shared.contracts import incidents as ic
from tocsin.shared.contracts import notifications as nc
from tocsin.shared.contracts.base import decode as decode_event
from tocsin.shared.db import already_processed, transaction
from tocsin.shared.events import emit
from tocsin.shared.logging import bind, get_logger
from tocsin.shared.replication.takeovers import Takeovers

__all__ = ["ENGAGEMENT", "ENGAGEMENT_FAILED", "PAGE", "PAGE_ACKNOWLEDGEMENT", "REENGAGEMENT",
           "STAGE", "STOP", "Engaging", "acknowledgement_timeouts", "engagement_consumers"]

log = get_logger(__name__)

ENGAGEMENT = "SSM Contacts Engagement for Incident"
PAGE = "SSM Contacts Page for Incident"
PAGE_ACKNOWLEDGEMENT = "SSM Contacts Page Acknowledgement for Incident"
STAGE = "SSM Contacts Engagement Stage for Incident"
STOP = "SSM Contacts Engagement Stop for Incident"
REENGAGEMENT = "Tocsin Re-engagement for Incident"
ENGAGEMENT_FAILED = "Tocsin Engagement Failed"
REENGAGE_INBOX = "incidents-reengage"
"""The inbox of this region's escalation events acted on (takeovers, acknowledgement
timeouts)."""
PAGES_NOT_RECALLED = ("These pages went out before the stop: a message already handed to "
                      "a provider is not recalled, one still waiting to be sent is dropped; "
                      "no further page of this engagement is sent.")


LANES = 16
"""Incidents whose engagement and paging events are handled at once."""


def engagement_token(incident_arn: str, contact_arn: str) -> str:
    """The idempotency token of one contact's engagement for one incident."""
    return hashlib.sha256(f"{incident_arn}|{contact_arn}".encode()).hexdigest()


class Engaging(UseCases):
    """The two consumers' handlers."""

    def __init__(self, deps: Any, bus: Bus, *, fallback_contact: str = "") -> None:
        super().__init__(deps)
        self._bus: Bus = bus
        self._fallback = fallback_contact

    async def engage(self, event: codec.Envelope, msg: Msg) -> None:
        """Start an engagement of each of a new incident's contacts."""
        if event.type != "IncidentRecordCreated":
            return
        engagements = event.data.get("engagements") or []
        if not engagements:
            return  # a plan engaging nobody: no read of the incident either
        record = event.data.get("incidentRecord") or {}
        arn = str(record.get("arn", ""))
        bind(incident_arn=arn)
        async with self._pool.acquire() as conn:
            current = await self._store.incident(conn, arn)
        if current is None or current.status == "RESOLVED":
            # Deleted, or resolved before its engagements started: nobody to page (a later
            # re-opening engages the plan's contacts itself).
            log.info("engagement.not_needed",
                     status=current.status if current else "DELETED")
            return
        for contact in engagements:
            await self._start(record, contact, engagement_token(arn, contact))

    async def engage_again(self, event: codec.Envelope, msg: Msg) -> None:
        """A re-opened incident's response plan engages its contacts again: new
        engagements (old escalations stay stopped), each on the timeline with the reason."""
        if event.type != "IncidentRecordUpdated" or not event.data.get("reopened"):
            return
        record = event.data.get("incidentRecord") or {}
        arn = str(record.get("arn", ""))
        bind(incident_arn=arn)
        for contact in event.data.get("engagements") or []:
            token = hashlib.sha256(f"{arn}|{contact}|{event.id}".encode()).hexdigest()
            engagement = await self._start(record, contact, token)
            if engagement is None:
                continue
            entry = timeline.automatic(arn, REENGAGEMENT, {
                "contactArn": contact, "engagementArn": engagement,
                "reason": "The incident was re-opened"},
                at=event.time.timestamp(), references=[{"resource": contact}])
            await self._add_entry(event, arn, entry, inbox=f"incidents-reopen|{contact}")

    async def _start(self, record: dict[str, Any], contact: str, token: str) -> str | None:
        """``StartEngagement`` of one contact for an incident; its ARN, or None when the
        contacts service refused (a contact deleted since, the incident resolved)."""
        arn = str(record.get("arn", ""))
        request = cc.StartEngagement(
            contact_id=contact, sender="Tocsin",
            subject=f"Incident: {record.get('title', '')}"[:2048] or "Incident",
            content=_content(record), public_subject="Tocsin incident",
            public_content=f"Incident {record.get('title', '')} (impact "
                           f"{record.get('impact', '?')}). Open Tocsin for details."[:8192],
            incident_id=arn, idempotency_token=token)
        try:
            reply = await self._bus.request(rpc_subject("contacts", "StartEngagement"),
                                            codec.encode(request), timeout=10)
        except errors.ServiceUnavailable as exc:
            raise errors.RetryLater(exc.message, delay=2.0) from None
        except errors.ConflictError as exc:
            # The contacts service knows the incident resolved: none of it pages.
            async with self._pool.acquire() as conn:
                now = await self._store.incident(conn, arn)
            if now is not None and now.status == "OPEN":
                # Re-opened meanwhile; the contacts service learns it from the same events.
                raise errors.RetryLater(exc.message, delay=1.0) from None
            log.info("engagement.incident_resolved", contact=contact)
            return None
        except errors.TocsinError as exc:
            # A plan naming a contact that was deleted since: the others still go.
            log.warning("engagement.refused", contact=contact, error=exc.message,
                        code=exc.aws_code)
            return None
        return str(codec.decode(reply, dict[str, Any]).get("EngagementArn", ""))

    async def on_escalation_event(self, event: codec.Envelope, msg: Msg) -> None:
        """This region's escalation events, in stream order: its own takeovers recorded,
        before the acknowledgement timeouts they fence; acknowledgement timeouts acted on."""
        if event.type == "RegionTakenOver":
            taken: ec.RegionTakenOver = decode_event(event.type, event.data, ec.EscalationEvent)
            async with transaction(self._pool) as conn:
                if not await already_processed(conn, consumer=REENGAGE_INBOX,
                                               event_id=event.id):
                    await Takeovers.record(conn, taken, here=self._region)
        elif event.type == "AcknowledgementTimedOut":
            await self.reengage(event)

    async def reengage(self, event: codec.Envelope) -> None:
        """Engage again the contact of an acknowledged engagement whose incident is still
        open after the acknowledgement timeout, unless another region runs the engagement
        since a takeover (that region does it); say what was done
        (``AcknowledgementTimeoutHandled``) so the other regions' copies of the timer are
        settled."""
        data: ec.AcknowledgementTimedOut = decode_event(event.type, event.data, ec.EscalationEvent)
        bind(incident_arn=data.incident_arn, engagement_arn=data.engagement_arn,
             timer_id=data.timer_id)
        async with self._pool.acquire() as conn:
            runner = await Takeovers.run_elsewhere(conn, data.engagement_arn,
                                                   here=self._region)
            record = await self._store.incident(conn, data.incident_arn)
        if runner is not None:
            log.info("reengagement.stood_down", runs_in=runner)
            return
        engagement: str | None = None
        if record is not None and record.status != "RESOLVED":
            token = hashlib.sha256(f"{data.incident_arn}|{data.contact_arn}|{data.timer_id}"
                                   .encode()).hexdigest()
            engagement = await self._start(msgspec.to_builtins(record), data.contact_arn,
                                           token)
        async with transaction(self._pool) as conn:
            if await already_processed(conn, consumer=REENGAGE_INBOX, event_id=event.id):
                return
            if engagement is not None:
                await self._write_entry(conn, data.incident_arn, timeline.automatic(
                    data.incident_arn, REENGAGEMENT, {
                        "contactArn": data.contact_arn, "engagementArn": engagement,
                        "acknowledgedPageArn": data.page_arn,
                        "previousEngagementArn": data.engagement_arn,
                        "reason": "The incident was still open after the acknowledgement "
                                  "timeout"},
                    at=data.fired_at.timestamp(),
                    references=[{"resource": data.contact_arn}]))
            await emit(conn, ic.AcknowledgementTimeoutHandled(
                timer_id=data.timer_id, engagement_arn=data.engagement_arn,
                contact_arn=data.contact_arn, incident_record_arn=data.incident_arn,
                reengagement_arn=engagement),
                region=self._region, now=self._clock.now(), incident_arn=data.incident_arn)
        log.info("reengagement.handled", reengagement_arn=engagement)

    async def record_page(self, event: codec.Envelope, msg: Msg) -> None:
        """Put an engagement, a page or an acknowledgement of an incident's engagement on
        its timeline."""
        if event.type not in ("EngagementStarted", "EngagementStageStarted", "PageCreated",
                              "PageAccepted", "EngagementStopped"):
            return
        incident_arn = event.correlation.incident_arn
        if not incident_arn:
            return
        bind(incident_arn=incident_arn)
        data = decode_event(event.type, event.data, cc.ContactsEvent)
        detail: dict[str, Any]
        match data:
            case cc.EngagementStarted():
                kind, at, detail = ENGAGEMENT, data.start_time, {"sender": data.sender}
            case cc.EngagementStageStarted():
                kind, at, detail = STAGE, data.start_time, {
                    "stageIndex": data.stage_index, "round": data.round,
                    "pageArns": data.page_arns, "pagedContactArns": data.contact_arns}
            case cc.EngagementStopped():
                kind, at, detail = STOP, data.stop_time, (
                    {"reason": data.reason} if data.reason else {})
                if data.pages_sent:
                    detail.update(pagesAlreadySent=data.pages_sent, note=PAGES_NOT_RECALLED)
            case cc.PageCreated():
                kind, at, detail = PAGE, data.sent_time, {"pageArn": data.page_arn}
            case cc.PageAccepted(accept_type="READ"):
                kind, at, detail = PAGE_ACKNOWLEDGEMENT, data.accept_time, {
                    "pageArn": data.page_arn, **({"note": data.note} if data.note else {})}
            case _:
                return  # a delivery confirmation is not an acknowledgement
        entry = timeline.automatic(incident_arn, kind, {
            "engagementArn": data.engagement_arn, "contactArn": data.contact_arn, **detail},
            at=at.timestamp(), references=[{"resource": data.contact_arn}])
        await self._add_entry(event, incident_arn, entry, inbox="incidents-pages")

    async def _add_entry(self, event: codec.Envelope, incident_arn: str,
                         entry: timeline.TimelineEvent, *, inbox: str) -> None:
        """Add an automatic timeline event once per event (inbox), unless the incident was
        deleted meanwhile. The entries of events handled at once (other incidents' lanes)
        share a transaction (:mod:`tocsin.shared.db.group_commit`): a storm's pages cost
        one ``BEGIN`` and ``COMMIT`` per group, not per page."""

        async def body(conn: asyncpg.Connection) -> dict[str, Any]:
            if not await already_processed(conn, consumer=inbox, event_id=event.id):
                await self._write_entry(conn, incident_arn, entry)
            return {}

        await self._grouped.once(operation=inbox, principal="", token=None, params=b"",
                                 token_member="", body=body)

    async def _write_entry(self, conn: asyncpg.Connection, incident_arn: str,
                           entry: timeline.TimelineEvent) -> None:
        """Add an automatic timeline event, with its ``TimelineEventCreated``, unless the
        incident was deleted meanwhile."""
        record = await self._store.incident(conn, incident_arn)
        if record is None:
            return
        await TimelineStore.add(conn, [entry], is_automatic=True)
        await emit(conn, ic.TimelineEventCreated(**msgspec.structs.asdict(entry),
                                                 resource_version=1, incident=record),
                   region=self._region, now=self._clock.now(), incident_arn=incident_arn)

    async def record_failure(self, event: codec.Envelope, msg: Msg) -> None:
        """Put paging that reached nobody on the incident's timeline, and engage the
        fallback contact."""
        incident_arn = event.correlation.incident_arn
        if event.type != "EngagementFailed" or not incident_arn:
            return
        bind(incident_arn=incident_arn)
        data: cc.EngagementFailed = decode_event(event.type, event.data, cc.ContactsEvent)
        async with self._pool.acquire() as conn:
            record = await self._store.incident(conn, incident_arn)
        if record is None:
            return  # deleted meanwhile
        own = bool(self._fallback) and self._fallback in (
            data.contact_arn, *(f.contact_arn for f in data.failures))
        fallback: dict[str, Any] = {}
        if own:
            fallback = {"fallback": "The fallback contact itself could not be paged"}
        elif not self._fallback:
            fallback = {"fallback": "No fallback contact is configured "
                                    "(TOCSIN_FALLBACK_CONTACT)"}
        elif record.status == "OPEN":
            fallback = {"fallbackContactArn": self._fallback}
        entry = timeline.automatic(incident_arn, ENGAGEMENT_FAILED, {
            "contactArn": data.contact_arn,
            **({"engagementArn": data.engagement_arn} if data.engagement_arn else {}),
            **({"stageIndex": data.stage_index} if data.stage_index is not None else {}),
            **({"pageArn": data.page_arn} if data.page_arn else {}),
            "notPaged": [msgspec.to_builtins(f) for f in data.failures], **fallback},
            at=data.failed_at.timestamp(),
            references=[{"resource": arn} for arn in dict.fromkeys(
                [data.contact_arn, *(f.contact_arn for f in data.failures)])])
        await self._add_entry(event, incident_arn, entry, inbox="incidents-engagement-failed")
        if "fallbackContactArn" in fallback:
            # Once per incident, however many failures it has (the token).
            token = hashlib.sha256(f"{incident_arn}|{self._fallback}|fallback"
                                   .encode()).hexdigest()
            await self._start(msgspec.to_builtins(record), self._fallback, token)

    async def record_dead_letter(self, event: codec.Envelope, msg: Msg) -> None:
        """Put a page that could not be delivered on its incident's timeline."""
        incident_arn = event.correlation.incident_arn
        if event.type != "DeliveryDeadLettered" or not incident_arn:
            return
        bind(incident_arn=incident_arn)
        data: nc.DeliveryDeadLettered = decode_event(event.type, event.data, nc.NotificationsEvent)
        entry = timeline.automatic(incident_arn, nc.DEAD_LETTER_TIMELINE_TYPE, {
            "pageArn": data.page_arn, "contactArn": data.contact_arn,
            "contactChannelArn": data.channel_arn, "channelType": data.channel_type,
            "attempts": data.attempts, "error": data.error},
            at=data.failed_at.timestamp(), references=[{"resource": data.contact_arn}])
        await self._add_entry(event, incident_arn, entry, inbox="incidents-dead-letters")


def _content(record: dict[str, Any]) -> str:
    lines = [f"Incident: {record.get('title', '')}", f"Impact: {record.get('impact', '?')}"]
    if record.get("summary"):
        lines.append(str(record["summary"]))
    lines.append(f"Incident ARN: {record.get('arn', '')}")
    return "\n".join(lines)[:8192]


def acknowledgement_timeouts(engaging: Engaging, *, region: str, schema: str) -> Consumer:
    """The durable consumer of this region's escalation events: its takeovers and
    acknowledgement timeouts, in order. Run once the other regions' takeovers are caught up
    with after a start (:class:`~tocsin.shared.replication.takeovers.TakeoverWatch`)."""
    return Consumer(stream=f"EVENTS_{region.upper()}", durable=f"{schema}-reengage",
                    filter_subject=f"events.{region}.escalation.>",
                    handler=engaging.on_escalation_event)


def engagement_consumers(engaging: Engaging, *, region: str, schema: str) -> list[Consumer]:
    """The durable consumers, named after the schema so every instance shares them."""
    stream = f"EVENTS_{region.upper()}"
    return [
        # Incidents at once (a storm's engagements are calls to the contacts service that
        # wait on it), each incident's events in order.
        Consumer(stream=stream, durable=f"{schema}-engage",
                 filter_subject=f"events.{region}.incidents.IncidentRecordCreated",
                 handler=engaging.engage, concurrency=LANES, lane=incident_lane),
        Consumer(stream=stream, durable=f"{schema}-pages",
                 filter_subject=f"events.{region}.contacts.>", handler=engaging.record_page,
                 concurrency=LANES, lane=incident_lane),
        Consumer(stream=stream, durable=f"{schema}-reopen",
                 filter_subject=f"events.{region}.incidents.IncidentRecordUpdated",
                 handler=engaging.engage_again),
        Consumer(stream=stream, durable=f"{schema}-engagement-failed",
                 filter_subject=f"events.{region}.contacts.EngagementFailed",
                 handler=engaging.record_failure),
        Consumer(stream=stream, durable=f"{schema}-dead-letters",
                 filter_subject=f"events.{region}.notifications.DeliveryDeadLettered",
                 handler=engaging.record_dead_letter),
    ]
