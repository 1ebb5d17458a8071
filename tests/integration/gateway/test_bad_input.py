"""Bad input at the HTTP gateway: each answer is a 4xx in the JSON error shape botocore
parses, naming the member at fault, and nothing reaches a service (no 500)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .test_http import Gateway, raw
from .test_http import gateway as gateway  # the fixtures
from .test_http import gw as gw

INCIDENT_ARN = "arn:tocsin:ssm-incidents::000000000000:incident-record/web/6ebcc812"
CONTACT_ARN = "arn:tocsin:ssm-contacts:local-1:000000000000:contact/alice"
JSON = {"Content-Type": "application/json"}


def contacts_headers(operation: str) -> dict[str, str]:
    return {"X-Amz-Target": f"SSMContacts.{operation}",
            "Content-Type": "application/x-amz-json-1.1"}


def error(headers: dict[str, str], body: bytes) -> tuple[str, str]:
    """The error code and message as botocore's JSON parsers read them."""
    payload = json.loads(body)
    code = payload.get("__type") or headers.get("x-amzn-ErrorType", "")
    return code, payload.get("message", payload.get("Message", ""))


def timeline_event(event_time: Any) -> bytes:
    return json.dumps({"incidentRecordArn": INCIDENT_ARN, "eventTime": event_time,
                       "eventType": "Note", "eventData": "x"}).encode()


class TestTimestamps:
    @pytest.mark.parametrize("event_time", [-62135596800, -1, 253402300800, 1e20, 1e30,
                                            "0001-01-01T00:00:00Z"])
    async def test_out_of_range_event_time(self, gw: Gateway, event_time: Any) -> None:
        """A timeline event time before 1970 or after year 9999 is refused at the door."""
        status, headers, body = await raw(gw, "POST", "/createTimelineEvent",
                                          timeline_event(event_time), headers=JSON)
        code, message = error(headers, body)
        assert (status, code) == (400, "ValidationException")
        assert "'eventTime'" in message and "1970-01-01T00:00:00Z" in message
        assert gw.fake.calls == []

    async def test_trigger_timestamp(self, gw: Gateway) -> None:
        status, headers, body = await raw(gw, "POST", "/startIncident", json.dumps({
            "responsePlanArn": "arn:tocsin:ssm-incidents::000000000000:response-plan/web",
            "triggerDetails": {"source": "x", "timestamp": -62135596800}}).encode(),
            headers=JSON)
        code, message = error(headers, body)
        assert (status, code) == (400, "ValidationException")
        assert "triggerDetails.timestamp" in message

    async def test_engagement_time_range(self, gw: Gateway) -> None:
        status, headers, body = await raw(gw, "POST", "/", json.dumps({
            "TimeRangeValue": {"StartTime": 1e20}}).encode(), service="ssm-contacts",
            headers=contacts_headers("ListEngagements"))
        code, message = error(headers, body)
        assert (status, code) == (400, "ValidationException")
        assert "TimeRangeValue.StartTime" in message

    async def test_filter_timestamp(self, gw: Gateway) -> None:
        status, headers, body = await raw(gw, "POST", "/listIncidentRecords", json.dumps({
            "filters": [{"key": "creationTime",
                         "condition": {"before": 1e30}}]}).encode(), headers=JSON)
        code, message = error(headers, body)
        assert (status, code) == (400, "ValidationException")
        assert "filters.1.condition.before" in message


class TestNul:
    async def test_nul_in_text(self, gw: Gateway) -> None:
        status, headers, body = await raw(gw, "POST", "/createTimelineEvent", json.dumps({
            "incidentRecordArn": INCIDENT_ARN, "eventTime": 1700000000,
            "eventType": "Note", "eventData": "a\u0000b"}).encode(), headers=JSON)
        code, message = error(headers, body)
        assert (status, code) == (400, "ValidationException")
        assert "'eventData'" in message and "NUL" in message
        assert "\x00" not in message
        assert gw.fake.calls == []

    async def test_nul_in_arn_label(self, gw: Gateway) -> None:
        status, headers, body = await raw(
            gw, "GET", "/tags/arn%3Atocsin%3Assm-incidents%3A%3A000000000000%3Aresponse-plan"
            "%2Fw%00b")
        code, message = error(headers, body)
        assert (status, code) == (400, "ValidationException")
        assert "resourceArn" in message

    async def test_nul_in_map_key(self, gw: Gateway) -> None:
        status, headers, body = await raw(gw, "POST", "/", json.dumps({
            "Alias": "alice", "Type": "PERSONAL", "Plan": {"Stages": []},
            "Tags": [{"Key": "te\u0000am", "Value": "x"}]}).encode(),
            service="ssm-contacts", headers=contacts_headers("CreateContact"))
        code, message = error(headers, body)
        assert (status, code) == (400, "ValidationException")
        assert "Tags.1.Key" in message


