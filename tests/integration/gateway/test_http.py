"""The AWS-compatible HTTP API driven by real boto3 clients, with a fake service client.

The gateway runs on port 0 in the test's event loop; ``FakeServices`` stands where the
NATS-backed ServiceClient would, so these tests pin the wire contract (routing, SigV4,
validation, status codes, error shapes, botocore's parsers) without any service running.
``/healthz`` needs a real bus and is covered end to end elsewhere.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import boto3
import pytest
import pytest_asyncio
import structlog.testing
import yarl
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tocsin.gateway import awsmodel, http
from tocsin.gateway.app import build_access
from tocsin.gateway.http import HttpGateway
from tocsin.gateway.settings import Settings
from tocsin.shared import errors

KEY_ID, SECRET = "AKIDTESTGATEWAY", "test-secret/+="
PRINCIPAL = f"arn:tocsin:iam::000000000000:user/{KEY_ID}"
PLAN_ARN = "arn:tocsin:ssm-incidents::000000000000:response-plan/web-down"
INCIDENT_ARN = "arn:tocsin:ssm-incidents::000000000000:incident-record/web-down/6ebcc812"
CONTACT_ARN = "arn:tocsin:ssm-contacts:local-1:000000000000:contact/alice"


@dataclass
class FakeServices:
    """Records every call and answers with canned outputs (or raises canned errors)."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    replies: dict[str, Any] = field(default_factory=dict)

    async def call(self, api: str, operation: str, params: dict[str, Any], *,
                   principal: str, request_id: str) -> dict[str, Any]:
        self.calls.append({"api": api, "operation": operation, "params": params,
                           "principal": principal, "request_id": request_id})
        reply = self.replies.get(operation, {})
        if isinstance(reply, BaseException):
            raise reply
        result: dict[str, Any] = reply
        return result

    @property
    def last(self) -> dict[str, Any]:
        return self.calls[-1]


@dataclass
class Gateway:
    url: str
    fake: FakeServices
    incidents: Any
    contacts: Any

    def client(self, api: str, **overrides: Any) -> Any:
        """A boto3 client of ``api`` aimed at the gateway (no retries)."""
        kwargs: dict[str, Any] = {
            "endpoint_url": self.url, "region_name": "local-1",
            "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET,
            "config": Config(retries={"total_max_attempts": 1})}
        kwargs.update(overrides)
        return boto3.client(api, **kwargs)


@pytest_asyncio.fixture(scope="module")
async def gateway() -> AsyncIterator[Gateway]:
    settings = Settings(http_addr="127.0.0.1:0", access_keys=f"{KEY_ID}:{SECRET},OTHER:x",
                        shutdown_grace=2)
    fake = FakeServices()
    server = HttpGateway(settings, build_access(settings, fake), None, instance="test")  # type: ignore[arg-type]
    stop = asyncio.Event()
    task = asyncio.create_task(server(stop))
    await asyncio.wait_for(server.started.wait(), 10)
    url = f"http://127.0.0.1:{server.port}"
    gw = Gateway(url, fake, None, None)
    gw.incidents = gw.client("ssm-incidents")
    gw.contacts = gw.client("ssm-contacts")
    try:
        yield gw
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


@pytest.fixture
def gw(gateway: Gateway) -> Gateway:
    gateway.fake.calls.clear()
    gateway.fake.replies.clear()
    return gateway


async def call(method: Callable[..., Any], **kwargs: Any) -> Any:
    """Run a synchronous boto3 call off the event loop."""
    return await asyncio.to_thread(method, **kwargs)


