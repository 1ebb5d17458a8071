"""What was pending for a lost region's pages is carried out by the region that takes over,
from where it was, once: a channel retry (the channel's ``RetryIntervalInMinutes`` after
an ``ERROR`` receipt) and an acknowledgement timeout (``TOCSIN_ACK_TIMEOUT_MINUTES`` after
a READ of an incident's page). The lost region, back, does neither again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from tests.integration.regions.takeover.conftest import Region
from tests.integration.regions.takeover.test_fencing import (
    is_,
    page_with_an_error,
    runs_in,
    stage_work_done,
)
from tests.integration.regions.takeover.test_takeover import TIMEOUT, _engage
from tocsin.shared import errors
from tocsin.shared.testing import wait_for

RETRY_MINUTES = 10
ACK_TIMEOUT_MINUTES = 10.0


@dataclass(frozen=True)
class Acknowledged:
    """An engagement of an incident of region A whose page Alice acknowledged (READ) in A,
    with the acknowledgement timeout's standby copy in B."""

    incident: str
    engagement: str
    contact: str
    channel: str
    standby: list[dict[str, Any]]


async def acknowledged(a: Region, b: Region) -> Acknowledged:
    """Alice, a contact of A, engaged for an incident of A (known in B too); her page
    acknowledged (READ) in A; once B holds its copy of the acknowledgement timeout."""
    alice, channel = await a.person("alice")
    plan = str((await a.call("incidents", "CreateResponsePlan", {
        "name": "db-down", "incidentTemplate": {"title": "Database down", "impact": 2}}))
        ["arn"])
    incident = str((await a.call("incidents", "StartIncident", {
        "responsePlanArn": plan, "title": "Database down"}))["incidentRecordArn"])

    async def incident_in_b() -> bool:
        try:
            await b.call("incidents", "GetIncidentRecord", {"arn": incident})
        except errors.NotFoundError:
            return False
        return True
    await wait_for(incident_in_b, timeout=TIMEOUT)
    engagement = await _engage(a, alice, IncidentId=incident)
    [page] = (await a.call("contacts", "ListPagesByEngagement",
                           {"EngagementId": engagement}))["Pages"]
    [sent] = await wait_for(lambda: a.deliveries(page["PageArn"]), timeout=TIMEOUT)
    await a.call("contacts", "AcceptPage", {
        "PageId": page["PageArn"], "AcceptType": "READ", "AcceptCode": sent.accept_code})
    standby = await wait_for(lambda: _timers(b, engagement, "ACKNOWLEDGEMENT_TIMEOUT"),
                             timeout=TIMEOUT)
    return Acknowledged(incident=incident, engagement=engagement, contact=alice,
                        channel=channel, standby=standby)


async def engaged_again(region: Region, incident: str, engagement: str) -> list[Any]:
    """The engagements of ``incident`` in ``region`` besides ``engagement``."""
    found = (await region.call("contacts", "ListEngagements",
                               {"IncidentId": incident}))["Engagements"]
    return [e for e in found if e["EngagementArn"] != engagement]


async def reengagements(region: Region, incident: str) -> list[Any]:
    """The ``Tocsin Re-engagement for Incident`` events of ``incident``'s timeline in
    ``region``."""
    found = await region.call("incidents", "ListTimelineEvents",
                              {"incidentRecordArn": incident})
    return [e for e in found["eventSummaries"]
            if e["eventType"] == "Tocsin Re-engagement for Incident"]


async def _timers(region: Region, engagement: str, kind: str) -> list[dict[str, Any]]:
    found = await region.call("escalation", "ListTimers", {"EngagementArn": engagement})
    return [t for t in found["Timers"] if t["Kind"] == kind]


async def _due(region: Region, kind: str, engagement: str) -> list[Any]:
    return [e for e in await region.events(f"escalation.{kind}")
            if e.data["engagementArn"] == engagement]


