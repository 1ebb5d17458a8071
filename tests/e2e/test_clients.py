"""Unchanged clients against a running Tocsin: boto3 over the AWS-compatible HTTP API, and
the generated gRPC stub."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from typing import Any

import boto3
import botocore.exceptions
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc as pb_grpc
from tocsin.shared.testing import wait_for

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"


def boto(service: str, tocsin: dict[str, Any], secret: str = SECRET) -> Any:
    return boto3.client(service, endpoint_url=tocsin["http"], region_name=tocsin["region"],
                        aws_access_key_id=KEY_ID, aws_secret_access_key=secret)


def incident_lifecycle_with_boto3(tocsin: dict[str, Any]) -> dict[str, Any]:
    """Create a plan, then start, get, list, update and resolve an incident."""
    client = boto("ssm-incidents", tocsin)
    client.create_replication_set(regions={tocsin["region"]: {}})
    plan = client.create_response_plan(
        name="checkout-errors", displayName="Checkout errors",
        incidentTemplate={"title": "Checkout errors", "impact": 2, "summary": "5xx on /pay"})
    assert plan["ResponseMetadata"]["HTTPStatusCode"] == 201
    got_plan = client.get_response_plan(arn=plan["arn"])
    assert got_plan["incidentTemplate"]["title"] == "Checkout errors"
    arn = client.start_incident(responsePlanArn=plan["arn"], impact=1)["incidentRecordArn"]
    record = client.get_incident_record(arn=arn)["incidentRecord"]
    listed = client.list_incident_records(filters=[
        {"key": "status", "condition": {"equals": {"stringValues": ["OPEN"]}}}])
    update = client.update_incident_record(arn=arn, summary="rolled back the deploy")
    resolve = client.update_incident_record(arn=arn, status="RESOLVED")
    resolved = client.get_incident_record(arn=arn)["incidentRecord"]
    return {"arn": arn, "record": record, "listed": listed, "update": update,
            "resolve": resolve, "resolved": resolved}


class TestBoto3:
    async def test_incident_lifecycle(self, tocsin: dict[str, Any]) -> None:
        """boto3, pointed at Tocsin, runs an incident from plan to resolution."""
        r = await asyncio.to_thread(incident_lifecycle_with_boto3, tocsin)
        assert r["record"]["status"] == "OPEN"
        assert r["record"]["impact"] == 1
        assert r["record"]["creationTime"].tzinfo is not None
        assert [s["arn"] for s in r["listed"]["incidentRecordSummaries"]] == [r["arn"]]
        assert r["update"]["ResponseMetadata"]["HTTPStatusCode"] == 204
        assert r["resolved"]["status"] == "RESOLVED"
        assert r["resolved"]["summary"] == "rolled back the deploy"
        assert r["resolved"]["resolvedTime"] >= r["resolved"]["creationTime"]

    async def test_errors_arrive_as_the_model_names_them(self, tocsin: dict[str, Any]) -> None:
        """A missing replication set, a missing plan and a bad signature surface as the AWS
        error codes botocore knows."""
        client = boto("ssm-incidents", tocsin)

        def codes() -> list[tuple[str, int]]:
            out = []
            for call in (lambda: client.list_response_plans(),
                         lambda: boto("ssm-incidents", tocsin, "wrong").list_response_plans()):
                try:
                    call()
                except botocore.exceptions.ClientError as e:
                    out.append((e.response["Error"]["Code"],
                                e.response["ResponseMetadata"]["HTTPStatusCode"]))
            client.create_replication_set(regions={tocsin["region"]: {}})
            try:
                client.get_response_plan(
                    arn="arn:tocsin:ssm-incidents::000000000000:response-plan/none")
            except botocore.exceptions.ClientError as e:
                out.append((e.response["Error"]["Code"],
                            e.response["ResponseMetadata"]["HTTPStatusCode"]))
            return out

        assert await asyncio.to_thread(codes) == [
            ("ValidationException", 400), ("InvalidSignatureException", 403),
            ("ResourceNotFoundException", 404)]

    async def test_healthz_names_the_services(self, tocsin: dict[str, Any]) -> None:
        """/healthz answers 200 naming each service and its instances."""
        def get() -> tuple[int, dict[str, Any]]:
            with urllib.request.urlopen(f"{tocsin['http']}/healthz", timeout=5) as resp:
                return resp.status, json.loads(resp.read())

        status, body = await asyncio.to_thread(get)
        assert status == 200
        assert len(body["services"]["incidents"]["instances"]) == 1
        assert body["services"]["gateway"]["instances"]


class TestGrpc:
    async def test_incident_lifecycle(self, tocsin: dict[str, Any]) -> None:
        """The generated stub runs an incident from plan to resolution."""
        async with grpc.aio.insecure_channel(
            tocsin["grpc"], interceptors=tocsin["grpc_interceptors"]) as channel:
            stub = pb_grpc.IncidentsStub(channel)
            await stub.CreateReplicationSet(pb.CreateReplicationSetRequest(
                regions={tocsin["region"]: pb.RegionMapInputValue()}))
            plan = await stub.CreateResponsePlan(pb.CreateResponsePlanRequest(
                name="checkout-errors", incident_template=pb.IncidentTemplate(
                    title="Checkout errors", impact=2)))
            started = await stub.StartIncident(pb.StartIncidentRequest(
                response_plan_arn=plan.arn, title="Checkout errors in eu"))
            arn = started.incident_record_arn
            got = await stub.GetIncidentRecord(pb.GetIncidentRecordRequest(arn=arn))
            assert got.incident_record.title == "Checkout errors in eu"
            assert got.incident_record.status == pb.INCIDENT_RECORD_STATUS_OPEN
            assert got.incident_record.creation_time.seconds > 0
            listed = await stub.ListIncidentRecords(pb.ListIncidentRecordsRequest())
            assert [s.arn for s in listed.incident_record_summaries] == [arn]
            await stub.UpdateIncidentRecord(pb.UpdateIncidentRecordRequest(
                arn=arn, status=pb.INCIDENT_RECORD_STATUS_RESOLVED))
            got = await stub.GetIncidentRecord(pb.GetIncidentRecordRequest(arn=arn))
            assert got.incident_record.status == pb.INCIDENT_RECORD_STATUS_RESOLVED
            assert got.incident_record.HasField("resolved_time")

    async def test_bad_input_is_invalid_argument(self, tocsin: dict[str, Any]) -> None:
        """A plan name outside the model's pattern is refused naming the member."""
        async with grpc.aio.insecure_channel(
            tocsin["grpc"], interceptors=tocsin["grpc_interceptors"]) as channel:
            stub = pb_grpc.IncidentsStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await stub.CreateResponsePlan(pb.CreateResponsePlanRequest(
                    name="has spaces", incident_template=pb.IncidentTemplate(
                        title="t", impact=2)))
            assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "name" in (caught.value.details() or "")

    async def test_health_service(self, tocsin: dict[str, Any]) -> None:
        """The standard gRPC health service reports SERVING once every service runs (it
        follows /healthz, and the notifications service starts after the gateway)."""
        async with grpc.aio.insecure_channel(
            tocsin["grpc"], interceptors=tocsin["grpc_interceptors"]) as channel:
            health = health_pb2_grpc.HealthStub(channel)

            async def serving() -> bool:
                reply = await health.Check(health_pb2.HealthCheckRequest(service=""))
                return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

            assert await wait_for(serving)
