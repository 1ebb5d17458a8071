"""Every operation of ssm-incidents (31) and ssm-contacts (39), driven through boto3 and
through the gRPC stubs against a running Tocsin, each output checked against botocore's
output shape."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import boto3
import botocore.exceptions
import botocore.session
import grpc
import pytest
from botocore.model import Shape

from tocsin.gateway import awsmodel, protoconv
from tocsin.proto.contacts.v1 import contacts_pb2, contacts_pb2_grpc
from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc as pb_grpc
from tocsin.shared import codec
from tocsin.shared.testing import wait_for

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
MODEL = botocore.session.get_session().get_service_model("ssm-incidents")
CONTACTS_MODEL = botocore.session.get_session().get_service_model("ssm-contacts")

Call = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


class Refused(Exception):
    """An operation answered with an error: its AWS code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def boto3_caller(tocsin: dict[str, Any], api: str = "ssm-incidents") -> Call:
    client = boto3.client(api, endpoint_url=tocsin["http"],
                          region_name=tocsin["region"], aws_access_key_id=KEY_ID,
                          aws_secret_access_key=SECRET)

    async def call(operation: str, params: dict[str, Any]) -> dict[str, Any]:
        method = getattr(client, botocore.xform_name(operation))
        try:
            out: dict[str, Any] = await asyncio.to_thread(method, **params)
        except botocore.exceptions.ClientError as e:
            raise Refused(e.response["Error"]["Code"]) from None
        out.pop("ResponseMetadata")
        return out

    return call


def grpc_caller(stub: Any, api: str = "ssm-incidents", module: Any = pb) -> Call:
    model = awsmodel.load(api)

    async def call(operation: str, params: dict[str, Any]) -> dict[str, Any]:
        wire = codec.decode(codec.encode(_epochs(params)), dict[str, Any]) if params else {}
        request = protoconv.from_result(_epochs(wire), getattr(module, f"{operation}Request"))
        try:
            response = await getattr(stub, operation)(request)
        except grpc.aio.AioRpcError as e:
            raise Refused(dict(e.trailing_metadata() or ())["aws-error-code"]) from None
        shape = model.operations[operation].output_shape
        return protoconv.to_params(response, model.shape(shape), model) if shape else {}

    return call


def _epochs(value: Any) -> Any:
    """Dates as the epoch seconds the services speak."""
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _epochs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_epochs(v) for v in value]
    return value


