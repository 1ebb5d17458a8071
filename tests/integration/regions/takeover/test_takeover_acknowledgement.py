"""An acknowledgement timeout a region fired just before it was lost, whose re-engagement its
incidents service had not started, engages the contact again once in all: from the region
that takes over, whether the timeout reached it before the loss or not. The lost region,
back, learns of the takeover before it acts on the timeout, and drops it."""

from __future__ import annotations

import pytest

from tests.integration.regions.conftest import Link
from tests.integration.regions.takeover.conftest import Region
from tests.integration.regions.takeover.test_fencing import is_
from tests.integration.regions.takeover.test_takeover import TIMEOUT
from tests.integration.regions.takeover.test_takeover_retries import (
    ACK_TIMEOUT_MINUTES,
    Acknowledged,
    _due,
    _timers,
    acknowledged,
    engaged_again,
    reengagements,
)
from tocsin.shared import codec
from tocsin.shared.testing import wait_for

SLOW_ACK_TIMEOUT_MINUTES = 20.0
"""Long enough (20 s at the pair's clock) for the leaf link to be cut before it falls
due."""


async def mirrored(into: Region, origin: Region) -> bool:
    """``into``'s mirror of ``origin``'s stream holds all that stream holds."""
    ours = (await origin.bus.js.stream_info(origin.stream)).state.last_seq
    return (await into.bus.js.stream_info(origin.stream)).state.last_seq >= ours


async def in_mirror(into: Region, origin: Region, kind: str) -> list[codec.Envelope]:
    """The events of type ``kind`` of ``origin`` that ``into``'s mirror of its stream
    holds."""
    info = await into.bus.js.stream_info(origin.stream)
    found = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            msg = await into.bus.js.get_msg(origin.stream, seq)
        except Exception:
            continue
        if msg.subject == f"events.{origin.name}.{kind}":
            found.append(codec.decode(msg.data, codec.Envelope))
    return found


async def incidents_runs_in(region: Region, engagement: str) -> str | None:
    """The region that runs ``engagement`` by the takeovers ``region``'s incidents service
    knows (None: none known)."""
    rows = await region.sql("SELECT region FROM engagement_takeover WHERE engagement_arn = $1",
                            engagement, service="incidents")
    return rows[0]["region"] if rows else None


async def timeouts_done(region: Region) -> bool:
    """The incidents service of ``region`` has acted on every escalation event of its own
    region (its ``reengage`` durable has nothing pending)."""
    info = await region.bus.js.consumer_info(region.stream, f"{region.name}_incidents-reengage")
    return not info.num_pending and not info.num_ack_pending


async def engaged_again_once_by(b: Region, read: Acknowledged, timer_id: str) -> None:
    """B, having taken A's engagement over, fires its copy of the acknowledgement timeout
    ``timer_id`` and engages the contact again, once, saying so on the timeline."""
    taken = await wait_for(lambda: b.events("escalation.RegionTakenOver"), timeout=TIMEOUT)
    assert read.engagement in taken[0].data["engagementArns"]
    [due] = await wait_for(lambda: _due(b, "AcknowledgementTimedOut", read.engagement),
                           timeout=TIMEOUT)
    assert due.data["timerId"] == timer_id
    [again] = await wait_for(lambda: engaged_again(b, read.incident, read.engagement),
                             timeout=TIMEOUT)
    assert again["ContactArn"] == read.contact
    await wait_for(lambda: reengagements(b, read.incident), timeout=TIMEOUT)
    [handled] = await wait_for(lambda: b.events("incidents.AcknowledgementTimeoutHandled"),
                               timeout=TIMEOUT)
    assert handled.data["timerId"] == timer_id
    assert handled.data["reengagementArn"] == again["EngagementArn"]


async def stood_down(a: Region, b: Region, read: Acknowledged) -> None:
    """A, back, has learnt of B's takeover and acted on every escalation event of its own,
    the acknowledgement timeout that waited for it included: it engaged nobody again, and
    both regions show B's re-engagement only."""
    # Positive barrier: A's incidents service knows B runs the engagement, and its
    # consumer of A's escalation events has nothing left to act on.
    await wait_for(lambda: is_(incidents_runs_in(a, read.engagement), b.name), timeout=120)
    await wait_for(lambda: timeouts_done(a), timeout=TIMEOUT)
    assert not await a.events("incidents.AcknowledgementTimeoutHandled")
    # B's re-engagement reaches A's stores.
    await wait_for(lambda: reengagements(a, read.incident), timeout=TIMEOUT)
    await wait_for(lambda: engaged_again(a, read.incident, read.engagement), timeout=TIMEOUT)
    assert len(await reengagements(a, read.incident)) == 1
    assert len(await reengagements(b, read.incident)) == 1
    assert len(await engaged_again(a, read.incident, read.engagement)) == 1
    assert len(await engaged_again(b, read.incident, read.engagement)) == 1


