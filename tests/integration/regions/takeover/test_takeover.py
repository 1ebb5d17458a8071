"""Paging survives a region's loss: an acceptance in another region stops escalation in
the engagement's region; a lost region's engagement keeps escalating from the next region
of the set, once; the region, back, stands down."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from tests.integration.regions.takeover.conftest import Region
from tocsin.shared import codec
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import incidents as ic
from tocsin.shared.events import envelope_of
from tocsin.shared.testing import wait_for

TIMEOUT = 60.0


async def _timers(region: Region, engagement: str) -> dict[int, str]:
    """Stage index → state of the engagement's stage timers in ``region``."""
    found = await region.call("escalation", "ListTimers", {"EngagementArn": engagement})
    return {t["StageIndex"]: t["State"] for t in found["Timers"]
            if t["Kind"] == "START_ENGAGEMENT_STAGE"}


async def _plan(home: Region, first: str, second: str | None, minutes: int) -> str:
    """An escalation plan of ``home``: ``first`` (essential) for ``minutes``, then
    ``second`` (when given) for as long."""
    return str((await home.call("contacts", "CreateContact", {
        "Alias": "db-oncall", "Type": "ESCALATION", "Plan": {"Stages": [
            {"DurationInMinutes": minutes, "Targets": [
                {"ContactTargetInfo": {"ContactId": contact, "IsEssential": True}}]}
            for contact in (first, second) if contact]}}))["ContactArn"])


async def _engage(home: Region, contact: str, **extra: str) -> str:
    return str((await home.call("contacts", "StartEngagement", {
        "ContactId": contact, "Sender": "tocsin", "Subject": "Database down",
        "Content": "The primary database is down.", **extra}))["EngagementArn"])


async def _publish(region: Region, event: Any, **correlation: str) -> None:
    """``event`` in ``region``'s stream as its service publishes it, delivered twice."""
    envelope = envelope_of(event, region=region.name, now=datetime.now(UTC),
                           correlation=codec.Correlation(**correlation))
    for _ in range(2):  # delivered twice, applied once
        await region.bus.js.publish(
            f"events.{region.name}.{event.service}.{type(event).__name__}",
            codec.encode(envelope), headers={"Nats-Msg-Id": envelope.id})


async def _known(region: Region, contact: str) -> bool:
    try:
        await region.call("contacts", "GetContact", {"ContactId": contact})
    except Exception:
        return False
    return True


async def _standby(region: Region, engagement: str) -> bool:
    """``region`` keeps the engagement's stage 1 timer, pending, as a standby copy."""
    return (await _timers(region, engagement)).get(1) == "PENDING"


async def test_a_page_accepted_in_another_region_stops_escalation_at_home(
        pair: tuple[Region, Region]) -> None:
    a, b = pair
    alice, _ = await a.person("alice")
    bob, _ = await a.person("bob")
    engagement = await _engage(a, await _plan(a, alice, bob, minutes=30))
    await wait_for(lambda: _standby(a, engagement), timeout=TIMEOUT)
    pages = (await a.call("contacts", "ListPagesByEngagement",
                          {"EngagementId": engagement}))["Pages"]
    assert len(pages) == 1
    await wait_for(lambda: _standby(b, engagement), timeout=TIMEOUT)

    # Alice acknowledges her page in B: B's contacts service publishes the ordinary
    # PageAccepted in B's stream.
    accepted = cc.PageAccepted(
        page_arn=pages[0]["PageArn"], engagement_arn=engagement, contact_arn=alice,
        accept_type="READ", accept_time=datetime.now(UTC), progression_stopped=True,
        resource_version=2, principal="arn:tocsin:iam::000000000000:user/alice")
    await _publish(b, accepted, engagement_arn=engagement)

    async def cancelled(region: Region) -> bool:
        return (await _timers(region, engagement)).get(1) == "CANCELLED"
    await wait_for(lambda: cancelled(a), timeout=TIMEOUT)
    await wait_for(lambda: cancelled(b), timeout=TIMEOUT)
    # A cancelled its own timer once, and said so once; B published nothing for it.
    said = [e for e in await a.events("escalation.TimerCancelled")
            if e.data["timerId"] == f"{engagement}#1"]
    assert len(said) == 1 and said[0].data["reason"] == "PROGRESSION_STOPPED"
    assert not await b.events("escalation.TimerCancelled")
    rows = await a.sql("SELECT stopped_at, fires_here FROM engagement WHERE arn = $1",
                       engagement)
    assert rows[0]["stopped_at"] is not None and rows[0]["fires_here"]


async def test_an_incident_deleted_in_another_region_stops_escalation_at_home(
        pair: tuple[Region, Region]) -> None:
    a, b = pair
    alice, _ = await a.person("alice")
    bob, _ = await a.person("bob")
    incident = "arn:tocsin:ssm-incidents::000000000000:incident-record/db/0a1b2c3d"
    engagement = await _engage(a, await _plan(a, alice, bob, minutes=30),
                               IncidentId=incident)
    await wait_for(lambda: _standby(a, engagement), timeout=TIMEOUT)
    await wait_for(lambda: _standby(b, engagement), timeout=TIMEOUT)
    await _publish(b, ic.IncidentRecordDeleted(arn=incident, resource_version=3),
                   incident_arn=incident)

    async def cancelled(region: Region) -> bool:
        return (await _timers(region, engagement)).get(1) == "CANCELLED"
    await wait_for(lambda: cancelled(a), timeout=TIMEOUT)
    await wait_for(lambda: cancelled(b), timeout=TIMEOUT)
    said = [e for e in await a.events("escalation.TimerCancelled")
            if e.data["timerId"] == f"{engagement}#1"]
    assert len(said) == 1 and said[0].data["reason"] == "INCIDENT_RESOLVED"
    assert not await b.events("escalation.TimerCancelled")  # B only kept a copy