async def client_error(method: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
    """The parsed error response of a boto3 call that must fail."""
    with pytest.raises(ClientError) as info:
        await call(method, **kwargs)
    response: dict[str, Any] = info.value.response
    return response


async def raw(gw: Gateway, method: str, path: str, body: bytes = b"", *,
              service: str = "ssm-incidents", headers: dict[str, str] | None = None,
              sign: bool = True) -> tuple[int, dict[str, str], bytes]:
    """Send one request signed by botocore's SigV4Auth; return status, headers, body."""
    url = gw.url + path
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    if sign:
        SigV4Auth(Credentials(KEY_ID, SECRET), service, "local-1").add_auth(request)
    async with aiohttp.ClientSession() as session, session.request(
            method, yarl.URL(url, encoded=True), data=body,
            headers=dict(request.headers.items())) as response:
        return response.status, dict(response.headers), await response.read()


class TestIncidentsSuccess:
    async def test_create_response_plan(self, gw: Gateway) -> None:
        """CreateResponsePlan answers 201 and the service gets the modelled input."""
        gw.fake.replies["CreateResponsePlan"] = {"arn": PLAN_ARN}
        out = await call(gw.incidents.create_response_plan, name="web-down",
                         incidentTemplate={"title": "Web is down", "impact": 2},
                         tags={"team": "web"})
        assert out["arn"] == PLAN_ARN
        assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
        sent = gw.fake.last
        assert (sent["api"], sent["operation"], sent["principal"]) == (
            "ssm-incidents", "CreateResponsePlan", PRINCIPAL)
        assert sent["params"]["incidentTemplate"] == {"title": "Web is down", "impact": 2}
        assert sent["params"]["clientToken"]
        assert sent["request_id"] == out["ResponseMetadata"]["RequestId"]

    async def test_get_incident_record_timestamps(self, gw: Gateway) -> None:
        """Epoch floats and ISO strings from the service parse as datetimes in botocore."""
        gw.fake.replies["GetIncidentRecord"] = {"incidentRecord": {
            "arn": INCIDENT_ARN, "creationTime": 1700000000.5,
            "lastModifiedTime": "2024-01-02T03:04:05Z", "dedupeString": "d", "impact": 1,
            "incidentRecordSource": {"createdBy": PRINCIPAL, "source": "aws.cloudwatch"},
            "lastModifiedBy": PRINCIPAL, "status": "OPEN", "title": "t", "secret": "x"}}
        out = await call(gw.incidents.get_incident_record, arn=INCIDENT_ARN)
        record = out["incidentRecord"]
        assert record["creationTime"] == dt.datetime.fromtimestamp(1700000000.5, dt.UTC)
        assert record["lastModifiedTime"] == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
        assert gw.fake.last["params"] == {"arn": INCIDENT_ARN}

    async def test_output_is_cut_to_the_output_shape(self, gw: Gateway) -> None:
        """Members outside the output shape never reach the client, timestamps are numbers."""
        gw.fake.replies["GetTimelineEvent"] = {"event": {
            "eventId": "e1", "eventTime": "2024-01-01T00:00:00Z", "eventType": "Note",
            "eventData": "x", "eventUpdatedTime": 1704067200.5, "incidentRecordArn":
            INCIDENT_ARN, "internal": 1}, "debug": True}
        status, headers, body = await raw(
            gw, "GET", "/getTimelineEvent?eventId=e1&incidentRecordArn="
            "arn%3Atocsin%3Assm-incidents%3A%3A000000000000%3Aincident-record%2Fw%2F1")
        assert status == 200
        assert headers["Content-Type"].startswith("application/json")
        assert json.loads(body) == {"event": {
            "eventId": "e1", "eventTime": 1704067200, "eventType": "Note", "eventData": "x",
            "eventUpdatedTime": 1704067200.5, "incidentRecordArn": INCIDENT_ARN}}

    async def test_list_tags_for_arn_with_slash(self, gw: Gateway) -> None:
        """The ``/tags/{resourceArn}`` label with ``%2F`` routes and decodes to the ARN."""
        gw.fake.replies["ListTagsForResource"] = {"tags": {"team": "web"}}
        out = await call(gw.incidents.list_tags_for_resource, resourceArn=INCIDENT_ARN)
        assert out["tags"] == {"team": "web"}
        assert gw.fake.last["params"] == {"resourceArn": INCIDENT_ARN}

    async def test_tag_resource(self, gw: Gateway) -> None:
        """TagResource takes the ARN from the label and the tags from the body; 204."""
        out = await call(gw.incidents.tag_resource, resourceArn=PLAN_ARN,
                         tags={"team": "web", "tier": "1"})
        assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
        assert gw.fake.last["params"] == {"resourceArn": PLAN_ARN,
                                          "tags": {"team": "web", "tier": "1"}}

    async def test_untag_resource_repeated_keys(self, gw: Gateway) -> None:
        """UntagResource's repeated ``tagKeys`` query keys become one list; 204."""
        out = await call(gw.incidents.untag_resource, resourceArn=PLAN_ARN,
                         tagKeys=["team", "cost centre"])
        assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
        assert gw.fake.last["operation"] == "UntagResource"
        assert gw.fake.last["params"] == {"resourceArn": PLAN_ARN,
                                          "tagKeys": ["team", "cost centre"]}

    async def test_delete_replication_set(self, gw: Gateway) -> None:
        """DeleteReplicationSet is a POST with the ARN in the query and an empty body."""
        arn = "arn:tocsin:ssm-incidents::000000000000:replication-set/abc"
        out = await call(gw.incidents.delete_replication_set, arn=arn)
        assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
        assert gw.fake.last["params"] == {"arn": arn}

    async def test_get_resource_policies(self, gw: Gateway) -> None:
        """GetResourcePolicies merges the query's resourceArn with the body's paging."""
        gw.fake.replies["GetResourcePolicies"] = {"resourcePolicies": [
            {"policyDocument": "{}", "policyId": "p1", "ramResourceShareRegion": "local-1"}]}
        out = await call(gw.incidents.get_resource_policies, resourceArn=PLAN_ARN,
                         maxResults=10)
        assert out["resourcePolicies"][0]["policyId"] == "p1"
        assert gw.fake.last["params"] == {"resourceArn": PLAN_ARN, "maxResults": 10}

    async def test_list_incident_records_filter_timestamps(self, gw: Gateway) -> None:
        """Timestamps inside filters reach the service as epoch seconds."""
        gw.fake.replies["ListIncidentRecords"] = {"incidentRecordSummaries": []}
        when = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        await call(gw.incidents.list_incident_records,
                   filters=[{"key": "creationTime", "condition": {"after": when}}])
        assert gw.fake.last["params"]["filters"] == [
            {"key": "creationTime", "condition": {"after": 1704067200}}]

    async def test_delete_resource_policy_answers_200(self, gw: Gateway) -> None:
        """DeleteResourcePolicy is the one Delete that answers 200 (with ``{}``)."""
        out = await call(gw.incidents.delete_resource_policy, resourceArn=PLAN_ARN,
                         policyId="p1")
        assert out["ResponseMetadata"]["HTTPStatusCode"] == 200


class TestIncidentsErrors:
    async def test_not_found(self, gw: Gateway) -> None:
        """A service NotFoundError is a 404 ResourceNotFoundException with its fields."""
        gw.fake.replies["GetResponsePlan"] = errors.NotFoundError(
            "Response plan web-down does not exist", resource_type="RESPONSE_PLAN",
            resource_id=PLAN_ARN)
        response = await client_error(gw.incidents.get_response_plan, arn=PLAN_ARN)
        assert response["Error"]["Code"] == "ResourceNotFoundException"
        assert response["Error"]["Message"] == "Response plan web-down does not exist"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
        assert response["resourceIdentifier"] == PLAN_ARN
        assert response["resourceType"] == "RESPONSE_PLAN"
        assert response["ResponseMetadata"]["RequestId"]

    async def test_conflict(self, gw: Gateway) -> None:
        """A ConflictError is a 409 ConflictException (modelled, so a typed exception)."""
        gw.fake.replies["CreateResponsePlan"] = errors.ConflictError("exists")
        with pytest.raises(gw.incidents.exceptions.ConflictException):
            await call(gw.incidents.create_response_plan, name="p",
                       incidentTemplate={"title": "t", "impact": 3})

    async def test_service_unavailable(self, gw: Gateway) -> None:
        """No service behind the operation is a 503 ServiceUnavailableException."""
        gw.fake.replies["ListResponsePlans"] = errors.ServiceUnavailable("nobody home")
        response = await client_error(gw.incidents.list_response_plans)
        assert response["Error"]["Code"] == "ServiceUnavailableException"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 503

    async def test_unexpected_failure(self, gw: Gateway) -> None:
        """An unexpected exception is logged and answered as a bare 500."""
        gw.fake.replies["ListResponsePlans"] = RuntimeError("database password is hunter2")
        with structlog.testing.capture_logs() as logs:
            response = await client_error(gw.incidents.list_response_plans)
        assert response["Error"]["Code"] == "InternalServerException"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 500
        assert "hunter2" not in response["Error"]["Message"]
        assert "Traceback" not in response["Error"]["Message"]
        assert any(e["event"] == "http.crashed" for e in logs)

    async def test_name_too_long(self, gw: Gateway) -> None:
        """An over-long name is a 400 ValidationException naming the member."""
        response = await client_error(gw.incidents.create_response_plan, name="p" * 201,
                                      incidentTemplate={"title": "t", "impact": 3})
        assert response["Error"]["Code"] == "ValidationException"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert "at 'name' failed to satisfy constraint: Member must have length less than " \
               "or equal to 200" in response["Error"]["Message"]
        assert gw.fake.calls == []

    async def test_out_of_enum(self, gw: Gateway) -> None:
        """A status outside the enum is a ValidationException naming the enum set."""
        response = await client_error(gw.incidents.update_incident_record, arn=INCIDENT_ARN,
                                      status="CLOSED")
        assert "Value 'CLOSED' at 'status' failed to satisfy constraint: Member must " \
               "satisfy enum value set: [OPEN, RESOLVED]" in response["Error"]["Message"]

    async def test_pattern(self, gw: Gateway) -> None:
        """A name with a space breaks the model pattern, quoted verbatim."""
        response = await client_error(gw.incidents.create_response_plan, name="web down",
                                      incidentTemplate={"title": "t", "impact": 3})
        assert response["Error"]["Message"] == (
            "1 validation error detected: Value 'web down' at 'name' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9-_]*$")

    async def test_aws_partition_arn_is_accepted(self, gw: Gateway) -> None:
        """ARNs with AWS partitions still pass validation (migrating tooling)."""
        gw.fake.replies["GetResponsePlan"] = {
            "arn": "arn:aws:ssm-incidents::111122223333:response-plan/p", "name": "p",
            "incidentTemplate": {"title": "t", "impact": 3}}
        out = await call(gw.incidents.get_response_plan,
                         arn="arn:aws:ssm-incidents::111122223333:response-plan/p")
        assert out["name"] == "p"

    async def test_wrong_secret(self, gw: Gateway) -> None:
        """A request signed with the wrong secret is a 403 InvalidSignatureException."""
        client = gw.client("ssm-incidents", aws_secret_access_key="wrong")
        response = await client_error(client.list_response_plans)
        assert response["Error"]["Code"] == "InvalidSignatureException"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert gw.fake.calls == []

    async def test_unknown_key(self, gw: Gateway) -> None:
        """An unknown access key is a 403 UnrecognizedClientException."""
        client = gw.client("ssm-incidents", aws_access_key_id="NOBODY")
        response = await client_error(client.list_response_plans)
        assert response["Error"]["Code"] == "UnrecognizedClientException"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 403

    async def test_unsigned(self, gw: Gateway) -> None:
        """An unsigned request is a 403 AccessDeniedException."""
        client = gw.client("ssm-incidents", config=Config(
            signature_version=UNSIGNED, retries={"total_max_attempts": 1}))
        with pytest.raises(client.exceptions.AccessDeniedException) as info:
            await call(client.list_response_plans)
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

    async def test_unknown_route(self, gw: Gateway) -> None:
        """A method the path has no operation for is a 404 UnknownOperationException."""
        status, headers, body = await raw(gw, "PUT", "/createResponsePlan", b"{}")
        assert status == 404
        assert headers["x-amzn-ErrorType"] == "UnknownOperationException"
        assert headers["x-amzn-RequestId"]
        assert "message" in json.loads(body)

    async def test_malformed_json(self, gw: Gateway) -> None:
        """A body that is not a JSON object is a 400 ValidationException."""
        status, headers, _ = await raw(gw, "POST", "/listResponsePlans", b"{nope",
                                       headers={"Content-Type": "application/json"})
        assert (status, headers["x-amzn-ErrorType"]) == (400, "ValidationException")

    async def test_body_member_of_wrong_type(self, gw: Gateway) -> None:
        """A body member of the wrong JSON type is refused, naming the member."""
        status, _, body = await raw(
            gw, "POST", "/getResourcePolicies?resourceArn=a", b'{"maxResults": "ten"}')
        assert status == 400
        assert "at 'maxResults'" in json.loads(body)["message"]


class TestContacts:
    async def test_no_service_is_503(self, gw: Gateway) -> None:
        """With no contacts service running, calls are 503 ServiceUnavailableException."""
        gw.fake.replies["GetContact"] = errors.ServiceUnavailable(
            "no instance of the service behind tocsin.rpc.contacts.GetContact is running")
        response = await client_error(gw.contacts.get_contact, ContactId=CONTACT_ARN)
        assert response["Error"]["Code"] == "ServiceUnavailableException"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 503

    async def test_create_contact(self, gw: Gateway) -> None:
        """CreateContact reaches the service in PascalCase and its output parses."""
        gw.fake.replies["CreateContact"] = {"ContactArn": CONTACT_ARN}
        out = await call(gw.contacts.create_contact, Alias="alice", Type="PERSONAL",
                         Plan={"Stages": []}, DisplayName="Alice Zoë")
        assert out["ContactArn"] == CONTACT_ARN
        assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
        sent = gw.fake.last
        assert (sent["api"], sent["operation"]) == ("ssm-contacts", "CreateContact")
        assert sent["params"]["Alias"] == "alice"
        assert sent["params"]["IdempotencyToken"]

    async def test_empty_output(self, gw: Gateway) -> None:
        """An operation with an empty output answers 200 with ``{}``."""
        out = await call(gw.contacts.delete_contact, ContactId=CONTACT_ARN)
        assert out["ResponseMetadata"]["HTTPStatusCode"] == 200

    async def test_timestamps_both_ways(self, gw: Gateway) -> None:
        """Request datetimes arrive as epoch seconds; reply timestamps parse as datetimes."""
        gw.fake.replies["ListRotationShifts"] = {"RotationShifts": [
            {"ContactIds": [CONTACT_ARN], "StartTime": 1704067200,
             "EndTime": "2024-01-02T00:00:00Z"}]}
        out = await call(gw.contacts.list_rotation_shifts,
                         RotationId="arn:tocsin:ssm-contacts:local-1:000000000000:rotation/r",
                         EndTime=dt.datetime(2024, 2, 1, tzinfo=dt.UTC))
        assert gw.fake.last["params"]["EndTime"] == 1706745600
        shift = out["RotationShifts"][0]
        assert shift["StartTime"] == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        assert shift["EndTime"] == dt.datetime(2024, 1, 2, tzinfo=dt.UTC)

    async def test_not_found_fields(self, gw: Gateway) -> None:
        """NotFoundError carries ResourceId/ResourceType under ssm-contacts' names."""
        gw.fake.replies["GetContact"] = errors.NotFoundError(
            "no such contact", resource_type="CONTACT", resource_id=CONTACT_ARN)
        with pytest.raises(gw.contacts.exceptions.ResourceNotFoundException) as info:
            await call(gw.contacts.get_contact, ContactId=CONTACT_ARN)
        response = info.value.response
        assert (response["ResourceId"], response["ResourceType"]) == (CONTACT_ARN, "CONTACT")
        assert response["Error"]["Message"] == "no such contact"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 400

    async def test_validation_reason_and_fields(self, gw: Gateway) -> None:
        """A pattern violation has Reason FIELD_VALIDATION_FAILED and a Fields entry."""
        response = await client_error(gw.contacts.create_contact, Alias="Alice Smith",
                                      Type="PERSONAL", Plan={"Stages": []})
        assert response["Error"]["Code"] == "ValidationException"
        assert response["Reason"] == "FIELD_VALIDATION_FAILED"
        assert response["Fields"][0]["Name"] == "Alias"
        assert "Value 'Alice Smith' at 'Alias'" in response["Error"]["Message"]
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert gw.fake.calls == []

    async def test_out_of_enum(self, gw: Gateway) -> None:
        """A contact Type outside the enum is refused."""
        response = await client_error(gw.contacts.create_contact, Alias="alice",
                                      Type="ROBOT", Plan={"Stages": []})
        assert "Member must satisfy enum value set" in response["Error"]["Message"]

    async def test_unknown_target(self, gw: Gateway) -> None:
        """An unknown X-Amz-Target is ValidationException with Reason UNKNOWN_OPERATION."""
        status, headers, body = await raw(
            gw, "POST", "/", b"{}", service="ssm-contacts",
            headers={"X-Amz-Target": "SSMContacts.LaunchRocket",
                     "Content-Type": "application/x-amz-json-1.1"})
        payload = json.loads(body)
        assert status == 400
        assert (payload["__type"], payload["Reason"]) == ("ValidationException",
                                                          "UNKNOWN_OPERATION")
        assert headers["x-amzn-RequestId"]

    async def test_malformed_json(self, gw: Gateway) -> None:
        """A malformed body is ValidationException with Reason CANNOT_PARSE."""
        status, _, body = await raw(
            gw, "POST", "/", b"{nope", service="ssm-contacts",
            headers={"X-Amz-Target": "SSMContacts.ListContacts",
                     "Content-Type": "application/x-amz-json-1.1"})
        payload = json.loads(body)
        assert status == 400
        assert (payload["__type"], payload["Reason"]) == ("ValidationException", "CANNOT_PARSE")

    async def test_wrong_secret(self, gw: Gateway) -> None:
        """A bad signature on ssm-contacts is a 403 InvalidSignatureException."""
        client = gw.client("ssm-contacts", aws_secret_access_key="wrong")
        response = await client_error(client.list_contacts)
        assert response["Error"]["Code"] == "InvalidSignatureException"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 403

    async def test_unknown_key(self, gw: Gateway) -> None:
        """An unknown access key on ssm-contacts is UnrecognizedClientException."""
        client = gw.client("ssm-contacts", aws_access_key_id="NOBODY")
        response = await client_error(client.list_contacts)
        assert response["Error"]["Code"] == "UnrecognizedClientException"

    async def test_scope_of_other_service(self, gw: Gateway) -> None:
        """A request signed for ssm-incidents is refused on the ssm-contacts endpoint."""
        status, _, body = await raw(
            gw, "POST", "/", b"{}", service="ssm-incidents",
            headers={"X-Amz-Target": "SSMContacts.ListContacts",
                     "Content-Type": "application/x-amz-json-1.1"})
        assert (status, json.loads(body)["__type"]) == (403, "InvalidSignatureException")


class TestServer:
    async def test_port_zero_binds_a_real_port(self, gw: Gateway) -> None:
        """Asking for port 0 yields the bound port, and the gateway answers on it."""
        assert not gw.url.endswith(":0")
        status, headers, _ = await raw(gw, "GET", "/nothing-here", sign=False)
        assert status == 404
        assert headers["x-amzn-RequestId"]

    async def test_stops_when_told(self) -> None:
        """Setting the stop event closes the listener and returns."""
        server = HttpGateway(Settings(http_addr="127.0.0.1:0", access_keys="A:B"),
                             build_access(Settings(access_keys="A:B"), FakeServices()),
                             None, instance="t")  # type: ignore[arg-type]
        stop = asyncio.Event()
        task = asyncio.create_task(server(stop))
        await asyncio.wait_for(server.started.wait(), 10)
        stop.set()
        await asyncio.wait_for(task, 10)
        with pytest.raises(OSError):
            await asyncio.open_connection("127.0.0.1", server.port)


class TestQueryConversion:
    @pytest.mark.parametrize(("kind", "text", "value"), [
        ("integer", "10", 10), ("long", "-3", -3), ("double", "1.5", 1.5),
        ("boolean", "true", True), ("boolean", "False", False),
        ("timestamp", "2024-01-01T00:00:00Z", 1704067200.0), ("string", "a b", "a b")])
    def test_text_becomes_the_member_type(self, kind: str, text: str, value: Any) -> None:
        """Query, label and header text is converted to its member's JSON type."""
        shape = awsmodel.Shape(name="S", type=kind)
        assert http._from_text(shape, text, "m") == value

    @pytest.mark.parametrize(("kind", "text"), [("integer", "ten"), ("boolean", "yes"),
                                                 ("timestamp", "soon")])
    def test_unconvertible_text_is_a_validation_error(self, kind: str, text: str) -> None:
        """Text that does not convert is a ValidationError naming the member."""
        with pytest.raises(errors.ValidationError) as info:
            http._from_text(awsmodel.Shape(name="S", type=kind), text, "maxResults")
        assert f"Value '{text}' at 'maxResults'" in info.value.message
