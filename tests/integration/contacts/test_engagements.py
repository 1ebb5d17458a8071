"""Engagements, pages, receipts and acknowledgement over NATS, against real PostgreSQL.

Contacts, channels, plans and rotations are set up through the service's own operations;
channels are activated with the code read off the DELIVERIES stream, and accept codes are
read off the same stream, as the notifications service would.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from tocsin.contacts.settings import Settings
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts.base import decode
from tocsin.shared.contracts.deliveries import PageDelivery
from tocsin.shared.testing import open_delivery, wait_for

INCIDENT = "arn:tocsin:ssm-incidents::000000000000:incident-record/database/0a1b2c3d"


class Seen:
    """What the contacts service put on its DELIVERIES and EVENTS streams."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}
        self.pages: list[PageDelivery] = []
        self.events: list[codec.Envelope] = []
        self.raw_events: list[bytes] = []

    async def on_delivery(self, msg: Any) -> None:
        if msg.subject.endswith(".activation-code"):
            code = await open_delivery(msg)
            self.codes[code.channel_arn] = code.code
        elif msg.subject.endswith(".page"):
            self.pages.append(await open_delivery(msg))

    async def on_event(self, msg: Any) -> None:
        self.raw_events.append(msg.data)
        self.events.append(codec.decode(msg.data, codec.Envelope))

    def pages_of(self, engagement_arn: str) -> list[PageDelivery]:
        return [p for p in self.pages if p.engagement_arn == engagement_arn]

    def events_of(self, kind: str, engagement_arn: str | None = None) -> list[Any]:
        return [decode(e.type, e.data, cc.ContactsEvent) for e in self.events
                if e.type == kind and (engagement_arn is None
                                       or e.correlation.engagement_arn == engagement_arn)]


