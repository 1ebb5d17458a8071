"""A resolved incident pages nobody: its engagements stop, and none starts until it is
re-opened.

The incidents service calls ``StopIncidentEngagements`` while it resolves an incident,
before the resolution commits; this service also reads ``IncidentRecordResolved``,
``IncidentRecordDeleted`` and re-opening ``IncidentRecordUpdated`` events itself (a durable
consumer), so a resolve made while it was unreachable takes effect when it is back. Either
way, in one transaction:

- the incident is marked resolved in ``incident_state`` (unless a later change of it, a
  re-opening, was recorded already);
- each running engagement of it is locked and stopped, with an ``EngagementStopped`` that
  says why and which of its unread pages had gone out before (a message the notifications
  service still holds is then not sent; one handed to a provider is not recalled).

A stage, a plan stage or a channel retry that comes due afterwards locks its engagement
first and finds it stopped, so it pages nobody; ``StartEngagement`` for a resolved incident
is a ``ConflictException``. Starting an engagement and stopping an incident's engagements
serialize on an advisory lock per incident, so neither misses the other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from nats.aio.msg import Msg

from tocsin.contacts.engagements.handlers import EngagementHandlers
from tocsin.contacts.engagements.store import EngagementStore
from tocsin.shared import codec
from tocsin.shared.bus import Consumer, RpcRequest, events_subjects
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.db import transaction
from tocsin.shared.logging import bind, get_logger

__all__ = ["IncidentState", "incidents_consumer"]

log = get_logger(__name__)

HANDLED = ("IncidentRecordResolved", "IncidentRecordDeleted", "IncidentRecordUpdated")
"""The incidents service's events the consumer acts on (and is delivered)."""


class IncidentState:
    """``StopIncidentEngagements`` and the consumer of the incidents service's events."""

    def __init__(self, engagements: EngagementHandlers) -> None:
        self._engagements = engagements

    async def stop_incident_engagements(self, req: RpcRequest) -> dict[str, Any]:
        cmd: cc.StopIncidentEngagements = req.decode(cc.StopIncidentEngagements)
        bind(incident_arn=cmd.incident_id)
        stopped = await self.resolve(cmd.incident_id, reason=cmd.reason,
                                     at=datetime.fromtimestamp(cmd.changed_time, UTC),
                                     by=req.principal)
        return {"StoppedEngagementArns": stopped}

    async def on_incidents_event(self, event: codec.Envelope, msg: Msg) -> None:
        record = event.data.get("incidentRecord") or {}
        incident_arn = event.correlation.incident_arn or str(
            record.get("arn") or event.data.get("arn") or "")
        if not incident_arn:
            return
        bind(incident_arn=incident_arn)
        # Who resolved or deleted it, when the event says.
        by = str(event.data["principal"]) if event.data.get("principal") else None
        match event.type:
            case "IncidentRecordResolved":
                at = record.get("resolvedTime")
                await self.resolve(incident_arn, reason=cc.INCIDENT_RESOLVED,
                                   at=datetime.fromtimestamp(float(at), UTC)
                                   if at is not None else event.time, by=by)
            case "IncidentRecordDeleted":
                await self.resolve(incident_arn, reason=cc.INCIDENT_DELETED, at=event.time,
                                   by=by)
            case "IncidentRecordUpdated" if event.data.get("reopened"):
                at = record.get("lastModifiedTime")
                await self.reopen(incident_arn, at=datetime.fromtimestamp(float(at), UTC)
                                  if at is not None else event.time)

    async def resolve(self, incident_id: str, *, reason: str, at: datetime,
                      by: str | None = None) -> list[str]:
        """Mark the incident resolved as of ``at`` and stop its running engagements; the
        ARNs of those stopped (none when a later change of the incident is recorded).
        ``by`` is who resolved it, when this service is told (else Tocsin itself)."""
        async with transaction(self._engagements.pool) as conn:
            await EngagementStore.lock_incident(conn, incident_id)
            if not await EngagementStore.incident_changed(conn, incident_id, resolved=True,
                                                          at=at):
                log.info("incident.stale_resolve_ignored", changed_at=at.isoformat())
                return []
            arns = await EngagementStore.running_of_incident(conn, incident_id)
            for arn in arns:
                await self._engagements.stop(conn, arn, reason=reason, by=by)
        if arns:
            log.info("incident.engagements_stopped", count=len(arns), reason=reason)
        return arns

    async def reopen(self, incident_id: str, *, at: datetime) -> None:
        """Let the incident have engagements again (its own start new ones)."""
        async with transaction(self._engagements.pool) as conn:
            await EngagementStore.lock_incident(conn, incident_id)
            if await EngagementStore.incident_changed(conn, incident_id, resolved=False,
                                                      at=at):
                log.info("incident.reopened")


def incidents_consumer(state: IncidentState, *, region: str, schema: str) -> Consumer:
    """The durable consumer, named after the schema so every instance shares it."""
    return Consumer(stream=f"EVENTS_{region.upper()}", durable=f"{schema}-incidents",
                    filter_subject=events_subjects(region, "incidents", HANDLED),
                    handler=state.on_incidents_event)
