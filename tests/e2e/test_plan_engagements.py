"""A response plan engages only contacts that exist, over both doors (boto3 on the
AWS-compatible HTTP API, and the generated gRPC stub), and a contact a plan engages is
not deleted."""

from __future__ import annotations

import asyncio
from typing import Any

import boto3
import botocore.exceptions
import grpc
import pytest

from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc as pb_grpc

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"


def clients(tocsin: dict[str, Any]) -> tuple[Any, Any]:
    kw = {"endpoint_url": tocsin["http"], "region_name": tocsin["region"],
          "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}
    return boto3.client("ssm-incidents", **kw), boto3.client("ssm-contacts", **kw)


async def test_unknown_engagements_are_refused_over_http_and_grpc(
        tocsin: dict[str, Any]) -> None:
    incidents, contacts = clients(tocsin)
    missing = f"arn:tocsin:ssm-contacts:{tocsin['region']}:000000000000:contact/nobody"

    def http() -> tuple[str, botocore.exceptions.ClientError]:
        incidents.create_replication_set(regions={tocsin["region"]: {}})
        alice = contacts.create_contact(Alias="alice", Type="PERSONAL",
                                        Plan={"Stages": []})["ContactArn"]
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            incidents.create_response_plan(
                name="db", incidentTemplate={"title": "Database down", "impact": 2},
                engagements=[alice, missing])
        return alice, caught.value

    alice, error = await asyncio.to_thread(http)
    assert error.response["Error"]["Code"] == "ValidationException"
    assert error.response["Error"]["Message"] == \
        f"engagements[1]: contact {missing} does not exist"

    async with grpc.aio.insecure_channel(
            tocsin["grpc"], interceptors=tocsin["grpc_interceptors"]) as channel:
        stub = pb_grpc.IncidentsStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.CreateResponsePlan(pb.CreateResponsePlanRequest(
                name="db", incident_template=pb.IncidentTemplate(title="t", impact=2),
                engagements=[missing]))
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert f"engagements[0]: contact {missing} does not exist" in (
            caught.value.details() or "")
        plan = await stub.CreateResponsePlan(pb.CreateResponsePlanRequest(
            name="db", incident_template=pb.IncidentTemplate(title="t", impact=2),
            engagements=[alice]))

    def delete() -> botocore.exceptions.ClientError:
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            contacts.delete_contact(ContactId=alice)
        return caught.value

    refused = await asyncio.to_thread(delete)
    assert refused.response["Error"]["Code"] == "ConflictException"
    assert refused.response["DependentEntities"] == [
        {"RelationType": "RESPONSE_PLAN_ENGAGEMENT", "DependentResourceIds": [plan.arn]}]
