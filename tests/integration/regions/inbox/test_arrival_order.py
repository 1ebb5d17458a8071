"""Three regions: a change one region makes to another's resource can reach the third
before the resource itself (each region reads each other's stream on its own). The third
keeps it, parked, and applies it once the resource arrives, so that all three converge.

The order is forced: C's mirror of A is removed (the A -> C link cut) while A creates and B
changes what A created; C applies all of B's events, then mirrors A again."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest_asyncio

from tests.integration.regions.inbox.conftest import (
    Region,
    applied,
    mirror,
    three_regions,
)
from tocsin.local.digest import region_digests
from tocsin.shared import errors
from tocsin.shared.testing import wait_for

TIMEOUT = 60.0


@pytest_asyncio.fixture
async def three(tmp_path: Path, database_url: str,
                master_key_file: str) -> AsyncIterator[list[Region]]:
    async with three_regions(tmp_path, database_url, master_key_file,
                             ("incidents", "contacts")) as made:
        yield made


async def _holds(region: Region, service: str, operation: str, params: dict[str, Any]
                 ) -> bool:
    try:
        await region.call(service, operation, params)
    except (errors.NotFoundError, errors.ValidationError):
        return False
    return True


async def _everywhere(regions: list[Region], service: str, operation: str,
                      params: dict[str, Any]) -> None:
    async def held() -> bool:
        return all([await _holds(r, service, operation, params) for r in regions])
    await wait_for(held, timeout=TIMEOUT)


async def _cut(into: Region, origin: Region) -> None:
    """``into`` hears nothing more of ``origin`` (its mirror of it removed)."""
    await into.bus.js.delete_stream(origin.stream)


async def _published(conn: asyncpg.Connection, region: Region, service: str) -> None:
    async def empty() -> bool:
        return not await conn.fetchval(f'SELECT count(*) FROM "{region.name}_{service}".outbox')
    await wait_for(empty, timeout=TIMEOUT)


async def _parked(conn: asyncpg.Connection, region: Region, service: str) -> list[str]:
    """The types of the events ``region``'s ``service`` inbox keeps for later."""
    rows = await conn.fetch(
        "SELECT convert_from(envelope, 'utf8')::jsonb ->> 'type' AS type"
        f' FROM "{region.name}_{service}".replica_parked ORDER BY seq')
    return [row["type"] for row in rows]


async def _converged(regions: list[Region], database_url: str, service: str) -> None:
    """Every region applied all the others' events, and their stores' digests agree. The
    incidents service's replication set is applied by a reader of its own."""
    readers = ("inbox", "replication-set") if service == "incidents" else ("inbox",)
    for into in regions:
        for origin in regions:
            if into is not origin:
                for reader in readers:
                    await applied(into, origin, service, reader)
    found = [(await region_digests(database_url, region=r.name,
                                   schema_prefix=f"{r.name}_"))[service] for r in regions]
    assert found[0] == found[1] == found[2]


