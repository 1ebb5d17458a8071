"""Identity through the whole system: the ARN partition a deployment issues and accepts
(``TOCSIN_ARN_PARTITION``), the hint for an ARN in another partition, the region a
request's credential must be scoped to (HTTP and gRPC), and a request meant for an AWS
service Tocsin does not serve — all driven by unchanged clients."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import boto3
import botocore.exceptions
import grpc
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc as pb_grpc
from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
ACCOUNT = "000000000000"


def boto(service: str, tocsin: dict[str, Any], region: str | None = None) -> Any:
    return boto3.client(service, endpoint_url=tocsin["http"],
                        region_name=region or tocsin["region"],
                        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    """The code and message of a boto3 call that must fail."""
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call(**kwargs)
    error = info.value.response["Error"]
    return error["Code"], error["Message"]


class TestAwsPartition:
    @pytest.fixture
    def tocsin_options(self) -> dict[str, dict[str, Any]]:
        return {"common": {"arn_partition": "aws"}}

    async def test_every_arn_tocsin_issues_is_arn_aws(self, tocsin: dict[str, Any],
                                                      deliveries: Any) -> None:
        """With TOCSIN_ARN_PARTITION=aws, boto3 sets up a contact and a response plan and
        starts an incident that pages her, and every ARN on the way — replication set,
        contact, channel, plan, incident, engagement, page, the caller's principal, the
        timeline's references — is arn:aws:, and Tocsin takes them back."""
        incidents, contacts = boto("ssm-incidents", tocsin), boto("ssm-contacts", tocsin)
        region = tocsin["region"]

        def setup() -> tuple[str, str, str]:
            incidents.create_replication_set(regions={region: {}})
            replication = incidents.list_replication_sets()["replicationSetArns"]
            alice = contacts.create_contact(Alias="alice", Type="PERSONAL",
                                            Plan={"Stages": []})["ContactArn"]
            channel = contacts.create_contact_channel(
                ContactId=alice, Name="mail", Type="EMAIL",
                DeliveryAddress={"SimpleAddress": "alice@example.com"})["ContactChannelArn"]
            return replication[0], alice, channel

        replication, alice, channel = await asyncio.to_thread(setup)
        assert replication.startswith(f"arn:aws:ssm-incidents::{ACCOUNT}:replication-set/")
        assert alice == f"arn:aws:ssm-contacts:{region}:{ACCOUNT}:contact/alice"
        assert channel.startswith(f"arn:aws:ssm-contacts:{region}:{ACCOUNT}:contact-channel/")
        await wait_for(lambda: channel in deliveries.codes)

        def plan_and_start() -> tuple[str, str, dict[str, Any]]:
            contacts.activate_contact_channel(ContactChannelId=channel,
                                              ActivationCode=deliveries.codes[channel])
            contacts.update_contact(ContactId=alice, Plan={"Stages": [{
                "DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
                    "ContactChannelId": channel, "RetryIntervalInMinutes": 1}}]}]})
            plan = incidents.create_response_plan(
                name="payments", incidentTemplate={"title": "Payments failing", "impact": 1},
                engagements=[alice])["arn"]
            incidents.get_response_plan(arn=plan)
            incident = incidents.start_incident(responsePlanArn=plan)["incidentRecordArn"]
            record = incidents.get_incident_record(arn=incident)["incidentRecord"]
            return plan, incident, record

        plan, incident, record = await asyncio.to_thread(plan_and_start)
        assert plan == f"arn:aws:ssm-incidents::{ACCOUNT}:response-plan/payments"
        assert incident.startswith(f"arn:aws:ssm-incidents::{ACCOUNT}:incident-record/payments/")
        assert record["incidentRecordSource"]["createdBy"] == \
            f"arn:aws:iam::{ACCOUNT}:user/{KEY_ID}"
        await wait_for(lambda: any(p.contact_arn == alice for p in deliveries.pages),
                       timeout=15)
        page = next(p for p in deliveries.pages if p.contact_arn == alice)
        assert page.page_arn.startswith(f"arn:aws:ssm-contacts:{region}:{ACCOUNT}:page/alice/")
        assert page.incident_id == incident

        def acknowledge_and_read() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            contacts.accept_page(PageId=page.page_arn, AcceptType="READ",
                                 AcceptCode=page.accept_code)
            engagements = contacts.list_engagements(IncidentId=incident)["Engagements"]
            events = incidents.list_timeline_events(incidentRecordArn=incident)
            return engagements, events["eventSummaries"]

        async def acknowledged() -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
            engagements, events = await asyncio.to_thread(acknowledge_and_read)
            types = {e["eventType"] for e in events}
            done = "SSM Contacts Page Acknowledgement for Incident" in types
            return (engagements, events) if done else None

        engagements, events = await wait_for(acknowledged, timeout=15)
        assert [e["EngagementArn"].split(":")[:2] for e in engagements] == [["arn", "aws"]]

        def timeline() -> list[dict[str, Any]]:
            return [incidents.get_timeline_event(incidentRecordArn=incident,
                                                 eventId=e["eventId"])["event"]
                    for e in events]

        whole = json.dumps([record, engagements, await asyncio.to_thread(timeline)],
                           default=str)
        assert "arn:tocsin" not in whole
        assert f"arn:aws:ssm-contacts:{region}:{ACCOUNT}:contact/alice" in whole

    async def test_a_tocsin_arn_is_refused_quoting_the_aws_pattern(
            self, tocsin: dict[str, Any]) -> None:
        """A deployment on the partition aws enforces (and quotes) the models' own ARN
        patterns: an arn:tocsin: ARN is not one of its resources."""
        incidents = boto("ssm-incidents", tocsin)
        code, message = await asyncio.to_thread(
            error_of, incidents.get_response_plan,
            arn=f"arn:tocsin:ssm-incidents::{ACCOUNT}:response-plan/payments")
        assert code == "ValidationException"
        assert "pattern: ^arn:aws(-cn|-us-gov)?:" in message


