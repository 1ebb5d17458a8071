"""Bad input over gRPC: INVALID_ARGUMENT naming the member, never INTERNAL."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from tocsin.proto.incidents.v1 import incidents_pb2 as pb

from .test_grpc import INCIDENT_ARN, Running
from .test_grpc import running as running  # the fixture

AWS_ERROR_CODE = "aws-error-code"


def refusal(exc: grpc.aio.AioRpcError) -> tuple[grpc.StatusCode, str, str]:
    codes = dict(exc.trailing_metadata() or ())
    return exc.code(), str(codes.get(AWS_ERROR_CODE)), exc.details() or ""


@pytest.mark.parametrize("seconds", [-62135596800, -1, 253402300800, 2**62])
async def test_out_of_range_event_time(running: Running, seconds: int) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await running.stub.CreateTimelineEvent(pb.CreateTimelineEventRequest(
            incident_record_arn=INCIDENT_ARN, event_time=Timestamp(seconds=seconds),
            event_type="Note", event_data="x"))
    code, aws_code, details = refusal(caught.value)
    assert (code, aws_code) == (grpc.StatusCode.INVALID_ARGUMENT, "ValidationException")
    assert "'eventTime'" in details
    assert running.client.calls == []


async def test_nul_in_text(running: Running) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await running.stub.CreateTimelineEvent(pb.CreateTimelineEventRequest(
            incident_record_arn=INCIDENT_ARN, event_time=Timestamp(seconds=1_700_000_000),
            event_type="Note", event_data="a\x00b"))
    code, aws_code, details = refusal(caught.value)
    assert (code, aws_code) == (grpc.StatusCode.INVALID_ARGUMENT, "ValidationException")
    assert "'eventData'" in details and "NUL" in details


@pytest.mark.parametrize("data", [b"\xff\xff\xff", b"\x0a" * 5000])
async def test_undecodable_message(running: Running, data: bytes) -> None:
    """Bytes that are no request message (garbage, nesting past protobuf's limit)."""
    call = running.channel.unary_unary(
        "/tocsin.incidents.v1.Incidents/CreateTimelineEvent",
        request_serializer=lambda b: b, response_deserializer=lambda b: b)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call(data)
    code, aws_code, details = refusal(caught.value)
    assert (code, aws_code) == (grpc.StatusCode.INVALID_ARGUMENT, "ValidationException")
    assert "CreateTimelineEvent" in details
