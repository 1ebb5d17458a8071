"""A response plan's runbook, end to end through boto3: an alarm opens the incident, the
runbook starts with the incident's ARN, waits at its manual step (and says so on the
timeline), goes on after Resume, and ends Success with its script's output."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import boto3

from tests.e2e.test_alarms import KEY_ID, SECRET, alarm, publish, the_incident
from tests.e2e.test_tocsin_api import MODELS
from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

RUNBOOK = """\
schemaVersion: '0.3'
description: '# API outage'
parameters:
  IncidentRecordArn: {type: String}
  Resources: {type: StringList, default: []}
mainSteps:
- name: Triage
  action: aws:pause
  description: '**Check** the error-rate dashboard, then choose Next step.'
  inputs: {}
- name: Inspect
  action: aws:executeScript
  inputs:
    Runtime: python3.11
    Handler: main
    InputPayload: {arn: '{{ IncidentRecordArn }}'}
    Script: |-
      def main(events, context):
          return {"plan": events["arn"].split("/")[1], "ok": True}
  outputs:
  - {Name: plan, Selector: $.Payload.plan, Type: String}
- name: Decide
  action: aws:branch
  inputs:
    Choices:
    - {NextStep: Recover, Variable: '{{ Inspect.plan }}', StringEquals: api-outage}
    Default: Escalate
- name: Escalate
  action: aws:pause
  inputs: {}
  isEnd: true
- name: Recover
  action: aws:sleep
  inputs: {Duration: PT0S}