def check_shape(value: Any, shape: Shape, path: str) -> None:
    """``value`` fits botocore's shape: required members present, types right."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), path
        for name in shape.required_members:
            assert name in value, f"{path}.{name} is required"
        for name, member in value.items():
            assert name in shape.members, f"{path}.{name} is not in the model"
            check_shape(member, shape.members[name], f"{path}.{name}")
    elif kind == "list":
        assert isinstance(value, list), path
        for i, item in enumerate(value):
            check_shape(item, shape.member, f"{path}[{i}]")
    elif kind == "map":
        assert isinstance(value, dict), path
        for k, v in value.items():
            check_shape(v, shape.value, f"{path}.{k}")
    elif kind == "timestamp":
        assert isinstance(value, dt.datetime | float | int), path
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), path
    elif kind == "boolean":
        assert isinstance(value, bool), path
    elif kind == "string":
        assert isinstance(value, str), path
        if shape.enum:
            assert value in shape.enum, f"{path}: {value!r} not in {shape.enum}"


async def drive_every_operation(call: Call, tocsin: dict[str, Any],
                                publish_change: Callable[[str], Awaitable[None]]
                                ) -> dict[str, Any]:
    """Run all 31 operations in an order that makes each meaningful; returns the outputs
    (or the error code of an operation that must refuse)."""
    out: dict[str, Any] = {}

    async def op(operation: str, /, **params: Any) -> dict[str, Any]:
        out[operation] = await call(operation, params)
        return dict(out[operation])

    rs = (await op("CreateReplicationSet", regions={tocsin["region"]: {}},
                   tags={"team": "sre"}))["arn"]
    await op("GetReplicationSet", arn=rs)
    await op("ListReplicationSets")
    await op("UpdateDeletionProtection", arn=rs, deletionProtected=False)
    try:
        await op("UpdateReplicationSet", arn=rs,
                 actions=[{"deleteRegionAction": {"regionName": tocsin["region"]}}])
    except Refused as refused:  # a region added less than a day ago stays
        out["UpdateReplicationSet"] = refused.code
    plan = (await op("CreateResponsePlan", name="payments", displayName="Payments",
                     incidentTemplate={"title": "Payments failing", "impact": 2,
                                       "incidentTags": {"service": "payments"}},
                     chatChannel={"chatbotSns": [
                         "arn:tocsin:sns:local-1:000000000000:payments-chat"]}))["arn"]
    await op("GetResponsePlan", arn=plan)
    await op("ListResponsePlans")
    await op("UpdateResponsePlan", arn=plan, incidentTemplateSummary="card payments fail")
    policy = (await op("PutResourcePolicy", resourceArn=plan, policy=codec.encode({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "000000000001"},
            "Action": "ssm-incidents:GetResponsePlan", "Resource": plan}]}).decode()))
    await op("GetResourcePolicies", resourceArn=plan)
    await op("DeleteResourcePolicy", resourceArn=plan, policyId=policy["policyId"])
    await op("TagResource", resourceArn=plan, tags={"owner": "payments-team"})
    await op("ListTagsForResource", resourceArn=plan)
    await op("UntagResource", resourceArn=plan, tagKeys=["owner"])
    deployment = f"d-{uuid.uuid4().hex[:9].upper()}"
    await publish_change(deployment)
    await asyncio.sleep(0.5)  # the findings consumer takes the change in
    incident = (await op("StartIncident", responsePlanArn=plan, impact=1,
                         clientToken=str(uuid.uuid4())))["incidentRecordArn"]
    await op("GetIncidentRecord", arn=incident)
    await op("ListIncidentRecords", filters=[
        {"key": "status", "condition": {"equals": {"stringValues": ["OPEN"]}}}])
    await op("UpdateIncidentRecord", arn=incident, summary="a bad deploy")
    event = (await op("CreateTimelineEvent", incidentRecordArn=incident,
                      eventTime=dt.datetime.now(dt.UTC), eventType="Note",
                      eventData='"rolled back"'))["eventId"]
    await op("GetTimelineEvent", incidentRecordArn=incident, eventId=event)
    await op("ListTimelineEvents", incidentRecordArn=incident, sortOrder="ASCENDING")
    await op("UpdateTimelineEvent", incidentRecordArn=incident, eventId=event,
             eventData='"rolled back 4.2"')
    await op("DeleteTimelineEvent", incidentRecordArn=incident, eventId=event)
    await op("UpdateRelatedItems", incidentRecordArn=incident, relatedItemsUpdate={
        "itemToAdd": {"identifier": {"type": "OTHER",
                                     "value": {"url": "https://status.example"}},
                      "title": "status page"}})
    await op("ListRelatedItems", incidentRecordArn=incident)
    await op("ListIncidentFindings", incidentRecordArn=incident)
    await op("BatchGetIncidentFindings", incidentRecordArn=incident,
             findingIds=[deployment, "no-such-finding"])
    await op("DeleteIncidentRecord", arn=incident)
    await op("DeleteResponsePlan", arn=plan)
    await op("DeleteReplicationSet", arn=rs)
    return out


@pytest.mark.parametrize("client", ["boto3", "grpc"])
class TestEveryOperation:
    async def test_outputs_fit_the_model(self, client: str, tocsin: dict[str, Any],
                                         bus: Any) -> None:
        """All 31 operations answer, and each output fits botocore's output shape."""
        async def publish_change(deployment: str) -> None:
            change = {"codeDeployDeployment": {
                "deploymentGroupArn": "arn:tocsin:codedeploy:local-1:000000000000:"
                                      "deploymentgroup:payments/prod",
                "deploymentId": deployment, "startTime": time.time() - 600}}
            await bus.publish(f"changes.{tocsin['region']}.codedeploy", codec.encode(change),
                              msg_id=deployment)

        if client == "boto3":
            outputs = await drive_every_operation(boto3_caller(tocsin), tocsin, publish_change)
        else:
            async with grpc.aio.insecure_channel(
            tocsin["grpc"], interceptors=tocsin["grpc_interceptors"]) as channel:
                outputs = await drive_every_operation(
                    grpc_caller(pb_grpc.IncidentsStub(channel)), tocsin, publish_change)
        assert set(outputs) == set(MODEL.operation_names)
        assert outputs["UpdateReplicationSet"] == "ValidationException"
        for name, value in outputs.items():
            shape = MODEL.operation_model(name).output_shape
            if shape is not None and isinstance(value, dict):
                check_shape(value, shape, name)
        findings = outputs["BatchGetIncidentFindings"]
        assert [f["details"]["codeDeployDeployment"]["deploymentId"]
                for f in findings["findings"]] == [
            outputs["ListIncidentFindings"]["findings"][0]["id"]]
        assert [e["findingId"] for e in findings["errors"]] == ["no-such-finding"]
        assert outputs["ListTagsForResource"]["tags"] == {"owner": "payments-team"}


