"""Writing events: the one way a service publishes what changed.

:func:`emit` turns typed events (:class:`tocsin.shared.contracts.base.Event`) into
envelopes and writes them into the outbox of the caller's transaction, so an event is
published if and only if its change commits. The subject, ``type``, ``service`` and
``schemaVersion`` all come from the event's class.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from tocsin.shared import codec
from tocsin.shared.contracts.base import Event, encode_data
from tocsin.shared.db import write_events
from tocsin.shared.logging import context_headers

__all__ = ["emit", "envelope_of"]


def envelope_of(event: Event, *, region: str, now: datetime,
                correlation: codec.Correlation) -> codec.Envelope:
    """The envelope that carries ``event``, with a fresh id."""
    return codec.Envelope(
        id=codec.new_event_id(), type=type(event).__name__, service=event.service,
        region=region, time=now, data=encode_data(event),
        schema_version=event.version, correlation=correlation)


async def emit(conn: asyncpg.Connection, events: Event | Sequence[Event], *, region: str,
               now: datetime, incident_arn: str | None = None,
               engagement_arn: str | None = None) -> None:
    """Write ``events`` (one, or the events of one change in order) into the outbox of the
    current transaction, in one statement.

    Each envelope's correlation carries the request id of the current context, and the
    incident and engagement the change belongs to; an event with an ``engagement_arn``
    member names its own engagement when none is given.
    """
    batch = [events] if isinstance(events, Event) else list(events)
    if not batch:
        return
    headers = context_headers()
    request_id = headers.get("Tocsin-Request-Id")
    envelopes = [
        envelope_of(event, region=region, now=now, correlation=codec.Correlation(
            request_id=request_id, incident_arn=incident_arn,
            engagement_arn=engagement_arn or getattr(event, "engagement_arn", None)))
        for event in batch]
    await write_events(conn, envelopes, headers)