outputs: [Inspect.plan]
"""


def clients(tocsin: dict[str, Any]) -> tuple[Any, Any]:
    kw = {"endpoint_url": tocsin["http"], "region_name": tocsin["region"],
          "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}
    return boto3.client("ssm-incidents", **kw), boto3.client("ssm", **kw)


def timeline(incidents: Any, arn: str, event_type: str) -> list[dict[str, Any]]:
    found = incidents.list_timeline_events(incidentRecordArn=arn, filters=[{
        "key": "eventType", "condition": {"equals": {"stringValues": [event_type]}}}])
    return [incidents.get_timeline_event(incidentRecordArn=arn, eventId=e["eventId"])["event"]
            for e in found["eventSummaries"]]


async def test_a_plan_runbook_runs_from_alarm_to_success(tocsin: dict[str, Any],
                                                         bus: Bus) -> None:
    incidents, ssm = clients(tocsin)
    runbook = RUNBOOK

    def setup() -> None:
        incidents.create_replication_set(regions={tocsin["region"]: {}})
        ssm.create_document(Name="ApiOutage", Content=runbook, DocumentType="Automation",
                            DocumentFormat="YAML")
        incidents.create_response_plan(
            name="api-outage", incidentTemplate={"title": "API 5xx", "impact": 1},
            actions=[{"ssmAutomation": {
                "roleArn": "arn:aws:iam::111122223333:role/IncidentAutomation",
                "documentName": "ApiOutage", "documentVersion": "$DEFAULT",
                "dynamicParameters": {"IncidentRecordArn": {"variable": "INCIDENT_RECORD_ARN"},
                                      "Resources": {"variable": "INVOLVED_RESOURCES"}}}}])

    await asyncio.to_thread(setup)
    await publish(bus, tocsin, alarm("api-5xx"))
    arn = await the_incident(tocsin)

    def execution_arn() -> str | None:
        record = incidents.get_incident_record(arn=arn)["incidentRecord"]
        executions = record.get("automationExecutions") or []
        return executions[0]["ssmExecutionArn"] if executions else None

    execution = await wait_for(lambda: asyncio.to_thread(execution_arn), timeout=15)
    eid = execution.rsplit("/", 1)[1]

    def get() -> dict[str, Any]:
        out: dict[str, Any] = ssm.get_automation_execution(AutomationExecutionId=eid)
        return out["AutomationExecution"]

    def waiting_on_timeline() -> list[dict[str, Any]]:
        return timeline(incidents, arn, "Tocsin Runbook Waiting")

    [waiting] = await wait_for(lambda: asyncio.to_thread(waiting_on_timeline), timeout=15)
    assert json.loads(waiting["eventData"])["stepName"] == "Triage"
    ex = await asyncio.to_thread(get)
    assert ex["AutomationExecutionStatus"] == "Waiting"
    assert ex["Parameters"]["IncidentRecordArn"] == [arn]
    assert ex["CurrentStepName"] == "Triage"
    related = await asyncio.to_thread(incidents.list_related_items, incidentRecordArn=arn)
    assert {"arn": execution} in [i["identifier"]["value"] for i in related["relatedItems"]
                                  if i["identifier"]["type"] == "AUTOMATION"]

    await asyncio.to_thread(ssm.send_automation_signal, AutomationExecutionId=eid,
                            SignalType="Resume", Payload={"StepName": ["Triage"]})

    async def ended() -> dict[str, Any] | None:
        ex = await asyncio.to_thread(get)
        return ex if ex["AutomationExecutionStatus"] not in ("InProgress", "Waiting") else None

    ex = await wait_for(ended, timeout=30)
    assert ex["AutomationExecutionStatus"] == "Success", ex
    assert ex["Outputs"] == {"Inspect.plan": ["api-outage"]}
    steps = {s["StepName"]: s["StepStatus"] for s in ex["StepExecutions"]}
    assert steps == {"Triage": "Success", "Inspect": "Success", "Decide": "Success",
                     "Escalate": "Pending", "Recover": "Success"}

    def completions() -> list[str] | None:
        names = [json.loads(e["eventData"])["stepName"]
                 for e in timeline(incidents, arn, "Tocsin Runbook Step Completed")]
        return names if len(names) == 4 else None

    names = await wait_for(lambda: asyncio.to_thread(completions), timeout=15)
    assert sorted(names) == ["Decide", "Inspect", "Recover", "Triage"]


async def test_a_responder_starts_and_cancels_another_runbook(
        tocsin: dict[str, Any], bus: Bus, monkeypatch: Any) -> None:
    """StartIncidentRunbook (Tocsin's own API, through boto3 with AWS_DATA_PATH) starts a
    runbook on an incident as the caller; it joins automationExecutions; StopIncidentRunbook
    cancels it."""
    monkeypatch.setenv("AWS_DATA_PATH", str(MODELS))
    incidents, ssm = clients(tocsin)
    own = boto3.Session().client(
        "tocsin", endpoint_url=tocsin["http"], region_name=tocsin["region"],
        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)

    def setup() -> str:
        incidents.create_replication_set(regions={tocsin["region"]: {}})
        plan = incidents.create_response_plan(
            name="db-slow", incidentTemplate={"title": "DB slow", "impact": 3})["arn"]
        return str(incidents.start_incident(responsePlanArn=plan)["incidentRecordArn"])

    arn = await asyncio.to_thread(setup)
    started = await asyncio.to_thread(
        own.start_incident_runbook, incidentRecordArn=arn,
        documentName="AWSIncidents-CriticalIncidentRunbookTemplate")
    execution = started["automationExecutionArn"]

    def joined() -> bool:
        record = incidents.get_incident_record(arn=arn)["incidentRecord"]
        return {"ssmExecutionArn": execution} in (record.get("automationExecutions") or [])

    await wait_for(lambda: asyncio.to_thread(joined), timeout=15)
    eid = execution.rsplit("/", 1)[1]
    ex = (await asyncio.to_thread(ssm.get_automation_execution,
                                  AutomationExecutionId=eid))["AutomationExecution"]
    assert ex["AutomationExecutionStatus"] == "Waiting"  # at the template's Triage
    await asyncio.to_thread(own.stop_incident_runbook, incidentRecordArn=arn,
                            automationExecutionArn=execution)
    ex = (await asyncio.to_thread(ssm.get_automation_execution,
                                  AutomationExecutionId=eid))["AutomationExecution"]
    assert ex["AutomationExecutionStatus"] == "Cancelled"
