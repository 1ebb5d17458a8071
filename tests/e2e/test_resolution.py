"""A resolved incident pages nobody, end to end through boto3 and a real SMTP server, at
``TOCSIN_CLOCK_SCALE=60`` (a plan minute is a real second).

Resolving (by the API, PagerDuty's ``resolve`` or an alarm back to OK on an auto-resolve
plan) stops every engagement of the incident before the call returns: its later stages
never page, the timeline says why and which pages had already gone out. A resolve that
races a stage coming due either stops the stage or follows a page created before the stop,
never a page after it. Re-opening engages the plan's contacts again as new engagements,
visibly.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.testing import wait_for

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
STOP = "SSM Contacts Engagement Stop for Incident"
REENGAGEMENT = "Tocsin Re-engagement for Incident"


@pytest.fixture
def tocsin_options() -> dict[str, dict[str, Any]]:
    return {"common": {"clock_scale": 60.0}}


def clients(tocsin: dict[str, Any]) -> tuple[Any, Any]:
    kw = {"endpoint_url": tocsin["http"], "region_name": tocsin["region"],
          "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}
    return boto3.client("ssm-incidents", **kw), boto3.client("ssm-contacts", **kw)


async def _escalation_plan(tocsin: dict[str, Any], deliveries: Any, *,
                           first_stage_minutes: int,
                           tags: dict[str, str] | None = None) -> tuple[str, str, str]:
    """alice (stage 1, lasting ``first_stage_minutes``) then bob (stage 2), both with an
    activated email; a response plan engaging them; the plan's, alice's and bob's ARNs."""
    incidents, contacts = clients(tocsin)

    def people() -> list[tuple[str, str]]:
        incidents.create_replication_set(regions={tocsin["region"]: {}})
        out = []
        for alias in ("alice", "bob"):
            arn = contacts.create_contact(Alias=alias, Type="PERSONAL",
                                          Plan={"Stages": []})["ContactArn"]
            channel = contacts.create_contact_channel(
                ContactId=arn, Name="work", Type="EMAIL",
                DeliveryAddress={"SimpleAddress": f"{alias}@example.com"})["ContactChannelArn"]
            out.append((arn, channel))
        return out

    (alice, alice_mail), (bob, bob_mail) = await asyncio.to_thread(people)
    await wait_for(lambda: {alice_mail, bob_mail} <= set(deliveries.codes))

    def plan() -> str:
        for contact, channel in ((alice, alice_mail), (bob, bob_mail)):
            contacts.activate_contact_channel(ContactChannelId=channel,
                                              ActivationCode=deliveries.codes[channel])
            contacts.update_contact(ContactId=contact, Plan={"Stages": [{
                "DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
                    "ContactChannelId": channel}}]}]})
        escalation = contacts.create_contact(Alias="oncall", Type="ESCALATION", Plan={
            "Stages": [
                {"DurationInMinutes": first_stage_minutes, "Targets": [{"ContactTargetInfo": {
                    "ContactId": alice, "IsEssential": True}}]},
                {"DurationInMinutes": 5, "Targets": [{"ContactTargetInfo": {
                    "ContactId": bob, "IsEssential": True}}]}]})["ContactArn"]
        return str(incidents.create_response_plan(
            name="database", incidentTemplate={"title": "Database down", "impact": 1},
            engagements=[escalation], **({"tags": tags} if tags else {}))["arn"])

    return await asyncio.to_thread(plan), alice, bob


def _mails(tocsin: dict[str, Any], incident: str) -> list[Any]:
    return [m for m in tocsin["mailbox"].messages
            if m["X-Tocsin-Incident-Arn"] == incident]


def _timeline(incidents: Any, incident: str) -> list[dict[str, Any]]:
    return list(incidents.list_timeline_events(
        incidentRecordArn=incident, sortOrder="ASCENDING")["eventSummaries"])


def _stops(incidents: Any, incident: str) -> list[dict[str, Any]]:
    return [json.loads(incidents.get_timeline_event(
        incidentRecordArn=incident, eventId=e["eventId"])["event"]["eventData"])
        for e in _timeline(incidents, incident) if e["eventType"] == STOP]


async def _engagement(contacts: Any, incident: str) -> dict[str, Any]:
    async def one() -> dict[str, Any] | None:
        found = await asyncio.to_thread(
            lambda: contacts.list_engagements(IncidentId=incident)["Engagements"])
        return found[0] if found else None

    engagement: dict[str, Any] = await wait_for(one, timeout=15)
    return engagement


