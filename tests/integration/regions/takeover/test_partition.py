"""A partition of the leaf link (both regions up): the next region takes the cut-off
region's engagements over after the takeover delay; when the link heals, the cut-off
region records the takeover and stands down, so a stage due after that is paged once, by
the region that took over."""

from __future__ import annotations

import pytest

from tests.integration.regions.conftest import Link
from tests.integration.regions.takeover.conftest import Region
from tests.integration.regions.takeover.test_takeover import (
    TIMEOUT,
    _engage,
    _fired,
    _plan,
    _standby,
    _timers,
)
from tocsin.shared.testing import wait_for


@pytest.fixture
def clock_scale() -> float:
    """20 plan minutes a real minute: a 30-minute stage lasts 90 s, longer than a mirror
    takes to catch up after a cut heals (15-40 s, ``reference/nats.md``)."""
    return 20.0


@pytest.mark.timeout(300)
async def test_after_a_partition_the_cut_off_region_stands_down(
        pair: tuple[Region, Region], link: Link) -> None:
    a, b = pair
    alice, _ = await a.person("alice")
    bob, _ = await a.person("bob")
    engagement = await _engage(a, await _plan(a, alice, bob, minutes=30))
    await wait_for(lambda: _standby(b, engagement), timeout=TIMEOUT)

    await link.cut()
    taken = await wait_for(lambda: b.events("escalation.RegionTakenOver"), timeout=TIMEOUT)
    assert taken[0].data["region"] == a.name
    assert taken[0].data["engagementArns"] == [engagement]
    # A, up all along, still runs the engagement as far as it knows.
    rows = await a.sql("SELECT fires_here FROM engagement WHERE arn = $1", engagement)
    assert rows[0]["fires_here"]
    link.heal()

    async def stood_down() -> bool:
        rows = await a.sql("SELECT fires_here, owner_region FROM engagement WHERE arn = $1",
                           engagement)
        return not rows[0]["fires_here"] and rows[0]["owner_region"] == b.name
    await wait_for(stood_down, timeout=120)
    assert (await _timers(a, engagement)).get(1) == "PENDING"  # not fired yet anywhere

    # Stage 1 falls due: B pages it; A's copy is settled by B's firing, never fired by A.
    await wait_for(lambda: _fired(a, engagement), timeout=180)
    due_b = [e for e in await b.events("escalation.StageDue")
             if e.data["engagementArn"] == engagement]
    due_a = [e for e in await a.events("escalation.StageDue")
             if e.data["engagementArn"] == engagement]
    assert len(due_b) == 1 and not due_a
    pages = (await b.call("contacts", "ListPagesByEngagement",
                          {"EngagementId": engagement}))["Pages"]
    assert len([p for p in pages if p["ContactArn"] == bob]) == 1
