"""Escalation plans driven by the escalation service's durable timers, against real NATS
JetStream and PostgreSQL, on a plan clock the test advances (the ``clock`` fixture): times
are measured in plan minutes, and a one-minute stage takes no real time.

Contacts, channels and plans are set up through the contacts service's operations;
channel activation codes and pages are read off the DELIVERIES stream, and delivery
outcomes reported with ``RecordPageReceipt``, as the notifications service would. The
failover test runs two escalation processes of its own (at ``TOCSIN_CLOCK_SCALE=60``, where
a plan minute lasts a real second) and kills one with SIGKILL in the middle of a plan.
Channel retries, repeated plans and acknowledgement timeouts close the module. "Nothing
more happens" is checked after :meth:`Api.barrier`, never after a sleep.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.clock import ManualClock
from tocsin.shared.contracts import escalation as ec
from tocsin.shared.contracts import incidents as ic
from tocsin.shared.contracts.base import decode
from tocsin.shared.contracts.deliveries import PageDelivery
from tocsin.shared.events import envelope_of
from tocsin.shared.testing import open_delivery, wait_for

from .conftest import SCALE

EARLY = 0.05
"""Plan minutes of measurement slack: a page this much before its stage is due is early."""


class Seen:
    """Deliveries and events of the test's region, with the time each page arrived: plan
    minutes on the test's clock, or real seconds (plan minutes at scale 60) without one."""

    def __init__(self, clock: ManualClock | None) -> None:
        self.clock = clock
        self.codes: dict[str, str] = {}
        self.pages: list[tuple[float, PageDelivery]] = []
        self.events: list[codec.Envelope] = []

    async def on_delivery(self, msg: Any) -> None:
        if msg.subject.endswith(".activation-code"):
            code = await open_delivery(msg)
            self.codes[code.channel_arn] = code.code
        elif msg.subject.endswith(".page"):
            self.pages.append((self.now(), await open_delivery(msg)))

    def now(self) -> float:
        if self.clock is None:
            return time.monotonic()
        return self.clock.monotonic() / SCALE

    async def advance(self, minutes: float) -> None:
        """Let ``minutes`` of plan time pass: at once on the test's clock (once the timer
        worker has fired what fell due), in real time without one."""
        if self.clock is None:
            await asyncio.sleep(minutes)
        else:
            await self.clock.advance(minutes * SCALE)

    async def on_event(self, msg: Any) -> None:
        self.events.append(codec.decode(msg.data, codec.Envelope))

    def paged(self, engagement_arn: str) -> dict[str, tuple[float, PageDelivery]]:
        """Contact ARN → (arrival, first delivery) of the engagement's pages."""
        out: dict[str, tuple[float, PageDelivery]] = {}
        for at, page in self.pages:
            if page.engagement_arn == engagement_arn:
                out.setdefault(page.contact_arn, (at, page))
        return out

    def escalation(self, kind: str, engagement_arn: str) -> list[Any]:
        return [decode(e.type, e.data, ec.EscalationEvent) for e in self.events
                if e.service == "escalation" and e.type == kind
                and e.correlation.engagement_arn == engagement_arn]


