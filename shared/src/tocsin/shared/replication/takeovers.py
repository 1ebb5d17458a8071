"""Following the other regions' takeovers: one watch for every service whose timed work a
lost region's successor takes over.

The escalation service alone decides that a region is lost and which region takes it over
(:mod:`tocsin.escalation.regions`): it records ``RegionTakenOver`` under an epoch, once per
loss. A service whose own work follows that decision (the contacts service's stage work,
the analysis service's action-item reminders) records every takeover it learns of: this
region's own, read with its own region's escalation events, and every other region's, read
from the mirrors here by :class:`TakeoverWatch` under the durable ``<schema>-takeovers``.

After a start, such a service acts on none of that work before it has caught up with the
other regions' takeovers (:class:`~tocsin.shared.replication.catch_up.CatchUp`:
``TOCSIN_REGION_TAKEOVER_SECONDS`` for a region that does not answer), so a region that
returns learns that its work was taken over before it could do it again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg
from nats.aio.msg import Msg

from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.bus import regions as mirrors
from tocsin.shared.contracts import escalation as ec
from tocsin.shared.contracts.base import decode
from tocsin.shared.db import already_processed, transaction
from tocsin.shared.replication.catch_up import CatchUp, MirrorReaders, watch

__all__ = ["Record", "TakeoverWatch", "taken_over"]

Record = Callable[[asyncpg.Connection, ec.RegionTakenOver], Awaitable[None]]
"""What a service records of one takeover, on the caller's connection (in the
transaction that marks the event processed)."""


def taken_over(envelope: codec.Envelope) -> ec.RegionTakenOver | None:
    """The takeover an escalation event says, or None when it says another thing."""
    if envelope.type != "RegionTakenOver":
        return None
    data = decode(envelope.type, envelope.data, ec.EscalationEvent)
    assert isinstance(data, ec.RegionTakenOver)
    return data


class TakeoverWatch:
    """Records the other regions' ``RegionTakenOver`` here, once each (under ``inbox``),
    by ``record``; ``ready`` is set once this region has caught up with them since its
    start (the module docstring)."""

    def __init__(self, pool: asyncpg.Pool, bus: Bus, *, region: str, schema: str,
                 takeover_seconds: float, inbox: str, record: Record,
                 interval: float = 1.0) -> None:
        self._pool = pool
        self._bus = bus
        self._region = region
        self._interval = interval
        self._inbox = inbox
        self._record = record
        durable = f"{schema}-takeovers"
        self._readers = MirrorReaders(
            bus, durable=durable, handler=self.on_event, name="takeovers",
            subject=lambda origin: f"events.{origin}.escalation.RegionTakenOver")
        self._catch_up = CatchUp(bus, durable=durable, patience=takeover_seconds)

    @property
    def ready(self) -> asyncio.Event:
        return self._catch_up.ready

    async def run(self, stop: asyncio.Event) -> None:
        """Follow the other regions' mirrors until ``stop``."""
        await watch(stop, self.look, readers=self._readers, interval=self._interval,
                    name="takeovers")

    async def look(self) -> None:
        """Read every other region's mirror here; decide readiness."""
        found = await mirrors.mirrors(self._bus.js)
        found.pop(self._region, None)
        self._readers.follow(found)
        await self._catch_up.check(found)

    async def on_event(self, envelope: codec.Envelope, msg: Msg) -> None:
        """Another region's ``RegionTakenOver``, recorded once."""
        data = taken_over(envelope)
        if data is None or envelope.region == self._region:
            return
        async with transaction(self._pool) as conn:
            if await already_processed(conn, consumer=self._inbox, event_id=envelope.id):
                return
            await self._record(conn, data)
