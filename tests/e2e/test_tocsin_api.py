"""Tocsin's own API (``models/tocsin``) from outside, as a user reaches it: boto3 and the aws
CLI with ``AWS_DATA_PATH=<repo>/models``, and the gRPC service generated from the same model
(``tocsin.api.v1.Tocsin``)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import grpc
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tocsin.proto.api.v1 import tocsin_pb2, tocsin_pb2_grpc
from tocsin.shared.testing import wait_for

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
MODELS = Path(__file__).resolve().parents[2] / "models"
PATTERN = json.dumps({"source": ["aws.cloudwatch"],
                      "detail": {"alarmName": [{"prefix": "api-"}]}})
EVENT = json.dumps({
    "version": "0", "id": "4f0b1c2d-0000-4000-8000-000000000001",
    "detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch",
    "account": "000000000000", "time": "2026-05-04T10:00:00Z", "region": "local-1",
    "resources": ["arn:aws:cloudwatch:local-1:000000000000:alarm:api-5xx"],
    "detail": {"alarmName": "api-5xx", "state": {"value": "ALARM",
                                                 "timestamp": "2026-05-04T10:00:00Z"}}})


@pytest.fixture
def data_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DATA_PATH", str(MODELS))


def client(tocsin: dict[str, Any], api: str, **config: Any) -> Any:
    # A new session: botocore reads AWS_DATA_PATH when a session's loader is made.
    return boto3.Session().client(
        api, endpoint_url=tocsin["http"], region_name=tocsin["region"],
        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET, config=Config(**config))


def seed(tocsin: dict[str, Any]) -> str:
    """A replication set and a response plan; the plan's ARN."""
    incidents = client(tocsin, "ssm-incidents")
    incidents.create_replication_set(regions={tocsin["region"]: {}})
    return str(incidents.create_response_plan(
        name="api-outage", incidentTemplate={"title": "API outage", "impact": 2})["arn"])


async def test_boto3_reaches_the_rules_through_the_tocsin_model(
        tocsin: dict[str, Any], data_path: None) -> None:
    def scenario() -> None:
        plan = seed(tocsin)
        api = client(tocsin, "tocsin")
        created = api.create_rule(name="api-alarms", eventPattern=PATTERN,
                                  responsePlanArn=plan, description="API alarms")["rule"]
        assert created["arn"].endswith(":rule/api-alarms")
        assert (created["state"], created["responsePlanArn"]) == ("ENABLED", plan)
        read = api.get_rule(name="api-alarms")["rule"]
        assert read == created  # timestamps parsed by botocore, like any AWS API's

        matched = api.test_event_pattern(event=EVENT, name="api-alarms")
        assert (matched["result"], matched["action"], matched["responsePlanArn"]) == \
            (True, "open", plan)
        # A CloudWatch alarm is its own trigger (the README's Mapping).
        assert matched["triggerDetails"]["triggerArn"] == \
            "arn:aws:cloudwatch:local-1:000000000000:alarm:api-5xx"
        unmatched = api.test_event_pattern(event=EVENT,
                                           eventPattern=json.dumps({"source": ["aws.ec2"]}))
        assert unmatched["result"] is False and "triggerDetails" not in unmatched

        api.update_rule(name="api-alarms", state="DISABLED")
        pages = api.get_paginator("list_rules").paginate(PaginationConfig={"PageSize": 1})
        assert [r["state"] for page in pages for r in page["rules"]] == ["DISABLED"]

        key = api.create_integration_key(responsePlanArn=plan)
        assert len(key["integrationKey"]) == 32
        listed = api.list_integration_keys(responsePlanArn=plan)["integrationKeys"]
        assert [k["id"] for k in listed] == [key["id"]]
        api.delete_integration_key(id=key["id"])
        assert api.list_integration_keys(responsePlanArn=plan)["integrationKeys"] == []
        assert isinstance(api.get_ingestion_stats()["deadLettered"], dict)

        api.delete_rule(name="api-alarms")
        with pytest.raises(ClientError) as missing:
            api.get_rule(name="api-alarms")
        assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"

    await asyncio.to_thread(scenario)


async def test_a_missing_member_is_a_validation_exception_naming_it(
        tocsin: dict[str, Any], data_path: None) -> None:
    def scenario() -> None:
        plan = seed(tocsin)
        # botocore checks required members itself; without that check the gateway does.
        api = client(tocsin, "tocsin", parameter_validation=False)
        with pytest.raises(ClientError) as refused:
            api.create_rule(name="no-pattern", responsePlanArn=plan)
        error = refused.value.response["Error"]
        assert error["Code"] == "ValidationException"
        assert "'eventPattern' failed to satisfy constraint: Member must not be null" in \
            error["Message"]
        assert refused.value.response["Fields"] == [
            {"Name": "eventPattern", "Message": error["Message"].partition(": ")[2]}]
        with pytest.raises(ClientError) as bad_arn:
            api.describe_delivery(pageArn="page-1")
        assert bad_arn.value.response["Error"]["Code"] == "ValidationException"
        assert "'pageArn'" in bad_arn.value.response["Error"]["Message"]
        with pytest.raises(ClientError) as unknown:
            client(tocsin, "tocsin").create_rule(name="x", eventPattern=PATTERN,
                                                 responsePlanArn=plan + "-gone")
        assert unknown.value.response["Error"]["Code"] == "ResourceNotFoundException"

    await asyncio.to_thread(scenario)


