"""The two rules of alarms across regions, without I/O: runbooks are withheld while a region
of the set is FAILED, and a merge's notes name both incidents."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import msgspec

from tocsin.incidents.duplicates import domain as duplicates
from tocsin.incidents.records import domain
from tocsin.incidents.records.failing_over import RUNBOOK_WITHHELD, failed_regions, withheld
from tocsin.shared.contracts import incidents as c

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BY = "arn:tocsin:iam::000000000000:user/alice"
ARNS = domain.Arns("000000000000")
RUNBOOK = [{"ssmAutomation": {"roleArn": "arn:aws:iam::1:role/r", "documentName": "Fix"}}]


def plan(actions: list[dict[str, object]] | None = None) -> domain.ResponsePlan:
    cmd = msgspec.convert({"name": "db", "incidentTemplate": {"title": "Database down",
                                                                "impact": 3},
                           "actions": actions}, c.CreateResponsePlan)
    return domain.new_response_plan(cmd, arn=ARNS.response_plan("db"))


def the_set(**statuses: str) -> domain.ReplicationSet:
    cmd = msgspec.convert({"regions": {name: {} for name in statuses}}, c.CreateReplicationSet)
    rs = domain.new_replication_set(cmd, arn="arn:rs", home_region="east", by=BY, now=NOW)
    for name, status in statuses.items():
        rs = domain.mark_region(rs, name, status, now=NOW)
    return rs


class TestRunbookWithheld:
    def test_withheld_while_another_region_is_failed(self) -> None:
        rs = the_set(east="ACTIVE", west="FAILED", north="CREATING")
        assert failed_regions(rs, here="east") == ["west"]
        found = withheld(plan(RUNBOOK), rs, here="east", incident_arn="arn:i", at=1.0)
        assert found is not None
        reason, event = found
        assert event.event_type == RUNBOOK_WITHHELD and event.incident_record_arn == "arn:i"
        data = json.loads(event.event_data)
        assert data["failedRegions"] == ["west"] and data["documentName"] == "Fix"
        assert data["reason"] == reason and "west" in reason

    def test_started_when_no_other_region_is_failed_or_no_runbook(self) -> None:
        assert withheld(plan(RUNBOOK), the_set(east="ACTIVE", west="ACTIVE"), here="east",
                        incident_arn="arn:i", at=1.0) is None
        assert withheld(plan(), the_set(east="ACTIVE", west="FAILED"), here="east",
                        incident_arn="arn:i", at=1.0) is None
        # This region's own status is no failover of another.
        assert withheld(plan(RUNBOOK), the_set(east="FAILED", west="ACTIVE"), here="east",
                        incident_arn="arn:i", at=1.0) is None
        assert withheld(plan(RUNBOOK), None, here="east", incident_arn="arn:i", at=1.0) is None


class TestMergeNotes:
    def record(self, arn: str, title: str) -> domain.IncidentRecord:
        return msgspec.convert({
            "arn": arn, "title": title, "status": "OPEN", "impact": 2, "creationTime": 1.0,
            "lastModifiedBy": BY, "lastModifiedTime": 1.0, "dedupeString": "arn:alarm",
            "incidentRecordSource": {"createdBy": BY, "source": "aws.cloudwatch"}},
            domain.IncidentRecord)

    def test_each_note_names_the_other_incident(self) -> None:
        dup = self.record(ARNS.incident_record("db"), "dup")
        survivor = self.record(ARNS.incident_record("db"), "Database down")
        merge = duplicates.Merge(dup, survivor, region="west", survivor_region="east")
        note = duplicates.duplicate_note(merge, at=2.0)
        assert note.incident_record_arn == dup.arn
        assert note.event_references == [{"resource": survivor.arn}]
        assert json.loads(note.event_data)["survivorRegion"] == "east"
        other = duplicates.survivor_note(merge, at=2.0)
        assert other.incident_record_arn == survivor.arn
        assert other.event_references == [{"resource": dup.arn}]
        assert json.loads(other.event_data)["duplicateRegion"] == "west"
        item = duplicates.survivor_item(merge)
        assert item["identifier"] == {"type": "INCIDENT", "value": {"arn": survivor.arn}}
        assert item["title"] == "Duplicate of Database down"
        assert item["generatedId"].startswith("related-item/INCIDENT/")