class TestUnparseable:
    async def test_deep_nesting(self, gw: Gateway) -> None:
        """JSON nested 2,000 deep is a SerializationException, not a crash."""
        deep = b'{"eventData": ' + b"[" * 2000 + b"]" * 2000 + b"}"
        for service, path, headers in (
                ("ssm-incidents", "/createTimelineEvent", JSON),
                ("ssm-contacts", "/", contacts_headers("ListContacts"))):
            status, got, body = await raw(gw, "POST", path, deep, service=service,
                                          headers=headers)
            assert (status, error(got, body)[0]) == (400, "SerializationException")

    @pytest.mark.parametrize("encoding", ["gzip", "deflate"])
    async def test_false_content_encoding(self, gw: Gateway, encoding: str,
                                          caplog: pytest.LogCaptureFixture) -> None:
        """Answered as the client's error, and nothing is logged as an error (aiohttp
        reading the rest of such a body logged "Unhandled exception")."""
        status, headers, body = await raw(
            gw, "POST", "/", b'{"MaxResults": 1}', service="ssm-contacts",
            headers={**contacts_headers("ListContacts"), "Content-Encoding": encoding})
        code, message = error(headers, body)
        assert (status, code) == (400, "SerializationException")
        assert encoding in message
        assert not [r for r in caplog.records if r.levelname == "ERROR"]


class TestListLimits:
    async def test_stages(self, gw: Gateway) -> None:
        """Plan.Stages, unbounded in the model, is bounded by Tocsin before it is sent."""
        stage = {"DurationInMinutes": 1, "Targets": [
            {"ContactTargetInfo": {"ContactId": CONTACT_ARN, "IsEssential": True}}]}
        status, headers, body = await raw(gw, "POST", "/", json.dumps({
            "Alias": "ops", "Type": "ESCALATION", "Plan": {"Stages": [stage] * 10_000}}
            ).encode(), service="ssm-contacts", headers=contacts_headers("CreateContact"))
        code, message = error(headers, body)
        assert (status, code) == (400, "ValidationException")
        assert "'Plan.Stages' failed to satisfy constraint: Member must have length less " \
               "than or equal to 30" in message
        assert gw.fake.calls == []

    async def test_targets(self, gw: Gateway) -> None:
        target = {"ContactTargetInfo": {"ContactId": CONTACT_ARN, "IsEssential": True}}
        status, headers, body = await raw(gw, "POST", "/", json.dumps({
            "Alias": "ops", "Type": "ESCALATION", "Plan": {"Stages": [
                {"DurationInMinutes": 1, "Targets": [target] * 51}]}}).encode(),
            service="ssm-contacts", headers=contacts_headers("CreateContact"))
        code, message = error(headers, body)
        assert (status, code) == (400, "ValidationException")
        assert "Plan.Stages.1.Targets" in message


class TestUnknownPaths:
    @pytest.mark.parametrize(("method", "path"), [
        ("GET", "/nothing/here"), ("DELETE", "/"), ("GET", "/"), ("PATCH", "/listTimelineEvents"),
        ("GET", "/v1/rules/x/y/z")])
    async def test_unknown(self, gw: Gateway, method: str, path: str) -> None:
        """No plain-text 404 or 405: an AWS-shaped UnknownOperationException."""
        status, headers, body = await raw(gw, method, path)
        code, message = error(headers, body)
        assert (status, code) == (404, "UnknownOperationException")
        assert headers["x-amzn-RequestId"]
        assert message

    async def test_empty_tags_arn(self, gw: Gateway) -> None:
        status, headers, body = await raw(gw, "GET", "/tags/")
        code, message = error(headers, body)
        assert (status, code) == (400, "ValidationException")
        assert "resourceArn" in message

    @pytest.mark.parametrize("suffix", ["%0D%0A", "%0A", "%0Dx"])
    async def test_crlf_in_tags_arn(self, gw: Gateway, suffix: str) -> None:
        status, headers, body = await raw(
            gw, "GET", "/tags/arn%3Atocsin%3Assm-incidents%3A%3A000000000000%3Aresponse-plan"
            f"%2Fweb{suffix}")
        code, message = error(headers, body)
        assert (status, code) == (400, "ValidationException")
        assert "resourceArn" in message
