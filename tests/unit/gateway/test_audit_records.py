"""The audit trail's records, redaction and token buckets, without NATS."""

from __future__ import annotations

import json

import msgspec
import pytest

from tocsin.gateway import redaction
from tocsin.gateway.access import Call, Face, Principal, PrincipalKind
from tocsin.gateway.audit import is_read_only, make_record
from tocsin.gateway.audit_batches import batch, records_in
from tocsin.gateway.limits import Throttled, TokenBuckets
from tocsin.notifications.chat.domain import slack_escape
from tocsin.shared import codec
from tocsin.shared.errors import AccessDeniedError

ALICE = Principal(arn="arn:tocsin:iam::000000000000:user/alice", account="000000000000",
                  access_key_id="AKIDALICE")
PLAN = "arn:tocsin:ssm-incidents::000000000000:response-plan/web"


def call(api: str, operation: str, params: dict[str, object], **extra: object) -> Call:
    return Call(face=Face.AWS_HTTP, api=api, operation=operation, principal=ALICE,
                params=params, request_id="r-1", source_ip="10.0.0.7",
                user_agent="Boto3/1.40", **extra)  # type: ignore[arg-type]


def test_the_redaction_table_comes_from_the_models() -> None:
    """Addresses, accept and activation codes and the integration key's secret are hidden
    wherever they appear; ordinary members are not."""
    hidden = redaction.redacted_members()
    assert {"DeliveryAddress", "SimpleAddress", "AcceptCode", "ActivationCode",
            "integrationKey"} <= hidden
    assert not {"ContactId", "title", "Name", "responsePlanArn"} & hidden


def test_a_record_hides_codes_addresses_and_secrets() -> None:
    params = {"ContactId": "arn:tocsin:ssm-contacts:local-1:000000000000:contact/alice",
              "Name": "mail", "Type": "EMAIL",
              "DeliveryAddress": {"SimpleAddress": "alice@example.com"}}
    record = make_record(call("ssm-contacts", "CreateContactChannel", params),
                         region="local-1", account="000000000000",
                         response={"ContactChannelArn": "arn:x"})
    text = codec.encode(record).decode()
    assert "alice@example.com" not in text
    assert record.requestParameters["DeliveryAddress"] == redaction.HIDDEN
    accepted = make_record(call("ssm-contacts", "AcceptPage", {
        "PageId": "p", "AcceptType": "READ", "AcceptCode": "917253"}),
        region="local-1", account="000000000000")
    assert "917253" not in codec.encode(accepted).decode()
    key = make_record(call("tocsin", "CreateIntegrationKey", {"responsePlanArn": PLAN}),
                      region="local-1", account="000000000000",
                      response={"id": "k", "integrationKey": "0123456789abcdef" * 2})
    assert "0123456789abcdef" not in codec.encode(key).decode()


def test_a_refusal_carries_its_error_and_no_response() -> None:
    record = make_record(call("ssm-incidents", "StartIncident", {"responsePlanArn": PLAN},
                              resources=(PLAN,)),
                         region="local-1", account="000000000000",
                         error=AccessDeniedError("User: alice is not authorized"))
    data = json.loads(codec.encode(record))
    assert data["errorCode"] == "AccessDeniedException"
    assert data["responseElements"] is None and data["readOnly"] is False
    assert data["eventSource"] == "ssm-incidents.amazonaws.com"
    assert data["userIdentity"] == {
        "type": "IAMUser", "principalId": data["userIdentity"]["principalId"],
        "arn": ALICE.arn, "accountId": "000000000000", "accessKeyId": "AKIDALICE",
        "userName": "alice"}
    assert data["resources"] == [{"ARN": PLAN, "accountId": "000000000000",
                                  "type": "ssm-incidents:response-plan"}]
    assert data["sourceIPAddress"] == "10.0.0.7" and data["eventType"] == "AwsApiCall"


