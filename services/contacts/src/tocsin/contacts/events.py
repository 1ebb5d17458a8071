"""What the contacts service publishes: one event per change, on
``events.<region>.contacts.<Type>``, written to the outbox with the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts.base import decode
from tocsin.shared.events import emit

__all__ = ["SERVICE", "TYPES", "Events"]

SERVICE = "contacts"

TYPES: tuple[str, ...] = tuple(cc.EVENT_TYPES)
"""Every event type this service publishes; the last token of its subject."""


class Events:
    """Writes this service's events into the outbox of the current transaction.

    Takes an event type and its data as the handlers build them, checks the data against
    its contract (:data:`tocsin.shared.contracts.contacts.ContactsEvent`; a payload that
    does not fit is a programming error, raised before anything is written) and writes it
    with :func:`tocsin.shared.events.emit`.
    """

    def __init__(self, region: str) -> None:
        self._region = region

    async def emit(self, conn: asyncpg.Connection, event_type: str, data: dict[str, Any], *,
                   now: datetime, incident_arn: str | None = None,
                   engagement_arn: str | None = None) -> None:
        await emit(conn, decode(event_type, data, cc.ContactsEvent), region=self._region,
                   now=now, incident_arn=incident_arn, engagement_arn=engagement_arn)
