"""Incidents created while failing over do not start runbooks: while the other region of
the set is FAILED (its mirror silent), an incident an alarm opens here does not start its
plan's runbook and its timeline says why; once every region is ACTIVE again, the next one
starts it."""

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


@pytest.mark.timeout(420)
async def test_no_runbook_for_an_incident_created_while_a_region_is_failed(
        regions: Regions) -> None:
    """Both regions ACTIVE: an alarm's incident starts its runbook. The link cut: each
    region is FAILED in the other's eyes, and an alarm's incident in A starts none, its
    timeline saying why. The link healed, both ACTIVE again: the next one starts it."""
    a, b = regions.a, regions.b
    runbooks_schema = a.settings("runbooks").schema  # type: ignore[attr-defined]
    async with a.running("incidents", region_unreachable_after=2.0), a.running("runbooks"), \
            b.running("incidents", region_unreachable_after=2.0), \
            a.connect("gateway") as gw_a, b.connect("gateway") as gw_b:
        publisher = await a.client("alarm-publisher")
        try:
            await call(gw_a, "incidents", "CreateReplicationSet",
                       {"regions": {a.name: {}, b.name: {}}})
            await wait_for(lambda: _is(gw_a, b.name, "ACTIVE"), timeout=60)
            await call(gw_a, "runbooks", "CreateDocument", {
                "Name": "ApiOutage", "Content": json.dumps(RUNBOOK),
                "DocumentType": "Automation", "DocumentFormat": "JSON"})
            plan = (await call(gw_a, "incidents", "CreateResponsePlan", {
                "name": "api", "incidentTemplate": {"title": "API down", "impact": 1},
                "actions": [{"ssmAutomation": {
                    "roleArn": "arn:aws:iam::111122223333:role/IncidentAutomation",
                    "documentName": "ApiOutage", "dynamicParameters": {
                        "IncidentRecordArn": {"variable": "INCIDENT_RECORD_ARN"}}}}]}))["arn"]
            known: set[str] = set()

            async def incident_of(name: str) -> str:
                await publisher.jetstream().publish("alarms.cloudwatch", alarm(name),
                                                    headers={"Tocsin-Response-Plan": plan})

                async def opened() -> str | None:
                    listed = await call(gw_a, "incidents", "ListIncidentRecords")
                    new = {r["arn"] for r in listed["incidentRecordSummaries"]} - known
                    return new.pop() if new else None
                arn: str = await wait_for(opened, timeout=30)
                known.add(arn)
                return arn

            async def started(incident: str) -> list[Any] | None:
                record = (await call(gw_a, "incidents", "GetIncidentRecord",
                                     {"arn": incident}))["incidentRecord"]
                return record.get("automationExecutions") or None

            first = await incident_of("api-5xx")
            await wait_for(lambda: started(first), timeout=30)
            assert await timeline(gw_a, first, RUNBOOK_WITHHELD) == []

            await regions.link.cut()
            await wait_for(lambda: _is(gw_a, b.name, "FAILED"), timeout=60, interval=0.5)
            second = await incident_of("api-latency")
            [why] = await wait_for(lambda: timeline(gw_a, second, RUNBOOK_WITHHELD),
                                   timeout=30)
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
            assert await started(second) is None
            executions = await call(gw_a, "runbooks", "DescribeAutomationExecutions", {})
            assert len(executions["AutomationExecutionMetadataList"]) == 1

            # Every region reachable again: the next incident starts its runbook.
            regions.link.heal()
            for bus in (gw_a, gw_b):
                for region in (a.name, b.name):
                    await wait_for(lambda bus=bus, region=region: _is(bus, region, "ACTIVE"),
                                   timeout=120, interval=0.5)
            third = await incident_of("api-errors")
            await wait_for(lambda: started(third), timeout=30)
            assert await timeline(gw_a, third, RUNBOOK_WITHHELD) == []
        finally:
            await publisher.close()


async def _is(bus: Bus, region: str, status: str) -> bool:
    return await region_status(bus, region) == status
