"""The whole paging loop from an alarm, at TOCSIN_CLOCK_SCALE=60 (a plan minute lasts a
second): a CloudWatch alarm published on NATS opens an incident whose response plan engages
an escalation plan; stage 1's contact is paged; her acknowledgement through boto3 stops the
escalation, and without it stage 2's contact is paged.

The pages are read off the DELIVERIES stream (the ``deliveries`` fixture): the requests the
contacts service hands to the notifications service, which sends them by email with the
``X-Tocsin-Page-Arn``, ``X-Tocsin-Accept-Code`` and ``X-Tocsin-Incident-Arn`` headers.
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
def clock_scale() -> float:
    return 60.0


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


async def escalating_plan(tocsin: dict[str, Any], deliveries: Any) -> tuple[str, str]:
    """alice (stage 1) and bob (stage 2) behind an escalation plan, engaged by the response
    plan ``api-outage``; returns their contact ARNs."""
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
    await wait_for(lambda: {alice_mail, bob_mail} <= set(deliveries.codes))

    def plans() -> None:
        for contact, channel in ((alice, alice_mail), (bob, bob_mail)):
            contacts.activate_contact_channel(ContactChannelId=channel,
                                              ActivationCode=deliveries.codes[channel])
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
    return alice, bob


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


class TestAlarmToPage:
    async def test_acknowledging_stage_one_stops_the_escalation(
            self, tocsin: dict[str, Any], deliveries: Any, bus: Bus) -> None:
        """The alarm pages alice with an accept code for this incident; her AcceptPage
        stops the escalation, so bob is never paged, well past stage 1's end."""
        alice, bob = await escalating_plan(tocsin, deliveries)
        await publish(bus, tocsin, alarm("api-5xx"))
        incident = await the_incident(tocsin)
        await wait_for(lambda: any(p.contact_arn == alice for p in deliveries.pages),
                       timeout=15)
        page = next(p for p in deliveries.pages if p.contact_arn == alice)
        assert (page.incident_id, page.address) == (incident, "alice@example.com")
        assert page.accept_code.isdigit() and page.page_arn
        _, contacts = clients(tocsin)
        await asyncio.to_thread(contacts.accept_page, PageId=page.page_arn, AcceptType="READ",
                                AcceptCode=page.accept_code)
        # Twice stage 1's length (a plan minute is a second): stage 2 would have paged
        # bob by now.
        await asyncio.sleep(2 * STAGE_MINUTES)
        assert [p.contact_arn for p in deliveries.pages] == [alice]
        assert not any(p.contact_arn == bob for p in deliveries.pages)

    async def test_an_unacknowledged_page_escalates_to_stage_two(
            self, tocsin: dict[str, Any], deliveries: Any, bus: Bus) -> None:
        """Nobody acknowledges alice's page: when stage 1 ends, bob is paged for the same
        incident."""
        alice, bob = await escalating_plan(tocsin, deliveries)
        await publish(bus, tocsin, alarm("api-5xx"))
        incident = await the_incident(tocsin)
        await wait_for(lambda: any(p.contact_arn == bob for p in deliveries.pages),
                       timeout=20)
        order = [p.contact_arn for p in deliveries.pages]
        assert order.index(alice) < order.index(bob)
        assert {p.incident_id for p in deliveries.pages} == {incident}

    async def test_the_same_alarm_three_times_is_one_incident_and_one_page(
            self, tocsin: dict[str, Any], deliveries: Any, bus: Bus) -> None:
        """Three state changes of one alarm (one of them delivered twice) open one
        incident, engage the escalation plan once and page alice once."""
        alice, _ = await escalating_plan(tocsin, deliveries)
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
        await wait_for(lambda: any(p.contact_arn == alice for p in deliveries.pages),
                       timeout=15)
        assert len(await asyncio.to_thread(open_incidents, tocsin)) == 1
        engagements = await asyncio.to_thread(
            lambda: contacts.list_engagements(IncidentId=incident)["Engagements"])
        assert len(engagements) == 1
        assert [p.contact_arn for p in deliveries.pages].count(alice) == 1
