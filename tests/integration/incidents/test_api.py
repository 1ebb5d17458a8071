"""The incidents service over NATS request/reply, against real JetStream and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tocsin.incidents.settings import Settings
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

ACCOUNT = "000000000000"


async def call(bus: Bus, operation: str, params: dict[str, Any] | None = None,
               principal: str = "arn:tocsin:iam::000000000000:user/alice") -> dict[str, Any]:
    reply = await bus.request(f"tocsin.rpc.incidents.{operation}", params or {},
                              headers={"Tocsin-Principal": principal})
    return codec.decode(reply, dict[str, Any])


async def setup_plan(bus: Bus, settings: Settings, name: str = "db-down",
                     **template: Any) -> str:
    await call(bus, "CreateReplicationSet", {"regions": {settings.region: {}}})
    created = await call(bus, "CreateResponsePlan", {
        "name": name, "displayName": "Database down",
        "incidentTemplate": {"title": "Database down", "impact": 2, "summary": "pages DBAs",
                             **template}})
    return str(created["arn"])


class TestReplicationSet:
    async def test_required_before_anything_else(self, incidents: Settings, bus: Bus) -> None:
        """Until a replication set exists, other operations are refused with a clear error."""
        with pytest.raises(errors.ValidationError, match="replication set is required"):
            await call(bus, "ListResponsePlans")

    async def test_create_get_and_second_create_conflicts(self, incidents: Settings,
                                                          bus: Bus) -> None:
        """A created set is ACTIVE in this region; a second one is a ConflictException."""
        arn = (await call(bus, "CreateReplicationSet",
                          {"regions": {incidents.region: {}}}))["arn"]
        assert arn.startswith(f"arn:tocsin:ssm-incidents::{ACCOUNT}:replication-set/")
        rs = (await call(bus, "GetReplicationSet", {"arn": arn}))["replicationSet"]
        assert rs["status"] == "ACTIVE"
        assert rs["regionMap"][incidents.region]["status"] == "ACTIVE"
        assert rs["regionMap"][incidents.region]["sseKmsKeyId"] == "DefaultKey"
        assert rs["createdBy"].endswith("user/alice")
        assert (await call(bus, "ListReplicationSets"))["replicationSetArns"] == [arn]
        with pytest.raises(errors.ConflictError):
            await call(bus, "CreateReplicationSet", {"regions": {incidents.region: {}}})

    async def test_a_region_must_be_named_as_one(self, incidents: Settings, bus: Bus) -> None:
        """Region names are JetStream domains: letters, digits and '-'; and the set must
        include this deployment's region."""
        with pytest.raises(errors.ValidationError, match="not a region name"):
            await call(bus, "CreateReplicationSet",
                       {"regions": {incidents.region: {}, "far away": {}}})
        with pytest.raises(errors.ValidationError, match="must include"):
            await call(bus, "CreateReplicationSet", {"regions": {"far-away-1": {}}})

    async def test_deletion_protection_blocks_delete(self, incidents: Settings,
                                                     bus: Bus) -> None:
        """A protected set can't be deleted; unprotected, deleting it removes all data."""
        arn = await setup_plan(bus, incidents)
        rs_arn = (await call(bus, "ListReplicationSets"))["replicationSetArns"][0]
        await call(bus, "UpdateDeletionProtection", {"arn": rs_arn, "deletionProtected": True})
        with pytest.raises(errors.ValidationError, match="Deletion protection"):
            await call(bus, "DeleteReplicationSet", {"arn": rs_arn})
        await call(bus, "UpdateDeletionProtection", {"arn": rs_arn, "deletionProtected": False})
        await call(bus, "DeleteReplicationSet", {"arn": rs_arn})
        with pytest.raises(errors.NotFoundError):
            await call(bus, "GetReplicationSet", {"arn": rs_arn})
        await call(bus, "CreateReplicationSet", {"regions": {incidents.region: {}}})
        with pytest.raises(errors.NotFoundError):
            await call(bus, "GetResponsePlan", {"arn": arn})


