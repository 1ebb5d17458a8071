"""Paging survives a region's loss: standby timers, takeover and stand-down.

Every region of a replication set reads, besides its own events, the mirror of every other
region's ``EVENTS_<R>`` (:mod:`tocsin.shared.bus.regions`), under one durable
``<schema>-standby`` per mirror, in that region's order:

- its **contacts** events are applied as this region's own
  (:meth:`~tocsin.escalation.handlers.Plans.apply_contacts_event`): an acceptance or a stop
  of an engagement started here cancels its timers here, once; an engagement started there
  gets *standby* timers here (same ids, same due times), which do not fire while their
  region runs them;
- its **incidents** events that cancel timers (an incident resolved or deleted there, the
  replication set deleted) cancel them here as this region's own do;
- its **escalation** events keep the standby copies where that region's are: a timer it
  cancelled is marked so here (never fired by a takeover), and its ``RegionTakenOver`` is
  recorded here. A timer it fired counts as fired here once its demand was carried out
  there: a stage timer once the stage started (its contacts service's
  ``EngagementStageStarted``), a plan stage or channel retry once the page was sent again
  (``PageCodeAdded`` naming the timer), an acknowledgement timeout once its incidents
  service acted on it (``AcknowledgementTimeoutHandled``). So what that region fired but
  did not carry out before it was lost is done by the region that takes over.

An event of an engagement not known here yet (a third region's acceptance of a page, read
before the start of its engagement from the region that started it) waits, parked, for
that start (:meth:`~tocsin.escalation.handlers.Plans._known`).

**Takeover.** :class:`RegionWatch` looks at the mirrors every ``interval`` seconds. A region
whose mirror has been silent (``mirror.active``, heartbeats included) for
``TOCSIN_REGION_TAKEOVER_SECONDS`` is lost. The region that takes it over is the first one
after it, in the sorted ring of the set's regions (this one and those mirrored here), that
is not lost itself: every region makes the same choice from the same facts. That region
records ``RegionTakenOver`` with the lost region's engagements that may still page (open
ones, and stopped ones with a timer pending: an acknowledgement timeout outlives its
engagement's progression) and an epoch one above every epoch it knows; once per loss, even
with no engagement, since the region's other timed work follows the same takeover (the
analysis service's action-item reminders, :mod:`tocsin.analysis.takeovers`). From then on
fires their timers, overdue ones at once, each when that region had it due (stages, plan
stages, channel retries, acknowledgement timeouts); the pages are sent by this region's
contacts service, which has the engagement and its pages replicated.

**Stand-down and fencing.** An engagement's timers fire only in the region that runs it
(``engagement.fires_here``, checked in the claiming statement). A region that applies
another's ``RegionTakenOver`` hands the listed engagements over unless a takeover with a
higher epoch (then a greater region name) decided already, so every region ends with the
same runner for each engagement; the lost region, back, thereby stands down. After a
start, a region fires nothing until, for every other region, its mirror here holds all
that region's own stream holds (asked of that region's JetStream over the leaf link) and
its ``standby`` durable has nothing pending, or that region has not answered for the
takeover delay: so a region that returns learns of a takeover of its engagements before
it could fire one of their timers again
(:class:`~tocsin.shared.replication.catch_up.CatchUp`; it can take a while: a mirror
catches up 15-40 s after its link comes back, ``reference/nats.md``; after two minutes it
fires anyway, logging the regions it could not catch up with as an error).

**Partition (both regions up, link cut).** Neither hears the other. After the takeover
delay the successor takes the other's open engagements over and fires their timers; the
other, still up and unaware, fires them too. A stage due during the cut may thus be paged
by both regions (at least once, never lost: a region that cannot tell a dead peer from a
cut link must page, or a dead peer would silence its engagements). When the link heals,
each region's events reach the other: the region that was cut off applies the takeover and
stands down for those engagements; the taker marks the timers the other fired meanwhile as
fired, and the contacts service does not start a stage again that the other region's
replicated events show as started. From then on each timer fires in one region only. (In
a set of two, each region is the other's successor: during the cut each also takes over
the other's engagements, and after it every engagement has had one takeover, which both
regions apply alike.)

**Work already due.** A stage this region fired just before it was lost, whose
``StageDue`` its contacts service had not acted on, is paged by the region that takes over;
an acknowledgement timeout it fired whose re-engagement its incidents service had not
started is re-engaged there. When this region returns, its contacts and incidents services
fence that work by the same takeover epochs (:mod:`tocsin.shared.replication.takeovers`):
they act on none before they have caught up with the other regions' takeovers, and on none
of an engagement another region runs. One window is left, for each: work this region
carried out just before it was lost whose evidence (the stage's start, the page sent again,
``AcknowledgementTimeoutHandled``) never left it is done again by the region that takes
over (at least once, never lost).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Iterable

import asyncpg
from nats.aio.msg import Msg
from nats.js.api import StreamInfo

from tocsin.escalation.handlers import CONTACTS_TYPES, INCIDENTS_EVENTS, Plans
from tocsin.escalation.store import TIMERS, EngagementStore, TakeoverStore
from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.bus import regions as mirrors
from tocsin.shared.clock import Clock
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import escalation as ec
from tocsin.shared.contracts import incidents as ic
from tocsin.shared.contracts.base import decode
from tocsin.shared.db import already_processed, transaction
from tocsin.shared.events import emit, received
from tocsin.shared.logging import get_logger
from tocsin.shared.replication.catch_up import CatchUp, MirrorReaders, watch

__all__ = ["RegionWatch", "successor"]

log = get_logger(__name__)

STANDBY_INBOX = "escalation-standby"
"""The inbox of the other regions' escalation events applied here."""
def successor(lost: str, regions: Iterable[str], alive: Iterable[str]) -> str | None:
    """The region that takes ``lost`` over: the first after it in the sorted ring of
    ``regions`` that is in ``alive``; None when none is."""
    ring = sorted(set(regions) | {lost})
    up = set(alive)
    at = ring.index(lost)
    for candidate in ring[at + 1:] + ring[:at]:
        if candidate in up:
            return candidate
    return None


