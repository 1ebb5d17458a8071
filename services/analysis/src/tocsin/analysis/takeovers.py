"""Action-item reminders survive a region's loss: the analysis service follows the
escalation service's takeovers.

When a region has been unreachable for ``TOCSIN_REGION_TAKEOVER_SECONDS`` the escalation
service of the next region of the set records ``RegionTakenOver`` under an epoch
(:mod:`tocsin.escalation.regions`, the one place that decides). This service records every
takeover it learns of in ``region_takeover``: this region's own, read from its own
escalation events (:func:`own_takeovers`), and every other region's, read from the mirrors
here (:func:`takeover_watch`, :mod:`tocsin.shared.replication.takeovers`). Each one decides
again which region reminds the owner of each open action item (:mod:`tocsin.analysis.runners`)
and wakes the reminder timers: the region that took over fires its standby copies of the
lost region's reminders (overdue ones at once, the others when due), each once, and goes on
from the last reminder the lost region's replicated events show sent.

The lost region, back, stands down: after a start its reminder timers fire nothing before
it has caught up with the other regions' takeovers (``ready``), so it learns that its items
are reminded elsewhere before it could remind them again; and it keeps its copies in step
with the other region's reminders as standby. An item it makes after its return is its own.

Left open, as in the escalation service: a reminder this region fired just before it was
lost, whose ``ActionItemOverdue`` did not reach the other region, is sent by both (at least
once, never lost); during a partition (both regions up, the link cut) both remind the lost
region's items until the link heals.
"""

from __future__ import annotations

import functools

import asyncpg

from tocsin.analysis.reminders import REMINDERS
from tocsin.analysis.runners import Runners, Takeover
from tocsin.shared.bus import Bus, Consumer
from tocsin.shared.contracts import escalation as ec
from tocsin.shared.logging import get_logger
from tocsin.shared.replication.takeovers import TakeoverWatch
from tocsin.shared.replication.takeovers import own_takeovers as shared_own_takeovers

__all__ = ["INBOX", "own_takeovers", "record", "takeover_watch"]

log = get_logger(__name__)

INBOX = "analysis-takeovers"
"""The inbox of the takeovers recorded here (this region's and the others')."""


async def record(conn: asyncpg.Connection, data: ec.RegionTakenOver, *, here: str) -> None:
    """A takeover of any region, once: the runners of the open action items decided again,
    and the reminder timers woken when some now fire here."""
    if not await Runners.record(conn, Takeover(data.region, data.epoch, data.by_region,
                                               data.taken_at)):
        return
    now_here = await Runners.assign(conn, here=here)
    if now_here:
        await conn.execute("SELECT pg_notify($1, current_schema())", REMINDERS.table.channel)
    event = "reminders.stood_down" if data.region == here else "reminders.taken_over"
    log.info(event, region=data.region, by=data.by_region, epoch=data.epoch,
             now_here=len(now_here))


def takeover_watch(pool: asyncpg.Pool, bus: Bus, *, region: str, schema: str,
                   takeover_seconds: float, interval: float) -> TakeoverWatch:
    """The watch that records the other regions' takeovers; its ``ready`` holds the
    reminder timers back after a start."""
    return TakeoverWatch(pool, bus, region=region, schema=schema,
                         takeover_seconds=takeover_seconds, inbox=INBOX,
                         record=functools.partial(record, here=region), interval=interval)


def own_takeovers(pool: asyncpg.Pool, *, region: str, schema: str) -> Consumer:
    """The consumer of this region's own takeovers (its escalation service's
    ``RegionTakenOver``)."""
    return shared_own_takeovers(pool, region=region, schema=schema, inbox=INBOX,
                                record=functools.partial(record, here=region))
