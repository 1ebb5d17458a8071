"""The paging loop through unchanged boto3 clients: an incident starts, its response plan's
escalation plan pages stage 1, and the acknowledgement lands on the incident's timeline."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import boto3

from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"


def clients(tocsin: dict[str, Any]) -> tuple[Any, Any]:
    kw = {"endpoint_url": tocsin["http"], "region_name": tocsin["region"],
          "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}
    return boto3.client("ssm-incidents", **kw), boto3.client("ssm-contacts", **kw)


class TestPagingLoop:
    async def test_incident_pages_stage_one_and_records_the_acknowledgement(
            self, tocsin: dict[str, Any], deliveries: Any) -> None:
        """Starting an incident engages its escalation plan: stage 1's contact is paged
        (stage 2's is not, yet), and her READ acknowledgement is on the incident timeline."""
        incidents, contacts = clients(tocsin)

        def person(alias: str, email: str) -> tuple[str, str]:
            arn = contacts.create_contact(Alias=alias, Type="PERSONAL",
                                          Plan={"Stages": []})["ContactArn"]
            channel = contacts.create_contact_channel(
                ContactId=arn, Name="work email", Type="EMAIL",
                DeliveryAddress={"SimpleAddress": email})["ContactChannelArn"]
            return arn, channel

        def setup() -> tuple[str, str, str, str]:
            incidents.create_replication_set(regions={tocsin["region"]: {}})
            alice, alice_mail = person("alice", "alice@example.com")
            bob, bob_mail = person("bob", "bob@example.com")
            return alice, alice_mail, bob, bob_mail

        alice, alice_mail, bob, bob_mail = await asyncio.to_thread(setup)
        await wait_for(lambda: {alice_mail, bob_mail} <= set(deliveries.codes))

        def plan_and_start() -> str:
            for contact, channel in ((alice, alice_mail), (bob, bob_mail)):
                contacts.activate_contact_channel(ContactChannelId=channel,
                                                  ActivationCode=deliveries.codes[channel])
                contacts.update_contact(ContactId=contact, Plan={"Stages": [{
                    "DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
                        "ContactChannelId": channel, "RetryIntervalInMinutes": 1}}]}]})
            escalation = contacts.create_contact(Alias="db-oncall", Type="ESCALATION", Plan={
                "Stages": [
                    {"DurationInMinutes": 5, "Targets": [{"ContactTargetInfo": {
                        "ContactId": alice, "IsEssential": True}}]},
                    {"DurationInMinutes": 5, "Targets": [{"ContactTargetInfo": {
                        "ContactId": bob, "IsEssential": True}}]}]})["ContactArn"]
            plan = incidents.create_response_plan(
                name="database", incidentTemplate={"title": "Database down", "impact": 1},
                engagements=[escalation])["arn"]
            return str(incidents.start_incident(responsePlanArn=plan)["incidentRecordArn"])

        incident = await asyncio.to_thread(plan_and_start)
        await wait_for(lambda: any(p.contact_arn == alice for p in deliveries.pages),
                       timeout=15)
        page = next(p for p in deliveries.pages if p.contact_arn == alice)
        assert page.incident_id == incident
        assert page.address == "alice@example.com"

        def acknowledge() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            alice_pages = contacts.list_pages_by_contact(ContactId=alice)["Pages"]
            bob_pages = contacts.list_pages_by_contact(ContactId=bob)["Pages"]
            contacts.accept_page(PageId=page.page_arn, AcceptType="READ",
                                 AcceptCode=page.accept_code, Note="on it")
            return alice_pages, bob_pages

        alice_pages, bob_pages = await asyncio.to_thread(acknowledge)
        assert [p["PageArn"] for p in alice_pages] == [page.page_arn]
        assert bob_pages == []

        def timeline_types() -> list[str]:
            events = incidents.list_timeline_events(incidentRecordArn=incident,
                                                    sortOrder="ASCENDING")["eventSummaries"]
            return [e["eventType"] for e in events]

        async def acknowledged() -> bool:
            types = await asyncio.to_thread(timeline_types)
            return "SSM Contacts Page Acknowledgement for Incident" in types

        await wait_for(acknowledged, timeout=15)
        types = await asyncio.to_thread(timeline_types)
        # The engagement and its first page happen at one instant; the READ comes later.
        assert "SSM Contacts Engagement for Incident" in types
        assert types.index("SSM Contacts Page for Incident") < types.index(
            "SSM Contacts Page Acknowledgement for Incident")

    async def test_a_redelivered_incident_event_engages_nobody_twice(
            self, tocsin: dict[str, Any], bus: Bus) -> None:
        """Delivering a new incident's event again (as after a crash before its ack) leaves
        one engagement per contact: the idempotency token is the incident and the contact."""
        incidents, contacts = clients(tocsin)

        def start() -> tuple[str, str]:
            incidents.create_replication_set(regions={tocsin["region"]: {}})
            carol = contacts.create_contact(Alias="carol", Type="PERSONAL",
                                            Plan={"Stages": []})["ContactArn"]
            plan = incidents.create_response_plan(
                name="queue", incidentTemplate={"title": "Queue backlog", "impact": 3},
                engagements=[carol])["arn"]
            return str(incidents.start_incident(responsePlanArn=plan)["incidentRecordArn"]), \
                carol

        incident, carol = await asyncio.to_thread(start)

        def engagements() -> list[dict[str, Any]]:
            return list(contacts.list_engagements(IncidentId=incident)["Engagements"])

        async def engaged() -> bool:
            return len(await asyncio.to_thread(engagements)) == 1

        await wait_for(engaged, timeout=15)
        sub = await bus.js.subscribe(
            f"events.{tocsin['region']}.incidents.IncidentRecordCreated", ordered_consumer=True)
        original = await sub.next_msg(timeout=5)
        await sub.unsubscribe()
        await bus.publish(original.subject, original.data, msg_id=f"again-{uuid.uuid4()}")
        stream = f"EVENTS_{tocsin['region'].upper()}"
        durable = f"{tocsin['schema_prefix']}incidents-engage"

        async def copy_taken() -> bool:
            info = await bus.js.consumer_info(stream, durable)
            return info.delivered.stream_seq >= 2 and info.num_ack_pending == 0 \
                and info.num_pending == 0

        await wait_for(copy_taken, timeout=15)
        assert [e["ContactArn"] for e in await asyncio.to_thread(engagements)] == [carol]
