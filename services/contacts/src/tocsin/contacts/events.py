"""What the contacts service publishes: one event per change, on
``events.<region>.contacts.<Type>``, written to the outbox with the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from tocsin.shared import codec
from tocsin.shared.db import write_event
from tocsin.shared.logging import context_headers

__all__ = ["SERVICE", "TYPES", "Events"]

SERVICE = "contacts"

TYPES: tuple[str, ...] = (
    "ContactCreated", "ContactUpdated", "ContactDeleted",
    "ContactChannelCreated", "ContactChannelUpdated", "ContactChannelDeleted",
    "ContactChannelActivationCodeSent", "ContactChannelActivated",
    "ContactChannelDeactivated",
    "RotationCreated", "RotationUpdated", "RotationDeleted",
    "RotationOverrideCreated", "RotationOverrideDeleted",
    "EngagementStarted", "EngagementStopped", "EngagementFailed", "PageCreated",
    "PageReceiptRecorded",
    "PageAccepted",
    "ResourceTagged", "ResourceUntagged", "ContactPolicyPut",
)
"""Every event type this service publishes; the last token of its subject."""


class Events:
    """Writes this service's events into the outbox of the current transaction."""

    def __init__(self, region: str) -> None:
        self._region = region

    async def emit(self, conn: asyncpg.Connection, event_type: str, data: dict[str, Any], *,
                   now: datetime, incident_arn: str | None = None,
                   engagement_arn: str | None = None) -> None:
        assert event_type in TYPES, event_type
        headers = context_headers()
        event = codec.make_envelope(
            type=event_type, service=SERVICE, region=self._region, data=data, time=now,
            correlation=codec.Correlation(request_id=headers.get("Tocsin-Request-Id"),
                                          incident_arn=incident_arn,
                                          engagement_arn=engagement_arn))
        await write_event(conn, event, headers)
