"""A tag of a contact or rotation removed in this region leaves a tombstone with the stamp
its event carries, so that every region compares another region's older addition of that
key with the same stamp; tagging the key again lifts it (migration 0015_tag_tombstones,
tocsin.shared.replication.tags)."""

from __future__ import annotations

from typing import Any

import asyncpg
import nats.js.errors

from tocsin.contacts.settings import Settings
from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

from .test_contacts import call, contact


async def _stamp_of_last(bus: Bus, settings: Settings, kind: str) -> int:
    """The stamp of the last ``kind`` event the region published."""
    async def last() -> Any:
        try:
            return await bus.js.get_last_msg(f"EVENTS_{settings.region.upper()}",
                                             f"events.{settings.region}.contacts.{kind}")
        except nats.js.errors.NotFoundError:
            return None
    envelope = codec.decode((await wait_for(last)).data or b"", codec.Envelope)
    assert envelope.hlc is not None
    return envelope.hlc


async def _tombstones(conn: asyncpg.Connection, settings: Settings
                      ) -> list[tuple[str, int, str | None]]:
    rows = await conn.fetch(f'SELECT key, hlc, origin FROM "{settings.schema}".tag_removed')
    return [(r["key"], r["hlc"], r["origin"]) for r in rows]


async def test_a_removed_tag_leaves_a_tombstone_stamped_as_its_event(
        contacts: Settings, bus: Bus, database_url: str) -> None:
    alice = await contact(bus, "alice", Tags=[{"Key": "team", "Value": "db"}])
    conn = await asyncpg.connect(database_url)
    try:
        tagged = await conn.fetchrow(
            f'SELECT hlc, origin FROM "{contacts.schema}".tag WHERE resource_arn = $1', alice)
        assert tagged["hlc"] == await _stamp_of_last(bus, contacts, "ContactCreated")
        assert tagged["origin"] is None

        await call(bus, "UntagResource", {"ResourceARN": alice, "TagKeys": ["team"]})
        assert await _tombstones(conn, contacts) == [
            ("team", await _stamp_of_last(bus, contacts, "ResourceUntagged"), None)]

        # Back again: no tombstone stands against it.
        await call(bus, "TagResource", {"ResourceARN": alice,
                                        "Tags": [{"Key": "team", "Value": "storage"}]})
        assert await _tombstones(conn, contacts) == []
    finally:
        await conn.close()