class TestDefaultPartition:
    async def test_an_aws_arn_of_a_tocsin_resource_says_which_partition(
            self, tocsin: dict[str, Any]) -> None:
        """``arn:aws:`` for a plan or contact that exists as ``arn:tocsin:`` answers "does
        not exist" saying this deployment's ARNs use the partition tocsin."""
        incidents, contacts = boto("ssm-incidents", tocsin), boto("ssm-contacts", tocsin)

        def run() -> list[tuple[str, str]]:
            incidents.create_replication_set(regions={tocsin["region"]: {}})
            plan = incidents.create_response_plan(
                name="web", incidentTemplate={"title": "Web down", "impact": 2})["arn"]
            alice = contacts.create_contact(Alias="alice", Type="PERSONAL",
                                            Plan={"Stages": []})["ContactArn"]
            return [error_of(incidents.get_response_plan,
                             arn=plan.replace("arn:tocsin:", "arn:aws:")),
                    error_of(contacts.get_contact,
                             ContactId=alice.replace("arn:tocsin:", "arn:aws:"))]

        for code, message in await asyncio.to_thread(run):
            assert code == "ResourceNotFoundException"
            assert "partition 'tocsin', not 'aws'" in message
            assert "TOCSIN_ARN_PARTITION" in message

    async def test_an_alarm_for_an_aws_arn_plan_says_which_partition(
            self, tocsin: dict[str, Any], bus: Bus) -> None:
        """An alarm routed to ``arn:aws:…:response-plan/web`` (a publisher configured for
        AWS) is dead-lettered with the partition hint in its detail."""
        def plan() -> str:
            incidents = boto("ssm-incidents", tocsin)
            incidents.create_replication_set(regions={tocsin["region"]: {}})
            return str(incidents.create_response_plan(
                name="web", incidentTemplate={"title": "Web down", "impact": 2})["arn"])

        aws_arn = (await asyncio.to_thread(plan)).replace("arn:tocsin:", "arn:aws:")
        dead: list[Any] = []
        subject = f"alarms.{tocsin['region']}.cloudwatch"

        async def on_dead(msg: Any) -> None:
            if (msg.headers or {}).get("Tocsin-Dlq-Subject") == subject:
                dead.append(msg)

        sub = await bus.nc.subscribe("alarms.dlq", cb=on_dead)
        try:
            event = {"version": "0", "id": str(uuid.uuid4()), "source": "aws.cloudwatch",
                     "detail-type": "CloudWatch Alarm State Change", "account": ACCOUNT,
                     "time": "2026-01-01T00:00:00Z", "region": tocsin["region"],
                     "resources": [f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:web"],
                     "detail": {"alarmName": "web", "state": {
                         "value": "ALARM", "timestamp": "2026-01-01T00:00:00.000+0000"}}}
            await bus.js.publish(subject, json.dumps(event).encode(),
                                 headers={"Tocsin-Response-Plan": aws_arn})
            await wait_for(lambda: dead, timeout=15)
        finally:
            await sub.unsubscribe()
        detail = dead[0].headers["Tocsin-Dlq-Detail"]
        assert dead[0].headers["Tocsin-Dlq-Reason"] == "unroutable"
        assert "partition 'tocsin', not 'aws'" in detail

    async def test_validation_quotes_the_pattern_enforced(self, tocsin: dict[str, Any]) -> None:
        incidents = boto("ssm-incidents", tocsin)
        code, message = await asyncio.to_thread(
            error_of, incidents.get_response_plan,
            arn=f"arn:other:ssm-incidents::{ACCOUNT}:response-plan/web")
        assert code == "ValidationException"
        assert "pattern: ^arn:(?:aws(-cn|-us-gov)?|tocsin):" in message

    async def test_another_region_is_refused_over_http_and_grpc(
            self, tocsin: dict[str, Any]) -> None:
        """boto3 and a signed gRPC call scoped to us-east-1 are refused naming the region
        this deployment serves."""
        def http() -> list[tuple[str, str]]:
            return [error_of(boto("ssm-incidents", tocsin, "us-east-1").list_response_plans),
                    error_of(boto("ssm-contacts", tocsin, "us-east-1").list_contacts)]

        for code, message in await asyncio.to_thread(http):
            assert code == "InvalidSignatureException"
            assert "not 'us-east-1'" in message and f"'{tocsin['region']}'" in message

        request = pb.ListResponsePlansRequest()
        signed = AWSRequest(method="POST",
                            url="http://tocsin/tocsin.incidents.v1.Incidents/ListResponsePlans",
                            data=request.SerializeToString())
        SigV4Auth(Credentials(KEY_ID, SECRET), "ssm-incidents", "us-east-1").add_auth(signed)
        metadata = (*((k.lower(), v) for k, v in signed.headers.items()), ("host", "tocsin"))
        async with grpc.aio.insecure_channel(tocsin["grpc"]) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await pb_grpc.IncidentsStub(channel).ListResponsePlans(request,
                                                                      metadata=metadata)
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert dict(info.value.trailing_metadata() or ())["aws-error-code"] == \
            "InvalidSignatureException"
        assert f"'{tocsin['region']}'" in (info.value.details() or "")

    async def test_events_list_rules_is_an_unknown_operation(self, tocsin: dict[str, Any]) -> None:
        """``aws events list-rules`` pointed at Tocsin names what Tocsin serves."""
        code, message = await asyncio.to_thread(error_of, boto("events", tocsin).list_rules)
        assert code == "UnknownOperationException"
        assert "ssm-incidents" in message and "ssm-contacts" in message
