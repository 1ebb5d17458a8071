"""At a clock scale other than 1 every service keeps the one plan time of the deployment
(``TOCSIN_CLOCK_EPOCH``): what the notifications service records of a page (its SENT
receipt) is not dated before the page itself."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import boto3
import pytest

from tocsin.shared.testing import wait_for

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
SCALE = 20.0


@pytest.fixture
def tocsin_options() -> dict[str, dict[str, Any]]:
    # Plan time met real time a day ago, so it now runs SCALE - 1 days ahead: a service on
    # a clock of its own would be that far behind the others.
    return {"common": {"clock_scale": SCALE, "clock_epoch": time.time() - 86400}}


async def test_a_page_is_sent_in_the_deployments_plan_time(tocsin: dict[str, Any]) -> None:
    contacts = boto3.client("ssm-contacts", endpoint_url=tocsin["http"],
                            region_name=tocsin["region"], aws_access_key_id=KEY_ID,
                            aws_secret_access_key=SECRET)
    box = tocsin["mailbox"]

    def mails(header: str) -> list[Any]:
        return [m for m in box.messages if m["To"] == "erin@example.com" and m[header]]

    def setup() -> tuple[str, str]:
        erin = contacts.create_contact(Alias="erin", Type="PERSONAL",
                                       Plan={"Stages": []})["ContactArn"]
        channel = contacts.create_contact_channel(
            ContactId=erin, Name="work email", Type="EMAIL",
            DeliveryAddress={"SimpleAddress": "erin@example.com"})["ContactChannelArn"]
        return erin, channel

    erin, channel = await asyncio.to_thread(setup)
    activation = (await wait_for(lambda: mails("X-Tocsin-Activation-Code")))[0]

    def engage() -> str:
        contacts.activate_contact_channel(
            ContactChannelId=channel, ActivationCode=str(activation["X-Tocsin-Activation-Code"]))
        contacts.update_contact(ContactId=erin, Plan={"Stages": [{
            "DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
                "ContactChannelId": channel, "RetryIntervalInMinutes": 1}}]}]})
        return str(contacts.start_engagement(
            ContactId=erin, Sender="tocsin", Subject="Database down",
            Content="The primary database is down.")["EngagementArn"])

    engagement = await asyncio.to_thread(engage)
    await wait_for(lambda: mails("X-Tocsin-Page-Arn"), timeout=20)

    def sent_receipts() -> list[dict[str, Any]]:
        pages = contacts.list_pages_by_engagement(EngagementId=engagement)["Pages"]
        return [r for p in pages
                for r in contacts.list_page_receipts(PageId=p["PageArn"])["Receipts"]
                if r["ReceiptType"] == "SENT"]

    [sent] = await wait_for(lambda: asyncio.to_thread(sent_receipts), timeout=20)
    started = (await asyncio.to_thread(contacts.describe_engagement,
                                       EngagementId=engagement))["StartTime"]
    assert sent["ReceiptTime"] >= started
