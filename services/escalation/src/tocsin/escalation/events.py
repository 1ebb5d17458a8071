"""What the escalation service publishes: one event per change, on
``events.<region>.escalation.<Type>``, written to the outbox with the change."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

from tocsin.shared import codec
from tocsin.shared.contracts import escalation as ec
from tocsin.shared.db import write_event
from tocsin.shared.logging import context_headers

__all__ = ["SERVICE", "Events"]

SERVICE = "escalation"


class Events:
    """Writes this service's events into the outbox of the current transaction."""

    def __init__(self, region: str) -> None:
        self._region = region

    async def emit(self, conn: asyncpg.Connection,
                   data: ec.TimerScheduled | ec.StageStarted | ec.TimerCancelled, *,
                   now: datetime, incident_arn: str | None = None) -> None:
        event_type = type(data).__name__
        assert event_type in ec.EVENT_TYPES, event_type
        headers = context_headers()
        event = codec.make_envelope(
            type=event_type, service=SERVICE, region=self._region,
            data=msgspec.to_builtins(data), time=now,
            correlation=codec.Correlation(request_id=headers.get("Tocsin-Request-Id"),
                                          incident_arn=incident_arn,
                                          engagement_arn=data.engagement_arn))
        await write_event(conn, event, headers)
