"""The gateway's gRPC server, driven through the generated stub against a fake service client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
import pytest_asyncio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tocsin.gateway.app import build_access
from tocsin.gateway.grpc_server import SERVICE_NAME, GrpcGateway
from tocsin.gateway.grpcsign import SigV4Signer
from tocsin.gateway.settings import Settings
from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc
from tocsin.shared.errors import ConflictError, NotFoundError

PLAN_ARN = "arn:tocsin:ssm-incidents::000000000000:response-plan/web"
INCIDENT_ARN = "arn:tocsin:ssm-incidents::000000000000:incident-record/web/0123456789abcdef"
KEY_ID, SECRET = "AKIDGRPCTEST", "grpc-test-secret"


@dataclass
class Call:
    api: str
    operation: str
    params: dict[str, Any]
    principal: str
    request_id: str


@dataclass
class FakeClient:
    """Answers each operation with a canned dict, or raises what it was told to."""

    answers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)

    async def call(
        self, api: str, operation: str, params: dict[str, Any], *, principal: str, request_id: str
    ) -> dict[str, Any]:
        self.calls.append(Call(api, operation, params, principal, request_id))
        answer = self.answers.get(operation)
        return answer(params) if answer is not None else {}


@dataclass
class Running:
    gateway: GrpcGateway
    client: FakeClient
    channel: grpc.aio.Channel

    @property
    def stub(self) -> incidents_pb2_grpc.IncidentsStub:
        return incidents_pb2_grpc.IncidentsStub(self.channel)


@pytest_asyncio.fixture
async def running() -> AsyncIterator[Running]:
    client = FakeClient()
    settings = Settings(grpc_addr="127.0.0.1:0", shutdown_grace=1.0,
                        access_keys=f"{KEY_ID}:{SECRET}")
    gateway = GrpcGateway(settings, build_access(settings, client), None, instance="test")
    stop = asyncio.Event()
    task = asyncio.create_task(gateway(stop))
    await asyncio.wait_for(gateway.started.wait(), timeout=10)
    signer = SigV4Signer(KEY_ID, SECRET, region=settings.region)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{gateway.port}",
                                         interceptors=signer.interceptors()) as channel:
        yield Running(gateway, client, channel)
    stop.set()
    await asyncio.wait_for(task, timeout=10)


def raise_(exc: Exception) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def answer(_: dict[str, Any]) -> dict[str, Any]:
        raise exc

    return answer


class TestCalls:
    async def test_call_reaches_the_service_and_returns_its_converted_output(
        self, running: Running
    ) -> None:
        """StartIncident sends the AWS-shaped input to ssm-incidents and answers with the
        converted output."""
        running.client.answers["StartIncident"] = lambda p: {"incidentRecordArn": INCIDENT_ARN}
        response = await running.stub.StartIncident(
            pb.StartIncidentRequest(response_plan_arn=PLAN_ARN, title="Checkout is down", impact=2)
        )
        assert response == pb.StartIncidentResponse(incident_record_arn=INCIDENT_ARN)
        [call] = running.client.calls
        assert (call.api, call.operation) == ("ssm-incidents", "StartIncident")
        assert call.params == {
            "responsePlanArn": PLAN_ARN,
            "title": "Checkout is down",
            "impact": 2,
        }
        assert call.principal == f"arn:tocsin:iam::000000000000:user/{KEY_ID}"

    async def test_nested_output_is_converted(self, running: Running) -> None:
        """GetIncidentRecord's timestamps and enum strings arrive as Timestamp and enum."""
        running.client.answers["GetIncidentRecord"] = lambda p: {
            "incidentRecord": {
                "arn": p["arn"],
                "title": "t",
                "impact": 3,
                "status": "OPEN",
                "dedupeString": "",
                "creationTime": 1_700_000_000,
                "lastModifiedTime": 1_700_000_000.5,
                "lastModifiedBy": "x",
                "incidentRecordSource": {"createdBy": "x", "source": "s"},
            }
        }
        response = await running.stub.GetIncidentRecord(
            pb.GetIncidentRecordRequest(arn=INCIDENT_ARN)
        )
        record = response.incident_record
        assert record.status == pb.INCIDENT_RECORD_STATUS_OPEN
        assert (record.last_modified_time.seconds, record.last_modified_time.nanos) == (
            1_700_000_000,
            500_000_000,
        )

    async def test_empty_output_is_an_empty_response(self, running: Running) -> None:
        """An operation without output answers with its empty response message."""
        response = await running.stub.DeleteResponsePlan(pb.DeleteResponsePlanRequest(arn=PLAN_ARN))
        assert response == pb.DeleteResponsePlanResponse()

    async def test_request_id_is_taken_from_metadata_and_echoed(self, running: Running) -> None:
        """The caller's x-request-id reaches the service and comes back in the trailing metadata."""
        call = running.stub.DeleteResponsePlan(
            pb.DeleteResponsePlanRequest(arn=PLAN_ARN), metadata=(("x-request-id", "req-42"),)
        )
        await call
        assert dict(await call.trailing_metadata())["x-request-id"] == "req-42"
        assert running.client.calls[-1].request_id == "req-42"

    async def test_request_id_is_made_when_absent(self, running: Running) -> None:
        """Without x-request-id the gateway makes one, sends it on and returns it."""
        call = running.stub.DeleteResponsePlan(pb.DeleteResponsePlanRequest(arn=PLAN_ARN))
        await call
        request_id = dict(await call.trailing_metadata())["x-request-id"]
        assert len(request_id) == 32 and running.client.calls[-1].request_id == request_id


