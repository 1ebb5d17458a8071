"""A related item or tag removed in this region leaves a tombstone with the stamp its event
carries, so that every region compares another region's older addition of it with the
same stamp; adding it again lifts the tombstone, and an incident's deletion takes its
items' tombstones with it (tocsin.incidents.related.replicas,
tocsin.shared.replication.tags)."""

from __future__ import annotations

from typing import Any

import asyncpg
import nats.js.errors

from tocsin.incidents.settings import Settings
from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

from .test_tagging import call, setup_plan

ITEM = {"identifier": {"type": "OTHER", "value": {"url": "https://runbook"}},
        "title": "runbook"}


async def _stamp_of_last(bus: Bus, settings: Settings, kind: str) -> int:
    """The stamp of the last ``kind`` event the region published."""
    async def last() -> Any:
        try:
            return await bus.js.get_last_msg(f"EVENTS_{settings.region.upper()}",
                                             f"events.{settings.region}.incidents.{kind}")
        except nats.js.errors.NotFoundError:
            return None
    envelope = codec.decode((await wait_for(last)).data or b"", codec.Envelope)
    assert envelope.hlc is not None
    return envelope.hlc


async def _tombstones(conn: asyncpg.Connection, settings: Settings, table: str
                      ) -> list[tuple[int, str | None]]:
    rows = await conn.fetch(f'SELECT hlc, origin FROM "{settings.schema}".{table}')
    return [(r["hlc"], r["origin"]) for r in rows]


async def test_removals_here_leave_tombstones_stamped_as_their_events(
        incidents: Settings, bus: Bus, database_url: str) -> None:
    plan = await setup_plan(bus, incidents)
    arn = (await call(bus, "StartIncident", {"responsePlanArn": plan,
                                             "relatedItems": [ITEM]}))["incidentRecordArn"]
    await call(bus, "TagResource", {"resourceArn": arn, "tags": {"team": "db"}})
    await call(bus, "UpdateRelatedItems", {"incidentRecordArn": arn, "relatedItemsUpdate": {
        "itemToRemove": ITEM["identifier"]}})
    await call(bus, "UntagResource", {"resourceArn": arn, "tagKeys": ["team"]})

    conn = await asyncpg.connect(database_url)
    try:
        assert await _tombstones(conn, incidents, "related_item_removed") == [
            (await _stamp_of_last(bus, incidents, "RelatedItemRemoved"), None)]
        assert await _tombstones(conn, incidents, "tag_removed") == [
            (await _stamp_of_last(bus, incidents, "ResourceUntagged"), None)]

        # Back again: no tombstone stands against them.
        await call(bus, "UpdateRelatedItems", {"incidentRecordArn": arn,
                                               "relatedItemsUpdate": {"itemToAdd": ITEM}})
        await call(bus, "TagResource", {"resourceArn": arn, "tags": {"team": "storage"}})
        assert await _tombstones(conn, incidents, "related_item_removed") == []
        assert await _tombstones(conn, incidents, "tag_removed") == []

        # Removed, then the incident deleted: its items' tombstones go with it.
        await call(bus, "UpdateRelatedItems", {"incidentRecordArn": arn, "relatedItemsUpdate": {
            "itemToRemove": ITEM["identifier"]}})
        assert len(await _tombstones(conn, incidents, "related_item_removed")) == 1
        await call(bus, "DeleteIncidentRecord", {"arn": arn})
        assert await _tombstones(conn, incidents, "related_item_removed") == []
    finally:
        await conn.close()
