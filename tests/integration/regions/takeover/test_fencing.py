"""A returning region's contacts service does not page a stage again that the region which
took over its engagement paged: its stage work is fenced by the takeover epochs."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from tests.integration.regions.takeover.conftest import Region
from tests.integration.regions.takeover.test_takeover import (
    TIMEOUT,
    _engage,
    _known,
    _plan,
    _standby,
)
from tocsin.shared.testing import wait_for


async def stage_work_done(region: Region) -> bool:
    """The contacts service of ``region`` has acted on every escalation event of its own
    region (its ``escalation`` durable has nothing pending)."""
    info = await region.bus.js.consumer_info(region.stream, f"{region.name}_contacts-escalation")
    return not info.num_pending and not info.num_ack_pending


async def runs_in(region: Region, engagement: str) -> str | None:
    """The region that runs ``engagement`` by the takeovers ``region``'s contacts service
    knows (None: none known)."""
    rows = await region.sql("SELECT region FROM engagement_takeover WHERE engagement_arn = $1",
                            engagement, service="contacts")
    return rows[0]["region"] if rows else None


async def test_a_returning_region_does_not_page_a_stage_taken_over_again(
        pair: tuple[Region, Region]) -> None:
    """A fires stage 1 of its engagement (its ``StageDue`` is in its stream) but its contacts
    service is down, so nobody is paged; then A is lost. B takes over and pages stage 1.
    A returns with the ``StageDue`` still to act on: it learns of B's takeover first and
    pages nobody."""
    a, b = pair
    alice, _ = await a.person("alice")
    bob, _ = await b.person("bob")
    await wait_for(lambda: _known(a, bob), timeout=TIMEOUT)
    engagement = await _engage(a, await _plan(a, alice, bob, minutes=10))
    await wait_for(lambda: _standby(b, engagement), timeout=TIMEOUT)

    await a.stop("contacts")

    async def stage_one_due() -> list[Any]:
        return [e for e in await a.events("escalation.StageDue")
                if e.data["engagementArn"] == engagement]
    await wait_for(stage_one_due, timeout=TIMEOUT)
    assert not await stage_work_done(a)  # A's StageDue waits for A's contacts service
    await a.lose()

    async def bob_paged() -> list[Any]:
        pages = (await b.call("contacts", "ListPagesByEngagement",
                              {"EngagementId": engagement}))["Pages"]
        return [p for p in pages if p["ContactArn"] == bob]
    pages = await wait_for(bob_paged, timeout=TIMEOUT)
    page = pages[0]["PageArn"]
    await wait_for(lambda: b.deliveries(page), timeout=TIMEOUT)
    assert await runs_in(b, engagement) == b.name  # B's own takeover, fencing nothing there

    await a.come_back()
    # Positive barrier: A's contacts service knows of B's takeover and has acted on the
    # StageDue that waited for it.
    await wait_for(lambda: is_(runs_in(a, engagement), b.name), timeout=120)
    await wait_for(lambda: stage_work_done(a), timeout=TIMEOUT)
    assert not [d for d in await a.deliveries() if d.engagement_arn == engagement
                and d.contact_arn == bob]
    assert len(await b.deliveries(page)) == 1
    stages = [e for e in await a.events("contacts.EngagementStageStarted")
              if e.data["engagementArn"] == engagement]
    assert [s.data["stageIndex"] for s in stages] == [0]  # stage 1 started in B only


async def is_(value: Awaitable[Any], expected: Any) -> bool:
    """Whether ``value``, awaited, is ``expected`` (for :func:`wait_for`)."""
    return await value == expected


async def test_a_retry_fired_by_a_region_lost_before_it_paged_is_sent_by_the_next(
        pair: tuple[Region, Region]) -> None:
    """A fires a channel retry of Bob's page (its ``ChannelRetryDue`` reaches B) but its
    contacts service is down, so the page is not sent again; then A is lost. The retry is
    not lost: B sends it, once. A, back, drops the ``ChannelRetryDue`` that waited for its
    contacts service: the engagement runs in B."""
    a, b = pair
    channel, engagement, page = await page_with_an_error(a, b, retry_minutes=5)

    async def retry_timer(region: Region) -> list[Any]:
        found = await region.call("escalation", "ListTimers", {"EngagementArn": engagement})
        return [t for t in found["Timers"] if t["Kind"] == "RETRY_CHANNEL"]
    await wait_for(lambda: retry_timer(b), timeout=TIMEOUT)
    await a.stop("contacts")

    async def retry_due(region: Region) -> list[Any]:
        return [e for e in await region.events("escalation.ChannelRetryDue")
                if e.data["engagementArn"] == engagement]
    [fired] = await wait_for(lambda: retry_due(a), timeout=TIMEOUT)

    # Positive barrier: B's mirror holds A's ChannelRetryDue.
    ours = (await a.bus.js.stream_info(a.stream)).state.last_seq

    async def mirrored() -> bool:
        return (await b.bus.js.stream_info(a.stream)).state.last_seq >= ours
    await wait_for(mirrored, timeout=TIMEOUT)
    await a.lose()

    async def sent_again() -> list[Any]:
        return [d for d in await b.deliveries(page) if d.channel_arn == channel]
    [again] = await wait_for(sent_again, timeout=TIMEOUT)
    assert again.accept_code
    [due] = await retry_due(b)
    assert due.data["timerId"] == fired.data["timerId"]

    await a.come_back()
    await wait_for(lambda: is_(runs_in(a, engagement), b.name), timeout=120)
    await wait_for(lambda: stage_work_done(a), timeout=TIMEOUT)
    assert len(await a.deliveries(page)) == 1  # the first sending only
    assert len(await sent_again()) == 1


async def page_with_an_error(a: Region, b: Region, *, retry_minutes: int
                             ) -> tuple[str, str, str]:
    """Bob, a contact of B whose channel is retried ``retry_minutes`` after an error,
    paged by an engagement of A (an escalation plan of one 30-minute stage), and an
    ``ERROR`` of his channel recorded in A: the channel, the engagement and the page."""
    bob, channel = await b.person("bob")
    await b.call("contacts", "UpdateContact", {"ContactId": bob, "Plan": {"Stages": [
        {"DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
            "ContactChannelId": channel, "RetryIntervalInMinutes": retry_minutes}}]}]}})

    async def retry_known_in_a() -> bool:
        plan = (await a.call("contacts", "GetContact", {"ContactId": bob})).get("Plan", {})
        return any(t["ChannelTargetInfo"].get("RetryIntervalInMinutes") == retry_minutes
                   for s in plan.get("Stages", []) for t in s["Targets"])
    await wait_for(retry_known_in_a, timeout=TIMEOUT)
    engagement = await _engage(a, await _plan(a, bob, None, minutes=30))
    [page] = (await a.call("contacts", "ListPagesByEngagement",
                           {"EngagementId": engagement}))["Pages"]
    sent = await wait_for(lambda: a.deliveries(page["PageArn"]), timeout=TIMEOUT)
    assert [d.channel_arn for d in sent] == [channel]
    await a.call("contacts", "RecordPageReceipt", {
        "PageId": page["PageArn"], "ReceiptType": "ERROR", "ContactChannelId": channel,
        "ReceiptInfo": "mailbox full"})
    return channel, engagement, page["PageArn"]
