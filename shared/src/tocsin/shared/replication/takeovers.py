"""Following takeovers: the work a lost region's successor takes over is done once, never
twice when the lost region returns.

The escalation service alone decides that a region is lost and which region takes it over
(:mod:`tocsin.escalation.regions`): it records ``RegionTakenOver`` under an epoch, once per
loss, and fires the lost region's engagement timers from then on. The lost region may have
fired a timer without the service that carries out its demand having acted on it: the
contacts service's stage work (``StageDue``, ``PageStageDue``, ``ChannelRetryDue``), the
incidents service's re-engagement after an acknowledgement timeout
(``AcknowledgementTimedOut``). When it returns, that work is still due there, and the region
that took over has done it already, or will. The analysis service's action-item reminders
follow the same decision.

So each such service records every takeover it learns of: this region's own, read with its
own region's escalation events (in order with the work they fence), and every other
region's, read from the mirrors here under the durable ``<schema>-takeovers``
(:class:`TakeoverWatch`). The engagement services keep, per engagement taken over, the
region that runs it by the latest takeover known here (an ``engagement_takeover`` table in
their own schema, :class:`Takeovers`: a higher epoch wins, then the greater region, as in
the escalation service) and drop work of an engagement another region runs
(:meth:`Takeovers.run_elsewhere`). After a start, such a service acts on none of that work
before it has caught up with the other regions' takeovers
(:class:`~tocsin.shared.replication.catch_up.CatchUp`, ``TOCSIN_REGION_TAKEOVER_SECONDS``
for a region that does not answer), so a returning region learns of a takeover before it
could do the work again.

During a partition neither side hears the other: both may do the work (at least once,
never lost; :mod:`tocsin.escalation.regions`). Once the link heals, the cut-off region
applies the takeover here too and stands down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from nats.aio.msg import Msg

from tocsin.shared import codec
from tocsin.shared.bus import Bus, Consumer
from tocsin.shared.bus import regions as mirrors
from tocsin.shared.contracts import escalation as ec
from tocsin.shared.contracts.base import decode
from tocsin.shared.db import already_processed, transaction
from tocsin.shared.logging import get_logger
from tocsin.shared.replication.catch_up import CatchUp, MirrorReaders, watch

__all__ = ["Record", "Takeover", "TakeoverWatch", "Takeovers", "own_takeovers", "runner_of",
           "taken_over"]

log = get_logger(__name__)

Record = Callable[[asyncpg.Connection, ec.RegionTakenOver], Awaitable[None]]
"""What a service records of one takeover, on the caller's connection (in the
transaction that marks the event processed)."""


@dataclass(frozen=True, slots=True)
class Takeover:
    """Region ``region`` lost, its work run by ``by_region`` from ``taken_at`` on."""

    region: str
    epoch: int
    by_region: str
    taken_at: datetime

    @classmethod
    def of(cls, data: ec.RegionTakenOver) -> Takeover:
        return cls(data.region, data.epoch, data.by_region, data.taken_at)


def runner_of(home: str, created: datetime, takeovers: Iterable[Takeover]
              ) -> tuple[str, int]:
    """The region that runs a piece of work made in ``home`` at ``created`` (an action
    item's reminders, a runbook execution), and the epoch of the takeover that decided it
    (0: none). A takeover of L by T at ``taken_at`` moves to T the work L ran since before
    ``taken_at``: made in L before the takeover, or taken over by L earlier; work L makes
    after it (L back, or L cut off but alive) stays L's. Folded in epoch order (then time,
    then the region), so every region that knows the same takeovers decides the same,
    whatever order it learnt them in."""
    region, epoch, since = home, 0, created
    for t in sorted(takeovers, key=lambda t: (t.epoch, t.taken_at, t.by_region)):
        if t.region == region and t.taken_at > since:
            region, epoch, since = t.by_region, t.epoch, t.taken_at
    return region, epoch


def taken_over(envelope: codec.Envelope) -> ec.RegionTakenOver | None:
    """The takeover an escalation event says, or None when it says another thing."""
    if envelope.type != "RegionTakenOver":
        return None
    data = decode(envelope.type, envelope.data, ec.EscalationEvent)
    assert isinstance(data, ec.RegionTakenOver)
    return data


class Takeovers:
    """A service's ``engagement_takeover`` table (the contacts service's migration 0014,
    the incidents service's 0022); every call runs on the caller's connection."""

    @staticmethod
    async def record(conn: asyncpg.Connection, data: ec.RegionTakenOver, *,
                     here: str) -> None:
        """A takeover of any region: its engagements run in ``by_region`` from now on,
        unless a takeover at least as recent decided already."""
        moved = await conn.fetch(
            "INSERT INTO engagement_takeover (engagement_arn, region, epoch, lost_region)"
            " SELECT unnest($1::text[]), $2, $3, $4"
            " ON CONFLICT (engagement_arn) DO UPDATE SET region = excluded.region,"
            " epoch = excluded.epoch, lost_region = excluded.lost_region"
            " WHERE engagement_takeover.epoch < excluded.epoch"
            "  OR (engagement_takeover.epoch = excluded.epoch"
            "      AND engagement_takeover.region < excluded.region)"
            " RETURNING engagement_arn", data.engagement_arns, data.by_region, data.epoch,
            data.region)
        event = "engagements.stood_down" if data.region == here else "engagements.taken_over"
        log.info(event, region=data.region, by=data.by_region, epoch=data.epoch,
                 engagements=len(moved))

    @staticmethod
    async def run_elsewhere(conn: asyncpg.Connection, engagement_arn: str, *,
                            here: str) -> str | None:
        """The other region that runs the engagement since a takeover; None when this
        region runs it (or it never was taken over)."""
        region: str | None = await conn.fetchval(
            "SELECT region FROM engagement_takeover WHERE engagement_arn = $1",
            engagement_arn)
        return region if region is not None and region != here else None


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


def engagement_watch(pool: asyncpg.Pool, bus: Bus, *, region: str, schema: str, inbox: str,
                     takeover_seconds: float, interval: float = 1.0) -> TakeoverWatch:
    """The watch of an engagement service: the other regions' takeovers recorded in its
    ``engagement_takeover`` (:class:`Takeovers`), under the inbox name ``inbox``."""
    async def record(conn: asyncpg.Connection, data: ec.RegionTakenOver) -> None:
        await Takeovers.record(conn, data, here=region)
    return TakeoverWatch(pool, bus, region=region, schema=schema, inbox=inbox,
                         takeover_seconds=takeover_seconds, record=record, interval=interval)


def own_takeovers(pool: asyncpg.Pool, *, region: str, schema: str, inbox: str,
                  record: Record) -> Consumer:
    """The consumer of this region's own takeovers (its escalation service's
    ``RegionTakenOver``), each recorded once under the inbox name ``inbox``: the other
    regions' come through :class:`TakeoverWatch`."""

    async def on_event(envelope: codec.Envelope, msg: Msg) -> None:
        del msg
        data = taken_over(envelope)
        if data is None:
            return
        async with transaction(pool) as conn:
            if await already_processed(conn, consumer=inbox, event_id=envelope.id):
                return
            await record(conn, data)

    return Consumer(stream=f"EVENTS_{region.upper()}", durable=f"{schema}-takeovers",
                    filter_subject=f"events.{region}.escalation.RegionTakenOver",
                    handler=on_event)
