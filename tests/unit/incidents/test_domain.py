"""The incidents domain, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from tocsin.incidents.records import domain
from tocsin.shared.contracts import incidents as c
from tocsin.shared.errors import ValidationError

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BY = "arn:tocsin:iam::000000000000:user/alice"
ARNS = domain.Arns("000000000000")


def make_plan(**template: object) -> domain.ResponsePlan:
    cmd = msgspec.convert({"name": "db", "incidentTemplate": {
        "title": "Database down", "impact": 3, **template}}, c.CreateResponsePlan)
    return domain.new_response_plan(cmd, arn=ARNS.response_plan("db"))


def start(plan: domain.ResponsePlan, **params: object) -> domain.IncidentRecord:
    cmd = msgspec.convert({"responsePlanArn": plan.arn, **params}, c.StartIncident)
    return domain.new_incident(plan, cmd, arn=ARNS.incident_record("db"), by=BY, now=NOW)


class TestNewIncident:
    def test_request_overrides_template(self) -> None:
        """Title and impact given to StartIncident replace the template's."""
        record = start(make_plan(summary="s"), title="Replica lag", impact=1)
        assert (record.title, record.impact, record.summary) == ("Replica lag", 1, "s")

    def test_dedupe_string_prefers_template_then_trigger(self) -> None:
        """The template's dedupe string wins; else the trigger ARN; else one of its own."""
        trigger = {"source": "aws.cloudwatch", "timestamp": 1, "triggerArn": "arn:alarm"}
        assert start(make_plan(dedupeString="db"), triggerDetails=trigger).dedupe_string == "db"
        assert start(make_plan(), triggerDetails=trigger).dedupe_string == "arn:alarm"
        a, b = start(make_plan()), start(make_plan())
        assert a.dedupe_string != b.dedupe_string

    def test_only_a_dedupe_string_of_its_own_dedupes_alone(self) -> None:
        """A start without template dedupe string nor trigger has nothing to join (the
        store then skips the lookup); the others look for their open incident."""
        trigger = {"source": "aws.cloudwatch", "timestamp": 1, "triggerArn": "arn:alarm"}
        assert start(make_plan()).dedupes_alone
        assert not start(make_plan(dedupeString="db")).dedupes_alone
        assert not start(make_plan(), triggerDetails=trigger).dedupes_alone

    def test_manual_start_source(self) -> None:
        """Without trigger details the source is the console/API source."""
        assert start(make_plan()).incident_record_source.source == domain.DEFAULT_SOURCE


class TestRecordUpdate:
    def test_resolve_sets_and_reopen_clears_resolved_time(self) -> None:
        """RESOLVED stamps resolvedTime; OPEN clears it."""
        record = start(make_plan())
        later = NOW + timedelta(minutes=5)
        resolved, modified = domain.apply_record_update(
            record, c.UpdateIncidentRecord(arn=record.arn, status="RESOLVED"), by=BY, now=later)
        assert resolved.resolved_time == later.timestamp()
        assert modified == [{"attributeName": "status", "newValue": "RESOLVED"}]
        reopened, _ = domain.apply_record_update(
            resolved, c.UpdateIncidentRecord(arn=record.arn, status="OPEN"), by=BY, now=later)
        assert reopened.resolved_time is None

    def test_no_change_is_no_update(self) -> None:
        """Sending the current values changes nothing and records nothing."""
        record = start(make_plan())
        same, modified = domain.apply_record_update(
            record, c.UpdateIncidentRecord(arn=record.arn, title=record.title), by=BY, now=NOW)
        assert same is record and modified == []

    def test_unknown_status_is_refused(self) -> None:
        """Only OPEN and RESOLVED exist."""
        with pytest.raises(ValidationError, match="status"):
            domain.apply_record_update(start(make_plan()),
                                       c.UpdateIncidentRecord(arn="a", status="ACKED"),
                                       by=BY, now=NOW)


class TestPlanUpdate:
    def test_only_present_members_change(self) -> None:
        """Absent members keep their value; an empty tag map clears the template's tags."""
        plan = make_plan(incidentTags={"team": "db"}, summary="s")
        updated = domain.apply_plan_update(plan, c.UpdateResponsePlan(
            arn=plan.arn, incident_template_impact=1, incident_template_tags={}))
        t = updated.incident_template
        assert (t.title, t.impact, t.summary, t.incident_tags) == ("Database down", 1, "s", None)

    def test_empty_chat_channel_removes_it(self) -> None:
        """chatChannel {"empty": {}} removes the plan's chat channel."""
        plan = domain.apply_plan_update(make_plan(), c.UpdateResponsePlan(
            arn="a", chat_channel={"chatbotSns": ["arn:tocsin:sns:x:000000000000:t"]}))
        assert plan.chat_channel
        cleared = domain.apply_plan_update(plan, c.UpdateResponsePlan(
            arn="a", chat_channel={"empty": {}}))
        assert cleared.chat_channel is None


