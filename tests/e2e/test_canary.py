"""Tocsin pages about itself: the canary's test page reaches its contact at a real SMTP
server (aiosmtpd); with the SMTP server down, its page goes unconfirmed and the canary
opens an incident in its response plan.

The incidents, contacts and notifications services run in this event loop; the canary
contact (an activated email channel) and the response plan are made first, by an
incidents instance without a canary, then an instance with one takes over.
"""

from __future__ import annotations

import email
import email.policy
import json
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from prometheus_client import REGISTRY

from tocsin.contacts import app as contacts_app
from tocsin.contacts.settings import Settings as ContactsSettings
from tocsin.incidents import app as incidents_app
from tocsin.incidents.settings import Settings as IncidentsSettings
from tocsin.local.servers import free_port
from tocsin.notifications import app as notifications_app
from tocsin.notifications.settings import Settings as NotificationsSettings
from tocsin.shared import codec
from tocsin.shared.arns import Arns
from tocsin.shared.bus import Bus, rpc_subject
from tocsin.shared.testing import running, wait_for

INTERVAL = 4.0
"""Seconds between two test pages."""
WINDOW = 3.0
"""Seconds a test page has to be confirmed (a page here takes milliseconds)."""
TITLE = "Tocsin canary: a test page was not delivered"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted for delivery"

    def code(self) -> str | None:
        codes = [str(m["X-Tocsin-Activation-Code"]) for m in self.messages
                 if m["X-Tocsin-Activation-Code"]]
        return codes[-1] if codes else None

    def canary_pages(self) -> list[Any]:
        return [m for m in self.messages if m["X-Tocsin-Page-Arn"]
                and str(m["Subject"]).startswith("[Tocsin] Tocsin test page")]


def canary_count(outcome: str) -> float:
    return REGISTRY.get_sample_value("tocsin_canary_pages_total", {"outcome": outcome}) or 0.0


async def call(bus: Bus, service: str, operation: str, body: dict[str, Any]) -> Any:
    return codec.decode(await bus.request(rpc_subject(service, operation), body, timeout=10),
                        dict[str, Any])


class System:
    def __init__(self, bus: Bus, smtp: Controller, mailbox: Mailbox, plan: str,
                 region: str) -> None:
        self.bus = bus
        self.region = region
        self.smtp = smtp
        self.smtp_up = True
        self.mailbox = mailbox
        self.plan = plan

    def stop_smtp(self) -> None:
        if self.smtp_up:
            self.smtp_up = False
            self.smtp.stop()

    async def canary_incidents(self) -> list[dict[str, Any]]:
        """The incidents of the canary's plan (the only plan here that opens any)."""
        reply = await call(self.bus, "incidents", "ListIncidentRecords", {})
        return [s for s in reply["incidentRecordSummaries"] if s["title"] == TITLE]


@pytest_asyncio.fixture
async def system(nats_url: str, database_url: str, isolation: dict[str, str],
                 bus: Bus) -> AsyncIterator[System]:
    common: dict[str, Any] = {"nats_url": nats_url, "database_url": database_url,
                              "shutdown_grace": 5, "clock_epoch": time.time(), **isolation}
    arns = Arns(region=isolation["region"], account="000000000000")
    contact = arns.contacts("contact/canary-ops")
    plan = arns.incidents("response-plan/tocsin-canary")
    incidents = {"outbox_poll_interval": 0.2, **common,
                 "alarms_filter": f"alarms.{isolation['region']}.>",
                 "changes_filter": f"changes.{isolation['region']}.>"}
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    system = System(bus, smtp, mailbox, plan, isolation["region"])
    async with AsyncExitStack() as stack:
        stack.callback(system.stop_smtp)
        await stack.enter_async_context(running(
            contacts_app.lifespan, ContactsSettings(outbox_poll_interval=0.2, **common)))
        await stack.enter_async_context(running(
            notifications_app.lifespan, NotificationsSettings(
                outbox_poll_interval=0.2, receipt_poll_interval=0.2, smtp_host="127.0.0.1",
                smtp_port=smtp.port, retry_base=0.05, retry_max=0.2, **common)))
        async with running(incidents_app.lifespan, IncidentsSettings(**incidents)):
            await canary_contact_and_plan(bus, mailbox, isolation["region"])
        await stack.enter_async_context(running(
            incidents_app.lifespan, IncidentsSettings(
                canary_contact=contact, canary_response_plan=plan,
                canary_interval=INTERVAL, canary_window=WINDOW, **incidents)))
        yield system


