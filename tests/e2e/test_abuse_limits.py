"""Abuse limits through the whole system: a principal's token bucket (ThrottlingException,
HTTP 429 with Retry-After, gRPC RESOURCE_EXHAUSTED with retry-after) shared by every face,
and at most TOCSIN_WATCH_LIMIT open WatchEvents streams per principal."""

from __future__ import annotations

import asyncio
from typing import Any

import boto3
import botocore.exceptions
import grpc
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from google.protobuf.message import Message  # type: ignore[import-untyped]

from tocsin.proto.events.v1 import events_pb2, events_pb2_grpc
from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc as pb_grpc

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
LIST_SETS = "/tocsin.incidents.v1.Incidents/ListReplicationSets"
WATCH = "/tocsin.events.v1.Events/WatchEvents"


def signed(method: str, message: Message, region: str) -> tuple[tuple[str, str], ...]:
    """SigV4 over ``POST <method>`` and the serialized message, as gRPC metadata."""
    request = AWSRequest(method="POST", url=f"http://tocsin.test{method}",
                         data=message.SerializeToString())
    SigV4Auth(Credentials(KEY_ID, SECRET), "tocsin", region).add_auth(request)
    return (*((k.lower(), v) for k, v in request.headers.items()), ("host", "tocsin.test"))


class TestThrottling:
    @pytest.fixture
    def tocsin_options(self) -> dict[str, dict[str, Any]]:
        return {"gateway": {"throttle_rate": 0.2, "throttle_burst": 3}}

    async def test_a_principal_beyond_its_rate_is_told_when_to_return(
            self, tocsin: dict[str, Any]) -> None:
        """Three calls fit the bucket; the fourth is ThrottlingException, HTTP 429 with
        Retry-After; the same principal over gRPC is RESOURCE_EXHAUSTED with retry-after
        (one bucket per principal, whatever the face)."""
        incidents = boto3.client("ssm-incidents", endpoint_url=tocsin["http"],
                                 region_name=tocsin["region"], aws_access_key_id=KEY_ID,
                                 aws_secret_access_key=SECRET,
                                 config=Config(retries={"total_max_attempts": 1}))
        for _ in range(3):
            await asyncio.to_thread(incidents.list_replication_sets)
        with pytest.raises(botocore.exceptions.ClientError) as throttled:
            await asyncio.to_thread(incidents.list_replication_sets)
        response = throttled.value.response
        assert response["Error"]["Code"] == "ThrottlingException"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
        retry_after = int(response["ResponseMetadata"]["HTTPHeaders"]["retry-after"])
        assert 1 <= retry_after <= 5
        request = pb.ListReplicationSetsRequest()
        async with grpc.aio.insecure_channel(tocsin["grpc"]) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await pb_grpc.IncidentsStub(channel).ListReplicationSets(
                    request, metadata=signed(LIST_SETS, request, tocsin["region"]))
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        trailing = dict(refused.value.trailing_metadata() or ())
        assert trailing["aws-error-code"] == "ThrottlingException"
        assert int(trailing["retry-after"]) >= 1


class TestWatchLimit:
    @pytest.fixture
    def tocsin_options(self) -> dict[str, dict[str, Any]]:
        return {"gateway": {"watch_limit": 1}}

    async def test_a_second_open_watch_is_refused_until_the_first_ends(
            self, tocsin: dict[str, Any]) -> None:
        request = events_pb2.WatchEventsRequest()
        async with grpc.aio.insecure_channel(tocsin["grpc"]) as channel:
            stub = events_pb2_grpc.EventsStub(channel)
            first = stub.WatchEvents(request, metadata=signed(WATCH, request,
                                                              tocsin["region"]))
            await first.initial_metadata()
            second = stub.WatchEvents(request, metadata=signed(WATCH, request,
                                                               tocsin["region"]))
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                async for _ in second:
                    pass
            assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert "TOCSIN_WATCH_LIMIT" in (refused.value.details() or "")
            first.cancel()
            # Once the first has ended, a new watch is taken again (its limit freed).
            for _ in range(100):
                third = stub.WatchEvents(request, metadata=signed(WATCH, request,
                                                                  tocsin["region"]))
                try:
                    await asyncio.wait_for(third.read(), 0.3)
                except TimeoutError:
                    third.cancel()
                    return  # open and waiting for events: accepted
                except grpc.aio.AioRpcError as exc:
                    assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
                    await asyncio.sleep(0.05)
            raise AssertionError("the first watch's place was never freed")


class TestConcurrentCalls:
    @pytest.fixture
    def tocsin_options(self) -> dict[str, dict[str, Any]]:
        return {"gateway": {"grpc_max_concurrent_rpcs": 1}}

    async def test_a_call_beyond_the_server_limit_is_resource_exhausted(
            self, tocsin: dict[str, Any]) -> None:
        """With TOCSIN_GRPC_MAX_CONCURRENT_RPCS=1, an open watch takes the one place: a
        unary call meanwhile is RESOURCE_EXHAUSTED, and goes through once the watch ends."""
        watch = events_pb2.WatchEventsRequest()
        request = pb.ListReplicationSetsRequest()
        async with grpc.aio.insecure_channel(tocsin["grpc"]) as channel:
            stub = pb_grpc.IncidentsStub(channel)
            first = events_pb2_grpc.EventsStub(channel).WatchEvents(
                watch, metadata=signed(WATCH, watch, tocsin["region"]))
            await first.initial_metadata()
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.ListReplicationSets(
                    request, metadata=signed(LIST_SETS, request, tocsin["region"]))
            assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            first.cancel()
            for _ in range(100):
                try:
                    await stub.ListReplicationSets(
                        request, metadata=signed(LIST_SETS, request, tocsin["region"]))
                    return
                except grpc.aio.AioRpcError as exc:
                    assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
                    await asyncio.sleep(0.05)
            raise AssertionError("the watch's place was never freed")
