"""The contacts service's inbox: contacts, rotations and overrides written in one region
are read in the other and converge when both change them; an engagement started in one
region is shown in the other as it stands, and nothing is paged or published again."""

from __future__ import annotations

import time
from typing import Any

import asyncpg

from tests.integration.regions.inbox.conftest import Region, all_applied, partition
from tocsin.shared import errors
from tocsin.shared.testing import wait_for

TIMEOUT = 30.0
DAILY_9 = {"NumberOfOnCalls": 1, "RecurrenceMultiplier": 1,
           "DailySettings": [{"HourOfDay": 9, "MinuteOfHour": 0}]}


async def _get(region: Region, operation: str, **params: Any) -> dict[str, Any] | None:
    try:
        return await region.call("contacts", operation, params)
    except errors.NotFoundError:
        return None


async def _person(region: Region, alias: str) -> str:
    return str((await region.call("contacts", "CreateContact", {
        "Alias": alias, "Type": "PERSONAL", "Plan": {"Stages": []}}))["ContactArn"])


async def test_contacts_rotations_and_overrides_of_b_are_read_in_a(
        regions: tuple[Region, Region], database_url: str) -> None:
    a, b = regions
    alice, bob = await _person(b, "alice"), await _person(b, "bob")
    await b.call("contacts", "TagResource", {"ResourceARN": alice,
                                             "Tags": [{"Key": "team", "Value": "db"}]})
    rotation = str((await b.call("contacts", "CreateRotation", {
        "Name": "primary", "ContactIds": [alice, bob], "TimeZoneId": "Europe/Paris",
        "Recurrence": DAILY_9, "StartTime": time.time() - 86400}))["RotationArn"])
    start = time.time() + 3600
    override = (await b.call("contacts", "CreateRotationOverride", {
        "RotationId": rotation, "NewContactIds": [bob], "StartTime": start,
        "EndTime": start + 3600}))["RotationOverrideId"]

    got = await wait_for(lambda: _get(a, "GetRotationOverride", RotationId=rotation,
                                      RotationOverrideId=override), timeout=TIMEOUT)
    assert got["NewContactIds"] == [bob]
    assert await a.call("contacts", "GetContact", {"ContactId": alice}) == \
        await b.call("contacts", "GetContact", {"ContactId": alice})
    assert await a.call("contacts", "GetRotation", {"RotationId": rotation}) == \
        await b.call("contacts", "GetRotation", {"RotationId": rotation})
    listed = await a.call("contacts", "ListContacts")
    assert sorted(c["Alias"] for c in listed["Contacts"]) == ["alice", "bob"]
    tags = await a.call("contacts", "ListTagsForResource", {"ResourceARN": alice})
    assert tags["Tags"] == [{"Key": "team", "Value": "db"}]
    window = {"RotationId": rotation, "StartTime": start, "EndTime": start + 3600}
    assert await a.call("contacts", "ListRotationShifts", window) == \
        await b.call("contacts", "ListRotationShifts", window)

    await all_applied(a, b, "contacts")
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval(f'SELECT count(*) FROM "{a.name}_contacts".outbox') == 0
    finally:
        await conn.close()
    info = await a.bus.js.stream_info(a.stream, subjects_filter=f"events.{a.name}.contacts.>")
    assert not info.state.subjects


