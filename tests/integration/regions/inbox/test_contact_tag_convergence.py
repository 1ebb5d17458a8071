"""The tags of contacts and rotations converge key by key: each key's latest addition or
removal wins in every region, whatever order the regions' streams bring them in, those
given at creation too (tocsin.shared.replication.tags).

The adverse orders are forced as in test_arrival_order: C's mirror of A is removed (the
A -> C link cut) while A and B change what A made, C applies all of B's events, then
mirrors A again and applies A's last."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest_asyncio

from tests.integration.regions.inbox.conftest import (
    Region,
    applied,
    mirror,
    partition,
    three_regions,
)
from tocsin.local.digest import region_digests
from tocsin.shared import errors
from tocsin.shared.testing import wait_for

TIMEOUT = 60.0
DAILY_9 = {"NumberOfOnCalls": 1, "RecurrenceMultiplier": 1,
           "DailySettings": [{"HourOfDay": 9, "MinuteOfHour": 0}]}
CREATED_WITH = [{"Key": "team", "Value": "db"}, {"Key": "tier", "Value": "1"}]


@pytest_asyncio.fixture
async def three(tmp_path: Path, database_url: str,
                master_key_file: str) -> AsyncIterator[list[Region]]:
    async with three_regions(tmp_path, database_url, master_key_file, ("contacts",)) as made:
        yield made


async def _tags(region: Region, arn: str) -> dict[str, str] | None:
    """The resource's tags in ``region``; None while it does not hold the resource."""
    try:
        found = await region.call("contacts", "ListTagsForResource", {"ResourceARN": arn})
    except (errors.NotFoundError, errors.ValidationError):
        return None
    return {t["Key"]: t["Value"] for t in found["Tags"]}


async def _until_tags(region: Region, arn: str, tags: dict[str, str]) -> None:
    async def there() -> bool:
        return await _tags(region, arn) == tags
    await wait_for(there, timeout=TIMEOUT)


async def _published(conn: asyncpg.Connection, region: Region) -> None:
    async def empty() -> bool:
        return not await conn.fetchval(f'SELECT count(*) FROM "{region.name}_contacts".outbox')
    await wait_for(empty, timeout=TIMEOUT)


async def _converged(regions: list[Region], database_url: str) -> None:
    """Every region applied all the others' events, and their stores' digests agree."""
    for into in regions:
        for origin in regions:
            if into is not origin:
                await applied(into, origin, "contacts")
    found = [(await region_digests(database_url, region=r.name,
                                   schema_prefix=f"{r.name}_"))["contacts"] for r in regions]
    differing = sorted(kind for kind in found[0] if len({str(d.get(kind)) for d in found}) > 1)
    assert differing == [], differing


async def _contact(region: Region, alias: str, tags: list[dict[str, str]] | None = None
                   ) -> str:
    params: dict[str, Any] = {"Alias": alias, "Type": "PERSONAL", "Plan": {"Stages": []}}
    if tags:
        params["Tags"] = tags
    return str((await region.call("contacts", "CreateContact", params))["ContactArn"])


async def test_tags_converge_whatever_order_the_third_region_gets_them_in(
        three: list[Region], database_url: str) -> None:
    """A tags alice and B removes the tag; A creates bob and a rotation with tags, and B
    updates both and changes one of their tags. C gets B's changes first (B's removal of a
    tag C never had, bob and the rotation by B's updates), then A's: A's older addition,
    and the older value its creations gave the changed tag, change nothing, while the tag
    B did not change arrives with the creations. All three regions end alike."""
    a, b, c = three
    alice = await _contact(a, "alice")
    for region in three:
        await _until_tags(region, alice, {})

    await c.bus.js.delete_stream(a.stream)  # C hears nothing more of A
    await a.call("contacts", "TagResource", {"ResourceARN": alice,
                                             "Tags": [{"Key": "oncall", "Value": "yes"}]})
    bob = await _contact(a, "bob", CREATED_WITH)
    rotation = str((await a.call("contacts", "CreateRotation", {
        "Name": "primary", "ContactIds": [alice], "TimeZoneId": "Europe/Paris",
        "Recurrence": DAILY_9, "StartTime": time.time() - 86400,
        "Tags": CREATED_WITH}))["RotationArn"])
    await _until_tags(b, alice, {"oncall": "yes"})
    await _until_tags(b, bob, {"team": "db", "tier": "1"})
    await _until_tags(b, rotation, {"team": "db", "tier": "1"})

    await b.call("contacts", "UntagResource", {"ResourceARN": alice, "TagKeys": ["oncall"]})
    await b.call("contacts", "UpdateContact", {"ContactId": bob, "DisplayName": "Bob"})
    await b.call("contacts", "UpdateRotation", {"RotationId": rotation, "Recurrence": DAILY_9,
                                                "TimeZoneId": "Europe/Berlin"})
    for arn in (bob, rotation):
        await b.call("contacts", "TagResource", {"ResourceARN": arn,
                                                 "Tags": [{"Key": "team", "Value": "storage"}]})

    conn = await asyncpg.connect(database_url)
    try:
        await _published(conn, b)
        await applied(c, b, "contacts")
        # C holds bob and the rotation by B's updates, without their creations yet.
        assert await _tags(c, alice) == {}
        assert await _tags(c, bob) == {"team": "storage"}
        assert await _tags(c, rotation) == {"team": "storage"}

        await mirror(c, a)
        await _converged(three, database_url)
    finally:
        await conn.close()
    for region in three:
        assert await _tags(region, alice) == {}, region.name
        for arn in (bob, rotation):
            assert await _tags(region, arn) == {"team": "storage", "tier": "1"}, region.name


async def test_one_tag_set_in_both_regions_apart_converges_on_the_later(
        regions: tuple[Region, Region], database_url: str) -> None:
    """Cut off from each other, both regions set the same tag key of one contact: each
    then applies the other's change, and both keep the later by its stamp (not each the
    other's, as the last applied would)."""
    a, b = regions
    alice = await _contact(a, "alice")
    await _until_tags(b, alice, {})
    async with partition(a, b):
        for region in (a, b):
            await region.call("contacts", "TagResource", {
                "ResourceARN": alice, "Tags": [{"Key": "team", "Value": region.name}]})
    stamps = {await r.last_stamp(f"events.{r.name}.contacts.ResourceTagged",
                                 timeout=TIMEOUT): r.name for r in (a, b)}

    await _converged([a, b], database_url)
    for region in (a, b):
        assert await _tags(region, alice) == {"team": stamps[max(stamps)]}, region.name
