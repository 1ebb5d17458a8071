"""Never page nobody in silence: a response plan engages only contacts that exist, a
contact a plan engages is not deleted, paging that reaches nobody is on the incident's
timeline and engages the fallback contact, and deleting the replication set deletes the
contacts data. The incidents and contacts services run together, over real JetStream and
PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from tocsin.contacts.app import lifespan as contacts_lifespan
from tocsin.contacts.settings import Settings as ContactsSettings
from tocsin.incidents.app import lifespan as incidents_lifespan
from tocsin.incidents.settings import Settings
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus
from tocsin.shared.testing import running, wait_for

ACCOUNT = "000000000000"
FAILED = "Tocsin Engagement Failed"
FALLBACK_ALIAS = "duty-manager"


@pytest_asyncio.fixture
async def both(nats_url: str, database_url: str, isolation: dict[str, str],
               bus: Bus) -> AsyncIterator[Settings]:
    """Incidents (with a fallback contact) and contacts, on the test's own names."""
    fallback = f"arn:tocsin:ssm-contacts:{isolation['region']}:{ACCOUNT}:contact/" \
               f"{FALLBACK_ALIAS}"
    settings = Settings(nats_url=nats_url, database_url=database_url, shutdown_grace=5,
                        outbox_poll_interval=0.1, fallback_contact=fallback,
                        changes_filter=f"changes.{isolation['region']}.>",
                        alarms_filter=f"alarms.{isolation['region']}.>", **isolation)
    async with running(incidents_lifespan, settings), running(
            contacts_lifespan, ContactsSettings(nats_url=nats_url, database_url=database_url,
                                                shutdown_grace=5, outbox_poll_interval=0.1,
                                                **isolation)):
        async def answering() -> bool:
            try:
                await bus.request("tocsin.rpc.incidents.ListReplicationSets", {}, timeout=0.5)
                await bus.request("tocsin.rpc.contacts.ListContacts", {}, timeout=0.5)
                return True
            except errors.ServiceUnavailable:
                return False
        await wait_for(answering)
        await incidents(bus, "CreateReplicationSet", {"regions": {settings.region: {}}})
        yield settings