async def test_concurrent_contact_updates_converge_and_deletion_wins(
        regions: tuple[Region, Region]) -> None:
    """Both regions rename one contact while cut off: both keep the same name after. A
    rotation deleted in B while A changes it stays deleted in both."""
    a, b = regions
    alice, bob = await _person(b, "alice"), await _person(b, "bob")
    rotation = str((await b.call("contacts", "CreateRotation", {
        "Name": "primary", "ContactIds": [alice, bob], "TimeZoneId": "Europe/Paris",
        "Recurrence": DAILY_9, "StartTime": time.time() - 86400}))["RotationArn"])
    await wait_for(lambda: _get(a, "GetRotation", RotationId=rotation), timeout=TIMEOUT)
    async with partition(a, b):
        await a.call("contacts", "UpdateContact", {"ContactId": alice, "DisplayName": "by A"})
        await b.call("contacts", "UpdateContact", {"ContactId": alice, "DisplayName": "by B"})
        await b.call("contacts", "DeleteRotation", {"RotationId": rotation})
        await a.call("contacts", "UpdateRotation", {"RotationId": rotation,
                                                     "ContactIds": [bob, alice],
                                                     "Recurrence": DAILY_9})
    await all_applied(a, b, "contacts")

    async def names() -> list[str]:
        return [(await r.call("contacts", "GetContact", {"ContactId": alice}))
                .get("DisplayName", "") for r in (a, b)]
    seen = await names()
    assert seen[0] == seen[1] and seen[0] in ("by A", "by B")
    for region in (a, b):
        assert await _get(region, "GetRotation", RotationId=rotation) is None


async def test_an_engagement_started_in_b_is_shown_in_a(
        regions: tuple[Region, Region]) -> None:
    """The engagement, its pages and its stop are shown by A's API; A pages nobody (it
    starts no stage and requests no delivery)."""
    a, b = regions
    alice = await _person(b, "alice")
    engagement = str((await b.call("contacts", "StartEngagement", {
        "ContactId": alice, "Sender": "tocsin", "Subject": "Database down",
        "Content": "details"}))["EngagementArn"])
    pages_b = (await b.call("contacts", "ListPagesByEngagement",
                            {"EngagementId": engagement}))["Pages"]

    async def pages_a() -> Any:
        found = await _get(a, "ListPagesByEngagement", EngagementId=engagement)
        return found is not None and len(found["Pages"]) == len(pages_b) and found["Pages"]
    await wait_for(pages_a, timeout=TIMEOUT)
    listed = await a.call("contacts", "ListEngagements")
    assert [e["EngagementArn"] for e in listed["Engagements"]] == [engagement]
    await b.call("contacts", "StopEngagement", {"EngagementId": engagement})

    async def stopped() -> bool:
        found = await a.call("contacts", "DescribeEngagement", {"EngagementId": engagement})
        return "StopTime" in found
    await wait_for(stopped, timeout=TIMEOUT)
    deliveries = await a.bus.js.stream_info(f"DELIVERIES_{a.name.upper()}")
    assert deliveries.state.messages == 0


async def test_an_incident_of_b_engages_its_responders_once_from_b(
        regions: tuple[Region, Region]) -> None:
    """B's incident, whose plan engages a contact, is engaged by B alone: A shows B's
    engagement and its pages, starts none of its own and requests no delivery."""
    a, b = regions
    alice = await _person(b, "alice")
    await b.call("contacts", "CreateContactChannel", {
        "ContactId": alice, "Name": "mail", "Type": "EMAIL",
        "DeliveryAddress": {"SimpleAddress": "alice@example.com"}, "DeferActivation": True})
    await b.call("incidents", "CreateReplicationSet", {"regions": {b.name: {}}})
    plan = (await b.call("incidents", "CreateResponsePlan", {
        "name": "db-down", "incidentTemplate": {"title": "Database down", "impact": 2},
        "engagements": [alice]}))["arn"]
    incident = (await b.call("incidents", "StartIncident",
                             {"responsePlanArn": plan}))["incidentRecordArn"]

    async def engaged(region: Region) -> list[str]:
        found = await region.call("contacts", "ListEngagements",
                                  {"IncidentId": incident})
        return [e["EngagementArn"] for e in found["Engagements"]]
    ours = await wait_for(lambda: engaged(b), timeout=TIMEOUT)
    await wait_for(lambda: engaged(a), timeout=TIMEOUT)
    await all_applied(a, b, "incidents")
    await all_applied(a, b, "contacts")
    assert await engaged(a) == ours
    assert len(ours) == 1
    mine = await a.bus.js.stream_info(a.stream, subjects_filter=f"events.{a.name}.>")
    assert not mine.state.subjects
    deliveries = await a.bus.js.stream_info(f"DELIVERIES_{a.name.upper()}")
    assert deliveries.state.messages == 0