async def _stage_timers(bus: Bus, engagement_arn: str) -> dict[int, str]:
    reply = await bus.request("tocsin.rpc.escalation.ListTimers",
                              codec.encode({"EngagementArn": engagement_arn}), timeout=5)
    return {t["StageIndex"]: t["State"] for t in codec.decode(reply, dict[str, Any])["Timers"]
            if t["Kind"] == "START_ENGAGEMENT_STAGE"}


async def _stage_cancelled(bus: Bus, engagement_arn: str) -> bool:
    """Whether the engagement's one later stage (bob's) is cancelled: it never fires."""
    return await _stage_timers(bus, engagement_arn) == {1: "CANCELLED"}


async def _deliveries_handled(bus: Bus, tocsin: dict[str, Any]) -> bool:
    """The notifications service has sent or dropped every page requested so far."""
    info = await bus.js.consumer_info(f"DELIVERIES_{tocsin['region'].upper()}",
                                      f"{tocsin['schema_prefix']}notifications-deliveries")
    return info.num_pending == 0 and info.num_ack_pending == 0


async def _due_events_handled(bus: Bus, tocsin: dict[str, Any]) -> bool:
    """The contacts service has acted on every due stage the escalation service fired."""
    info = await bus.js.consumer_info(f"EVENTS_{tocsin['region'].upper()}",
                                      f"{tocsin['schema_prefix']}contacts-escalation")
    return info.num_pending == 0 and info.num_ack_pending == 0