class Api:
    """The contacts and escalation operations, as a caller on the bus sees them."""

    def __init__(self, bus: Bus, seen: Seen) -> None:
        self.bus = bus
        self.seen = seen
        self._canary: str | None = None

    async def __call__(self, operation: str, service: str = "contacts",
                       **body: Any) -> dict[str, Any]:
        reply = await self.bus.request(f"tocsin.rpc.{service}.{operation}", body, timeout=20)
        out: dict[str, Any] = codec.decode(reply, dict[str, Any])
        return out

    async def person(self, alias: str) -> str:
        """A PERSONAL contact with one activated EMAIL channel, paged at its plan's start."""
        arn = str((await self("CreateContact", Alias=alias, Type="PERSONAL",
                              Plan={"Stages": []}))["ContactArn"])
        channel = (await self("CreateContactChannel", ContactId=arn, Name="email",
                              Type="EMAIL",
                              DeliveryAddress={"SimpleAddress": f"{alias}@example.com"})
                   )["ContactChannelArn"]
        await wait_for(lambda: channel in self.seen.codes)
        await self("ActivateContactChannel", ContactChannelId=channel,
                   ActivationCode=self.seen.codes[channel])
        await self("UpdateContact", ContactId=arn, Plan={"Stages": [
            {"DurationInMinutes": 1, "Targets": [
                {"ChannelTargetInfo": {"ContactChannelId": channel,
                                       "RetryIntervalInMinutes": 1}}]}]})
        return arn

    async def escalation(self, alias: str, stages: list[tuple[int, list[tuple[str, bool]]]]
                         ) -> str:
        """An ESCALATION contact of ``(DurationInMinutes, [(contact ARN, IsEssential)])``
        stages."""
        return str((await self("CreateContact", Alias=alias, Type="ESCALATION", Plan={
            "Stages": [{"DurationInMinutes": minutes, "Targets": [
                {"ContactTargetInfo": {"ContactId": c, "IsEssential": e}} for c, e in targets]}
                for minutes, targets in stages]}))["ContactArn"])

    async def engage(self, contact_arn: str) -> tuple[str, float]:
        """Start an engagement; returns its ARN and the time just before the call."""
        started = self.seen.now()
        reply = await self("StartEngagement", ContactId=contact_arn, Sender="tocsin",
                           Subject="Database down", Content="The primary database is down.")
        return str(reply["EngagementArn"]), started

    async def timers(self, engagement_arn: str) -> dict[int, str]:
        """Stage index → state of the engagement's stage timers (first round)."""
        reply = await self("ListTimers", service="escalation", EngagementArn=engagement_arn)
        return {t["StageIndex"]: t["State"] for t in reply["Timers"]
                if t["Kind"] == "START_ENGAGEMENT_STAGE" and t["Round"] == 0}

    def stages_started(self, engagement_arn: str) -> list[tuple[int, int]]:
        """(round, stage index) of each EngagementStageStarted of the engagement."""
        return [(e.data.get("round", 0), e.data["stageIndex"]) for e in self.seen.events
                if e.type == "EngagementStageStarted"
                and e.correlation.engagement_arn == engagement_arn]

    async def barrier(self) -> None:
        """A positive barrier for "nothing more happens": a canary escalation plan, engaged
        now, whose second stage falls due a minute later; once its page has arrived, so has
        every page of a timer due no later (the escalation service fires timers in due
        order, writes what each demands to its outbox in that order, and the contacts
        service pages due stages one after the other in stream order)."""
        if self._canary is None:
            canary = await self.person("canary")
            self._canary = await self.escalation("canary-plan", [(1, [(canary, False)]),
                                                            (1, [(canary, False)])])
        engagement, _ = await self.engage(self._canary)
        await wait_for(lambda: len(_deliveries(self, engagement)) == 1, timeout=10)
        await self.seen.advance(1)
        await wait_for(lambda: len(_deliveries(self, engagement)) >= 2, timeout=10)

    async def read(self, engagement_arn: str, contact_arn: str) -> None:
        """Acknowledge (READ) the contact's page with the code it was sent."""
        _, page = self.seen.paged(engagement_arn)[contact_arn]
        await self("AcceptPage", PageId=page.page_arn, AcceptType="READ",
                   AcceptCode=page.accept_code)


@pytest_asyncio.fixture
async def api(contacts: dict[str, Any], bus: Bus,
              clock: ManualClock | None) -> AsyncIterator[Api]:
    seen = Seen(clock)
    region = contacts["region"]
    subs = [
        await bus.js.subscribe(f"deliveries.{region}.>", cb=seen.on_delivery,
                               ordered_consumer=True),
        await bus.js.subscribe(f"events.{region}.>", cb=seen.on_event, ordered_consumer=True),
    ]
    try:
        yield Api(bus, seen)
    finally:
        for sub in subs:
            await sub.unsubscribe()


