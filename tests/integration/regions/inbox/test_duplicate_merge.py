"""Alarms deduplicate across regions: the same alarm published in two regions cut off from
each other opens one incident in each; once they hear from each other again both merge
into the one created first (the other resolved by its own region, with notes on both),
later alarms join it in both regions, and redelivery changes nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import msgspec
import pytest

from tests.integration.regions.inbox.conftest import Region, all_applied, partition
from tocsin.incidents.duplicates.domain import DUPLICATE_MERGED, MERGED_BY, MERGED_INTO
from tocsin.shared import errors
from tocsin.shared.testing import wait_for

TIMEOUT = 60.0
OPEN = [{"key": "status", "condition": {"equals": {"stringValues": ["OPEN"]}}}]


def alarm(name: str) -> bytes:
    """A CloudWatch "Alarm State Change" to ALARM, a new event each time."""
    arn = f"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{name}"
    return msgspec.json.encode({
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch", "account": "111122223333", "time": "2026-12-07T10:02:10Z",
        "region": "eu-west-1", "resources": [arn],
        "detail": {"alarmName": name, "state": {
            "value": "ALARM", "reason": "Threshold Crossed",
            "timestamp": "2026-12-07T10:02:10.104+0000"}}})


async def publish(region: Region, body: bytes, plan: str) -> None:
    await region.bus.js.publish(f"alarms.{region.name}.cloudwatch", body,
                                headers={"Tocsin-Response-Plan": plan})


async def records(region: Region, *, open_only: bool = False) -> list[dict[str, Any]]:
    found = await region.call("incidents", "ListIncidentRecords",
                              {"filters": OPEN} if open_only else {})
    return list(found["incidentRecordSummaries"])


async def events(region: Region, incident: str, event_type: str) -> list[dict[str, Any]]:
    """The incident's timeline events of one type, with their data."""
    found = await region.call("incidents", "ListTimelineEvents", {
        "incidentRecordArn": incident, "sortOrder": "ASCENDING", "filters": [
            {"key": "eventType", "condition": {"equals": {"stringValues": [event_type]}}}]})
    return [(await region.call("incidents", "GetTimelineEvent", {
        "incidentRecordArn": incident, "eventId": e["eventId"]}))["event"]
        for e in found["eventSummaries"]]


async def _plan(a: Region, b: Region) -> str:
    """A replication set, a contact and the plan ``db`` engaging her, made in A and read
    in B."""
    await a.call("incidents", "CreateReplicationSet", {"regions": {a.name: {}}})
    alice = str((await a.call("contacts", "CreateContact", {
        "Alias": "alice", "Type": "PERSONAL", "Plan": {"Stages": []}}))["ContactArn"])
    plan = str((await a.call("incidents", "CreateResponsePlan", {
        "name": "db", "incidentTemplate": {"title": "Database down", "impact": 2},
        "engagements": [alice]}))["arn"])

    async def in_b() -> bool:
        try:
            await b.call("incidents", "GetResponsePlan", {"arn": plan})
            await b.call("contacts", "GetContact", {"ContactId": alice})
        except (errors.NotFoundError, errors.ValidationError):
            return False
        # The set, which B's region keeper applies apart from the inbox.
        return bool((await b.call("incidents", "ListReplicationSets"))["replicationSetArns"])
    await wait_for(in_b, timeout=TIMEOUT)
    return plan


async def _digest(database_url: str, region: Region) -> list[Any]:
    """What the region holds of the incidents, the merges it made, and how many events it
    published."""
    conn = await asyncpg.connect(database_url)
    schema = f'"{region.name}_incidents"'
    try:
        return [
            [tuple(r) for r in await conn.fetch(
                f"SELECT arn, status, doc::text, hlc, origin FROM {schema}.incident_record"
                " ORDER BY arn")],
            [tuple(r) for r in await conn.fetch(
                f"SELECT event_id, event_type, event_data FROM {schema}.timeline_event"
                " ORDER BY event_id")],
            [tuple(r) for r in await conn.fetch(
                f"SELECT generated_id, item::text FROM {schema}.related_item ORDER BY 1")],
            [tuple(r) for r in await conn.fetch(
                f"SELECT id, state FROM {schema}.duplicate_merge ORDER BY id")],
            (await region.bus.js.stream_info(region.stream)).state.last_seq]
    finally:
        await conn.close()


