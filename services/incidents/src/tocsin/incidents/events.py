"""What the incidents service publishes: one event per change, on
``events.<region>.incidents.<Type>``, written to the outbox with the change.

The contracts are :data:`tocsin.shared.contracts.incidents.IncidentsEvent`; :class:`Events`
still takes an event type and its data as the handlers build them, checks the data against
its contract (a payload that does not fit is a programming error, raised before anything is
written) and writes it with :func:`tocsin.shared.events.emit`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from tocsin.shared.contracts import incidents as ic
from tocsin.shared.contracts.base import decode
from tocsin.shared.events import emit

__all__ = ["SERVICE", "TYPES", "Events"]

SERVICE = "incidents"

TYPES: tuple[str, ...] = tuple(ic.EVENT_TYPES)
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
        events = [decode(event_type, data, ic.IncidentsEvent) for event_type, data in changes]
        await emit(conn, events, region=self._region, now=now, incident_arn=incident_arn)