async def _settled(api: Api, engagement_arn: str, expected: dict[int, str]) -> None:
    """Wait (bounded) until the engagement's timers are in the ``expected`` states: a
    timer is marked fired just after the stage's pages go out."""
    async def matches() -> bool:
        return await api.timers(engagement_arn) == expected
    try:
        await wait_for(matches, timeout=5)
    except AssertionError:
        assert await api.timers(engagement_arn) == expected


async def _until(api: Api, moment: float) -> None:
    """Let plan time pass until ``moment`` (in :meth:`Seen.now`'s minutes), then wait on the
    barrier: whatever was due by then has shown."""
    await api.seen.advance(max(0.0, moment - api.seen.now()))
    await api.barrier()


@pytest.mark.usefixtures("services")
class TestStageByStage:
    async def test_three_stage_plan_pages_stage_by_stage(self, api: Api) -> None:
        """A three-stage plan of one-minute stages pages stage 0 at once, stage 1 a second
        later and stage 2 two seconds later, never before its stage is due."""
        alice, bob, carol = [await api.person(n) for n in ("alice", "bob", "carol")]
        plan = await api.escalation("three", [(1, [(alice, False)]), (1, [(bob, False)]),
                                              (1, [(carol, False)])])
        engagement, t0 = await api.engage(plan)
        for contact in (alice, bob):
            await wait_for(lambda c=contact: c in api.seen.paged(engagement), timeout=10)
            await api.seen.advance(1)
        await wait_for(lambda: carol in api.seen.paged(engagement), timeout=15)
        paged = api.seen.paged(engagement)
        assert set(paged) == {alice, bob, carol}
        assert paged[alice][0] - t0 < 1.0 - EARLY
        assert paged[bob][0] - t0 >= 1.0 - EARLY
        assert paged[carol][0] - t0 >= 2.0 - EARLY
        assert paged[alice][0] < paged[bob][0] < paged[carol][0]
        await _settled(api, engagement, {1: "FIRED", 2: "FIRED"})
        await wait_for(lambda: len(api.seen.escalation("StageDue", engagement)) == 2)
        due = api.seen.escalation("StageDue", engagement)
        assert [d.stage_index for d in due] == [1, 2]
        assert all(d.fired_at >= d.due_at for d in due)
        scheduled = api.seen.escalation("TimerScheduled", engagement)
        assert sorted(s.stage_index for s in scheduled) == [1, 2]
        await wait_for(lambda: len(api.stages_started(engagement)) == 3)
        assert api.stages_started(engagement) == [(0, 0), (0, 1), (0, 2)]

    async def test_a_personal_contact_is_paged_stage_by_stage(self, api: Api) -> None:
        """A PERSONAL contact engaged directly gets one timer per later stage of its own
        engagement plan, and a delivery per stage."""
        alice = await api.person("alice")
        plan = (await api("GetContact", ContactId=alice))["Plan"]
        plan["Stages"] = plan["Stages"] * 2
        await api("UpdateContact", ContactId=alice, Plan=plan)
        engagement, t0 = await api.engage(alice)
        await wait_for(lambda: _deliveries(api, engagement), timeout=10)
        await api.seen.advance(1)
        await wait_for(lambda: sum(1 for _, p in api.seen.pages
                                   if p.engagement_arn == engagement) == 2, timeout=15)
        arrivals = [at for at, p in api.seen.pages if p.engagement_arn == engagement]
        assert arrivals[0] - t0 < 1.0 - EARLY <= arrivals[1] - t0
        await _settled(api, engagement, {1: "FIRED"})