async def test_a_channel_retry_of_a_lost_region_is_sent_once_from_the_next(
        pair: tuple[Region, Region]) -> None:
    """A pages Bob; his channel reports an ERROR, so A's escalation service schedules a
    retry of the channel ten plan minutes later. A is lost before it is due: B sends the
    page again on the channel when it is due, once; A, back, sends nothing."""
    a, b = pair
    channel, engagement, page = await page_with_an_error(a, b, retry_minutes=RETRY_MINUTES)
    standby = await wait_for(lambda: _timers(b, engagement, "RETRY_CHANNEL"),
                             timeout=TIMEOUT)
    assert [t["State"] for t in standby] == ["PENDING"]
    [ours] = await _timers(a, engagement, "RETRY_CHANNEL")
    assert ours["TimerId"] == standby[0]["TimerId"] and ours["DueAt"] == standby[0]["DueAt"]
    await a.lose()

    async def sent_again() -> list[Any]:
        return [d for d in await b.deliveries(page) if d.channel_arn == channel]
    [again] = await wait_for(sent_again, timeout=TIMEOUT)
    [due] = await _due(b, "ChannelRetryDue", engagement)
    assert due.data["timerId"] == standby[0]["TimerId"]
    # From where it was: due when A had it due, not at the takeover.
    assert datetime.fromisoformat(due.data["dueAt"]).timestamp() == \
        pytest.approx(standby[0]["DueAt"], abs=0.001)
    assert datetime.fromisoformat(due.data["firedAt"]) >= \
        datetime.fromisoformat(due.data["dueAt"])
    assert again.page_arn == page and again.accept_code

    await a.come_back()
    # Positive barrier: A knows of B's takeover, its copy of the retry is settled by B's
    # firing, and its contacts service has acted on every escalation event of A.
    await wait_for(lambda: is_(runs_in(a, engagement), b.name), timeout=120)

    async def settled_in_a() -> bool:
        return [t["State"] for t in await _timers(a, engagement, "RETRY_CHANNEL")] == \
            ["FIRED"]
    await wait_for(settled_in_a, timeout=TIMEOUT)
    await wait_for(lambda: stage_work_done(a), timeout=TIMEOUT)
    assert not await _due(a, "ChannelRetryDue", engagement)
    assert len(await a.deliveries(page)) == 1  # the first sending only
    assert len(await sent_again()) == 1


@pytest.mark.parametrize("ack_timeout_minutes", [ACK_TIMEOUT_MINUTES])
async def test_an_acknowledgement_timeout_of_a_lost_region_engages_again_once_from_the_next(
        pair: tuple[Region, Region], ack_timeout_minutes: float) -> None:
    """Alice acknowledges her page of an incident in A; the incident is still open when
    the acknowledgement timeout falls due, after A was lost: B engages Alice again, once,
    and says so on the incident's timeline; A, back, does not."""
    a, b = pair
    read = await acknowledged(a, b)
    incident, engagement, alice, channel = \
        read.incident, read.engagement, read.contact, read.channel
    standby = read.standby
    assert [t["State"] for t in standby] == ["PENDING"]
    await a.lose()

    taken = await wait_for(lambda: b.events("escalation.RegionTakenOver"), timeout=TIMEOUT)
    assert engagement in taken[0].data["engagementArns"]
    [due] = await wait_for(lambda: _due(b, "AcknowledgementTimedOut", engagement),
                           timeout=TIMEOUT)
    assert due.data["timerId"] == standby[0]["TimerId"]
    assert datetime.fromisoformat(due.data["dueAt"]).timestamp() == \
        pytest.approx(standby[0]["DueAt"], abs=0.001)
    assert datetime.fromisoformat(due.data["firedAt"]) >= \
        datetime.fromisoformat(due.data["dueAt"])

    [again] = await wait_for(lambda: engaged_again(b, incident, engagement),
                             timeout=TIMEOUT)
    assert again["ContactArn"] == alice

    async def delivered() -> list[Any]:
        return [d for d in await b.deliveries()
                if d.engagement_arn == again["EngagementArn"]]
    assert [d.channel_arn for d in await wait_for(delivered, timeout=TIMEOUT)] == [channel]
    await wait_for(lambda: reengagements(b, incident), timeout=TIMEOUT)

    await a.come_back()
    await wait_for(lambda: is_(runs_in(a, engagement), b.name), timeout=120)

    async def settled_in_a() -> bool:
        timers = await _timers(a, engagement, "ACKNOWLEDGEMENT_TIMEOUT")
        return [t["State"] for t in timers] == ["FIRED"]
    await wait_for(settled_in_a, timeout=TIMEOUT)
    # A hears of B's re-engagement too: both regions show it once.
    await wait_for(lambda: reengagements(a, incident), timeout=TIMEOUT)
    assert not await _due(a, "AcknowledgementTimedOut", engagement)
    assert len(await reengagements(a, incident)) == len(await reengagements(b, incident)) == 1
    assert len(await engaged_again(b, incident, engagement)) == 1
