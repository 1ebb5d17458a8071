"""A response plan's runbook, end to end through boto3: an alarm opens the incident, the
runbook starts with the incident's ARN, waits at its manual step (and says so on the
timeline), goes on after Resume, and ends Success with its script's output."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import boto3
import grpc
import pytest

from tests.e2e.test_alarms import KEY_ID, SECRET, Mail, alarm, publish, the_incident
from tests.e2e.test_tocsin_api import MODELS
from tocsin.proto.ssm.v1 import ssm_pb2, ssm_pb2_grpc
from tocsin.shared.bus import Bus
from tocsin.shared.bus.connection import PRINCIPAL_HEADER
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

    def status() -> str:
        return str(ssm.get_automation_execution(AutomationExecutionId=eid)[
            "AutomationExecution"]["AutomationExecutionStatus"])
    # InProgress until it reaches the template's Triage, a manual step: Waiting there.
    await wait_for(lambda: asyncio.to_thread(lambda: status() != "InProgress"), timeout=15)
    assert await asyncio.to_thread(status) == "Waiting"
    await asyncio.to_thread(own.stop_incident_runbook, incidentRecordArn=arn,
                            automationExecutionArn=execution)
    ex = (await asyncio.to_thread(ssm.get_automation_execution,
                                  AutomationExecutionId=eid))["AutomationExecution"]
    assert ex["AutomationExecutionStatus"] == "Cancelled"


async def test_boto3_sees_ssm_errors_and_a_start_failure_goes_on_the_timeline(
        tocsin: dict[str, Any], bus: Bus) -> None:
    """The ssm model's own errors reach boto3 as its exception classes; a plan whose dynamic
    parameter does not fit its runbook writes the start failure on the incident's timeline."""
    incidents, ssm = clients(tocsin)

    def refusals() -> None:
        try:
            ssm.create_document(Name="Broken", DocumentType="Automation", Content=json.dumps(
                {"schemaVersion": "0.3", "mainSteps": [
                    {"name": "A", "action": "aws:sleep", "nextStep": "Nowhere",
                     "inputs": {"Duration": "PT1S"}}]}))
        except ssm.exceptions.InvalidDocumentContent as exc:
            assert "Nowhere" in str(exc)
        else:
            raise AssertionError("InvalidDocumentContent expected")
        try:
            ssm.get_automation_execution(AutomationExecutionId="0" * 36)
        except ssm.exceptions.AutomationExecutionNotFoundException:
            pass
        else:
            raise AssertionError("AutomationExecutionNotFoundException expected")
        pages = ssm.get_paginator("list_documents").paginate(
            Filters=[{"Key": "Owner", "Values": ["Amazon"]}])
        assert [d["Name"] for page in pages for d in page["DocumentIdentifiers"]] == \
            ["AWSIncidents-CriticalIncidentRunbookTemplate"]

    await asyncio.to_thread(refusals)

    def setup() -> str:
        incidents.create_replication_set(regions={tocsin["region"]: {}})
        ssm.create_document(Name="NeedsList", DocumentType="Automation", Content=json.dumps(
            {"schemaVersion": "0.3", "parameters": {"Arn": {"type": "StringList"}},
             "mainSteps": [{"name": "A", "action": "aws:pause", "inputs": {}}]}))
        plan = incidents.create_response_plan(
            name="misfit", incidentTemplate={"title": "Misfit", "impact": 3},
            actions=[{"ssmAutomation": {
                "roleArn": "arn:aws:iam::111122223333:role/IncidentAutomation",
                "documentName": "NeedsList",
                "dynamicParameters": {"Arn": {"variable": "INCIDENT_RECORD_ARN"}}}}])["arn"]
        return str(incidents.start_incident(responsePlanArn=plan)["incidentRecordArn"])

    arn = await asyncio.to_thread(setup)

    def failures() -> list[dict[str, Any]]:
        return timeline(incidents, arn, "SSM Automation Execution Start Failure for Incident")

    [failure] = await wait_for(lambda: asyncio.to_thread(failures), timeout=15)
    assert "String" in json.loads(failure["eventData"])["failureMessage"]
    record = (await asyncio.to_thread(incidents.get_incident_record, arn=arn))["incidentRecord"]
    assert not record.get("automationExecutions")