async def drive_every_contacts_operation(call: Call, deliveries: Any) -> dict[str, Any]:
    """Run all 39 ssm-contacts operations in an order that makes each meaningful."""
    out: dict[str, Any] = {}

    async def op(operation: str, /, **params: Any) -> dict[str, Any]:
        out[operation] = await call(operation, params)
        return dict(out[operation])

    async def code_for(channel: str, after: int = 0) -> str:
        await wait_for(lambda: len(deliveries.all_codes.get(channel, [])) > after)
        return str(deliveries.all_codes[channel][-1])

    now = time.time()
    alice = (await op("CreateContact", Alias="alice", DisplayName="Alice", Type="PERSONAL",
                      Plan={"Stages": []}))["ContactArn"]
    bob = (await call("CreateContact", {"Alias": "bob", "Type": "PERSONAL",
                                        "Plan": {"Stages": []}}))["ContactArn"]
    mail = (await op("CreateContactChannel", ContactId=alice, Name="work email",
                     Type="EMAIL", DeliveryAddress={"SimpleAddress": "alice@example.com"})
            )["ContactChannelArn"]
    await code_for(mail)
    await op("SendActivationCode", ContactChannelId=mail)
    await op("ActivateContactChannel", ContactChannelId=mail,
             ActivationCode=await code_for(mail, after=1))
    await op("GetContactChannel", ContactChannelId=mail)
    await op("ListContactChannels", ContactId=alice)
    await op("UpdateContactChannel", ContactChannelId=mail, Name="email")
    spare = (await call("CreateContactChannel", {
        "ContactId": alice, "Name": "phone", "Type": "SMS", "DeferActivation": True,
        "DeliveryAddress": {"SimpleAddress": "+15555550100"}}))["ContactChannelArn"]
    await op("DeactivateContactChannel", ContactChannelId=spare)
    await op("DeleteContactChannel", ContactChannelId=spare)
    await op("UpdateContact", ContactId=alice, Plan={"Stages": [{
        "DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
            "ContactChannelId": mail, "RetryIntervalInMinutes": 1}}]}]})
    await op("GetContact", ContactId=alice)
    await op("ListContacts", AliasPrefix="al")
    recurrence = {"NumberOfOnCalls": 1, "RecurrenceMultiplier": 1,
                  "DailySettings": [{"HourOfDay": 9, "MinuteOfHour": 0}]}
    rotation = (await op("CreateRotation", Name="db primary", ContactIds=[alice, bob],
                         StartTime=dt.datetime.fromtimestamp(now - 86400, dt.UTC),
                         TimeZoneId="Europe/London", Recurrence=recurrence))["RotationArn"]
    await op("GetRotation", RotationId=rotation)
    await op("ListRotations")
    await op("UpdateRotation", RotationId=rotation, Recurrence=recurrence,
             ContactIds=[bob, alice])
    window = {"StartTime": dt.datetime.fromtimestamp(now, dt.UTC),
              "EndTime": dt.datetime.fromtimestamp(now + 7 * 86400, dt.UTC)}
    await op("ListRotationShifts", RotationId=rotation, **window)
    await op("ListPreviewRotationShifts", Members=["alice", "bob"], TimeZoneId="UTC",
             Recurrence=recurrence, **window)
    override = (await op("CreateRotationOverride", RotationId=rotation, NewContactIds=[alice],
                         StartTime=dt.datetime.fromtimestamp(now + 86400, dt.UTC),
                         EndTime=dt.datetime.fromtimestamp(now + 2 * 86400, dt.UTC))
                )["RotationOverrideId"]
    await op("GetRotationOverride", RotationId=rotation, RotationOverrideId=override)
    await op("ListRotationOverrides", RotationId=rotation, **window)
    await op("DeleteRotationOverride", RotationId=rotation, RotationOverrideId=override)
    schedule = (await call("CreateContact", {"Alias": "db-schedule", "Type": "ONCALL_SCHEDULE",
                                             "Plan": {"RotationIds": [rotation]}}))["ContactArn"]
    escalation = (await call("CreateContact", {
        "Alias": "db-escalation", "Type": "ESCALATION", "Plan": {"Stages": [
            {"DurationInMinutes": 5, "Targets": [{"ContactTargetInfo": {
                "ContactId": alice, "IsEssential": True}}]},
            {"DurationInMinutes": 5, "Targets": [{"ContactTargetInfo": {
                "ContactId": schedule, "IsEssential": False}}]}]}}))["ContactArn"]
    await op("TagResource", ResourceARN=alice, Tags=[{"Key": "team", "Value": "db"}])
    await op("ListTagsForResource", ResourceARN=alice)
    await op("UntagResource", ResourceARN=alice, TagKeys=["team"])
    await op("PutContactPolicy", ContactArn=alice, Policy=codec.encode({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
            "AWS": "000000000001"}, "Action": "ssm-contacts:GetContact",
            "Resource": alice}]}).decode())
    await op("GetContactPolicy", ContactArn=alice)
    engagement = (await op("StartEngagement", ContactId=escalation, Sender="tests",
                           Subject="Database down", Content="Primary is not answering",
                           IdempotencyToken=uuid.uuid4().hex))["EngagementArn"]
    await op("DescribeEngagement", EngagementId=engagement)
    await op("ListEngagements")
    pages = (await op("ListPagesByEngagement", EngagementId=engagement))["Pages"]
    page = pages[0]["PageArn"]
    await op("ListPagesByContact", ContactId=alice)
    await op("DescribePage", PageId=page)
    await wait_for(lambda: any(p.page_arn == page for p in deliveries.pages))
    accept_code = next(p.accept_code for p in deliveries.pages if p.page_arn == page)
    await op("AcceptPage", PageId=page, AcceptType="READ", AcceptCode=accept_code)

    async def sent() -> bool:  # the provider's acceptance, reported by notifications
        receipts = (await call("ListPageReceipts", {"PageId": page}))["Receipts"]
        return any(r["ReceiptType"] == "SENT" for r in receipts)

    await wait_for(sent, timeout=20)
    await op("ListPageReceipts", PageId=page)
    await op("ListPageResolutions", PageId=page)
    await op("StopEngagement", EngagementId=engagement, Reason="resolved")
    await op("DeleteContact", ContactId=schedule)
    await op("DeleteRotation", RotationId=rotation)
    return out


@pytest.mark.parametrize("client", ["boto3", "grpc"])
class TestEveryContactsOperation:
    async def test_outputs_fit_the_model(self, client: str, tocsin: dict[str, Any],
                                         deliveries: Any) -> None:
        """All 39 ssm-contacts operations answer, each output fitting botocore's shape."""
        if client == "boto3":
            outputs = await drive_every_contacts_operation(
                boto3_caller(tocsin, "ssm-contacts"), deliveries)
        else:
            async with grpc.aio.insecure_channel(
            tocsin["grpc"], interceptors=tocsin["grpc_interceptors"]) as channel:
                outputs = await drive_every_contacts_operation(
                    grpc_caller(contacts_pb2_grpc.ContactsStub(channel), "ssm-contacts",
                                contacts_pb2), deliveries)
        assert set(outputs) == set(CONTACTS_MODEL.operation_names)
        for name, value in outputs.items():
            shape = CONTACTS_MODEL.operation_model(name).output_shape
            if shape is not None and isinstance(value, dict):
                check_shape(value, shape, name)
        receipts = [r["ReceiptType"] for r in outputs["ListPageReceipts"]["Receipts"]]
        assert "SENT" in receipts and "READ" in receipts
