"""What the notifications service publishes: one event per fact, on
``events.<region>.notifications.<Type>``, written to the outbox with the change
(:mod:`tocsin.shared.contracts.notifications`)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from tocsin.shared.contracts import notifications as nc
from tocsin.shared.events import emit

__all__ = ["SERVICE", "Events", "incident_arn_of"]

SERVICE = "notifications"


def incident_arn_of(incident_id: str | None) -> str | None:
    """The engagement's ``IncidentId`` when it names an incident record."""
    if incident_id and ":incident-record/" in incident_id:
        return incident_id
    return None


class Events:
    """Writes this service's events into the outbox of the current transaction (a thin
    front for :func:`tocsin.shared.events.emit`)."""

    def __init__(self, region: str) -> None:
        self._region = region

    async def emit(self, conn: asyncpg.Connection, data: nc.NotificationsEvent, *,
                   now: datetime) -> None:
        await emit(conn, data, region=self._region, now=now,
                   incident_arn=incident_arn_of(data.incident_id),
                   engagement_arn=data.engagement_arn)
