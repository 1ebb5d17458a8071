"""Paging that reaches nobody is an ``EngagementFailed`` event, response plans reserve the
contacts they engage, and deleting the replication set deletes the contacts data: the
contacts service alone over NATS, against real JetStream and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
import pytest_asyncio

from tocsin.contacts.settings import Settings
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus
from tocsin.shared.contracts import contacts as cc
from tocsin.shared.contracts import notifications as nc
from tocsin.shared.contracts.base import decode
from tocsin.shared.contracts.deliveries import PageDelivery
from tocsin.shared.testing import open_delivery, wait_for

INCIDENT = "arn:tocsin:ssm-incidents::000000000000:incident-record/database/0a1b2c3d"
PLAN = "arn:tocsin:ssm-incidents::000000000000:response-plan/database"


class Seen:
    def __init__(self) -> None:
        self.codes: dict[str, str] = {}
        self.pages: list[PageDelivery] = []
        self.events: list[codec.Envelope] = []

    async def on_delivery(self, msg: Any) -> None:
        if msg.subject.endswith(".activation-code"):
            code = await open_delivery(msg)
            self.codes[code.channel_arn] = code.code
        elif msg.subject.endswith(".page"):
            self.pages.append(await open_delivery(msg))

    async def on_event(self, msg: Any) -> None:
        self.events.append(codec.decode(msg.data, codec.Envelope))

    def failed(self) -> list[tuple[codec.Envelope, cc.EngagementFailed]]:
        return [(e, decode(e.type, e.data, cc.ContactsEvent)) for e in self.events
                if e.type == "EngagementFailed"]


class Api:
    def __init__(self, bus: Bus, seen: Seen, region: str) -> None:
        self.bus = bus
        self.seen = seen
        self.region = region

    async def __call__(self, operation: str, **body: Any) -> dict[str, Any]:
        reply = await self.bus.request(f"tocsin.rpc.contacts.{operation}", body, timeout=20)
        out: dict[str, Any] = codec.decode(reply, dict[str, Any])
        return out

    async def person(self, alias: str, *activated: bool) -> tuple[str, list[str]]:
        """A PERSONAL contact with e-mail channels (activated or not), all in stage 0."""
        arn = (await self("CreateContact", Alias=alias, Type="PERSONAL",
                          Plan={"Stages": []}))["ContactArn"]
        channels = [(await self("CreateContactChannel", ContactId=arn, Name=f"mail-{i}",
                                Type="EMAIL",
                                DeliveryAddress={"SimpleAddress": f"{alias}{i}@example.com"}))
                    ["ContactChannelArn"] for i in range(len(activated))]
        await wait_for(lambda: set(channels) <= set(self.seen.codes))
        for channel, activate in zip(channels, activated, strict=True):
            if activate:
                await self("ActivateContactChannel", ContactChannelId=channel,
                           ActivationCode=self.seen.codes[channel])
        await self("UpdateContact", ContactId=arn, Plan={"Stages": [{
            "DurationInMinutes": 5, "Targets": [
                {"ChannelTargetInfo": {"ContactChannelId": c}} for c in channels]}]})
        return str(arn), channels

    async def engage(self, contact_id: str) -> str:
        return str((await self("StartEngagement", ContactId=contact_id, Sender="tocsin",
                               Subject="Database down", Content="The database is down.",
                               IncidentId=INCIDENT,
                               IdempotencyToken=uuid.uuid4().hex))["EngagementArn"])

    async def dead_letter(self, page: PageDelivery) -> None:
        """What the notifications service publishes when every provider refused a page's
        delivery on one channel."""
        data = nc.DeliveryDeadLettered(
            delivery_id=page.id, kind="page", channel_arn=page.channel_arn,
            channel_type="EMAIL", attempts=1, failed_at=datetime.now(UTC),
            error="550 5.1.1 Mailbox unavailable", contact_arn=page.contact_arn,
            page_arn=page.page_arn, engagement_arn=page.engagement_arn,
            incident_id=page.incident_id)
        await self.publish("notifications", "DeliveryDeadLettered", msgspec.to_builtins(data),
                           incident_arn=INCIDENT)

    async def publish(self, service: str, kind: str, data: dict[str, Any], *,
                      incident_arn: str | None = None) -> None:
        envelope = codec.make_envelope(
            type=kind, service=service, region=self.region, data=data,
            time=datetime.now(UTC), correlation=codec.Correlation(incident_arn=incident_arn))
        await self.bus.js.publish(envelope.subject, codec.encode(envelope),
                                  headers={"Nats-Msg-Id": envelope.id})


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
        yield Api(bus, seen, contacts.region)
    finally:
        for sub in subs:
            await sub.unsubscribe()


class TestEngagementFailed:
    async def test_a_person_without_an_activated_channel(self, api: Api) -> None:
        """A person whose plan targets no activated channel is reported, correlated to the
        incident; a person with one is not."""
        alice, _ = await api.person("alice", False)
        bob, _ = await api.person("bob", True)
        escalation = str((await api("CreateContact", Alias="db", Type="ESCALATION", Plan={
            "Stages": [{"DurationInMinutes": 0, "Targets": [
                {"ContactTargetInfo": {"ContactId": c, "IsEssential": True}}
                for c in (alice, bob)]}]}))["ContactArn"])
        engagement = await api.engage(escalation)
        [(envelope, failed)] = await wait_for(api.seen.failed)
        assert envelope.correlation.incident_arn == INCIDENT
        assert envelope.correlation.engagement_arn == engagement
        assert (failed.contact_arn, failed.engagement_arn, failed.stage_index) == (
            escalation, engagement, 0)
        assert [(f.contact_arn, f.reason, f.via) for f in failed.failures] == [
            (alice, "NO_ACTIVATED_CHANNEL", [escalation])]

    async def test_an_engaged_contact_that_does_not_exist(self, api: Api) -> None:
        """StartEngagement of a missing contact for an incident still answers
        ResourceNotFoundException, and reports the failure once per idempotency token."""
        missing = f"arn:tocsin:ssm-contacts:{api.region}:000000000000:contact/gone"
        for _ in range(2):
            with pytest.raises(errors.NotFoundError):
                await api("StartEngagement", ContactId=missing, Sender="tocsin",
                          Subject="Database down", Content="down", IncidentId=INCIDENT,
                          IdempotencyToken="same-token")
        alice, _ = await api.person("alice", False)
        await api.engage(alice)  # a later failure: the barrier after any repeat
        found = await wait_for(lambda: len(api.seen.failed()) == 2 and api.seen.failed())
        (_, first), (_, second) = found
        assert first.engagement_arn is None and first.contact_arn == missing
        assert [(f.contact_arn, f.reason) for f in first.failures] == [
            (missing, "CONTACT_NOT_FOUND")]
        assert second.contact_arn == alice

    async def test_every_channel_refused(self, api: Api) -> None:
        """Dead letters of a page report it once every channel it went to failed."""
        carol, channels = await api.person("carol", True, True)
        engagement = await api.engage(carol)
        pages = await wait_for(lambda: len(api.seen.pages) == 2 and api.seen.pages)
        await api.dead_letter(pages[0])
        await api.dead_letter(pages[0])  # a repeat counts once
        dave, _ = await api.person("dave", False)
        await api.engage(dave)  # its failure is the barrier: nothing came for carol yet
        await wait_for(lambda: len(api.seen.failed()) == 1)
        assert api.seen.failed()[0][1].contact_arn == dave

        await api.dead_letter(pages[1])
        await wait_for(lambda: len(api.seen.failed()) == 2)
        _, failed = api.seen.failed()[1]
        assert (failed.engagement_arn, failed.page_arn) == (engagement, pages[0].page_arn)
        [failure] = failed.failures
        assert (failure.contact_arn, failure.reason) == (carol, "DELIVERY_FAILED")
        assert channels[0] in failure.detail and "550 5.1.1" in failure.detail


class TestReservations:
    async def test_kinds_and_the_dependants_they_make(self, api: Api) -> None:
        """ReserveEngagementContacts says what each ARN is; a reserved contact is deleted
        only after the incidents service says no plan engages it (the incidents service
        running beside, which holds the data key, has no plan ``PLAN``), while a contact no
        plan reserved is deleted without asking."""
        alice, channels = await api.person("alice", False)
        bob, _ = await api.person("bob", False)
        loner, _ = await api.person("loner", False)
        rotation = (await api("CreateRotation", Name="r", ContactIds=[bob],
                              TimeZoneId="UTC", Recurrence={
                                  "NumberOfOnCalls": 1, "RecurrenceMultiplier": 1,
                                  "DailySettings": [{"HourOfDay": 9, "MinuteOfHour": 0}]}))[
            "RotationArn"]
        missing = alice.replace("/alice", "/nobody")
        kinds = (await api("ReserveEngagementContacts", ResponsePlanArn=PLAN,
                           ContactArns=[alice, channels[0], rotation, missing]))["Kinds"]
        assert kinds == {alice: "PERSONAL", channels[0]: "CONTACT_CHANNEL",
                         rotation: "ROTATION"}
        await api("DeleteContact", ContactId=loner)
        await api("DeleteContact", ContactId=alice)
        with pytest.raises(errors.NotFoundError):
            await api("GetContact", ContactId=alice)


class TestReplicationSetDeleted:
    async def test_deletes_what_was_created_before_it(self, api: Api) -> None:
        """The incidents service's ReplicationSetDeleted deletes contacts, channels,
        rotations and engagements made until then."""
        alice, _ = await api.person("alice", True)
        await api("CreateRotation", Name="r", ContactIds=[alice], TimeZoneId="UTC",
                  Recurrence={"NumberOfOnCalls": 1, "RecurrenceMultiplier": 1,
                              "DailySettings": [{"HourOfDay": 9, "MinuteOfHour": 0}]})
        engagement = await api.engage(alice)
        await api.publish("incidents", "ReplicationSetDeleted", {
            "arn": "arn:tocsin:ssm-incidents::000000000000:replication-set/x"})

        async def emptied() -> bool:
            return not (await api("ListContacts"))["Contacts"]

        await wait_for(emptied)
        assert (await api("ListRotations"))["Rotations"] == []
        assert (await api("ListEngagements"))["Engagements"] == []
        with pytest.raises(errors.NotFoundError):
            await api("DescribeEngagement", EngagementId=engagement)