@pytest.mark.usefixtures("services")
class TestProgression:
    async def _plan(self, api: Api, *, bob_essential: bool) -> tuple[str, str, str, str]:
        alice, bob, carol = [await api.person(n) for n in ("alice", "bob", "carol")]
        plan = await api.escalation("read", [(1, [(alice, False)]),
                                             (2, [(bob, bob_essential)]),
                                             (1, [(carol, True)])])
        return plan, alice, bob, carol

    async def test_essential_read_in_stage_one_means_stage_two_is_never_paged(
            self, api: Api) -> None:
        """An essential contact's READ of its stage 1 page cancels the stage 2 timer, and
        stage 2's contact is never paged."""
        plan, alice, bob, _carol = await self._plan(api, bob_essential=True)
        engagement, t0 = await api.engage(plan)
        await wait_for(lambda: alice in api.seen.paged(engagement), timeout=10)
        await api.seen.advance(1)
        await wait_for(lambda: bob in api.seen.paged(engagement), timeout=10)
        await api.read(engagement, bob)
        await wait_for(lambda: api.seen.escalation("TimerCancelled", engagement))
        cancelled = api.seen.escalation("TimerCancelled", engagement)
        assert [(c.stage_index, c.reason) for c in cancelled] == [(2, "PROGRESSION_STOPPED")]
        await _until(api, t0 + 3.0 + 1.5)  # well past stage 2's due time
        assert set(api.seen.paged(engagement)) == {alice, bob}
        await _settled(api, engagement, {1: "FIRED", 2: "CANCELLED"})

    async def test_non_essential_read_does_not_stop_the_plan(self, api: Api) -> None:
        """A non-essential contact's READ in stage 1 leaves stage 2 to be paged on time."""
        plan, alice, bob, carol = await self._plan(api, bob_essential=False)
        engagement, t0 = await api.engage(plan)
        await wait_for(lambda: alice in api.seen.paged(engagement), timeout=10)
        await api.seen.advance(1)
        await wait_for(lambda: bob in api.seen.paged(engagement), timeout=10)
        await api.read(engagement, bob)
        await api.seen.advance(2)
        await wait_for(lambda: carol in api.seen.paged(engagement), timeout=10)
        assert api.seen.paged(engagement)[carol][0] - t0 >= 3.0 - EARLY
        assert not api.seen.escalation("TimerCancelled", engagement)
        await _settled(api, engagement, {1: "FIRED", 2: "FIRED"})


@pytest.mark.usefixtures("services")
class TestStop:
    async def test_stop_engagement_cancels_everything_pending(self, api: Api) -> None:
        """StopEngagement before stage 1 cancels both pending timers: only stage 0 is
        ever paged."""
        alice, bob, carol = [await api.person(n) for n in ("alice", "bob", "carol")]
        plan = await api.escalation("stop", [(1, [(alice, True)]), (1, [(bob, True)]),
                                             (1, [(carol, True)])])
        engagement, t0 = await api.engage(plan)
        await wait_for(lambda: len(api.seen.escalation("TimerScheduled", engagement)) == 2)
        await api("StopEngagement", EngagementId=engagement, Reason="fixed")
        await wait_for(lambda: len(api.seen.escalation("TimerCancelled", engagement)) == 2)
        assert {c.reason for c in api.seen.escalation("TimerCancelled", engagement)} == {
            "ENGAGEMENT_STOPPED"}
        await _until(api, t0 + 2.0 + 1.5)  # well past stage 2's due time
        assert set(api.seen.paged(engagement)) == {alice}
        await _settled(api, engagement, {1: "CANCELLED", 2: "CANCELLED"})
        assert not api.seen.escalation("StageDue", engagement)
        assert api.stages_started(engagement) == [(0, 0)]

    async def test_deleting_the_replication_set_cancels_everything_pending(
            self, api: Api, contacts: dict[str, Any]) -> None:
        """The incidents service's ReplicationSetDeleted (every engagement deleted with it)
        cancels the pending timers: no later stage is ever paged."""
        alice, bob = [await api.person(n) for n in ("alice", "bob")]
        plan = await api.escalation("wipe", [(1, [(alice, True)]), (1, [(bob, True)])])
        engagement, _ = await api.engage(plan)
        await wait_for(lambda: len(api.seen.escalation("TimerScheduled", engagement)) == 1)
        envelope = codec.make_envelope(
            type="ReplicationSetDeleted", service="incidents", region=contacts["region"],
            data={"arn": "arn:tocsin:ssm-incidents::000000000000:replication-set/x"},
            time=datetime.now(UTC))
        await api.bus.js.publish(envelope.subject, codec.encode(envelope),
                                 headers={"Nats-Msg-Id": envelope.id})
        [cancelled] = await wait_for(lambda: api.seen.escalation("TimerCancelled", engagement))
        assert cancelled.reason == "REPLICATION_SET_DELETED"
        # A cancelled timer never fires: the stored state is the barrier, not a sleep.
        await _settled(api, engagement, {1: "CANCELLED"})
        assert not api.seen.escalation("StageDue", engagement)


