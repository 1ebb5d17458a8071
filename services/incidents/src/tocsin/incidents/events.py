"""What the incidents service publishes: one event per change, on
``events.<region>.incidents.<Type>``, written to the outbox with the change.

An event carries the whole change: ``IncidentRecordCreated`` holds the new record with the
timeline events and related items it starts with; a record update or a related-item change
holds the automatic timeline event it wrote (``timelineEvents``). ``TimelineEventCreated``
and its kin are for what responders write themselves and for a duplicate start's trigger;
``IncidentTriggersJoined`` for the triggers of an alarm storm that joined an open incident
together (their timeline events, in pieces of at most 256 KiB).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from tocsin.shared import codec
from tocsin.shared.db import write_events
from tocsin.shared.logging import context_headers

__all__ = ["SERVICE", "TYPES", "Events"]

SERVICE = "incidents"

TYPES = (
    "ReplicationSetCreated", "ReplicationSetUpdated", "ReplicationSetDeleted",
    "ResponsePlanCreated", "ResponsePlanUpdated", "ResponsePlanDeleted",
    "IncidentRecordCreated", "IncidentRecordUpdated", "IncidentRecordResolved",
    "IncidentRecordDeleted",
    "TimelineEventCreated", "TimelineEventUpdated", "TimelineEventDeleted",
    "RelatedItemAdded", "RelatedItemRemoved",
    "ResourceTagged", "ResourceUntagged",
    "FindingRecorded", "ResourcePolicyCreated", "ResourcePolicyDeleted",
    "EventRuleCreated", "EventRuleUpdated", "EventRuleDeleted",
    "IntegrationKeyCreated", "IntegrationKeyDeleted", "IncidentTriggersJoined",
)
"""Every event type this service publishes; the last token of its subject."""

Change = tuple[str, dict[str, Any]]
"""An event type and its data."""


class Events:
    """Writes this service's events into the outbox of the current transaction."""

    def __init__(self, region: str) -> None:
        self._region = region

    async def emit(self, conn: asyncpg.Connection, event_type: str, data: dict[str, Any], *,
                   now: datetime, incident_arn: str | None = None) -> None:
        """Write one event."""
        await self.emit_all(conn, [(event_type, data)], now=now, incident_arn=incident_arn)

    async def emit_all(self, conn: asyncpg.Connection, changes: list[Change], *,
                       now: datetime, incident_arn: str | None = None) -> None:
        """Write the events of one change together, in order, in one statement."""
        headers = context_headers()
        correlation = codec.Correlation(request_id=headers.get("Tocsin-Request-Id"),
                                        incident_arn=incident_arn)
        envelopes = []
        for event_type, data in changes:
            assert event_type in TYPES, event_type
            envelopes.append(codec.make_envelope(
                type=event_type, service=SERVICE, region=self._region, data=data, time=now,
                correlation=correlation))
        await write_events(conn, envelopes, headers)
