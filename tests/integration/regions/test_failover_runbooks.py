"""Incidents created while failing over do not start runbooks: while the other region of
the set is FAILED, an incident an alarm opens here does not start its plan's runbook and
its timeline says why; once every region is ACTIVE again, the next one starts it."""

from __future__ import annotations

import json
import uuid
from typing import Any

import msgspec
import pytest

from tocsin.incidents.records.failing_over import RUNBOOK_WITHHELD
from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

from .conftest import Regions

ALICE = "arn:tocsin:iam::000000000000:user/alice"
RUNBOOK = {"schemaVersion": "0.3", "parameters": {"IncidentRecordArn": {"type": "String"}},
           "mainSteps": [{"name": "Triage", "action": "aws:pause", "inputs": {}}]}


async def call(bus: Bus, service: str, operation: str,
               params: dict[str, Any] | None = None) -> Any:
    reply = await bus.request(f"tocsin.rpc.{service}.{operation}", params or {},
                              headers={"Tocsin-Principal": ALICE})
    return codec.decode(reply, dict[str, Any]) if reply else {}


def alarm(name: str) -> bytes:
    arn = f"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{name}"
    return msgspec.json.encode({
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch", "account": "111122223333", "time": "2026-12-07T10:02:10Z",
        "region": "eu-west-1", "resources": [arn],
        "detail": {"alarmName": name, "state": {
            "value": "ALARM", "reason": "Threshold Crossed",
            "timestamp": "2026-12-07T10:02:10.104+0000"}}})


async def region_status(bus: Bus, region: str) -> str | None:
    arns = (await call(bus, "incidents", "ListReplicationSets"))["replicationSetArns"]
    if not arns:
        return None
    rs = (await call(bus, "incidents", "GetReplicationSet", {"arn": arns[0]}))["replicationSet"]
    status: str | None = rs["regionMap"].get(region, {}).get("status")
    return status


async def timeline(bus: Bus, incident: str, event_type: str) -> list[dict[str, Any]]:
    found = await call(bus, "incidents", "ListTimelineEvents", {
        "incidentRecordArn": incident, "filters": [
            {"key": "eventType", "condition": {"equals": {"stringValues": [event_type]}}}]})
    return [(await call(bus, "incidents", "GetTimelineEvent", {
        "incidentRecordArn": incident, "eventId": e["eventId"]}))["event"]
        for e in found["eventSummaries"]]


@pytest.mark.timeout(300)
async def test_no_runbook_for_an_incident_created_while_a_region_is_failed(
        regions: Regions) -> None:
    a, b = regions.a, regions.b
    await regions.link.cut()
    runbooks_schema = a.settings("runbooks").schema  # type: ignore[attr-defined]
    async with a.running("incidents", region_unreachable_after=1.0), a.running("runbooks"), \
            b.running("incidents"), a.connect("gateway") as gw_a:
        publisher = await a.client("alarm-publisher")
        try:
            await call(gw_a, "incidents", "CreateReplicationSet",
                       {"regions": {a.name: {}, b.name: {}}})
            await wait_for(lambda: _is(gw_a, b.name, "FAILED"), timeout=30)
            await call(gw_a, "runbooks", "CreateDocument", {
                "Name": "ApiOutage", "Content": json.dumps(RUNBOOK),
                "DocumentType": "Automation", "DocumentFormat": "JSON"})
            plan = (await call(gw_a, "incidents", "CreateResponsePlan", {
                "name": "api", "incidentTemplate": {"title": "API down", "impact": 1},
                "actions": [{"ssmAutomation": {
                    "roleArn": "arn:aws:iam::111122223333:role/IncidentAutomation",
                    "documentName": "ApiOutage", "dynamicParameters": {
                        "IncidentRecordArn": {"variable": "INCIDENT_RECORD_ARN"}}}}]}))["arn"]

            async def opened(known: set[str]) -> str | None:
                listed = await call(gw_a, "incidents", "ListIncidentRecords")
                new = {r["arn"] for r in listed["incidentRecordSummaries"]} - known
                return new.pop() if new else None

            await publisher.jetstream().publish("alarms.cloudwatch", alarm("api-5xx"),
                                                headers={"Tocsin-Response-Plan": plan})
            first = await wait_for(lambda: opened(set()), timeout=30)
            [why] = await wait_for(lambda: timeline(gw_a, first, RUNBOOK_WITHHELD), timeout=30)
            data = json.loads(why["eventData"])
            assert data["failedRegions"] == [b.name] and data["documentName"] == "ApiOutage"
            assert "failing over" in data["reason"]

            # The barrier: the runbooks service has handled every incident created so far.
            async def handled() -> bool:
                info = await gw_a.js.consumer_info(f"EVENTS_{a.name.upper()}",
                                                   f"{runbooks_schema}-incidents")
                return info.num_pending == 0 and info.num_ack_pending == 0 \
                    and info.delivered.stream_seq > 0
            await wait_for(handled, timeout=30)
            record = (await call(gw_a, "incidents", "GetIncidentRecord",
                                 {"arn": first}))["incidentRecord"]
            assert not record.get("automationExecutions")
            executions = await call(gw_a, "runbooks", "DescribeAutomationExecutions", {})
            assert executions.get("AutomationExecutionMetadataList", []) == []

            # Every region reachable again: the next incident starts its runbook.
            regions.link.heal()
            await wait_for(lambda: _is(gw_a, b.name, "ACTIVE"), timeout=120, interval=0.5)
            await publisher.jetstream().publish("alarms.cloudwatch", alarm("api-latency"),
                                                headers={"Tocsin-Response-Plan": plan})
            second = await wait_for(lambda: opened({first}), timeout=30)

            async def started() -> list[Any] | None:
                record = (await call(gw_a, "incidents", "GetIncidentRecord",
                                     {"arn": second}))["incidentRecord"]
                return record.get("automationExecutions") or None
            await wait_for(started, timeout=30)
            assert await timeline(gw_a, second, RUNBOOK_WITHHELD) == []
        finally:
            await publisher.close()


async def _is(bus: Bus, region: str, status: str) -> bool:
    return await region_status(bus, region) == status
