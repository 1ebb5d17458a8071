"""Tags given when a resource is created are read in every region of the set, as those a
``TagResource`` adds later are: the replication set's, a response plan's, an incident's
from its plan's ``incidentTemplate.incidentTags``, a contact's and a rotation's."""

from __future__ import annotations

import time

from tests.integration.regions.inbox.conftest import Region, all_applied
from tocsin.shared.testing import wait_for

TIMEOUT = 30.0
DAILY_9 = {"NumberOfOnCalls": 1, "RecurrenceMultiplier": 1,
           "DailySettings": [{"HourOfDay": 9, "MinuteOfHour": 0}]}


async def _incident_tags(region: Region, arn: str) -> dict[str, str]:
    found = await region.call("incidents", "ListTagsForResource", {"resourceArn": arn})
    return dict(found["tags"])


async def _contact_tags(region: Region, arn: str) -> list[dict[str, str]]:
    found = await region.call("contacts", "ListTagsForResource", {"ResourceARN": arn})
    return list(found["Tags"])


async def test_tags_given_at_creation_are_read_in_the_other_region(
        regions: tuple[Region, Region]) -> None:
    a, b = regions
    set_arn = (await a.call("incidents", "CreateReplicationSet", {
        "regions": {a.name: {}}, "tags": {"owner": "sre"}}))["arn"]

    async def seen() -> bool:
        return bool((await b.call("incidents", "ListReplicationSets"))["replicationSetArns"])
    await wait_for(seen, timeout=TIMEOUT)
    plan = (await a.call("incidents", "CreateResponsePlan", {
        "name": "db-down", "tags": {"team": "db", "tier": "1"},
        "incidentTemplate": {"title": "Database down", "impact": 2,
                             "incidentTags": {"service": "postgres"}}}))["arn"]
    incident = (await a.call("incidents", "StartIncident",
                             {"responsePlanArn": plan}))["incidentRecordArn"]
    # A later change of the tags given at creation is applied after them, in order.
    await a.call("incidents", "UntagResource", {"resourceArn": plan, "tagKeys": ["tier"]})
    alice = (await a.call("contacts", "CreateContact", {
        "Alias": "alice", "Type": "PERSONAL", "Plan": {"Stages": []},
        "Tags": [{"Key": "team", "Value": "db"}]}))["ContactArn"]
    rotation = (await a.call("contacts", "CreateRotation", {
        "Name": "primary", "ContactIds": [alice], "TimeZoneId": "UTC",
        "Recurrence": DAILY_9, "StartTime": time.time() - 86400,
        "Tags": [{"Key": "shift", "Value": "day"}]}))["RotationArn"]
    await all_applied(a, b, "incidents")
    await all_applied(a, b, "contacts")

    assert await _incident_tags(b, set_arn) == {"owner": "sre"}
    assert await _incident_tags(b, plan) == {"team": "db"}
    assert await _incident_tags(b, incident) == {"service": "postgres"}
    for arn in (set_arn, plan, incident):
        assert await _incident_tags(b, arn) == await _incident_tags(a, arn), arn
    assert await _contact_tags(b, alice) == [{"Key": "team", "Value": "db"}]
    assert await _contact_tags(b, rotation) == [{"Key": "shift", "Value": "day"}]
