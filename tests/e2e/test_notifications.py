"""A whole Tocsin sending real email: an incident's page arrives at an SMTP server with the
incident's title, impact and summary, and its link acknowledges it on the timeline."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp
import boto3
import pytest

from tocsin.shared.testing import wait_for

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"


def clients(tocsin: dict[str, Any]) -> tuple[Any, Any]:
    kw = {"endpoint_url": tocsin["http"], "region_name": tocsin["region"],
          "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}
    return boto3.client("ssm-incidents", **kw), boto3.client("ssm-contacts", **kw)


async def test_incident_page_mail_link_acknowledges_on_the_timeline(
        tocsin: dict[str, Any]) -> None:
    incidents, contacts = clients(tocsin)
    box = tocsin["mailbox"]

    def mails_to(address: str, header: str) -> list[Any]:
        return [m for m in box.messages if m["To"] == address and m[header]]

    def setup() -> tuple[str, str]:
        incidents.create_replication_set(regions={tocsin["region"]: {}})
        arn = contacts.create_contact(Alias="dana", Type="PERSONAL",
                                      Plan={"Stages": []})["ContactArn"]
        channel = contacts.create_contact_channel(
            ContactId=arn, Name="work email", Type="EMAIL",
            DeliveryAddress={"SimpleAddress": "dana@example.com"})["ContactChannelArn"]
        return arn, channel

    dana, channel = await asyncio.to_thread(setup)
    activation = (await wait_for(lambda: mails_to("dana@example.com",
                                                  "X-Tocsin-Activation-Code")))[0]

    def start() -> str:
        contacts.activate_contact_channel(
            ContactChannelId=channel, ActivationCode=str(activation["X-Tocsin-Activation-Code"]))
        contacts.update_contact(ContactId=dana, Plan={"Stages": [{
            "DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
                "ContactChannelId": channel, "RetryIntervalInMinutes": 1}}]}]})
        plan = incidents.create_response_plan(
            name="payments", incidentTemplate={"title": "Payments failing", "impact": 2,
                                               "summary": "Card payments time out."},
            engagements=[dana])["arn"]
        return str(incidents.start_incident(responsePlanArn=plan)["incidentRecordArn"])

    incident = await asyncio.to_thread(start)
    page_mail = (await wait_for(lambda: mails_to("dana@example.com", "X-Tocsin-Page-Arn"),
                                timeout=20))[0]
    assert page_mail["X-Tocsin-Incident-Arn"] == incident
    body = page_mail.get_content()
    assert "Payments failing" in body and "Card payments time out." in body
    assert "Impact:  2 (high)" in body
    link = re.search(r"(http://\S+/v1/ack/\S+)", body)
    assert link
    async with aiohttp.ClientSession() as http:
        for method in ("GET", "POST"):  # the page, then its button
            async with http.request(method, link.group(1)) as resp:
                assert resp.status == 200
                # The page names an incident and carries the link's token: no cache keeps
                # it, no Referer sends the token on.
                assert resp.headers["Cache-Control"] == "no-store"
                assert resp.headers["Referrer-Policy"] == "no-referrer"

    def acknowledgements() -> list[dict[str, Any]]:
        events = incidents.list_timeline_events(incidentRecordArn=incident)["eventSummaries"]
        return [e for e in events
                if e["eventType"] == "SSM Contacts Page Acknowledgement for Incident"]

    await wait_for(lambda: asyncio.to_thread(acknowledgements), timeout=15)


@pytest.mark.expected_error_logs(r"delivery\.dead_letter")
async def test_an_undeliverable_page_is_on_the_timeline_and_has_an_error_receipt(
        tocsin: dict[str, Any], deliveries: Any) -> None:
    incidents, contacts = clients(tocsin)

    def setup() -> tuple[str, str]:
        incidents.create_replication_set(regions={tocsin["region"]: {}})
        arn = contacts.create_contact(Alias="ned", Type="PERSONAL",
                                      Plan={"Stages": []})["ContactArn"]
        channel = contacts.create_contact_channel(
            ContactId=arn, Name="old email", Type="EMAIL",
            DeliveryAddress={"SimpleAddress": "ned@refused.example"})["ContactChannelArn"]
        return arn, channel

    ned, channel = await asyncio.to_thread(setup)
    # The mail server refuses the address, so the code is read off the DELIVERIES stream.
    await wait_for(lambda: channel in deliveries.codes)

    def start() -> str:
        contacts.activate_contact_channel(ContactChannelId=channel,
                                          ActivationCode=deliveries.codes[channel])
        contacts.update_contact(ContactId=ned, Plan={"Stages": [{
            "DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
                "ContactChannelId": channel, "RetryIntervalInMinutes": 1}}]}]})
        plan = incidents.create_response_plan(
            name="mail", incidentTemplate={"title": "Mail down", "impact": 3},
            engagements=[ned])["arn"]
        return str(incidents.start_incident(responsePlanArn=plan)["incidentRecordArn"])

    incident = await asyncio.to_thread(start)

    def failures() -> list[dict[str, Any]]:
        events = incidents.list_timeline_events(incidentRecordArn=incident)["eventSummaries"]
        return [e for e in events if e["eventType"] == "Tocsin Notification Delivery Failed"]

    failure = (await wait_for(lambda: asyncio.to_thread(failures), timeout=20))[0]
    event = await asyncio.to_thread(lambda: incidents.get_timeline_event(
        incidentRecordArn=incident, eventId=failure["eventId"])["event"])
    assert "recipient refused with 550" in event["eventData"] and "ned@" not in event["eventData"]
    page = next(p for p in deliveries.pages if p.contact_arn == ned)

    def receipts() -> list[str]:
        return [r["ReceiptType"] for r in
                contacts.list_page_receipts(PageId=page.page_arn)["Receipts"]]

    await wait_for(lambda: asyncio.to_thread(lambda: "ERROR" in receipts()), timeout=10)