class TestErrors:
    @pytest.mark.parametrize(
        ("error", "status", "aws_code"),
        [
            (
                NotFoundError("Response plan web not found"),
                grpc.StatusCode.NOT_FOUND,
                "ResourceNotFoundException",
            ),
            (
                ConflictError("already exists"),
                grpc.StatusCode.FAILED_PRECONDITION,
                "ConflictException",
            ),
        ],
    )
    async def test_tocsin_error_maps_to_its_status_and_aws_code(
        self, running: Running, error: Exception, status: grpc.StatusCode, aws_code: str
    ) -> None:
        """A TocsinError from the service ends the call with its gRPC status, its message
        and the trailing metadata aws-error-code."""
        running.client.answers["StartIncident"] = raise_(error)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await running.stub.StartIncident(pb.StartIncidentRequest(response_plan_arn=PLAN_ARN))
        assert info.value.code() == status
        assert info.value.details() == str(error)
        assert dict(info.value.trailing_metadata())["aws-error-code"] == aws_code

    async def test_invalid_input_is_refused_before_the_service(self, running: Running) -> None:
        """Input the model rejects is INVALID_ARGUMENT with ValidationException, and the
        service is never called."""
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await running.stub.StartIncident(
                pb.StartIncidentRequest(response_plan_arn=PLAN_ARN, impact=9)
            )
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "impact" in (info.value.details() or "")
        assert dict(info.value.trailing_metadata())["aws-error-code"] == "ValidationException"
        assert running.client.calls == []

    @pytest.mark.expected_error_logs('grpc\\.failed')
    async def test_unexpected_exception_is_internal_with_a_generic_message(
        self, running: Running
    ) -> None:
        """A crash is INTERNAL and does not leak the exception's text."""
        running.client.answers["StartIncident"] = raise_(RuntimeError("secret detail"))
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await running.stub.StartIncident(pb.StartIncidentRequest(response_plan_arn=PLAN_ARN))
        assert info.value.code() == grpc.StatusCode.INTERNAL
        assert "secret" not in (info.value.details() or "")

    @pytest.mark.expected_error_logs('grpc\\.failed')
    async def test_output_that_does_not_fit_is_internal(self, running: Running) -> None:
        """A service answer the response message cannot hold is INTERNAL."""
        running.client.answers["GetIncidentRecord"] = lambda p: {
            "incidentRecord": {"status": "SNOOZED"}
        }
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await running.stub.GetIncidentRecord(pb.GetIncidentRecordRequest(arn=INCIDENT_ARN))
        assert info.value.code() == grpc.StatusCode.INTERNAL


class TestReflectionAndHealth:
    async def test_reflection_lists_the_services(self, running: Running) -> None:
        """Server reflection lists the incidents service, health and reflection itself."""
        stub = reflection_pb2_grpc.ServerReflectionStub(running.channel)

        async def requests() -> AsyncIterator[reflection_pb2.ServerReflectionRequest]:
            yield reflection_pb2.ServerReflectionRequest(list_services="")

        async for reply in stub.ServerReflectionInfo(requests()):
            names = {s.name for s in reply.list_services_response.service}
            break
        assert {
            SERVICE_NAME,
            "grpc.health.v1.Health",
            "grpc.reflection.v1alpha.ServerReflection",
        } <= names

    async def test_reflection_describes_the_service_file(self, running: Running) -> None:
        """Reflection serves the file that defines tocsin.incidents.v1.Incidents."""
        stub = reflection_pb2_grpc.ServerReflectionStub(running.channel)

        async def requests() -> AsyncIterator[reflection_pb2.ServerReflectionRequest]:
            yield reflection_pb2.ServerReflectionRequest(file_containing_symbol=SERVICE_NAME)

        async for reply in stub.ServerReflectionInfo(requests()):
            assert reply.file_descriptor_response.file_descriptor_proto
            break

    @pytest.mark.parametrize("service", ["", SERVICE_NAME])
    async def test_health_answers_serving(self, running: Running, service: str) -> None:
        """The standard health service reports SERVING for the server and the service."""
        stub = health_pb2_grpc.HealthStub(running.channel)
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=service))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


class TestLifecycle:
    async def test_stop_ends_the_worker_and_refuses_a_second_run(self) -> None:
        """Setting the stop event shuts the server down; the same gateway cannot run again."""
        gateway = GrpcGateway(
            Settings(grpc_addr="127.0.0.1:0", shutdown_grace=0.5),
            build_access(Settings(grpc_addr="127.0.0.1:0"), FakeClient()),
            None,
            instance="test",
        )
        stop = asyncio.Event()
        task = asyncio.create_task(gateway(stop))
        await asyncio.wait_for(gateway.started.wait(), timeout=10)
        assert gateway.port > 0
        stop.set()
        await asyncio.wait_for(task, timeout=10)
        with pytest.raises(RuntimeError):
            await gateway(stop)