async def _instances(bus: Bus) -> int:
    """How many escalation instances answer ``$SRV.PING.escalation`` within 0.3 s."""
    inbox = bus.nc.new_inbox()
    replies: list[Any] = []

    async def collect(msg: Any) -> None:
        replies.append(msg)

    sub = await bus.nc.subscribe(inbox, cb=collect)
    try:
        await bus.nc.publish("$SRV.PING.escalation", b"", reply=inbox)
        await asyncio.sleep(0.3)
    finally:
        await sub.unsubscribe()
    return len(replies)


@pytest.fixture
def processes(contacts: dict[str, Any],
              tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Two ``python -m tocsin.escalation`` processes on the test's names, started together."""
    env = {**os.environ, "TOCSIN_NATS_URL": contacts["nats_url"],
           "TOCSIN_DATABASE_URL": contacts["database_url"],
           "TOCSIN_SCHEMA_PREFIX": contacts["schema_prefix"],
           "TOCSIN_REGION": contacts["region"], "TOCSIN_CLOCK_SCALE": str(contacts["clock_scale"]),
           "TOCSIN_OUTBOX_POLL_INTERVAL": "0.2",
           "TOCSIN_LOG_JSON": "true"}
    procs = []
    for n in (1, 2):
        with (tmp_path / f"escalation-{n}.log").open("wb") as log:
            procs.append(subprocess.Popen([sys.executable, "-m", "tocsin.escalation"], env=env,
                                          stdin=subprocess.DEVNULL, stdout=log,
                                          stderr=subprocess.STDOUT))
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class TestFailover:
    @pytest.fixture
    def clock(self) -> None:
        """Real plan time at scale 60: the escalation processes cannot share a test's."""
        return None

    async def test_sigkill_mid_plan_every_stage_fires_once(
            self, api: Api, bus: Bus, processes: list[subprocess.Popen[bytes]]) -> None:
        """With two escalation processes, SIGKILL of one right after stage 1 was paged
        leaves the other to start stages 2 and 3: each contact is paged exactly once."""
        await wait_for(lambda: _two(bus), timeout=30)
        people = [await api.person(n) for n in ("alice", "bob", "carol", "dave")]
        plan = await api.escalation("failover", [(1, [(p, False)]) for p in people])
        engagement, _ = await api.engage(plan)
        await wait_for(lambda: people[1] in api.seen.paged(engagement), timeout=10)
        processes[0].send_signal(signal.SIGKILL)
        assert await asyncio.to_thread(processes[0].wait, 5) == -signal.SIGKILL
        await wait_for(lambda: people[3] in api.seen.paged(engagement), timeout=15)
        await api.barrier()  # a duplicate would show before the barrier's page
        pages = [p for _, p in api.seen.pages if p.engagement_arn == engagement]
        assert sorted(p.contact_arn for p in pages) == sorted(people)
        await _settled(api, engagement, {1: "FIRED", 2: "FIRED", 3: "FIRED"})
        await wait_for(lambda: len(api.stages_started(engagement)) == 4, timeout=10)
        # A round that died with its process rolled back: each stage is due exactly once.
        due = api.seen.escalation("StageDue", engagement)
        assert sorted(d.stage_index for d in due) == [1, 2, 3]
        assert sorted(api.stages_started(engagement)) == [(0, 0), (0, 1), (0, 2), (0, 3)]
        assert processes[1].poll() is None


async def _two(bus: Bus) -> bool:
    return await _instances(bus) >= 2


INCIDENT = "arn:tocsin:ssm-incidents::000000000000:incident-record/plan/0123456789abcdef"


async def _person(api: Api, alias: str, *, minutes: int, retry: int) -> tuple[str, str]:
    """A PERSONAL contact whose one-stage plan lasts ``minutes`` and retries its EMAIL
    channel every ``retry`` minutes; its ARN and the channel's."""
    arn = await api.person(alias)
    plan = (await api("GetContact", ContactId=arn))["Plan"]
    plan["Stages"][0]["DurationInMinutes"] = minutes
    plan["Stages"][0]["Targets"][0]["ChannelTargetInfo"]["RetryIntervalInMinutes"] = retry
    await api("UpdateContact", ContactId=arn, Plan=plan)
    channel = plan["Stages"][0]["Targets"][0]["ChannelTargetInfo"]["ContactChannelId"]
    return arn, channel


def _deliveries(api: Api, engagement: str) -> list[tuple[float, Any]]:
    return [(at, p) for at, p in api.seen.pages if p.engagement_arn == engagement]


async def _error(api: Api, page: Any) -> float:
    """Report the delivery of ``page`` failed, now; returns the time of the report."""
    at = api.seen.now()
    await api("RecordPageReceipt", PageId=page.page_arn, ReceiptType="ERROR",
              ContactChannelId=page.channel_arn, ReceiptInfo="mailbox unavailable")
    return at


@pytest.mark.usefixtures("services")
class TestChannelRetries:
    async def test_a_failed_channel_is_retried_every_interval_while_the_stage_is_live(
            self, api: Api) -> None:
        """An ERROR on a channel whose stage lasts five minutes brings the page again on
        that channel a minute later, with a fresh accept code that acknowledges it; once
        acknowledged, a later ERROR brings nothing more."""
        alice, channel = await _person(api, "alice", minutes=5, retry=1)
        engagement, _ = await api.engage(alice)
        await wait_for(lambda: len(_deliveries(api, engagement)) == 1, timeout=10)
        _, first = _deliveries(api, engagement)[0]
        failed = await _error(api, first)
        await api.seen.advance(1)
        await wait_for(lambda: len(_deliveries(api, engagement)) == 2, timeout=10)
        at, second = _deliveries(api, engagement)[1]
        assert at - failed >= 1.0 - EARLY
        assert (second.page_arn, second.channel_arn) == (first.page_arn, channel)
        assert second.id != first.id and second.accept_code != first.accept_code
        await api("AcceptPage", PageId=second.page_arn, AcceptType="READ",
                  AcceptCode=second.accept_code)
        await _error(api, second)
        await api.barrier()
        assert len(_deliveries(api, engagement)) == 2
        receipts = (await api("ListPageReceipts", PageId=first.page_arn))["Receipts"]
        assert [r["ReceiptType"] for r in receipts].count("ERROR") == 2

    async def test_no_retry_falls_after_the_stage_ends(self, api: Api) -> None:
        """A one-minute stage with a one-minute retry interval: the retry would fall when
        the stage is over, so none is scheduled."""
        alice, _ = await _person(api, "alice", minutes=1, retry=1)
        engagement, _ = await api.engage(alice)
        await wait_for(lambda: len(_deliveries(api, engagement)) == 1, timeout=10)
        await _error(api, _deliveries(api, engagement)[0][1])
        await api.barrier()
        assert len(_deliveries(api, engagement)) == 1
        reply = await api("ListTimers", service="escalation", EngagementArn=engagement)
        assert not [t for t in reply["Timers"] if t["Kind"] == "RETRY_CHANNEL"]


@pytest.mark.usefixtures("extras")
class TestRepeats:
    async def test_an_unacknowledged_plan_runs_again_from_its_first_stage(
            self, api: Api) -> None:
        """With one repeat, a two-stage plan of one-minute stages pages alice, bob, then
        alice and bob again (new pages), two seconds after the first round."""
        alice, bob = [await api.person(n) for n in ("alice", "bob")]
        plan = await api.escalation("twice", [(1, [(alice, False)]), (1, [(bob, False)])])
        engagement, t0 = await api.engage(plan)
        for started in (1, 2, 3):
            await wait_for(lambda n=started: len(api.stages_started(engagement)) == n,
                           timeout=10)
            await api.seen.advance(1)
        await wait_for(lambda: len(api.stages_started(engagement)) == 4, timeout=15)
        assert api.stages_started(engagement) == [(0, 0), (0, 1), (1, 0), (1, 1)]
        pages = _deliveries(api, engagement)
        assert [p.contact_arn for _, p in pages] == [alice, bob, alice, bob]
        assert pages[2][0] - t0 >= 2.0 - EARLY
        assert len({p.page_arn for _, p in pages}) == 4

    async def test_an_essential_read_cancels_the_repeats_too(self, api: Api) -> None:
        """An essential READ in the first round cancels every later stage of every round."""
        alice, bob = [await api.person(n) for n in ("alice", "bob")]
        plan = await api.escalation("once", [(1, [(alice, True)]), (1, [(bob, True)])])
        engagement, t0 = await api.engage(plan)
        await wait_for(lambda: alice in api.seen.paged(engagement), timeout=10)
        await api.read(engagement, alice)
        await wait_for(lambda: len(api.seen.escalation("TimerCancelled", engagement)) == 3)
        await _until(api, t0 + 4.5)
        assert [p.contact_arn for _, p in _deliveries(api, engagement)] == [alice]


@pytest.mark.usefixtures("extras")
class TestAcknowledgementTimeout:
    async def _acknowledged(self, api: Api) -> str:
        alice = await api.person("alice")
        reply = await api("StartEngagement", ContactId=alice, Sender="tocsin",
                          Subject="Database down", Content="The primary is down.",
                          IncidentId=INCIDENT)
        engagement = str(reply["EngagementArn"])
        await wait_for(lambda: alice in api.seen.paged(engagement), timeout=10)
        await api.read(engagement, alice)
        return engagement

    async def test_an_open_incident_times_the_acknowledgement_out(self, api: Api) -> None:
        """A minute after an incident's page was read, the escalation service says the
        acknowledgement timed out, naming the contact to engage again."""
        engagement = await self._acknowledged(api)
        await wait_for(lambda: api.seen.escalation("TimerScheduled", engagement))
        await api.seen.advance(1)
        await wait_for(lambda: api.seen.escalation("AcknowledgementTimedOut", engagement),
                       timeout=10)
        [timed_out] = api.seen.escalation("AcknowledgementTimedOut", engagement)
        assert timed_out.incident_arn == INCIDENT
        assert timed_out.fired_at >= timed_out.due_at

    async def test_resolving_the_incident_cancels_the_timeout(self, api: Api,
                                                              bus: Bus) -> None:
        """The incident's resolution, read off the incidents service's events, cancels
        the pending acknowledgement timeout."""
        engagement = await self._acknowledged(api)
        await wait_for(lambda: api.seen.escalation("TimerScheduled", engagement))
        region = api.seen.events[0].region
        resolved = _resolved(api, INCIDENT, region)
        await bus.js.publish(f"events.{region}.incidents.IncidentRecordResolved",
                             codec.encode(resolved))
        await wait_for(lambda: api.seen.escalation("TimerCancelled", engagement), timeout=10)
        [cancelled] = api.seen.escalation("TimerCancelled", engagement)
        # Escalation reads the resolution itself; the contacts service also stops the
        # engagement on it, and whichever reaches the timer first cancels it, once.
        assert cancelled.reason in ("INCIDENT_RESOLVED", "ENGAGEMENT_STOPPED")
        await api.barrier()  # a minute on: the timeout would have fired before it
        assert not api.seen.escalation("AcknowledgementTimedOut", engagement)


def _resolved(api: Api, incident_arn: str, region: str) -> codec.Envelope:
    """The incidents service's ``IncidentRecordResolved`` of ``incident_arn``, now."""
    now = api.seen.clock.now() if api.seen.clock else datetime.now(UTC)
    at, principal = now.timestamp(), "arn:tocsin:iam::000000000000:user/test"
    record = ic.IncidentRecord(
        arn=incident_arn, title="Database down", status="RESOLVED", impact=2,
        creation_time=at, last_modified_by=principal, last_modified_time=at,
        dedupe_string="", resolved_time=at, incident_record_source=ic.IncidentRecordSource(
            created_by=principal, source="aws.ssm-incidents.custom"))
    event = ic.IncidentRecordResolved(
        incident_record=record, modified_by=principal, timeline_events=[],
        modified_attributes=[{"attributeName": "status", "value": "RESOLVED"}])
    return envelope_of(event, region=region, now=now,
                       correlation=codec.Correlation(incident_arn=incident_arn))


async def _two_step_person(api: Api, alias: str) -> tuple[str, str, str]:
    """A PERSONAL contact whose own plan mails their work address at once and their home
    address a minute later; the contact's ARN and the two channels'."""
    arn = await api.person(alias)
    plan = (await api("GetContact", ContactId=arn))["Plan"]
    work = plan["Stages"][0]["Targets"][0]["ChannelTargetInfo"]["ContactChannelId"]
    home = (await api("CreateContactChannel", ContactId=arn, Name="home", Type="EMAIL",
                      DeliveryAddress={"SimpleAddress": f"{alias}@home.example"})
            )["ContactChannelArn"]
    await wait_for(lambda: home in api.seen.codes)
    await api("ActivateContactChannel", ContactChannelId=home,
              ActivationCode=api.seen.codes[home])
    plan["Stages"] = [
        {"DurationInMinutes": 1, "Targets": [{"ChannelTargetInfo": {"ContactChannelId": work}}]},
        {"DurationInMinutes": 1, "Targets": [{"ChannelTargetInfo": {"ContactChannelId": home}}]}]
    await api("UpdateContact", ContactId=arn, Plan=plan)
    return arn, work, home


@pytest.mark.usefixtures("services")
class TestOwnPlanThroughEscalation:
    async def test_a_paged_contact_is_engaged_through_their_own_plan(
            self, api: Api) -> None:
        """Paged by an escalation plan, alice gets the page on her first plan stage's
        channel at once and on her second stage's a minute later: the same page."""
        alice, work, home = await _two_step_person(api, "alice")
        plan = await api.escalation("own", [(5, [(alice, True)])])
        engagement, t0 = await api.engage(plan)
        await wait_for(lambda: _deliveries(api, engagement), timeout=10)
        await api.seen.advance(1)
        await wait_for(lambda: len(_deliveries(api, engagement)) == 2, timeout=10)
        (_, first), (second_at, second) = _deliveries(api, engagement)
        assert (first.channel_arn, second.channel_arn) == (work, home)
        assert first.page_arn == second.page_arn
        assert second_at - t0 >= 1.0 - EARLY
        due = api.seen.escalation("PageStageDue", engagement)
        assert [(d.page_arn, d.stage_index) for d in due] == [(first.page_arn, 1)]

    async def test_reading_the_page_stops_the_rest_of_their_plan(self, api: Api) -> None:
        """alice reads her page before her plan's second stage: her home address is never
        paged."""
        alice, work, _ = await _two_step_person(api, "alice")
        plan = await api.escalation("own", [(5, [(alice, False)])])
        engagement, t0 = await api.engage(plan)
        await wait_for(lambda: _deliveries(api, engagement), timeout=10)
        await api.read(engagement, alice)
        await wait_for(lambda: api.seen.escalation("TimerCancelled", engagement))
        [cancelled] = api.seen.escalation("TimerCancelled", engagement)
        assert (cancelled.kind, cancelled.reason) == ("PAGE_STAGE", "PAGE_READ")
        await _until(api, t0 + 2.0)
        assert [p.channel_arn for _, p in _deliveries(api, engagement)] == [work]
