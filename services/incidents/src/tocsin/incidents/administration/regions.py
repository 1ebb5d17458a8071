"""The replication set's regions: their mirrors, and the set as every region sees it.

The incidents service owns the replication set, so it keeps the streams that carry it
(:mod:`tocsin.shared.bus.regions`). :class:`RegionKeeper`, a worker of every instance (all
it does is idempotent), every ``interval`` seconds:

- makes, in this region, the mirror ``EVENTS_<R>`` of every other region R of the set, and
  in R's domain R's mirror of this region (that is how R hears of a set it was added to);
  removes the mirror of a region it saw leave the set (every mirror, when the set is
  deleted); reports each mirror's ``active`` as ``tocsin_stream_source_active_seconds``;
  publishes this region's data keys, wrapped, when a region joins the set
  (:func:`~tocsin.incidents.data_keys.share_keys`);
- reads every mirror here with the durable ``<schema>-replication-set`` and applies the
  other regions' ``ReplicationSet*`` events to this region's copy of the set
  (:func:`~tocsin.incidents.records.domain.merge_replication_set`: the same set in every
  region, whatever order the versions arrive in). A mirror that exists here before this
  region knows of any set is read too: the region that added this one made it.
  Applying writes no event of its own (every region reads every other's stream already).
  :meth:`RegionKeeper.apply` takes one envelope, so a generic inbox of the other regions'
  events can call it for these types instead of the durable here;
- sets region statuses: this region ``ACTIVE`` once the mirror of every other region of
  the set is live here (heard from within :data:`~tocsin.shared.bus.regions.SILENT_AFTER`
  seconds); another region still ``CREATING`` ``FAILED``, with the reason, once its
  JetStream has not answered for ``unreachable_after`` seconds, and an ``ACTIVE`` one once
  its mirror here has heard nothing from it for ``unreachable_after`` seconds (a region
  lost, or cut off: from each side of a partition the other is ``FAILED``). A region that
  comes later marks itself ``ACTIVE`` and, being the later change of its status, that wins
  everywhere. While another region is ``FAILED``, incidents that alarms open here do not
  start runbooks (:mod:`tocsin.incidents.records.failing_over`).
"""

from __future__ import annotations

import asyncio
import math
import time

import msgspec
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy, StreamInfo

from tocsin.incidents.data_keys import share_keys
from tocsin.incidents.records import domain
from tocsin.incidents.records.store import Store
from tocsin.incidents.usecases import Deps
from tocsin.shared import codec, metrics
from tocsin.shared.bus import Bus
from tocsin.shared.bus import regions as mirrors
from tocsin.shared.contracts import incidents as c
from tocsin.shared.db import transaction
from tocsin.shared.events import emit
from tocsin.shared.logging import get_logger
from tocsin.shared.replication.catch_up import MirrorReaders, watch

__all__ = ["APPLIED", "RegionKeeper"]

log = get_logger(__name__)

APPLIED = frozenset({"ReplicationSetCreated", "ReplicationSetUpdated", "ReplicationSetDeleted"})
"""The other regions' events :meth:`RegionKeeper.apply` applies here."""
DISCOVERY = 2.0
"""Seconds between two looks for mirrors here while this region is in no set."""
RECHECK = 30.0
"""Seconds before another region's mirror of this one, once made, is looked at again."""
KEEPER = "keeper"
"""Who a status change the keeper makes is by (``lastModifiedBy`` stays as it was)."""