class RegionWatch:
    """The worker described in the module docstring; ``ready`` is set once this region
    may fire timers."""

    def __init__(self, pool: asyncpg.Pool, bus: Bus, plans: Plans, clock: Clock, *,
                 region: str, schema: str, takeover_seconds: float,
                 interval: float = 1.0) -> None:
        self._pool = pool
        self._bus = bus
        self._plans = plans
        self._clock = clock
        self._region = region
        self._takeover = takeover_seconds
        self._interval = interval
        # Silence shorter than this is a heartbeat not yet due (one a second when healthy).
        self._quiet = min(mirrors.SILENT_AFTER, max(1.5, takeover_seconds / 2))
        durable = f"{schema}-standby"
        self._readers = MirrorReaders(bus, durable=durable, handler=self.on_event,
                                      subject=lambda origin: f"events.{origin}.>",
                                      name="standby")
        self._catch_up = CatchUp(bus, durable=durable, patience=takeover_seconds)
        self._silent_since: dict[str, float] = {}

    @property
    def ready(self) -> asyncio.Event:
        return self._catch_up.ready

    async def run(self, stop: asyncio.Event) -> None:
        """Watch the other regions until ``stop``."""
        await watch(stop, self.tick, readers=self._readers, interval=self._interval,
                    name="regions")

    async def tick(self) -> None:
        """One look: read every mirror, decide readiness, take over lost regions."""
        found = await mirrors.mirrors(self._bus.js)
        found.pop(self._region, None)
        self._readers.follow(found)
        silent = {origin: self._silent_for(origin, info) for origin, info in found.items()}
        if not await self._catch_up.check(found):
            return
        alive = [self._region, *(o for o, s in silent.items() if s < self._takeover)]
        for origin, seconds in sorted(silent.items()):
            if seconds >= self._takeover and \
                    successor(origin, [self._region, *found], alive) == self._region:
                await self.take_over(origin, unheard_for=_unheard_for(found[origin],
                                                                      seconds))

    def _silent_for(self, origin: str, info: StreamInfo) -> float:
        """How long ``origin`` has been silent, as far as this process can vouch: the
        mirror's ``active``, but no more than this process has watched it silent (plus
        the quiet a heartbeat may take), so that a region just started does not take for
        lost a region its mirror has not re-attached to yet."""
        active = mirrors.active_seconds(info)
        if active is not None and math.isfinite(active) and active < self._quiet:
            if self._silent_since.pop(origin, None) is not None:
                log.info("regions.heard_again", region=origin, active=round(active, 3))
            return 0.0
        since = self._silent_since.setdefault(origin, time.monotonic())
        watched = time.monotonic() - since + self._quiet
        return watched if active is None else min(active, watched)

    # --- the other regions' events ---------------------------------------------------------

    async def on_event(self, envelope: codec.Envelope, msg: Msg) -> None:
        """Apply one event of another region (see the module docstring)."""
        if envelope.region == self._region:
            return
        service = msg.subject.split(".")[2] if msg.subject.count(".") >= 3 else ""
        if service == "contacts":
            if envelope.type in ("EngagementStageStarted", "PageCodeAdded"):
                await self._paged(envelope)
            elif envelope.type in CONTACTS_TYPES:
                await self._plans.apply_contacts_event(received(envelope, cc.ContactsEvent),
                                                       origin=envelope.region)
        elif service == "escalation" and envelope.type in ec.EVENT_TYPES:
            await self._escalation_event(envelope)
        elif service == "incidents" and envelope.type == "AcknowledgementTimeoutHandled":
            await self._paged(envelope)
        elif service == "incidents" and envelope.type in INCIDENTS_EVENTS:
            await self._plans.on_incidents_event(received(envelope, ic.IncidentsEvent), msg)

    async def _paged(self, envelope: codec.Envelope) -> None:
        """A stage started, a page sent again by a timer's demand, or an acknowledgement
        timeout acted on, there: its timer here counts as fired."""
        async with transaction(self._pool) as conn:
            await self._plans.settle(conn, envelope)

    async def _escalation_event(self, envelope: codec.Envelope) -> None:
        data = decode(envelope.type, envelope.data, ec.EscalationEvent)
        async with transaction(self._pool) as conn:
            if await already_processed(conn, consumer=STANDBY_INBOX, event_id=envelope.id):
                return
            match data:
                case ec.RegionTakenOver():
                    await self._taken_over(conn, data)
                case ec.TimerScheduled() | ec.StageDue() | ec.PageStageDue() | \
                        ec.ChannelRetryDue() | ec.AcknowledgementTimedOut():
                    return  # settled by what the contacts or incidents service did (SETTLED)
                case _:
                    await self._plans.settle(conn, envelope)

    async def _taken_over(self, conn: asyncpg.Connection, data: ec.RegionTakenOver) -> None:
        """Another region's takeover: recorded here; its engagements run there from now
        on (here, if this region took them; none if a later takeover decided already)."""
        await TakeoverStore.record(conn, region=data.region, epoch=data.epoch,
                                   by_region=data.by_region, taken_at=data.taken_at,
                                   engagements=len(data.engagement_arns))
        moved = await EngagementStore.hand_over(
            conn, data.engagement_arns, to=data.by_region, epoch=data.epoch,
            here=data.by_region == self._region)
        await _wake(conn)
        event = "regions.stood_down" if data.region == self._region else "regions.takeover_seen"
        log.info(event, region=data.region, by=data.by_region, epoch=data.epoch,
                 engagements=len(moved))

    # --- taking over -----------------------------------------------------------------------

    async def take_over(self, lost: str, *, unheard_for: float) -> list[str]:
        """Take region ``lost`` over, silent for ``unheard_for`` real seconds: run its
        engagements known here that still wait on it and may still page
        (:meth:`EngagementStore.take_over`), record ``RegionTakenOver`` under a new epoch
        and wake the timer workers, so overdue timers fire at once. The region is taken
        over once per loss even when none of its engagements waits (its other work, the
        analysis service's reminders, follows the takeover too); nothing when none waits
        and a takeover recorded since it was last heard covers this loss already. Returns
        the engagements' ARNs."""
        now = self._clock.now()
        async with transaction(self._pool) as conn:
            await TakeoverStore.lock(conn)
            epoch = await TakeoverStore.next_epoch(conn)
            arns = await EngagementStore.take_over(conn, lost, epoch=epoch, here=self._region)
            if not arns and await TakeoverStore.covers(conn, lost, unheard_for=unheard_for):
                return []
            await TakeoverStore.record(conn, region=lost, epoch=epoch, by_region=self._region,
                                       taken_at=now, engagements=len(arns))
            await emit(conn, ec.RegionTakenOver(region=lost, epoch=epoch,
                                                by_region=self._region, taken_at=now,
                                                engagement_arns=arns),
                       region=self._region, now=now)
            await _wake(conn)
        log.warning("regions.took_over", region=lost, epoch=epoch, engagements=len(arns))
        return arns


def _unheard_for(info: StreamInfo, silent: float) -> float:
    """Real seconds since ``info``'s region was last heard: its mirror's ``active`` when
    known (a restart of this process does not shorten it), else the silence watched."""
    active = mirrors.active_seconds(info)
    return active if active is not None and math.isfinite(active) else silent


async def _wake(conn: asyncpg.Connection) -> None:
    """Wake the timer workers when the transaction commits: timers may fire now."""
    await conn.execute("SELECT pg_notify($1, current_schema())", TIMERS.table.channel)

