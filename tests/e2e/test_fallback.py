"""Paging that reaches nobody never leaves an incident without a human: a whole Tocsin
with a fallback contact (``TOCSIN_FALLBACK_CONTACT``), driven by boto3, and a real SMTP
server that refuses the responder's address."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import boto3
import pytest

from tocsin.shared.testing import wait_for

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
FALLBACK = "duty-manager"


@pytest.fixture
def tocsin_options(isolation: dict[str, str]) -> dict[str, dict[str, Any]]:
    arn = f"arn:tocsin:ssm-contacts:{isolation['region']}:000000000000:contact/{FALLBACK}"
    return {"incidents": {"fallback_contact": arn}}


def clients(tocsin: dict[str, Any]) -> tuple[Any, Any]:
    kw = {"endpoint_url": tocsin["http"], "region_name": tocsin["region"],
          "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}
    return boto3.client("ssm-incidents", **kw), boto3.client("ssm-contacts", **kw)


@pytest.mark.expected_error_logs('delivery\\.dead_letter')
async def test_a_page_every_provider_refused_pages_the_fallback_contact(
        tocsin: dict[str, Any], deliveries: Any) -> None:
    incidents, contacts = clients(tocsin)
    box = tocsin["mailbox"]

    def person(alias: str, address: str) -> tuple[str, str]:
        arn = contacts.create_contact(Alias=alias, Type="PERSONAL",
                                      Plan={"Stages": []})["ContactArn"]
        channel = contacts.create_contact_channel(
            ContactId=arn, Name="email", Type="EMAIL",
            DeliveryAddress={"SimpleAddress": address})["ContactChannelArn"]
        return arn, channel

    def setup() -> list[tuple[str, str]]:
        incidents.create_replication_set(regions={tocsin["region"]: {}})
        return [person("ned", "ned@refused.example"),
                person(FALLBACK, "duty@example.com")]

    people = await asyncio.to_thread(setup)
    (ned, _), (duty, _) = people
    # The mail server refuses ned's address: codes are read off the DELIVERIES stream.
    await wait_for(lambda: all(c in deliveries.codes for _, c in people))

    def start() -> str:
        for arn, channel in people:
            contacts.activate_contact_channel(ContactChannelId=channel,
                                              ActivationCode=deliveries.codes[channel])
            contacts.update_contact(ContactId=arn, Plan={"Stages": [{
                "DurationInMinutes": 0,
                "Targets": [{"ChannelTargetInfo": {"ContactChannelId": channel}}]}]})
        plan = incidents.create_response_plan(
            name="billing", incidentTemplate={"title": "Billing down", "impact": 1},
            engagements=[ned])["arn"]
        return str(incidents.start_incident(responsePlanArn=plan)["incidentRecordArn"])

    incident = await asyncio.to_thread(start)

    def fallback_pages() -> list[Any]:
        return [m for m in box.messages
                if m["To"] == "duty@example.com" and m["X-Tocsin-Page-Arn"]]

    [mail] = await wait_for(fallback_pages, timeout=30)
    assert mail["X-Tocsin-Incident-Arn"] == incident
    assert "Billing down" in mail.get_content()

    def failures() -> list[dict[str, Any]]:
        found = incidents.list_timeline_events(
            incidentRecordArn=incident, sortOrder="ASCENDING", filters=[{
                "key": "eventType", "condition": {"equals": {
                    "stringValues": ["Tocsin Engagement Failed"]}}}])["eventSummaries"]
        return [json.loads(incidents.get_timeline_event(
            incidentRecordArn=incident, eventId=e["eventId"])["event"]["eventData"])
            for e in found]

    [failed] = await asyncio.to_thread(failures)
    [not_paged] = failed["notPaged"]
    assert (not_paged["contactArn"], not_paged["reason"]) == (ned, "DELIVERY_FAILED")
    assert "550" in not_paged["detail"]
    assert failed["fallbackContactArn"] == duty
    engaged = await asyncio.to_thread(
        lambda: contacts.list_engagements(IncidentId=incident)["Engagements"])
    assert sorted(e["ContactArn"] for e in engaged) == sorted([ned, duty])