@pytest.mark.parametrize("ack_timeout_minutes", [ACK_TIMEOUT_MINUTES])
async def test_a_timeout_fired_before_the_loss_and_mirrored_engages_again_from_the_next(
        pair: tuple[Region, Region], ack_timeout_minutes: float) -> None:
    """A fires the acknowledgement timeout of Alice's acknowledged page, and its
    ``AcknowledgementTimedOut`` reaches B, but A's incidents service is down: nobody
    engages Alice again; then A is lost. B's copy of the timer waits for A's incidents
    service to have acted, not for the demand alone: B takes the engagement over, fires the
    timeout and engages Alice again, once. A, back, drops its own timeout."""
    a, b = pair
    read = await acknowledged(a, b)
    await a.stop("incidents")
    [fired] = await wait_for(lambda: _due(a, "AcknowledgementTimedOut", read.engagement),
                             timeout=TIMEOUT)
    await wait_for(lambda: mirrored(b, a), timeout=TIMEOUT)
    assert await in_mirror(b, a, "escalation.AcknowledgementTimedOut")
    timers = await _timers(b, read.engagement, "ACKNOWLEDGEMENT_TIMEOUT")
    assert [t["State"] for t in timers] == ["PENDING"]
    await a.lose()

    await engaged_again_once_by(b, read, fired.data["timerId"])

    await a.come_back()
    await stood_down(a, b, read)


@pytest.mark.parametrize("ack_timeout_minutes", [SLOW_ACK_TIMEOUT_MINUTES])
async def test_a_timeout_that_never_left_a_lost_region_engages_again_from_the_next(
        pair: tuple[Region, Region], link: Link, ack_timeout_minutes: float) -> None:
    """A's incidents service is down and the leaf link cut before the acknowledgement
    timeout of Alice's acknowledged page falls due: A fires it, but its
    ``AcknowledgementTimedOut`` never leaves A; then A is lost. B takes the engagement over
    and fires its own copy: Alice is engaged again, once. A, back with the link healed,
    learns of the takeover before it acts on its own timeout, and drops it."""
    a, b = pair
    read = await acknowledged(a, b)
    await a.stop("incidents")
    await link.cut()
    [fired] = await wait_for(lambda: _due(a, "AcknowledgementTimedOut", read.engagement),
                             timeout=TIMEOUT)
    assert not await in_mirror(b, a, "escalation.AcknowledgementTimedOut")
    await a.lose()

    await engaged_again_once_by(b, read, fired.data["timerId"])

    link.heal()
    await a.come_back()
    await stood_down(a, b, read)


@pytest.mark.parametrize("ack_timeout_minutes", [ACK_TIMEOUT_MINUTES])
async def test_a_timeout_acted_on_settles_the_other_regions_copies(
        pair: tuple[Region, Region], ack_timeout_minutes: float) -> None:
    """A fires the acknowledgement timeout and engages Alice again: its
    ``AcknowledgementTimeoutHandled`` settles B's copy of the timer, which a takeover of A
    would therefore never fire."""
    a, b = pair
    read = await acknowledged(a, b)
    [again] = await wait_for(lambda: engaged_again(a, read.incident, read.engagement),
                             timeout=TIMEOUT)
    [handled] = await wait_for(lambda: a.events("incidents.AcknowledgementTimeoutHandled"),
                               timeout=TIMEOUT)
    assert handled.data["timerId"] == read.standby[0]["TimerId"]
    assert handled.data["reengagementArn"] == again["EngagementArn"]

    async def settled_in_b() -> bool:
        timers = await _timers(b, read.engagement, "ACKNOWLEDGEMENT_TIMEOUT")
        return [t["State"] for t in timers] == ["FIRED"]
    await wait_for(settled_in_b, timeout=TIMEOUT)
    assert not await _due(b, "AcknowledgementTimedOut", read.engagement)
