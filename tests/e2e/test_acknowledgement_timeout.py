"""Tocsin's acknowledgement timeout, end to end through boto3, at ``TOCSIN_CLOCK_SCALE=60``
with ``TOCSIN_ACK_TIMEOUT_MINUTES=1``: a responder acknowledged, the incident stayed open,
so a plan minute (a real second) later the contact is engaged again and the timeline says
why; a resolved incident is left alone."""

from __future__ import annotations

import asyncio
from typing import Any

import boto3
import pytest

from tocsin.shared.testing import wait_for

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
REENGAGEMENT = "Tocsin Re-engagement for Incident"


def clients(tocsin: dict[str, Any]) -> tuple[Any, Any]:
    kw = {"endpoint_url": tocsin["http"], "region_name": tocsin["region"],
          "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}
    return boto3.client("ssm-incidents", **kw), boto3.client("ssm-contacts", **kw)


@pytest.fixture
def tocsin_options() -> dict[str, dict[str, Any]]:
    return {"common": {"clock_scale": 60.0}, "escalation": {"ack_timeout_minutes": 1.0}}


async def _acknowledged_incident(tocsin: dict[str, Any], deliveries: Any
                                 ) -> tuple[Any, Any, str, str]:
    """An open incident whose plan engaged dana, who read her page."""
    incidents, contacts = clients(tocsin)

    def setup() -> tuple[str, str]:
        incidents.create_replication_set(regions={tocsin["region"]: {}})
        dana = contacts.create_contact(Alias="dana", Type="PERSONAL",
                                       Plan={"Stages": []})["ContactArn"]
        channel = contacts.create_contact_channel(
            ContactId=dana, Name="work email", Type="EMAIL",
            DeliveryAddress={"SimpleAddress": "dana@example.com"})["ContactChannelArn"]
        return dana, channel

    dana, channel = await asyncio.to_thread(setup)
    await wait_for(lambda: channel in deliveries.codes)

    def start() -> str:
        contacts.activate_contact_channel(ContactChannelId=channel,
                                          ActivationCode=deliveries.codes[channel])
        contacts.update_contact(ContactId=dana, Plan={"Stages": [{
            "DurationInMinutes": 1, "Targets": [{"ChannelTargetInfo": {
                "ContactChannelId": channel, "RetryIntervalInMinutes": 1}}]}]})
        plan = incidents.create_response_plan(
            name="api", incidentTemplate={"title": "API errors", "impact": 2},
            engagements=[dana])["arn"]
        return str(incidents.start_incident(responsePlanArn=plan)["incidentRecordArn"])

    incident = await asyncio.to_thread(start)
    await wait_for(lambda: any(p.incident_id == incident for p in deliveries.pages),
                   timeout=15)
    page = next(p for p in deliveries.pages if p.incident_id == incident)
    await asyncio.to_thread(contacts.accept_page, PageId=page.page_arn, AcceptType="READ",
                            AcceptCode=page.accept_code)
    return incidents, contacts, incident, dana


def _timeline(incidents: Any, incident: str) -> list[dict[str, Any]]:
    return list(incidents.list_timeline_events(
        incidentRecordArn=incident, sortOrder="ASCENDING")["eventSummaries"])


class TestAcknowledgementTimeout:
    async def test_an_open_incident_engages_the_contact_again(
            self, tocsin: dict[str, Any], deliveries: Any) -> None:
        """After the timeout, dana has a second engagement for the incident, a second page
        went out, and the timeline records the re-engagement after her acknowledgement."""
        incidents, contacts, incident, dana = await _acknowledged_incident(tocsin, deliveries)

        async def reengaged() -> bool:
            events = await asyncio.to_thread(_timeline, incidents, incident)
            return any(e["eventType"] == REENGAGEMENT for e in events)

        await wait_for(reengaged, timeout=15)
        engagements = await asyncio.to_thread(
            lambda: contacts.list_engagements(IncidentId=incident)["Engagements"])
        assert [e["ContactArn"] for e in engagements] == [dana, dana]
        await wait_for(lambda: sum(p.incident_id == incident for p in deliveries.pages) == 2,
                       timeout=10)
        types = [e["eventType"] for e in await asyncio.to_thread(_timeline, incidents,
                                                                 incident)]
        assert types.index("SSM Contacts Page Acknowledgement for Incident") \
            < types.index(REENGAGEMENT)
        assert "SSM Contacts Engagement Stage for Incident" in types

    async def test_a_resolved_incident_is_left_alone(
            self, tocsin: dict[str, Any], deliveries: Any) -> None:
        """Resolving the incident before the timeout means nobody is engaged again."""
        incidents, contacts, incident, _ = await _acknowledged_incident(tocsin, deliveries)
        await asyncio.to_thread(incidents.update_incident_record, arn=incident,
                                status="RESOLVED")
        await asyncio.sleep(2.5)  # well past the one-second timeout
        engagements = await asyncio.to_thread(
            lambda: contacts.list_engagements(IncidentId=incident)["Engagements"])
        assert len(engagements) == 1
        types = [e["eventType"] for e in await asyncio.to_thread(_timeline, incidents,
                                                                 incident)]
        assert REENGAGEMENT not in types
