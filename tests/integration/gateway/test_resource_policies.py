"""The resource policies authorization reads: fetched from their services, held, and
forgotten when a service's event says a policy changed (so every gateway, not only the
one that served the change, stops using the old one)."""

from __future__ import annotations

import json
from typing import Any

from tocsin.gateway.access import ResourcePolicies
from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

A, B = "000000000000", "111111111111"
PLAN = f"arn:tocsin:ssm-incidents::{A}:response-plan/web"
CONTACT = f"arn:tocsin:ssm-contacts:local-1:{A}:contact/alice"
SHARE = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": B}, "Action": "ssm-incidents:StartIncident",
    "Resource": PLAN}]})


class Services:
    def __init__(self) -> None:
        self.reads: list[tuple[str, str, str]] = []
        self.plan_policies = [SHARE]

    async def call_service(self, service: str, operation: str, params: dict[str, Any], *,
                           principal: str, request_id: str) -> dict[str, Any]:
        self.reads.append((service, operation, principal))
        if operation == "GetResourcePolicies":
            return {"resourcePolicies": [{"policyDocument": d, "policyId": str(i)}
                                         for i, d in enumerate(self.plan_policies)]}
        return {"Policy": json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "ssm-contacts:GetContact"}]})}


async def test_fetched_once_then_held(bus: Bus) -> None:
    services = Services()
    policies = ResourcePolicies(services, principal="arn:tocsin:iam::0:role/tocsin-gateway")
    first = await policies.policies(PLAN)
    assert len(first) == 1 and first[0].statements[0].principals == (B,)
    assert await policies.policies(PLAN) == first
    assert await policies.policies(f"arn:tocsin:ssm-incidents::{A}:incident-record/web/x") == ()
    contact = await policies.policies(CONTACT)
    assert contact[0].statements[0].resources == ("*",)  # a contact's policy: itself
    assert services.reads == [
        ("incidents", "GetResourcePolicies", "arn:tocsin:iam::0:role/tocsin-gateway"),
        ("contacts", "GetContactPolicy", "arn:tocsin:iam::0:role/tocsin-gateway")]


async def test_a_services_event_makes_every_gateway_read_again(
        bus: Bus, isolation: dict[str, str]) -> None:
    region = isolation["region"]
    services = Services()
    policies = ResourcePolicies(services, principal="p")
    await policies.follow(bus, region)
    try:
        assert len(await policies.policies(PLAN)) == 1
        services.plan_policies = []
        envelope = codec.make_envelope(type="ResourcePolicyDeleted", service="incidents",
                                       region=region,
                                       data={"resourceArn": PLAN, "policyId": "0"})
        await bus.nc.publish(envelope.subject, codec.encode(envelope))

        async def forgotten() -> bool:
            return await policies.policies(PLAN) == ()

        await wait_for(forgotten)
        assert len(services.reads) == 2
    finally:
        await policies.close()


async def test_a_stored_policy_it_cannot_read_grants_nothing(bus: Bus) -> None:
    services = Services()
    services.plan_policies = ["{not json", SHARE]
    policies = ResourcePolicies(services, principal="p")
    assert len(await policies.policies(PLAN)) == 1
