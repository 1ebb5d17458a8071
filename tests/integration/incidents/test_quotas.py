"""Quotas of the incidents service: response plans and event rules beyond the deployment's
quota are refused with ServiceQuotaExceededException, and a delete makes room again."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tocsin.incidents.app import lifespan
from tocsin.incidents.settings import Settings
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus
from tocsin.shared.testing import running

PATTERN = json.dumps({"source": ["aws.cloudwatch"]})


@pytest_asyncio.fixture
async def small(nats_url: str, database_url: str, isolation: dict[str, str],
                bus: Bus) -> AsyncIterator[Settings]:
    settings = Settings(nats_url=nats_url, database_url=database_url, shutdown_grace=5,
                        outbox_poll_interval=0.2, quota_response_plans=2, quota_rules=1,
                        changes_filter=f"changes.{isolation['region']}.>",
                        alarms_filter=f"alarms.{isolation['region']}.>", **isolation)
    async with running(lifespan, settings):
        yield settings


async def call(bus: Bus, operation: str, params: dict[str, Any]) -> Any:
    reply = await bus.request(f"tocsin.rpc.incidents.{operation}", params,
                              headers={"Tocsin-Principal": "arn:tocsin:iam::000000000000:user/a"})
    return codec.decode(reply, dict[str, Any]) if reply else {}


async def plan(bus: Bus, name: str) -> str:
    created = await call(bus, "CreateResponsePlan", {
        "name": name, "incidentTemplate": {"title": f"{name} down", "impact": 3}})
    return str(created["arn"])


async def test_response_plans_beyond_the_quota_are_refused(small: Settings, bus: Bus) -> None:
    await call(bus, "CreateReplicationSet", {"regions": {small.region: {}}})
    first = await plan(bus, "api")
    await plan(bus, "db")
    with pytest.raises(errors.QuotaExceededError) as refused:
        await plan(bus, "web")
    assert "quota of 2 response plans" in refused.value.message
    assert refused.value.fields["quotaCode"] == "tocsin-response-plans"
    assert refused.value.fields["serviceCode"] == "ssm-incidents"
    assert refused.value.fields["resourceType"] == "RESPONSE_PLAN"
    await call(bus, "DeleteResponsePlan", {"arn": first})
    await plan(bus, "web")


async def test_event_rules_beyond_the_quota_are_refused(small: Settings, bus: Bus) -> None:
    await call(bus, "CreateReplicationSet", {"regions": {small.region: {}}})
    arn = await plan(bus, "api")
    await call(bus, "CreateRule", {"name": "one", "eventPattern": PATTERN,
                                   "responsePlanArn": arn})
    with pytest.raises(errors.QuotaExceededError, match="quota of 1 event rules"):
        await call(bus, "CreateRule", {"name": "two", "eventPattern": PATTERN,
                                       "responsePlanArn": arn})
