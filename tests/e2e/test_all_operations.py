"""Every one of the 31 ssm-incidents operations, driven through boto3 and through the gRPC
stub against a running Tocsin, with each output checked against botocore's output shape."""

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
from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc as pb_grpc
from tocsin.shared import codec

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
MODEL = botocore.session.get_session().get_service_model("ssm-incidents")

Call = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


class Refused(Exception):
    """An operation answered with an error: its AWS code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def boto3_caller(tocsin: dict[str, Any]) -> Call:
    client = boto3.client("ssm-incidents", endpoint_url=tocsin["http"],
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


def grpc_caller(stub: pb_grpc.IncidentsStub) -> Call:
    model = awsmodel.load("ssm-incidents")

    async def call(operation: str, params: dict[str, Any]) -> dict[str, Any]:
        wire = codec.decode(codec.encode(_epochs(params)), dict[str, Any]) if params else {}
        request = protoconv.from_result(_epochs(wire), getattr(pb, f"{operation}Request"))
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
            async with grpc.aio.insecure_channel(tocsin["grpc"]) as channel:
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
