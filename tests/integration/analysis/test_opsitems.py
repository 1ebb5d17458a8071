"""OpsItems over NATS in the ssm API's shapes: validation with the model's error names,
DescribeOpsItems filters, related items; every new incident's parent OpsItem; and the
follow-through of an overdue action item, once a day of plan time until it is resolved."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tocsin.analysis.app import lifespan
from tocsin.analysis.settings import Settings
from tocsin.incidents.app import lifespan as incidents_lifespan
from tocsin.incidents.settings import Settings as IncidentsSettings
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus
from tocsin.shared.bus.principals import generate
from tocsin.shared.testing import running, wait_for

PRINCIPAL = "arn:tocsin:iam::000000000000:user/bo"


async def ssm(bus: Bus, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    reply = await bus.request(f"tocsin.rpc.analysis.{operation}", params,
                              headers={"Tocsin-Principal": PRINCIPAL})
    return codec.decode(reply, dict[str, Any]) if reply else {}


async def create(bus: Bus, **params: Any) -> str:
    return str((await ssm(bus, "CreateOpsItem", {
        "Title": "Rotate the cache keys", "Description": "After the split brain",
        "Source": "orders-team", **params}))["OpsItemId"])


class TestOpsItems:
    async def test_created_read_and_updated(self, analysis: Settings, bus: Bus) -> None:
        oid = await create(bus, Priority=2, Category="Availability", OperationalData={
            "team": {"Value": "orders", "Type": "SearchableString"},
            "secret": {"Value": "hunter2", "Type": "String"}})
        assert oid.startswith("oi-") and len(oid) == 15
        item = (await ssm(bus, "GetOpsItem", {"OpsItemId": oid}))["OpsItem"]
        assert item["Status"] == "Open" and item["Priority"] == 2
        assert item["OpsItemArn"] == f"arn:tocsin:ssm:{analysis.region}:000000000000:opsitem/{oid}"
        assert item["CreatedBy"] == PRINCIPAL and item["Version"] == "1"
        await ssm(bus, "UpdateOpsItem", {"OpsItemId": oid, "Status": "InProgress",
                                         "PlannedEndTime": 1_900_000_000,
                                         "OperationalDataToDelete": ["secret"]})
        item = (await ssm(bus, "GetOpsItem", {"OpsItemId": oid}))["OpsItem"]
        assert item["Status"] == "InProgress" and item["PlannedEndTime"] == 1_900_000_000
        assert set(item["OperationalData"]) == {"team"} and item["Version"] == "2"

    @pytest.mark.parametrize(("params", "member"), [
        ({"Source": "aws-health"}, "Source"), ({"Priority": 9}, "Priority"),
        ({"Description": "   "}, "Description"),
        ({"OperationalData": {"/aws/mine": {"Value": "x"}}}, "OperationalData")])
    async def test_bad_members_are_named(self, analysis: Settings, bus: Bus,
                                         params: dict[str, Any], member: str) -> None:
        with pytest.raises(errors.OpsItemInvalidParameter) as raised:
            await create(bus, **params)
        assert raised.value.aws_code == "OpsItemInvalidParameterException"
        assert raised.value.fields["ParameterNames"] == [member]

    async def test_missing_and_bad_status(self, analysis: Settings, bus: Bus) -> None:
        with pytest.raises(errors.OpsItemNotFound):
            await ssm(bus, "GetOpsItem", {"OpsItemId": "oi-0123456789ab"})
        oid = await create(bus)
        with pytest.raises(errors.OpsItemInvalidParameter, match="Status"):
            await ssm(bus, "UpdateOpsItem", {"OpsItemId": oid, "Status": "Approved"})

    async def test_described_by_filters(self, analysis: Settings, bus: Bus) -> None:
        a = await create(bus, Priority=1, OperationalData={
            "team": {"Value": "orders", "Type": "SearchableString"}})
        b = await create(bus, Priority=3, Title="Add a canary")
        await ssm(bus, "UpdateOpsItem", {"OpsItemId": b, "Status": "Resolved"})

        async def ids(*filters: dict[str, Any]) -> list[str]:
            out = await ssm(bus, "DescribeOpsItems", {"OpsItemFilters": list(filters)})
            return [s["OpsItemId"] for s in out["OpsItemSummaries"]]

        assert await ids({"Key": "Status", "Values": ["Open"], "Operator": "Equal"}) == [a]
        assert await ids({"Key": "Priority", "Values": ["3"], "Operator": "Equal"}) == [b]
        assert await ids({"Key": "Title", "Values": ["canary"], "Operator": "Contains"}) == [b]
        assert await ids({"Key": "OperationalData", "Operator": "Equal",
                          "Values": ['{"key":"team","value":"orders"}']}) == [a]
        assert set(await ids({"Key": "CreatedTime", "Operator": "GreaterThan",
                              "Values": ["2000-01-01T00:00:00Z"]})) >= {a, b}
        page = await ssm(bus, "DescribeOpsItems", {"MaxResults": 1})
        rest = await ssm(bus, "DescribeOpsItems", {"MaxResults": 1,
                                                   "NextToken": page["NextToken"]})
        assert {page["OpsItemSummaries"][0]["OpsItemId"],
                rest["OpsItemSummaries"][0]["OpsItemId"]} == {a, b}

    async def test_related_items(self, analysis: Settings, bus: Bus) -> None:
        oid = await create(bus)
        uri = "arn:tocsin:ssm-incidents::000000000000:incident-record/orders/x"
        association = (await ssm(bus, "AssociateOpsItemRelatedItem", {
            "OpsItemId": oid, "AssociationType": "RelatesTo",
            "ResourceType": "AWS::SSMIncidents::IncidentRecord", "ResourceUri": uri})
        )["AssociationId"]
        with pytest.raises(errors.OpsItemRelatedItemAlreadyExists):
            await ssm(bus, "AssociateOpsItemRelatedItem", {
                "OpsItemId": oid, "AssociationType": "RelatesTo",
                "ResourceType": "AWS::SSMIncidents::IncidentRecord", "ResourceUri": uri})
        [summary] = (await ssm(bus, "ListOpsItemRelatedItems", {"OpsItemId": oid}))["Summaries"]
        assert summary["AssociationId"] == association and summary["ResourceUri"] == uri
        assert summary["CreatedBy"] == {"Arn": PRINCIPAL}

    async def test_every_new_incident_gets_a_parent_ops_item(self, analysis: Settings,
                                                             bus: Bus) -> None:
        await parent_ops_item_of_a_new_incident(bus, analysis.region)


async def parent_ops_item_of_a_new_incident(bus: Bus, region: str) -> None:
    """A new incident gets its parent OpsItem, linked both ways."""
    async def incidents(operation: str, params: dict[str, Any]) -> dict[str, Any]:
        return codec.decode(await bus.request(f"tocsin.rpc.incidents.{operation}",
                                              params), dict[str, Any])

    await incidents("CreateReplicationSet", {"regions": {region: {}}})
    plan = (await incidents("CreateResponsePlan", {
        "name": "orders", "incidentTemplate": {"title": "Orders", "impact": 3}}))["arn"]
    arn = (await incidents("StartIncident", {"responsePlanArn": plan}))["incidentRecordArn"]

    async def parent() -> list[dict[str, Any]]:
        items = (await incidents("ListRelatedItems", {"incidentRecordArn": arn})
                 )["relatedItems"]
        return [i for i in items if i["identifier"]["type"] == "PARENT"]

    [item] = await wait_for(parent)
    oid = item["identifier"]["value"]["arn"].rsplit("/", 1)[1]
    got = (await ssm(bus, "GetOpsItem", {"OpsItemId": oid}))["OpsItem"]
    assert got["OperationalData"]["/tocsin/incident"]["Value"] == arn
    [link] = (await ssm(bus, "ListOpsItemRelatedItems", {"OpsItemId": oid}))["Summaries"]
    assert (link["AssociationType"], link["ResourceUri"]) == ("IsParentOf", arn)


async def test_the_parent_ops_item_where_principals_must_be_signed(
        nats_url: str, database_url: str, isolation: dict[str, str], bus: Bus) -> None:
    """As ``make run`` runs them: the incidents service trusts only signed principals, and
    the analysis service (which signs none) still links the parent OpsItem."""
    signer = generate()
    trusting = IncidentsSettings(nats_url=nats_url, database_url=database_url,
                                 shutdown_grace=5, outbox_poll_interval=0.2,
                                 principal_signers=f"gateway={signer.public}",
                                 changes_filter=f"changes.{isolation['region']}.>",
                                 alarms_filter=f"alarms.{isolation['region']}.>", **isolation)
    async with running(incidents_lifespan, trusting), running(lifespan, Settings(
            nats_url=nats_url, database_url=database_url, shutdown_grace=5,
            outbox_poll_interval=0.2, **isolation)):
        await parent_ops_item_of_a_new_incident(bus, isolation["region"])


DAY_SECONDS = 2.0
"""A day of plan time lasts two real seconds in the follow-through test."""


@pytest_asyncio.fixture
async def fast_analysis(nats_url: str, database_url: str, isolation: dict[str, str]
                        ) -> AsyncIterator[Settings]:
    settings = Settings(nats_url=nats_url, database_url=database_url, shutdown_grace=5,
                        outbox_poll_interval=0.1, clock_scale=86400 / DAY_SECONDS,
                        clock_epoch=time.time(), **isolation)
    async with running(lifespan, settings):
        yield settings


class TestFollowThrough:
    async def test_overdue_once_a_plan_day_until_resolved(self, fast_analysis: Settings,
                                                          bus: Bus) -> None:
        """Past its due date an owned action item is reported overdue (reminder 1), again a
        plan day later (reminder 2); resolving it cancels the next reminder."""
        seen: list[dict[str, Any]] = []

        async def on_event(msg: Any) -> None:
            seen.append(codec.decode(msg.data, codec.Envelope).data)

        sub = await bus.nc.subscribe(
            f"events.{fast_analysis.region}.analysis.ActionItemOverdue", cb=on_event)
        try:
            owner = f"arn:tocsin:ssm-contacts:{fast_analysis.region}:000000000000:contact/al"
            oid = await create(bus, OperationalData={
                "/tocsin/owner": {"Value": owner, "Type": "SearchableString"}},
                PlannedEndTime=1_000_000_000)  # long past
            await wait_for(lambda: len(seen) >= 2, timeout=3 * DAY_SECONDS + 5)
            assert [(e["opsItemId"], e["reminder"]) for e in seen[:2]] == [(oid, 1), (oid, 2)]
            assert seen[0]["ownerContactArn"] == owner
            await ssm(bus, "UpdateOpsItem", {"OpsItemId": oid, "Status": "Resolved"})
            # The barrier: another item, overdue from now on, reaches its second reminder a
            # plan day later, after the first item's third would have come.
            other = await create(bus, OperationalData={
                "/tocsin/owner": {"Value": owner, "Type": "SearchableString"}},
                PlannedEndTime=1_000_000_000)
            await wait_for(lambda: (other, 2) in [(e["opsItemId"], e["reminder"])
                                                   for e in seen], timeout=2 * DAY_SECONDS + 5)
            assert [e["reminder"] for e in seen if e["opsItemId"] == oid] == [1, 2]
        finally:
            await sub.unsubscribe()
