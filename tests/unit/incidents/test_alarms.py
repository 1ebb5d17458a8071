"""How an EventBridge-shaped event becomes the start or recovery of an incident
(reference/aws-api.md 4.4)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tocsin.incidents.ingestion import domain as alarms
from tocsin.incidents.related.involved import involved_resources
from tocsin.shared import codec
from tocsin.shared.db.idempotency import fingerprint, fingerprint_of

ALARM_ARN = "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:orders-table-throttles"


def state_change(value: str = "ALARM", **extra: Any) -> dict[str, Any]:
    return {
        "version": "0", "id": "5e1d8b77-0a4c-4f3e-a2d9-6b3f0c8e1a25",
        "detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch",
        "account": "111122223333", "time": "2024-03-05T10:02:10Z", "region": "eu-west-1",
        "resources": [ALARM_ARN],
        "detail": {"alarmName": "orders-table-throttles",
                   "state": {"value": value, "reason": "Threshold Crossed",
                             "timestamp": "2024-03-05T10:02:10.104+0000"},
                   "configuration": {"metrics": [{"id": "m1", "metricStat": {"metric": {
                       "namespace": "AWS/DynamoDB", "name": "ReadThrottleEvents",
                       "dimensions": {"TableName": "orders"}}}}]}, **extra},
    }


class TestTimes:
    @pytest.mark.parametrize(("text", "epoch"), [
        ("2024-03-05T09:15:27Z", 1709630127.0),
        ("2024-03-05T09:20:41.515+0000", 1709630441.515),
        ("2024-03-05T11:20:41.515+02:00", 1709630441.515),
        ("2024-03-05T09:20:41.515123456Z", 1709630441.515123),
    ])
    def test_eventbridge_cloudwatch_and_prometheus_times(self, text: str,
                                                         epoch: float) -> None:
        assert alarms.parse_time(text) == pytest.approx(epoch)

    def test_a_time_that_is_not_one_is_malformed(self) -> None:
        with pytest.raises(alarms.Malformed):
            alarms.parse_time("yesterday")

    @pytest.mark.parametrize("text", ["0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z"])
    def test_a_time_tocsin_cannot_store(self, text: str) -> None:
        """Refused alone; with a fallback (the time the alarm arrived) the alarm still
        opens its incident, at that time, and no unreadable timeline row is written."""
        with pytest.raises(alarms.Malformed):
            alarms.parse_time(text)
        assert alarms.parse_time(text, fallback=1_700_000_000.0) == 1_700_000_000.0
        event = state_change(state={"value": "ALARM", "timestamp": text})
        event["time"] = text
        trigger = alarms.to_trigger(event, rule_arn=None, received=1_700_000_000.0)
        assert (trigger.kind, trigger.timestamp) == ("open", 1_700_000_000.0)


class TestCloudWatch:
    def test_alarm_opens_with_the_alarm_arn_and_the_states_time(self) -> None:
        trigger = alarms.to_trigger(state_change(), rule_arn=None, received=0.0)
        assert (trigger.kind, trigger.source, trigger.trigger_arn, trigger.key) == (
            "open", "aws.cloudwatch", ALARM_ARN, ALARM_ARN)
        assert trigger.timestamp == pytest.approx(1709633330.104)
        assert msgspec.json.decode(trigger.raw_data)["id"] == state_change()["id"]

    def test_ok_recovers_and_insufficient_data_is_ignored(self) -> None:
        assert alarms.to_trigger(state_change("OK"), rule_arn=None, received=0).kind == \
            "recover"
        assert alarms.to_trigger(state_change("INSUFFICIENT_DATA"), rule_arn=None,
                                 received=0).kind == "ignore"

    def test_the_alarm_is_the_trigger_even_through_a_rule(self) -> None:
        """A rule that routes an alarm does not replace the alarm as its trigger."""
        trigger = alarms.to_trigger(state_change(), rule_arn="arn:tocsin:events:r:1:rule/x",
                                    received=0)
        assert trigger.trigger_arn == ALARM_ARN

    def test_without_resources_the_arn_is_built_from_the_name(self) -> None:
        event = state_change()
        event["resources"] = []
        assert alarms.alarm_arn(event) == ALARM_ARN

    def test_a_state_change_without_a_state_is_malformed(self) -> None:
        event = state_change()
        del event["detail"]["state"]
        with pytest.raises(alarms.Malformed, match="state"):
            alarms.to_trigger(event, rule_arn=None, received=0)


class TestOtherEvents:
    def test_custom_events_are_triggered_by_the_rule_else_the_first_resource(self) -> None:
        event = {"id": "e1", "source": "com.example.orders", "detail-type": "Order Failure",
                 "resources": ["arn:aws:dynamodb:eu-west-1:1:table/orders"], "detail": {}}
        by_rule = alarms.to_trigger(event, rule_arn="arn:tocsin:events:r:1:rule/orders",
                                    received=5.0)
        assert (by_rule.trigger_arn, by_rule.timestamp) == (
            "arn:tocsin:events:r:1:rule/orders", 5.0)
        assert alarms.to_trigger(event, rule_arn=None, received=0).trigger_arn == \
            "arn:aws:dynamodb:eu-west-1:1:table/orders"

    def test_security_hub_findings_dedupe_per_finding(self) -> None:
        def finding(finding_id: str) -> dict[str, Any]:
            return {"id": finding_id, "source": "aws.securityhub",
                    "detail-type": "Security Hub Findings - Imported", "resources": ["r"],
                    "detail": {"findings": [{"Id": f"finding/{finding_id}"}]}}

        rule = "arn:tocsin:events:r:1:rule/sec"
        one = alarms.to_trigger(finding("a"), rule_arn=rule, received=0)
        other = alarms.to_trigger(finding("b"), rule_arn=rule, received=0)
        assert one.trigger_arn == other.trigger_arn == rule
        assert one.key == f"{rule}|finding/a"
        assert one.key != other.key


class TestShape:
    @pytest.mark.parametrize(("event", "reason"), [
        ([], "object"), ({"source": "s", "detail-type": "t", "detail": {}}, "'id'"),
        ({"id": "1", "source": "s", "detail-type": "t"}, "detail"),
        ({"id": "1", "source": "s", "detail-type": "t", "detail": {}, "resources": "r"},
         "resources"),
    ])
    def test_events_missing_what_every_event_has_are_malformed(self, event: Any,
                                                               reason: str) -> None:
        with pytest.raises(alarms.Malformed, match=reason):
            alarms.check_event(event)


class TestRawData:
    def test_a_large_alarm_is_reduced_and_keeps_its_involved_resources(self) -> None:
        """Over 10,000 characters, the states' reasonData goes first: still JSON, still
        naming the table the alarm's metric watches."""
        event = state_change()
        event["detail"]["state"]["reasonData"] = "x" * 20_000
        raw = alarms.raw_data(event)
        assert len(raw) <= alarms.MAX_RAW_DATA
        assert "reasonData" not in raw
        assert involved_resources(raw, trigger_arn=ALARM_ARN) == [
            "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"]

    def test_an_event_too_large_even_without_detail_keeps_its_identity(self) -> None:
        event = state_change()
        event["resources"] = [f"arn:aws:s3:::bucket-{n:05d}" for n in range(2000)]
        event["detail"]["alarmTags"] = {"t": "y" * 20_000}
        reduced = msgspec.json.decode(alarms.raw_data(event))
        assert reduced["id"] == event["id"]
        assert len(alarms.raw_data(event)) <= alarms.MAX_RAW_DATA


def test_an_alarm_nested_too_deeply_is_malformed_not_a_failure() -> None:
    """Deeper than msgspec decodes: dead-lettered at once as malformed, not retried as a
    failure until its deliveries run out."""
    with pytest.raises(alarms.Malformed, match="nested too deeply"):
        alarms.parse_event(b"[" * 5000 + b"]" * 5000)


def test_a_batch_fingerprints_an_alarm_start_as_a_single_start_does() -> None:
    """The batch digests a start's parameters without encoding them; a single start
    digests the request's bytes. The two must agree, or an alarm handled once by each way
    (a batch, then its webhook resend) would be refused as a token reused."""
    trigger = alarms.to_trigger(state_change(), rule_arn=None, received=1709632930.5)
    params = {"responsePlanArn": "arn:tocsin:ssm-incidents::000000000000:response-plan/api",
              "triggerDetails": trigger.trigger_details(), "clientToken": trigger.event_id}
    assert fingerprint_of(params, token_member="clientToken") == fingerprint(
        codec.encode(params), token_member="clientToken")