class TestReplicationSet:
    def make(self, home: str = "local-1") -> domain.ReplicationSet:
        cmd = msgspec.convert({"regions": {home: {}}}, c.CreateReplicationSet)
        return domain.new_replication_set(cmd, arn="arn:rs", home_region=home, by=BY, now=NOW)

    def test_region_cannot_go_within_a_day(self) -> None:
        """A region added less than 24 hours ago can't be removed."""
        with pytest.raises(ValidationError, match="24 hours"):
            domain.remove_region(self.make(), "local-1", by=BY, now=NOW + timedelta(hours=1))

    def test_last_region_takes_the_set_unless_protected(self) -> None:
        """Removing the last region deletes the set; deletion protection forbids it."""
        rs = self.make()
        assert domain.remove_region(rs, "local-1", by=BY, now=NOW + timedelta(days=2)) is None
        protected = msgspec.structs.replace(rs, deletion_protected=True)
        with pytest.raises(ValidationError, match="Deletion protection"):
            domain.remove_region(protected, "local-1", by=BY, now=NOW + timedelta(days=2))


class TestSeveralRegions:
    def make(self) -> domain.ReplicationSet:
        cmd = msgspec.convert({"regions": {"east": {}, "west": {"sseKmsKeyId": "k"}}},
                              c.CreateReplicationSet)
        return domain.new_replication_set(cmd, arn="arn:rs", home_region="east", by=BY,
                                          now=NOW)

    def test_other_regions_are_creating_until_their_mirror_is_live(self) -> None:
        rs = self.make()
        assert rs.status == "CREATING"
        assert {n: i.status for n, i in rs.region_map.items()} == {
            "east": "ACTIVE", "west": "CREATING"}
        live = domain.mark_region(rs, "west", "ACTIVE", now=NOW + timedelta(seconds=3))
        assert live.status == "ACTIVE" and live.last_modified_by == rs.last_modified_by

    def test_a_failed_region_fails_the_set_with_its_reason(self) -> None:
        failed = domain.mark_region(self.make(), "west", "FAILED", message="unreachable",
                                    now=NOW + timedelta(seconds=30))
        assert failed.status == "FAILED"
        assert failed.region_map["west"].status_message == "unreachable"

    def test_an_added_region_updates_the_set_and_waits_a_day_to_go(self) -> None:
        rs = domain.mark_region(self.make(), "west", "ACTIVE", now=NOW)
        added = domain.add_region(rs, "south", None, by=BY, now=NOW + timedelta(hours=1))
        assert added.status == "UPDATING"
        assert added.region_map["south"].sse_kms_key_id == "DefaultKey"
        with pytest.raises(ValidationError, match="24 hours"):
            domain.remove_region(added, "south", by=BY, now=NOW + timedelta(hours=20))
        gone = domain.remove_region(added, "south", by=BY, now=NOW + timedelta(hours=26))
        assert gone is not None and gone.status == "ACTIVE"
        with pytest.raises(ValidationError, match="not a region name"):
            domain.add_region(rs, "no.dots", None, by=BY, now=NOW)

    def test_the_home_region_must_be_named(self) -> None:
        cmd = msgspec.convert({"regions": {"west": {}}}, c.CreateReplicationSet)
        with pytest.raises(ValidationError, match="must include"):
            domain.new_replication_set(cmd, arn="arn:rs", home_region="east", by=BY, now=NOW)

    def test_versions_merge_alike_in_any_order(self) -> None:
        """The set's own fields come from the version modified last; each region's status
        from the version that changed it last; a second set loses to the older."""
        rs = self.make()
        # west marks itself live; meanwhile east turns deletion protection on.
        west = domain.mark_region(rs, "west", "ACTIVE", now=NOW + timedelta(seconds=5))
        east = msgspec.structs.replace(rs, deletion_protected=True,
                                       last_modified_time=(NOW + timedelta(seconds=4))
                                       .timestamp())
        one = domain.merge_replication_set(east, west)
        other = domain.merge_replication_set(west, east)
        assert one == other
        assert one.deletion_protected and one.region_map["west"].status == "ACTIVE"
        assert one.status == "ACTIVE"
        assert domain.merge_replication_set(one, west) == one  # idempotent
        assert domain.merge_replication_set(None, west) == west
        younger = msgspec.structs.replace(rs, arn="arn:rs2", created_time=rs.created_time + 1)
        assert domain.merge_replication_set(younger, rs) == rs
        assert domain.merge_replication_set(rs, younger) == rs

    def test_any_order_of_several_versions_gives_one_set(self) -> None:
        import itertools

        rs = self.make()
        later = NOW + timedelta(seconds=40)
        failed = domain.mark_region(rs, "west", "FAILED", message="unreachable",
                                    now=NOW + timedelta(seconds=30))
        active = domain.mark_region(rs, "west", "ACTIVE", now=later)
        protected = msgspec.structs.replace(failed, deletion_protected=True,
                                            last_modified_time=later.timestamp())
        results = set()
        for order in itertools.permutations([failed, active, protected]):
            merged: domain.ReplicationSet | None = None
            for version in order:
                merged = domain.merge_replication_set(merged, version)
            assert merged is not None
            results.add(msgspec.json.encode(merged))
        (one,) = results
        merged = msgspec.json.decode(one, type=domain.ReplicationSet)
        assert merged.deletion_protected and merged.status == "ACTIVE"
        assert merged.region_map["west"].status_message is None
