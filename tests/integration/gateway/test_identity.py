"""Who a request is for: the region its credential is scoped to and the service it is meant
for, over the HTTP API (boto3) and gRPC (SigV4-signed metadata), against a fake service
client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import boto3
import grpc
import pytest
import pytest_asyncio
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from google.protobuf.message import Message  # type: ignore[import-untyped]

from tocsin.gateway import rules
from tocsin.gateway.app import build_access
from tocsin.gateway.grpc_server import GrpcGateway
from tocsin.gateway.http import HttpGateway
from tocsin.gateway.settings import Settings
from tocsin.proto.events.v1 import events_pb2, events_pb2_grpc
from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc
from tocsin.shared import codec
from tocsin.shared.bus import Bus, ensure_stream, events_stream

KEY_ID, SECRET = "AKIDIDENTITY", "identity-secret"
PLAN_ARN = "arn:tocsin:ssm-incidents::000000000000:response-plan/web"
LIST_PLANS = "/tocsin.incidents.v1.Incidents/ListResponsePlans"


@dataclass
class FakeServices:
    calls: list[dict[str, Any]] = field(default_factory=list)

    async def call(self, api: str, operation: str, params: dict[str, Any], *,
                   principal: str, request_id: str) -> dict[str, Any]:
        self.calls.append({"api": api, "operation": operation, "principal": principal})
        return {}


@dataclass
class Gateway:
    url: str
    grpc: str
    fake: FakeServices

    def boto(self, api: str, region: str = "local-1") -> Any:
        return boto3.client(api, endpoint_url=self.url, region_name=region,
                            aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET,
                            config=Config(retries={"total_max_attempts": 1}))


@pytest_asyncio.fixture
async def gw() -> AsyncIterator[Gateway]:
    settings = Settings(http_addr="127.0.0.1:0", grpc_addr="127.0.0.1:0",
                        access_keys=f"{KEY_ID}:{SECRET}", shutdown_grace=1)
    fake = FakeServices()
    access = build_access(settings, fake)  # type: ignore[arg-type]
    http_gw = HttpGateway(settings, access, None, instance="test")
    rules.add_routes(http_gw.app, access)
    grpc_gw = GrpcGateway(settings, access, None, instance="test")
    stop = asyncio.Event()
    tasks = [asyncio.create_task(http_gw(stop)), asyncio.create_task(grpc_gw(stop))]
    await asyncio.wait_for(asyncio.gather(http_gw.started.wait(), grpc_gw.started.wait()), 10)
    try:
        yield Gateway(f"http://127.0.0.1:{http_gw.port}", f"127.0.0.1:{grpc_gw.port}", fake)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)


async def client_error(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as info:
        await asyncio.to_thread(call, **kwargs)
    response: dict[str, Any] = info.value.response
    return response


class TestWrongRegionOverHttp:
    @pytest.mark.parametrize(("api", "operation"), [
        ("ssm-incidents", "list_response_plans"), ("ssm-contacts", "list_contacts")])
    async def test_refused_naming_the_region_served(self, gw: Gateway, api: str,
                                                    operation: str) -> None:
        """A client left on us-east-1 is refused as AWS refuses a credential scoped to the
        wrong region, and is told the region this deployment serves; nothing is served."""
        error = await client_error(getattr(gw.boto(api, region="us-east-1"), operation))
        assert error["Error"]["Code"] == "InvalidSignatureException"
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
        message = error["Error"]["Message"]
        assert message.startswith(
            "Credential should be scoped to a valid region, not 'us-east-1'. ")
        assert "'local-1'" in message
        assert gw.fake.calls == []

    async def test_the_served_region_is_served(self, gw: Gateway) -> None:
        await asyncio.to_thread(gw.boto("ssm-incidents").list_response_plans)
        assert [c["operation"] for c in gw.fake.calls] == ["ListResponsePlans"]

    async def test_tocsin_json_api_checks_the_region_too(self, gw: Gateway) -> None:
        """/v1/rules (signing name tocsin) refuses another region the same way."""
        url = f"{gw.url}/v1/rules"
        request = AWSRequest(method="GET", url=url)
        SigV4Auth(Credentials(KEY_ID, SECRET), "tocsin", "eu-west-1").add_auth(request)
        async with aiohttp.ClientSession() as session, session.get(
                url, headers=dict(request.headers.items())) as response:
            body = await response.json()
        assert response.status == 403
        assert response.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
        assert "not 'eu-west-1'" in body["message"]
        assert gw.fake.calls == []


class TestOtherServicesOverHttp:
    async def test_events_list_rules_is_an_unknown_operation(self, gw: Gateway) -> None:
        """``aws events list-rules`` pointed at Tocsin answers UnknownOperationException
        naming what Tocsin serves, not a signing-scope error."""
        error = await client_error(gw.boto("events").list_rules)
        assert error["Error"]["Code"] == "UnknownOperationException"
        message = error["Error"]["Message"]
        assert "AWSEvents.ListRules" in message
        assert "ssm-incidents" in message and "ssm-contacts" in message
        assert "/v1/rules" in message
        assert gw.fake.calls == []

    async def test_rest_path_signed_for_another_service(self, gw: Gateway) -> None:
        """A request on an ssm-incidents path signed for another service (a client of
        another rest-json API) is an unknown operation naming that service."""
        url = f"{gw.url}/listResponsePlans"
        request = AWSRequest(method="POST", url=url, data=b"{}")
        SigV4Auth(Credentials(KEY_ID, SECRET), "lambda", "local-1").add_auth(request)
        async with aiohttp.ClientSession() as session, session.post(
                url, data=b"{}", headers=dict(request.headers.items())) as response:
            body = await response.json()
        assert response.headers["x-amzn-ErrorType"] == "UnknownOperationException"
        assert "'lambda'" in body["message"]

    async def test_missing_target_is_an_unknown_operation(self, gw: Gateway) -> None:
        url = f"{gw.url}/"
        request = AWSRequest(method="POST", url=url, data=b"{}",
                             headers={"Content-Type": "application/x-amz-json-1.1"})
        SigV4Auth(Credentials(KEY_ID, SECRET), "ssm-contacts", "local-1").add_auth(request)
        async with aiohttp.ClientSession() as session, session.post(
                url, data=b"{}", headers=dict(request.headers.items())) as response:
            body = json.loads(await response.read())
        assert body["__type"] == "UnknownOperationException"
        assert "SSMContacts.<Operation>" in body["Message"]

    async def test_wrong_served_service_is_still_a_scope_error(self, gw: Gateway) -> None:
        """ssm-contacts' endpoint signed for ssm-incidents (a service Tocsin serves) keeps
        AWS's answer: the credential should be scoped to ssm-contacts."""
        url = f"{gw.url}/"
        headers = {"Content-Type": "application/x-amz-json-1.1",
                   "X-Amz-Target": "SSMContacts.ListContacts"}
        request = AWSRequest(method="POST", url=url, data=b"{}", headers=headers)
        SigV4Auth(Credentials(KEY_ID, SECRET), "ssm-incidents", "local-1").add_auth(request)
        async with aiohttp.ClientSession() as session, session.post(
                url, data=b"{}", headers=dict(request.headers.items())) as response:
            body = json.loads(await response.read())
        assert body["__type"] == "InvalidSignatureException"
        assert "'ssm-contacts'" in body["Message"]