async def test_one_alarm_opened_in_two_regions_apart_merges_into_one(
        regions: tuple[Region, Region], database_url: str) -> None:
    a, b = regions
    await _plan(a, b)
    body = alarm("db-primary-down")
    async with partition(a, b):
        await publish(a, body, "db")
        await publish(b, body, "db")
        opened = {}
        for region in (a, b):
            [opened[region.name]] = await wait_for(lambda r=region: records(r), timeout=TIMEOUT)
        assert opened[a.name]["arn"] != opened[b.name]["arn"]
    by_arn = {r["arn"]: (r, name) for name, r in opened.items()}
    # The survivor: created first, the region's name breaking a tie.
    survivor, survivor_region = min(
        ((r["arn"], name) for name, r in opened.items()),
        key=lambda p: (by_arn[p[0]][0]["creationTime"], p[1], p[0]))
    duplicate = next(arn for arn in by_arn if arn != survivor)
    duplicate_region = by_arn[duplicate][1]

    async def merged() -> bool:
        for region in (a, b):
            listed = {r["arn"]: r["status"] for r in await records(region)}
            if listed != {survivor: "OPEN", duplicate: "RESOLVED"}:
                return False
            if not await events(region, survivor, DUPLICATE_MERGED):
                return False
            if not await events(region, duplicate, MERGED_INTO):
                return False
        return True
    await wait_for(merged, timeout=TIMEOUT)
    await all_applied(a, b, "incidents")

    for region in (a, b):
        # ListIncidentRecords is the same in both regions: the survivor open, the duplicate
        # resolved, by its own region.
        assert await records(region) == await records(a)
        record = (await region.call("incidents", "GetIncidentRecord",
                                    {"arn": duplicate}))["incidentRecord"]
        assert record["status"] == "RESOLVED" and record["lastModifiedBy"] == MERGED_BY
        [note] = await events(region, duplicate, MERGED_INTO)
        data = json.loads(note["eventData"])
        assert data["survivorArn"] == survivor and data["survivorRegion"] == survivor_region
        assert survivor in data["reason"]
        assert note["eventReferences"] == [{"resource": survivor}]
        [merged_note] = await events(region, survivor, DUPLICATE_MERGED)
        data = json.loads(merged_note["eventData"])
        assert data["duplicateArn"] == duplicate and data["duplicateRegion"] == duplicate_region
        items = (await region.call("incidents", "ListRelatedItems",
                                   {"incidentRecordArn": duplicate}))["relatedItems"]
        assert [i["identifier"] for i in items if i["identifier"]["type"] == "INCIDENT"] == [
            {"type": "INCIDENT", "value": {"arn": survivor}}]

    # The duplicate's engagements stopped, in its own region, as a resolution stops them;
    # the survivor's go on.
    for incident, stopped in ((duplicate, True), (survivor, False)):
        home = a if by_arn[incident][1] == a.name else b

        async def engagements(incident: str = incident,
                              home: Region = home) -> list[dict[str, Any]]:
            found = await home.call("contacts", "ListEngagements", {"IncidentId": incident})
            return list(found["Engagements"])
        if stopped:
            await wait_for(lambda: _all_stopped(engagements), timeout=TIMEOUT)
        else:
            assert [bool(e.get("StopTime")) for e in await wait_for(engagements)] == [False]

    # A later alarm of the same dedupe string joins the survivor, in either region.
    triggers = {r.name: len(await events(r, survivor, "SSM Incident Trigger"))
                for r in (a, b)}
    for region in (a, b):
        await publish(region, alarm("db-primary-down"), "db")

    async def joined() -> bool:
        for region in (a, b):
            if len(await events(region, survivor, "SSM Incident Trigger")) != \
                    triggers[region.name] + 2:
                return False
        return True
    await wait_for(joined, timeout=TIMEOUT)
    await all_applied(a, b, "incidents")
    for region in (a, b):
        assert [r["arn"] for r in await records(region, open_only=True)] == [survivor]
        assert len(await records(region)) == 2

    # The duplicate can't be re-opened beside the survivor, in either region.
    for region in (a, b):
        with pytest.raises(errors.ConflictError):
            await region.call("incidents", "UpdateIncidentRecord",
                              {"arn": duplicate, "status": "OPEN"})

    # Every event of the other region read again changes nothing in either.
    before = {r.name: await _digest(database_url, r) for r in (a, b)}
    for into, origin in ((a, b), (b, a)):
        await into.bus.js.delete_consumer(origin.stream, f"{into.name}_incidents-inbox")
    await all_applied(a, b, "incidents")
    for region in (a, b):
        assert await _digest(database_url, region) == before[region.name]


async def _all_stopped(engagements: Any) -> bool:
    found = await engagements()
    return bool(found) and all(e.get("StopTime") for e in found)


async def test_one_alarm_published_in_both_regions_at_once_ends_as_one_open_incident(
        regions: tuple[Region, Region]) -> None:
    """Both regions connected, a burst of one alarm in each at the same moment: whichever
    region hears of the other's incident first joins it or merges, and both end with the
    same records, one of them open."""
    a, b = regions
    await _plan(a, b)
    for _ in range(5):
        for region in (a, b):
            await publish(region, alarm("db-replica-lag"), "db")

    async def converged() -> list[dict[str, Any]] | None:
        listed = [await records(r) for r in (a, b)]
        if listed[0] != listed[1] or [r["status"] for r in listed[0]].count("OPEN") != 1:
            return None
        return listed[0]
    await wait_for(converged, timeout=TIMEOUT)
    await all_applied(a, b, "incidents")
    final = await converged()
    assert final is not None
    [survivor] = [r["arn"] for r in final if r["status"] == "OPEN"]
    for record in final:
        if record["arn"] != survivor:  # a duplicate, merged into the survivor
            [note] = await events(a, record["arn"], MERGED_INTO)
            assert json.loads(note["eventData"])["survivorArn"] == survivor
    # Every alarm is a trigger of one of them, in both regions (once each region's outbox
    # has published them all).
    async def all_triggers() -> bool:
        for region in (a, b):
            triggers = sum([len(await events(region, r["arn"], "SSM Incident Trigger"))
                            for r in final])
            if triggers != 10:
                return False
        return True
    await wait_for(all_triggers, timeout=TIMEOUT)
    await all_applied(a, b, "incidents")
    assert await all_triggers() and await converged() == final
