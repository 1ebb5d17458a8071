"""Event rules and integration keys over NATS request/reply: CRUD, validation, and testing
a pattern against a sample event without creating anything."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tocsin.incidents.settings import Settings
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus

PLAN = "arn:tocsin:ssm-incidents::000000000000:response-plan/api"
ALARM_PATTERN = json.dumps({"source": ["aws.cloudwatch"],
                            "detail": {"state": {"value": ["ALARM"]}}})


async def call(bus: Bus, operation: str, params: dict[str, Any] | None = None) -> Any:
    reply = await bus.request(f"tocsin.rpc.incidents.{operation}", params or {},
                              headers={"Tocsin-Principal": "arn:tocsin:iam::000000000000:user/a"})
    return codec.decode(reply, dict[str, Any]) if reply else {}


async def with_plan(bus: Bus, settings: Settings) -> None:
    await call(bus, "CreateReplicationSet", {"regions": {settings.region: {}}})
    await call(bus, "CreateResponsePlan", {
        "name": "api", "incidentTemplate": {"title": "API down", "impact": 1}})


def alarm(state: str) -> dict[str, Any]:
    return {"version": "0", "id": "e-1", "source": "aws.cloudwatch",
            "detail-type": "CloudWatch Alarm State Change", "account": "111122223333",
            "time": "2024-03-05T09:20:41Z", "region": "eu-west-1",
            "resources": ["arn:aws:cloudwatch:eu-west-1:111122223333:alarm:api-5xx"],
            "detail": {"alarmName": "api-5xx", "state": {
                "value": state, "timestamp": "2024-03-05T09:20:41.515+0000"}}}


class TestRuleLifecycle:
    async def test_create_get_list_update_delete(self, incidents: Settings, bus: Bus) -> None:
        """A rule keeps its pattern and plan; updates change only what they name; a deleted
        rule is gone, and deleting it again is quiet."""
        await with_plan(bus, incidents)
        created = (await call(bus, "CreateRule", {
            "name": "api-alarms", "eventPattern": ALARM_PATTERN, "responsePlanArn": PLAN,
            "description": "CloudWatch alarms of the API"}))["rule"]
        assert created["arn"] == \
            f"arn:tocsin:events:{incidents.region}:000000000000:rule/api-alarms"
        assert created["state"] == "ENABLED"
        assert (await call(bus, "GetRule", {"name": "api-alarms"}))["rule"] == created
        await call(bus, "CreateRule", {"name": "b-rule", "eventPattern": ALARM_PATTERN,
                                       "responsePlanArn": PLAN, "state": "DISABLED"})
        first = await call(bus, "ListRules", {"maxResults": 1})
        assert [r["name"] for r in first["rules"]] == ["api-alarms"]
        second = await call(bus, "ListRules", {"maxResults": 1, "nextToken": first["nextToken"]})
        assert [r["name"] for r in second["rules"]] == ["b-rule"]
        assert "nextToken" not in second
        updated = (await call(bus, "UpdateRule", {"name": "api-alarms",
                                                  "state": "DISABLED"}))["rule"]
        assert (updated["state"], updated["description"]) == (
            "DISABLED", "CloudWatch alarms of the API")
        await call(bus, "DeleteRule", {"name": "api-alarms"})
        await call(bus, "DeleteRule", {"name": "api-alarms"})
        with pytest.raises(errors.NotFoundError):
            await call(bus, "GetRule", {"name": "api-alarms"})

    async def test_bad_rules_are_refused_with_the_reason(
            self, incidents: Settings, bus: Bus) -> None:
        """An invalid pattern, a missing plan, a duplicate name and a bad name are refused."""
        await with_plan(bus, incidents)
        with pytest.raises(errors.ValidationError, match="pattern"):
            await call(bus, "CreateRule", {"name": "r", "responsePlanArn": PLAN,
                                           "eventPattern": '{"source": []}'})
        with pytest.raises(errors.ValidationError):
            await call(bus, "CreateRule", {"name": "r", "responsePlanArn": PLAN,
                                           "eventPattern": "not json"})
        with pytest.raises(errors.NotFoundError):
            await call(bus, "CreateRule", {"name": "r", "eventPattern": ALARM_PATTERN,
                                           "responsePlanArn": PLAN + "-gone"})
        with pytest.raises(errors.ValidationError):
            await call(bus, "CreateRule", {"name": "no spaces", "eventPattern": ALARM_PATTERN,
                                           "responsePlanArn": PLAN})
        await call(bus, "CreateRule", {"name": "r", "eventPattern": ALARM_PATTERN,
                                       "responsePlanArn": PLAN})
        with pytest.raises(errors.ConflictError):
            await call(bus, "CreateRule", {"name": "r", "eventPattern": ALARM_PATTERN,
                                           "responsePlanArn": PLAN})


class TestTestEventPattern:
    async def test_a_sample_event_is_tested_without_creating_anything(
            self, incidents: Settings, bus: Bus) -> None:
        """A pattern (or a stored rule) is tested against a sample event: whether it matches,
        and the trigger details the incident would start with; no incident is created."""
        await with_plan(bus, incidents)
        tested = await call(bus, "TestEventPattern", {"eventPattern": ALARM_PATTERN,
                                                      "event": json.dumps(alarm("ALARM"))})
        assert tested["result"] is True
        assert tested["action"] == "open"
        assert tested["triggerDetails"]["triggerArn"].endswith(":alarm:api-5xx")
        assert tested["triggerDetails"]["timestamp"] == 1709630441.515
        assert (await call(bus, "TestEventPattern", {
            "eventPattern": ALARM_PATTERN, "event": alarm("OK")})) == {"result": False}
        await call(bus, "CreateRule", {"name": "everything", "responsePlanArn": PLAN,
                                       "eventPattern": '{"source": [{"prefix": "aws."}]}'})
        by_rule = await call(bus, "TestEventPattern", {"name": "everything",
                                                       "event": alarm("OK")})
        assert (by_rule["result"], by_rule["action"], by_rule["responsePlanArn"]) == (
            True, "recover", PLAN)
        with pytest.raises(errors.ValidationError, match="detail"):
            await call(bus, "TestEventPattern", {"eventPattern": ALARM_PATTERN,
                                                 "event": {"id": "x", "source": "s",
                                                           "detail-type": "t"}})
        listed = await call(bus, "ListIncidentRecords")
        assert listed["incidentRecordSummaries"] == []


class TestIntegrationKeys:
    async def test_a_key_is_shown_once_and_listed_without_its_secret(
            self, incidents: Settings, bus: Bus) -> None:
        """CreateIntegrationKey returns the key; listing shows only ids; delete removes it."""
        await with_plan(bus, incidents)
        created = await call(bus, "CreateIntegrationKey", {"responsePlanArn": PLAN})
        assert len(created["integrationKey"]) == 32
        listed = (await call(bus, "ListIntegrationKeys", {"responsePlanArn": PLAN}))[
            "integrationKeys"]
        assert listed == [{"id": created["id"], "responsePlanArn": PLAN,
                           "createdTime": created["createdTime"]}]
        await call(bus, "DeleteIntegrationKey", {"id": created["id"]})
        assert (await call(bus, "ListIntegrationKeys", {"responsePlanArn": PLAN}))[
            "integrationKeys"] == []