async def test_changes_of_an_incident_wait_in_a_third_region_for_the_incident(
        three: list[Region], database_url: str) -> None:
    a, b, c = three
    await a.call("incidents", "CreateReplicationSet", {"regions": {a.name: {}}})
    plan = str((await a.call("incidents", "CreateResponsePlan", {
        "name": "db", "incidentTemplate": {"title": "Database down", "impact": 2}}))["arn"])
    await _everywhere(three, "incidents", "GetResponsePlan", {"arn": plan})

    await _cut(c, a)
    incident = str((await a.call("incidents", "StartIncident", {
        "responsePlanArn": plan, "title": "Primary unreachable"}))["incidentRecordArn"])
    await _everywhere([b], "incidents", "GetIncidentRecord", {"arn": incident})
    note = (await b.call("incidents", "CreateTimelineEvent", {
        "incidentRecordArn": incident, "eventTime": 1767261600, "eventType": "Custom Event",
        "eventData": "\"failed over to the replica\""}))["eventId"]
    await b.call("incidents", "UpdateTimelineEvent", {
        "incidentRecordArn": incident, "eventId": note,
        "eventData": "\"failed over to replica 2\""})
    await b.call("incidents", "UpdateRelatedItems", {
        "incidentRecordArn": incident, "relatedItemsUpdate": {"itemToAdd": {
            "identifier": {"type": "OTHER", "value": {"url": "https://runbook"}},
            "title": "from B"}}})
    await b.call("incidents", "TagResource", {"resourceArn": incident,
                                              "tags": {"team": "storage"}})

    conn = await asyncpg.connect(database_url)
    try:
        await _published(conn, b, "incidents")
        await applied(c, b, "incidents")
        # C has all of B's changes of the incident, and not the incident: kept for later.
        parked = await _parked(conn, c, "incidents")
        assert {"TimelineEventCreated", "TimelineEventUpdated", "RelatedItemAdded",
                "ResourceTagged"} <= set(parked), parked
        assert not await _holds(c, "incidents", "GetIncidentRecord", {"arn": incident})

        await mirror(c, a)
        await _converged(three, database_url, "incidents")
        assert await _parked(conn, c, "incidents") == []
    finally:
        await conn.close()
    event = (await c.call("incidents", "GetTimelineEvent", {
        "incidentRecordArn": incident, "eventId": note}))["event"]
    assert event["eventData"] == "\"failed over to replica 2\""
    items = await c.call("incidents", "ListRelatedItems", {"incidentRecordArn": incident})
    assert "from B" in [i.get("title") for i in items["relatedItems"]]
    tags = await c.call("incidents", "ListTagsForResource", {"resourceArn": incident})
    assert tags["tags"]["team"] == "storage"


async def test_changes_of_a_contact_and_an_engagement_wait_for_them(
        three: list[Region], database_url: str) -> None:
    a, b, c = three
    alice = str((await a.call("contacts", "CreateContact", {
        "Alias": "alice", "Type": "PERSONAL", "Plan": {"Stages": []}}))["ContactArn"])
    await _everywhere(three, "contacts", "GetContact", {"ContactId": alice})

    await _cut(c, a)
    bob = str((await a.call("contacts", "CreateContact", {
        "Alias": "bob", "Type": "PERSONAL", "Plan": {"Stages": []}}))["ContactArn"])
    engagement = str((await a.call("contacts", "StartEngagement", {
        "ContactId": alice, "Sender": "tocsin", "Subject": "Database down",
        "Content": "details"}))["EngagementArn"])
    await _everywhere([b], "contacts", "GetContact", {"ContactId": bob})
    await _everywhere([b], "contacts", "DescribeEngagement", {"EngagementId": engagement})
    await b.call("contacts", "TagResource", {"ResourceARN": bob,
                                             "Tags": [{"Key": "team", "Value": "db"}]})
    await b.call("contacts", "PutContactPolicy", {"ContactArn": bob, "Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "111122223333"},
            "Action": ["ssm-contacts:GetContact"], "Resource": bob}]})})
    await b.call("contacts", "StopEngagement", {"EngagementId": engagement})

    conn = await asyncpg.connect(database_url)
    try:
        await _published(conn, b, "contacts")
        await applied(c, b, "contacts")
        parked = await _parked(conn, c, "contacts")
        assert {"ResourceTagged", "ContactPolicyPut", "EngagementStopped"} <= set(parked), \
            parked

        await mirror(c, a)
        await _converged(three, database_url, "contacts")
        assert await _parked(conn, c, "contacts") == []
    finally:
        await conn.close()
    found = await c.call("contacts", "DescribeEngagement", {"EngagementId": engagement})
    assert "StopTime" in found
    tags = await c.call("contacts", "ListTagsForResource", {"ResourceARN": bob})
    assert tags["Tags"] == [{"Key": "team", "Value": "db"}]