def test_a_webhook_record_names_the_key_by_fingerprint_and_leaves_out_the_body() -> None:
    holder = Principal(arn="", account="000000000000", kind=PrincipalKind.INTEGRATION_KEY)
    webhook = Call(face=Face.WEBHOOK, api="tocsin", operation="IngestAlertmanager",
                   principal=holder, params={"integrationKey": "s3cr3tkey",
                                             "responsePlan": "web", "body": {"alerts": []}},
                   request_id="r")
    data = json.loads(codec.encode(make_record(webhook, region="r", account="000000000000")))
    assert "s3cr3tkey" not in json.dumps(data)
    assert data["userIdentity"]["principalId"].startswith("integration-key/")
    assert "body" not in data["requestParameters"]


def test_read_only_operations() -> None:
    assert all(map(is_read_only, ("GetIncidentRecord", "ListContacts", "DescribePage",
                                  "LookupEvents")))
    assert not any(map(is_read_only, ("StartIncident", "AcceptPage", "DeleteContact")))


def test_a_bucket_refuses_beyond_its_burst_and_says_when_to_return() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate=2.0, burst=3, what="this principal", clock=lambda: now[0])
    for _ in range(3):
        buckets.take("alice")
    with pytest.raises(Throttled) as refused:
        buckets.take("alice")
    assert refused.value.retry_after == 1 and refused.value.aws_code == "ThrottlingException"
    buckets.take("bob")  # a bucket per key
    now[0] = 0.5  # one token back at 2 a second
    buckets.take("alice")
    with pytest.raises(Throttled):
        buckets.take("alice")


def test_slack_markup_is_escaped() -> None:
    assert slack_escape("<!channel> DB & <https://evil|bank>") == \
        "&lt;!channel&gt; DB &amp; &lt;https://evil|bank&gt;"


async def test_throttle_counts_principals_keys_and_addresses_apart() -> None:
    """A signed caller by its ARN, a webhook sender by its integration key, a caller with
    no credential by its address: one exhausted bucket leaves the others alone."""
    from tocsin.gateway.limits import Throttle

    throttle = Throttle(principals=TokenBuckets(rate=0.001, burst=1, what="this principal"),
                        integration_keys=TokenBuckets(rate=0.001, burst=1,
                                                      what="this integration key"))
    holder = Principal(arn="", account="000000000000", kind=PrincipalKind.INTEGRATION_KEY)
    nobody = Principal(arn="", account="000000000000", kind=PrincipalKind.ANONYMOUS)

    async def proceed(c: Call) -> str:
        return "ran"

    def webhook(key: str) -> Call:
        return Call(face=Face.WEBHOOK, api="tocsin", operation="IngestEvents",
                    principal=holder, params={"integrationKey": key}, request_id="r")

    def inbound(ip: str) -> Call:
        return Call(face=Face.INBOUND, api="tocsin", operation="Inbound", principal=nobody,
                    params={}, request_id="r", source_ip=ip)

    for first in (call("ssm-incidents", "ListIncidentRecords", {}), webhook("key-a"),
                  webhook("key-b"), inbound("10.0.0.1"), inbound("10.0.0.2")):
        assert await throttle(first, proceed) == "ran"
    for again in (call("ssm-incidents", "ListIncidentRecords", {}), webhook("key-a"),
                  inbound("10.0.0.1")):
        with pytest.raises(Throttled):
            await throttle(again, proceed)


def test_a_message_holds_one_record_as_before_or_several_in_an_array() -> None:
    """A record alone is written exactly as it was before batches; several are an array
    whose members read back byte for byte; what is neither is a decode error."""
    records = [codec.encode(make_record(call("ssm-incidents", "StartIncident",
                                             {"responsePlanArn": PLAN, "title": f"t{n}"}),
                                        region="local-1", account="000000000000"))
               for n in range(3)]
    assert batch(records[:1]) == records[0]
    assert records_in(records[0]) == [records[0]]
    assert records_in(batch(records)) == records
    assert json.loads(batch(records)) == [json.loads(r) for r in records]
    with pytest.raises(msgspec.DecodeError):
        records_in(b"[{\"eventID\": ")
