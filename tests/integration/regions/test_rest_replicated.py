"""Documents, analyses with their incident's key times, event rules and integration keys
made in one region are read (and keys accepted) in the other, by services running as
``make run`` runs them: each as its own NATS identity, within the permissions the identity
table gives it (the runbooks and analysis inboxes, the analysis service's readers of the
other regions' incidents and contacts events)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

from .conftest import Regions

ALICE = "arn:tocsin:iam::000000000000:user/alice"
RUNBOOK = {"schemaVersion": "0.3", "description": "Restart the primary",
           "mainSteps": [{"name": "hold", "action": "aws:pause", "inputs": {}}]}


async def call(bus: Bus, service: str, operation: str,
               params: dict[str, Any] | None = None) -> Any:
    reply = await bus.request(f"tocsin.rpc.{service}.{operation}", params or {},
                              headers={"Tocsin-Principal": ALICE})
    return codec.decode(reply, dict[str, Any]) if reply else {}


async def read(bus: Bus, service: str, operation: str, params: dict[str, Any]) -> Any:
    """The answer, or None while the resource is not there."""
    try:
        return await call(bus, service, operation, params)
    except (errors.NotFoundError, errors.ValidationError, errors.AccessDeniedError):
        return None
    except errors.TocsinError as exc:
        if exc.aws_code == "InvalidDocument":
            return None
        raise


@pytest.mark.timeout(300)
async def test_what_a_makes_is_read_in_b_within_the_permissions(regions: Regions) -> None:
    a, b = regions.a, regions.b
    services = ("incidents", "runbooks", "analysis")
    async with a.running(services[0]), b.running(services[0]), \
            a.running(services[1]), b.running(services[1]), \
            a.running(services[2]), b.running(services[2]), \
            a.connect("gateway") as gw_a, b.connect("gateway") as gw_b:
        await call(gw_a, "incidents", "CreateReplicationSet",
                   {"regions": {a.name: {}, b.name: {}}})

        async def active_in_b() -> bool:
            arns = (await call(gw_b, "incidents", "ListReplicationSets"))["replicationSetArns"]
            if not arns:
                return False
            rs = await read(gw_b, "incidents", "GetReplicationSet", {"arn": arns[0]})
            return rs is not None and rs["replicationSet"]["status"] == "ACTIVE"
        await wait_for(active_in_b, timeout=60)

        plan = (await call(gw_a, "incidents", "CreateResponsePlan", {
            "name": "db-down", "incidentTemplate": {"title": "Database down", "impact": 2}}
        ))["arn"]
        key = (await call(gw_a, "incidents", "CreateIntegrationKey",
                          {"responsePlanArn": plan}))["integrationKey"]
        await call(gw_a, "incidents", "CreateRule", {
            "name": "cloudwatch", "eventPattern": '{"source": ["aws.cloudwatch"]}',
            "responsePlanArn": plan})
        await call(gw_a, "runbooks", "CreateDocument", {
            "Name": "restart-primary", "Content": json.dumps(RUNBOOK),
            "DocumentType": "Automation", "DocumentFormat": "JSON"})
        incident = (await call(gw_a, "incidents", "StartIncident", {
            "responsePlanArn": plan, "triggerDetails": {
                "source": "aws.cloudwatch", "timestamp": 1_700_000_000}}))["incidentRecordArn"]
        await call(gw_a, "incidents", "UpdateIncidentRecord",
                   {"arn": incident, "status": "RESOLVED"})
        analysis = (await call(gw_a, "analysis", "CreateAnalysis",
                               {"incidentRecordArn": incident}))["analysisArn"]

        document = await wait_for(lambda: read(gw_b, "runbooks", "GetDocument",
                                                {"Name": "restart-primary"}), timeout=60)
        assert json.loads(document["Content"]) == RUNBOOK
        accepted = await wait_for(lambda: read(gw_b, "incidents", "CheckIntegrationKey",
                                               {"integrationKey": key}), timeout=60)
        assert accepted["responsePlanArn"] == plan
        assert await wait_for(lambda: read(gw_b, "incidents", "GetRule",
                                           {"name": "cloudwatch"}), timeout=60)

        async def analysed_in_b() -> Any:
            found = await read(gw_b, "analysis", "GetAnalysis", {"analysisArn": analysis})
            if found is None or "resolvedTime" not in found["analysis"]["keyTimes"]:
                return None
            return found
        seen = await wait_for(analysed_in_b, timeout=60)
        assert seen["analysis"]["keyTimes"]["detectedTime"] == 1_700_000_000