async def canary_contact_and_plan(bus: Bus, mailbox: Mailbox, region: str) -> None:
    """``canary-ops`` paged at once on an activated email channel; the plan
    ``tocsin-canary``, which engages nobody (the test looks at its incidents)."""
    await call(bus, "incidents", "CreateReplicationSet", {"regions": {region: {}}})
    contact = (await call(bus, "contacts", "CreateContact", {
        "Alias": "canary-ops", "Type": "PERSONAL", "Plan": {"Stages": []}}))["ContactArn"]
    channel = (await call(bus, "contacts", "CreateContactChannel", {
        "ContactId": contact, "Name": "ops mail", "Type": "EMAIL",
        "DeliveryAddress": {"SimpleAddress": "ops@example.com"}}))["ContactChannelArn"]
    code = await wait_for(mailbox.code, timeout=20)
    await call(bus, "contacts", "ActivateContactChannel",
               {"ContactChannelId": channel, "ActivationCode": code})
    await call(bus, "contacts", "UpdateContact", {"ContactId": contact, "Plan": {"Stages": [{
        "DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
            "ContactChannelId": channel, "RetryIntervalInMinutes": 1}}]}]}})
    await call(bus, "incidents", "CreateResponsePlan", {
        "name": "tocsin-canary", "incidentTemplate": {"title": "Canary", "impact": 2}})


@pytest.mark.expected_error_logs("delivery.dead_letter")
async def test_the_canary_pages_and_raises_an_incident_when_smtp_is_down(
        system: System) -> None:
    # A test page arrives by mail, and its round's check finds it confirmed: no incident.
    confirmed = canary_count("confirmed")
    await wait_for(lambda: system.mailbox.canary_pages(), timeout=INTERVAL + 20)
    page = system.mailbox.canary_pages()[0]
    assert page["To"] == "ops@example.com"
    assert "No action is needed" in page.get_body(("plain",)).get_content()
    await wait_for(lambda: canary_count("confirmed") > confirmed, timeout=WINDOW + 20)
    assert await system.canary_incidents() == []
    # Checked, the round's engagement is stopped: a test page neither escalates nor retries.
    described = await call(system.bus, "contacts", "DescribePage",
                           {"PageId": str(page["X-Tocsin-Page-Arn"])})
    engagement = await call(system.bus, "contacts", "DescribeEngagement",
                            {"EngagementId": described["EngagementArn"]})
    assert engagement["Sender"] == "tocsin-canary" and "StopTime" in engagement

    # The SMTP server goes away: the next test page is not confirmed within the window,
    # and an incident opens in the canary's plan, saying why.
    system.stop_smtp()
    sent = len(system.mailbox.canary_pages())
    incidents = await wait_for(system.canary_incidents, timeout=2 * INTERVAL + WINDOW + 20)
    assert len(incidents) == 1
    assert incidents[0]["status"] == "OPEN"
    assert len(system.mailbox.canary_pages()) == sent
    assert canary_count("unconfirmed") >= 1
    record = (await call(system.bus, "incidents", "GetIncidentRecord",
                         {"arn": incidents[0]["arn"]}))["incidentRecord"]
    assert record["incidentRecordSource"]["source"] == "tocsin.canary"
    assert record["arn"].startswith(system.plan.replace("response-plan", "incident-record"))
    # The trigger on its timeline says which region's page failed (a replication set's
    # regions each run a canary, and their failures join one incident).
    events = (await call(system.bus, "incidents", "ListTimelineEvents",
                         {"incidentRecordArn": record["arn"]}))["eventSummaries"]
    triggers = [json.loads(json.loads((await call(
        system.bus, "incidents", "GetTimelineEvent",
        {"incidentRecordArn": record["arn"], "eventId": e["eventId"]}))["event"]["eventData"])[
            "rawData"]) for e in events if e["eventType"] == "SSM Incident Trigger"]
    assert triggers and all(t["region"] == system.region for t in triggers), triggers
