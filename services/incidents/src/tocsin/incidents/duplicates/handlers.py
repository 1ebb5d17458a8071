"""The inbox's look for duplicates, and the worker that merges them (see
:mod:`tocsin.incidents.duplicates`)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import asyncpg
import msgspec

from tocsin.incidents.duplicates import domain
from tocsin.incidents.duplicates.store import TIMERS, Due, schedule, timer_of
from tocsin.incidents.records.domain import IncidentRecord
from tocsin.incidents.records.handlers import Handlers
from tocsin.incidents.records.store import Store
from tocsin.incidents.related.domain import change_event
from tocsin.incidents.related.store import RelatedItemStore
from tocsin.incidents.timeline.store import TimelineStore
from tocsin.incidents.usecases import Deps
from tocsin.shared.contracts import incidents as c
from tocsin.shared.events import emit
from tocsin.shared.logging import get_logger
from tocsin.shared.replication import Inbox, Replicated
from tocsin.shared.timers import TimerWorker

__all__ = ["Duplicates"]

log = get_logger(__name__)

_RECORD_EVENTS = (c.IncidentRecordCreated, c.IncidentRecordUpdated, c.IncidentRecordResolved)


class Duplicates:
    """Finds this region's incidents that another region's out-rank and merges them, and
    notes on this region's incidents the duplicates other regions merged into them."""

    def __init__(self, deps: Deps) -> None:
        self._pool = deps.pool
        self._clock = deps.clock
        self._region = deps.region
        self._records = Handlers(deps)
        self.timers = TimerWorker(deps.pool, deps.clock, TIMERS, decode=timer_of,
                                  fire=self._fire, batch=32, retention=timedelta(days=2))

    async def run(self, stop: asyncio.Event) -> None:
        """Make the merges and notes scheduled, until ``stop`` (a timer worker)."""
        await self.timers.run(stop)

    def inbox(self, inbox: Inbox) -> Inbox:
        """``inbox``, looking for duplicates after each incident record it applies."""
        async def apply(replicated: Replicated) -> None:
            await inbox.apply(replicated)
            event = replicated.event.event
            if isinstance(event, _RECORD_EVENTS):
                await self.look(replicated.to.conn, event.incident_record.arn)
                await self._merged_into_ours(replicated.to.conn, event.timeline_events)

        return Inbox(union=inbox.union, apply=apply)

    async def look(self, conn: asyncpg.Connection, arn: str) -> None:
        """After another region's incident ``arn`` was applied here: when it is open beside
        open incidents of its plan and dedupe string, schedule the merge of those of them
        this region opened that it (or another) out-ranks."""
        row = await conn.fetchrow(
            "SELECT plan_name, dedupe_string FROM incident_record"
            " WHERE arn = $1 AND status = 'OPEN'", arn)
        if row is None:
            return
        await Store.dedupe_lock(conn, row["plan_name"], row["dedupe_string"], exclusive=True)
        found = await Store.open_incidents(conn, row["plan_name"], row["dedupe_string"],
                                           here=self._region)
        survivor = found[0][0]
        duplicates = [a for a, region in found[1:] if region == self._region]
        if duplicates:
            log.info("duplicates.found", survivor=survivor, duplicates=duplicates)
            await schedule(conn, "merge", duplicates, survivor=survivor,
                           now=self._clock.now())

    async def _merged_into_ours(self, conn: asyncpg.Connection,
                                entries: list[c.TimelineEvent]) -> None:
        """When another region resolved its duplicate into one of this region's incidents
        (its :data:`~.domain.MERGED_INTO` event), schedule the note on ours: written and
        published here, after the incident's own creation, it reaches every region that
        holds the incident (a third region may not hold it yet when the duplicate's
        region's events arrive)."""
        for entry in entries:
            if entry.event_type != domain.MERGED_INTO:
                continue
            survivor = str(msgspec.json.decode(entry.event_data).get("survivorArn", ""))
            ours = await conn.fetchval(
                "SELECT true FROM incident_record WHERE arn = $1 AND home_region IS NULL",
                survivor)
            if ours:
                await schedule(conn, "note", [entry.incident_record_arn], survivor=survivor,
                               now=self._clock.now())

    async def _fire(self, conn: asyncpg.Connection, due: list[Due], now: datetime) -> None:
        del now
        for timer in due:
            if timer.kind == "merge":
                await self.merge(conn, timer.duplicate, timer.survivor)
            else:
                await self.note(conn, timer.duplicate, timer.survivor)

    async def merge(self, conn: asyncpg.Connection, arn: str, survivor_arn: str) -> bool:
        """Resolve this region's incident ``arn`` into ``survivor_arn``, the survivor chosen
        when both were open, whatever happened to it since (resolved by a responder or by
        its alarm's recovery: the duplicate is over too); False when there is nothing
        (left) to do: the duplicate resolved or deleted meanwhile, the survivor deleted."""
        doc = await conn.fetchval(
            "SELECT doc FROM incident_record WHERE arn = $1 AND home_region IS NULL"
            " FOR NO KEY UPDATE", arn)  # no key lock: a start joining it need not wait
        if doc is None:
            return False
        duplicate = msgspec.convert(doc, IncidentRecord)
        row = await conn.fetchrow(
            "SELECT doc, coalesce(home_region, $2) AS region FROM incident_record"
            " WHERE arn = $1", survivor_arn, self._region)
        if duplicate.status != "OPEN" or row is None:
            return False
        survivor = msgspec.convert(row["doc"], IncidentRecord)
        merge = domain.Merge(duplicate, survivor, region=self._region,
                             survivor_region=row["region"])
        at = self._clock.now().timestamp()
        await self._records.change_record(
            conn, duplicate, c.UpdateIncidentRecord(arn=arn, status="RESOLVED"),
            by=domain.MERGED_BY, notes=(domain.duplicate_note(merge, at=at),))
        await self._point_at_survivor(conn, merge, at=at)
        # The survivor's own region writes the note on it (:meth:`note`).
        log.info("duplicates.merged", incident_arn=arn, survivor=survivor_arn,
                 survivor_region=row["region"])
        return True

    async def note(self, conn: asyncpg.Connection, duplicate_arn: str,
                   survivor_arn: str) -> bool:
        """Write on this region's ``survivor_arn`` that another region's ``duplicate_arn``
        was merged into it; False when either is gone."""
        doc = await conn.fetchval(
            "SELECT doc FROM incident_record WHERE arn = $1 AND home_region IS NULL",
            survivor_arn)
        row = await conn.fetchrow(
            "SELECT doc, coalesce(home_region, $2) AS region FROM incident_record"
            " WHERE arn = $1", duplicate_arn, self._region)
        if doc is None or row is None:
            return False
        merge = domain.Merge(msgspec.convert(row["doc"], IncidentRecord),
                             msgspec.convert(doc, IncidentRecord), region=row["region"],
                             survivor_region=self._region)
        await self._write_note(conn, merge, at=self._clock.now().timestamp())
        return True

    async def _write_note(self, conn: asyncpg.Connection, merge: domain.Merge, *,
                          at: float) -> None:
        note = domain.survivor_note(merge, at=at)
        await TimelineStore.add(conn, [note], is_automatic=True)
        await emit(conn, c.TimelineEventCreated(**msgspec.structs.asdict(note),
                                                resource_version=1),
                   region=self._region, now=self._clock.now(),
                   incident_arn=merge.survivor.arn)
        log.info("duplicates.noted", incident_arn=merge.survivor.arn,
                 duplicate=merge.duplicate.arn)

    async def _point_at_survivor(self, conn: asyncpg.Connection, merge: domain.Merge, *,
                                 at: float) -> None:
        """The related item ``INCIDENT`` of the survivor on the duplicate."""
        duplicate = merge.duplicate
        item = domain.survivor_item(merge)
        if not await RelatedItemStore.add(conn, duplicate.arn, [item]):
            return  # a responder pointed it there already
        entry = change_event(duplicate.arn, title=duplicate.title, by=domain.MERGED_BY,
                             added=item, at=at)
        await TimelineStore.add(conn, [entry], is_automatic=True)
        version = await RelatedItemStore.changed(conn, duplicate.arn)
        await emit(conn, c.RelatedItemAdded(incident_record_arn=duplicate.arn, item=item,
                                            timeline_events=[entry],
                                            principal=domain.MERGED_BY,
                                            resource_version=version),
                   region=self._region, now=self._clock.now(), incident_arn=duplicate.arn)