class TestResponsePlans:
    async def test_create_get_list_update_delete(self, incidents: Settings, bus: Bus) -> None:
        """A plan round-trips, updates change only the members sent, delete is quiet."""
        arn = await setup_plan(bus, incidents)
        assert arn == f"arn:tocsin:ssm-incidents::{ACCOUNT}:response-plan/db-down"
        plan = await call(bus, "GetResponsePlan", {"arn": arn})
        assert plan["incidentTemplate"] == {"title": "Database down", "impact": 2,
                                            "summary": "pages DBAs"}
        await call(bus, "UpdateResponsePlan", {"arn": arn, "incidentTemplateImpact": 1,
                                               "chatChannel": {"empty": {}}})
        plan = await call(bus, "GetResponsePlan", {"arn": arn})
        assert plan["incidentTemplate"]["impact"] == 1
        assert plan["incidentTemplate"]["title"] == "Database down"
        listed = await call(bus, "ListResponsePlans")
        assert listed["responsePlanSummaries"] == [
            {"arn": arn, "name": "db-down", "displayName": "Database down"}]
        await call(bus, "DeleteResponsePlan", {"arn": arn})
        await call(bus, "DeleteResponsePlan", {"arn": arn})
        with pytest.raises(errors.NotFoundError) as caught:
            await call(bus, "GetResponsePlan", {"arn": arn})
        assert caught.value.fields["resourceType"] == "RESPONSE_PLAN"

    async def test_duplicate_name_conflicts(self, incidents: Settings, bus: Bus) -> None:
        """Two plans can't share a name."""
        await setup_plan(bus, incidents)
        with pytest.raises(errors.ConflictError, match="db-down"):
            await call(bus, "CreateResponsePlan", {
                "name": "db-down", "incidentTemplate": {"title": "x", "impact": 3}})

    async def test_pagination(self, incidents: Settings, bus: Bus) -> None:
        """Pages of maxResults follow each other through nextToken and end without one."""
        await setup_plan(bus, incidents, name="p0")
        for i in range(1, 5):
            await call(bus, "CreateResponsePlan", {
                "name": f"p{i}", "incidentTemplate": {"title": "t", "impact": 3}})
        names, token = [], None
        while True:
            page = await call(bus, "ListResponsePlans",
                              {"maxResults": 2, **({"nextToken": token} if token else {})})
            names += [p["name"] for p in page["responsePlanSummaries"]]
            token = page.get("nextToken")
            if not token:
                break
        assert names == ["p0", "p1", "p2", "p3", "p4"]