class RegionKeeper:
    """The worker described in the module docstring."""

    def __init__(self, deps: Deps, bus: Bus, *, schema: str, interval: float = 1.0,
                 unreachable_after: float = 30.0) -> None:
        self._pool = deps.pool
        self._clock = deps.clock
        self._region = deps.region
        self._bus = bus
        self._interval = interval
        self._unreachable_after = unreachable_after
        # A new durable starts from the last event of each type: the set's events carry
        # the whole set, so a mirror made anew (a region added again) does not replay a
        # deleted set's history over the current one.
        self._readers = MirrorReaders(
            bus, durable=f"{schema}-replication-set", handler=self.on_event,
            subject=lambda region: f"events.{region}.incidents.>", name="replication-set",
            deliver_policy=DeliverPolicy.LAST_PER_SUBJECT)
        self._silent_since: dict[str, float] = {}
        """Other region → when (monotonic) its JetStream first failed to answer here."""
        self._unheard_since: dict[str, float] = {}
        """Other region → when (monotonic) its mirror here was first seen never to have
        heard from it (a mirror made while it was away)."""
        self._why: dict[str, str] = {}
        self._pushed: dict[str, float] = {}
        """Other region → when (monotonic) its mirror of this region was last known there."""
        self._next_discovery = 0.0
        self._members: set[str] = set()
        """The other regions of the set at the last round: one gone since has left it."""

    async def run(self, stop: asyncio.Event) -> None:
        """Keep the mirrors and statuses until ``stop``."""
        await watch(stop, self.tick, readers=self._readers, interval=self._interval,
                    name="regions")

    async def tick(self) -> None:
        """One round: mirrors, their readers, statuses."""
        async with self._pool.acquire() as conn:
            rs = await Store.replication_set(conn)
        js = self._bus.js
        members = set(rs.region_map) if rs else set()
        # A region not (or no longer) in the set keeps no mirrors for it.
        others = members - {self._region} if self._region in members else set()
        present: dict[str, StreamInfo] = {}
        for region in sorted(others):
            await mirrors.ensure_mirror(js, region)
            await self._push(region)
            info = await mirrors.mirror_of(js, region)
            if info is not None:
                present[region] = info
        # Regions that left the set (all of them when it was deleted); the durables go
        # with the mirrors.
        for region in sorted(self._members - others):
            await self._readers.stop(region)
            await mirrors.remove_mirror(js, region)
            self._pushed.pop(region, None)
        if others - self._members:
            # A region joined (or this instance just started): the keys this region seals
            # under go to it again, wrapped, whatever its mirror can still read of the
            # stream's past.
            async with transaction(self._pool) as conn:
                await share_keys(conn, region=self._region)
        self._members = others
        if not others and time.monotonic() >= self._next_discovery:
            # Outside a set, any mirror here may carry the set this region was added to
            # (the region that added it made it): look for them now and then.
            self._next_discovery = time.monotonic() + DISCOVERY
            present = await mirrors.mirrors(js)
        self._readers.follow(present)
        report = [mirrors.health_of(r, info) for r, info in sorted(present.items())]
        for h in report:
            metrics.STREAM_SOURCE_ACTIVE.labels(mirrors.mirror_name(h.region), h.region).set(
                math.inf if h.active is None else h.active)
        if rs is not None and others:
            await self._statuses(rs, report, others)

    async def _push(self, region: str) -> None:
        """Make ``region`` mirror this one (looked at again every :data:`RECHECK` seconds
        once done); note when and why it cannot be reached."""
        done = self._pushed.get(region)
        if done is not None and time.monotonic() - done < RECHECK:
            return
        try:
            await mirrors.ensure_mirrored_in(self._bus.nc, here=self._region, there=region)
        except Exception as exc:
            if not mirrors.unreachable(exc):
                raise
            self._silent_since.setdefault(region, time.monotonic())
            self._why[region] = (
                f"Region {region} cannot be reached: no JetStream domain {region} answers "
                f"over the leaf connections of region {self._region}")
            return
        self._silent_since.pop(region, None)
        self._why.pop(region, None)
        self._pushed[region] = time.monotonic()

    async def _statuses(self, rs: domain.ReplicationSet,
                        report: list[mirrors.MirrorHealth], others: set[str]) -> None:
        changes: list[tuple[str, str, str | None]] = []
        # Heard again by the regions it hears (a FAILED one, still away, need not wait).
        reachable = {r for r in others if rs.region_map[r].status != "FAILED"}
        if rs.region_map[self._region].status != "ACTIVE" and mirrors.live(report, reachable):
            changes.append((self._region, "ACTIVE", None))
        now = time.monotonic()
        heard = {h.region: h.active for h in report}
        for region in sorted(others):
            since = self._silent_since.get(region)
            status = rs.region_map[region].status
            if (status == "CREATING" and since is not None
                    and now - since >= self._unreachable_after):
                changes.append((region, "FAILED", self._why.get(region)))
            silent = self._silent_for(region, heard, now)
            if status == "ACTIVE" and silent is not None and silent >= self._unreachable_after:
                changes.append((region, "FAILED", (
                    f"Region {region} has not been heard from in region {self._region} for "
                    f"{silent:.0f} seconds: its mirror {mirrors.mirror_name(region)} is "
                    f"silent")))
        for region, status, message in changes:
            await self._mark(region, status, message, expect=rs.region_map[region].status)

    def _silent_for(self, region: str, heard: dict[str, float | None],
                    now: float) -> float | None:
        """Seconds the region's mirror here has heard nothing from it (None: no mirror
        here to tell)."""
        if region not in heard:
            self._unheard_since.pop(region, None)
            return None
        active = heard[region]
        if active is not None and math.isfinite(active):
            self._unheard_since.pop(region, None)
            return active
        return now - self._unheard_since.setdefault(region, now)

    async def _mark(self, region: str, status: str, message: str | None, *,
                    expect: str) -> None:
        async with transaction(self._pool) as conn:
            rs = await Store.replication_set(conn, lock=True)
            if rs is None or region not in rs.region_map or \
                    rs.region_map[region].status != expect:
                return  # another instance (or region) got there first
            now = self._clock.now()
            updated = domain.mark_region(rs, region, status, now=now, message=message)
            version = await Store.save_replication_set(conn, updated)
            await emit(conn, c.ReplicationSetUpdated(**updated.state(), principal=KEEPER,
                                                     resource_version=version),
                       region=self._region, now=now)
        log.info("replication_set.region_status", region=region, status=status,
                 reason=message)

    # --- the other regions' replication set events ---------------------------------------

    async def on_event(self, envelope: codec.Envelope, msg: Msg) -> None:
        """The durable's handler: :meth:`apply`."""
        await self.apply(envelope)

    async def apply(self, envelope: codec.Envelope) -> None:
        """Apply another region's replication set event here (others are ignored):
        idempotent, and order does not matter (a merge, not a replay)."""
        if envelope.type not in APPLIED or envelope.region == self._region:
            return
        async with transaction(self._pool) as conn:
            local = await Store.replication_set(conn, lock=True)
            if envelope.type == "ReplicationSetDeleted":
                if local is not None and local.arn == envelope.data.get("arn"):
                    await Store.delete_everything(conn)
                    log.info("replication_set.deleted_elsewhere", region=envelope.region)
                return
            incoming = msgspec.convert(envelope.data, domain.ReplicationSet)
            merged = domain.merge_replication_set(local, incoming)
            if merged == local:
                return
            if local is None:
                await Store.insert_replication_set(conn, merged)
            elif local.arn != merged.arn:
                await Store.replace_replication_set(conn, merged)
            else:
                await Store.save_replication_set(conn, merged)
        log.info("replication_set.applied", region=envelope.region, type=envelope.type,
                 status=merged.status)
