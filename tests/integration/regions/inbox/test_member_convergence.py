"""An incident's related items and a resource's tags converge member by member: each
item's (or tag key's) latest addition or removal wins in every region, whatever order the
regions' streams bring them in (tocsin.incidents.related.replicas,
tocsin.shared.replication.tags).

The adverse orders are forced as in test_arrival_order: C's mirror of A is removed (the
A -> C link cut) while A and B change what A made, C applies all of B's events, then
mirrors A again and applies A's last."""

from __future__ import annotations

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
RUNBOOK = {"identifier": {"type": "OTHER", "value": {"url": "https://runbook"}},
           "title": "runbook"}


@pytest_asyncio.fixture
async def three(tmp_path: Path, database_url: str,
                master_key_file: str) -> AsyncIterator[list[Region]]:
    async with three_regions(tmp_path, database_url, master_key_file) as made:
        yield made


async def _read(region: Region, operation: str, params: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return await region.call("incidents", operation, params)
    except (errors.NotFoundError, errors.ValidationError):
        return None


async def _everywhere(regions: list[Region], operation: str, params: dict[str, Any]) -> None:
    async def held() -> bool:
        return all([await _read(r, operation, params) is not None for r in regions])
    await wait_for(held, timeout=TIMEOUT)


async def _items(region: Region, incident: str) -> list[dict[str, Any]]:
    found = await region.call("incidents", "ListRelatedItems", {"incidentRecordArn": incident})
    return list(found["relatedItems"])


async def _titles(region: Region, incident: str) -> list[str]:
    return sorted(str(i.get("title")) for i in await _items(region, incident))


async def _tags(region: Region, arn: str) -> dict[str, str]:
    return dict((await region.call("incidents", "ListTagsForResource",
                                   {"resourceArn": arn}))["tags"])


async def _published(conn: asyncpg.Connection, region: Region) -> None:
    async def empty() -> bool:
        return not await conn.fetchval(f'SELECT count(*) FROM "{region.name}_incidents".outbox')
    await wait_for(empty, timeout=TIMEOUT)


async def _converged(regions: list[Region], database_url: str) -> None:
    """Every region applied all the others' events, and their stores' digests agree."""
    for into in regions:
        for origin in regions:
            if into is not origin:
                for reader in ("inbox", "replication-set"):
                    await applied(into, origin, "incidents", reader)
    found = [(await region_digests(database_url, region=r.name,
                                   schema_prefix=f"{r.name}_"))["incidents"] for r in regions]
    differing = sorted(kind for kind in found[0] if len({str(d.get(kind)) for d in found}) > 1)
    assert differing == [], differing


async def _start(a: Region, regions: list[Region], *,
                 incident_tags: dict[str, str] | None = None) -> str:
    """A replication set and a plan made in A and read everywhere; the plan's ARN."""
    await a.call("incidents", "CreateReplicationSet", {"regions": {a.name: {}}})

    async def set_everywhere() -> bool:
        return all([(await r.call("incidents", "ListReplicationSets"))["replicationSetArns"]
                    for r in regions])
    await wait_for(set_everywhere, timeout=TIMEOUT)
    template: dict[str, Any] = {"title": "Database down", "impact": 2}
    if incident_tags:
        template["incidentTags"] = incident_tags
    plan = str((await a.call("incidents", "CreateResponsePlan", {
        "name": "db", "incidentTemplate": template}))["arn"])
    await _everywhere(regions, "GetResponsePlan", {"arn": plan})
    return plan


async def test_a_removal_before_the_addition_it_removes_leaves_no_item(
        three: list[Region], database_url: str) -> None:
    """A adds an item, B removes it; C gets the removal first (nothing to remove), then the
    addition: the removal's tombstone makes C ignore it, as A and B hold no item. A adding
    it again later brings it back everywhere."""
    a, b, c = three
    plan = await _start(a, three)
    incident = str((await a.call("incidents", "StartIncident", {
        "responsePlanArn": plan, "title": "Primary unreachable"}))["incidentRecordArn"])
    await _everywhere(three, "GetIncidentRecord", {"arn": incident})

    await c.bus.js.delete_stream(a.stream)  # C hears nothing more of A
    await a.call("incidents", "UpdateRelatedItems", {
        "incidentRecordArn": incident, "relatedItemsUpdate": {"itemToAdd": RUNBOOK}})

    async def b_has_it() -> bool:
        return await _titles(b, incident) == ["runbook"]
    await wait_for(b_has_it, timeout=TIMEOUT)
    await b.call("incidents", "UpdateRelatedItems", {
        "incidentRecordArn": incident,
        "relatedItemsUpdate": {"itemToRemove": RUNBOOK["identifier"]}})

    conn = await asyncpg.connect(database_url)
    try:
        await _published(conn, b)
        await applied(c, b, "incidents")
        # C applied the removal of an item it never had: only its tombstone says so.
        assert await _items(c, incident) == []
        assert await conn.fetchval(
            f'SELECT count(*) FROM "{c.name}_incidents".related_item_removed'
            " WHERE incident_arn = $1", incident) == 1

        await mirror(c, a)
        await _converged(three, database_url)
        for region in three:
            assert await _items(region, incident) == [], region.name

        # Added again, later than the removal: it wins, and its tombstones are lifted.
        await a.call("incidents", "UpdateRelatedItems", {
            "incidentRecordArn": incident, "relatedItemsUpdate": {"itemToAdd": RUNBOOK}})
        await _published(conn, a)
        await _converged(three, database_url)
        for region in three:
            assert await _titles(region, incident) == ["runbook"], region.name
            assert not await conn.fetchval(
                f'SELECT count(*) FROM "{region.name}_incidents".related_item_removed')
    finally:
        await conn.close()


async def test_tags_changed_before_the_incident_arrived_outlive_its_creation(
        three: list[Region], database_url: str) -> None:
    """A opens an incident with its plan's tags and retitles it; B retitles it later,
    changes one of those tags and removes the other. C gets B's changes first (the
    retitle brings it the record), then A's creation and retitle: the creation's older
    tags and A's older title change nothing, and all three regions end with B's."""
    a, b, c = three
    plan = await _start(a, three, incident_tags={"team": "db", "tier": "1"})

    await c.bus.js.delete_stream(a.stream)
    incident = str((await a.call("incidents", "StartIncident", {
        "responsePlanArn": plan, "title": "Primary unreachable"}))["incidentRecordArn"])
    await a.call("incidents", "UpdateIncidentRecord", {"arn": incident, "title": "by A"})

    async def b_has_a_title() -> bool:
        found = await _read(b, "GetIncidentRecord", {"arn": incident})
        return found is not None and found["incidentRecord"]["title"] == "by A"
    await wait_for(b_has_a_title, timeout=TIMEOUT)
    await b.call("incidents", "UpdateIncidentRecord", {"arn": incident, "title": "by B"})
    await b.call("incidents", "TagResource", {"resourceArn": incident,
                                              "tags": {"team": "storage"}})
    await b.call("incidents", "UntagResource", {"resourceArn": incident,
                                                "tagKeys": ["tier"]})
    assert await _tags(b, incident) == {"team": "storage"}

    conn = await asyncpg.connect(database_url)
    try:
        await _published(conn, b)
        await applied(c, b, "incidents")
        # C holds the incident by B's update, without its creation yet.
        assert await _tags(c, incident) == {"team": "storage"}

        await mirror(c, a)
        await _converged(three, database_url)
    finally:
        await conn.close()
    for region in three:
        assert await _tags(region, incident) == {"team": "storage"}, region.name
        record = (await region.call("incidents", "GetIncidentRecord",
                                    {"arn": incident}))["incidentRecord"]
        assert record["title"] == "by B", region.name



async def test_one_item_and_one_tag_set_in_both_regions_apart_converge_on_the_later(
        regions: tuple[Region, Region], database_url: str) -> None:
    """Cut off from each other, both regions add the same item (each under its own
    generatedId) and set the same tag key: afterwards both hold the later addition of the
    item and the later value of the tag, by their stamps."""
    a, b = regions
    plan = await _start(a, [a, b])
    incident = str((await a.call("incidents", "StartIncident", {
        "responsePlanArn": plan, "title": "Primary unreachable"}))["incidentRecordArn"])
    await _everywhere([b], "GetIncidentRecord", {"arn": incident})
    async with partition(a, b):
        for region in (a, b):
            await region.call("incidents", "UpdateRelatedItems", {
                "incidentRecordArn": incident, "relatedItemsUpdate": {"itemToAdd": {
                    **RUNBOOK, "title": region.name}}})
            await region.call("incidents", "TagResource", {
                "resourceArn": incident, "tags": {"team": region.name}})
    items = {await r.last_stamp(f"events.{r.name}.incidents.RelatedItemAdded",
                                timeout=TIMEOUT): r.name for r in (a, b)}
    tags = {await r.last_stamp(f"events.{r.name}.incidents.ResourceTagged",
                               timeout=TIMEOUT): r.name for r in (a, b)}

    await _converged([a, b], database_url)
    found = [await _items(r, incident) for r in (a, b)]
    assert found[0] == found[1]
    assert [i["title"] for i in found[0]] == [items[max(items)]]
    for region in (a, b):
        assert await _tags(region, incident) == {"team": tags[max(tags)]}, region.name