async def incidents(bus: Bus, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    reply = await bus.request(f"tocsin.rpc.incidents.{operation}", params,
                              headers={"Tocsin-Principal": f"arn:tocsin:iam::{ACCOUNT}:user/a"})
    return codec.decode(reply, dict[str, Any])


async def contacts(bus: Bus, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    reply = await bus.request(f"tocsin.rpc.contacts.{operation}", params,
                              headers={"Tocsin-Principal": f"arn:tocsin:iam::{ACCOUNT}:user/a"})
    return codec.decode(reply, dict[str, Any])


def contact_arn(settings: Settings, alias: str) -> str:
    return f"arn:tocsin:ssm-contacts:{settings.region}:{ACCOUNT}:contact/{alias}"


async def person(bus: Bus, alias: str) -> str:
    """A personal contact with an e-mail channel that is not activated."""
    arn = str((await contacts(bus, "CreateContact", {
        "Alias": alias, "Type": "PERSONAL", "Plan": {"Stages": []}}))["ContactArn"])
    channel = (await contacts(bus, "CreateContactChannel", {
        "ContactId": arn, "Name": "mail", "Type": "EMAIL",
        "DeliveryAddress": {"SimpleAddress": f"{alias}@example.com"}}))["ContactChannelArn"]
    await contacts(bus, "UpdateContact", {"ContactId": arn, "Plan": {"Stages": [{
        "DurationInMinutes": 1,
        "Targets": [{"ChannelTargetInfo": {"ContactChannelId": channel}}]}]}})
    return arn


async def plan(bus: Bus, name: str, engagements: list[str]) -> str:
    return str((await incidents(bus, "CreateResponsePlan", {
        "name": name, "incidentTemplate": {"title": f"{name} down", "impact": 2},
        "engagements": engagements}))["arn"])


async def timeline(bus: Bus, incident: str, event_type: str) -> list[dict[str, Any]]:
    events = (await incidents(bus, "ListTimelineEvents", {
        "incidentRecordArn": incident, "sortOrder": "ASCENDING",
        "filters": [{"key": "eventType", "condition": {"equals": {
            "stringValues": [event_type]}}}]}))["eventSummaries"]
    out = []
    for e in events:
        full = (await incidents(bus, "GetTimelineEvent", {
            "incidentRecordArn": incident, "eventId": e["eventId"]}))["event"]
        out.append(json.loads(full["eventData"]))
    return out


async def engaged(bus: Bus, incident: str) -> list[str]:
    found = (await contacts(bus, "ListEngagements", {"IncidentId": incident}))["Engagements"]
    return sorted(e["ContactArn"] for e in found)


class TestResponsePlanEngagements:
    async def test_unknown_contacts_are_refused_naming_the_member(self, both: Settings,
                                                                  bus: Bus) -> None:
        """CreateResponsePlan and UpdateResponsePlan refuse an engagement that names no
        contact, or a rotation, with a ValidationException naming the member; nothing is
        written."""
        alice = await person(bus, "alice")
        missing = contact_arn(both, "nobody")
        with pytest.raises(errors.ValidationError) as caught:
            await plan(bus, "db", [alice, missing])
        assert caught.value.message == f"engagements[1]: contact {missing} does not exist"
        with pytest.raises(errors.NotFoundError):
            await incidents(bus, "GetResponsePlan", {
                "arn": f"arn:tocsin:ssm-incidents::{ACCOUNT}:response-plan/db"})

        rotation = (await contacts(bus, "CreateRotation", {
            "Name": "r", "ContactIds": [alice], "TimeZoneId": "UTC",
            "Recurrence": {"NumberOfOnCalls": 1, "RecurrenceMultiplier": 1,
                           "DailySettings": [{"HourOfDay": 9, "MinuteOfHour": 0}]}}))[
            "RotationArn"]
        arn = await plan(bus, "db", [alice])
        with pytest.raises(errors.ValidationError, match=r"^engagements\[0\]: .* is a "
                                                         r"rotation, not a contact"):
            await incidents(bus, "UpdateResponsePlan", {"arn": arn,
                                                        "engagements": [rotation]})
        got = await incidents(bus, "GetResponsePlan", {"arn": arn})
        assert got["engagements"] == [alice]

    async def test_a_contact_a_plan_engages_is_not_deleted(self, both: Settings,
                                                           bus: Bus) -> None:
        """DeleteContact of an escalation plan a response plan engages is a
        ConflictException listing the plan; once the plan no longer engages it, it goes.
        A plan write that failed leaves nothing that blocks a deletion."""
        alice = await person(bus, "alice")
        escalation = str((await contacts(bus, "CreateContact", {
            "Alias": "db-oncall", "Type": "ESCALATION", "Plan": {"Stages": [{
                "DurationInMinutes": 0, "Targets": [{"ContactTargetInfo": {
                    "ContactId": alice, "IsEssential": True}}]}]}}))["ContactArn"])
        arn = await plan(bus, "db", [escalation])
        with pytest.raises(errors.ConflictError) as caught:
            await contacts(bus, "DeleteContact", {"ContactId": escalation})
        assert caught.value.fields["DependentEntities"] == [
            {"RelationType": "RESPONSE_PLAN_ENGAGEMENT", "DependentResourceIds": [arn]}]
        await contacts(bus, "GetContact", {"ContactId": escalation})

        # A second plan of the same name fails after reserving alice: no dependant.
        with pytest.raises(errors.ConflictError):
            await plan(bus, "db", [alice])
        await incidents(bus, "UpdateResponsePlan", {"arn": arn, "engagements": []})
        await contacts(bus, "DeleteContact", {"ContactId": escalation})
        await contacts(bus, "DeleteContact", {"ContactId": alice})
        with pytest.raises(errors.NotFoundError):
            await contacts(bus, "GetContact", {"ContactId": escalation})

    async def test_a_plan_write_racing_a_delete_never_names_a_deleted_contact(
            self, both: Settings, bus: Bus) -> None:
        """Plans created while their contact is deleted: each either exists and its
        contact too, or was refused and the contact is gone."""
        people = [await person(bus, f"p{i}") for i in range(6)]

        async def create(i: int, arn: str) -> bool:
            try:
                await plan(bus, f"plan-{i}", [arn])
                return True
            except (errors.ValidationError, errors.ConflictError):
                return False

        async def delete(arn: str) -> bool:
            try:
                await contacts(bus, "DeleteContact", {"ContactId": arn})
                return True
            except errors.ConflictError:
                return False

        results = await asyncio.gather(*(
            aw for i, arn in enumerate(people) for aw in (create(i, arn), delete(arn))))
        for i, arn in enumerate(people):
            created, deleted = results[2 * i], results[2 * i + 1]
            assert not (created and deleted), arn
            if created:
                await contacts(bus, "GetContact", {"ContactId": arn})


    async def test_plans_from_before_reservations_are_reserved_at_start(
            self, both: Settings, bus: Bus, database_url: str) -> None:
        """A plan written before reservations existed (an upgrade) is reserved when an
        incidents instance starts, and from then on protects its contacts."""
        alice = await person(bus, "alice")
        arn = await plan(bus, "db", [alice])
        conn = await asyncpg.connect(database_url)
        try:
            table = f"{both.schema_prefix}contacts.plan_engagement"
            await conn.execute(f"DELETE FROM {table}")  # as before the upgrade
            async with running(incidents_lifespan, both):
                async def reserved() -> bool:
                    return bool(await conn.fetchval(f"SELECT count(*) FROM {table}"))
                await wait_for(reserved)
        finally:
            await conn.close()
        with pytest.raises(errors.ConflictError) as caught:
            await contacts(bus, "DeleteContact", {"ContactId": alice})
        assert caught.value.fields["DependentEntities"][0]["DependentResourceIds"] == [arn]


class TestPagingThatReachesNobody:
    async def test_no_activated_channel_is_on_the_timeline_and_pages_the_fallback(
            self, both: Settings, bus: Bus) -> None:
        """A person without an activated channel is paged nowhere: the timeline says who
        and why, and the fallback contact is engaged, once."""
        alice = await person(bus, "alice")
        fallback = await person(bus, FALLBACK_ALIAS)
        incident = (await incidents(bus, "StartIncident", {
            "responsePlanArn": await plan(bus, "db", [alice])}))["incidentRecordArn"]

        # The fallback has no activated channel either: its own failure is reported and
        # engages nobody more (the positive barrier of "no loop").
        async def two_failures() -> list[dict[str, Any]]:
            found = await timeline(bus, incident, FAILED)
            return found if len(found) == 2 else []

        first, second = await wait_for(two_failures, timeout=20)
        assert first["contactArn"] == alice
        assert first["notPaged"] == [{
            "contactArn": alice, "reason": "NO_ACTIVATED_CHANNEL",
            "detail": "Contact alice has no activated contact channel in its engagement plan"}]
        assert first["fallbackContactArn"] == fallback
        assert second["contactArn"] == fallback
        assert second["fallback"] == "The fallback contact itself could not be paged"
        assert await engaged(bus, incident) == sorted([alice, fallback])

    async def test_a_deleted_target_and_an_empty_schedule_are_reported(
            self, both: Settings, bus: Bus) -> None:
        """An escalation plan's target deleted since, and an on-call schedule with nobody
        on call yet, are each named with their reason."""
        bob = await person(bus, "bob")
        carol = await person(bus, "carol")
        rotation = (await contacts(bus, "CreateRotation", {
            "Name": "later", "ContactIds": [carol], "TimeZoneId": "UTC",
            "StartTime": 4_000_000_000,
            "Recurrence": {"NumberOfOnCalls": 1, "RecurrenceMultiplier": 1,
                           "DailySettings": [{"HourOfDay": 9, "MinuteOfHour": 0}]}}))[
            "RotationArn"]
        schedule = str((await contacts(bus, "CreateContact", {
            "Alias": "night", "Type": "ONCALL_SCHEDULE",
            "Plan": {"Stages": [], "RotationIds": [rotation]}}))["ContactArn"])
        escalation = str((await contacts(bus, "CreateContact", {
            "Alias": "db-oncall", "Type": "ESCALATION", "Plan": {"Stages": [{
                "DurationInMinutes": 0, "Targets": [
                    {"ContactTargetInfo": {"ContactId": bob, "IsEssential": True}},
                    {"ContactTargetInfo": {"ContactId": schedule, "IsEssential": True}}]}]}}
        ))["ContactArn"])
        await contacts(bus, "DeleteContact", {"ContactId": bob})
        incident = (await incidents(bus, "StartIncident", {
            "responsePlanArn": await plan(bus, "db", [escalation])}))["incidentRecordArn"]

        [failed, *_] = await wait_for(lambda: timeline(bus, incident, FAILED), timeout=20)
        reasons = {f["contactArn"]: (f["reason"], f["via"]) for f in failed["notPaged"]}
        assert reasons == {bob: ("CONTACT_NOT_FOUND", [escalation]),
                           schedule: ("NOBODY_ON_CALL", [escalation])}
        assert failed["engagementArn"].startswith(
            f"arn:tocsin:ssm-contacts:{both.region}:{ACCOUNT}:engagement/db-oncall/")


class TestDeletingTheReplicationSet:
    async def test_deletes_contacts_rotations_and_engagements(self, both: Settings,
                                                              bus: Bus) -> None:
        """The last region's deletion deletes all data, contacts included."""
        alice = await person(bus, "alice")
        await contacts(bus, "CreateRotation", {
            "Name": "r", "ContactIds": [alice], "TimeZoneId": "UTC",
            "Recurrence": {"NumberOfOnCalls": 1, "RecurrenceMultiplier": 1,
                           "DailySettings": [{"HourOfDay": 9, "MinuteOfHour": 0}]}})
        incident = (await incidents(bus, "StartIncident", {
            "responsePlanArn": await plan(bus, "db", [alice])}))["incidentRecordArn"]
        await wait_for(lambda: engaged(bus, incident))
        rs = (await incidents(bus, "ListReplicationSets", {}))["replicationSetArns"][0]
        await incidents(bus, "DeleteReplicationSet", {"arn": rs})

        async def emptied() -> bool:
            listed = await contacts(bus, "ListContacts", {})
            return not listed["Contacts"]

        await wait_for(emptied, timeout=15)
        assert (await contacts(bus, "ListRotations", {}))["Rotations"] == []
        assert (await contacts(bus, "ListEngagements", {}))["Engagements"] == []