class TestResolvingStopsPaging:
    async def test_resolving_stops_the_next_stage_and_reopening_engages_again(
            self, tocsin: dict[str, Any], deliveries: Any, bus: Bus) -> None:
        """alice is paged; the incident is resolved before bob's stage: by the time the
        call returns the engagement is stopped, bob's stage timer is cancelled and he is
        never mailed; the timeline says the incident was resolved and that alice's page
        had gone out. Re-opening engages the plan anew: a new engagement, a new mail to
        alice, a timeline event saying why, and the old engagement stays stopped."""
        incidents, contacts = clients(tocsin)
        plan, alice, bob = await _escalation_plan(tocsin, deliveries, first_stage_minutes=30)
        incident = await asyncio.to_thread(
            lambda: incidents.start_incident(responsePlanArn=plan)["incidentRecordArn"])
        await wait_for(lambda: _mails(tocsin, incident), timeout=15)
        engagement = await _engagement(contacts, incident)
        await asyncio.to_thread(incidents.update_incident_record, arn=incident,
                                status="RESOLVED")
        described = await asyncio.to_thread(contacts.describe_engagement,
                                            EngagementId=engagement["EngagementArn"])
        assert "StopTime" in described  # stopped before the resolve answered

        await wait_for(lambda: _stage_cancelled(bus, engagement["EngagementArn"]), timeout=10)

        async def stop_recorded() -> list[dict[str, Any]]:
            return await asyncio.to_thread(_stops, incidents, incident)

        [stop] = await wait_for(stop_recorded, timeout=10)
        [alice_page] = await asyncio.to_thread(
            lambda: contacts.list_pages_by_engagement(
                EngagementId=engagement["EngagementArn"])["Pages"])
        assert alice_page["ContactArn"] == alice
        assert stop["reason"] == "Incident resolved"
        assert stop["pagesAlreadySent"] == [alice_page["PageArn"]]

        await asyncio.to_thread(incidents.update_incident_record, arn=incident,
                                status="OPEN")
        await wait_for(lambda: len(_mails(tocsin, incident)) == 2, timeout=15)
        mails = _mails(tocsin, incident)
        assert [m["To"] for m in mails] == ["alice@example.com", "alice@example.com"]
        assert mails[0]["X-Tocsin-Page-Arn"] != mails[1]["X-Tocsin-Page-Arn"]
        engagements = await asyncio.to_thread(
            lambda: contacts.list_engagements(IncidentId=incident)["Engagements"])
        assert len(engagements) == 2
        old = next(e for e in engagements if e["EngagementArn"] == engagement["EngagementArn"])
        new = next(e for e in engagements if e["EngagementArn"] != engagement["EngagementArn"])
        assert "StopTime" in old and "StopTime" not in new

        async def reengaged() -> list[dict[str, Any]]:
            return [e for e in await asyncio.to_thread(_timeline, incidents, incident)
                    if e["eventType"] == REENGAGEMENT]

        [event] = await wait_for(reengaged, timeout=10)
        data = json.loads((await asyncio.to_thread(
            incidents.get_timeline_event, incidentRecordArn=incident,
            eventId=event["eventId"]))["event"]["eventData"])
        assert data["engagementArn"] == new["EngagementArn"]
        assert data["reason"] == "The incident was re-opened"
        assert await _stage_timers(bus, engagement["EngagementArn"]) == {1: "CANCELLED"}
        assert not [m for m in tocsin["mailbox"].messages
                    if m["X-Tocsin-Page-Arn"] and m["To"] == "bob@example.com"]
        assert (await asyncio.to_thread(contacts.list_pages_by_contact, ContactId=bob)
                )["Pages"] == []

    async def test_a_resolve_racing_a_stage_never_pages_after_the_stop(
            self, tocsin: dict[str, Any], deliveries: Any, bus: Bus) -> None:
        """Incidents resolved just before, at and just after the moment bob's stage comes
        due (a plan minute after the start): every engagement is stopped when the resolve
        answers; a page of bob's exists only when it was created before the stop (and the
        timeline lists it as already sent); no mail went out without a page, nor twice."""
        incidents, contacts = clients(tocsin)
        plan, _, bob = await _escalation_plan(tocsin, deliveries, first_stage_minutes=1)
        outcomes: list[tuple[str, dict[str, Any]]] = []
        for offset in (0.6, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.3):
            incident = await asyncio.to_thread(
                lambda: incidents.start_incident(responsePlanArn=plan)["incidentRecordArn"])
            engagement = await _engagement(contacts, incident)
            await asyncio.sleep(offset - 0.1)  # the engagement was found ~0.1 s after start
            await asyncio.to_thread(incidents.update_incident_record, arn=incident,
                                    status="RESOLVED")
            described = await asyncio.to_thread(contacts.describe_engagement,
                                                EngagementId=engagement["EngagementArn"])
            assert "StopTime" in described, offset
            outcomes.append((incident, described))

        async def settled() -> bool:
            for _, e in outcomes:
                if "PENDING" in (await _stage_timers(bus, e["EngagementArn"])).values():
                    return False
            return await _due_events_handled(bus, tocsin)

        await wait_for(settled, timeout=20)
        await wait_for(lambda: _deliveries_handled(bus, tocsin), timeout=20)
        paged_bob = 0
        for incident, e in outcomes:
            pages = await asyncio.to_thread(lambda e=e: contacts.list_pages_by_engagement(
                EngagementId=e["EngagementArn"])["Pages"])
            assert all(p["SentTime"] <= e["StopTime"] for p in pages)
            # A page still waiting in notifications when the engagement stopped is not sent.
            mailed = [m["X-Tocsin-Page-Arn"] for m in _mails(tocsin, incident)]
            assert set(mailed) <= {p["PageArn"] for p in pages}
            assert len(mailed) == len(set(mailed))
            paged_bob += sum(p["ContactArn"] == bob for p in pages)

            async def stop_recorded(i: str = incident) -> list[dict[str, Any]]:
                return await asyncio.to_thread(_stops, incidents, i)

            [stop] = await wait_for(stop_recorded, timeout=10)
            assert stop["reason"] == "Incident resolved"
            assert set(stop["pagesAlreadySent"]) == {p["PageArn"] for p in pages}
        # The earliest resolve came well before bob's stage: he was not paged every time.
        assert paged_bob < len(outcomes)

    async def test_pagerduty_resolve_stops_the_engagements(
            self, tocsin: dict[str, Any], deliveries: Any, bus: Bus) -> None:
        """A PagerDuty ``resolve`` of the incident its ``trigger`` opened stops the
        engagement: bob's stage is cancelled, the timeline says the incident was
        resolved."""
        incidents, contacts = clients(tocsin)
        plan, _, _ = await _escalation_plan(tocsin, deliveries, first_stage_minutes=30)
        key = await asyncio.to_thread(_integration_key, tocsin, plan)
        await asyncio.to_thread(_enqueue, tocsin, {
            "routing_key": key, "event_action": "trigger", "dedup_key": "db-1",
            "payload": {"summary": "Database down", "source": "db", "severity": "critical"}})

        async def opened() -> str | None:
            found = await asyncio.to_thread(
                lambda: incidents.list_incident_records()["incidentRecordSummaries"])
            return str(found[0]["arn"]) if found else None

        incident = await wait_for(opened, timeout=15)
        engagement = await _engagement(contacts, incident)
        await wait_for(lambda: _mails(tocsin, incident), timeout=15)
        await asyncio.to_thread(_enqueue, tocsin, {
            "routing_key": key, "event_action": "resolve", "dedup_key": "db-1"})
        record = await asyncio.to_thread(
            lambda: incidents.get_incident_record(arn=incident)["incidentRecord"])
        assert record["status"] == "RESOLVED"
        described = await asyncio.to_thread(contacts.describe_engagement,
                                            EngagementId=engagement["EngagementArn"])
        assert "StopTime" in described
        await wait_for(lambda: _stage_cancelled(bus, engagement["EngagementArn"]), timeout=10)

        async def stop_recorded() -> list[dict[str, Any]]:
            return await asyncio.to_thread(_stops, incidents, incident)

        [stop] = await wait_for(stop_recorded, timeout=10)
        assert stop["reason"] == "Incident resolved"


    async def test_an_ok_on_an_auto_resolve_plan_stops_the_engagements(
            self, tocsin: dict[str, Any], deliveries: Any, bus: Bus) -> None:
        """A CloudWatch alarm back to OK resolves the incident of a plan tagged
        ``tocsin:auto-resolve``, and that stops its engagement like any resolve."""
        incidents, contacts = clients(tocsin)
        await _escalation_plan(tocsin, deliveries, first_stage_minutes=30,
                               tags={"tocsin:auto-resolve": "true"})
        await _publish_alarm(bus, tocsin, "ALARM", "2024-03-05T09:20:41.515+0000")

        async def opened() -> str | None:
            found = await asyncio.to_thread(
                lambda: incidents.list_incident_records()["incidentRecordSummaries"])
            return str(found[0]["arn"]) if found else None

        incident = await wait_for(opened, timeout=15)
        engagement = await _engagement(contacts, incident)
        await wait_for(lambda: _mails(tocsin, incident), timeout=15)
        await _publish_alarm(bus, tocsin, "OK", "2024-03-05T09:25:41.515+0000")

        async def resolved() -> bool:
            record = await asyncio.to_thread(
                lambda: incidents.get_incident_record(arn=incident)["incidentRecord"])
            return record["status"] == "RESOLVED"

        await wait_for(resolved, timeout=15)
        described = await asyncio.to_thread(contacts.describe_engagement,
                                            EngagementId=engagement["EngagementArn"])
        assert "StopTime" in described
        await wait_for(lambda: _stage_cancelled(bus, engagement["EngagementArn"]), timeout=10)

        async def stop_recorded() -> list[dict[str, Any]]:
            return await asyncio.to_thread(_stops, incidents, incident)

        [stop] = await wait_for(stop_recorded, timeout=10)
        assert stop["reason"] == "Incident resolved"