class TestIncidents:
    async def test_start_copies_template_and_overrides(self, incidents: Settings,
                                                       bus: Bus) -> None:
        """The record takes the plan's template; title and impact given to Start win."""
        plan = await setup_plan(bus, incidents)
        arn = (await call(bus, "StartIncident", {
            "responsePlanArn": plan, "impact": 1,
            "triggerDetails": {"source": "custom.monitor", "timestamp": 1_700_000_000,
                               "triggerArn": "arn:tocsin:cloudwatch:x:000000000000:alarm:a"},
        }))["incidentRecordArn"]
        assert arn.startswith(f"arn:tocsin:ssm-incidents::{ACCOUNT}:incident-record/db-down/")
        record = (await call(bus, "GetIncidentRecord", {"arn": arn}))["incidentRecord"]
        assert record["title"] == "Database down"
        assert record["impact"] == 1
        assert record["summary"] == "pages DBAs"
        assert record["status"] == "OPEN"
        assert record["incidentRecordSource"] == {
            "createdBy": "arn:tocsin:iam::000000000000:user/alice", "source": "custom.monitor",
            "resourceArn": "arn:tocsin:cloudwatch:x:000000000000:alarm:a"}
        assert record["dedupeString"]
        assert "resolvedTime" not in record

    async def test_client_token_replay(self, incidents: Settings, bus: Bus) -> None:
        """The same token and parameters return the first incident; other parameters are
        refused."""
        plan = await setup_plan(bus, incidents)
        params = {"responsePlanArn": plan, "title": "t1", "clientToken": "tok-1"}
        first = await call(bus, "StartIncident", params)
        assert await call(bus, "StartIncident", params) == first
        with pytest.raises(errors.ConflictError, match="different parameters"):
            await call(bus, "StartIncident", {**params, "title": "t2"})
        listed = await call(bus, "ListIncidentRecords")
        assert len(listed["incidentRecordSummaries"]) == 1

    async def test_update_resolve_reopen(self, incidents: Settings, bus: Bus) -> None:
        """Resolving sets resolvedTime, re-opening clears it."""
        plan = await setup_plan(bus, incidents)
        arn = (await call(bus, "StartIncident", {"responsePlanArn": plan}))["incidentRecordArn"]
        await call(bus, "UpdateIncidentRecord", {"arn": arn, "status": "RESOLVED",
                                                 "summary": "fixed"})
        record = (await call(bus, "GetIncidentRecord", {"arn": arn}))["incidentRecord"]
        assert record["status"] == "RESOLVED"
        assert record["summary"] == "fixed"
        assert record["resolvedTime"] >= record["creationTime"]
        await call(bus, "UpdateIncidentRecord", {"arn": arn, "status": "OPEN"})
        record = (await call(bus, "GetIncidentRecord", {"arn": arn}))["incidentRecord"]
        assert record["status"] == "OPEN"
        assert "resolvedTime" not in record

    async def test_list_filters(self, incidents: Settings, bus: Bus) -> None:
        """Filters on status and impact are ANDed, their values ORed; newest comes first."""
        plan = await setup_plan(bus, incidents)
        arns = []
        for impact in (1, 2, 3):
            arns.append((await call(bus, "StartIncident", {
                "responsePlanArn": plan, "impact": impact}))["incidentRecordArn"])
        await call(bus, "UpdateIncidentRecord", {"arn": arns[0], "status": "RESOLVED"})
        page = await call(bus, "ListIncidentRecords", {"filters": [
            {"key": "status", "condition": {"equals": {"stringValues": ["OPEN"]}}},
            {"key": "impact", "condition": {"equals": {"integerValues": [1, 2, 3]}}}]})
        assert [s["arn"] for s in page["incidentRecordSummaries"]] == [arns[2], arns[1]]
        with pytest.raises(errors.ValidationError, match="filter key"):
            await call(bus, "ListIncidentRecords", {"filters": [
                {"key": "colour", "condition": {"equals": {"stringValues": ["red"]}}}]})

    async def test_delete_is_quiet(self, incidents: Settings, bus: Bus) -> None:
        """Deleting a record removes it; deleting it again succeeds quietly."""
        plan = await setup_plan(bus, incidents)
        arn = (await call(bus, "StartIncident", {"responsePlanArn": plan}))["incidentRecordArn"]
        assert await call(bus, "DeleteIncidentRecord", {"arn": arn}) == {}
        assert await call(bus, "DeleteIncidentRecord", {"arn": arn}) == {}
        with pytest.raises(errors.NotFoundError):
            await call(bus, "GetIncidentRecord", {"arn": arn})
        listed = await call(bus, "ListIncidentRecords", {})
        assert arn not in [r["arn"] for r in listed["incidentRecordSummaries"]]

    async def test_concurrent_updates_are_all_kept(self, incidents: Settings,
                                                   bus: Bus) -> None:
        """Updates to different members of one incident at once all survive."""
        plan = await setup_plan(bus, incidents)
        arn = (await call(bus, "StartIncident", {"responsePlanArn": plan}))["incidentRecordArn"]
        await asyncio.gather(
            call(bus, "UpdateIncidentRecord", {"arn": arn, "title": "new title"}),
            call(bus, "UpdateIncidentRecord", {"arn": arn, "impact": 5}),
            call(bus, "UpdateIncidentRecord", {"arn": arn, "summary": "s"}))
        record = (await call(bus, "GetIncidentRecord", {"arn": arn}))["incidentRecord"]
        assert (record["title"], record["impact"], record["summary"]) == ("new title", 5, "s")

class TestEvents:
    async def test_every_change_is_published_once(self, incidents: Settings, bus: Bus) -> None:
        """Each change arrives on events.<region>.incidents.<type> through the outbox."""
        plan = await setup_plan(bus, incidents)
        arn = (await call(bus, "StartIncident", {"responsePlanArn": plan}))["incidentRecordArn"]
        await call(bus, "UpdateIncidentRecord", {"arn": arn, "status": "RESOLVED"})
        stream = f"EVENTS_{incidents.region.upper()}"

        async def all_arrived() -> bool:
            info = await bus.js.stream_info(stream)
            return info.state.messages >= 4

        await wait_for(all_arrived)
        sub = await bus.js.subscribe(f"events.{incidents.region}.incidents.>",
                                     ordered_consumer=True)
        types = []
        for _ in range(4):
            msg = await sub.next_msg(timeout=2)
            event = codec.decode(msg.data, codec.Envelope)
            assert msg.headers["Nats-Msg-Id"] == event.id
            assert msg.subject == event.subject
            types.append(event.type)
        await sub.unsubscribe()
        assert types == ["ReplicationSetCreated", "ResponsePlanCreated",
                         "IncidentRecordCreated", "IncidentRecordResolved"]
        assert (await bus.js.stream_info(stream)).state.messages == 4