async def test_a_contact_approver_is_paged_and_approves_by_alias(
        tocsin: dict[str, Any], bus: Bus) -> None:
    """An aws:approve step whose approver is a contact engages the contact (her page email
    carries the step's message); she approves as the principal named like her alias."""
    _, ssm = clients(tocsin)
    mail = Mail(tocsin)
    contacts = boto3.client("ssm-contacts", endpoint_url=tocsin["http"],
                            region_name=tocsin["region"], aws_access_key_id=KEY_ID,
                            aws_secret_access_key=SECRET)

    def alice() -> tuple[str, str]:
        arn = contacts.create_contact(Alias="alice", Type="PERSONAL",
                                      Plan={"Stages": []})["ContactArn"]
        channel = contacts.create_contact_channel(
            ContactId=arn, Name="work email", Type="EMAIL",
            DeliveryAddress={"SimpleAddress": "alice@example.com"})["ContactChannelArn"]
        return arn, channel

    contact, channel = await asyncio.to_thread(alice)
    await wait_for(lambda: channel in mail.activation_codes(), timeout=15)

    def plan_and_runbook() -> str:
        contacts.activate_contact_channel(ContactChannelId=channel,
                                          ActivationCode=mail.activation_codes()[channel])
        contacts.update_contact(ContactId=contact, Plan={"Stages": [{
            "DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
                "ContactChannelId": channel, "RetryIntervalInMinutes": 1}}]}]})
        ssm.create_document(Name="Approved", DocumentType="Automation", Content=json.dumps({
            "schemaVersion": "0.3", "mainSteps": [
                {"name": "Approve", "action": "aws:approve", "inputs": {
                    "Approvers": [contact], "Message": "Fail over the orders database?"}},
                {"name": "Go", "action": "aws:sleep", "inputs": {"Duration": "PT0S"}}]}))
        return str(ssm.start_automation_execution(
            DocumentName="Approved")["AutomationExecutionId"])

    eid = await asyncio.to_thread(plan_and_runbook)
    await wait_for(lambda: mail.pages(), timeout=15)
    [page] = mail.pages()
    assert page["To"] == "alice@example.com"
    assert "Fail over the orders database?" in page.get_body().get_content()
    reply = await bus.request(
        "tocsin.rpc.runbooks.SendAutomationSignal",
        {"AutomationExecutionId": eid, "SignalType": "Approve"},
        headers={PRINCIPAL_HEADER: "arn:tocsin:iam::000000000000:user/alice"})
    assert reply in (b"", b"{}")

    def ended() -> str | None:
        status = ssm.get_automation_execution(AutomationExecutionId=eid)[
            "AutomationExecution"]["AutomationExecutionStatus"]
        return status if status not in ("InProgress", "Waiting") else None

    assert await wait_for(lambda: asyncio.to_thread(ended), timeout=15) == "Success"


async def test_the_generated_grpc_ssm_service_runs_a_runbook(tocsin: dict[str, Any]) -> None:
    """tocsin.ssm.v1.SSM, generated from the same cut of the ssm model, reaches the runbooks
    service: a document created, an execution started and read back, an error's status."""
    async with grpc.aio.insecure_channel(
            tocsin["grpc"], interceptors=tocsin["grpc_interceptors"]) as channel:
        stub = ssm_pb2_grpc.SSMStub(channel)
        await stub.CreateDocument(ssm_pb2.CreateDocumentRequest(
            name="GrpcRunbook", document_type=ssm_pb2.DOCUMENT_TYPE_AUTOMATION,
            content=json.dumps({"schemaVersion": "0.3", "mainSteps": [
                {"name": "Wait", "action": "aws:pause", "inputs": {}}]})))
        started = await stub.StartAutomationExecution(
            ssm_pb2.StartAutomationExecutionRequest(document_name="GrpcRunbook"))

        async def waiting() -> bool:
            got = await stub.GetAutomationExecution(ssm_pb2.GetAutomationExecutionRequest(
                automation_execution_id=started.automation_execution_id))
            return bool(got.automation_execution.automation_execution_status
                        == ssm_pb2.AUTOMATION_EXECUTION_STATUS_WAITING)

        await wait_for(waiting, timeout=15)
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await stub.GetAutomationExecution(ssm_pb2.GetAutomationExecutionRequest(
                automation_execution_id="0" * 36))
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND
        trailing = dict(missing.value.trailing_metadata() or ())
        assert trailing["aws-error-code"] == "AutomationExecutionNotFoundException"