def signed_metadata(method: str, message: Message, *, region: str = "local-1",
                    secret: str = SECRET, service: str = "ssm-incidents"
                    ) -> tuple[tuple[str, str], ...]:
    """SigV4 over ``POST <method>`` with the serialized message as the body, signed by
    botocore, as gRPC metadata."""
    request = AWSRequest(method="POST", url=f"http://tocsin.test{method}",
                         data=message.SerializeToString())
    SigV4Auth(Credentials(KEY_ID, secret), service, region).add_auth(request)
    return (*((k.lower(), v) for k, v in request.headers.items()), ("host", "tocsin.test"))


async def grpc_failure(gw: Gateway, message: Message,
                       metadata: tuple[tuple[str, str], ...]) -> grpc.aio.AioRpcError:
    async with grpc.aio.insecure_channel(gw.grpc) as channel:
        stub = incidents_pb2_grpc.IncidentsStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.ListResponsePlans(message, metadata=metadata)
    return info.value


class TestGrpcSignatures:
    async def test_signed_call_acts_as_its_signer(self, gw: Gateway) -> None:
        request = pb.ListResponsePlansRequest(max_results=5)
        async with grpc.aio.insecure_channel(gw.grpc) as channel:
            await incidents_pb2_grpc.IncidentsStub(channel).ListResponsePlans(
                request, metadata=signed_metadata(LIST_PLANS, request))
        assert [c["principal"] for c in gw.fake.calls] == [
            f"arn:tocsin:iam::000000000000:user/{KEY_ID}"]

    async def test_wrong_region_is_refused_naming_the_region_served(self, gw: Gateway) -> None:
        request = pb.ListResponsePlansRequest()
        failure = await grpc_failure(
            gw, request, signed_metadata(LIST_PLANS, request, region="us-east-1"))
        assert failure.code() == grpc.StatusCode.UNAUTHENTICATED
        assert dict(failure.trailing_metadata() or ())["aws-error-code"] == \
            "InvalidSignatureException"
        details = failure.details() or ""
        assert "not 'us-east-1'" in details and "'local-1'" in details
        assert gw.fake.calls == []

    async def test_signature_covers_the_request(self, gw: Gateway) -> None:
        """A signature made for one request does not let another through."""
        metadata = signed_metadata(LIST_PLANS, pb.ListResponsePlansRequest(max_results=5))
        failure = await grpc_failure(gw, pb.ListResponsePlansRequest(max_results=6), metadata)
        assert failure.code() == grpc.StatusCode.UNAUTHENTICATED
        assert gw.fake.calls == []

    async def test_wrong_secret_is_refused(self, gw: Gateway) -> None:
        request = pb.ListResponsePlansRequest()
        failure = await grpc_failure(
            gw, request, signed_metadata(LIST_PLANS, request, secret="wrong"))
        assert failure.code() == grpc.StatusCode.UNAUTHENTICATED

    async def test_unsigned_call_is_unauthenticated(self, gw: Gateway) -> None:
        """No call runs unsigned: it ends UNAUTHENTICATED before reaching any service."""
        failure = await grpc_failure(gw, pb.ListResponsePlansRequest(), ())
        assert failure.code() == grpc.StatusCode.UNAUTHENTICATED
        assert dict(failure.trailing_metadata() or ())["aws-error-code"] == \
            "AccessDeniedException"
        assert gw.fake.calls == []

    async def test_signature_without_host_signed_is_refused(self, gw: Gateway) -> None:
        """host and x-amz-date must be among the signed headers."""
        request = pb.ListResponsePlansRequest()
        metadata = tuple(
            (k, v.replace("SignedHeaders=host;x-amz-date", "SignedHeaders=x-amz-date"))
            for k, v in signed_metadata(LIST_PLANS, request))
        failure = await grpc_failure(gw, request, metadata)
        assert failure.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "host" in (failure.details() or "")
        assert gw.fake.calls == []

    async def test_unsigned_watch_is_unauthenticated(self, watching: str) -> None:
        request = events_pb2.WatchEventsRequest(from_beginning=True)
        async with grpc.aio.insecure_channel(watching) as channel:
            call = events_pb2_grpc.EventsStub(channel).WatchEvents(request)
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await asyncio.wait_for(call.read(), 10)
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED


WATCH = "/tocsin.events.v1.Events/WatchEvents"


@pytest_asyncio.fixture
async def watching(bus: Bus, isolation: dict[str, str]) -> AsyncIterator[str]:
    """A gateway serving WatchEvents over a stream holding one event; its gRPC address."""
    region = isolation["region"]
    await ensure_stream(bus.js, events_stream(region))
    envelope = codec.make_envelope(type="IncidentRecordCreated", service="incidents",
                                   region=region, data={"n": 1})
    await bus.publish(envelope.subject, codec.encode(envelope), msg_id=envelope.id)
    settings = Settings(grpc_addr="127.0.0.1:0", access_keys=f"{KEY_ID}:{SECRET}",
                        shutdown_grace=1, region=region)
    gateway = GrpcGateway(settings, build_access(settings, FakeServices()), bus, instance="test")
    stop = asyncio.Event()
    task = asyncio.create_task(gateway(stop))
    await asyncio.wait_for(gateway.started.wait(), 10)
    try:
        yield f"127.0.0.1:{gateway.port}"
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


class TestGrpcStreamSignatures:
    async def test_signed_watch_streams(self, watching: str, isolation: dict[str, str]) -> None:
        """A server-streaming call signed for the deployment's region streams as usual."""
        request = events_pb2.WatchEventsRequest(from_beginning=True)
        metadata = signed_metadata(WATCH, request, region=isolation["region"],
                                   service="tocsin")
        async with grpc.aio.insecure_channel(watching) as channel:
            call = events_pb2_grpc.EventsStub(channel).WatchEvents(request, metadata=metadata)
            first = await asyncio.wait_for(call.read(), 10)
            call.cancel()
        assert first.type == "IncidentRecordCreated"

    async def test_watch_signed_for_another_region_is_refused(self, watching: str) -> None:
        request = events_pb2.WatchEventsRequest(from_beginning=True)
        metadata = signed_metadata(WATCH, request, region="us-east-1", service="tocsin")
        async with grpc.aio.insecure_channel(watching) as channel:
            call = events_pb2_grpc.EventsStub(channel).WatchEvents(request, metadata=metadata)
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await asyncio.wait_for(call.read(), 10)
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "not 'us-east-1'" in (info.value.details() or "")
