"""The whole paging loop from an alarm, at TOCSIN_CLOCK_SCALE=60 (a plan minute lasts a
second): a CloudWatch alarm published on NATS opens an incident whose response plan engages
an escalation plan; stage 1's contact is paged; her acknowledgement through boto3 stops the
escalation, and without it stage 2's contact is paged.

Everything a person gets arrives by email at a real SMTP server (aiosmtpd, the fixture's
``mailbox``): activation codes with ``X-Tocsin-Activation-Code``, pages with
``X-Tocsin-Page-Arn``, ``X-Tocsin-Accept-Code`` and ``X-Tocsin-Incident-Arn``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import boto3
import msgspec
import pytest

from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
STAGE_MINUTES = 2
"""Each escalation stage lasts two plan minutes: two seconds at this scale."""


@pytest.fixture
def tocsin_options() -> dict[str, dict[str, Any]]:
    return {"common": {"clock_scale": 60.0}}


class Mail:
    """What the test SMTP server received, by header."""

    def __init__(self, tocsin: dict[str, Any]) -> None:
        self._box = tocsin["mailbox"]

    def activation_codes(self) -> dict[str, str]:
        """Contact channel ARN → the activation code mailed for it."""
        return {str(m["X-Tocsin-Contact-Channel-Arn"]): str(m["X-Tocsin-Activation-Code"])
                for m in self._box.messages if m["X-Tocsin-Activation-Code"]}

    def pages(self) -> list[Any]:
        """The page emails, in the order they arrived."""
        return [m for m in self._box.messages if m["X-Tocsin-Page-Arn"]]

    def paged(self) -> list[str]:
        """Who each page email went to, in order."""
        return [str(m["To"]) for m in self.pages()]


def clients(tocsin: dict[str, Any]) -> tuple[Any, Any]:
    kw = {"endpoint_url": tocsin["http"], "region_name": tocsin["region"],
          "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}
    return boto3.client("ssm-incidents", **kw), boto3.client("ssm-contacts", **kw)


def alarm(name: str) -> dict[str, Any]:
    """A CloudWatch "Alarm State Change" into ALARM (reference/aws-api.md 4.2)."""
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch", "account": "111122223333", "time": "2024-03-05T09:20:41Z",
        "region": "eu-west-1", "resources": [
            f"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{name}"],
        "detail": {"alarmName": name, "state": {
            "value": "ALARM", "reason": "Threshold Crossed",
            "timestamp": "2024-03-05T09:20:41.515+0000"},
            "previousState": {"value": "OK", "reason": "Threshold Crossed",
                              "timestamp": "2024-03-05T09:15:41.501+0000"},
            "configuration": {"metrics": [{"id": "m1", "returnData": True, "metricStat": {
                "metric": {"namespace": "AWS/ApiGateway", "name": "5XXError",
                           "dimensions": {"ApiName": "orders-api"}},
                "period": 60, "stat": "Sum"}}]}},
    }


async def publish(bus: Bus, tocsin: dict[str, Any], event: dict[str, Any]) -> None:
    await bus.js.publish(f"alarms.{tocsin['region']}.cloudwatch", msgspec.json.encode(event),
                         headers={"Tocsin-Response-Plan": "api-outage"})


async def escalating_plan(tocsin: dict[str, Any], mail: Mail) -> None:
    """alice (stage 1) and bob (stage 2) behind an escalation plan, engaged by the response
    plan ``api-outage``, their email channels activated with the codes they were mailed."""
    incidents, contacts = clients(tocsin)

    def person(alias: str) -> tuple[str, str]:
        arn = contacts.create_contact(Alias=alias, Type="PERSONAL",
                                      Plan={"Stages": []})["ContactArn"]
        channel = contacts.create_contact_channel(
            ContactId=arn, Name="work email", Type="EMAIL",
            DeliveryAddress={"SimpleAddress": f"{alias}@example.com"})["ContactChannelArn"]
        return arn, channel

    def people() -> list[tuple[str, str]]:
        incidents.create_replication_set(regions={tocsin["region"]: {}})
        return [person("alice"), person("bob")]

    (alice, alice_mail), (bob, bob_mail) = await asyncio.to_thread(people)
    await wait_for(lambda: {alice_mail, bob_mail} <= set(mail.activation_codes()),
                   timeout=15)

    def plans() -> None:
        for contact, channel in ((alice, alice_mail), (bob, bob_mail)):
            contacts.activate_contact_channel(ContactChannelId=channel,
                                              ActivationCode=mail.activation_codes()[channel])
            contacts.update_contact(ContactId=contact, Plan={"Stages": [{
                "DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
                    "ContactChannelId": channel, "RetryIntervalInMinutes": 1}}]}]})
        escalation = contacts.create_contact(Alias="api-oncall", Type="ESCALATION", Plan={
            "Stages": [
                {"DurationInMinutes": STAGE_MINUTES, "Targets": [{"ContactTargetInfo": {
                    "ContactId": alice, "IsEssential": True}}]},
                {"DurationInMinutes": STAGE_MINUTES, "Targets": [{"ContactTargetInfo": {
                    "ContactId": bob, "IsEssential": True}}]}]})["ContactArn"]
        incidents.create_response_plan(
            name="api-outage", incidentTemplate={"title": "API 5xx", "impact": 1},
            engagements=[escalation])

    await asyncio.to_thread(plans)


def open_incidents(tocsin: dict[str, Any]) -> list[dict[str, Any]]:
    incidents, _ = clients(tocsin)
    return list(incidents.list_incident_records(filters=[{
        "key": "status", "condition": {"equals": {"stringValues": ["OPEN"]}}}])[
        "incidentRecordSummaries"])


async def the_incident(tocsin: dict[str, Any]) -> str:
    async def one() -> list[dict[str, Any]]:
        return await asyncio.to_thread(open_incidents, tocsin)

    [incident] = await wait_for(one, timeout=15)
    return str(incident["arn"])


ALICE, BOB = "alice@example.com", "bob@example.com"


class TestAlarmToPage:
    async def test_acknowledging_stage_one_stops_the_escalation(
            self, tocsin: dict[str, Any], bus: Bus) -> None:
        """The alarm pages alice by email with the page's headers; AcceptPage with the
        mailed code stops the escalation, so bob is never paged, well past stage 1's end."""
        mail = Mail(tocsin)
        await escalating_plan(tocsin, mail)
        await publish(bus, tocsin, alarm("api-5xx"))
        incident = await the_incident(tocsin)
        [page] = await wait_for(mail.pages, timeout=15)
        assert page["To"] == ALICE
        assert page["X-Tocsin-Incident-Arn"] == incident
        code, page_arn = str(page["X-Tocsin-Accept-Code"]), str(page["X-Tocsin-Page-Arn"])
        assert code.isdigit() and ":page/alice/" in page_arn
        assert code in page.get_body(("plain",)).get_content()
        _, contacts = clients(tocsin)
        await asyncio.to_thread(contacts.accept_page, PageId=page_arn, AcceptType="READ",
                                AcceptCode=code)
        # Twice stage 1's length (a plan minute is a second): stage 2 would have paged
        # bob by now.
        await asyncio.sleep(2 * STAGE_MINUTES)
        assert mail.paged() == [ALICE]

    async def test_an_unacknowledged_page_escalates_to_stage_two(
            self, tocsin: dict[str, Any], bus: Bus) -> None:
        """Nobody acknowledges alice's page: when stage 1 ends, bob is mailed a page for
        the same incident."""
        mail = Mail(tocsin)
        await escalating_plan(tocsin, mail)
        await publish(bus, tocsin, alarm("api-5xx"))
        incident = await the_incident(tocsin)
        await wait_for(lambda: BOB in mail.paged(), timeout=20)
        assert mail.paged() == [ALICE, BOB]
        assert {m["X-Tocsin-Incident-Arn"] for m in mail.pages()} == {incident}

    async def test_the_same_alarm_three_times_is_one_incident_and_one_page(
            self, tocsin: dict[str, Any], bus: Bus) -> None:
        """Three state changes of one alarm (one of them delivered twice) open one
        incident, engage the escalation plan once and page alice once (bob, at stage 2,
        once too)."""
        mail = Mail(tocsin)
        await escalating_plan(tocsin, mail)
        first = alarm("api-5xx")
        for event in (first, first, alarm("api-5xx"), alarm("api-5xx")):
            await publish(bus, tocsin, event)
        incident = await the_incident(tocsin)
        incidents, contacts = clients(tocsin)

        def triggers() -> int:
            events = incidents.list_timeline_events(incidentRecordArn=incident)[
                "eventSummaries"]
            return sum(1 for e in events if e["eventType"] == "SSM Incident Trigger")

        async def all_triggers() -> bool:
            return await asyncio.to_thread(triggers) == 3

        await wait_for(all_triggers, timeout=15)
        await wait_for(mail.pages, timeout=15)
        assert len(await asyncio.to_thread(open_incidents, tocsin)) == 1
        engagements = await asyncio.to_thread(
            lambda: contacts.list_engagements(IncidentId=incident)["Engagements"])
        assert len(engagements) == 1
        # Positive barrier: nobody acknowledges, so the one engagement's stage 2 pages bob
        # (a stage lasts two seconds); a second page of alice would have come before it.
        await wait_for(lambda: BOB in mail.paged(), timeout=20)
        assert mail.paged() == [ALICE, BOB]
