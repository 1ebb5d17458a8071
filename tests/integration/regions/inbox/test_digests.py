"""The digests of two regions' stores (``python -m tocsin.local.digest``): equal, type by
type, once each region has applied the other's events; a row that differs in one region
changes that type's digest alone."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from typing import Any

import asyncpg

from tests.integration.regions.inbox.conftest import Region, all_applied
from tocsin.local.digest import region_digests, replicated_resources
from tocsin.shared.replication.digest import Digest
from tocsin.shared.testing import wait_for

TIMEOUT = 30.0
DAILY_9 = {"NumberOfOnCalls": 1, "RecurrenceMultiplier": 1,
           "DailySettings": [{"HourOfDay": 9, "MinuteOfHour": 0}]}


async def _digests(region: Region, database_url: str) -> dict[str, dict[str, Digest]]:
    return await region_digests(database_url, region=region.name,
                                schema_prefix=f"{region.name}_")


def differing(one: dict[str, dict[str, Digest]],
              other: dict[str, dict[str, Digest]]) -> list[str]:
    """The ``service.type`` whose digests differ."""
    return sorted(f"{s}.{k}" for s in one.keys() | other.keys()
                  for k in one.get(s, {}).keys() | other.get(s, {}).keys()
                  if one.get(s, {}).get(k) != other.get(s, {}).get(k))


async def _a_bit_of_everything(a: Region, b: Region) -> None:
    """Plans, incidents with timelines, related items and tags, contacts with a policy,
    tags and an activated channel, a rotation with an override, written in both
    regions."""
    await a.call("incidents", "CreateReplicationSet", {"regions": {a.name: {}}})

    async def seen() -> bool:
        return bool((await b.call("incidents", "ListReplicationSets"))["replicationSetArns"])
    await wait_for(seen, timeout=TIMEOUT)
    for region, plan in ((a, "db-down"), (b, "api-down")):
        plan_arn = (await region.call("incidents", "CreateResponsePlan", {
            "name": plan, "incidentTemplate": {"title": plan, "impact": 2}}))["arn"]
        await region.call("incidents", "TagResource", {"resourceArn": plan_arn,
                                                       "tags": {"team": region.name}})
        incident = (await region.call("incidents", "StartIncident", {
            "responsePlanArn": plan_arn, "title": f"{plan} now",
            "relatedItems": [{"identifier": {"type": "OTHER",
                                             "value": {"url": f"https://x/{plan}"}}}]}
                    ))["incidentRecordArn"]
        await region.call("incidents", "CreateTimelineEvent", {
            "incidentRecordArn": incident, "eventTime": 1767261600,
            "eventType": "Custom Event", "eventData": f"\"{plan}: restarted\""})
        await region.call("incidents", "UpdateIncidentRecord", {
            "arn": incident, "impact": 1})
        person = (await region.call("contacts", "CreateContact", {
            "Alias": f"oncall-{plan}", "Type": "PERSONAL", "Plan": {"Stages": []},
            "Tags": [{"Key": "team", "Value": region.name}]}))["ContactArn"]
        channel = (await region.call("contacts", "CreateContactChannel", {
            "ContactId": person, "Name": "mail", "Type": "EMAIL",
            "DeliveryAddress": {"SimpleAddress": f"oncall-{plan}@example.com"},
            "DeferActivation": True}))["ContactChannelArn"]
        await region.call("contacts", "ReactivateContactChannel",
                          {"ContactChannelId": channel})
        await region.call("contacts", "PutContactPolicy", {
            "ContactArn": person, "Policy": json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": "111122223333"},
                "Action": ["ssm-contacts:GetContact"], "Resource": person}]})})
        rotation = (await region.call("contacts", "CreateRotation", {
            "Name": f"{plan}-primary", "ContactIds": [person], "TimeZoneId": "UTC",
            "Recurrence": DAILY_9, "StartTime": time.time() - 86400}))["RotationArn"]
        start = time.time() + 3600
        await region.call("contacts", "CreateRotationOverride", {
            "RotationId": rotation, "NewContactIds": [person], "StartTime": start,
            "EndTime": start + 3600})


async def test_converged_regions_have_equal_digests_and_a_difference_shows_its_type(
        regions: tuple[Region, Region], database_url: str) -> None:
    a, b = regions
    await _a_bit_of_everything(a, b)
    await all_applied(a, b, "incidents")
    await all_applied(a, b, "contacts")

    in_a, in_b = await _digests(a, database_url), await _digests(b, database_url)
    # The services these regions run (no other's schema is here).
    assert set(in_a) == {"incidents", "contacts"} <= set(replicated_resources())
    assert differing(in_a, in_b) == []
    rows = {f"{s}.{k}": d.rows for s, kinds in in_a.items() for k, d in kinds.items()}
    for kind in ("incidents.replication_set", "incidents.response_plans",
                 "incidents.incident_records", "incidents.timeline_events",
                 "incidents.related_items", "incidents.tags", "contacts.contacts",
                 "contacts.contact_policies", "contacts.contact_channels", "contacts.rotations",
                 "contacts.rotation_overrides", "contacts.tags"):
        assert rows[kind] > 0, kind  # something of each type was compared

    # One timeline event's text differs in B: that type's digest, and no other.
    conn = await asyncpg.connect(database_url,
                                 server_settings={"search_path": f"{b.name}_incidents"})
    try:
        await conn.execute("UPDATE timeline_event SET event_data = event_data || ' (edited)'"
                           " WHERE event_id = (SELECT event_id FROM timeline_event LIMIT 1)")
    finally:
        await conn.close()
    after = await _digests(b, database_url)
    assert differing(in_a, after) == ["incidents.timeline_events"]


async def test_the_command_prints_the_same_digests(regions: tuple[Region, Region],
                                                   database_url: str) -> None:
    a, _ = regions
    await a.call("contacts", "CreateContact", {"Alias": "alice", "Type": "PERSONAL",
                                               "Plan": {"Stages": []}})
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "tocsin.local.digest", "--region", a.name,
         "--database-url", database_url, "--schema-prefix", f"{a.name}_"],
        capture_output=True, timeout=60, check=True)
    printed: dict[str, Any] = json.loads(done.stdout)
    expected = await _digests(a, database_url)
    assert printed == {"region": a.name, "digests": {
        s: {k: d.to_json() for k, d in kinds.items()} for s, kinds in expected.items()}}
    assert printed["digests"]["contacts"]["contacts"]["rows"] == 1
