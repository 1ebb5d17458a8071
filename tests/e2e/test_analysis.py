"""Post-incident analysis end to end, as a team reaches it: boto3 with
``AWS_DATA_PATH=<repo>/models`` for Tocsin's own API (analyses, metrics) and plain
``boto3.client("ssm")`` for the action items (OpsItems). Pages and reminders arrive by
email at a real SMTP server (the fixture's ``mailbox``).

An alarm opens an incident; alice is paged and acknowledges; the incident is resolved; the
analysis created from it arrives pre-filled: the incident's timeline copied and the metrics
computed from the real timestamps. An accepted recommendation is an OpsItem ``ssm`` reads
back; once it is past its due date its owner is mailed a reminder.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import boto3
import grpc
import msgspec
import pytest
import pytest_asyncio

from tocsin.analysis.app import lifespan
from tocsin.analysis.settings import Settings
from tocsin.proto.api.v1 import tocsin_pb2, tocsin_pb2_grpc
from tocsin.shared.bus import Bus
from tocsin.shared.testing import running, wait_for

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
MODELS = Path(__file__).resolve().parents[2] / "models"


@pytest.fixture(autouse=True)
def data_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DATA_PATH", str(MODELS))


@pytest_asyncio.fixture
async def analysis(tocsin: dict[str, Any], nats_url: str, database_url: str,
                   isolation: dict[str, str]) -> AsyncIterator[Settings]:
    """The analysis service beside the rest of Tocsin (same names, same plan clock)."""
    settings = Settings(nats_url=nats_url, database_url=database_url, shutdown_grace=5,
                        outbox_poll_interval=0.2, **isolation)
    async with running(lifespan, settings):
        yield settings


def client(tocsin: dict[str, Any], api: str) -> Any:
    # A new session: botocore reads AWS_DATA_PATH when a session's loader is made.
    return boto3.Session().client(
        api, endpoint_url=tocsin["http"], region_name=tocsin["region"],
        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)


def pages(tocsin: dict[str, Any]) -> list[Any]:
    return [m for m in tocsin["mailbox"].messages if m["X-Tocsin-Page-Arn"]]


async def alice_on_call(tocsin: dict[str, Any]) -> str:
    """alice with an activated email, engaged by the response plan ``api-outage``."""
    incidents, contacts = client(tocsin, "ssm-incidents"), client(tocsin, "ssm-contacts")

    def person() -> tuple[str, str]:
        incidents.create_replication_set(regions={tocsin["region"]: {}})
        arn = contacts.create_contact(Alias="alice", Type="PERSONAL",
                                      Plan={"Stages": []})["ContactArn"]
        channel = contacts.create_contact_channel(
            ContactId=arn, Name="work email", Type="EMAIL",
            DeliveryAddress={"SimpleAddress": "alice@example.com"})["ContactChannelArn"]
        return arn, channel

    alice, channel = await asyncio.to_thread(person)

    def codes() -> dict[str, str]:
        return {str(m["X-Tocsin-Contact-Channel-Arn"]): str(m["X-Tocsin-Activation-Code"])
                for m in tocsin["mailbox"].messages if m["X-Tocsin-Activation-Code"]}

    await wait_for(lambda: channel in codes(), timeout=15)

    def plan() -> None:
        contacts.activate_contact_channel(ContactChannelId=channel,
                                          ActivationCode=codes()[channel])
        contacts.update_contact(ContactId=alice, Plan={"Stages": [{
            "DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
                "ContactChannelId": channel, "RetryIntervalInMinutes": 1}}]}]})
        incidents.create_response_plan(
            name="api-outage", incidentTemplate={"title": "API 5xx", "impact": 2},
            engagements=[alice])

    await asyncio.to_thread(plan)
    return alice


def alarm(name: str) -> dict[str, Any]:
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch", "account": "111122223333", "time": "2024-03-05T09:20:41Z",
        "region": "eu-west-1",
        "resources": [f"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{name}"],
        "detail": {"alarmName": name, "state": {"value": "ALARM", "reason": "Threshold Crossed",
                                                "timestamp": "2024-03-05T09:20:41.515+0000"}}}


async def acknowledged_and_resolved(tocsin: dict[str, Any], bus: Bus) -> str:
    """An alarm opens an incident; alice's page is acknowledged (READ) through boto3; the
    incident is resolved. Its ARN."""
    await bus.js.publish(f"alarms.{tocsin['region']}.cloudwatch",
                         msgspec.json.encode(alarm("api-5xx")),
                         headers={"Tocsin-Response-Plan": "api-outage"})
    [page] = await wait_for(lambda: pages(tocsin), timeout=15)
    incident = str(page["X-Tocsin-Incident-Arn"])
    incidents, contacts = client(tocsin, "ssm-incidents"), client(tocsin, "ssm-contacts")

    def acknowledge_and_resolve() -> None:
        contacts.accept_page(PageId=str(page["X-Tocsin-Page-Arn"]), AcceptType="READ",
                             AcceptCode=str(page["X-Tocsin-Accept-Code"]))
        incidents.update_incident_record(arn=incident, status="RESOLVED")

    await asyncio.to_thread(acknowledge_and_resolve)
    return incident


async def test_an_analysis_arrives_prefilled_from_a_real_incident(
        tocsin: dict[str, Any], analysis: Settings, bus: Bus) -> None:
    await alice_on_call(tocsin)
    incident = await acknowledged_and_resolved(tocsin, bus)
    tocsin_api, incidents = client(tocsin, "tocsin"), client(tocsin, "ssm-incidents")

    def acknowledged() -> bool:
        metrics = tocsin_api.get_incident_metrics(incidentRecordArn=incident)
        return "firstAcknowledgedTime" in metrics["keyTimes"]

    await wait_for(lambda: asyncio.to_thread(acknowledged), timeout=15)

    def parent_linked() -> bool:
        items = incidents.list_related_items(incidentRecordArn=incident)["relatedItems"]
        return any(i["identifier"]["type"] == "PARENT" for i in items)

    await wait_for(lambda: asyncio.to_thread(parent_linked), timeout=15)

    def scenario() -> None:
        record = incidents.get_incident_record(arn=incident)["incidentRecord"]
        events = incidents.list_timeline_events(incidentRecordArn=incident,
                                                sortOrder="ASCENDING")["eventSummaries"]
        arn = tocsin_api.create_analysis(incidentRecordArn=incident)["analysisArn"]
        assert ":analysis/api-outage/" in arn
        got = tocsin_api.get_analysis(analysisArn=arn)["analysis"]
        timeline = tocsin_api.list_analysis_timeline(analysisArn=arn)["events"]
        assert [p["sourceEventId"] for p in timeline] == [e["eventId"] for e in events]
        times = got["keyTimes"]
        assert times["declaredTime"] == record["creationTime"]
        assert times["resolvedTime"] == record["resolvedTime"]
        assert times["declaredTime"] <= times["firstEngagedTime"] \
            <= times["firstAcknowledgedTime"] <= times["resolvedTime"]
        metrics = {m["name"]: m for m in got["metrics"]}
        for name, end in (("timeToEngage", "firstEngagedTime"),
                          ("timeToAcknowledge", "firstAcknowledgedTime"),
                          ("timeToResolve", "resolvedTime")):
            assert metrics[name]["status"] == "SUCCESS"
            assert metrics[name]["seconds"] == pytest.approx(
                (times[end] - times["declaredTime"]).total_seconds(), abs=1e-3)
        assert metrics["timeToMitigate"]["status"] == "TIMESTAMPS_MISSING"
        assert "seconds" not in metrics["timeToMitigate"]

    await asyncio.to_thread(scenario)


async def test_an_accepted_recommendation_is_an_ops_item_and_reminds_its_owner(
        tocsin: dict[str, Any], analysis: Settings, bus: Bus) -> None:
    """Accepted with alice as owner and a due date already past: ``ssm`` reads the OpsItem
    back, and alice is mailed that it is overdue; resolving it through ``ssm`` ends it."""
    alice = await alice_on_call(tocsin)
    incident = await acknowledged_and_resolved(tocsin, bus)
    tocsin_api, ssm = client(tocsin, "tocsin"), client(tocsin, "ssm")

    def accept() -> str:
        arn = tocsin_api.create_analysis(incidentRecordArn=incident)["analysisArn"]
        tocsin_api.answer_question(analysisArn=arn, questionId="ID2",
                                   answer={"text": "sum(rate(http_5xx_total[1m]))"})
        [draft] = tocsin_api.get_analysis(analysisArn=arn)["analysis"]["recommendations"]
        return str(tocsin_api.accept_recommendation(
            analysisArn=arn, recommendationId=draft["id"], ownerContactArn=alice,
            dueTime=time.time() - 60)["opsItemId"])

    ops_item = await asyncio.to_thread(accept)
    item = (await asyncio.to_thread(ssm.get_ops_item, OpsItemId=ops_item))["OpsItem"]
    assert item["Title"] == "Add detection metric" and item["Status"] == "Open"
    assert item["OperationalData"]["/tocsin/owner"]["Value"] == alice

    def reminders() -> list[Any]:
        return [m for m in pages(tocsin) if "overdue" in str(m["Subject"]).lower()]

    [reminder] = await wait_for(reminders, timeout=20)
    assert reminder["To"] == "alice@example.com"
    assert ops_item in reminder.get_body(("plain",)).get_content()
    await asyncio.to_thread(ssm.update_ops_item, OpsItemId=ops_item, Status="Resolved")
    resolved = (await asyncio.to_thread(ssm.get_ops_item, OpsItemId=ops_item))["OpsItem"]
    assert resolved["Status"] == "Resolved"
    with pytest.raises(ssm.exceptions.OpsItemNotFoundException):
        await asyncio.to_thread(ssm.get_ops_item, OpsItemId="oi-000000000000")


async def test_a_custom_template_made_with_ssm_create_document(
        tocsin: dict[str, Any], analysis: Settings, bus: Bus) -> None:
    """The runbooks service (part of every e2e Tocsin) stores the template."""
    await alice_on_call(tocsin)
    incident = await acknowledged_and_resolved(tocsin, bus)
    tocsin_api, ssm = client(tocsin, "tocsin"), client(tocsin, "ssm")
    template = {"schemaVersion": "1.0", "sections": [{
        "id": "detection", "title": "Detection", "questions": [
            {"id": "API1", "text": "Did the synthetic check fire?", "answerType": "boolean",
             "recommendations": [{"when": {"equals": False}, "actionItem": {
                 "title": "Add a synthetic check for the API"}}]}]}]}

    def scenario() -> None:
        made = ssm.create_document(Name="api-review", DocumentType="ProblemAnalysisTemplate",
                                   DocumentFormat="JSON", Content=json.dumps(template))
        assert made["DocumentDescription"]["DocumentType"] == "ProblemAnalysisTemplate"
        arn = tocsin_api.create_analysis(incidentRecordArn=incident,
                                         templateName="api-review")["analysisArn"]
        tocsin_api.answer_question(analysisArn=arn, questionId="API1", answer={"flag": False})
        got = tocsin_api.get_analysis(analysisArn=arn)["analysis"]
        assert got["templateName"] == "api-review"
        assert [r["title"] for r in got["recommendations"]] == [
            "Add a synthetic check for the API"]
        text = tocsin_api.export_analysis(analysisArn=arn, format="MARKDOWN")["content"]
        assert "Did the synthetic check fire?" in text and "<svg" in text

    await asyncio.to_thread(scenario)


async def test_the_generated_grpc_service_answers_and_reads_an_analysis(
        tocsin: dict[str, Any], analysis: Settings, bus: Bus) -> None:
    """Tocsin's gRPC service (generated from the same model) creates an analysis, answers
    a question with a typed answer and reads the key times back as timestamps."""
    await alice_on_call(tocsin)
    incident = await acknowledged_and_resolved(tocsin, bus)
    async with grpc.aio.insecure_channel(
            tocsin["grpc"], interceptors=tocsin["grpc_interceptors"]) as channel:
        stub = tocsin_pb2_grpc.TocsinStub(channel)
        created = await stub.CreateAnalysis(tocsin_pb2.CreateAnalysisRequest(
            incident_record_arn=incident, name="API 5xx review"))
        await stub.AnswerQuestion(tocsin_pb2.AnswerQuestionRequest(
            analysis_arn=created.analysis_arn, question_id="IP1",
            answer=tocsin_pb2.AnswerValue(items=["the pool ran dry", "its size was fixed"])))
        got = (await stub.GetAnalysis(tocsin_pb2.GetAnalysisRequest(
            analysis_arn=created.analysis_arn))).analysis
        assert got.name == "API 5xx review"
        assert got.key_times.resolved_time.seconds > 0
        prevention = next(s for s in got.questions if s.section_id == "prevention")
        assert list(prevention.questions[0].answer.items) == ["the pool ran dry",
                                                               "its size was fixed"]
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.CreateAnalysis(tocsin_pb2.CreateAnalysisRequest(
                incident_record_arn=incident))
        assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
