"""The audit trail through the whole system: every call becomes a CloudTrail record in
``AUDIT_<REGION>``, and ``boto3.client("cloudtrail").lookup_events`` on Tocsin's endpoint
finds them by event name, user name, access key, resource and read-only flag, newest first,
page by page; refusals carry their error; codes and addresses never appear."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import nats.js.errors
import pytest
from botocore.config import Config

from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
RESPONDER_KEY, RESPONDER_SECRET = "AKIDRESPONDER0001", "responder-secret"
ACCOUNT = "000000000000"
RESPONDER = f"arn:tocsin:iam::{ACCOUNT}:user/responder"


@pytest.fixture
def tocsin_options(tmp_path: Path) -> dict[str, dict[str, Any]]:
    policy_file = tmp_path / "policies.json"
    policy_file.write_text(json.dumps({"principals": [{
        "arn": RESPONDER,
        "accessKeys": [{"id": RESPONDER_KEY, "secret": RESPONDER_SECRET}],
        "policies": [{"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Resource": "*",
            "Action": ["ssm-incidents:Get*", "ssm-incidents:List*",
                       "ssm-contacts:AcceptPage"]}]}]}]}))
    return {"gateway": {"policy_file": str(policy_file)}}


def client(service: str, tocsin: dict[str, Any], key: str = KEY_ID,
           secret: str = SECRET) -> Any:
    return boto3.client(service, endpoint_url=tocsin["http"], region_name=tocsin["region"],
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        config=Config(retries={"total_max_attempts": 1}))


def lookup(trail: Any, key: str, value: str, **extra: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": key, "AttributeValue": value}], **extra)["Events"]
    return events


async def test_lookup_finds_accepted_and_refused_calls(tocsin: dict[str, Any],
                                                      bus: Bus) -> None:
    """An administrator's plan, then a responder's accepted ListResponsePlans and refused
    StartIncident: lookup_events finds each by event name, user name and access key, with
    the principal that made it, and the refusal with its error. The plan's event names the
    same principal in its envelope."""
    incidents, trail = client("ssm-incidents", tocsin), client("cloudtrail", tocsin)
    responder = client("ssm-incidents", tocsin, RESPONDER_KEY, RESPONDER_SECRET)
    region = tocsin["region"]

    def setup() -> str:
        incidents.create_replication_set(regions={region: {}})
        return str(incidents.create_response_plan(
            name="web", incidentTemplate={"title": "Web down", "impact": 2})["arn"])

    plan_arn = await asyncio.to_thread(setup)
    # A change is in the trail before its answer: no waiting needed.
    created = await asyncio.to_thread(lookup, trail, "EventName", "CreateResponsePlan")
    assert len(created) == 1
    record = json.loads(created[0]["CloudTrailEvent"])
    assert record["eventSource"] == "ssm-incidents.amazonaws.com"
    assert record["userIdentity"]["arn"] == f"arn:tocsin:iam::{ACCOUNT}:user/{KEY_ID}"
    assert record["userIdentity"]["accessKeyId"] == KEY_ID
    assert record["readOnly"] is False and record["eventType"] == "AwsApiCall"
    assert record["responseElements"] == {"arn": plan_arn}
    assert created[0]["ReadOnly"] == "false" and created[0]["Username"] == KEY_ID
    assert {"ResourceType": "ssm-incidents:response-plan", "ResourceName": plan_arn} \
        in created[0]["Resources"]

    async def plan_event() -> Any:
        try:
            return await bus.js.get_last_msg(f"EVENTS_{region.upper()}",
                                             f"events.{region}.incidents.ResponsePlanCreated")
        except nats.js.errors.NotFoundError:
            return None  # the outbox relay has not published it yet

    envelope = codec.decode((await wait_for(plan_event)).data, codec.Envelope)
    assert envelope.correlation.principal == record["userIdentity"]["arn"]

    await asyncio.to_thread(responder.list_response_plans)
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        await asyncio.to_thread(responder.start_incident, responsePlanArn=plan_arn)
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"

    started = await asyncio.to_thread(lookup, trail, "EventName", "StartIncident")
    assert len(started) == 1
    record = json.loads(started[0]["CloudTrailEvent"])
    assert record["userIdentity"]["arn"] == RESPONDER
    assert record["userIdentity"]["type"] == "IAMUser"
    assert record["userIdentity"]["userName"] == "responder"
    assert record["errorCode"] == "AccessDeniedException"
    assert "ssm-incidents:StartIncident" in record["errorMessage"]
    assert record["responseElements"] is None
    assert record["requestParameters"]["responsePlanArn"] == plan_arn
    assert record["sourceIPAddress"] == "127.0.0.1"
    assert "Boto3" in record["userAgent"] or "botocore" in record["userAgent"]

    # Reads are recorded in the background: they are there a moment later.
    def responders() -> list[str]:
        return [e["EventName"] for e in lookup(trail, "Username", "responder")]

    await wait_for(lambda: asyncio.to_thread(lambda: len(responders()) == 2), timeout=10)
    assert await asyncio.to_thread(responders) == ["StartIncident", "ListResponsePlans"]
    by_key = await asyncio.to_thread(lookup, trail, "AccessKeyId", RESPONDER_KEY)
    assert [e["EventName"] for e in by_key] == ["StartIncident", "ListResponsePlans"]
    reads = await asyncio.to_thread(lookup, trail, "ReadOnly", "true")
    assert "ListResponsePlans" in [e["EventName"] for e in reads]
    assert "StartIncident" not in [e["EventName"] for e in reads]
    on_plan = await asyncio.to_thread(lookup, trail, "ResourceName", plan_arn)
    assert [e["EventName"] for e in on_plan] == ["StartIncident", "CreateResponsePlan"]
    by_source = await asyncio.to_thread(lookup, trail, "EventSource",
                                        "ssm-contacts.amazonaws.com")
    assert by_source == []


async def test_pages_and_time_range(tocsin: dict[str, Any], bus: Bus) -> None:
    """MaxResults pages through the trail newest first without repeating a record, even
    while new records arrive; a time range in the past finds nothing; two attributes are
    InvalidLookupAttributesException. The lookups leave no consumer behind."""
    incidents, trail = client("ssm-incidents", tocsin), client("cloudtrail", tocsin)

    def make() -> None:
        incidents.create_replication_set(regions={tocsin["region"]: {}})
        for name in ("a", "b", "c", "d", "e"):
            incidents.create_response_plan(
                name=name, incidentTemplate={"title": f"{name} down", "impact": 3})

    await asyncio.to_thread(make)

    def pages() -> list[list[str]]:
        out: list[list[str]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"MaxResults": 2, "LookupAttributes": [
                {"AttributeKey": "EventName", "AttributeValue": "CreateResponsePlan"}]}
            if token:
                kwargs["NextToken"] = token
            page = trail.lookup_events(**kwargs)
            out.append([json.loads(e["CloudTrailEvent"])["requestParameters"]["name"]
                        for e in page["Events"]])
            if len(out) == 1:  # a record arriving between pages does not disturb them
                incidents.create_response_plan(
                    name="f", incidentTemplate={"title": "f down", "impact": 3})
            token = page.get("NextToken")
            if not token:
                return out

    assert await asyncio.to_thread(pages) == [["e", "d"], ["c", "b"], ["a"]]
    past = datetime.now(UTC) - timedelta(days=3)
    old = await asyncio.to_thread(lambda: trail.lookup_events(
        StartTime=past - timedelta(days=1), EndTime=past)["Events"])
    assert old == []
    with pytest.raises(botocore.exceptions.ClientError) as bad:
        await asyncio.to_thread(lambda: trail.lookup_events(LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "X"},
            {"AttributeKey": "Username", "AttributeValue": "Y"}]))
    assert bad.value.response["Error"]["Code"] == "InvalidLookupAttributesException"
    # LookupEvents reads without leaving a consumer behind; the one left is the gateway's
    # follower of console sign-outs.
    consumers = await bus.js.consumers_info(f"AUDIT_{tocsin['region'].upper()}")
    assert [c.config.filter_subject.rsplit(".", 1)[-1] for c in consumers
            if c.config.filter_subject] == ["ConsoleLogout"]
    assert len(consumers) == 1


async def test_no_record_shows_an_address_or_a_code(tocsin: dict[str, Any]) -> None:
    """A channel's address and an activation code never reach the trail, in the request
    or the response of any record."""
    contacts, trail = client("ssm-contacts", tocsin), client("cloudtrail", tocsin)

    def make() -> None:
        arn = contacts.create_contact(Alias="alice", Type="PERSONAL",
                                      Plan={"Stages": []})["ContactArn"]
        channel = contacts.create_contact_channel(
            ContactId=arn, Name="mail", Type="EMAIL", DeferActivation=True,
            DeliveryAddress={"SimpleAddress": "alice.secret@example.com"})["ContactChannelArn"]
        contacts.get_contact_channel(ContactChannelId=channel)
        with pytest.raises(botocore.exceptions.ClientError):
            contacts.activate_contact_channel(ContactChannelId=channel,
                                              ActivationCode="917253")

    await asyncio.to_thread(make)

    def everything() -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = trail.lookup_events(LookupAttributes=[
            {"AttributeKey": "EventSource",
             "AttributeValue": "ssm-contacts.amazonaws.com"}])["Events"]
        return events

    await wait_for(lambda: asyncio.to_thread(lambda: len(everything()) == 4), timeout=10)
    records = [e["CloudTrailEvent"] for e in await asyncio.to_thread(everything)]
    assert not any("alice.secret" in r or "917253" in r for r in records)
    channel = next(json.loads(r) for r in records if '"CreateContactChannel"' in r)
    assert channel["requestParameters"]["DeliveryAddress"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    described = next(json.loads(r) for r in records if '"GetContactChannel"' in r)
    assert described["responseElements"] is None  # as CloudTrail, reads keep no answer
