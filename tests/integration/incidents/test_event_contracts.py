"""The incidents service's events against their contracts: each decodes by its type into
the typed Struct, and a change of a record, plan or timeline event carries the whole
resource after the change and the principal who made it."""

from __future__ import annotations

from tocsin.incidents.settings import Settings
from tocsin.shared.bus import Bus
from tocsin.shared.contracts import incidents as ic
from tocsin.shared.contracts.base import decode

from .test_tagging import call, published, setup_plan

ALICE = "arn:tocsin:iam::000000000000:user/alice"
BOB = "arn:tocsin:iam::000000000000:user/bob"


async def test_changes_carry_the_resource_and_the_principal(incidents: Settings,
                                                            bus: Bus) -> None:
    plan = await setup_plan(bus, incidents)
    await call(bus, "UpdateResponsePlan", {"arn": plan, "displayName": "DB"}, principal=BOB)
    arn = (await call(bus, "StartIncident", {"responsePlanArn": plan}))["incidentRecordArn"]
    await call(bus, "UpdateIncidentRecord", {"arn": arn, "impact": 1}, principal=BOB)
    note = (await call(bus, "CreateTimelineEvent", {
        "incidentRecordArn": arn, "eventTime": 1767261600, "eventType": "Note",
        "eventData": '"looking"'}))["eventId"]
    await call(bus, "DeleteTimelineEvent", {"incidentRecordArn": arn, "eventId": note},
               principal=BOB)
    await call(bus, "DeleteIncidentRecord", {"arn": arn})
    envelopes = await published(bus, incidents, 8)
    events = [decode(e.type, e.data, ic.IncidentsEvent) for e in envelopes]
    assert [type(e) for e in events] == [
        ic.ReplicationSetCreated, ic.ResponsePlanCreated, ic.ResponsePlanUpdated,
        ic.IncidentRecordCreated, ic.IncidentRecordUpdated, ic.TimelineEventCreated,
        ic.TimelineEventDeleted, ic.IncidentRecordDeleted]
    _, created_plan, updated_plan, started, updated, noted, unnoted, deleted = events
    assert created_plan.principal == ALICE and created_plan.display_name is None
    assert updated_plan.principal == BOB and updated_plan.display_name == "DB"
    assert updated_plan.incident_template.title == "Database down"  # the whole plan
    assert started.principal == ALICE and started.incident_record.arn == arn
    assert updated.principal == BOB and updated.incident_record.impact == 1
    assert updated.incident_record.title == "Database down"  # the whole record
    assert noted.principal == ALICE and noted.event_data == '"looking"'
    assert unnoted.principal == BOB and unnoted.event_id == note
    assert deleted.principal == ALICE and deleted.arn == arn
    assert all(e.schema_version == 1 and e.service == "incidents" for e in envelopes)
