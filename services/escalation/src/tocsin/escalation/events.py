"""What the escalation service publishes: one event per change, on
``events.<region>.escalation.<Type>``, written to the outbox with the change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from tocsin.shared import codec
from tocsin.shared.contracts import escalation as ec
from tocsin.shared.db import write_events
from tocsin.shared.events import envelope_of
from tocsin.shared.logging import context_headers

__all__ = ["SERVICE", "Event", "Events"]

SERVICE = "escalation"

Event = ec.EscalationEvent


class Events:
    """Writes this service's events into the outbox of the current transaction (a thin
    front for :func:`tocsin.shared.events.emit`, which builds every envelope)."""

    def __init__(self, region: str) -> None:
        self._region = region

    async def emit(self, conn: asyncpg.Connection,
                   events: Sequence[tuple[Event, str | None]], *, now: datetime) -> None:
        """Write ``(payload, incident ARN or None)`` pairs, in order, in one statement."""
        if not events:
            return
        headers = context_headers()
        request_id = headers.get("Tocsin-Request-Id")
        await write_events(conn, [
            envelope_of(data, region=self._region, now=now, correlation=codec.Correlation(
                request_id=request_id, incident_arn=incident_arn,
                engagement_arn=data.engagement_arn))
            for data, incident_arn in events], headers)
