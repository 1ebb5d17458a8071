"""Action-item reminders survive a region's loss: an overdue action item of a lost region
reminds its owner from the next region of the set, once; the region, back, stands down for
it and keeps reminding what it makes afterwards."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.integration.regions.takeover.conftest import Region
from tests.integration.regions.takeover.test_takeover import TIMEOUT, _known
from tocsin.shared.clock import ScaledClock
from tocsin.shared.testing import wait_for


@pytest.fixture
def also_services() -> tuple[str, ...]:
    return ("analysis",)


def _plan_time(region: Region, minutes: float) -> float:
    """Unix seconds of the plan time ``minutes`` plan minutes from now (the regions'
    one plan clock)."""
    clock = ScaledClock(region.common["clock_scale"], region.common["clock_epoch"])
    return (clock.now() + timedelta(minutes=minutes)).timestamp()


async def _action_item(region: Region, owner: str, *, due_in_minutes: float) -> str:
    return str((await region.call("analysis", "CreateOpsItem", {
        "Title": "Rotate the cache keys", "Description": "After the split brain",
        "Source": "orders-team", "PlannedEndTime": _plan_time(region, due_in_minutes),
        "OperationalData": {"/tocsin/owner": {"Value": owner,
                                              "Type": "SearchableString"}}}))["OpsItemId"])


async def _timers(region: Region, item: str) -> list[tuple[int, str, bool]]:
    """The item's reminder timers in ``region``: (reminder, state, fires here)."""
    rows = await region.sql(
        "SELECT t.reminder, t.state, r.fires_here FROM reminder_timer t"
        " JOIN reminder_runner r USING (ops_item_id) WHERE t.ops_item_id = $1"
        " ORDER BY t.reminder", item, service="analysis")
    return [(r["reminder"], r["state"], r["fires_here"]) for r in rows]


async def _overdue(region: Region, item: str) -> list[Any]:
    """The reminders of the item this region sent (its own ``ActionItemOverdue``)."""
    return [e.data["reminder"] for e in await region.events("analysis.ActionItemOverdue")
            if e.data["opsItemId"] == item]


@pytest.mark.timeout(300)
async def test_a_lost_regions_reminder_is_sent_by_the_next_once(
        pair: tuple[Region, Region]) -> None:
    a, b = pair
    alice, _ = await a.person("alice")
    await wait_for(lambda: _known(b, alice), timeout=TIMEOUT)
    item = await _action_item(a, alice, due_in_minutes=20)

    async def standby(region: Region) -> bool:
        return await _timers(region, item) == [(1, "pending", False)]
    await wait_for(lambda: standby(b), timeout=TIMEOUT)
    assert await _timers(a, item) == [(1, "pending", True)]
    await a.lose()

    # B takes A over (no engagement of A open: the takeover is recorded all the same) and
    # sends A's reminder when it falls due, paging its owner.
    [taken] = await wait_for(lambda: b.events("escalation.RegionTakenOver"), timeout=TIMEOUT)
    assert taken.data["region"] == a.name and not taken.data.get("engagementArns")
    assert await wait_for(lambda: _overdue(b, item), timeout=TIMEOUT) == [1]

    async def alice_paged() -> list[Any]:
        return [d for d in await b.deliveries() if d.contact_arn == alice]
    [page] = await wait_for(alice_paged, timeout=TIMEOUT)
    assert "Rotate the cache keys" in page.subject
    assert await _timers(b, item) == [(1, "fired", True), (2, "pending", True)]

    # A returns, its copy of reminder 1 overdue: it learns of B's takeover before it could
    # fire it, and B's reminder settles it (cancelled, never fired); the next is B's.
    await a.come_back()

    async def settled() -> bool:
        return await _timers(a, item) == [(1, "cancelled", False), (2, "pending", False)]
    await wait_for(settled, timeout=120)
    assert await _overdue(a, item) == []
    assert await _overdue(b, item) == [1]
    taken_in_a = await a.sql("SELECT region, by_region, epoch FROM region_takeover",
                             service="analysis")
    assert [tuple(r) for r in taken_in_a] == [(a.name, b.name, taken.data["epoch"])]

    # What A makes after its return is A's own to remind; B keeps a standby copy.
    later = await _action_item(a, alice, due_in_minutes=2)
    assert await wait_for(lambda: _overdue(a, later), timeout=TIMEOUT) == [1]

    async def settled_in_b() -> bool:
        return await _timers(b, later) == [(1, "cancelled", False), (2, "pending", False)]
    await wait_for(settled_in_b, timeout=TIMEOUT)
    assert await _overdue(b, later) == []
    assert len(await alice_paged()) == 1
    # One takeover for the whole loss, though B looked at A's silence many times.
    assert len(await b.events("escalation.RegionTakenOver")) == 1
    assert await a.events("escalation.RegionTakenOver") == []


class TestFromTheLastReminderSent:
    """A day of plan time lasts 20 real seconds here, so a second reminder comes in a
    test's time (too fast for a channel's activation code: the owner has no channel, the
    reminders are the events)."""

    @pytest.fixture
    def clock_scale(self) -> float:
        return 86400 / 20

    @pytest.mark.timeout(300)
    async def test_the_next_region_goes_on_from_the_lost_regions_last_reminder(
            self, pair: tuple[Region, Region]) -> None:
        """A reminds the owner of its overdue item (reminder 1) and B's copy follows, due a
        day later; A is lost: B sends reminder 2 when that day is over, not reminder 1
        again."""
        a, b = pair
        alice = str((await a.call("contacts", "CreateContact", {
            "Alias": "alice", "Type": "PERSONAL", "Plan": {"Stages": []}}))["ContactArn"])
        await wait_for(lambda: _known(b, alice), timeout=TIMEOUT)
        item = await _action_item(a, alice, due_in_minutes=10)
        assert await wait_for(lambda: _overdue(a, item), timeout=TIMEOUT) == [1]

        async def follows(region: Region) -> bool:
            return await _timers(region, item) == [(1, "cancelled", False),
                                                   (2, "pending", False)]
        await wait_for(lambda: follows(b), timeout=TIMEOUT)
        [due_in_a] = await a.sql("SELECT due_at FROM reminder_timer WHERE ops_item_id = $1"
                                 " AND reminder = 2", item, service="analysis")
        [due_in_b] = await b.sql("SELECT due_at FROM reminder_timer WHERE ops_item_id = $1"
                                 " AND reminder = 2", item, service="analysis")
        assert due_in_a == due_in_b  # the same due time in both regions
        await a.lose()

        assert await wait_for(lambda: _overdue(b, item), timeout=TIMEOUT) == [2]
        [fired] = await b.sql("SELECT finished_at FROM reminder_timer WHERE ops_item_id = $1"
                              " AND reminder = 2", item, service="analysis")
        assert fired["finished_at"] >= due_in_b["due_at"]  # when A had it due, not before
        await a.come_back()
        # B goes on reminding a plan day (20 s) apart while A catches up (its mirror of B
        # resumes 15-40 s after its return): A's next copy is reminder 3 or a later one.
        assert await wait_for(lambda: _settled_from(a, item, 3), timeout=120) >= 3
        assert await _overdue(a, item) == [1]


async def _settled_from(region: Region, item: str, first: int) -> int | None:
    """The reminder of the item that ``region`` holds pending as a standby copy, if it is
    ``first`` or a later one and the earlier ones are settled or fired."""
    timers = await _timers(region, item)
    if not timers or timers[-1][1:] != ("pending", False) or timers[-1][0] < first:
        return None
    return timers[-1][0] if all(state != "pending" for _, state, _ in timers[:-1]) else None
