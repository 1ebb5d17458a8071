"""What the escalation service publishes: one event per change, on
``events.<region>.escalation.<Type>``, written to the outbox with the change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg
import msgspec

from tocsin.shared import codec
from tocsin.shared.contracts import escalation as ec
from tocsin.shared.db import write_events
from tocsin.shared.logging import context_headers

__all__ = ["SERVICE", "Event", "Events"]

SERVICE = "escalation"

Event = (ec.TimerScheduled | ec.TimerCancelled | ec.StageDue | ec.PageStageDue
         | ec.ChannelRetryDue | ec.AcknowledgementTimedOut)


class Events:
    """Writes this service's events into the outbox of the current transaction."""

    def __init__(self, region: str) -> None:
        self._region = region

    async def emit(self, conn: asyncpg.Connection,
                   events: Sequence[tuple[Event, str | None]], *, now: datetime) -> None:
        """Write ``(payload, incident ARN or None)`` pairs, in order, in one statement."""
        if not events:
            return
        headers = context_headers()
        request_id = headers.get("Tocsin-Request-Id")
        envelopes = []
        for data, incident_arn in events:
            event_type = type(data).__name__
            assert event_type in ec.EVENT_TYPES, event_type
            envelopes.append(codec.make_envelope(
                type=event_type, service=SERVICE, region=self._region,
                data=msgspec.to_builtins(data), time=now,
                correlation=codec.Correlation(request_id=request_id, incident_arn=incident_arn,
                                              engagement_arn=data.engagement_arn)))
        await write_events(conn, envelopes, headers)