async def test_describe_delivery_of_a_page(tocsin: dict[str, Any], data_path: None) -> None:
    box = tocsin["mailbox"]

    def mails(header: str) -> list[Any]:
        return [m for m in box.messages if m["To"] == "lee@example.com" and m[header]]

    contacts = client(tocsin, "ssm-contacts")

    def setup() -> tuple[str, str]:
        client(tocsin, "ssm-incidents").create_replication_set(
            regions={tocsin["region"]: {}})
        lee = contacts.create_contact(Alias="lee", Type="PERSONAL",
                                      Plan={"Stages": []})["ContactArn"]
        channel = contacts.create_contact_channel(
            ContactId=lee, Name="mail", Type="EMAIL",
            DeliveryAddress={"SimpleAddress": "lee@example.com"})["ContactChannelArn"]
        return lee, channel

    lee, channel = await asyncio.to_thread(setup)
    activation = (await wait_for(lambda: mails("X-Tocsin-Activation-Code")))[0]

    def page() -> str:
        contacts.activate_contact_channel(
            ContactChannelId=channel, ActivationCode=str(activation["X-Tocsin-Activation-Code"]))
        contacts.update_contact(ContactId=lee, Plan={"Stages": [{
            "DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
                "ContactChannelId": channel, "RetryIntervalInMinutes": 1}}]}]})
        engagement = contacts.start_engagement(
            ContactId=lee, Sender="ops", Subject="Disk full", Content="db-1 is full")
        return str(contacts.list_pages_by_engagement(
            EngagementId=engagement["EngagementArn"])["Pages"][0]["PageArn"])

    page_arn = await asyncio.to_thread(page)
    await wait_for(lambda: mails("X-Tocsin-Page-Arn"), timeout=20)
    api = client(tocsin, "tocsin")

    def sent() -> dict[str, Any] | None:
        described = api.describe_delivery(pageArn=page_arn)
        done = [d for d in described["deliveries"] if d["state"] == "SENT"]
        return described if done else None

    described = await wait_for(lambda: asyncio.to_thread(sent))
    assert described["pageArn"] == page_arn
    [delivery] = described["deliveries"]
    assert (delivery["kind"], delivery["channelType"], delivery["channelArn"]) == \
        ("page", "EMAIL", channel)
    assert delivery["attempts"] == 1 and "sentAt" in delivery

    async with grpc.aio.insecure_channel(
            tocsin["grpc"], interceptors=tocsin["grpc_interceptors"]) as grpc_channel:
        stub = tocsin_pb2_grpc.TocsinStub(grpc_channel)
        reply = await stub.DescribeDelivery(tocsin_pb2.DescribeDeliveryRequest(page_arn=page_arn))
        assert reply.page_arn == page_arn
        assert [(d.channel_arn, d.state) for d in reply.deliveries] == \
            [(channel, tocsin_pb2.DELIVERY_STATE_SENT)]
        with pytest.raises(grpc.aio.AioRpcError) as gone:
            await stub.DescribeDelivery(tocsin_pb2.DescribeDeliveryRequest(
                page_arn=page_arn + "0"))
        assert gone.value.code() == grpc.StatusCode.NOT_FOUND

    with pytest.raises(ClientError) as unknown:
        await asyncio.to_thread(api.describe_delivery, pageArn=page_arn + "0")
    assert unknown.value.response["Error"]["Code"] == "ResourceNotFoundException"


async def test_the_generated_grpc_service_creates_and_reads_a_rule(
        tocsin: dict[str, Any]) -> None:
    plan = await asyncio.to_thread(seed, tocsin)
    async with grpc.aio.insecure_channel(
            tocsin["grpc"], interceptors=tocsin["grpc_interceptors"]) as channel:
        stub = tocsin_pb2_grpc.TocsinStub(channel)
        created = await stub.CreateRule(tocsin_pb2.CreateRuleRequest(
            name="api-alarms", event_pattern=PATTERN, response_plan_arn=plan,
            state=tocsin_pb2.RULE_STATE_DISABLED))
        assert created.rule.state == tocsin_pb2.RULE_STATE_DISABLED
        read = await stub.GetRule(tocsin_pb2.GetRuleRequest(name="api-alarms"))
        assert read.rule == created.rule
        tested = await stub.TestEventPattern(tocsin_pb2.TestEventPatternRequest(
            event=EVENT, name="api-alarms"))
        assert tested.result and tested.action == tocsin_pb2.TRIGGER_ACTION_OPEN
        assert tested.trigger_details.source == "aws.cloudwatch"

        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.CreateRule(tocsin_pb2.CreateRuleRequest(
                name="no-pattern", response_plan_arn=plan))
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "'eventPattern'" in (refused.value.details() or "")
        assert ("aws-error-code", "ValidationException") in \
            tuple(refused.value.trailing_metadata() or ())


async def test_the_aws_cli_lists_rules(tocsin: dict[str, Any], data_path: None) -> None:
    plan = await asyncio.to_thread(seed, tocsin)
    await asyncio.to_thread(lambda: client(tocsin, "tocsin").create_rule(
        name="api-alarms", eventPattern=PATTERN, responsePlanArn=plan))
    env = {**os.environ, "AWS_DATA_PATH": str(MODELS), "AWS_ACCESS_KEY_ID": KEY_ID,
           "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": tocsin["region"],
           "AWS_ENDPOINT_URL": tocsin["http"], "AWS_CONFIG_FILE": os.devnull,
           "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    done = await asyncio.to_thread(
        subprocess.run, [str(Path(sys.executable).parent / "aws"), "tocsin", "list-rules",
                         "--output", "json"],
        env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [r["name"] for r in json.loads(done.stdout)["rules"]] == ["api-alarms"]
