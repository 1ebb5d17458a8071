"""Each event that changes a resource carries that resource's version: 1 when it is created,
one more with each change (its deletion too), counted in the statement that makes the
change. A dashboard orders one resource's events by it, whatever order they reach it in."""

from __future__ import annotations

from typing import Any

from tocsin.incidents.settings import Settings
from tocsin.shared.bus import Bus
from tocsin.shared.contracts import incidents as ic
from tocsin.shared.contracts.base import decode
from tocsin.shared.db import create_pool
from tocsin.shared.db.migrate import apply_migrations

from .test_tagging import call, published, setup_plan

BOB = "arn:tocsin:iam::000000000000:user/bob"
MIGRATION = "tocsin.incidents.migrations:0010_resource_versions.sql"


def versions(events: list[Any], kinds: tuple[type, ...]) -> list[int | None]:
    return [e.resource_version for e in events if isinstance(e, kinds)]


async def test_two_updates_of_a_record_give_consecutive_versions(incidents: Settings,
                                                                 bus: Bus) -> None:
    plan = await setup_plan(bus, incidents)
    arn = (await call(bus, "StartIncident", {"responsePlanArn": plan}))["incidentRecordArn"]
    await call(bus, "UpdateIncidentRecord", {"arn": arn, "impact": 1}, principal=BOB)
    await call(bus, "UpdateIncidentRecord", {"arn": arn, "status": "RESOLVED"})
    await call(bus, "UpdateIncidentRecord", {"arn": arn, "impact": 1})  # no change, no event
    await call(bus, "DeleteIncidentRecord", {"arn": arn})
    envelopes = await published(bus, incidents, 6)
    events = [decode(e.type, e.data, ic.IncidentsEvent) for e in envelopes]
    record_kinds = (ic.IncidentRecordCreated, ic.IncidentRecordUpdated,
                    ic.IncidentRecordDeleted)
    assert [type(e) for e in events if isinstance(e, record_kinds)] == [
        ic.IncidentRecordCreated, ic.IncidentRecordUpdated, ic.IncidentRecordResolved,
        ic.IncidentRecordDeleted]
    assert versions(events, record_kinds) == [1, 2, 3, 4]
    assert all(e.data["version"] for e in envelopes)  # on the wire as ``version``

    # A dashboard that got them shuffled puts them back in order by version alone.
    updates = [e for e in events if isinstance(e, ic.IncidentRecordUpdated)]
    latest = max(reversed(updates), key=lambda e: e.resource_version or 0)
    assert latest.incident_record.status == "RESOLVED" and latest.principal != BOB
    assert min(updates, key=lambda e: e.resource_version or 0).principal == BOB


async def test_plans_sets_timeline_events_and_related_items_count_their_changes(
        incidents: Settings, bus: Bus) -> None:
    plan = await setup_plan(bus, incidents)  # set 1, plan 1
    rs = (await call(bus, "ListReplicationSets"))["replicationSetArns"][0]
    await call(bus, "UpdateDeletionProtection", {"arn": rs, "deletionProtected": True})
    await call(bus, "UpdateResponsePlan", {"arn": plan, "displayName": "DB"})
    await call(bus, "UpdateResponsePlan", {"arn": plan, "displayName": "Database"})
    arn = (await call(bus, "StartIncident", {"responsePlanArn": plan}))["incidentRecordArn"]
    note = (await call(bus, "CreateTimelineEvent", {
        "incidentRecordArn": arn, "eventTime": 1767261600, "eventType": "Note",
        "eventData": "looking"}))["eventId"]
    await call(bus, "UpdateTimelineEvent", {"incidentRecordArn": arn, "eventId": note,
                                            "eventData": "found it"}, principal=BOB)
    await call(bus, "DeleteTimelineEvent", {"incidentRecordArn": arn, "eventId": note})
    link = {"identifier": {"type": "OTHER", "value": {"url": "https://runbook.example"}}}
    await call(bus, "UpdateRelatedItems", {"incidentRecordArn": arn,
                                           "relatedItemsUpdate": {"itemToAdd": link}})
    await call(bus, "UpdateRelatedItems", {"incidentRecordArn": arn, "relatedItemsUpdate": {
        "itemToRemove": link["identifier"]}})
    await call(bus, "DeleteResponsePlan", {"arn": plan}, principal=BOB)
    events = [decode(e.type, e.data, ic.IncidentsEvent)
              for e in await published(bus, incidents, 12)]

    assert versions(events, (ic.ReplicationSetCreated, ic.ReplicationSetUpdated)) == [1, 2]
    plan_events = [e for e in events if isinstance(
        e, (ic.ResponsePlanCreated, ic.ResponsePlanUpdated, ic.ResponsePlanDeleted))]
    assert [(type(e), e.resource_version) for e in plan_events] == [
        (ic.ResponsePlanCreated, 1), (ic.ResponsePlanUpdated, 2), (ic.ResponsePlanUpdated, 3),
        (ic.ResponsePlanDeleted, 4)]
    assert plan_events[-1].principal == BOB
    note_events = [e for e in events if isinstance(
        e, (ic.TimelineEventCreated, ic.TimelineEventUpdated, ic.TimelineEventDeleted))]
    assert [(type(e), e.resource_version, e.principal) for e in note_events] == [
        (ic.TimelineEventCreated, 1, "arn:tocsin:iam::000000000000:user/alice"),
        (ic.TimelineEventUpdated, 2, BOB),
        (ic.TimelineEventDeleted, 3, "arn:tocsin:iam::000000000000:user/alice")]
    # The incident starts with its related items at version 1; each change adds one.
    assert versions(events, (ic.RelatedItemAdded, ic.RelatedItemRemoved)) == [2, 3]


async def test_existing_rows_start_at_version_one(incidents: Settings, bus: Bus,
                                                  database_url: str) -> None:
    """Rows written before the migration (the columns dropped again to stand for them)
    get version 1, and their next change is version 2."""
    plan = await setup_plan(bus, incidents)
    arn = (await call(bus, "StartIncident", {"responsePlanArn": plan}))["incidentRecordArn"]
    async with create_pool(database_url, schema=incidents.schema, min_size=1,
                           max_size=1) as pool:
        async with pool.acquire() as conn:
            await conn.execute(
                "ALTER TABLE replication_set DROP COLUMN version;"
                " ALTER TABLE response_plan DROP COLUMN version;"
                " ALTER TABLE incident_record DROP COLUMN version,"
                "   DROP COLUMN related_items_version;"
                " ALTER TABLE timeline_event DROP COLUMN version;"
                f" DELETE FROM schema_migrations WHERE name = '{MIGRATION}'")
        assert MIGRATION in await apply_migrations(pool, package="tocsin.incidents.migrations")
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT version FROM incident_record") == 1
            assert await conn.fetchval("SELECT array_agg(DISTINCT version)"
                                       " FROM timeline_event") == [1]
    await call(bus, "UpdateIncidentRecord", {"arn": arn, "title": "Primary down"})
    events = [decode(e.type, e.data, ic.IncidentsEvent)
              for e in await published(bus, incidents, 4)]
    assert isinstance(events[-1], ic.IncidentRecordUpdated)
    assert events[-1].resource_version == 2
