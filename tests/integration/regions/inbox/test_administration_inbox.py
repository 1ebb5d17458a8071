"""Resource policies, event rules, findings and integration keys of the incidents service
written in one region are read in the other through its own API (a key made in A is
accepted by B), concurrent changes converge on the last writer, deletions win, and
redelivery changes nothing."""

from __future__ import annotations

import time
import uuid
from typing import Any

import asyncpg
import pytest

from tests.integration.regions.inbox.conftest import Region, partition, redelivery_changes_nothing
from tests.integration.regions.inbox.settling import settled
from tocsin.shared import codec, errors
from tocsin.shared.testing import wait_for

TIMEOUT = 30.0
POLICY = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal":'
          ' {"AWS": "arn:aws:iam::111122223333:root"}, "Action":'
          ' ["ssm-incidents:GetResponsePlan"], "Resource": "*"}]}')
PATTERN = '{"source": ["aws.cloudwatch"]}'


async def _plan(region: Region, seen_in: Region) -> str:
    """A replication set and a response plan made in ``region``, once ``seen_in`` holds
    the plan."""
    await region.call("incidents", "CreateReplicationSet", {"regions": {region.name: {}}})
    plan = str((await region.call("incidents", "CreateResponsePlan", {
        "name": "db-down", "incidentTemplate": {"title": "Database down", "impact": 2}}))["arn"])
    await wait_for(lambda: _read(seen_in, "GetResponsePlan", {"arn": plan}), timeout=TIMEOUT)
    return plan


