"""Stage work fenced by takeover epochs: no stage is paged twice when a lost region returns.

When a region is lost, the next region of the set takes over its open engagements
(:mod:`tocsin.escalation.regions`): the escalation service there records
``RegionTakenOver`` under an epoch and fires their timers from then on. The lost region may
have fired a timer (its ``StageDue``, ``PageStageDue`` or ``ChannelRetryDue`` is in its
stream) without its contacts service having acted on it; when it returns, that stage work
is still due here, and the region that took over has done it already, or will.

So this service keeps, per engagement taken over, the region that runs it by the latest
takeover known here (``engagement_takeover``: a higher epoch wins, then the greater
region, as in the escalation service): this region's own takeovers, read with its own
escalation events (in order with the stage work they fence), and every other region's,
read from the mirrors here under the durable ``<schema>-takeovers`` (:func:`takeover_watch`, the
shared :mod:`tocsin.shared.replication.takeovers`).
Stage work of an engagement another region runs is dropped
(:meth:`Takeovers.run_elsewhere`). After a start, the escalation events' consumer waits
until this region has caught up with the other regions' takeovers
(:class:`~tocsin.shared.replication.catch_up.CatchUp`, ``TOCSIN_REGION_TAKEOVER_SECONDS``
for a region that does not answer), so a returning region learns of a takeover of its
engagements before it could act on their stage work again.

During a partition neither side hears the other: both may page a stage (at least once,
never lost; :mod:`tocsin.escalation.regions`). Once the link heals, the cut-off region
applies the takeover here too and stands down.
"""

from __future__ import annotations

import asyncpg

from tocsin.shared.bus import Bus
from tocsin.shared.contracts import escalation as ec
from tocsin.shared.logging import get_logger
from tocsin.shared.replication.takeovers import TakeoverWatch

__all__ = ["INBOX", "Takeovers", "takeover_watch"]

log = get_logger(__name__)

INBOX = "contacts-takeovers"
"""The inbox of the other regions' takeovers applied here."""


class Takeovers:
    """The ``engagement_takeover`` table; every call runs on the caller's connection."""

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


def takeover_watch(pool: asyncpg.Pool, bus: Bus, *, region: str, schema: str,
                   takeover_seconds: float, interval: float = 1.0) -> TakeoverWatch:
    """The watch that records the other regions' takeovers in ``engagement_takeover``
    (:mod:`tocsin.shared.replication.takeovers`); its ``ready`` holds stage work back."""

    async def record(conn: asyncpg.Connection, data: ec.RegionTakenOver) -> None:
        await Takeovers.record(conn, data, here=region)
    return TakeoverWatch(pool, bus, region=region, schema=schema,
                         takeover_seconds=takeover_seconds, inbox=INBOX, record=record,
                         interval=interval)