async def test_an_engagement_of_a_lost_region_keeps_escalating_from_the_next(
        pair: tuple[Region, Region]) -> None:
    """A starts an engagement whose stage 1 pages a contact of B; A is lost before stage
    1 is due; B takes over and pages stage 1 once; A, back, stands down."""
    a, b = pair
    alice, _ = await a.person("alice")
    bob, bob_channel = await b.person("bob")
    await wait_for(lambda: _known(a, bob), timeout=TIMEOUT)
    engagement = await _engage(a, await _plan(a, alice, bob, minutes=10))
    await wait_for(lambda: _standby(b, engagement), timeout=TIMEOUT)

    await a.lose()
    lost_at = asyncio.get_running_loop().time()

    async def stage_one_paged() -> list[Any]:
        pages = (await b.call("contacts", "ListPagesByEngagement",
                              {"EngagementId": engagement}))["Pages"]
        return [p for p in pages if p["ContactArn"] == bob]
    bob_pages = await wait_for(stage_one_paged, timeout=TIMEOUT)
    assert len(bob_pages) == 1
    deliveries = await wait_for(lambda: b.deliveries(bob_pages[0]["PageArn"]),
                                timeout=TIMEOUT)
    assert [d.channel_arn for d in deliveries] == [bob_channel]
    # A's engagement, paged from B: its subject (its content stays in A).
    assert deliveries[0].subject == deliveries[0].content == "Database down"
    assert asyncio.get_running_loop().time() - lost_at >= 4.0  # not before the delay
    taken = (await b.call("escalation", "ListTakeovers"))["Takeovers"]
    assert [(t["Region"], t["ByRegion"], t["Engagements"]) for t in taken] == \
        [(a.name, b.name, 1)]
    epoch = taken[0]["Epoch"]
    assert (await b.call("escalation", "ListTimers", {"EngagementArn": engagement}))[
        "RunHere"]
    said = await b.events("escalation.RegionTakenOver")
    assert len(said) == 1 and said[0].data["engagementArns"] == [engagement]

    # A returns: it records B's takeover, stands down, and fires nothing of the engagement.
    await a.come_back()

    async def stood_down() -> bool:
        rows = await a.sql("SELECT fires_here, owner_region, owner_epoch FROM engagement"
                           " WHERE arn = $1", engagement)
        return bool(rows) and not rows[0]["fires_here"] and \
            rows[0]["owner_region"] == b.name and rows[0]["owner_epoch"] == epoch
    await wait_for(stood_down, timeout=TIMEOUT)
    recorded = (await a.call("escalation", "ListTakeovers"))["Takeovers"]
    assert [(t["Region"], t["Epoch"], t["ByRegion"]) for t in recorded] == \
        [(a.name, epoch, b.name)]
    assert not (await a.call("escalation", "ListTimers", {"EngagementArn": engagement}))[
        "RunHere"]
    # Positive barrier: A's copy of the stage 1 timer is settled by B's firing of it.
    await wait_for(lambda: _fired(a, engagement), timeout=TIMEOUT)
    assert not [e for e in await a.events("escalation.StageDue")
                if e.data["engagementArn"] == engagement]
    assert len([e for e in await b.events("escalation.StageDue")
                if e.data["engagementArn"] == engagement]) == 1
    assert len(await b.deliveries(bob_pages[0]["PageArn"])) == 1
    assert not [d for d in await a.deliveries() if d.engagement_arn == engagement
                and d.contact_arn == bob]


async def _fired(region: Region, engagement: str) -> bool:
    return (await _timers(region, engagement)).get(1) == "FIRED"


async def test_a_page_of_a_lost_region_follows_its_contacts_plan_from_the_next(
        pair: tuple[Region, Region]) -> None:
    """A pages Bob (a contact of B) through an escalation plan; the next stage of Bob's own
    engagement plan falls due after A is lost: B sends A's page on Bob's stage 1 channel,
    once."""
    a, b = pair
    bob, channel = await b.person("bob")
    await b.call("contacts", "UpdateContact", {"ContactId": bob, "Plan": {"Stages": [
        {"DurationInMinutes": 10, "Targets": [{"ChannelTargetInfo": {
            "ContactChannelId": channel}}]},
        {"DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
            "ContactChannelId": channel}}]}]}})

    async def bob_plan_known() -> bool:
        found = await a.call("contacts", "GetContact", {"ContactId": bob})
        return len(found.get("Plan", {}).get("Stages", [])) == 2
    await wait_for(bob_plan_known, timeout=TIMEOUT)
    engagement = await _engage(a, await _plan(a, bob, None, minutes=30))

    async def plan_stage(region: Region) -> list[Any]:
        found = await region.call("escalation", "ListTimers", {"EngagementArn": engagement})
        return [t for t in found["Timers"] if t["Kind"] == "PAGE_STAGE"]
    standby = await wait_for(lambda: plan_stage(b), timeout=TIMEOUT)
    assert [t["State"] for t in standby] == ["PENDING"]
    page = standby[0]["PageArn"]
    await a.lose()

    sent = await wait_for(lambda: b.deliveries(page), timeout=TIMEOUT)
    assert [d.channel_arn for d in sent] == [channel]
    assert [t["State"] for t in await plan_stage(b)] == ["FIRED"]
    said = [e for e in await b.events("escalation.PageStageDue")
            if e.data["pageArn"] == page]
    assert len(said) == 1
    assert len(await b.deliveries(page)) == 1