class Api:
    """The contacts service's operations, as a caller on the bus sees them."""

    def __init__(self, bus: Bus, seen: Seen) -> None:
        self.bus = bus
        self.seen = seen

    async def __call__(self, operation: str, **body: Any) -> dict[str, Any]:
        reply = await self.bus.request(f"tocsin.rpc.contacts.{operation}", body, timeout=20)
        out: dict[str, Any] = codec.decode(reply, dict[str, Any])
        return out

    async def person(self, alias: str, *channels: tuple[str, str, bool],
                     stages: list[list[int]] | None = None) -> tuple[str, list[str]]:
        """A PERSONAL contact with channels ``(type, address, activate)``; its engagement
        plan's stages target channels by index (default: one stage with all of them)."""
        arn = (await self("CreateContact", Alias=alias, Type="PERSONAL",
                          Plan={"Stages": []}))["ContactArn"]
        arns = []
        for i, (kind, address, _) in enumerate(channels):
            arns.append((await self("CreateContactChannel", ContactId=arn,
                                    Name=f"{kind.lower()}-{i}", Type=kind,
                                    DeliveryAddress={"SimpleAddress": address}))
                        ["ContactChannelArn"])
        await wait_for(lambda: set(arns) <= set(self.seen.codes))
        for channel, (_, _, activate) in zip(arns, channels, strict=True):
            if activate:
                await self("ActivateContactChannel", ContactChannelId=channel,
                           ActivationCode=self.seen.codes[channel])
        layout = stages if stages is not None else ([list(range(len(arns)))] if arns else [])
        await self("UpdateContact", ContactId=arn, Plan={"Stages": [
            {"DurationInMinutes": 5, "Targets": [
                {"ChannelTargetInfo": {"ContactChannelId": arns[i],
                                       "RetryIntervalInMinutes": 1}} for i in stage]}
            for stage in layout]})
        return arn, arns

    async def escalation(self, alias: str,
                         stages: list[list[tuple[str, bool]]]) -> str:
        """An ESCALATION contact whose stages target ``(contact ARN, IsEssential)``."""
        return str((await self("CreateContact", Alias=alias, Type="ESCALATION", Plan={
            "Stages": [{"DurationInMinutes": 5, "Targets": [
                {"ContactTargetInfo": {"ContactId": c, "IsEssential": e}} for c, e in stage]}
                for stage in stages]}))["ContactArn"])

    async def engage(self, contact_arn: str, **extra: Any) -> str:
        body = {"ContactId": contact_arn, "Sender": "tocsin", "Subject": "Database down",
                "Content": "The primary database is down (secure details).",
                "PublicSubject": "Incident", "PublicContent": "Open Tocsin for details.",
                **extra}
        return str((await self("StartEngagement", **body))["EngagementArn"])

    async def pages(self, engagement_arn: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = (await self("ListPagesByEngagement",
                                                EngagementId=engagement_arn))["Pages"]
        return out

    async def receipts(self, page_arn: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = (await self("ListPageReceipts", PageId=page_arn))["Receipts"]
        return out


@pytest_asyncio.fixture
async def api(contacts: Settings, bus: Bus) -> AsyncIterator[Api]:
    seen = Seen()
    subs = [
        await bus.js.subscribe(f"deliveries.{contacts.region}.>", cb=seen.on_delivery,
                               ordered_consumer=True),
        await bus.js.subscribe(f"events.{contacts.region}.contacts.>", cb=seen.on_event,
                               ordered_consumer=True),
    ]
    try:
        yield Api(bus, seen)
    finally:
        for sub in subs:
            await sub.unsubscribe()


class TestPersonalEngagement:
    async def test_one_page_with_a_delivery_per_activated_channel(self, api: Api) -> None:
        """Engaging a PERSONAL contact makes one page and a delivery request for each
        ACTIVATED channel of its plan's first stage, none for a channel not activated."""
        alice, (mail, sms, _) = await api.person(
            "alice", ("EMAIL", "alice@example.com", True), ("SMS", "+15550100", True),
            ("VOICE", "+15550101", False))
        engagement = await api.engage(alice, IncidentId=INCIDENT)
        await wait_for(lambda: len(api.seen.pages_of(engagement)) == 2)
        pages = await api.pages(engagement)
        assert [p["ContactArn"] for p in pages] == [alice]
        assert pages[0]["PageArn"].startswith(
            alice.replace(":contact/", ":page/") + "/")
        deliveries = {d.channel_arn: d for d in api.seen.pages_of(engagement)}
        assert set(deliveries) == {mail, sms}
        assert deliveries[mail].subject == "Database down"
        assert deliveries[mail].content.endswith("(secure details).")
        assert deliveries[sms].content == "Open Tocsin for details."
        assert deliveries[mail].incident_id == INCIDENT
        assert deliveries[mail].accept_code == deliveries[sms].accept_code
        assert len(deliveries[mail].accept_code) == 6
        # SENT receipts are the notifications service's, once a provider takes each.
        assert await api.receipts(pages[0]["PageArn"]) == []

    async def test_no_event_carries_the_accept_code(self, api: Api) -> None:
        """The engagement's events are correlated to it and its incident and never
        contain the plaintext accept code."""
        alice, _ = await api.person("alice", ("EMAIL", "alice@example.com", True))
        engagement = await api.engage(alice, IncidentId=INCIDENT)
        await wait_for(lambda: api.seen.pages_of(engagement)
                       and api.seen.events_of("EngagementStarted", engagement)
                       and api.seen.events_of("PageCreated", engagement))
        code = api.seen.pages_of(engagement)[0].accept_code
        mine = [e for e in api.seen.events if e.correlation.engagement_arn == engagement]
        assert {e.type for e in mine} >= {"EngagementStarted", "PageCreated"}
        assert all(e.correlation.incident_arn == INCIDENT for e in mine)
        assert not any(code.encode() in raw for raw in api.seen.raw_events)
        created = api.seen.events_of("PageCreated", engagement)[0]
        assert created.incident_id == INCIDENT and created.contact_arn == alice

    async def test_later_stage_sends_on_the_same_page(self, api: Api) -> None:
        """StartEngagementStage 1 of a PERSONAL engagement sends to the channels of stage 1
        of its plan on the engagement's one page, with a code of its own that accepts too."""
        alice, (mail, sms) = await api.person(
            "alice", ("EMAIL", "alice@example.com", True), ("SMS", "+15550100", True),
            stages=[[0], [1]])
        engagement = await api.engage(alice)
        await wait_for(lambda: len(api.seen.pages_of(engagement)) == 1)
        started = await api("StartEngagementStage", EngagementArn=engagement, StageIndex=1)
        assert started["Started"] is True
        await wait_for(lambda: len(api.seen.pages_of(engagement)) == 2)
        first, second = api.seen.pages_of(engagement)
        assert (first.channel_arn, second.channel_arn) == (mail, sms)
        assert first.page_arn == second.page_arn == started["PageArns"][0]
        assert len(await api.pages(engagement)) == 1
        await api("AcceptPage", PageId=first.page_arn, AcceptType="DELIVERED",
                  AcceptCode=first.accept_code, AcceptCodeValidation="ENFORCE")
        await api("AcceptPage", PageId=second.page_arn, AcceptType="READ",
                  AcceptCode=second.accept_code, AcceptCodeValidation="ENFORCE")

    async def test_read_stops_the_contacts_further_stages(self, api: Api) -> None:
        """A READ of a PERSONAL engagement's page stops its progression: the next stage
        does not start."""
        alice, _ = await api.person(
            "alice", ("EMAIL", "alice@example.com", True), ("SMS", "+15550100", True),
            stages=[[0], [1]])
        engagement = await api.engage(alice)
        await wait_for(lambda: api.seen.pages_of(engagement))
        page = api.seen.pages_of(engagement)[0]
        await api("AcceptPage", PageId=page.page_arn, AcceptType="READ",
                  AcceptCode=page.accept_code)
        started = await api("StartEngagementStage", EngagementArn=engagement, StageIndex=1)
        assert started == {"Started": False, "PageArns": [], "Reason": "PROGRESSION_STOPPED"}


class TestEscalationEngagement:
    async def _plan(self, api: Api) -> tuple[str, str, str, str]:
        alice, _ = await api.person("alice", ("EMAIL", "alice@example.com", True))
        bob, _ = await api.person("bob", ("EMAIL", "bob@example.com", True))
        carol, _ = await api.person("carol", ("EMAIL", "carol@example.com", True))
        plan = await api.escalation("db-escalation", [[(alice, True), (bob, False)],
                                                      [(carol, True)]])
        return plan, alice, bob, carol

    async def test_only_stage_zero_is_paged_at_start(self, api: Api) -> None:
        """An escalation plan with two stages pages stage 0's contacts at once and stage 1's
        only when StartEngagementStage starts it."""
        plan, alice, bob, carol = await self._plan(api)
        engagement = await api.engage(plan)
        assert engagement.startswith(plan.replace(":contact/", ":engagement/") + "/")
        assert {p["ContactArn"] for p in await api.pages(engagement)} == {alice, bob}
        started = await api("StartEngagementStage", EngagementArn=engagement, StageIndex=1)
        assert started["Started"] is True and len(started["PageArns"]) == 1
        assert {p["ContactArn"] for p in await api.pages(engagement)} == {alice, bob, carol}
        again = await api("StartEngagementStage", EngagementArn=engagement, StageIndex=1)
        assert again == {"Started": False, "PageArns": started["PageArns"],
                         "Reason": "ALREADY_STARTED"}
        await wait_for(lambda: api.seen.events_of("EngagementStarted", engagement))
        event = api.seen.events_of("EngagementStarted", engagement)[0]
        assert [(s.stage_index, s.duration_in_minutes, [t.contact_arn for t in s.targets])
                for s in event.stages] == [(0, 5, [alice, bob]), (1, 5, [carol])]
        assert [t.is_essential for t in event.stages[0].targets] == [True, False]

    async def test_essential_read_stops_progression(self, api: Api) -> None:
        """A READ by an essential contact stops the plan: stage 1 then starts nothing."""
        plan, alice, _, _ = await self._plan(api)
        engagement = await api.engage(plan)
        await wait_for(lambda: len(api.seen.pages_of(engagement)) == 2)
        page = next(p for p in api.seen.pages_of(engagement) if p.contact_arn == alice)
        await api("AcceptPage", PageId=page.page_arn, AcceptType="READ",
                  AcceptCode=page.accept_code)
        started = await api("StartEngagementStage", EngagementArn=engagement, StageIndex=1)
        assert started["Started"] is False and started["Reason"] == "PROGRESSION_STOPPED"
        await wait_for(lambda: api.seen.events_of("PageAccepted", engagement))
        accepted = api.seen.events_of("PageAccepted", engagement)[0]
        assert (accepted.accept_type, accepted.progression_stopped) == ("READ", True)

    async def test_non_essential_read_does_not_stop_progression(self, api: Api) -> None:
        """A READ by a non-essential contact leaves the next stage to start."""
        plan, _, bob, carol = await self._plan(api)
        engagement = await api.engage(plan)
        await wait_for(lambda: len(api.seen.pages_of(engagement)) == 2)
        page = next(p for p in api.seen.pages_of(engagement) if p.contact_arn == bob)
        await api("AcceptPage", PageId=page.page_arn, AcceptType="READ",
                  AcceptCode=page.accept_code)
        started = await api("StartEngagementStage", EngagementArn=engagement, StageIndex=1)
        assert started["Started"] is True
        assert carol in {p["ContactArn"] for p in await api.pages(engagement)}

    async def test_delivered_does_not_stop_progression(self, api: Api) -> None:
        """A DELIVERED confirmation, even by an essential contact, is not an
        acknowledgement."""
        plan, alice, _, _ = await self._plan(api)
        engagement = await api.engage(plan)
        await wait_for(lambda: len(api.seen.pages_of(engagement)) == 2)
        page = next(p for p in api.seen.pages_of(engagement) if p.contact_arn == alice)
        await api("AcceptPage", PageId=page.page_arn, AcceptType="DELIVERED",
                  AcceptCode=page.accept_code)
        started = await api("StartEngagementStage", EngagementArn=engagement, StageIndex=1)
        assert started["Started"] is True

    async def test_stopped_engagement_starts_no_stage(self, api: Api) -> None:
        """StopEngagement sets StopTime, and StartEngagementStage then does nothing."""
        plan, _, _, _ = await self._plan(api)
        engagement = await api.engage(plan)
        await api("StopEngagement", EngagementId=engagement, Reason="resolved")
        described = await api("DescribeEngagement", EngagementId=engagement)
        assert described["StopTime"] >= described["StartTime"]
        started = await api("StartEngagementStage", EngagementArn=engagement, StageIndex=1)
        assert started["Reason"] == "STOPPED"
        await api("StopEngagement", EngagementId=engagement)  # a second stop is a no-op
        await wait_for(lambda: api.seen.events_of("EngagementStopped", engagement))
        assert len(api.seen.events_of("EngagementStopped", engagement)) == 1
        assert api.seen.events_of("EngagementStopped", engagement)[0].reason == "resolved"

    async def test_unknown_stage_is_a_validation_error(self, api: Api) -> None:
        """A StageIndex the plan does not have is refused."""
        plan, _, _, _ = await self._plan(api)
        engagement = await api.engage(plan)
        with pytest.raises(errors.ValidationError):
            await api("StartEngagementStage", EngagementArn=engagement, StageIndex=2)

    async def test_page_resolutions(self, api: Api) -> None:
        """ListPageResolutions gives the escalation plan, then each stage's contacts with
        their StageIndex."""
        plan, alice, bob, carol = await self._plan(api)
        engagement = await api.engage(plan)
        page = (await api.pages(engagement))[0]["PageArn"]
        resolutions = (await api("ListPageResolutions", PageId=page))["PageResolutions"]
        assert resolutions == [
            {"ContactArn": plan, "Type": "ESCALATION"},
            {"ContactArn": alice, "Type": "PERSONAL", "StageIndex": 0},
            {"ContactArn": bob, "Type": "PERSONAL", "StageIndex": 0},
            {"ContactArn": carol, "Type": "PERSONAL", "StageIndex": 1},
        ]


def _rotation_body(name: str, members: list[str]) -> dict[str, Any]:
    """A daily rotation whose next hand-off is 12 hours away, started a minute ago: its
    first member is on call now."""
    now = datetime.now(UTC)
    handoff = now + timedelta(hours=12)
    return {"Name": name, "ContactIds": members, "TimeZoneId": "UTC",
            "StartTime": (now - timedelta(minutes=1)).timestamp(),
            "Recurrence": {"NumberOfOnCalls": 1, "RecurrenceMultiplier": 1,
                           "DailySettings": [{"HourOfDay": handoff.hour,
                                              "MinuteOfHour": handoff.minute}]}}


class TestOnCallSchedule:
    async def test_schedule_pages_whoever_is_on_call(self, api: Api) -> None:
        """Engaging an on-call schedule pages the contact on call now in each rotation."""
        alice, _ = await api.person("alice", ("EMAIL", "alice@example.com", True))
        bob, _ = await api.person("bob", ("EMAIL", "bob@example.com", True))
        rotation = (await api("CreateRotation", **_rotation_body("primary", [alice, bob])))[
            "RotationArn"]
        schedule = (await api("CreateContact", Alias="db-oncall", Type="ONCALL_SCHEDULE",
                              Plan={"Stages": [], "RotationIds": [rotation]}))["ContactArn"]
        engagement = await api.engage(schedule)
        assert [p["ContactArn"] for p in await api.pages(engagement)] == [alice]
        page = (await api.pages(engagement))[0]["PageArn"]
        assert (await api("ListPageResolutions", PageId=page))["PageResolutions"] == [
            {"ContactArn": schedule, "Type": "ONCALL_SCHEDULE"},
            {"ContactArn": alice, "Type": "PERSONAL", "StageIndex": 0},
        ]

    async def test_override_decides_who_is_paged(self, api: Api) -> None:
        """A rotation override in effect now pages its contact instead of the shift's."""
        alice, _ = await api.person("alice", ("EMAIL", "alice@example.com", True))
        bob, _ = await api.person("bob", ("EMAIL", "bob@example.com", True))
        rotation = (await api("CreateRotation", **_rotation_body("primary", [alice, bob])))[
            "RotationArn"]
        now = datetime.now(UTC)
        await api("CreateRotationOverride", RotationId=rotation, NewContactIds=[bob],
                  StartTime=(now - timedelta(seconds=30)).timestamp(),
                  EndTime=(now + timedelta(hours=2)).timestamp())
        schedule = (await api("CreateContact", Alias="db-oncall", Type="ONCALL_SCHEDULE",
                              Plan={"Stages": [], "RotationIds": [rotation]}))["ContactArn"]
        engagement = await api.engage(schedule)
        assert [p["ContactArn"] for p in await api.pages(engagement)] == [bob]

    async def test_schedule_in_an_escalation_plan(self, api: Api) -> None:
        """An escalation stage that targets a schedule pages its on-call contact, and the
        resolution path goes plan > schedule > contact."""
        alice, _ = await api.person("alice", ("EMAIL", "alice@example.com", True))
        bob, _ = await api.person("bob", ("EMAIL", "bob@example.com", True))
        rotation = (await api("CreateRotation", **_rotation_body("primary", [bob, alice])))[
            "RotationArn"]
        schedule = (await api("CreateContact", Alias="db-oncall", Type="ONCALL_SCHEDULE",
                              Plan={"Stages": [], "RotationIds": [rotation]}))["ContactArn"]
        plan = await api.escalation("db-escalation", [[(schedule, True)]])
        engagement = await api.engage(plan)
        pages = await api.pages(engagement)
        assert [p["ContactArn"] for p in pages] == [bob]
        assert (await api("ListPageResolutions", PageId=pages[0]["PageArn"]))[
            "PageResolutions"] == [
            {"ContactArn": plan, "Type": "ESCALATION"},
            {"ContactArn": schedule, "Type": "ONCALL_SCHEDULE", "StageIndex": 0},
            {"ContactArn": bob, "Type": "PERSONAL", "StageIndex": 0},
        ]


class TestAcceptPage:
    async def _page(self, api: Api) -> tuple[str, PageDelivery]:
        alice, _ = await api.person("alice", ("EMAIL", "alice@example.com", True))
        engagement = await api.engage(alice, IncidentId=INCIDENT)
        await wait_for(lambda: api.seen.pages_of(engagement))
        return engagement, api.seen.pages_of(engagement)[0]

    async def test_enforce_refuses_a_wrong_code(self, api: Api) -> None:
        """Under ENFORCE (also the default) a wrong code is a ValidationException and
        records nothing."""
        _, page = await self._page(api)
        wrong = f"{(int(page.accept_code) + 1) % 1_000_000:06d}"
        for validation in ({"AcceptCodeValidation": "ENFORCE"}, {}):
            with pytest.raises(errors.ValidationError):
                await api("AcceptPage", PageId=page.page_arn, AcceptType="READ",
                          AcceptCode=wrong, **validation)
        assert await api.receipts(page.page_arn) == []
        assert "ReadTime" not in await api("DescribePage", PageId=page.page_arn)

    async def test_after_five_wrong_codes_the_right_one_is_refused(self, api: Api) -> None:
        """Each wrong code counts, and is counted even though the call fails; after five
        the page's code is void: a sixth call is refused even with the right code, and the
        page stays unread. Another page's code still works."""
        _, page = await self._page(api)
        wrong = f"{(int(page.accept_code) + 1) % 1_000_000:06d}"
        for left in (4, 3, 2, 1):
            with pytest.raises(errors.ValidationError, match=f"{left} more wrong code"):
                await api("AcceptPage", PageId=page.page_arn, AcceptType="READ",
                          AcceptCode=wrong)
        with pytest.raises(errors.ValidationError, match="now void"):
            await api("AcceptPage", PageId=page.page_arn, AcceptType="READ", AcceptCode=wrong)
        with pytest.raises(errors.ValidationError, match="void after 5 wrong codes"):
            await api("AcceptPage", PageId=page.page_arn, AcceptType="READ",
                      AcceptCode=page.accept_code)
        assert await api.receipts(page.page_arn) == []
        assert "ReadTime" not in await api("DescribePage", PageId=page.page_arn)
        bob, _ = await api.person("bob", ("EMAIL", "bob@example.com", True))
        engagement = await api.engage(bob, IncidentId=INCIDENT)
        await wait_for(lambda: api.seen.pages_of(engagement))
        other = api.seen.pages_of(engagement)[0]
        await api("AcceptPage", PageId=other.page_arn, AcceptType="READ",
                  AcceptCode=other.accept_code)
        assert "ReadTime" in await api("DescribePage", PageId=other.page_arn)

    async def test_ignore_accepts_any_code(self, api: Api) -> None:
        """Under IGNORE any 6..10-digit code accepts the page."""
        _, page = await self._page(api)
        await api("AcceptPage", PageId=page.page_arn, AcceptType="READ",
                  AcceptCode="0000000000", AcceptCodeValidation="IGNORE")
        assert "ReadTime" in await api("DescribePage", PageId=page.page_arn)

    async def test_delivered_then_read_with_receipts(self, api: Api) -> None:
        """DELIVERED sets DeliveryTime and READ sets ReadTime, each a receipt carrying the
        note and channel; PageAccepted is published once per type."""
        engagement, page = await self._page(api)
        await api("AcceptPage", PageId=page.page_arn, AcceptType="DELIVERED",
                  AcceptCode=page.accept_code, ContactChannelId=page.channel_arn)
        described = await api("DescribePage", PageId=page.page_arn)
        assert "DeliveryTime" in described and "ReadTime" not in described
        await api("AcceptPage", PageId=page.page_arn, AcceptType="READ",
                  AcceptCode=page.accept_code, Note="on it")
        await api("AcceptPage", PageId=page.page_arn, AcceptType="READ",
                  AcceptCode=page.accept_code, Note="still on it")
        described = await api("DescribePage", PageId=page.page_arn)
        assert described["ReadTime"] >= described["DeliveryTime"] >= described["SentTime"]
        assert described["Subject"] == "Database down" and described["IncidentId"] == INCIDENT
        receipts = await api.receipts(page.page_arn)
        assert [(r["ReceiptType"], r.get("ReceiptInfo"), r.get("ContactChannelArn"))
                for r in receipts] == [("DELIVERED", None, page.channel_arn),
                                           ("READ", "on it", None),
                                           ("READ", "still on it", None)]
        await wait_for(lambda: len(api.seen.events_of("PageReceiptRecorded", engagement)) == 3)
        accepted = api.seen.events_of("PageAccepted", engagement)
        assert [(a.accept_type, a.note) for a in accepted] == [("DELIVERED", None),
                                                               ("READ", "on it")]
        assert accepted[1].incident_id == INCIDENT

    async def test_channel_of_another_contact_is_refused(self, api: Api) -> None:
        """ContactChannelId must name a channel of the paged contact."""
        _, page = await self._page(api)
        _, (other,) = await api.person("bob", ("EMAIL", "bob@example.com", True))
        with pytest.raises(errors.ValidationError):
            await api("AcceptPage", PageId=page.page_arn, AcceptType="READ",
                      AcceptCode=page.accept_code, ContactChannelId=other)

    async def test_accept_on_a_stopped_engagement_still_records(self, api: Api) -> None:
        """A page of a stopped engagement can still be acknowledged."""
        engagement, page = await self._page(api)
        await api("StopEngagement", EngagementId=engagement)
        await api("AcceptPage", PageId=page.page_arn, AcceptType="READ",
                  AcceptCode=page.accept_code)
        assert "ReadTime" in await api("DescribePage", PageId=page.page_arn)

    async def test_unknown_page_is_not_found(self, api: Api) -> None:
        """Accepting or describing a page that does not exist is ResourceNotFound."""
        missing = "arn:tocsin:ssm-contacts:x:000000000000:page/alice/nope"
        with pytest.raises(errors.NotFoundError):
            await api("AcceptPage", PageId=missing, AcceptType="READ", AcceptCode="123456")
        with pytest.raises(errors.NotFoundError):
            await api("DescribePage", PageId=missing)


class TestVersions:
    async def test_each_change_carries_its_resources_next_version(self, api: Api) -> None:
        """A channel's, an engagement's and a page's events carry the resource's version
        after each change (1 on creation), and who made it: the account itself for a
        caller without a principal."""
        alice, (email,) = await api.person("alice", ("EMAIL", "alice@example.com", True))
        engagement = await api.engage(alice, IncidentId=INCIDENT)
        await wait_for(lambda: api.seen.pages_of(engagement))
        page = api.seen.pages_of(engagement)[0]
        await api("AcceptPage", PageId=page.page_arn, AcceptType="DELIVERED",
                  AcceptCode=page.accept_code)
        await api("AcceptPage", PageId=page.page_arn, AcceptType="READ",
                  AcceptCode=page.accept_code)
        await api("StopEngagement", EngagementId=engagement)
        await wait_for(lambda: api.seen.events_of("EngagementStopped", engagement))
        channel = [(e.type, e.data["version"]) for e in api.seen.events
                   if e.data.get("contactChannelArn") == email
                   and e.type != "ContactChannelActivationCodeSent"]
        assert channel == [("ContactChannelCreated", 1), ("ContactChannelActivated", 2)]
        of_engagement = [(type(e).__name__, e.resource_version) for kind in (
            "EngagementStarted", "EngagementStageStarted", "EngagementStopped")
            for e in api.seen.events_of(kind, engagement)]
        # The READ of an essential page stopped the progression: a change of its own.
        assert of_engagement == [("EngagementStarted", 1), ("EngagementStageStarted", 1),
                                 ("EngagementStopped", 3)]
        of_page = [(type(e).__name__, e.resource_version) for e in (
            api.seen.events_of("PageCreated", engagement)
            + api.seen.events_of("PageReceiptRecorded", engagement)
            + api.seen.events_of("PageAccepted", engagement))]
        assert of_page == [("PageCreated", 1), ("PageReceiptRecorded", 2),
                           ("PageReceiptRecorded", 3), ("PageAccepted", 2),
                           ("PageAccepted", 3)]
        principals = {e.data.get("principal") for e in api.seen.events}
        assert principals == {"arn:tocsin:iam::000000000000:root"}


class TestRecordPageReceipt:
    async def test_receipts_are_idempotent(self, api: Api) -> None:
        """The same (type, info, time) recorded twice is one receipt; DELIVERED sets the
        page's DeliveryTime."""
        alice, (mail,) = await api.person("alice", ("EMAIL", "alice@example.com", True))
        engagement = await api.engage(alice)
        page = (await api.pages(engagement))[0]["PageArn"]
        at = time.time()
        body = {"PageId": page, "ReceiptType": "DELIVERED", "ReceiptInfo": "SM6656",
                "ReceiptTime": at, "ContactChannelId": mail}
        assert (await api("RecordPageReceipt", **body)) == {"Recorded": True}
        assert (await api("RecordPageReceipt", **body)) == {"Recorded": False}
        await api("RecordPageReceipt", PageId=page, ReceiptType="ERROR",
                  ReceiptInfo="bounced", ReceiptTime=at + 1)
        receipts = await api.receipts(page)
        assert [r["ReceiptType"] for r in receipts] == ["DELIVERED", "ERROR"]
        assert receipts[0]["ReceiptTime"] == pytest.approx(at)
        assert (await api("DescribePage", PageId=page))["DeliveryTime"] == pytest.approx(at)

    async def test_a_waiting_error_is_listed_but_starts_no_channel_retry(self, api: Api) -> None:
        """An ERROR marked Waiting (why a delivery waits) is one of the page's receipts, and
        its event carries no retry interval (so the escalation service retries nothing);
        a plain ERROR on the same channel carries the channel's interval. Waiting applies
        to ERROR receipts only."""
        alice, (mail,) = await api.person("alice", ("EMAIL", "alice@example.com", True))
        engagement = await api.engage(alice)
        page = (await api.pages(engagement))[0]["PageArn"]
        info = "Waiting (NO_PROVIDER): no EMAIL provider is configured"
        await api("RecordPageReceipt", PageId=page, ReceiptType="ERROR", ReceiptInfo=info,
                  ContactChannelId=mail, ReceiptTime=time.time(), Waiting=True)
        await api("RecordPageReceipt", PageId=page, ReceiptType="ERROR", ReceiptInfo="bounced",
                  ContactChannelId=mail, ReceiptTime=time.time() + 1)
        assert [(r["ReceiptType"], r["ReceiptInfo"]) for r in await api.receipts(page)] == \
            [("ERROR", info), ("ERROR", "bounced")]
        events = await wait_for(lambda: len(
            api.seen.events_of("PageReceiptRecorded", engagement)) == 2 and
            api.seen.events_of("PageReceiptRecorded", engagement))
        assert [(e.waiting, e.retry_interval_in_minutes) for e in events] == \
            [(True, None), (False, 1)]
        with pytest.raises(errors.ValidationError):
            await api("RecordPageReceipt", PageId=page, ReceiptType="SENT", Waiting=True)

    async def test_unknown_receipt_type_is_refused(self, api: Api) -> None:
        """A ReceiptType outside the model's enum is a ValidationException."""
        alice, _ = await api.person("alice", ("EMAIL", "alice@example.com", True))
        page = (await api.pages(await api.engage(alice)))[0]["PageArn"]
        with pytest.raises(errors.ValidationError):
            await api("RecordPageReceipt", PageId=page, ReceiptType="LOST")


class TestListingAndDescribing:
    async def test_describe_engagement(self, api: Api) -> None:
        """DescribeEngagement returns the message fields and the start time."""
        alice, _ = await api.person("alice", ("EMAIL", "alice@example.com", True))
        engagement = await api.engage(alice, IncidentId=INCIDENT)
        described = await api("DescribeEngagement", EngagementId=engagement)
        assert described["ContactArn"] == alice and described["EngagementArn"] == engagement
        assert (described["Sender"], described["Subject"], described["PublicSubject"],
                described["IncidentId"]) == ("tocsin", "Database down", "Incident", INCIDENT)
        assert "StopTime" not in described
        with pytest.raises(errors.NotFoundError):
            await api("DescribeEngagement", EngagementId=engagement + "x")

    async def test_list_engagements_by_incident_and_time(self, api: Api) -> None:
        """ListEngagements filters by IncidentId and by a start-time range, and pages."""
        alice, _ = await api.person("alice", ("EMAIL", "alice@example.com", True))
        other = INCIDENT + "-other"
        first = await api.engage(alice, IncidentId=INCIDENT)
        await asyncio.sleep(0.05)
        middle = time.time()
        await asyncio.sleep(0.05)
        second = await api.engage(alice, IncidentId=INCIDENT)
        third = await api.engage(alice, IncidentId=other)
        listed = (await api("ListEngagements", IncidentId=INCIDENT))["Engagements"]
        assert [e["EngagementArn"] for e in listed] == [second, first]
        assert listed[0]["IncidentId"] == INCIDENT and "Subject" not in listed[0]
        recent = (await api("ListEngagements", TimeRangeValue={
            "StartTime": middle, "EndTime": time.time() + 60}))["Engagements"]
        assert {e["EngagementArn"] for e in recent} == {second, third}
        both = (await api("ListEngagements", IncidentId=INCIDENT, TimeRangeValue={
            "StartTime": middle}))["Engagements"]
        assert [e["EngagementArn"] for e in both] == [second]
        seen, token = [], None
        while True:
            page = await api("ListEngagements", MaxResults=1,
                             **({"NextToken": token} if token else {}))
            seen += [e["EngagementArn"] for e in page["Engagements"]]
            token = page.get("NextToken")
            if not token:
                break
        assert seen == [third, second, first]

    async def test_list_pages_by_contact(self, api: Api) -> None:
        """ListPagesByContact lists a person's pages across engagements, newest first."""
        alice, _ = await api.person("alice", ("EMAIL", "alice@example.com", True))
        first = await api.engage(alice)
        second = await api.engage(alice, IncidentId=INCIDENT)
        pages = (await api("ListPagesByContact", ContactId=alice))["Pages"]
        assert [p["EngagementArn"] for p in pages] == [second, first]
        assert pages[0]["IncidentId"] == INCIDENT and pages[0]["Sender"] == "tocsin"
        one = await api("ListPagesByContact", ContactId=alice, MaxResults=1)
        rest = await api("ListPagesByContact", ContactId=alice, NextToken=one["NextToken"])
        assert [p["EngagementArn"] for p in one["Pages"] + rest["Pages"]] == [second, first]
        with pytest.raises(errors.NotFoundError):
            await api("ListPagesByContact", ContactId=alice + "-nobody")


class TestIdempotency:
    async def test_token_replay_returns_the_first_engagement(self, api: Api) -> None:
        """The same IdempotencyToken with the same parameters answers the first
        engagement's ARN and pages nobody twice; other parameters are a conflict."""
        alice, _ = await api.person("alice", ("EMAIL", "alice@example.com", True))
        first = await api.engage(alice, IdempotencyToken="incident-1-alice")
        again = await api.engage(alice, IdempotencyToken="incident-1-alice")
        assert again == first
        assert len((await api("ListPagesByContact", ContactId=alice))["Pages"]) == 1
        with pytest.raises(errors.ConflictError):
            await api.engage(alice, IdempotencyToken="incident-1-alice", Subject="other")
        await asyncio.sleep(0.5)
        assert len(api.seen.events_of("EngagementStarted")) == 1

    async def test_unknown_contact_is_not_found(self, api: Api) -> None:
        """Engaging a contact that does not exist is ResourceNotFound."""
        with pytest.raises(errors.NotFoundError):
            await api.engage("arn:tocsin:ssm-contacts:x:000000000000:contact/nobody")


class TestStartEngagementLatency:
    async def test_three_stages_of_ten(self, api: Api) -> None:
        """StartEngagement of an escalation plan with 3 stages of 10 contacts each (stage 0
        paged at once) stays fast: p50 and p99 over 100 calls are printed."""
        people = await asyncio.gather(*[
            api.person(f"p{i:02d}", ("EMAIL", f"p{i:02d}@example.com", True))
            for i in range(30)])
        plan = await api.escalation("big", [[(people[s * 10 + i][0], i == 0)
                                            for i in range(10)] for s in range(3)])
        await api.engage(plan)  # warm up
        for label, token in (("without token", False), ("with IdempotencyToken", True)):
            times = []
            for i in range(100):
                extra = {"IdempotencyToken": f"bench-{i}"} if token else {}
                start = time.perf_counter()
                engagement = await api.engage(plan, **extra)
                times.append((time.perf_counter() - start) * 1000)
            assert len(await api.pages(engagement)) == 10
            times.sort()
            p50, p99 = statistics.median(times), times[98]
            print(f"\nStartEngagement 3x10 ({label}): p50={p50:.1f} ms p99={p99:.1f} ms "
                  f"max={times[-1]:.1f} ms")
            assert p99 < 2000


class TestResolvedIncident:
    """``StopIncidentEngagements`` (the incidents service's call while resolving) and the
    incidents service's own events."""

    async def _engaged(self, api: Api) -> tuple[str, str]:
        alice, _ = await api.person("alice", ("EMAIL", "alice@example.com", True))
        carol, _ = await api.person("carol", ("EMAIL", "carol@example.com", True))
        plan = await api.escalation("db-escalation", [[(alice, True)], [(carol, True)]])
        return plan, await api.engage(plan, IncidentId=INCIDENT)

    async def test_resolving_stops_the_engagements_and_refuses_new_ones(
            self, api: Api) -> None:
        """The incident's running engagement stops (its event names why and the page that
        had gone out), its next stage pages nobody, and no new engagement starts for it."""
        plan, engagement = await self._engaged(api)
        [page] = await api.pages(engagement)
        reply = await api("StopIncidentEngagements", IncidentId=INCIDENT,
                          Reason="Incident resolved", ChangedTime=time.time())
        assert reply == {"StoppedEngagementArns": [engagement]}
        started = await api("StartEngagementStage", EngagementArn=engagement, StageIndex=1)
        assert started["Reason"] == "STOPPED"
        with pytest.raises(errors.ConflictError):
            await api.engage(plan, IncidentId=INCIDENT)
        assert await api("StopIncidentEngagements", IncidentId=INCIDENT,
                         Reason="Incident resolved", ChangedTime=time.time()) \
            == {"StoppedEngagementArns": []}
        await wait_for(lambda: api.seen.events_of("EngagementStopped", engagement))
        [stopped] = api.seen.events_of("EngagementStopped", engagement)
        assert (stopped.reason, stopped.pages_sent) == ("Incident resolved", [page["PageArn"]])

    async def test_reopening_allows_engagements_and_an_older_resolve_loses(
            self, api: Api, bus: Bus, contacts: Any) -> None:
        """A re-opening event lets the incident be engaged again; a resolve older than the
        re-opening, arriving after it, changes nothing."""
        plan, engagement = await self._engaged(api)
        resolved_at = time.time()
        await api("StopIncidentEngagements", IncidentId=INCIDENT, Reason="Incident resolved",
                  ChangedTime=resolved_at)
        reopened = codec.make_envelope(
            type="IncidentRecordUpdated", service="incidents", region=contacts.region,
            data={"incidentRecord": {"arn": INCIDENT, "status": "OPEN",
                                     "lastModifiedTime": resolved_at + 1},
                  "reopened": True},
            correlation=codec.Correlation(incident_arn=INCIDENT))
        await bus.js.publish(f"events.{contacts.region}.incidents.IncidentRecordUpdated",
                             codec.encode(reopened))

        async def engaged_again() -> str | None:
            try:
                return await api.engage(plan, IncidentId=INCIDENT)
            except errors.ConflictError:
                return None

        again = await wait_for(engaged_again)
        assert again != engagement
        late = await api("StopIncidentEngagements", IncidentId=INCIDENT,
                         Reason="Incident resolved", ChangedTime=resolved_at + 0.5)
        assert late == {"StoppedEngagementArns": []}
        assert "StopTime" not in await api("DescribeEngagement", EngagementId=again)

    async def test_a_resolved_event_stops_the_engagements_too(
            self, api: Api, bus: Bus, contacts: Any) -> None:
        """A resolve the contacts service missed (it was down) reaches it as the incidents
        service's ``IncidentRecordResolved``: the engagement stops all the same."""
        _, engagement = await self._engaged(api)
        resolved = codec.make_envelope(
            type="IncidentRecordResolved", service="incidents", region=contacts.region,
            data={"incidentRecord": {"arn": INCIDENT, "status": "RESOLVED",
                                     "resolvedTime": time.time()}},
            correlation=codec.Correlation(incident_arn=INCIDENT))
        await bus.js.publish(f"events.{contacts.region}.incidents.IncidentRecordResolved",
                             codec.encode(resolved))
        await wait_for(lambda: api.seen.events_of("EngagementStopped", engagement))
        [stopped] = api.seen.events_of("EngagementStopped", engagement)
        assert stopped.reason == "Incident resolved"
        started = await api("StartEngagementStage", EngagementArn=engagement, StageIndex=1)
        assert started["Reason"] == "STOPPED"