async def _publish_alarm(bus: Bus, tocsin: dict[str, Any], state: str, at: str) -> None:
    """The CloudWatch alarm ``db-errors`` changing into ``state`` at ``at``, routed to the
    ``database`` plan."""
    event = {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch", "account": "111122223333", "time": at[:19] + "Z",
        "region": "eu-west-1",
        "resources": ["arn:aws:cloudwatch:eu-west-1:111122223333:alarm:db-errors"],
        "detail": {"alarmName": "db-errors", "state": {
            "value": state, "reason": "Threshold Crossed", "timestamp": at}}}
    await bus.js.publish(f"alarms.{tocsin['region']}.cloudwatch", json.dumps(event).encode(),
                         headers={"Tocsin-Response-Plan": "database"})


def _integration_key(tocsin: dict[str, Any], plan_arn: str) -> str:
    url = tocsin["http"] + "/v1/integration-keys"
    body = json.dumps({"responsePlanArn": plan_arn}).encode()
    signed = AWSRequest(method="POST", url=url, data=body,
                        headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(KEY_ID, SECRET), "tocsin", tocsin["region"]).add_auth(signed)
    request = urllib.request.Request(url, data=body, headers=dict(signed.headers.items()),
                                     method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.loads(response.read())["integrationKey"])


def _enqueue(tocsin: dict[str, Any], event: dict[str, Any]) -> None:
    request = urllib.request.Request(tocsin["http"] + "/v2/enqueue",
                                     data=json.dumps(event).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 202