async def _read(region: Region, operation: str, params: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return await region.call("incidents", operation, params)
    except (errors.NotFoundError, errors.ValidationError):
        return None


async def _rule(region: Region, name: str) -> dict[str, Any] | None:
    return await _read(region, "GetRule", {"name": name})


async def _accepted(region: Region, key: str) -> str | None:
    try:
        found = await region.call("incidents", "CheckIntegrationKey", {"integrationKey": key})
    except errors.AccessDeniedError:
        return None
    return str(found["responsePlanArn"])


async def _policies(region: Region, plan: str) -> list[dict[str, Any]]:
    found = await region.call("incidents", "GetResourcePolicies", {"resourceArn": plan})
    return list(found["resourcePolicies"])


async def test_what_a_writes_is_read_and_accepted_in_b(
        regions: tuple[Region, Region],
        database_url: str) -> None:
    """A policy, a rule, an integration key and a finding made in A: B lists the policy
    and the rule as A does, accepts the key for A's plan (and lists it), and serves the
    finding for an incident started in B after the change."""
    a, b = regions
    plan = await _plan(a, seen_in=b)
    await a.call("incidents", "PutResourcePolicy", {"resourceArn": plan, "policy": POLICY})
    await a.call("incidents", "CreateRule", {
        "name": "cloudwatch", "eventPattern": PATTERN, "responsePlanArn": plan,
        "description": "CloudWatch alarms"})
    created = await a.call("incidents", "CreateIntegrationKey", {"responsePlanArn": plan})
    now = time.time()
    await a.bus.publish(f"changes.{a.name}.codedeploy", codec.encode({"codeDeployDeployment": {
        "deploymentGroupArn": "arn:aws:codedeploy:eu-west-1:111122223333:deploymentgroup:x/y",
        "deploymentId": "d-REGIONS", "startTime": now - 600, "endTime": now - 300}}),
        msg_id=str(uuid.uuid4()))

    assert await wait_for(lambda: _accepted(b, created["integrationKey"]),
                          timeout=TIMEOUT) == plan
    assert await wait_for(lambda: _rule(b, "cloudwatch"), timeout=TIMEOUT) == \
        await _rule(a, "cloudwatch")
    listed = await b.call("incidents", "ListIntegrationKeys", {"responsePlanArn": plan})
    assert [k["id"] for k in listed["integrationKeys"]] == [created["id"]]

    incident = (await b.call("incidents", "StartIncident", {
        "responsePlanArn": plan, "title": "after the deployment"}))["incidentRecordArn"]

    async def finding_in_b() -> list[Any] | None:
        page = await b.call("incidents", "ListIncidentFindings",
                            {"incidentRecordArn": incident})
        return page["findings"] or None
    found = await wait_for(finding_in_b, timeout=TIMEOUT)
    await settled(a, b, "incidents", database_url)
    assert len(found) == 1
    details = [await r.call("incidents", "BatchGetIncidentFindings", {
        "incidentRecordArn": incident, "findingIds": [found[0]["id"]]}) for r in (a, b)]
    assert details[0] == details[1] and len(details[1]["findings"]) == 1
    assert await _policies(b, plan) == await _policies(a, plan)
    assert [p["ramResourceShareRegion"] for p in await _policies(b, plan)] == [a.name]
    assert (await b.call("incidents", "ListRules"))["rules"] == \
        (await a.call("incidents", "ListRules"))["rules"]



async def test_a_rule_changed_apart_converges_on_the_last_writer(
        regions: tuple[Region, Region],
        database_url: str) -> None:
    """Both regions change one rule while cut off: both end with the later change."""
    a, b = regions
    plan = await _plan(a, seen_in=b)
    await a.call("incidents", "CreateRule", {"name": "r", "eventPattern": PATTERN,
                                             "responsePlanArn": plan})
    await wait_for(lambda: _rule(b, "r"), timeout=TIMEOUT)
    async with partition(a, b):
        for region in (a, b):
            await region.call("incidents", "UpdateRule",
                              {"name": "r", "description": f"by {region.name}"})
    stamps = {await r.last_stamp(f"events.{r.name}.incidents.EventRuleUpdated"):
              f"by {r.name}" for r in (a, b)}
    await settled(a, b, "incidents", database_url)
    rules = [await _rule(r, "r") for r in (a, b)]
    assert rules[0] == rules[1]
    assert rules[0] is not None and rules[0]["rule"]["description"] == stamps[max(stamps)]


async def test_deletions_win_over_concurrent_changes(regions: tuple[Region, Region],
        database_url: str) -> None:
    """A rule deleted in A while B, later, changes it; a key and a policy deleted in B:
    all gone in both regions (the key refused in both)."""
    a, b = regions
    plan = await _plan(a, seen_in=b)
    await a.call("incidents", "CreateRule", {"name": "r", "eventPattern": PATTERN,
                                             "responsePlanArn": plan})
    key = await a.call("incidents", "CreateIntegrationKey", {"responsePlanArn": plan})
    policy = (await a.call("incidents", "PutResourcePolicy",
                           {"resourceArn": plan, "policy": POLICY}))["policyId"]
    await wait_for(lambda: _accepted(b, key["integrationKey"]), timeout=TIMEOUT)
    await wait_for(lambda: _policies(b, plan), timeout=TIMEOUT)
    await wait_for(lambda: _rule(b, "r"), timeout=TIMEOUT)
    async with partition(a, b):
        await a.call("incidents", "DeleteRule", {"name": "r"})
        await b.call("incidents", "UpdateRule", {"name": "r", "description": "later"})
        await b.call("incidents", "DeleteIntegrationKey", {"id": key["id"]})
        await b.call("incidents", "DeleteResourcePolicy",
                     {"resourceArn": plan, "policyId": policy})
    await settled(a, b, "incidents", database_url)
    for region in (a, b):
        assert await _rule(region, "r") is None
        assert await _accepted(region, key["integrationKey"]) is None
        assert await _policies(region, plan) == []


async def _digest(conn: asyncpg.Connection, region: str) -> list[Any]:
    schema = f'"{region}_incidents"'
    return [[tuple(r) for r in await conn.fetch(f"SELECT * FROM {schema}.{table} ORDER BY 1")]
            for table in ("resource_policy", "event_rule", "integration_key", "finding",
                          "replica_tombstone")]


@pytest.mark.parametrize("deleted", [False, True])
async def test_redelivered_events_change_nothing(regions: tuple[Region, Region],
                                                 database_url: str, deleted: bool) -> None:
    """Every incidents event of A read again by B's inbox (its durable made anew reads the
    mirror from the start) leaves B's policies, rules and keys as they were."""
    a, b = regions
    plan = await _plan(a, seen_in=b)
    await a.call("incidents", "PutResourcePolicy", {"resourceArn": plan, "policy": POLICY})
    await a.call("incidents", "CreateRule", {"name": "r", "eventPattern": PATTERN,
                                             "responsePlanArn": plan})
    await a.call("incidents", "UpdateRule", {"name": "r", "state": "DISABLED"})
    key = await a.call("incidents", "CreateIntegrationKey", {"responsePlanArn": plan})
    if deleted:
        await a.call("incidents", "DeleteRule", {"name": "r"})
        await a.call("incidents", "DeleteIntegrationKey", {"id": key["id"]})

    async def last_change_in_b() -> bool:
        rule = await _rule(b, "r")
        if deleted:
            return rule is None and await _accepted(b, key["integrationKey"]) is None
        return rule is not None and rule["rule"]["state"] == "DISABLED" \
            and await _accepted(b, key["integrationKey"]) == plan
    await wait_for(last_change_in_b, timeout=TIMEOUT)
    await settled(a, b, "incidents", database_url)
    conn = await asyncpg.connect(database_url)
    try:
        await redelivery_changes_nothing(b, a, "incidents",
                                         lambda: _digest(conn, b.name))
    finally:
        await conn.close()
