"""What the notifications service publishes: one event per fact, on
``events.<region>.notifications.<Type>``, written to the outbox with the change
(:mod:`tocsin.shared.contracts.notifications`)."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

from tocsin.shared import codec
from tocsin.shared.contracts import notifications as nc
from tocsin.shared.db import write_event
from tocsin.shared.logging import context_headers

__all__ = ["SERVICE", "Events", "incident_arn_of"]

SERVICE = "notifications"


def incident_arn_of(incident_id: str | None) -> str | None:
    """The engagement's ``IncidentId`` when it names an incident record."""
    if incident_id and ":incident-record/" in incident_id:
        return incident_id
    return None


class Events:
    """Writes this service's events into the outbox of the current transaction."""

    def __init__(self, region: str) -> None:
        self._region = region

    async def emit(self, conn: asyncpg.Connection, data: nc.DeliveryDeadLettered, *,
                   now: datetime) -> None:
        event_type = type(data).__name__
        assert event_type in nc.EVENT_TYPES, event_type
        headers = context_headers()
        event = codec.make_envelope(
            type=event_type, service=SERVICE, region=self._region,
            data=msgspec.to_builtins(data), time=now,
            correlation=codec.Correlation(request_id=headers.get("Tocsin-Request-Id"),
                                          incident_arn=incident_arn_of(data.incident_id),
                                          engagement_arn=data.engagement_arn))
        await write_event(conn, event, headers)
