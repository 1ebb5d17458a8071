"""The escalation service keeps its standby timers, and the contacts, incidents and
analysis services the other regions' takeovers, under their own NATS identities, as ``make
run`` starts two regions: each lists the mirrors, reads each under its durable
(``standby``, ``takeovers``), and asks another region's JetStream how far that region's
stream reaches."""

from __future__ import annotations

import functools
from typing import Any

import nats.js.errors
import pytest

from tests.integration.regions.conftest import Regions
from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.bus import regions as mirrors
from tocsin.shared.testing import wait_for

ALICE = "arn:tocsin:iam::000000000000:user/alice"


async def call(bus: Bus, service: str, operation: str, params: dict[str, Any]) -> Any:
    reply = await bus.request(f"tocsin.rpc.{service}.{operation}", params,
                              headers={"Tocsin-Principal": ALICE})
    return codec.decode(reply, dict[str, Any])


@pytest.mark.timeout(300)
async def test_standby_timers_under_the_escalation_identity(regions: Regions) -> None:
    a, b = regions.a, regions.b
    services = ("incidents", "contacts", "escalation", "analysis")
    async with a.stack(*services), b.stack(*services), \
            a.connect("gateway") as gw_a, b.connect("gateway") as gw_b:
        await call(gw_a, "incidents", "CreateReplicationSet",
                   {"regions": {a.name: {}, b.name: {}}})
        alice = (await call(gw_a, "contacts", "CreateContact", {
            "Alias": "alice", "Type": "PERSONAL", "Plan": {"Stages": []}}))["ContactArn"]
        plan = (await call(gw_a, "contacts", "CreateContact", {
            "Alias": "oncall", "Type": "ESCALATION", "Plan": {"Stages": [
                {"DurationInMinutes": 30, "Targets": [
                    {"ContactTargetInfo": {"ContactId": alice, "IsEssential": True}}]}
                for _ in range(2)]}}))["ContactArn"]
        engagement = (await call(gw_a, "contacts", "StartEngagement", {
            "ContactId": plan, "Sender": "tocsin", "Subject": "Database down",
            "Content": "down"}))["EngagementArn"]

        async def standby() -> bool:
            timers = (await call(gw_b, "escalation", "ListTimers",
                                 {"EngagementArn": engagement}))["Timers"]
            return [t["State"] for t in timers] == ["PENDING"]
        await wait_for(standby, timeout=120)

        # What a starting escalation, contacts, incidents or analysis instance asks of the
        # region's JetStream, and of its durable on that region's mirror here (once it
        # reads it).
        for service, durable in (("escalation", "escalation-standby"),
                                 ("contacts", "contacts-takeovers"),
                                 ("incidents", "incidents-takeovers"),
                                 ("analysis", "analysis-takeovers")):
            nc = await b.client(service)
            try:
                theirs = await nc.jetstream(domain=a.name, timeout=5).stream_info(
                    mirrors.mirror_name(a.name))
                assert theirs.state.last_seq > 0
                await wait_for(functools.partial(_caught_up, nc, a.name, durable),
                               timeout=60)
            finally:
                await nc.close()


async def _caught_up(nc: Any, origin: str, durable: str) -> bool:
    """``durable`` reads ``origin``'s mirror here and has nothing pending."""
    try:
        ours = await nc.jetstream().consumer_info(mirrors.mirror_name(origin), durable)
    except nats.js.errors.NotFoundError:
        return False
    return not ours.num_pending
